//! `TestApp`: a fresh database in a temp dir, the real app over it, three keys, and
//! request helpers that also check every error is a clean problem document.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test as at;
use actix_web::web::Bytes;
use newsdesk::app;
use newsdesk::config::Config;
use newsdesk::db;
use newsdesk::domain::access::Scope;
use newsdesk::state::AppState;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The PostgreSQL server the suite runs against instead of SQLite, when
/// `NEWSDESK_TEST_POSTGRES` names one (a URL to a database the tests may connect to as
/// a user who may create databases; `.ci/run` starts one).
pub fn postgres_server() -> Option<String> {
    std::env::var("NEWSDESK_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// True when the suite runs on PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// A new, empty database on `server`; returns its URL.
pub fn fresh_postgres_database(server: &str) -> String {
    use diesel::{Connection, RunQueryDsl};
    let name = format!("newsdesk_test_{}", uuid::Uuid::now_v7().simple());
    let mut conn = diesel::PgConnection::establish(server).expect("the test PostgreSQL server");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create a test database");
    let mut url = url::Url::parse(server).expect("a postgres:// URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// A second, empty store for the engine the suite runs on: a file `name` in `dir`, or
/// a fresh database on the PostgreSQL server. Returns its `DATABASE_URL`.
pub fn another_store(dir: &std::path::Path, name: &str) -> String {
    match postgres_server() {
        Some(server) => fresh_postgres_database(&server),
        None => dir.join(name).to_str().expect("utf-8 path").to_string(),
    }
}

/// The base URL the tests configure; `Location` and `Link` headers start with it.
pub const PUBLIC_URL: &str = "http://newsdesk.test";

type Call = Rc<dyn Fn(at::TestRequest) -> Pin<Box<dyn Future<Output = Res>>>>;

/// One running app over its own database.
pub struct TestApp {
    /// The state the app was built with (pool, views buffer, metrics).
    pub state: AppState,
    /// Path of the SQLite file.
    pub db_path: std::path::PathBuf,
    /// Every SQL statement the app's connections ran.
    pub sql: db::SqlLog,
    keys: [String; 3],
    call: Call,
    _dir: TempDir,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Res {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("header is text").to_string())
    }

    /// The `ETag` header, which must be present.
    pub fn etag(&self) -> String {
        self.header("etag").expect("response has an ETag")
    }

    /// The `field` names of a problem's `errors[]`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, want: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            want,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}

/// A request being built.
pub struct Req<'a> {
    app: &'a TestApp,
    inner: at::TestRequest,
}

impl Req<'_> {
    /// Adds `Authorization: Bearer <key>` when a key is given.
    pub fn key(mut self, key: Option<&str>) -> Self {
        if let Some(k) = key {
            self.inner = self
                .inner
                .insert_header((header::AUTHORIZATION, format!("Bearer {k}")));
        }
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.insert_header((name, value));
        self
    }

    /// The client's address, as a peer connecting from it.
    pub fn peer(mut self, addr: &str) -> Self {
        self.inner = self.inner.peer_addr(addr.parse().expect("socket address"));
        self
    }

    /// A JSON body (`application/json`).
    pub fn json(mut self, body: &Value) -> Self {
        self.inner = self.inner.set_json(body);
        self
    }

    /// A raw body with a content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.inner = self
            .inner
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body.into());
        self
    }

    /// Sends it through the app.
    pub async fn send(self) -> Res {
        (self.app.call)(self.inner).await
    }
}

impl TestApp {
    /// An app with the default settings (public URL `http://newsdesk.test`).
    pub async fn spawn() -> Self {
        Self::with_config(|_| {}).await
    }

    /// An app whose settings `adjust` changes first.
    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("newsdesk.db");
        let database_url = match postgres_server() {
            Some(server) => fresh_postgres_database(&server),
            None => db_path.to_str().expect("utf-8 path").to_string(),
        };
        let mut config = Config {
            database_url,
            public_url: PUBLIC_URL.into(),
            // Every in-process request comes from the same (unknown) address: quotas
            // are off unless a test turns them on.
            anon_rate: None,
            key_rate: None,
            // and so is counting a client's views once per window.
            view_window_secs: 0,
            media_store: dir
                .path()
                .join("media")
                .to_str()
                .expect("utf-8 path")
                .to_string(),
            media_url: format!("{PUBLIC_URL}/media"),
            ..Config::default()
        };
        adjust(&mut config);
        Self::open(dir, config, None).await
    }

    /// The same database under a new app, as after a restart of the server: nothing
    /// in memory survives, only what the file holds.
    pub async fn restart(self) -> Self {
        let config = (*self.state.config).clone();
        let keys = self.keys.clone();
        let dir = self._dir;
        drop(self.call);
        drop(self.state);
        Self::open(dir, config, Some(keys)).await
    }

    async fn open(dir: TempDir, config: Config, keys: Option<[String; 3]>) -> Self {
        let db_path = dir.path().join("newsdesk.db");
        let sql = db::SqlLog::default();
        let pool = db::build_pool(
            &config.database_url,
            db::Options {
                log: Some(sql.clone()),
                statement_timeout_ms: config.db_statement_timeout_ms,
                connect_timeout_secs: config.db_connect_timeout_secs,
                ..db::Options::new(4)
            },
        )
        .expect("pool");
        db::migrate(&pool).expect("migrations");
        let keys = keys.unwrap_or_else(|| {
            let mut conn = pool.get().expect("connection");
            [Scope::Read, Scope::Write, Scope::Admin].map(|scope| {
                db::keys::create(&mut conn, &format!("test-{scope}"), scope).expect("key")
            })
        });
        let state = AppState::new(pool, config).expect("state");
        let srv = Rc::new(at::init_service(app::build(state.clone())).await);
        let call: Call = Rc::new(move |req: at::TestRequest| {
            let srv = srv.clone();
            Box::pin(async move {
                let res: ServiceResponse = match at::try_call_service(&*srv, req.to_request()).await
                {
                    Ok(res) => res.map_into_boxed_body(),
                    Err(e) => {
                        let (req, _) = at::TestRequest::default().to_srv_request().into_parts();
                        ServiceResponse::new(req, e.error_response())
                    }
                };
                let status = res.status();
                let headers = res.headers().clone();
                let body = at::read_body(res).await;
                let res = Res {
                    status,
                    headers,
                    body,
                };
                check_problem(&res);
                res
            })
        });
        Self {
            state,
            db_path,
            sql,
            keys,
            call,
            _dir: dir,
        }
    }

    /// A second instance on the same store, as a second `newsdesk serve` would be: its
    /// own pool, writer, caches and quotas; the keys are the store's. `adjust` changes
    /// its settings first.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = (*self.state.config).clone();
        adjust(&mut config);
        let dir = tempfile::tempdir().expect("temp dir");
        Self::open(dir, config, Some(self.keys.clone())).await
    }

    /// An app like this one over another store that already holds this one's keys (a
    /// copy of its store), at `database_url`.
    pub async fn over_copy(&self, database_url: String) -> Self {
        self.another_instance(|c| c.database_url = database_url)
            .await
    }

    /// The store's `DATABASE_URL` (an SQLite path, or a PostgreSQL URL).
    pub fn database_url(&self) -> &str {
        &self.state.config.database_url
    }

    /// A key with scope `read`.
    pub fn read_key(&self) -> &str {
        &self.keys[0]
    }

    /// A key with scope `write`.
    pub fn write_key(&self) -> &str {
        &self.keys[1]
    }

    /// A key with scope `admin`.
    pub fn admin_key(&self) -> &str {
        &self.keys[2]
    }

    /// Starts a request.
    pub fn request(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            app: self,
            inner: at::TestRequest::default().method(method).uri(path),
        }
    }

    /// GET, with an optional key.
    pub async fn get(&self, path: &str, key: Option<&str>) -> Res {
        self.request(Method::GET, path).key(key).send().await
    }

    /// POST with a JSON body.
    /// Moves the article at `path` to the trash with the write key (asserts 204).
    pub async fn trash(&self, path: &str) {
        self.delete(path, Some(self.write_key()))
            .await
            .assert_status(204);
    }

    /// A POST without a body (restore, view beacon, …).
    pub async fn post(&self, path: &str, key: Option<&str>) -> Res {
        self.request(Method::POST, path).key(key).send().await
    }

    /// POST `{article}/revisions/{n}/restore` with the write key.
    pub async fn restore_revision(&self, article: &str, n: u32) -> Res {
        self.post(
            &format!("{article}/revisions/{n}/restore"),
            Some(self.write_key()),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, key: Option<&str>, body: &Value) -> Res {
        self.request(Method::POST, path)
            .key(key)
            .json(body)
            .send()
            .await
    }

    /// PUT with a JSON body.
    pub async fn put_json(&self, path: &str, key: Option<&str>, body: &Value) -> Res {
        self.request(Method::PUT, path)
            .key(key)
            .json(body)
            .send()
            .await
    }

    /// PATCH with a body of the given content type.
    pub async fn patch(&self, path: &str, key: Option<&str>, body: &Value, ct: &str) -> Res {
        self.request(Method::PATCH, path)
            .key(key)
            .body(ct, body.to_string())
            .send()
            .await
    }

    /// PATCH as `application/merge-patch+json` with the write key.
    pub async fn merge_patch(&self, path: &str, body: &Value) -> Res {
        self.patch(
            path,
            Some(self.write_key()),
            body,
            "application/merge-patch+json",
        )
        .await
    }

    /// DELETE, with an optional key.
    pub async fn delete(&self, path: &str, key: Option<&str>) -> Res {
        self.request(Method::DELETE, path).key(key).send().await
    }

    /// Creates an author from a name with the write key; returns its slug.
    pub async fn create_author(&self, name: &str) -> String {
        let res = self
            .post_json(
                "/v1/authors",
                Some(self.write_key()),
                &json!({ "name": name }),
            )
            .await;
        res.assert_status(201);
        res.json()["slug"].as_str().expect("slug").to_string()
    }

    /// Creates an article with the write key; returns it.
    pub async fn create_article(&self, body: &Value) -> Value {
        let res = self
            .post_json("/v1/articles", Some(self.write_key()), body)
            .await;
        res.assert_status(201);
        res.json()
    }

    /// Creates a draft with this title and body; returns it.
    pub async fn draft(&self, title: &str, body_markdown: &str) -> Value {
        self.create_article(
            &json!({"title": title, "body_markdown": body_markdown, "status": "draft"}),
        )
        .await
    }

    /// Creates a published article, dated in the past, with this title.
    pub async fn published(&self, title: &str) -> Value {
        self.create_article(&published(title)).await
    }

    /// Reads an article with the read key; returns it.
    pub async fn article(&self, id: &str) -> Value {
        let res = self
            .get(&format!("/v1/articles/{id}"), Some(self.read_key()))
            .await;
        res.assert_status(200);
        res.json()
    }
}

/// The body of a published article, dated in the past.
pub fn published(title: &str) -> Value {
    json!({
        "title": title,
        "status": "published",
        "published_at": "2024-05-01T10:00:00Z",
        "body_markdown": format!("About {title}.\n\nMore text."),
    })
}

/// Every error is an RFC 9457 document that leaks nothing of the server's insides.
#[track_caller]
fn check_problem(res: &Res) {
    if res.status.as_u16() < 400 {
        return;
    }
    let ct = res.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "a {} answered with content type {ct:?}: {}",
        res.status,
        res.text()
    );
    let p = res.json();
    assert_eq!(p["status"], res.status.as_u16(), "problem status: {p}");
    for field in ["type", "title", "detail"] {
        assert!(p[field].is_string(), "problem without {field}: {p}");
    }
    let lower = res.text().to_lowercase();
    for leak in ["diesel", "sqlite", "panicked", "constraint", "r2d2"] {
        assert!(!lower.contains(leak), "problem leaks {leak:?}: {p}");
    }
}

/// `path?k=v&…` with every name and value percent-encoded (Cyrillic, `+`, quotes, …).
pub fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        q.append_pair(k, v);
    }
    format!("{path}?{}", q.finish())
}

/// The `title` of every item of a list answer, in order.
pub fn titles(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("a list answer has data[]")
        .iter()
        .map(|a| a["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A TCP port free on loopback now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("an address")
        .port()
}

/// The program `name` a test starts as a real server (from PATH, then `extra` folders).
/// Missing: `None`, and the test says it is skipped — unless the environment variable
/// `required` is set (CI sets it after installing the program), which fails the test.
pub fn external_server(
    name: &str,
    extra: &[std::path::PathBuf],
    required: &str,
) -> Option<std::path::PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain(extra.iter().cloned())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os(required).is_none(),
            "{required} is set but {name} is not installed"
        );
        eprintln!("{name} not found: a test that needs it is skipped ({required}=1 in CI runs it)");
    }
    found
}

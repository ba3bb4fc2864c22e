//! Several instances on one PostgreSQL: two apps over one database, each with its own
//! pool, writer, caches and quotas, as two `newsdesk serve` processes behind a load
//! balancer would be. Runs when the suite runs on PostgreSQL (`NEWSDESK_TEST_POSTGRES`);
//! on SQLite each test returns at once (one process serves an SQLite file).

use actix_web::http::Method;
use futures_util::future::join_all;
use newsdesk::domain::quota::Rate;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, on_postgres, published, with_query};
use crate::webhooks::Receiver;

/// Two instances on one fresh PostgreSQL database, or `None` on SQLite.
async fn two_instances() -> Option<(TestApp, TestApp)> {
    if !on_postgres() {
        eprintln!("two instances need PostgreSQL (NEWSDESK_TEST_POSTGRES): skipped");
        return None;
    }
    let a = TestApp::spawn().await;
    let b = a.another_instance(|_| {}).await;
    Some((a, b))
}

#[actix_web::test]
async fn if_match_is_exactly_one_wins_across_two_instances() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let article = a.published("Contested").await;
    let id = article["id"].as_str().unwrap().to_string();
    let etag = a.get(&format!("/v1/articles/{id}"), None).await.etag();
    let patches = (0..32).map(|i| {
        let (app, etag, id) = (if i % 2 == 0 { &a } else { &b }, etag.clone(), id.clone());
        async move {
            app.request(Method::PATCH, &format!("/v1/articles/{id}"))
                .key(Some(app.write_key()))
                .header("if-match", &etag)
                .body(
                    "application/merge-patch+json",
                    json!({"title": format!("Edit {i}")}).to_string(),
                )
                .send()
                .await
                .status
                .as_u16()
        }
    });
    let mut statuses = join_all(patches).await;
    statuses.sort_unstable();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        31,
        "{statuses:?}"
    );
    // Both instances see the one winner, at version 2.
    let on_a = a
        .get(&format!("/v1/articles/{id}"), Some(a.read_key()))
        .await;
    let on_b = b
        .get(&format!("/v1/articles/{id}"), Some(b.read_key()))
        .await;
    assert_eq!(on_a.json()["title"], on_b.json()["title"]);
    assert_eq!(on_a.etag(), on_b.etag());
}

/// Every event of the feed from the start, reading on `app`.
async fn feed_ids(app: &TestApp, since: &mut Option<String>, into: &mut Vec<i64>) {
    loop {
        let path = match since.as_deref() {
            Some(s) => with_query("/v1/changes", &[("since", s), ("limit", "100")]),
            None => "/v1/changes?limit=100".to_string(),
        };
        let res = app.get(&path, Some(app.read_key())).await;
        res.assert_status(200);
        let page = res.json();
        into.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        *since = Some(page["meta"]["next_cursor"].as_str().unwrap().to_string());
        if page["meta"]["has_more"] == false {
            return;
        }
    }
}

#[actix_web::test]
async fn the_change_feed_is_gap_free_while_both_instances_write() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    const WRITES: usize = 60;
    let writes = async {
        let creates = (0..WRITES).map(|i| {
            let app = if i % 2 == 0 { &a } else { &b };
            async move {
                app.create_article(&published(&format!("Concurrent {i}")))
                    .await;
            }
        });
        join_all(creates).await;
    };
    // A consumer polls all the while, alternating between the instances, and must end
    // with every event exactly once, in order: a poll that saw event n+1 before n
    // committed would have skipped n for good.
    let consume = async {
        let (mut since, mut seen) = (None, Vec::new());
        for round in 0..40 {
            let app = if round % 2 == 0 { &a } else { &b };
            feed_ids(app, &mut since, &mut seen).await;
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (since, seen)
    };
    let ((), (mut since, mut seen)) = tokio::join!(writes, consume);
    feed_ids(&a, &mut since, &mut seen).await;
    // Each create is one event (created and published at once: `article.published`).
    assert_eq!(seen.len(), WRITES, "{seen:?}");
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, seen, "in order, none twice");
    assert_eq!(
        *seen.last().unwrap() - seen[0] + 1,
        WRITES as i64,
        "no number skipped: {seen:?}"
    );
}

#[actix_web::test]
async fn a_commit_on_one_instance_reaches_the_others_kept_responses_within_a_poll() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let article = a.published("Before").await;
    let unrelated = a.published("Unrelated").await;
    let unrelated = format!("/v1/articles/{}", unrelated["slug"].as_str().unwrap());
    let slug = article["slug"].as_str().unwrap().to_string();
    let path = format!("/v1/articles/{slug}");
    let mut seen = None;
    a.state.forget_changes_elsewhere(&mut seen).await;
    assert_eq!(a.get(&path, None).await.json()["title"], "Before");
    a.get(&unrelated, None).await.assert_status(200);
    assert_eq!(
        crate::helpers::titles(&a.get("/v1/articles", None).await.json()),
        ["Unrelated", "Before"]
    );
    b.merge_patch(
        &format!("/v1/articles/{}", article["id"].as_str().unwrap()),
        &json!({"title": "After"}),
    )
    .await
    .assert_status(200);
    // Until instance a looks at the change record (every second in `serve`), it may
    // still hold its copies; one look and both the article and the list are fresh.
    assert!(a.state.forget_changes_elsewhere(&mut seen).await);
    // Only what the commit touched: the unrelated article is still kept.
    a.sql.take();
    a.get(&unrelated, None).await.assert_status(200);
    assert!(a.sql.take().is_empty(), "the unrelated article stays kept");
    assert_eq!(a.get(&path, None).await.json()["title"], "After");
    assert_eq!(
        crate::helpers::titles(&a.get("/v1/articles", None).await.json()),
        ["Unrelated", "After"]
    );
    // Its own commits are not mistaken for another's.
    a.merge_patch(
        &format!("/v1/articles/{}", article["id"].as_str().unwrap()),
        &json!({"title": "Again"}),
    )
    .await
    .assert_status(200);
    assert!(!a.state.forget_changes_elsewhere(&mut seen).await);
}

#[actix_web::test]
async fn views_counted_on_both_instances_add_up() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let article = a.published("Read everywhere").await;
    let id = article["id"].as_str().unwrap().to_string();
    for (app, n) in [(&a, 7), (&b, 5)] {
        for _ in 0..n {
            app.post(&format!("/v1/articles/{id}/views"), None)
                .await
                .assert_status(204);
        }
    }
    let (fa, fb) = tokio::join!(
        a.state.views.flush(&a.state.pool),
        b.state.views.flush(&b.state.pool)
    );
    fa.unwrap();
    fb.unwrap();
    let res = b
        .get(&format!("/v1/articles/{id}"), Some(b.read_key()))
        .await;
    assert_eq!(res.json()["view_count"], 12);
}

#[actix_web::test]
async fn each_webhook_delivery_is_sent_once_while_both_instances_deliver() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let rx = Receiver::start();
    a.post_json(
        "/v1/webhooks",
        Some(a.admin_key()),
        &json!({"url": rx.url, "events": ["article.published"]}),
    )
    .await
    .assert_status(201);
    for i in 0..30 {
        a.create_article(&published(&format!("News {i}"))).await;
    }
    let run = |app: &TestApp| {
        let (pool, config) = (app.state.pool.clone(), (*app.state.config).clone());
        std::thread::spawn(move || newsdesk::jobs::deliver_due(&pool, &config).unwrap())
    };
    let (ta, tb) = (run(&a), run(&b));
    let sent = ta.join().unwrap() + tb.join().unwrap();
    assert_eq!(sent, 30, "attempts made by the two instances together");
    let mut ids: Vec<String> = rx
        .received()
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["article"]["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 30);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "no article announced twice");
    assert_eq!(
        newsdesk::jobs::deliver_due(&b.state.pool, &b.state.config).unwrap(),
        0
    );
}

#[actix_web::test]
async fn a_scheduled_article_is_published_and_announced_once() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let when = chrono::Utc::now() + chrono::Duration::milliseconds(800);
    let article = a
        .create_article(&json!({"title": "At noon", "body_markdown": "x", "status": "scheduled", "published_at": when.to_rfc3339()}))
        .await;
    for app in [&a, &b] {
        app.state
            .pool
            .clock()
            .advance(chrono::Duration::milliseconds(1000));
    }
    let (pa, pb) = (a.state.pool.clone(), b.state.pool.clone());
    let ta = std::thread::spawn(move || newsdesk::jobs::publish_due(&pa).unwrap());
    let tb = std::thread::spawn(move || newsdesk::jobs::publish_due(&pb).unwrap());
    assert_eq!(
        ta.join().unwrap() + tb.join().unwrap(),
        1,
        "announced by one instance"
    );
    let res = b
        .get(
            &with_query("/v1/changes", &[("limit", "100")]),
            Some(b.read_key()),
        )
        .await;
    let published = res.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "article.published" && e["article_id"] == article["id"])
        .count();
    assert_eq!(published, 1);
}

#[actix_web::test]
async fn keys_and_preview_links_work_on_every_instance() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let draft = a.draft("Embargoed", "Not yet.").await;
    let id = draft["id"].as_str().unwrap();
    // The key made through instance a's store answers on b.
    b.get(&format!("/v1/articles/{id}"), Some(b.write_key()))
        .await
        .assert_status(200);
    let link = a
        .post(
            &format!("/v1/articles/{id}/preview-links"),
            Some(a.write_key()),
        )
        .await;
    link.assert_status(201);
    let url = link.json()["url"].as_str().unwrap().to_string();
    let path = &url[PUBLIC_URL.len()..];
    // Signed on a, opened on b: the preview key is the store's, not the process's.
    let seen = b.get(path, None).await;
    seen.assert_status(200);
    assert_eq!(seen.json()["title"], "Embargoed");
}

#[actix_web::test]
async fn a_quota_is_counted_per_instance() {
    if !on_postgres() {
        return;
    }
    let rate = Some(Rate {
        limit: 2,
        window_secs: 3600,
    });
    let a = TestApp::with_config(|c| c.anon_rate = rate).await;
    let b = a.another_instance(|_| {}).await;
    get(&a).await.assert_status(200);
    get(&a).await.assert_status(200);
    get(&a).await.assert_status(429);
    // The same client through the other instance has that instance's own quota: with
    // N instances behind a balancer, a client gets up to N times the rate.
    get(&b).await.assert_status(200);
    get(&b).await.assert_status(200);
    get(&b).await.assert_status(429);
}

/// One anonymous list request from the same client address.
async fn get(app: &TestApp) -> crate::helpers::Res {
    app.request(Method::GET, "/v1/articles")
        .peer("203.0.113.9:4000")
        .send()
        .await
}

#[actix_web::test]
async fn an_event_numbered_before_a_commit_elsewhere_is_never_skipped() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let first = a.published("First").await;
    let (mut since, mut seen) = (None, Vec::new());
    feed_ids(&a, &mut since, &mut seen).await;
    // Instance b's writer takes the next event number and stays in its transaction a
    // while (a slow write), as a busy instance may.
    let slow = {
        let (pool, id) = (
            b.state.pool.clone(),
            first["id"].as_str().unwrap().to_string(),
        );
        std::thread::spawn(move || {
            pool.write_blocking(move |conn| {
                use diesel::RunQueryDsl;
                newsdesk::db::sql_query(
                    conn,
                    "INSERT INTO article_events \
                       (article_id, kind, occurred_at, public_before, public_after, public) \
                     VALUES (?, 'article.updated', '2026-01-01T00:00:00.000000Z', true, true, true)",
                )
                .bind::<diesel::sql_types::Text, _>(id)
                .execute(conn)?;
                std::thread::sleep(std::time::Duration::from_millis(600));
                Ok::<_, newsdesk::db::StoreError>(())
            })
        })
    };
    actix_web::rt::time::sleep(std::time::Duration::from_millis(150)).await;
    // Meanwhile instance a writes, and a consumer polls.
    let second = published("Second");
    let write = a.create_article(&second);
    let poll = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
        feed_ids(&a, &mut since, &mut seen).await;
    };
    tokio::join!(write, poll);
    slow.join().unwrap().unwrap();
    feed_ids(&b, &mut since, &mut seen).await;
    assert_eq!(
        seen.len(),
        3,
        "first, the slow write's and the second: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[1] == w[0] + 1),
        "skipped one: {seen:?}"
    );
}

/// A TCP relay to the PostgreSQL server that can be cut (every open connection closed,
/// new ones refused) and restored: the server unreachable, then back.
struct Relay {
    port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn start(target: String) -> Self {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (u, o) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !u.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(&target) else {
                    continue;
                };
                let mut kept = o.lock().unwrap();
                kept.push(client.try_clone().unwrap());
                kept.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Self { port, up, open }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[actix_web::test]
async fn an_unreachable_server_is_503_with_retry_after_and_the_instance_recovers() {
    let Some(server) = crate::helpers::postgres_server() else {
        return;
    };
    let direct = crate::helpers::fresh_postgres_database(&server);
    let mut url = url::Url::parse(&direct).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let relay = Relay::start(target);
    url.set_port(Some(relay.port)).unwrap();
    let app = TestApp::with_config(|c| {
        c.database_url = url.to_string();
        c.db_connect_timeout_secs = 1;
    })
    .await;
    let kept = app.published("Written before").await;
    let id = kept["id"].as_str().unwrap().to_string();
    app.get("/readyz", None).await.assert_status(200);

    relay.cut();
    let started = std::time::Instant::now();
    for res in [
        app.get("/readyz", None).await,
        app.get(&format!("/v1/articles/{id}"), Some(app.read_key()))
            .await,
        app.post_json(
            "/v1/articles",
            Some(app.write_key()),
            &published("Written during"),
        )
        .await,
    ] {
        res.assert_status(503);
        assert!(
            res.header("retry-after").is_some(),
            "503 without Retry-After"
        );
    }
    // No request hung until the server came back (each waits at most about the
    // connect timeout).
    assert!(started.elapsed() < std::time::Duration::from_secs(20));

    relay.restore();
    let mut ready = false;
    for _ in 0..40 {
        if app.get("/readyz", None).await.status == 200 {
            ready = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ready, "the instance recovers without a restart");
    let mut created = 0;
    for _ in 0..40 {
        let res = app
            .post_json(
                "/v1/articles",
                Some(app.write_key()),
                &published("Written after"),
            )
            .await;
        if res.status == 201 {
            created += 1;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(created, 1, "writes go through again");
    app.get(&format!("/v1/articles/{id}"), Some(app.read_key()))
        .await
        .assert_status(200);
    let titles =
        crate::helpers::titles(&app.get("/v1/articles", Some(app.read_key())).await.json());
    assert!(
        !titles.contains(&"Written during".to_string()),
        "{titles:?}"
    );
    assert!(titles.contains(&"Written after".to_string()), "{titles:?}");
}

#[actix_web::test]
async fn instances_started_together_migrate_one_database_once() {
    let Some(server) = crate::helpers::postgres_server() else {
        return;
    };
    let url = crate::helpers::fresh_postgres_database(&server);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
                .arg("migrate")
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", "warn")
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = Vec::new();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{stderr}");
        applied.push(stderr);
    }
    // One of them applied the migrations; the others found nothing left to do.
    let count = diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(
        &newsdesk::db::POSTGRES_MIGRATIONS,
    )
    .unwrap()
    .len();
    let all = format!("applied {count} migration");
    assert_eq!(
        applied.iter().filter(|s| s.contains(&all)).count(),
        1,
        "{applied:?}"
    );
    assert_eq!(
        applied
            .iter()
            .filter(|s| s.contains("applied 0 migration"))
            .count(),
        3,
        "{applied:?}"
    );
}

/// A PostgreSQL server of a test's own (`.ci/postgres.sh`): crashing the suite's would
/// fail the tests running beside it. Stopped when dropped.
struct OwnServer {
    dir: std::path::PathBuf,
    url: String,
}

impl OwnServer {
    fn start() -> Self {
        // Under /tmp, not in a private temporary folder: as root the server runs as the
        // `postgres` user, who must reach its folder.
        let dir = std::env::temp_dir().join(format!(
            "newsdesk-own-pg-{}-{}",
            std::process::id(),
            crate::helpers::free_port()
        ));
        // Durable, as a production server is: the suite's own runs without fsync and
        // with `synchronous_commit=off`, which lose the last commits in a crash by design.
        let out = Self::script_at(&dir, "start");
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Self { dir, url }
    }

    fn script_at(dir: &std::path::Path, cmd: &str) -> std::process::Output {
        let out = postgres_sh(dir, cmd).unwrap();
        assert!(
            out.status.success(),
            "postgres.sh {cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn script(&self, cmd: &str) {
        Self::script_at(&self.dir, cmd);
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = postgres_sh(&self.dir, "stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `.ci/postgres.sh CMD DIR` for a durable server (fsync and synchronous commits on).
fn postgres_sh(dir: &std::path::Path, cmd: &str) -> std::io::Result<std::process::Output> {
    std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/postgres.sh"))
        .arg(cmd)
        .arg(dir)
        .env(
            "PG_EXTRA",
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on",
        )
        .output()
}

/// A `newsdesk serve` process (the binary this suite was built with); killed with
/// SIGKILL when dropped.
struct Process {
    child: std::process::Child,
    base: String,
}

impl Process {
    fn serve(database_url: &str) -> Self {
        let port = crate::helpers::free_port();
        let base = format!("http://127.0.0.1:{port}");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("NEWSDESK_BIND", format!("127.0.0.1:{port}"))
            .env("NEWSDESK_PUBLIC_URL", &base)
            .env("NEWSDESK_ANON_RATE", "off")
            .env("NEWSDESK_KEY_RATE", "off")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let process = Self { child, base };
        let ready = (0..300).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            process.call("GET", "/readyz", None, None).0 == 200
        });
        assert!(ready, "newsdesk serve did not become ready");
        process
    }

    /// (status, JSON body) of a request; status 0 when there was no answer.
    fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let auth = key.map(|k| format!("Bearer {k}"));
        let sent = match (method, body, auth) {
            ("POST", Some(body), Some(auth)) => agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(body.to_string()),
            (_, _, Some(auth)) => agent.get(&url).header("Authorization", &auth).call(),
            _ => agent.get(&url).call(),
        };
        match sent {
            Ok(mut res) => {
                let status = res.status().as_u16();
                let text = res.body_mut().read_to_string().unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or_default())
            }
            Err(_) => (0, Value::Null),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// No write answered 2xx is lost: creates answered 201 by a real `newsdesk serve`, then
/// that process killed with SIGKILL (nothing shuts down in order) and PostgreSQL crashed
/// (immediate shutdown: no checkpoint, the WAL replayed on start); a new process on the
/// same store shows every one of them.
#[test]
fn writes_answered_2xx_survive_a_killed_instance_and_a_crashed_server() {
    if !on_postgres() {
        return;
    }
    let server = OwnServer::start();
    let bin = env!("CARGO_BIN_EXE_newsdesk");
    let key = std::process::Command::new(bin)
        .args(["keys", "create", "--name", "durable", "--scope", "write"])
        .env("DATABASE_URL", &server.url)
        .output()
        .unwrap();
    assert!(
        key.status.success(),
        "{}",
        String::from_utf8_lossy(&key.stderr)
    );
    let key = String::from_utf8_lossy(&key.stdout).trim().to_string();

    let first = Process::serve(&server.url);
    let mut answered = Vec::new();
    for i in 0..20 {
        let (status, body) = first.call(
            "POST",
            "/v1/articles",
            Some(&key),
            Some(&published(&format!("Kept through a crash {i}"))),
        );
        assert_eq!(status, 201, "{body}");
        answered.push(body["id"].as_str().unwrap().to_string());
    }
    drop(first); // SIGKILL
    server.script("restart");

    let second = Process::serve(&server.url);
    let (status, list) = second.call("GET", "/v1/articles?limit=100", Some(&key), None);
    assert_eq!(status, 200, "{list}");
    let stored: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    for id in &answered {
        assert!(
            stored.contains(&id.as_str()),
            "{id} was answered 201 and is gone"
        );
    }
}

//! Operations: health, readiness, metrics, request ids, connection settings, migrations.

use actix_web::http::Method;
use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness;
use newsdesk::db;

use crate::helpers::{TestApp, on_postgres};

#[actix_web::test]
async fn healthz_and_readyz_answer_200() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        assert_eq!(res.json()["status"], "ok");
        assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    }
}

#[actix_web::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::spawn().await;
    app.get("/v1/articles", None).await.assert_status(200);
    app.get("/nope", None).await.assert_status(404);
    let res = app.get("/metrics", None).await;
    res.assert_status(200);
    assert!(
        res.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain"),
        "{:?}",
        res.header("content-type")
    );
    let text = res.text();
    let line = text
        .lines()
        .find(|l| l.starts_with("newsdesk_http_requests_total") && l.contains("/v1/articles"))
        .unwrap_or_else(|| panic!("no request counter for /v1/articles:\n{text}"));
    assert!(line.contains("status=\"200\""), "{line}");
    assert!(line.ends_with(" 1"), "{line}");

    // Every article's path counts under its route's pattern, Ukrainian slugs (sent
    // percent-encoded) and slugs that spell a literal segment included.
    let ua = app.published("Вітаємо з Днем Незалежності").await;
    let related = app.published("Related").await;
    let related_slug = related["slug"].as_str().unwrap();
    assert_eq!(related_slug, "related");
    let ua_slug = ua["slug"].as_str().unwrap();
    let encoded: String = url_escape(ua_slug);
    for path in [
        format!("/v1/articles/{encoded}"),
        format!("/v1/articles/{related_slug}"),
        format!("/v1/articles/{related_slug}/related"),
        format!("/v1/articles/{encoded}/related"),
        "/v1/articles/no-such-article".to_string(),
    ] {
        app.get(&path, None).await;
    }
    let text = app.get("/metrics", None).await.text();
    let count = |endpoint: &str, status: &str| -> u64 {
        let labels = format!("endpoint=\"{endpoint}\",method=\"GET\",status=\"{status}\"");
        (text.lines())
            .filter(|l| l.starts_with("newsdesk_http_requests_total{") && l.contains(&labels))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(count("/v1/articles/{id}", "200"), 2, "{text}");
    assert_eq!(count("/v1/articles/{id}", "404"), 1, "{text}");
    assert_eq!(count("/v1/articles/{id}/related", "200"), 2, "{text}");
    let sqlite_heap: i64 = (text.lines())
        .find_map(|l| l.strip_prefix("newsdesk_sqlite_heap_bytes "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no newsdesk_sqlite_heap_bytes: {text}"));
    // Process-wide: on PostgreSQL other tests may hold SQLite stores meanwhile.
    assert!(on_postgres() || sqlite_heap > 0, "{sqlite_heap}");
    assert!(
        !text.contains("endpoint=\"/v1/articles/related"),
        "no path stands as a route: {text}"
    );
}

/// `s` percent-encoded byte by byte outside ASCII letters, digits and `-`.
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn a_request_id_is_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app
        .request(Method::GET, "/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("abc-123"));
    let one = app.get("/healthz", None).await.header("x-request-id");
    let two = app.get("/nope", None).await.header("x-request-id");
    let (one, two) = (one.expect("generated"), two.expect("on errors too"));
    assert!(!one.is_empty() && one != two, "{one} / {two}");
    let unsafe_id = app
        .request(Method::GET, "/healthz")
        .header("x-request-id", &"x".repeat(200))
        .send()
        .await
        .header("x-request-id")
        .unwrap();
    assert_ne!(unsafe_id, "x".repeat(200), "an oversized id is replaced");
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[derive(diesel::QueryableByName)]
struct ForeignKeys {
    #[diesel(sql_type = BigInt)]
    foreign_keys: i64,
}

#[actix_web::test]
async fn pooled_connections_use_wal_and_enforce_foreign_keys() {
    let app = TestApp::spawn().await;
    // Take every connection of the pool, so each one's setup is checked.
    let mut conns: Vec<_> = (0..4).map(|_| app.state.pool.get().unwrap()).collect();
    for conn in conns.iter_mut().filter(|_| !on_postgres()) {
        let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(&mut **conn)
            .unwrap();
        assert_eq!(mode.journal_mode, "wal");
        let fk: ForeignKeys = diesel::sql_query("PRAGMA foreign_keys")
            .get_result(&mut **conn)
            .unwrap();
        assert_eq!(fk.foreign_keys, 1);
    }
    let orphan =
        diesel::sql_query("INSERT INTO former_slugs (slug, article_pk) VALUES ('orphan', 424242)")
            .execute(&mut *conns[0]);
    assert!(orphan.is_err(), "a link to no article must be refused");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn tables(conn: &mut db::AnyConnection) -> i64 {
    let sql = if on_postgres() {
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name != '__diesel_schema_migrations'"
    } else {
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'"
    };
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

#[actix_web::test]
async fn migrations_run_down_and_up_again() {
    let app = TestApp::spawn().await;
    let mut conn = app.state.pool.get().unwrap();
    let before = tables(&mut conn);
    assert!(
        before >= 7,
        "articles, tags, authors, links, former slugs, keys: {before}"
    );
    let migrations = db::migrations(app.state.pool.engine());
    let reverted = conn.revert_all_migrations(migrations).unwrap().len();
    assert!(reverted > 0);
    assert_eq!(tables(&mut conn), 0, "down.sql drops every table");
    let applied = conn
        .run_pending_migrations(db::migrations(app.state.pool.engine()))
        .unwrap();
    assert_eq!(applied.len(), reverted);
    assert_eq!(tables(&mut conn), before);
    drop(conn);
    // Keys went with the tables; the app still answers on the fresh schema.
    app.get("/v1/articles", None).await.assert_status(200);
}

#[actix_web::test]
async fn responses_are_compressed_when_asked() {
    let app = TestApp::spawn().await;
    for (accept, want) in [
        ("gzip", Some("gzip")),
        ("br", Some("br")),
        ("identity", None),
    ] {
        let res = app
            .request(Method::GET, "/openapi.json")
            .header("accept-encoding", accept)
            .send()
            .await;
        res.assert_status(200);
        assert_eq!(res.header("content-encoding").as_deref(), want, "{accept}");
    }
}

/// A write under which the store fails takes its whole batch back (SQLite may have
/// ended the transaction itself), answers 503 to the rest, and the writer carries on
/// with a fresh connection.
#[actix_web::test]
async fn a_store_failure_under_a_write_commits_nothing_of_it_and_the_writer_goes_on() {
    use diesel::prelude::*;
    use newsdesk::db::schema::tags;
    let app = TestApp::spawn().await;
    let failed = newsdesk::db::write(&app.state.pool, |conn| {
        diesel::insert_into(tags::table)
            .values((
                tags::slug.eq("half-written"),
                tags::name.eq("Half written"),
                tags::created_at.eq("2026-01-01T00:00:00.000000Z"),
                tags::updated_at.eq("2026-01-01T00:00:00.000000Z"),
            ))
            .execute(conn)?;
        Err::<(), _>(newsdesk::db::StoreError::failed("the disk is full"))
    })
    .await;
    assert!(failed.is_err());
    app.get("/v1/tags/half-written", Some(app.read_key()))
        .await
        .assert_status(404);
    // The next write runs as usual.
    app.published("After the failure").await;
    app.get("/v1/articles/after-the-failure", None)
        .await
        .assert_status(200);
}

/// The writer cannot wait for itself: a write queued from inside a write is refused at
/// once instead of hanging every write after it.
#[actix_web::test]
async fn a_write_queued_from_inside_a_write_fails_instead_of_hanging() {
    let app = TestApp::spawn().await;
    let pool = app.state.pool.clone();
    let refused = newsdesk::db::write(&app.state.pool, move |_| {
        Ok(pool.write_blocking(|_| Ok(())).is_err())
    })
    .await
    .unwrap();
    assert!(refused);
    app.published("Still writing").await;
}

/// A commit subscriber that panics takes neither the committed writes' answers nor the
/// writer with it.
#[actix_web::test]
async fn a_panicking_commit_subscriber_does_not_stop_the_writer() {
    let app = TestApp::spawn().await;
    app.state.pool.on_commit(|_| panic!("a subscriber bug"));
    app.published("First after the bug").await;
    app.published("Second after the bug").await;
    app.get("/v1/articles/second-after-the-bug", None)
        .await
        .assert_status(200);
}

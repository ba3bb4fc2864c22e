//! Bearer keys: 401 without or with a bad key, 403 for a short scope, hashes at rest.

use actix_web::http::Method;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use newsdesk::db;
use newsdesk::domain::access::Scope;

use crate::helpers::{TestApp, published};

#[actix_web::test]
async fn writing_without_a_key_is_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json("/v1/articles", None, &published("Anonymous"))
        .await;
    res.assert_status(401);
    let challenge = res.header("www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

#[actix_web::test]
async fn an_unknown_or_malformed_key_is_401_even_on_public_reads() {
    let app = TestApp::spawn().await;
    app.published("Public").await;
    let res = app
        .get(
            "/v1/articles",
            Some("nd_000000000000000000000000000000000000000000000000"),
        )
        .await;
    res.assert_status(401);
    assert!(res.header("www-authenticate").is_some());
    for header in ["Basic dXNlcjpwYXNz", "Bearer ", "nd_justthekey"] {
        app.request(Method::GET, "/v1/articles")
            .header("authorization", header)
            .send()
            .await
            .assert_status(401);
    }
}

#[actix_web::test]
async fn a_read_key_cannot_write() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json("/v1/articles", Some(app.read_key()), &published("Nope"))
        .await;
    res.assert_status(403);
    assert_eq!(res.json()["type"], "/problems/forbidden");
    app.post_json(
        "/v1/tags",
        Some(app.read_key()),
        &serde_json::json!({"name": "x"}),
    )
    .await
    .assert_status(403);
}

#[actix_web::test]
async fn a_write_key_can_create() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &published("Allowed"))
        .await;
    res.assert_status(201);
    app.get("/v1/articles/allowed", None)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn a_revoked_key_is_refused_on_its_next_request() {
    let app = TestApp::spawn().await;
    let key = {
        let mut conn = app.state.pool.get().unwrap();
        db::keys::create(&mut conn, "temp", Scope::Write).unwrap()
    };
    app.post_json("/v1/articles", Some(&key), &published("Before"))
        .await
        .assert_status(201);
    {
        let mut conn = app.state.pool.get().unwrap();
        assert!(db::keys::revoke(&mut conn, "temp").unwrap());
    }
    app.post_json("/v1/articles", Some(&key), &published("After"))
        .await
        .assert_status(401);
    app.get("/v1/articles", Some(&key)).await.assert_status(401);
}

#[actix_web::test]
async fn an_expired_key_is_refused() {
    let app = TestApp::spawn().await;
    let soon = app.state.clock_now() + chrono::Duration::milliseconds(700);
    let key = {
        let mut conn = app.state.pool.get().unwrap();
        db::keys::create_with(
            &mut conn,
            "short-lived",
            Scope::Read,
            &db::keys::KeyOptions {
                rate: None,
                expires_at: Some(soon),
            },
        )
        .unwrap()
    };
    app.get("/v1/trash", Some(&key)).await.assert_status(200);
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(900));
    let res = app.get("/v1/trash", Some(&key)).await;
    res.assert_status(401);
    assert!(res.json()["detail"].as_str().unwrap().contains("expired"));
    assert!(res.header("www-authenticate").is_some());
}

#[derive(diesel::QueryableByName)]
struct StoredKey {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    key_hash: String,
    #[diesel(sql_type = Text)]
    prefix: String,
}

#[actix_web::test]
async fn keys_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    // Use the key once so last_used_at is written too.
    app.get("/v1/articles", Some(app.admin_key()))
        .await
        .assert_status(200);
    let mut conn = app.state.pool.get().unwrap();
    let rows: Vec<StoredKey> = diesel::sql_query("SELECT name, key_hash, prefix FROM api_keys")
        .load(&mut *conn)
        .unwrap();
    assert_eq!(rows.len(), 3);
    let keys = [app.read_key(), app.write_key(), app.admin_key()];
    for row in &rows {
        assert!(
            keys.iter().any(|k| db::keys::hash(k) == row.key_hash),
            "{}",
            row.name
        );
        assert_eq!(row.key_hash.len(), 64);
        for k in keys {
            assert_ne!(row.key_hash, *k);
            assert!(
                k.len() > row.prefix.len() + 20,
                "the prefix is a small part"
            );
        }
    }
    let listed = db::keys::list(&mut conn).unwrap();
    let shown = format!("{listed:?}");
    drop(conn);
    // Nowhere in the database files, WAL included, does a key appear in plain text.
    let mut stored = Vec::new();
    if crate::helpers::on_postgres() {
        // Every column of every key row, as the server holds it.
        #[derive(diesel::QueryableByName)]
        struct Rows {
            #[diesel(sql_type = diesel::sql_types::Text)]
            rows: String,
        }
        let mut conn = app.state.pool.get().unwrap();
        let all: Rows = diesel::sql_query(
            "SELECT COALESCE(string_agg(CAST(api_keys AS text), ' '), '') AS rows FROM api_keys",
        )
        .get_result(&mut conn)
        .unwrap();
        stored.extend(all.rows.into_bytes());
    }
    for suffix in ["", "-wal"]
        .iter()
        .filter(|_| !crate::helpers::on_postgres())
    {
        let mut path = app.db_path.clone().into_os_string();
        path.push(suffix);
        stored.extend(std::fs::read(&path).unwrap_or_default());
    }
    assert!(!stored.is_empty());
    let stored = String::from_utf8_lossy(&stored);
    for k in keys {
        assert!(!shown.contains(k), "keys list shows a key");
        assert!(!stored.contains(k), "a key is stored in plain text");
        assert!(
            stored.contains(&db::keys::hash(k)),
            "the hash is what is stored"
        );
    }
}

#[actix_web::test]
async fn keys_create_takes_a_rate_and_a_lifetime() {
    let app = TestApp::spawn().await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(args)
            .env("DATABASE_URL", app.database_url())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&[
        "keys",
        "create",
        "--name",
        "partner",
        "--scope",
        "read",
        "--rate",
        "2/min",
        "--expires-in",
        "12h",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap();
    let key = key.trim();
    assert!(
        key.starts_with("nd_") && !key.contains(' '),
        "the key alone on stdout"
    );
    for expected in [200, 200, 429] {
        let res = app.get("/v1/trash", Some(key)).await;
        res.assert_status(expected);
        assert_eq!(
            res.header("ratelimit-policy").as_deref(),
            Some("\"default\";q=2;w=60")
        );
    }
    let list = String::from_utf8(run(&["keys", "list"]).stdout).unwrap();
    let line = list.lines().find(|l| l.starts_with("partner")).unwrap();
    assert!(line.contains("2/min"), "{line}");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(12))
        .format("%Y-%m-%d")
        .to_string();
    assert!(line.contains(&tomorrow), "expiry shown: {line}");
    for bad in [["--rate", "5/fortnight"], ["--expires-in", "forever"]] {
        let mut args = vec!["keys", "create", "--name", "x", "--scope", "read"];
        args.extend(bad);
        assert!(!run(&args).status.success(), "{bad:?}");
    }
}

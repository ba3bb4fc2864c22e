//! Backup, export and import through the real binary: a backup taken during writes is a
//! sound database; export → import into an empty database → export is identical; bad
//! lines are reported by number and leave nothing behind.

use std::process::{Command, Output};

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use serde_json::json;

use crate::helpers::{TestApp, another_store, on_postgres, published};

fn newsdesk(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the newsdesk binary runs")
}

/// A newsroom with everything an export must carry.
async fn newsroom(app: &TestApp) {
    let author = app.create_author("Олена Петренко").await;
    app.patch(
        &format!("/v1/authors/{author}"),
        Some(app.write_key()),
        &json!({"description": "Kyiv & <Lviv>"}),
        "application/merge-patch+json",
    )
    .await
    .assert_status(200);
    let mut body = published("Tom & Jerry ]]> 🇺🇦");
    body["tags"] = json!(["#StandWithUkraine", "Діаспора"]);
    body["authors"] = json!([author]);
    let en = app.create_article(&body).await;
    let id = en["id"].as_str().unwrap();
    app.merge_patch(
        &format!("/v1/articles/{id}"),
        &json!({"slug": "renamed-story"}),
    )
    .await
    .assert_status(200);
    app.create_article(&json!({
        "title": "Переклад", "body_markdown": "Текст.", "status": "draft",
        "language": "uk", "translation_of": id,
    }))
    .await;
    let gone = app.published("In the trash").await;
    app.delete(
        &format!("/v1/articles/{}", gone["id"].as_str().unwrap()),
        Some(app.write_key()),
    )
    .await
    .assert_status(204);
    app.post(&format!("/v1/articles/{id}/views"), None)
        .await
        .assert_status(204);
    app.state.views.flush(&app.state.pool).await.unwrap();
}

#[actix_web::test]
async fn export_then_import_then_export_is_identical() {
    let app = TestApp::spawn().await;
    newsroom(&app).await;
    let first = newsdesk(app.database_url(), &["export"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = String::from_utf8(first.stdout.clone()).unwrap();
    assert_eq!(
        text.lines().count(),
        3 + 3,
        "1 author, 2 tags, 3 articles:\n{text}"
    );
    assert!(
        text.contains("renamed-story") && text.contains("\"former_slugs\":[\"tom-jerry\"]"),
        "{text}"
    );
    assert!(text.contains("\"revisions\":[{\"n\":1,\"change\":\"created\""));

    let dir = tempfile::tempdir().unwrap();
    let copy = another_store(dir.path(), "copy.db");
    let file = dir.path().join("export.ndjson");
    std::fs::write(&file, &first.stdout).unwrap();
    let imported = newsdesk(&copy, &["import", file.to_str().unwrap()]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let second = newsdesk(&copy, &["export"]);
    assert_eq!(
        String::from_utf8(second.stdout).unwrap(),
        text,
        "the round trip loses nothing"
    );
    // The imported database serves the same articles, searchable.
    let app2 = TestApp::with_config(|c| c.database_url = copy.clone()).await;
    let found = app2.get("/v1/articles?q=jerry", None).await.json();
    assert_eq!(found["data"][0]["slug"], "renamed-story");
    assert_eq!(found["data"][0]["view_count"], 1);
}

#[actix_web::test]
async fn import_reports_bad_lines_and_keeps_nothing_of_them() {
    let app = TestApp::spawn().await;
    let mut body = published("Good one");
    body["tags"] = json!(["#Kept"]);
    app.create_article(&body).await;
    let export = String::from_utf8(newsdesk(app.database_url(), &["export"]).stdout).unwrap();
    let mut lines: Vec<String> = export.lines().map(str::to_owned).collect();
    let article = lines.pop().unwrap();
    // An article naming an author that is nowhere: refused whole.
    let orphan = article
        .replace("\"authors\":[]", "\"authors\":[\"nobody\"]")
        .replace("good-one", "orphan");
    let orphan = orphan.replace(
        serde_json::from_str::<serde_json::Value>(&article).unwrap()["article"]["id"]
            .as_str()
            .unwrap(),
        "01936b2e-0000-7000-8000-000000000001",
    );
    lines.push(article.clone());
    lines.push("{not json".into());
    lines.push(orphan);
    lines.push(article); // the same id again
    lines.push(r#"{"kind":"tag","slug":"x"}"#.into());
    // A crafted body_html is not stored: the HTML is made again from the Markdown.
    let crafted = lines[3]
        .replace(
            "01936b2e-0000-7000-8000-000000000001",
            "01936b2e-0000-7000-8000-000000000002",
        )
        .replace("\"slug\":\"orphan\"", "\"slug\":\"crafted\"")
        .replace("\"authors\":[\"nobody\"]", "\"authors\":[]");
    let crafted = regex_free_replace_html(&crafted);
    lines.push(crafted);
    // A timestamp in another form would break text-ordered dates.
    lines.push(
        lines[lines.len() - 1]
            .replace("2024-05-01T10:00:00.000000Z", "2024-05-01 10:00")
            .replace("crafted", "badtime")
            .replace("000000000002", "000000000003"),
    );
    // A status the store does not know.
    lines.push(
        lines[6]
            .replace("\"status\":\"published\"", "\"status\":\"pending\"")
            .replace("crafted", "unknown-status")
            .replace("000000000002", "000000000004"),
    );
    assert!(lines[8].contains("\"status\":\"pending\""), "{}", lines[8]);
    let dir = tempfile::tempdir().unwrap();
    let db = another_store(dir.path(), "target.db");
    let file = dir.path().join("in.ndjson");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = newsdesk(&db, &["import", file.to_str().unwrap()]);
    assert!(
        !out.status.success(),
        "bad lines make the exit status non-zero"
    );
    let report = String::from_utf8_lossy(&out.stderr);
    for (n, why) in [
        (3, "not a valid export line"),
        (4, "author 'nobody'"),
        (5, "already in the database"),
        (6, "not a valid export line"),
        (8, "not a stored timestamp"),
        (9, "unknown variant `pending`"),
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&format!("line {n}: ")) && l.contains(why)),
            "line {n} ({why}) in:\n{report}"
        );
    }
    assert!(!report.contains("line 1:") && !report.contains("line 2:"));
    // Only the good lines are in; nothing of the orphan, and no script from a line.
    let export = String::from_utf8(newsdesk(&db, &["export"]).stdout).unwrap();
    assert_eq!(export.lines().count(), 3, "{export}");
    assert!(
        !export.contains("orphan")
            && !export.contains("badtime")
            && !export.contains("unknown-status")
    );
    assert!(
        export.contains("crafted") && !export.contains("<script>"),
        "{export}"
    );
}

/// Puts a script into a line's `body_html`.
fn regex_free_replace_html(line: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["article"]["body_html"] = json!("<p>About Good one.</p><script>alert(1)</script>");
    v.to_string()
}

#[actix_web::test]
async fn a_backup_taken_during_writes_is_a_sound_database() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        app.create_article(&published(&format!("Before {i}"))).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("backup.db");
    if on_postgres() {
        // PostgreSQL's backup is pg_dump: the command says so and copies nothing.
        let out = newsdesk(app.database_url(), &["backup", target.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        assert!(!target.exists());
        return;
    }
    let (db, t) = (app.database_url().to_string(), target.clone());
    let backup = std::thread::spawn(move || newsdesk(&db, &["backup", t.to_str().unwrap()]));
    for i in 0..30 {
        app.create_article(&published(&format!("During {i}"))).await;
    }
    let out = backup.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = SqliteConnection::establish(target.to_str().unwrap()).unwrap();
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(check[0].integrity_check, "ok");
    let n: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM articles")
        .get_result(&mut conn)
        .unwrap();
    assert!((20..=50).contains(&n.n), "a consistent moment: {}", n.n);
    // Never over an existing file.
    let again = newsdesk(app.database_url(), &["backup", target.to_str().unwrap()]);
    assert!(!again.status.success());
}

#[actix_web::test]
async fn an_sqlite_store_moves_to_postgresql_through_export_and_import() {
    let Some(server) = crate::helpers::postgres_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db").to_str().unwrap().to_string();
    let app = TestApp::with_config(|c| c.database_url = old.clone()).await;
    assert_eq!(app.state.pool.engine(), newsdesk::db::Engine::Sqlite);
    newsroom(&app).await;
    let first = newsdesk(&old, &["export"]);
    assert!(first.status.success());
    // `newsdesk export | DATABASE_URL=postgres://… newsdesk import -`
    let target = crate::helpers::fresh_postgres_database(&server);
    let mut import = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["import", "-"])
        .env("DATABASE_URL", &target)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = import.stdin.take().unwrap();
        stdin.write_all(&first.stdout).unwrap();
    }
    let out = import.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = newsdesk(&target, &["export"]);
    assert_eq!(
        String::from_utf8(second.stdout).unwrap(),
        String::from_utf8(first.stdout).unwrap(),
        "ids, slugs, former slugs, revisions and view counts arrive as they left"
    );
}

/// Runs `newsdesk copy TARGET` on the store `from`.
fn copy(from: &str, target: &str) -> Output {
    newsdesk(from, &["copy", target])
}

#[actix_web::test]
async fn newsdesk_copy_moves_every_row_from_sqlite_to_postgresql() {
    let Some(server) = crate::helpers::postgres_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db").to_str().unwrap().to_string();
    let app = TestApp::with_config(|c| c.database_url = old.clone()).await;
    newsroom(&app).await;
    app.post_json(
        "/v1/webhooks",
        Some(app.admin_key()),
        &json!({"url": "https://partner.example/hooks", "events": ["article.published"]}),
    )
    .await
    .assert_status(201);
    app.create_article(&published("After the webhook")).await;
    let link = app
        .post(
            "/v1/articles/renamed-story/preview-links",
            Some(app.write_key()),
        )
        .await;
    let before = reads(&app).await;
    let export = newsdesk(&old, &["export"]);

    let target = crate::helpers::fresh_postgres_database(&server);
    let out = copy(&old, &target);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Into a store that holds something already: refused, nothing written.
    let again = copy(&old, &target);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // The old store's keys (their hashes moved), the same answers, the same feed
    // numbers, the same webhooks and "most read".
    let moved = app.over_copy(target.clone()).await;
    assert_eq!(moved.state.pool.engine(), newsdesk::db::Engine::Postgres);
    assert_eq!(reads(&moved).await, before);
    assert_eq!(newsdesk(&target, &["export"]).stdout, export.stdout);
    // A preview link signed before the move opens after it (the secret moved).
    let url = link.json()["url"].as_str().unwrap().to_string();
    moved
        .get(&url[crate::helpers::PUBLIC_URL.len()..], None)
        .await
        .assert_status(200);
    // New rows take numbers after the copied ones; the feed goes on from where it was.
    let last_seq = moved
        .get("/v1/changes?limit=100", Some(moved.read_key()))
        .await
        .json()["data"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    moved.create_article(&published("After the move")).await;
    let (events, _) = (
        moved
            .get("/v1/changes?limit=100", Some(moved.read_key()))
            .await
            .json()["data"]
            .as_array()
            .unwrap()
            .clone(),
        (),
    );
    assert_eq!(events.last().unwrap()["id"].as_i64().unwrap(), last_seq + 1);
    assert_eq!(
        moved.get("/v1/articles?q=move", None).await.json()["data"][0]["title"],
        "After the move",
        "the search index was rebuilt in PostgreSQL's form"
    );
    assert_eq!(
        moved.get("/v1/articles?q=jerry", None).await.json()["data"][0]["slug"],
        "renamed-story"
    );
}

/// What a partner and an editor read: the feed, webhooks, most read, the list, an article.
async fn reads(app: &TestApp) -> Vec<(String, u16, String)> {
    let mut out = Vec::new();
    for p in [
        "/v1/changes?limit=100",
        "/v1/webhooks",
        "/v1/articles/popular?window=7d",
        "/v1/articles?limit=100",
        "/v1/articles/tom-jerry",
    ] {
        let res = app.get(p, Some(app.admin_key())).await;
        out.push((p.to_string(), res.status.as_u16(), res.text()));
    }
    out
}

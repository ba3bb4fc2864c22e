//! The response cache: a repeated public read runs no SQL; a write, a view flush or a
//! scheduled publication's time makes it answer afresh; keyed reads are never cached.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{TestApp, published, titles};

#[actix_web::test]
async fn a_repeated_public_read_runs_no_sql_until_something_changes() {
    let app = TestApp::spawn().await;
    app.published("First").await;
    for path in ["/v1/articles", "/v1/feeds/rss", "/v1/articles/first"] {
        let first = app.get(path, None).await;
        first.assert_status(200);
        app.sql.take();
        let again = app.get(path, None).await;
        again.assert_status(200);
        assert_eq!(again.body, first.body, "{path}");
        assert_eq!(again.etag(), first.etag(), "{path}");
        assert!(app.sql.take().is_empty(), "{path}: served from memory");
        let not_modified = app
            .request(Method::GET, path)
            .header("If-None-Match", &first.etag())
            .send()
            .await;
        not_modified.assert_status(304);
        assert_eq!(not_modified.etag(), first.etag());
    }
    // A write through the API: every kept response is forgotten.
    app.published("Second").await;
    assert_eq!(
        titles(&app.get("/v1/articles", None).await.json()),
        ["Second", "First"]
    );
    assert!(
        app.get("/v1/feeds/rss", None)
            .await
            .text()
            .contains("Second")
    );
    // Keyed reads always run.
    app.get("/v1/articles", Some(app.read_key()))
        .await
        .assert_status(200);
    app.sql.take();
    app.get("/v1/articles", Some(app.read_key()))
        .await
        .assert_status(200);
    assert!(!app.sql.take().is_empty(), "keyed reads are not cached");
}

#[actix_web::test]
async fn views_and_scheduled_publications_show_without_a_write() {
    let app = TestApp::spawn().await;
    let a = app.published("Read me").await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    assert_eq!(app.get(&path, None).await.json()["view_count"], 0);
    app.request(Method::POST, &format!("{path}/views"))
        .send()
        .await
        .assert_status(204);
    // A view alone forgets nothing (it is not in the store yet) …
    app.sql.take();
    assert_eq!(app.get(&path, None).await.json()["view_count"], 0);
    assert!(app.sql.take().is_empty(), "still served from memory");
    // … its flush does.
    app.state.views.flush(&app.state.pool).unwrap();
    assert_eq!(app.get(&path, None).await.json()["view_count"], 1);

    let when = chrono::Utc::now() + chrono::Duration::milliseconds(1000);
    let mut body = published("Later");
    body["published_at"] = json!(when.to_rfc3339());
    app.create_article(&body).await;
    assert_eq!(
        titles(&app.get("/v1/articles", None).await.json()),
        ["Read me"]
    );
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(
        titles(&app.get("/v1/articles", None).await.json()),
        ["Later", "Read me"],
        "its time came: the kept list is not served"
    );
}

//! The view counter: buffered in memory, written in one transaction per flush.

use crate::helpers::{TestApp, published};

/// A view beacon for `key` from the client at `peer`; its status.
async fn beacon_from(app: &TestApp, key: &str, peer: &str) -> u16 {
    app.request(
        actix_web::http::Method::POST,
        &format!("/v1/articles/{key}/views"),
    )
    .peer(peer)
    .send()
    .await
    .status
    .as_u16()
}

/// A merge patch of article `id` the API accepts.
async fn edit(app: &TestApp, id: &str, patch: serde_json::Value) {
    (app.merge_patch(&format!("/v1/articles/{id}"), &patch).await).assert_status(200);
}

async fn count_view(app: &TestApp, id: &str) -> u16 {
    app.post(&format!("/v1/articles/{id}/views"), None)
        .await
        .status
        .as_u16()
}

#[actix_web::test]
async fn a_burst_of_views_is_buffered_then_written_in_one_batch() {
    let app = TestApp::spawn().await;
    let a = app.published("Most read").await;
    let id = a["id"].as_str().unwrap();
    for _ in 0..50 {
        assert_eq!(count_view(&app, id).await, 204);
    }
    assert_eq!(app.state.views.pending(), 50);
    assert_eq!(app.state.views.batches(), 0);
    // Read with a key: kept public copies show counts up to a minute old (see cache.rs).
    let before = app
        .get(&format!("/v1/articles/{id}"), Some(app.read_key()))
        .await;
    assert_eq!(
        before.json()["view_count"],
        0,
        "nothing is written before a flush"
    );

    // `serve` runs this flush on a timer and once more on shutdown, so no counted view
    // is lost; here the test drives it.
    app.state.views.flush(&app.state.pool).await.unwrap();
    assert_eq!(app.state.views.pending(), 0);
    assert_eq!(
        app.state.views.batches(),
        1,
        "one write transaction for the burst"
    );
    let after = app
        .get(&format!("/v1/articles/{id}"), Some(app.read_key()))
        .await;
    assert_eq!(after.json()["view_count"], 50);
    assert_eq!(
        after.etag(),
        before.etag(),
        "views never make an editor's If-Match stale"
    );
    // An empty flush writes nothing.
    app.state.views.flush(&app.state.pool).await.unwrap();
    assert_eq!(app.state.views.batches(), 1);
}

#[actix_web::test]
async fn views_of_several_articles_and_slugs_share_one_batch() {
    let app = TestApp::spawn().await;
    let a = app.published("First read").await;
    let b = app.published("Second read").await;
    for key in [a["id"].as_str().unwrap(), "first-read", "second-read"] {
        assert_eq!(count_view(&app, key).await, 204);
    }
    app.state.views.flush(&app.state.pool).await.unwrap();
    assert_eq!(app.state.views.batches(), 1);
    assert_eq!(app.article("first-read").await["view_count"], 2);
    assert_eq!(
        app.article(b["id"].as_str().unwrap()).await["view_count"],
        1
    );
}

#[actix_web::test]
async fn views_of_an_unpublished_or_unknown_article_are_404_for_the_public() {
    let app = TestApp::spawn().await;
    let mut body = published("Unfinished");
    body["status"] = serde_json::json!("draft");
    let draft = app.create_article(&body).await;
    let id = draft["id"].as_str().unwrap();
    assert_eq!(count_view(&app, id).await, 404);
    assert_eq!(count_view(&app, "no-such-article").await, 404);
    assert_eq!(app.state.views.pending(), 0);
}

#[actix_web::test]
async fn a_beacon_for_a_public_article_reads_the_store_once_until_the_article_changes() {
    let app = TestApp::spawn().await;
    let a = app.published("Read often").await;
    let slug = a["slug"].as_str().unwrap().to_string();
    let id = a["id"].as_str().unwrap().to_string();
    app.sql.take();
    assert_eq!(count_view(&app, &slug).await, 204);
    assert!(
        !app.sql.take().is_empty(),
        "the first beacon looks the article up"
    );
    // Another client's beacon: counted, and nothing read.
    let other = beacon_from(&app, &slug, "192.0.2.7:4000").await;
    assert_eq!(other, 204);
    assert!(app.sql.take().is_empty(), "then it is known to be public");
    assert_eq!(app.state.views.pending(), 2);
    // An edit the public sees: looked up again, and still counted.
    edit(
        &app,
        &id,
        serde_json::json!({"title": "Read often, edited"}),
    )
    .await;
    app.sql.take();
    let third = beacon_from(&app, &slug, "192.0.2.8:4000").await;
    assert_eq!(third, 204);
    assert!(!app.sql.take().is_empty(), "looked up again after the edit");
    assert_eq!(app.state.views.pending(), 3);
    // Gone for the public: 404 at once, by slug and by id, and nothing counted.
    edit(&app, &id, serde_json::json!({"status": "draft"})).await;
    for key in [&slug, &id] {
        let res = beacon_from(&app, key, "192.0.2.9:4000").await;
        assert_eq!(res, 404, "{key}");
    }
    assert_eq!(app.state.views.pending(), 3);
}

//! "Most read" over a window and "related" articles: public articles only.

use chrono::{Duration, Utc};
use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Value, json};

use crate::helpers::{TestApp, published, titles};

fn id_of(a: &Value) -> &str {
    a["id"].as_str().expect("id")
}

/// Counts `n` views of an article through the API.
async fn view(app: &TestApp, a: &Value, n: usize) {
    for _ in 0..n {
        app.post(&format!("/v1/articles/{}/views", id_of(a)), None)
            .await
            .assert_status(204);
    }
}

/// Stores `views` of an article on the UTC day `days_ago` days before today, as the
/// flush would have on that day.
fn views_on(app: &TestApp, a: &Value, days_ago: i64, views: i64) {
    let day = (Utc::now() - Duration::days(days_ago))
        .format("%Y-%m-%d")
        .to_string();
    let mut conn = app.state.pool.get().unwrap();
    newsdesk::db::sql_query(
        &conn,
        "INSERT INTO article_views_daily (article_pk, day, views) \
         SELECT pk, ?, ? FROM articles WHERE id = ?",
    )
    .bind::<Text, _>(day)
    .bind::<BigInt, _>(views)
    .bind::<Text, _>(id_of(a))
    .execute(&mut conn)
    .unwrap();
    // Written behind the server's back (no write through the API, no change time): the
    // server's kept public responses must be told, as its change watcher would be.
    app.state.responses.forget_everything();
}

async fn popular(app: &TestApp, query: &str, key: Option<&str>) -> Vec<String> {
    let res = app.get(&format!("/v1/articles/popular{query}"), key).await;
    res.assert_status(200);
    titles(&res.json())
}

async fn related(app: &TestApp, id: &str, query: &str) -> Vec<String> {
    let res = app
        .get(&format!("/v1/articles/{id}/related{query}"), None)
        .await;
    res.assert_status(200);
    titles(&res.json())
}

#[actix_web::test]
async fn popular_ranks_articles_by_their_views_in_the_window() {
    let app = TestApp::spawn().await;
    let one = app.published("One view").await;
    let five = app.published("Five views").await;
    let three = app.published("Three views").await;
    app.published("Never read").await;
    view(&app, &one, 1).await;
    view(&app, &five, 5).await;
    view(&app, &three, 3).await;
    app.state.views.flush(&app.state.pool).await.unwrap();

    let want = ["Five views", "Three views", "One view"];
    for query in ["?window=7d", "?window=24h", "?window=30d", ""] {
        assert_eq!(popular(&app, query, None).await, want, "{query}");
    }
    assert_eq!(
        popular(&app, "?window=7d&limit=2", None).await,
        want[..2],
        "limit"
    );

    // Old views count in a long window only: 100 views twelve days ago.
    let old = app.published("Old hit").await;
    views_on(&app, &old, 12, 100);
    assert_eq!(popular(&app, "?window=7d", None).await, want);
    assert_eq!(
        popular(&app, "?window=30d", None).await,
        ["Old hit", "Five views", "Three views", "One view"]
    );
    // Views in the window add up across days.
    views_on(&app, &one, 2, 10);
    assert_eq!(
        popular(&app, "?window=7d", None).await,
        ["One view", "Five views", "Three views"]
    );
}

#[actix_web::test]
async fn each_window_starts_on_its_first_day_and_not_the_day_before() {
    // 24h: today and yesterday; 7d: today and the six days before; 30d: 29 days before.
    for (window, first) in [("24h", 1), ("7d", 6), ("30d", 29)] {
        let app = TestApp::spawn().await;
        let inside = app.published("Inside").await;
        let outside = app.published("Outside").await;
        views_on(&app, &inside, first, 1);
        views_on(&app, &outside, first + 1, 50);
        assert_eq!(
            popular(&app, &format!("?window={window}"), None).await,
            ["Inside"],
            "window={window}"
        );
    }
}

#[actix_web::test]
async fn popular_never_lists_unpublished_or_trashed_articles() {
    let app = TestApp::spawn().await;
    let public = app.published("Still public").await;
    let unpublished = app.published("Back to draft").await;
    let postponed = app.published("Postponed").await;
    let trashed = app.published("Trashed").await;
    for a in [&public, &unpublished, &postponed, &trashed] {
        view(&app, a, 2).await;
    }
    app.state.views.flush(&app.state.pool).await.unwrap();
    assert_eq!(popular(&app, "", None).await.len(), 4);

    app.merge_patch(
        &format!("/v1/articles/{}", id_of(&unpublished)),
        &json!({"status": "draft"}),
    )
    .await
    .assert_status(200);
    app.merge_patch(
        &format!("/v1/articles/{}", id_of(&postponed)),
        &json!({"published_at": "2099-01-01T00:00:00Z"}),
    )
    .await
    .assert_status(200);
    app.delete(
        &format!("/v1/articles/{}", id_of(&trashed)),
        Some(app.write_key()),
    )
    .await
    .assert_status(204);
    assert_eq!(popular(&app, "", None).await, ["Still public"]);
    assert_eq!(
        popular(&app, "", Some(app.read_key())).await,
        ["Still public"],
        "public articles only, whoever asks"
    );
}

#[actix_web::test]
async fn popular_refuses_unknown_windows_and_limits() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("window=1y", "window"),
        ("window=", "window"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("since=2024-01-01", "since"),
    ] {
        let res = app
            .get(&format!("/v1/articles/popular?{query}"), None)
            .await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), [field], "{query}");
    }
}

#[actix_web::test]
async fn related_lists_shared_tags_first_then_similar_text() {
    let app = TestApp::spawn().await;
    let with = |title: &str, tags: Value| {
        let mut a = published(title);
        a["tags"] = tags;
        a["body_markdown"] = json!(format!("{title}."));
        a
    };
    let base = app
        .create_article(&with(
            "Grain corridor in the Black Sea",
            json!(["Economy", "Shipping", "Odesa"]),
        ))
        .await;
    // Created in the order that would win if order of creation decided.
    app.create_article(&with("Black Sea grain shipments resume", json!([])))
        .await;
    app.create_article(&with("Port news", json!(["Odesa"])))
        .await;
    app.create_article(&with("Freight rates", json!(["Economy", "Shipping"])))
        .await;
    app.create_article(&with("Weather forecast", json!(["Climate"])))
        .await;
    let mut draft = with("Draft on shipping", json!(["Economy", "Shipping", "Odesa"]));
    draft["status"] = json!("draft");
    draft["published_at"] = json!(null);
    app.create_article(&draft).await;

    let id = id_of(&base);
    assert_eq!(
        related(&app, id, "").await,
        [
            "Freight rates",
            "Port news",
            "Black Sea grain shipments resume"
        ]
    );
    assert_eq!(
        related(&app, "grain-corridor-in-the-black-sea", "?limit=2").await,
        ["Freight rates", "Port news"],
        "by slug too, and limited"
    );
    // The same for a read key: drafts stay out.
    let keyed = app
        .get(&format!("/v1/articles/{id}/related"), Some(app.read_key()))
        .await;
    keyed.assert_status(200);
    let keyed = titles(&keyed.json());
    assert!(!keyed.iter().any(|t| t == "Draft on shipping"), "{keyed:?}");
    assert!(
        !keyed.iter().any(|t| t.starts_with("Grain corridor")),
        "never itself: {keyed:?}"
    );
}

#[actix_web::test]
async fn related_reads_only_the_newest_articles_of_each_tag() {
    let app = TestApp::spawn().await;
    let tagged = |title: String, tags: Value| {
        let mut a = published(&title);
        a["tags"] = tags;
        a
    };
    let base = app
        .create_article(&tagged("Base story".into(), json!(["Odesa", "Port"])))
        .await;
    // An old article sharing both tags, then 50 newer ones sharing one: the old one
    // ranks first while it is among each tag's newest 50 …
    app.create_article(&tagged("Old, both tags".into(), json!(["Odesa", "Port"])))
        .await;
    for i in 0..49 {
        app.create_article(&tagged(format!("Newer {i}"), json!(["Odesa"])))
            .await;
    }
    let id = id_of(&base);
    assert_eq!(
        related(&app, id, "?limit=2").await,
        ["Old, both tags", "Newer 48"]
    );
    // … and is no candidate for "Odesa" once 50 newer articles carry it (it still is
    // for "Port", sharing one tag like the others: the newer win).
    app.create_article(&tagged("Newer 49".into(), json!(["Odesa"])))
        .await;
    app.state.responses.forget_everything();
    assert_eq!(
        related(&app, id, "?limit=3").await,
        ["Newer 49", "Newer 48", "Newer 47"]
    );
}

#[actix_web::test]
async fn related_of_an_unknown_or_hidden_article_is_404() {
    let app = TestApp::spawn().await;
    app.get("/v1/articles/no-such-article/related", None)
        .await
        .assert_status(404);
    let mut draft = published("Hidden draft");
    draft["status"] = json!("draft");
    draft["published_at"] = json!(null);
    let d = app.create_article(&draft).await;
    let path = format!("/v1/articles/{}/related", id_of(&d));
    app.get(&path, None).await.assert_status(404);
    let keyed = app.get(&path, Some(app.read_key())).await;
    keyed.assert_status(200);
    assert_eq!(keyed.json()["data"], json!([]));
    app.get(&format!("{path}?limit=21"), Some(app.read_key()))
        .await
        .assert_status(400);
}

/// The related candidates a request read from the store (the newest public articles of
/// one tag), by the statements it ran.
fn tag_reads(app: &TestApp) -> usize {
    (app.sql.take().iter())
        .filter(|s| s.contains("FROM article_tags t JOIN articles a"))
        .count()
}

#[actix_web::test]
async fn related_keeps_each_tags_newest_articles_until_a_list_changes() {
    let app = TestApp::spawn().await;
    let tagged = |title: &str| {
        let mut a = published(title);
        a["tags"] = json!(["Odesa", "Port"]);
        a
    };
    let base = app.create_article(&tagged("Base story")).await;
    let first = app.create_article(&tagged("First neighbour")).await;
    // A read key's answers are not kept whole: each request runs `related` itself.
    let path = format!("/v1/articles/{}/related", id_of(&base));
    let read = || async {
        let res = app.get(&path, Some(app.read_key())).await;
        res.assert_status(200);
        titles(&res.json())
    };
    app.sql.take();
    assert_eq!(read().await, ["First neighbour"]);
    assert_eq!(tag_reads(&app), 2, "each tag's newest articles read once");
    assert_eq!(read().await, ["First neighbour"]);
    assert_eq!(tag_reads(&app), 0, "then kept");

    // An edit that leaves the lists as they were keeps them; the answer shows it.
    app.merge_patch(
        &format!("/v1/articles/{}", id_of(&first)),
        &json!({"title": "First neighbour, edited"}),
    )
    .await
    .assert_status(200);
    app.sql.take();
    assert_eq!(read().await, ["First neighbour, edited"]);
    assert_eq!(tag_reads(&app), 0, "a title edit moves no list");

    // An article appearing, going, or its scheduled time coming: shown at once.
    let second = app.create_article(&tagged("Second neighbour")).await;
    app.sql.take();
    assert_eq!(
        read().await,
        ["Second neighbour", "First neighbour, edited"]
    );
    assert_eq!(tag_reads(&app), 2, "a new article in the tags: read again");
    app.trash(&format!("/v1/articles/{}", id_of(&second))).await;
    assert_eq!(read().await, ["First neighbour, edited"]);
    let mut later = tagged("Scheduled neighbour");
    later["published_at"] = json!((app.state.clock_now() + Duration::seconds(1)).to_rfc3339());
    app.create_article(&later).await;
    assert_eq!(read().await, ["First neighbour, edited"]);
    app.state.pool.clock().advance(Duration::milliseconds(1200));
    assert_eq!(
        read().await,
        ["Scheduled neighbour", "First neighbour, edited"],
        "its time came"
    );
    let mut retagged = tagged("Moved in");
    retagged["tags"] = json!(["Elsewhere"]);
    let moved = app.create_article(&retagged).await;
    app.merge_patch(
        &format!("/v1/articles/{}", id_of(&moved)),
        &json!({"tags": ["Port"]}),
    )
    .await
    .assert_status(200);
    assert_eq!(
        read().await,
        ["Scheduled neighbour", "First neighbour, edited", "Moved in"],
        "retagged into one of its tags"
    );
}

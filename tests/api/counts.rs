//! `article_count` of tags and authors: public articles only, kept current as articles
//! are published, postponed, unpublished and trashed.

use serde_json::{Value, json};

use crate::helpers::{TestApp, published};

/// The `article_count` of each term of a list, by slug.
fn counts(list: &Value) -> Vec<(String, i64)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap().to_string(),
                t["article_count"].as_i64().expect("article_count"),
            )
        })
        .collect()
}

/// One article of each visibility, all with the tags `Kyiv` and `Lviv` and the author.
async fn one_of_each(app: &TestApp, author: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (title, status, published_at) in [
        ("Public", "published", json!("2024-05-01T10:00:00Z")),
        ("Draft", "draft", json!(null)),
        ("Future", "published", json!("2099-01-01T00:00:00Z")),
        ("Scheduled", "scheduled", json!("2099-02-01T00:00:00Z")),
    ] {
        let mut a = published(title);
        a["status"] = json!(status);
        a["published_at"] = published_at;
        a["tags"] = json!(["Kyiv", "Lviv"]);
        a["authors"] = json!([author]);
        out.push(app.create_article(&a).await);
    }
    out
}

#[actix_web::test]
async fn tag_and_author_lists_count_only_public_articles() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Iryna Writer").await;
    app.create_author("Idle Writer").await;
    one_of_each(&app, &author).await;
    let mut other = published("Only Kyiv");
    other["tags"] = json!(["Kyiv"]);
    app.create_article(&other).await;

    for key in [None, Some(app.read_key())] {
        let tags = app.get("/v1/tags", key).await;
        tags.assert_status(200);
        assert_eq!(
            counts(&tags.json()),
            [("kyiv".into(), 2), ("lviv".into(), 1)],
            "the same counts whoever asks"
        );
        let authors = app.get("/v1/authors", key).await;
        authors.assert_status(200);
        assert_eq!(
            counts(&authors.json()),
            [("idle-writer".into(), 0), ("iryna-writer".into(), 1)]
        );
    }
}

#[actix_web::test]
async fn a_single_tag_or_author_carries_its_public_count() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Iryna Writer").await;
    one_of_each(&app, &author).await;
    for path in ["/v1/tags/kyiv", "/v1/tags/lviv", "/v1/authors/iryna-writer"] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        assert_eq!(res.json()["article_count"], 1, "{path}");
    }
}

#[actix_web::test]
async fn counts_follow_publishing_unpublishing_and_the_trash() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Iryna Writer").await;
    let articles = one_of_each(&app, &author).await;
    let count = |path: &'static str| {
        let app = &app;
        // With a key: a tag whose articles are all unpublished is hidden from the public.
        async move { app.get(path, Some(app.read_key())).await.json()["article_count"].clone() }
    };
    let path = |a: &Value| format!("/v1/articles/{}", a["id"].as_str().unwrap());

    // The draft goes out: two public.
    app.merge_patch(
        &path(&articles[1]),
        &json!({"status": "published", "published_at": "2024-05-02T10:00:00Z"}),
    )
    .await
    .assert_status(200);
    assert_eq!(count("/v1/tags/kyiv").await, 2);
    assert_eq!(count("/v1/authors/iryna-writer").await, 2);

    // The first one is postponed: one public.
    app.merge_patch(
        &path(&articles[0]),
        &json!({"published_at": "2099-03-01T00:00:00Z"}),
    )
    .await
    .assert_status(200);
    assert_eq!(count("/v1/tags/kyiv").await, 1);

    // Trashed: none public; restored: back again.
    app.delete(&path(&articles[1]), Some(app.write_key()))
        .await
        .assert_status(204);
    assert_eq!(count("/v1/tags/lviv").await, 0);
    assert_eq!(count("/v1/authors/iryna-writer").await, 0);
    app.request(
        actix_web::http::Method::POST,
        &format!("{}/restore", path(&articles[1])),
    )
    .key(Some(app.write_key()))
    .send()
    .await
    .assert_status(200);
    assert_eq!(count("/v1/tags/lviv").await, 1);

    // A tag taken off an article no longer counts it.
    app.merge_patch(&path(&articles[1]), &json!({"tags": ["Kyiv"]}))
        .await
        .assert_status(200);
    assert_eq!(count("/v1/tags/lviv").await, 0);
    assert_eq!(count("/v1/tags/kyiv").await, 1);
}

#[actix_web::test]
async fn if_modified_since_on_a_tag_sees_its_count_change() {
    let app = TestApp::spawn().await;
    let mut a = published("First");
    a["tags"] = json!(["Kyiv"]);
    app.create_article(&a).await;
    // As if the tag had been created long ago.
    {
        use diesel::RunQueryDsl;
        let mut conn = app.state.pool.get().unwrap();
        for sql in [
            "UPDATE tags SET updated_at = '2024-05-01T10:00:00.000000Z'",
            "UPDATE articles SET updated_at = '2024-05-01T10:00:00.000000Z', \
             published_at = '2024-05-01T10:00:00.000000Z', sort_at = '2024-05-01T10:00:00.000000Z'",
            "UPDATE store_changes SET changed_at = '2024-05-01T10:00:00.000000Z'",
        ] {
            diesel::sql_query(sql).execute(&mut conn).unwrap();
        }
    }
    let before = app.get("/v1/tags/kyiv", None).await;
    assert_eq!(before.json()["article_count"], 1);
    let lm = before.header("last-modified").expect("Last-Modified");
    a["title"] = json!("Second");
    app.create_article(&a).await;
    let res = app
        .request(actix_web::http::Method::GET, "/v1/tags/kyiv")
        .header("if-modified-since", &lm)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["article_count"], 2);
}

#[actix_web::test]
async fn a_tag_only_on_drafts_is_hidden_from_the_public() {
    let app = TestApp::spawn().await;
    let mut draft = published("Merger under embargo");
    draft["status"] = serde_json::json!("draft");
    draft["tags"] = serde_json::json!(["#AcmeMergerEmbargo"]);
    let a = app.create_article(&draft).await;
    app.get("/v1/tags/acmemergerembargo", None)
        .await
        .assert_status(404);
    let names = |list: Value| -> Vec<String> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        !names(app.get("/v1/tags", None).await.json()).contains(&"acmemergerembargo".to_string())
    );
    app.get("/v1/tags/acmemergerembargo", Some(app.read_key()))
        .await
        .assert_status(200);
    // Published, the tag is public.
    app.merge_patch(
        &format!("/v1/articles/{}", a["id"].as_str().unwrap()),
        &serde_json::json!({"status": "published"}),
    )
    .await
    .assert_status(200);
    app.get("/v1/tags/acmemergerembargo", None)
        .await
        .assert_status(200);
}

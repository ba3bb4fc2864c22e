//! Who sees what: the public sees published articles whose time has come; keys see all.

use serde_json::{Value, json};

use crate::helpers::{TestApp, published};

fn with(title: &str, status: &str, published_at: Option<&str>) -> Value {
    let mut body = published(title);
    body["status"] = json!(status);
    body["published_at"] = json!(published_at);
    body
}

/// A draft, a scheduled article, a published one dated in the future, an archived one.
async fn unpublished(app: &TestApp) -> Vec<Value> {
    vec![
        app.create_article(&with("Draft", "draft", None)).await,
        app.create_article(&with("Planned", "scheduled", Some("2099-01-01T00:00:00Z")))
            .await,
        app.create_article(&with("Future", "published", Some("2099-02-01T00:00:00Z")))
            .await,
        app.create_article(&with("Withdrawn", "archived", Some("2024-01-01T00:00:00Z")))
            .await,
    ]
}

#[actix_web::test]
async fn the_public_sees_a_published_article_from_the_past() {
    let app = TestApp::spawn().await;
    let a = app.published("Out now").await;
    let res = app
        .get(&format!("/v1/articles/{}", a["id"].as_str().unwrap()), None)
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["status"], "published");
    assert_eq!(res.json()["published_at"], "2024-05-01T10:00:00Z");
}

#[actix_web::test]
async fn drafts_scheduled_and_archived_articles_are_hidden_from_the_public_only() {
    let app = TestApp::spawn().await;
    let hidden = unpublished(&app).await;
    let shown: Vec<&str> = hidden
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(shown, ["draft", "scheduled", "scheduled", "archived"]);
    for a in &hidden {
        for key in [a["id"].as_str().unwrap(), a["slug"].as_str().unwrap()] {
            let path = format!("/v1/articles/{key}");
            app.get(&path, None).await.assert_status(404);
            let res = app.get(&path, Some(app.read_key())).await;
            res.assert_status(200);
            assert_eq!(res.json()["status"], a["status"]);
        }
    }
    // Counting a view does not reveal them either.
    let draft = hidden[0]["id"].as_str().unwrap();
    app.request(
        actix_web::http::Method::POST,
        &format!("/v1/articles/{draft}/views"),
    )
    .send()
    .await
    .assert_status(404);
}

#[actix_web::test]
async fn the_public_list_leaves_out_what_a_read_key_list_includes() {
    let app = TestApp::spawn().await;
    let public = app.published("Public").await;
    let trashed = app.published("Trashed").await;
    app.delete(
        &format!("/v1/articles/{}", trashed["id"].as_str().unwrap()),
        Some(app.write_key()),
    )
    .await
    .assert_status(204);
    let hidden = unpublished(&app).await;

    let anon = app.get("/v1/articles", None).await.json();
    assert_eq!(anon["meta"]["total"], 1);
    assert_eq!(anon["data"].as_array().unwrap().len(), 1);
    assert_eq!(anon["data"][0]["id"], public["id"]);

    let keyed = app.get("/v1/articles", Some(app.read_key())).await.json();
    assert_eq!(keyed["meta"]["total"], 5, "every live article, no trash");
    let ids: Vec<&Value> = keyed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["id"])
        .collect();
    for a in hidden.iter().chain([&public]) {
        assert!(ids.contains(&&a["id"]), "{} missing", a["title"]);
    }
    assert!(!ids.contains(&&trashed["id"]));
}

#[actix_web::test]
async fn scheduled_without_a_future_published_at_is_422() {
    let app = TestApp::spawn().await;
    for published_at in [None, Some("2020-01-01T00:00:00Z")] {
        let res = app
            .post_json(
                "/v1/articles",
                Some(app.write_key()),
                &with("Too late", "scheduled", published_at),
            )
            .await;
        res.assert_status(422);
        assert_eq!(res.error_fields(), ["published_at"]);
    }
}

#[actix_web::test]
async fn the_public_does_not_see_an_unpublished_translation() {
    let app = TestApp::spawn().await;
    let en = app.published("Story").await;
    let mut uk = with("Історія", "draft", None);
    uk["language"] = json!("uk");
    uk["translation_of"] = en["id"].clone();
    app.create_article(&uk).await;
    let path = format!("/v1/articles/{}", en["id"].as_str().unwrap());
    assert_eq!(app.get(&path, None).await.json()["translations"], json!([]));
    let keyed = app.get(&path, Some(app.read_key())).await.json();
    assert_eq!(keyed["translations"][0]["language"], "uk");
}

//! Conditional requests: 304 for current copies, 412 for stale writes, cache headers.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{TestApp, published};

#[actix_web::test]
async fn if_none_match_with_the_current_etag_answers_304() {
    let app = TestApp::spawn().await;
    app.published("Cached").await;
    let first = app.get("/v1/articles/cached", None).await;
    first.assert_status(200);
    let etag = first.etag();
    for inm in [
        etag.clone(),
        format!("W/{etag}"),
        "*".into(),
        format!("\"x\", {etag}"),
    ] {
        let res = app
            .request(Method::GET, "/v1/articles/cached")
            .header("if-none-match", &inm)
            .send()
            .await;
        res.assert_status(304);
        assert!(res.body.is_empty());
        assert_eq!(res.etag(), etag);
    }
    app.request(Method::GET, "/v1/articles/cached")
        .header("if-none-match", "\"v0-stale\"")
        .send()
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn if_modified_since_last_modified_answers_304() {
    let app = TestApp::spawn().await;
    app.published("Dated").await;
    let first = app.get("/v1/articles/dated", None).await;
    let lm = first.header("last-modified").expect("Last-Modified");
    assert!(lm.ends_with(" GMT"), "{lm}");
    app.request(Method::GET, "/v1/articles/dated")
        .header("if-modified-since", &lm)
        .send()
        .await
        .assert_status(304);
    app.request(Method::GET, "/v1/articles/dated")
        .header("if-modified-since", "Sat, 01 Jan 2000 00:00:00 GMT")
        .send()
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn a_list_answers_304_to_its_own_etag_until_it_changes() {
    let app = TestApp::spawn().await;
    app.published("One").await;
    let etag = app.get("/v1/articles", None).await.etag();
    let again = |etag: String| {
        let app = &app;
        async move {
            app.request(Method::GET, "/v1/articles")
                .header("if-none-match", &etag)
                .send()
                .await
        }
    };
    again(etag.clone()).await.assert_status(304);
    app.published("Two").await;
    again(etag).await.assert_status(200);
    let tags = app.get("/v1/tags", None).await.etag();
    app.request(Method::GET, "/v1/tags")
        .header("if-none-match", &tags)
        .send()
        .await
        .assert_status(304);
}

#[actix_web::test]
async fn cache_control_is_public_without_a_key_and_private_with_one() {
    let app = TestApp::spawn().await;
    app.published("Cache me").await;
    for path in ["/v1/articles/cache-me", "/v1/articles", "/v1/tags"] {
        let anon = app.get(path, None).await;
        let cc = anon.header("cache-control").unwrap_or_default();
        assert!(
            cc.starts_with("public")
                && cc.contains("max-age=60")
                && cc.contains("stale-while-revalidate="),
            "{path}: {cc}"
        );
        let keyed = app.get(path, Some(app.read_key())).await;
        let cc = keyed.header("cache-control").unwrap_or_default();
        assert!(cc.starts_with("private"), "{path}: {cc}");
        assert!(
            keyed
                .header("vary")
                .unwrap_or_default()
                .contains("Authorization"),
            "{path}: shared caches must key on Authorization"
        );
    }
}

#[actix_web::test]
async fn writes_with_a_stale_if_match_are_412() {
    let app = TestApp::spawn().await;
    let a = app.published("Contested").await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    let stale = app.get(&path, None).await.etag();
    app.merge_patch(&path, &json!({"featured": true}))
        .await
        .assert_status(200);

    let put = app
        .request(Method::PUT, &path)
        .key(Some(app.write_key()))
        .header("if-match", &stale)
        .json(&published("Overwrite"))
        .send()
        .await;
    let patch = app
        .request(Method::PATCH, &path)
        .key(Some(app.write_key()))
        .header("if-match", &stale)
        .body("application/merge-patch+json", r#"{"title":"Overwrite"}"#)
        .send()
        .await;
    let delete = app
        .request(Method::DELETE, &path)
        .key(Some(app.write_key()))
        .header("if-match", &stale)
        .send()
        .await;
    for res in [put, patch, delete] {
        res.assert_status(412);
        assert_eq!(res.json()["type"], "/problems/precondition-failed");
    }
    let now = app.article(&path["/v1/articles/".len()..]).await;
    assert_eq!(now["title"], "Contested");
    assert_eq!(now["version"], 2);
}

#[actix_web::test]
async fn writes_with_the_current_if_match_succeed() {
    let app = TestApp::spawn().await;
    let a = app.published("Agreed").await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    let etag = app.get(&path, None).await.etag();
    let res = app
        .request(Method::PATCH, &path)
        .key(Some(app.write_key()))
        .header("if-match", &etag)
        .body(
            "application/merge-patch+json",
            r#"{"title":"Agreed again"}"#,
        )
        .send()
        .await;
    res.assert_status(200);
    let etag = res.etag();
    assert!(etag.starts_with("\"v2-"), "{etag}");
    let res = app
        .request(Method::PUT, &path)
        .key(Some(app.write_key()))
        .header("if-match", &etag)
        .json(&published("Agreed thrice"))
        .send()
        .await;
    res.assert_status(200);
    app.request(Method::DELETE, &path)
        .key(Some(app.write_key()))
        .header("if-match", &res.etag())
        .send()
        .await
        .assert_status(204);
}

#[actix_web::test]
async fn of_two_concurrent_patches_on_the_same_etag_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let a = app.published("Race").await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    let etag = app.get(&path, None).await.etag();
    let patch = |title: &'static str| {
        app.request(Method::PATCH, &path)
            .key(Some(app.write_key()))
            .header("if-match", &etag)
            .body(
                "application/merge-patch+json",
                json!({ "title": title }).to_string(),
            )
            .send()
    };
    let (one, two) = futures_util::future::join(patch("Editor one"), patch("Editor two")).await;
    let mut statuses = [one.status.as_u16(), two.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{} / {}", one.text(), two.text());
    let winner = if one.status == 200 { &one } else { &two };
    let now = app.article(&path["/v1/articles/".len()..]).await;
    assert_eq!(now["title"], winner.json()["title"]);
    assert_eq!(now["version"], 2);
}

#[actix_web::test]
async fn renaming_a_tag_changes_the_etag_of_its_articles() {
    let app = TestApp::spawn().await;
    let mut body = published("Tagged");
    body["tags"] = json!(["Diaspora"]);
    app.create_article(&body).await;
    let before = app.get("/v1/articles/tagged", None).await.etag();
    app.merge_patch("/v1/tags/diaspora", &json!({"name": "Ukrainian diaspora"}))
        .await
        .assert_status(200);
    let res = app
        .request(Method::GET, "/v1/articles/tagged")
        .header("if-none-match", &before)
        .send()
        .await;
    res.assert_status(200);
    assert_ne!(res.etag(), before);
    assert_eq!(res.json()["tags"][0]["name"], "Ukrainian diaspora");
    assert_eq!(
        res.json()["version"],
        1,
        "the article itself did not change"
    );
}

#[actix_web::test]
async fn head_answers_like_get_without_a_body() {
    let app = TestApp::spawn().await;
    app.published("Headed").await;
    for path in ["/v1/articles/headed", "/v1/articles", "/v1/tags"] {
        let get = app.get(path, None).await;
        let head = app.request(Method::HEAD, path).send().await;
        head.assert_status(200);
        assert!(head.body.is_empty());
        assert_eq!(head.header("etag"), get.header("etag"), "{path}");
    }
}

#[actix_web::test]
async fn a_scheduled_article_going_live_is_not_answered_304() {
    let app = TestApp::spawn().await;
    let when = chrono::Utc::now() + chrono::Duration::milliseconds(1200);
    let mut body = published("Soon");
    body["published_at"] = json!(when.to_rfc3339());
    app.create_article(&body).await;
    let before = app.get("/v1/articles/soon", Some(app.read_key())).await;
    assert_eq!(before.json()["status"], "scheduled");
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(1400));
    let res = app
        .request(Method::GET, "/v1/articles/soon")
        .key(Some(app.read_key()))
        .header("if-none-match", &before.etag())
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["status"], "published");
}

//! Tags and authors: create, list with counts, rename, delete, and tags made by articles.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, published};

#[actix_web::test]
async fn creating_a_tag_or_an_author_answers_201_with_its_location() {
    let app = TestApp::spawn().await;
    for (collection, name, slug) in [
        ("tags", "#StandWithUkraine", "standwithukraine"),
        (
            "authors",
            "Ukrainian World Congress",
            "ukrainian-world-congress",
        ),
    ] {
        let res = app
            .post_json(
                &format!("/v1/{collection}"),
                Some(app.write_key()),
                &json!({"name": name, "description": "About it"}),
            )
            .await;
        res.assert_status(201);
        assert_eq!(
            res.header("location").as_deref(),
            Some(format!("{PUBLIC_URL}/v1/{collection}/{slug}").as_str())
        );
        assert!(res.header("etag").is_some());
        let t = res.json();
        assert_eq!(t["slug"], slug);
        assert_eq!(t["name"], name, "names keep case and #");
        assert_eq!(t["article_count"], 0);
        let got = app.get(&format!("/v1/{collection}/{slug}"), None).await;
        got.assert_status(200);
        assert_eq!(got.json()["description"], "About it");
    }
    app.post_json("/v1/tags", None, &json!({"name": "x"}))
        .await
        .assert_status(401);
}

#[actix_web::test]
async fn article_count_counts_only_public_articles() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Reporter").await;
    let mut body = published("Visible");
    body["tags"] = json!(["Kyiv"]);
    body["authors"] = json!([author]);
    app.create_article(&body).await;
    for (title, status) in [("Hidden draft", "draft"), ("Hidden archive", "archived")] {
        body["title"] = json!(title);
        body["status"] = json!(status);
        app.create_article(&body).await;
    }
    body["title"] = json!("Hidden future");
    body["status"] = json!("published");
    body["published_at"] = json!("2099-01-01T00:00:00Z");
    app.create_article(&body).await;
    body["title"] = json!("Hidden in trash");
    body["published_at"] = json!("2024-01-01T00:00:00Z");
    let trashed = app.create_article(&body).await;
    app.delete(
        &format!("/v1/articles/{}", trashed["id"].as_str().unwrap()),
        Some(app.write_key()),
    )
    .await
    .assert_status(204);

    assert_eq!(
        app.get("/v1/tags/kyiv", None).await.json()["article_count"],
        1
    );
    assert_eq!(
        app.get("/v1/authors/reporter", Some(app.read_key()))
            .await
            .json()["article_count"],
        1
    );
    let list = app.get("/v1/tags", None).await.json();
    assert_eq!(list["meta"]["total"], 1);
    assert_eq!(list["data"][0]["slug"], "kyiv");
    assert_eq!(list["data"][0]["article_count"], 1);
}

#[actix_web::test]
async fn terms_are_listed_by_slug_in_pages() {
    let app = TestApp::spawn().await;
    for name in ["Charlie", "Alpha", "Bravo"] {
        app.create_author(name).await;
    }
    let first = app.get("/v1/authors?limit=2", None).await.json();
    let slugs: Vec<&Value> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["slug"])
        .collect();
    assert_eq!(slugs, ["alpha", "bravo"]);
    let cursor = first["meta"]["next_cursor"].as_str().expect("more follow");
    let second = app
        .get(&format!("/v1/authors?limit=2&cursor={cursor}"), None)
        .await
        .json();
    assert_eq!(second["data"][0]["slug"], "charlie");
    assert!(second["meta"]["next_cursor"].is_null());
}

#[actix_web::test]
async fn renaming_a_term_moves_it_to_its_new_slug() {
    let app = TestApp::spawn().await;
    let mut body = published("Tagged story");
    body["tags"] = json!(["Kiev"]);
    app.create_article(&body).await;
    let res = app
        .merge_patch("/v1/tags/kiev", &json!({"name": "Kyiv", "slug": "kyiv"}))
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["name"], "Kyiv");
    assert_eq!(res.json()["article_count"], 1);
    app.get("/v1/tags/kyiv", None).await.assert_status(200);
    app.get("/v1/tags/kiev", None).await.assert_status(404);
    let a = app.get("/v1/articles/tagged-story", None).await.json();
    assert_eq!(a["tags"], json!([{"slug": "kyiv", "name": "Kyiv"}]));

    let res = app
        .patch(
            "/v1/tags/kyiv",
            Some(app.write_key()),
            &json!({"description": "The capital"}),
            "application/json",
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["name"], "Kyiv");
    let res = app
        .merge_patch("/v1/tags/kyiv", &json!({"description": null}))
        .await;
    res.assert_status(200);
    assert!(res.json()["description"].is_null());
}

#[actix_web::test]
async fn a_term_change_with_a_stale_if_match_is_412() {
    let app = TestApp::spawn().await;
    app.create_author("Editor").await;
    let stale = app.get("/v1/authors/editor", None).await.etag();
    app.merge_patch(
        "/v1/authors/editor",
        &json!({"description": "Now described"}),
    )
    .await
    .assert_status(200);
    for method in [Method::PATCH, Method::DELETE] {
        let res = app
            .request(method, "/v1/authors/editor")
            .key(Some(app.write_key()))
            .header("if-match", &stale)
            .body("application/merge-patch+json", r#"{"name":"Lost update"}"#)
            .send()
            .await;
        res.assert_status(412);
    }
    let now = app.get("/v1/authors/editor", None).await;
    assert_eq!(now.json()["name"], "Editor");
    let res = app
        .request(Method::PATCH, "/v1/authors/editor")
        .key(Some(app.write_key()))
        .header("if-match", &now.etag())
        .body("application/merge-patch+json", r#"{"name":"Chief editor"}"#)
        .send()
        .await;
    res.assert_status(200);
}

#[actix_web::test]
async fn deleting_a_tag_removes_it_from_its_articles() {
    let app = TestApp::spawn().await;
    let mut body = published("Two tags");
    body["tags"] = json!(["Keep", "Drop"]);
    app.create_article(&body).await;
    app.delete("/v1/tags/drop", Some(app.write_key()))
        .await
        .assert_status(204);
    app.get("/v1/tags/drop", None).await.assert_status(404);
    let a = app.get("/v1/articles/two-tags", None).await.json();
    assert_eq!(a["tags"], json!([{"slug": "keep", "name": "Keep"}]));
}

#[actix_web::test]
async fn deleting_an_author_still_credited_is_409() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Credited Person").await;
    let mut body = published("Byline");
    body["status"] = json!("draft");
    body["authors"] = json!([author]);
    let a = app.create_article(&body).await;
    let path = format!("/v1/authors/{author}");
    app.delete(&path, Some(app.write_key()))
        .await
        .assert_status(409);
    app.get(&path, Some(app.read_key()))
        .await
        .assert_status(200);
    app.merge_patch(
        &format!("/v1/articles/{}", a["id"].as_str().unwrap()),
        &json!({"authors": []}),
    )
    .await
    .assert_status(200);
    app.trash(&path).await;
    app.get(&path, None).await.assert_status(404);
}

#[actix_web::test]
async fn a_duplicate_term_slug_is_409() {
    let app = TestApp::spawn().await;
    app.create_author("Same Name").await;
    let res = app
        .post_json(
            "/v1/authors",
            Some(app.write_key()),
            &json!({"name": "same name"}),
        )
        .await;
    res.assert_status(409);
    assert_eq!(res.error_fields(), ["slug"]);
    app.create_author("Other").await;
    let res = app
        .merge_patch("/v1/authors/other", &json!({"slug": "same-name"}))
        .await;
    res.assert_status(409);
}

#[actix_web::test]
async fn tags_named_on_an_article_are_created_and_keep_their_names() {
    let app = TestApp::spawn().await;
    let mut body = published("Solidarity");
    body["tags"] = json!(["#StandWithUkraine", "standwithukraine", "Діаспора"]);
    let a = app.create_article(&body).await;
    assert_eq!(
        a["tags"],
        json!([
            {"slug": "standwithukraine", "name": "#StandWithUkraine"},
            {"slug": "diaspora", "name": "Діаспора"}
        ])
    );
    let tag = app.get("/v1/tags/standwithukraine", None).await;
    tag.assert_status(200);
    assert_eq!(tag.json()["name"], "#StandWithUkraine");
    assert_eq!(tag.json()["article_count"], 1);
    // An existing tag is matched by slug, not duplicated or renamed.
    body["title"] = json!("Again");
    body["tags"] = json!(["#standwithukraine"]);
    let b = app.create_article(&body).await;
    assert_eq!(b["tags"][0]["name"], "#StandWithUkraine");
    assert_eq!(app.get("/v1/tags", None).await.json()["meta"]["total"], 2);
}

/// Each bad field of a term is named once: a bad slug given or patched (`null` too), and
/// a bad name without a second error for the slug it would have given (a bad slug given
/// beside it is named too).
#[actix_web::test]
async fn a_bad_slug_or_name_of_a_term_is_a_422_naming_it_once() {
    let app = TestApp::spawn().await;
    let fields = |res: &crate::helpers::Res| -> Vec<String> {
        res.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };
    for (body, named) in [
        (json!({"name": "Kyiv", "slug": "Kyiv City"}), vec!["slug"]),
        (json!({"name": "Kyiv", "slug": ""}), vec!["slug"]),
        (json!({"name": "  "}), vec!["name"]),
        (json!({"name": "  ", "slug": "--"}), vec!["name", "slug"]),
    ] {
        let res = app
            .post_json("/v1/tags", Some(app.write_key()), &body)
            .await;
        res.assert_status(422);
        assert_eq!(fields(&res), named, "{body}");
    }
    app.post_json("/v1/tags", Some(app.write_key()), &json!({"name": "Kyiv"}))
        .await
        .assert_status(201);
    for patch in [json!({"slug": "Not A Slug"}), json!({"slug": null})] {
        let res = app.merge_patch("/v1/tags/kyiv", &patch).await;
        res.assert_status(422);
        assert_eq!(fields(&res), ["slug"], "{patch}");
        assert!(
            res.json()["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("lowercase a-z"),
            "{patch}"
        );
    }
    app.get("/v1/tags/kyiv", None).await.assert_status(200);
}

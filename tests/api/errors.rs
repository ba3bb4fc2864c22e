//! Every failure is an RFC 9457 problem document (the helpers check the envelope and that
//! nothing internal leaks on every error response; these tests pin the statuses).

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{TestApp, published};

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    for (method, path) in [(Method::POST, "/v1/articles"), (Method::POST, "/v1/tags")] {
        let res = app
            .request(method, path)
            .key(Some(app.write_key()))
            .body("application/json", "{\"title\": ")
            .send()
            .await;
        res.assert_status(400);
        assert_eq!(res.json()["type"], "/problems/bad-request");
        assert_eq!(res.json()["title"], "Bad Request");
    }
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    let res = app
        .request(Method::POST, "/v1/articles")
        .key(Some(app.write_key()))
        .body("text/plain", "title: hello")
        .send()
        .await;
    res.assert_status(415);
    let res = app
        .patch(
            "/v1/tags/x",
            Some(app.write_key()),
            &json!({"name": "x"}),
            "text/plain",
        )
        .await;
    res.assert_status(415);
}

#[actix_web::test]
async fn a_body_over_the_limit_is_413() {
    let app = TestApp::with_config(|c| c.body_limit = 1024).await;
    let mut body = published("Big");
    body["body_markdown"] = json!("x".repeat(4096));
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &body)
        .await;
    res.assert_status(413);
    assert_eq!(res.json()["status"], 413);
    // Under the limit the same app accepts it.
    app.create_article(&published("Small")).await;
}

#[actix_web::test]
async fn an_unknown_route_is_404() {
    let app = TestApp::spawn().await;
    for path in ["/nope", "/v1/nope", "/v1/articles/x/y/z"] {
        let res = app.get(path, None).await;
        res.assert_status(404);
        assert_eq!(res.json()["type"], "/problems/not-found");
    }
}

#[actix_web::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let cases = [
        (Method::PUT, "/v1/articles", "GET, HEAD, POST"),
        (
            Method::POST,
            "/v1/articles/some-id",
            "DELETE, GET, HEAD, PATCH, PUT",
        ),
        (Method::DELETE, "/v1/tags", "GET, HEAD, POST"),
        (Method::POST, "/healthz", "GET, HEAD"),
    ];
    for (method, path, allow) in cases {
        let res = app
            .request(method.clone(), path)
            .key(Some(app.admin_key()))
            .send()
            .await;
        res.assert_status(405);
        assert_eq!(
            res.header("allow").as_deref(),
            Some(allow),
            "{method} {path}"
        );
    }
}

#[actix_web::test]
async fn bad_query_parameters_are_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("foo=1", "foo"),
        ("cursor=%%%", "cursor"),
    ] {
        let res = app.get(&format!("/v1/articles?{query}"), None).await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), [field], "{query}");
    }
    let res = app
        .delete("/v1/articles/x?permanent=yes", Some(app.admin_key()))
        .await;
    res.assert_status(400);
}

#[actix_web::test]
async fn a_query_value_of_the_wrong_type_is_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for path in ["/v1/articles?limit=abc", "/v1/tags?limit=abc"] {
        let res = app.get(path, None).await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), ["limit"], "{path}");
    }
}

#[actix_web::test]
async fn a_tampered_cursor_is_400() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.published("Paged").await;
    }
    let page = app.get("/v1/articles?limit=1", None).await.json();
    let cursor = page["meta"]["next_cursor"].as_str().unwrap().to_string();
    app.get(&format!("/v1/articles?limit=1&cursor={cursor}"), None)
        .await
        .assert_status(200);
    for bad in [
        format!("{cursor}!"),
        format!("{}=", &cursor[..cursor.len() - 1]),
        "bm90IGEgY3Vyc29y".into(), // "not a cursor": one part, not two
        "MjAyNAp4eXo".into(),      // "2024\nxyz": pk not a number
        "__4KMQ".into(),           // not UTF-8
        "MjAyNC0wNS0wMVQxMDowMDowMC4wMDAwMDBaCjEKMg".into(), // three parts
    ] {
        let res = app
            .get(&format!("/v1/articles?limit=1&cursor={bad}"), None)
            .await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), ["cursor"], "{bad}");
    }
    // A term cursor is one part: an article cursor is not one.
    let res = app.get(&format!("/v1/tags?cursor={cursor}"), None).await;
    res.assert_status(400);
}

#[actix_web::test]
async fn a_cursor_with_a_position_the_server_never_issued_is_400() {
    let app = TestApp::spawn().await;
    app.published("Paged").await;
    let res = app.get("/v1/articles?cursor=aGVsbG8KMQ", None).await;
    res.assert_status(400);
    assert_eq!(res.error_fields(), ["cursor"]);
}

#[actix_web::test]
async fn validation_reports_one_entry_per_invalid_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/v1/articles",
            Some(app.write_key()),
            &json!({"title": "", "language": "English", "canonical_url": "javascript:alert(1)"}),
        )
        .await;
    res.assert_status(422);
    assert_eq!(res.json()["type"], "/problems/validation-failed");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["canonical_url", "language", "title"]);
    let errors = res.json()["errors"].clone();
    for e in errors.as_array().unwrap() {
        assert!(!e["message"].as_str().unwrap_or_default().is_empty(), "{e}");
    }
}

#[actix_web::test]
async fn a_body_setting_server_owned_fields_is_422_naming_each() {
    let app = TestApp::spawn().await;
    let mut body = published("Sneaky");
    for (field, value) in [
        ("id", json!("0193")),
        ("view_count", json!(1_000_000)),
        ("version", json!(7)),
        ("body_html", json!("<script>x</script>")),
        ("created_at", json!("2000-01-01T00:00:00Z")),
    ] {
        body[field] = value;
    }
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &body)
        .await;
    res.assert_status(422);
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["body_html", "created_at", "id", "version", "view_count"]
    );

    let a = app.published("Honest").await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    let res = app
        .merge_patch(&path, &json!({"view_count": 5, "title": "x"}))
        .await;
    res.assert_status(422);
    assert_eq!(res.error_fields(), ["view_count"]);
    let res = app
        .put_json(&path, Some(app.write_key()), &{
            let mut b = published("Honest");
            b["version"] = json!(9);
            b
        })
        .await;
    res.assert_status(422);
    assert_eq!(res.error_fields(), ["version"]);
    assert_eq!(app.article(a["id"].as_str().unwrap()).await["version"], 1);
}

#[actix_web::test]
async fn an_unknown_body_field_is_422_and_a_non_object_body_is_422() {
    let app = TestApp::spawn().await;
    let mut body = published("Typo");
    body["titel"] = json!("oops");
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &body)
        .await;
    res.assert_status(422);
    assert!(res.json()["detail"].is_string());
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &json!(["a"]))
        .await;
    res.assert_status(422);
    assert_eq!(res.error_fields(), ["body"]);
}

#[actix_web::test]
async fn conflicts_and_missing_things_never_leak_database_text() {
    // The helper rejects any error body mentioning diesel, sqlite, constraints or panics;
    // these are the paths most likely to forward a database message.
    let app = TestApp::spawn().await;
    let mut body = published("Unique");
    body["slug"] = json!("unique");
    app.create_article(&body).await;
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &body)
        .await;
    res.assert_status(409);
    app.post_json("/v1/tags", Some(app.write_key()), &json!({"name": "T"}))
        .await
        .assert_status(201);
    app.post_json("/v1/tags", Some(app.write_key()), &json!({"name": "t"}))
        .await
        .assert_status(409);
    let mut t = published("Bad translation");
    t["translation_of"] = json!("no-such-id");
    app.post_json("/v1/articles", Some(app.write_key()), &t)
        .await
        .assert_status(422);
    app.get("/v1/authors/nobody", None).await.assert_status(404);
}

#[actix_web::test]
async fn a_merge_patch_naming_an_unknown_member_is_422_naming_it_even_when_null() {
    let app = TestApp::spawn().await;
    let a = app.published("Patched").await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    for patch in [
        json!({"": null}),
        json!({"titel": "x"}),
        json!({"subtitel": null}),
    ] {
        let res = app.merge_patch(&path, &patch).await;
        res.assert_status(422);
        let name = patch.as_object().unwrap().keys().next().unwrap().clone();
        assert_eq!(res.error_fields(), [name], "{patch}: {}", res.json());
    }
    // Nothing was changed by the refused patches.
    assert_eq!(app.article(a["id"].as_str().unwrap()).await["version"], 1);
    // A partial feature image patch is a merge, not a replacement.
    app.merge_patch(
        &path,
        &json!({"feature_image": {"url": "https://example.org/a.jpg", "alt": "A"}}),
    )
    .await
    .assert_status(200);
    let res = app
        .merge_patch(&path, &json!({"feature_image": {"alt": "B"}}))
        .await;
    res.assert_status(200);
    assert_eq!(
        res.json()["feature_image"]["url"],
        "https://example.org/a.jpg"
    );
    assert_eq!(res.json()["feature_image"]["alt"], "B");
}

#[actix_web::test]
async fn an_empty_cursor_is_the_first_page() {
    let app = TestApp::spawn().await;
    for title in ["One", "Two"] {
        app.published(title).await;
    }
    let first = app.get("/v1/articles?limit=1", None).await.json();
    for path in [
        "/v1/articles?limit=1&cursor=",
        "/v1/articles?cursor=&limit=1",
    ] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        assert_eq!(res.json()["data"], first["data"], "{path}");
    }
    app.get("/v1/tags?cursor=", None).await.assert_status(200);
}

#[actix_web::test]
async fn a_body_is_judged_only_after_the_key() {
    let app = TestApp::spawn().await;
    for (key, want) in [
        (None, 401),
        (Some(app.read_key()), 403),
        (Some(app.write_key()), 415),
    ] {
        let res = app
            .request(Method::POST, "/v1/articles")
            .key(key)
            .body("text/plain", "not json")
            .send()
            .await;
        res.assert_status(want);
    }
}

#[actix_web::test]
async fn a_patch_cannot_clear_what_an_article_always_has() {
    let app = TestApp::spawn().await;
    let a = app.published("Always titled").await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    let res = app
        .merge_patch(
            &path,
            &json!({"title": null, "slug": null, "status": null, "language": null}),
        )
        .await;
    res.assert_status(422);
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["language", "slug", "status", "title"]);
    let after = app.article(a["id"].as_str().unwrap()).await;
    assert_eq!(
        (after["status"].as_str(), after["version"].as_i64()),
        (Some("published"), Some(1))
    );
    // What null may clear, it clears.
    let res = app
        .merge_patch(
            &path,
            &json!({"tags": null, "featured": null, "subtitle": null}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["tags"], json!([]));
    assert_eq!(res.json()["featured"], false);
}

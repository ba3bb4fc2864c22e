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
    app.state.views.flush(&app.state.pool).await.unwrap();
    assert_eq!(app.get(&path, None).await.json()["view_count"], 1);

    let when = chrono::Utc::now() + chrono::Duration::milliseconds(1000);
    let mut body = published("Later");
    body["published_at"] = json!(when.to_rfc3339());
    app.create_article(&body).await;
    assert_eq!(
        titles(&app.get("/v1/articles", None).await.json()),
        ["Read me"]
    );
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(1200));
    assert_eq!(
        titles(&app.get("/v1/articles", None).await.json()),
        ["Later", "Read me"],
        "its time came: the kept list is not served"
    );
}

fn gunzip(body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("gzip body");
    out
}

fn unbrotli(body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    brotli::Decompressor::new(body, 4096)
        .read_to_end(&mut out)
        .expect("brotli body");
    out
}

#[actix_web::test]
async fn kept_responses_go_out_compressed_with_their_own_etags() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        app.published(&format!("Compressed story {i}")).await;
    }
    let path = "/v1/feeds/rss";
    let plain = app.get(path, None).await;
    plain.assert_status(200);
    assert!(plain.body.len() >= 1024, "the feed is worth compressing");
    assert!(plain.header("content-encoding").is_none());
    type Decode = fn(&[u8]) -> Vec<u8>;
    for (coding, decode) in [("gzip", gunzip as Decode), ("br", unbrotli as Decode)] {
        app.sql.take();
        let res = app
            .request(Method::GET, path)
            .header("Accept-Encoding", coding)
            .send()
            .await;
        res.assert_status(200);
        assert!(app.sql.take().is_empty(), "{coding}: served from memory");
        assert_eq!(res.header("content-encoding").as_deref(), Some(coding));
        assert_eq!(
            decode(&res.body),
            plain.body.to_vec(),
            "{coding}: same content"
        );
        assert!(res.body.len() < plain.body.len() / 2, "{coding}: smaller");
        let expected = format!("\"{}-{coding}\"", plain.etag().trim_matches('"'));
        assert_eq!(res.etag(), expected, "a representation of its own");
        let vary: Vec<String> = res
            .headers
            .get_all("vary")
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .collect();
        assert!(
            vary.iter().any(|v| v.contains("accept-encoding")),
            "{vary:?}"
        );
        // Its own ETag, and the identity one, both answer 304, naming the one sent.
        for etag in [res.etag(), plain.etag()] {
            let not_modified = app
                .request(Method::GET, path)
                .header("Accept-Encoding", coding)
                .header("If-None-Match", &etag)
                .send()
                .await;
            not_modified.assert_status(304);
            assert_eq!(not_modified.etag(), etag);
        }
        // Asked again, the same bytes (compressed once).
        let again = app
            .request(Method::GET, path)
            .header("Accept-Encoding", coding)
            .send()
            .await;
        assert_eq!(again.body, res.body);
    }
    // A client that accepts neither still gets the identity body.
    let identity = app
        .request(Method::GET, path)
        .header("Accept-Encoding", "identity")
        .send()
        .await;
    assert_eq!(identity.body, plain.body);
    assert_eq!(identity.etag(), plain.etag());
}

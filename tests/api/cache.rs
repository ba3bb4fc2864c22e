//! The response cache: a repeated public read runs no SQL; a write forgets exactly the
//! kept responses showing what it changed (by cache tag), a scheduled publication's time
//! forgets the lists, a view flush only the most-read list; keyed reads are never cached;
//! the cache stays within its byte budget.

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
    app.post(&format!("{path}/views"), None)
        .await
        .assert_status(204);
    // A view alone forgets nothing (it is not in the store yet) …
    let (hit, article) = served(&app, &path).await;
    assert!(hit, "still served from memory");
    assert_eq!(article["view_count"], 0);
    // … nor does its flush: the kept copy shows counts up to a minute old …
    app.state.views.flush(&app.state.pool).await.unwrap();
    let (hit, article) = served(&app, &path).await;
    assert!(hit, "still served from memory after the flush");
    assert_eq!(article["view_count"], 0);
    // … and no older.
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::seconds(60));
    assert_eq!(app.get(&path, None).await.json()["view_count"], 1);

    // A list kept while no publication was pending …
    assert_eq!(
        titles(&app.get("/v1/articles", None).await.json()),
        ["Read me"]
    );
    let when = app.state.clock_now() + chrono::Duration::milliseconds(1000);
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
        "its time came: the kept list is not served (the scheduling told the cache)"
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

/// The SQL a public read of `path` ran: empty when it was served from memory.
async fn sql_of(app: &TestApp, path: &str) -> (Vec<String>, serde_json::Value) {
    app.sql.take();
    let res = app.get(path, None).await;
    res.assert_status(200);
    (app.sql.take(), res.json())
}

/// An anonymous GET of `path`: whether it was answered from the kept responses (a
/// hit, nothing computed, as the cache counts it: a statement log would also catch a
/// connection the pool happens to open meanwhile), and its JSON.
async fn served(app: &TestApp, path: &str) -> (bool, serde_json::Value) {
    let counts = &app.state.responses.counts;
    let (hits, misses) = (counts.hits.get(), counts.misses.get());
    let res = app.get(path, None).await;
    res.assert_status(200);
    let seen = (counts.hits.get() - hits, counts.misses.get() - misses);
    (seen == (1, 0), res.json())
}

async fn kept(app: &TestApp, path: &str) -> bool {
    served(app, path).await.0
}

#[actix_web::test]
async fn a_write_forgets_exactly_the_responses_showing_what_it_changed() {
    let app = TestApp::spawn().await;
    let mut one = published("Edited story");
    one["tags"] = json!(["#Edited"]);
    let one = app.create_article(&one).await;
    let mut other = published("Unrelated story");
    other["tags"] = json!(["#Elsewhere"]);
    let other = app.create_article(&other).await;
    let draft = app
        .create_article(&json!({"title": "A draft", "body_markdown": "x"}))
        .await;
    let one_path = format!("/v1/articles/{}", one["slug"].as_str().unwrap());
    let other_path = format!("/v1/articles/{}", other["slug"].as_str().unwrap());
    let paths = [
        one_path.as_str(),
        other_path.as_str(),
        "/v1/articles",
        "/v1/feeds/json",
        "/v1/tags/elsewhere",
        "/v1/articles?tag=elsewhere",
        "/v1/articles?q=unrelated",
    ];
    for path in paths {
        app.get(path, None).await.assert_status(200);
        assert!(kept(&app, path).await, "{path} is kept");
    }
    // Saving a draft changes nothing the public sees: everything stays kept.
    app.merge_patch(
        &format!("/v1/articles/{}", draft["id"].as_str().unwrap()),
        &json!({"title": "A draft, saved again"}),
    )
    .await
    .assert_status(200);
    for path in paths {
        assert!(kept(&app, path).await, "{path} survives a draft's save");
    }
    // Editing a published article forgets it and the lists, not the other article.
    app.merge_patch(
        &format!("/v1/articles/{}", one["id"].as_str().unwrap()),
        &json!({"title": "Edited story, corrected"}),
    )
    .await
    .assert_status(200);
    assert!(
        kept(&app, &other_path).await,
        "an unrelated article stays kept"
    );
    // It stays where it was in lists: lists not showing it stay kept.
    assert!(kept(&app, "/v1/articles?tag=elsewhere").await);
    assert!(kept(&app, "/v1/articles?q=unrelated").await);
    let (sql, body) = sql_of(&app, &one_path).await;
    assert!(!sql.is_empty());
    assert_eq!(body["title"], "Edited story, corrected");
    let (sql, body) = sql_of(&app, "/v1/articles").await;
    assert!(!sql.is_empty());
    assert!(titles(&body).contains(&"Edited story, corrected".to_string()));
    let (sql, _) = sql_of(&app, "/v1/feeds/json").await;
    assert!(!sql.is_empty(), "feeds list articles");
    // Moving it into another tag's list forgets every list.
    app.merge_patch(
        &format!("/v1/articles/{}", one["id"].as_str().unwrap()),
        &json!({"tags": ["#Edited", "#Elsewhere"]}),
    )
    .await
    .assert_status(200);
    let (sql, body) = sql_of(&app, "/v1/articles?tag=elsewhere").await;
    assert!(!sql.is_empty());
    assert_eq!(titles(&body).len(), 2, "it joined the tag's list");
    assert!(
        kept(&app, &other_path).await,
        "the other article is still kept"
    );

    // Renaming a tag forgets the articles showing it, not the others.
    app.get(&one_path, None).await.assert_status(200);
    app.get(&other_path, None).await.assert_status(200);
    app.get("/v1/tags/edited", None).await.assert_status(200);
    app.patch(
        "/v1/tags/edited",
        Some(app.write_key()),
        &json!({"name": "#EditedRenamed"}),
        "application/merge-patch+json",
    )
    .await
    .assert_status(200);
    assert!(kept(&app, &other_path).await, "it does not show the tag");
    let (sql, body) = sql_of(&app, &one_path).await;
    assert!(!sql.is_empty());
    assert_eq!(body["tags"][0]["name"], "#EditedRenamed");
    let (_, body) = sql_of(&app, "/v1/tags/edited").await;
    assert_eq!(body["name"], "#EditedRenamed");
}

#[actix_web::test]
async fn a_view_flush_forgets_only_the_most_read_list() {
    let app = TestApp::spawn().await;
    let a = app.published("Read often").await;
    let b = app.published("Read rarely").await;
    let paths = [
        format!("/v1/articles/{}", a["slug"].as_str().unwrap()),
        format!("/v1/articles/{}", b["slug"].as_str().unwrap()),
        "/v1/articles".to_string(),
        "/v1/feeds/rss".to_string(),
        "/v1/articles/popular".to_string(),
    ];
    for path in &paths {
        app.get(path, None).await.assert_status(200);
    }
    for _ in 0..3 {
        app.request(
            Method::POST,
            &format!("/v1/articles/{}/views", a["id"].as_str().unwrap()),
        )
        .send()
        .await
        .assert_status(204);
    }
    app.state.views.flush(&app.state.pool).await.unwrap();
    for path in &paths[..4] {
        assert!(kept(&app, path).await, "{path} survives a view flush");
    }
    let (sql, body) = sql_of(&app, "/v1/articles/popular").await;
    assert!(!sql.is_empty(), "the ranking is computed again");
    assert_eq!(titles(&body)[0], "Read often");
    assert_eq!(body["data"][0]["view_count"], 3);
}

#[actix_web::test]
async fn public_responses_name_their_cache_tags() {
    let app = TestApp::spawn().await;
    let mut body = published("Tagged story");
    body["tags"] = json!(["#StandWithUkraine"]);
    body["authors"] = json!([app.create_author("Olena Kovalenko").await]);
    let article = app.create_article(&body).await;
    let id = article["id"].as_str().unwrap();
    let res = app.get(&format!("/v1/articles/{id}"), None).await;
    let keys = res.header("surrogate-key").expect("Surrogate-Key");
    let keys: Vec<&str> = keys.split(' ').collect();
    assert!(keys.contains(&format!("article:{id}").as_str()), "{keys:?}");
    assert!(keys.contains(&"tag:standwithukraine"), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("author:")), "{keys:?}");
    assert_eq!(
        res.header("cache-tag").unwrap(),
        keys.join(","),
        "Cache-Tag carries the same, comma-separated"
    );
    // A kept copy carries them too.
    let again = app.get(&format!("/v1/articles/{id}"), None).await;
    assert_eq!(again.header("surrogate-key"), res.header("surrogate-key"));
    for (path, tag) in [
        ("/v1/articles", "articles"),
        ("/v1/feeds/atom", "feed"),
        ("/v1/sitemap.xml", "sitemap"),
        ("/v1/articles/popular", "popular"),
        ("/v1/tags", "tags"),
        ("/v1/authors", "authors"),
        ("/v1/tags/standwithukraine", "tag:standwithukraine"),
        ("/v1/changes", "changes"),
    ] {
        let res = app.get(path, None).await;
        let keys = res.header("surrogate-key").unwrap_or_default();
        assert!(keys.split(' ').any(|k| k == tag), "{path}: {keys}");
    }
    // The spec documents the headers on each of these reads.
    let spec: serde_json::Value = serde_json::from_str(&newsdesk::openapi::spec_json()).unwrap();
    for path in [
        "/v1/articles/{id}",
        "/v1/articles",
        "/v1/feeds/{format}",
        "/v1/sitemap.xml",
        "/v1/articles/popular",
        "/v1/tags",
        "/v1/authors",
        "/v1/tags/{slug}",
        "/v1/changes",
    ] {
        let headers = &spec["paths"][path]["get"]["responses"]["200"]["headers"];
        for name in ["Surrogate-Key", "Cache-Tag"] {
            assert!(headers[name].is_object(), "{path} documents {name}");
        }
    }
    // Keyed (private) answers name none.
    let keyed = app
        .get(&format!("/v1/articles/{id}"), Some(app.read_key()))
        .await;
    assert!(keyed.header("surrogate-key").is_none());
    assert!(keyed.header("cache-tag").is_none());
}

#[actix_web::test]
async fn the_cache_stays_within_its_byte_budget() {
    let app = TestApp::with_config(|c| c.cache_mb = 1).await;
    // Text that packs about as badly as prose can: words drawn at random, so the warm
    // tier's LZ4 gains little beyond the three renderings of one body.
    let words = [
        "Київ",
        "Toronto",
        "громада",
        "unity",
        "день",
        "freedom",
        "світ",
        "news",
    ];
    let mut seed: u64 = 7;
    let mut paths = Vec::new();
    for i in 0..80 {
        let text: Vec<String> = (0..1500)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                format!("{}{}", words[(seed >> 61) as usize], (seed >> 40) % 1000)
            })
            .collect();
        let mut body = published(&format!("Long story {i}"));
        body["body_markdown"] = json!(text.join(" "));
        let a = app.create_article(&body).await;
        paths.push(format!("/v1/articles/{}", a["id"].as_str().unwrap()));
    }
    for path in &paths {
        app.get(path, None).await.assert_status(200);
    }
    let (entries, bytes) = app.state.responses.size();
    assert!(entries > 0, "some are kept");
    assert!(bytes <= 1024 * 1024, "{bytes} bytes kept in a 1 MiB budget");
    let metrics = app.get("/metrics", None).await.text();
    assert!(metrics.contains("newsdesk_cache_bytes"), "{metrics}");
    assert!(metrics.contains("newsdesk_cache_lookups_total{result=\"hit\"}"));
    // Eighty public reads computed; `/metrics` itself is no miss.
    assert_eq!(misses(&metrics), 80, "{metrics}");
    // Not all of them fit: read again, some are computed a second time.
    for path in &paths {
        app.get(path, None).await.assert_status(200);
    }
    let metrics = app.get("/metrics", None).await.text();
    assert!(misses(&metrics) > 80, "every one was kept: {metrics}");
    let (_, bytes) = app.state.responses.size();
    assert!(bytes <= 1024 * 1024, "{bytes} bytes kept in a 1 MiB budget");
}

/// The cache's misses so far, from `/metrics`.
fn misses(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("newsdesk_cache_lookups_total{result=\"miss\"} "))
        .and_then(|n| n.trim().parse().ok())
        .expect("the miss counter")
}

#[actix_web::test]
async fn a_stale_copy_is_served_while_its_successor_is_computed() {
    let app = TestApp::spawn().await;
    let a = app.published("Hot story").await;
    let path = format!("/v1/articles/{}", a["slug"].as_str().unwrap());
    app.get(&path, None).await.assert_status(200);
    app.merge_patch(
        &format!("/v1/articles/{}", a["id"].as_str().unwrap()),
        &json!({"title": "Hot story, updated"}),
    )
    .await
    .assert_status(200);
    // Another request is computing the new copy (the test holds its turn): this one
    // gets the old copy at once instead of queueing behind it.
    let flight = app.state.responses.flight(&path);
    let turn = flight.clone().lock_owned().await;
    let res = app.get(&path, None).await;
    res.assert_status(200);
    assert_eq!(res.json()["title"], "Hot story");
    drop(turn);
    app.state.responses.land(&path, flight);
    // The first request with nobody computing computes, and gets the new one.
    assert_eq!(
        app.get(&path, None).await.json()["title"],
        "Hot story, updated"
    );
}

//! Quotas and limits: 429 with `Retry-After` and the `RateLimit` headers past a client's
//! quota (per address without a key, per key otherwise, a key's own rate first),
//! `X-Forwarded-For` believed only from trusted proxies, one counted view per client per
//! window, security headers, and the size limits.

use actix_web::http::Method;
use newsdesk::domain::quota::Rate;
use serde_json::json;

use crate::helpers::{TestApp, published};

fn rate(limit: u32) -> Option<Rate> {
    Some(Rate {
        limit,
        window_secs: 3600,
    })
}

/// A quota's window is the server clock's: `Retry-After` counts down as the clock moves,
/// and at the window's end the client has its whole quota again.
#[actix_web::test]
async fn a_spent_quota_comes_back_when_the_clock_reaches_the_end_of_its_window() {
    let app = TestApp::with_config(|c| c.anon_rate = rate(2)).await;
    let get = || {
        app.request(Method::GET, "/v1/articles")
            .peer("203.0.113.9:4000")
            .send()
    };
    let retry_after =
        |res: &crate::helpers::Res| -> i64 { res.header("retry-after").unwrap().parse().unwrap() };
    get().await.assert_status(200);
    get().await.assert_status(200);
    let refused = get().await;
    refused.assert_status(429);
    let wait = retry_after(&refused);
    assert!((1..=3600).contains(&wait), "{wait}");
    let clock = app.state.pool.clock();
    if wait > 2 {
        clock.advance(chrono::Duration::seconds(wait - 2));
        let refused = get().await;
        refused.assert_status(429);
        assert!(
            (1..=2).contains(&retry_after(&refused)),
            "counted down with the clock"
        );
    }
    clock.advance(chrono::Duration::seconds(2));
    let res = get().await;
    res.assert_status(200);
    let left = res.header("ratelimit").unwrap();
    assert!(left.starts_with("\"default\";r=1;t="), "{left}");
    let reset: i64 = left.rsplit("t=").next().unwrap().parse().unwrap();
    assert!(reset > 3590, "a whole new window: {left}");
}

#[actix_web::test]
async fn anonymous_clients_get_429_with_the_headers_after_their_quota() {
    let app = TestApp::with_config(|c| c.anon_rate = rate(3)).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let res = app
            .request(Method::GET, "/v1/articles")
            .peer("203.0.113.5:4000")
            .send()
            .await;
        res.assert_status(200);
        assert_eq!(
            res.header("ratelimit-policy").as_deref(),
            Some("\"default\";q=3;w=3600")
        );
        seen.push(res.header("ratelimit").unwrap());
    }
    assert!(seen[0].starts_with("\"default\";r=2;t="), "{seen:?}");
    assert!(seen[2].starts_with("\"default\";r=0;t="), "{seen:?}");
    let res = app
        .request(Method::GET, "/v1/feeds/rss")
        .peer("203.0.113.5:4001")
        .send()
        .await;
    res.assert_status(429);
    assert_eq!(res.json()["type"], "/problems/too-many-requests");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry));
    assert!(
        res.header("ratelimit")
            .unwrap()
            .starts_with("\"default\";r=0;")
    );
    // The same route spelled with percent-escapes is the same route, and counted.
    let res = app
        .request(Method::GET, "/%761/articles")
        .peer("203.0.113.5:4002")
        .send()
        .await;
    res.assert_status(429);
    // Another address has its own quota; operations endpoints are not counted.
    app.request(Method::GET, "/v1/articles")
        .peer("198.51.100.7:4000")
        .send()
        .await
        .assert_status(200);
    app.request(Method::GET, "/healthz")
        .peer("203.0.113.5:4000")
        .send()
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn keys_have_their_own_quota_and_may_carry_their_own_rate() {
    let app = TestApp::with_config(|c| {
        c.anon_rate = rate(1);
        c.key_rate = rate(4);
    })
    .await;
    // A key is counted by its name, not its address, at the default key rate.
    for _ in 0..4 {
        app.request(Method::GET, "/v1/articles")
            .key(Some(app.read_key()))
            .peer("203.0.113.5:4000")
            .send()
            .await
            .assert_status(200);
    }
    app.request(Method::GET, "/v1/articles")
        .key(Some(app.read_key()))
        .send()
        .await
        .assert_status(429);
    // Its own rate wins over the default.
    let slow = {
        let mut conn = app.state.pool.get().unwrap();
        newsdesk::db::keys::create_with(
            &mut conn,
            "slow-partner",
            newsdesk::domain::access::Scope::Read,
            &newsdesk::db::keys::KeyOptions {
                rate: rate(2),
                expires_at: None,
            },
        )
        .unwrap()
    };
    for expected in [200, 200, 429] {
        let res = app
            .request(Method::GET, "/v1/tags")
            .key(Some(&slow))
            .send()
            .await;
        res.assert_status(expected);
        assert!(res.header("ratelimit-policy").unwrap().contains("q=2;"));
    }
    // A wrong key is counted against its address (so guessing keys is rate-limited).
    app.request(Method::GET, "/v1/articles")
        .key(Some("nd_wrong"))
        .peer("192.0.2.1:1")
        .send()
        .await
        .assert_status(401);
    app.request(Method::GET, "/v1/articles")
        .key(Some("nd_wrong-again"))
        .peer("192.0.2.1:1")
        .send()
        .await
        .assert_status(429);
}

#[actix_web::test]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let app = TestApp::with_config(|c| {
        c.anon_rate = rate(1);
        c.trusted_proxies = vec!["10.0.0.1".parse().unwrap()];
    })
    .await;
    let through_proxy = |client: &'static str| {
        app.request(Method::GET, "/v1/articles")
            .peer("10.0.0.1:5000")
            .header("X-Forwarded-For", client)
    };
    through_proxy("203.0.113.1").send().await.assert_status(200);
    through_proxy("203.0.113.2").send().await.assert_status(200);
    through_proxy("203.0.113.1").send().await.assert_status(429);
    // From anyone else the header is ignored: one address, one quota.
    let direct = |client: &'static str| {
        app.request(Method::GET, "/v1/articles")
            .peer("198.51.100.9:5000")
            .header("X-Forwarded-For", client)
    };
    direct("203.0.113.3").send().await.assert_status(200);
    direct("203.0.113.4").send().await.assert_status(429);
}

#[actix_web::test]
async fn a_client_counts_one_view_per_article_per_window() {
    let app = TestApp::with_config(|c| c.view_window_secs = 3600).await;
    let a = app.published("Read me").await;
    let id = a["id"].as_str().unwrap();
    let peers = [
        "203.0.113.1:1",
        "203.0.113.1:2",
        "203.0.113.1:3",
        "203.0.113.2:1",
    ];
    let counted = views_counted(&app, id, &peers, 2).await;
    assert_eq!(counted, 3, "two addresses and one key");
    // The window is the server clock's: once it has passed, the same clients count again.
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::seconds(3601));
    let counted = views_counted(&app, id, &["203.0.113.1:4"], 1).await;
    assert_eq!(counted, 5, "a new window for an address and a key");
}

/// Sends a view beacon for article `id` from each address in `peers` and `keyed` more
/// with the read key, flushes the views, and reads the article's `view_count`.
async fn views_counted(app: &TestApp, id: &str, peers: &[&str], keyed: usize) -> i64 {
    let path = format!("/v1/articles/{id}/views");
    for peer in peers {
        app.request(Method::POST, &path)
            .peer(peer)
            .send()
            .await
            .assert_status(204);
    }
    for _ in 0..keyed {
        app.post(&path, Some(app.read_key()))
            .await
            .assert_status(204);
    }
    app.state.views.flush(&app.state.pool).await.unwrap();
    let article = app.get(&format!("/v1/articles/{id}"), None).await.json();
    article["view_count"].as_i64().unwrap()
}

#[actix_web::test]
async fn responses_carry_security_headers_and_no_version_banner() {
    let app = TestApp::spawn().await;
    for path in ["/v1/articles", "/v1/nowhere", "/healthz", "/openapi.json"] {
        let res = app.get(path, None).await;
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            res.header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(
            res.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        assert!(
            res.header("content-security-policy")
                .unwrap()
                .starts_with("default-src 'none'"),
            "{path}"
        );
        assert!(res.header("server").is_none(), "{path}: no version banner");
        assert!(res.header("x-powered-by").is_none(), "{path}");
    }
    let docs = app.get("/docs/", None).await;
    docs.assert_status(200);
    let csp = docs.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("*"),
        "{csp}"
    );
}

#[actix_web::test]
async fn oversized_input_is_refused_with_the_right_status() {
    let app = TestApp::with_config(|c| c.body_limit = 64 * 1024).await;
    // Body over the limit: 413.
    let mut big = published("Big");
    big["body_markdown"] = json!("x".repeat(100 * 1024));
    app.post_json("/v1/articles", Some(app.write_key()), &big)
        .await
        .assert_status(413);
    // Field lengths and counts: 422 naming the field.
    let mut long = published(&"T".repeat(301));
    long["tags"] = json!((0..51).map(|i| format!("tag{i}")).collect::<Vec<_>>());
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &long)
        .await;
    res.assert_status(422);
    let fields = res.error_fields();
    assert!(
        fields.contains(&"title".to_string()) && fields.contains(&"tags".to_string()),
        "{fields:?}"
    );
    // Query limits: 400 naming the parameter.
    let q = "слово ".repeat(60);
    let res = app
        .get(
            &crate::helpers::with_query("/v1/articles", &[("q", &q)]),
            None,
        )
        .await;
    res.assert_status(400);
    assert_eq!(res.error_fields(), ["q"]);
    app.get("/v1/articles?limit=101", None)
        .await
        .assert_status(400);
    app.get("/v1/changes?limit=5000", None)
        .await
        .assert_status(400);
}

#[actix_web::test]
async fn a_slow_client_gets_408_and_its_connection_closed() {
    use std::io::{Read, Write};
    let app = TestApp::with_config(|c| {
        c.client_timeout_ms = 300;
        c.workers = 1;
    })
    .await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = newsdesk::serve::server(app.state.clone(), listener).unwrap();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        // Half a request head, then silence.
        s.write_all(b"GET /v1/articles HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        (
            String::from_utf8_lossy(&out).into_owned(),
            started.elapsed(),
        )
    })
    .await
    .unwrap();
    handle.stop(false).await;
    assert!(answer.0.starts_with("HTTP/1.1 408"), "{:?}", answer.0);
    assert!(
        answer.1 < std::time::Duration::from_secs(3),
        "closed promptly: {:?}",
        answer.1
    );
}

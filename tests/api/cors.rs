//! CORS: anonymous reads from any origin; keys only from the configured origins; error
//! responses carry the headers too; ETag and Link are readable by scripts.

use actix_web::http::Method;

use crate::helpers::{TestApp, published};

const TRUSTED: &str = "https://editor.example.org";
const STRANGER: &str = "https://reader.example.net";

/// An app whose keyed requests are allowed from `TRUSTED` only.
async fn app() -> TestApp {
    TestApp::with_config(|c| c.cors_origins = vec![TRUSTED.into()]).await
}

/// A preflight from `origin` for `method`, asking to send `headers` (if any).
async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> crate::helpers::Res {
    let mut req = app
        .request(Method::OPTIONS, path)
        .header("origin", origin)
        .header("access-control-request-method", method);
    if let Some(h) = headers {
        req = req.header("access-control-request-headers", h);
    }
    req.send().await
}

fn lower(res: &crate::helpers::Res, name: &str) -> String {
    res.header(name).unwrap_or_default().to_ascii_lowercase()
}

#[actix_web::test]
async fn an_anonymous_preflight_is_allowed_from_any_origin() {
    let app = app().await;
    for origin in [STRANGER, TRUSTED, "http://localhost:3000"] {
        let res = preflight(&app, "/v1/articles", origin, "GET", None).await;
        res.assert_status(200);
        assert_eq!(
            res.header("access-control-allow-origin").as_deref(),
            Some(origin)
        );
        assert!(lower(&res, "access-control-allow-methods").contains("get"));
        assert!(
            lower(&res, "vary").contains("origin"),
            "caches keep origins apart"
        );
    }
    // Asking to send other allowed headers is fine too.
    let res = preflight(&app, "/v1/articles", STRANGER, "GET", Some("if-none-match")).await;
    res.assert_status(200);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some(STRANGER)
    );
}

#[actix_web::test]
async fn a_preflight_asking_to_send_a_key_is_refused_from_an_unconfigured_origin() {
    let app = app().await;
    for asks in [
        "authorization",
        "Authorization",
        "content-type, authorization",
    ] {
        let res = preflight(&app, "/v1/articles", STRANGER, "POST", Some(asks)).await;
        let status = res.status.as_u16();
        assert!((400..500).contains(&status), "{asks}: {status}");
        assert!(
            res.header("access-control-allow-origin").is_none(),
            "{asks}: {:?}",
            res.headers
        );
        assert!(
            res.header("content-type")
                .unwrap_or_default()
                .starts_with("application/problem+json"),
            "{asks}: {:?}",
            res.header("content-type")
        );
    }
}

#[actix_web::test]
async fn a_preflight_asking_to_send_a_key_is_allowed_from_a_configured_origin() {
    let app = app().await;
    let res = preflight(
        &app,
        "/v1/articles",
        TRUSTED,
        "POST",
        Some("authorization, content-type"),
    )
    .await;
    res.assert_status(200);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some(TRUSTED)
    );
    let allowed = lower(&res, "access-control-allow-headers");
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(lower(&res, "access-control-allow-methods").contains("post"));
}

#[actix_web::test]
async fn a_keyed_request_carries_cors_headers_only_for_a_configured_origin() {
    let app = app().await;
    app.published("Keyed").await;
    let trusted = app
        .request(Method::GET, "/v1/articles")
        .key(Some(app.read_key()))
        .header("origin", TRUSTED)
        .send()
        .await;
    trusted.assert_status(200);
    assert_eq!(
        trusted.header("access-control-allow-origin").as_deref(),
        Some(TRUSTED)
    );
    let stranger = app
        .request(Method::GET, "/v1/articles")
        .key(Some(app.read_key()))
        .header("origin", STRANGER)
        .send()
        .await;
    assert!(
        stranger.header("access-control-allow-origin").is_none(),
        "a browser must not hand a stranger's script keyed data"
    );
}

#[actix_web::test]
async fn an_error_response_carries_the_cors_headers() {
    let app = app().await;
    for path in ["/v1/articles/no-such-article", "/v1/nowhere"] {
        let res = app
            .request(Method::GET, path)
            .header("origin", STRANGER)
            .send()
            .await;
        res.assert_status(404);
        assert_eq!(
            res.header("access-control-allow-origin").as_deref(),
            Some(STRANGER),
            "{path}"
        );
    }
    let bad = app
        .request(Method::GET, "/v1/articles?colour=red")
        .header("origin", STRANGER)
        .send()
        .await;
    bad.assert_status(400);
    assert_eq!(
        bad.header("access-control-allow-origin").as_deref(),
        Some(STRANGER)
    );
}

#[actix_web::test]
async fn scripts_may_read_etag_and_link() {
    let app = app().await;
    for t in ["One", "Two"] {
        app.create_article(&published(t)).await;
    }
    let res = app
        .request(Method::GET, "/v1/articles?limit=1")
        .header("origin", STRANGER)
        .send()
        .await;
    res.assert_status(200);
    assert!(res.header("link").is_some());
    let exposed = lower(&res, "access-control-expose-headers");
    for name in ["etag", "link", "location", "last-modified"] {
        assert!(
            exposed.split(',').any(|h| h.trim() == name),
            "{name} not in {exposed:?}"
        );
    }
}

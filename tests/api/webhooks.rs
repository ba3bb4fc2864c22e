//! Webhooks: admin endpoints, deliveries to a local receiver with their signatures
//! checked from the Standard Webhooks rules, retries, the delivery log, durability
//! across a restart, and scheduled publications firing at their time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, published};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// A plain HTTP/1.1 receiver on a local port, answering with `status`.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/newsdesk", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let (g, s) = (got.clone(), status.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = Vec::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap(); // request line
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    let l = line.trim_end();
                    if l.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = l.split_once(':') {
                        headers.push((k.trim().to_string(), v.trim().to_string()));
                    }
                }
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map(|(_, v)| v.parse().unwrap())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                g.lock().unwrap().push(Received {
                    headers,
                    body: String::from_utf8(body).unwrap(),
                });
                let code = s.load(Ordering::SeqCst);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Self { url, got, status }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// Checks a delivery's signature the way a partner would, from the specification:
/// HMAC-SHA256 keyed with the base64 secret after `whsec_`, over `id.timestamp.body`.
fn verify(secret: &str, r: &Received) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    let signed = format!(
        "{}.{}.{}",
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        r.body
    );
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let sent: Vec<&str> = r.header("webhook-signature").split(' ').collect();
    assert!(sent.contains(&expected.as_str()), "bad signature: {r:?}");
    let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - ts).abs() < 60,
        "fresh timestamp"
    );
}

async fn register(app: &TestApp, body: &Value) -> Value {
    let res = app
        .post_json("/v1/webhooks", Some(app.admin_key()), body)
        .await;
    res.assert_status(201);
    res.json()
}

/// A receiver, and a webhook for `article.published` pointing at it.
async fn receiving_published(app: &TestApp) -> (Receiver, Value) {
    let rx = Receiver::start();
    let hook = register(
        app,
        &json!({"url": rx.url, "events": ["article.published"]}),
    )
    .await;
    (rx, hook)
}

fn deliver(app: &TestApp) -> usize {
    newsdesk::jobs::deliver_due(&app.state.pool, &app.state.config).unwrap()
}

#[actix_web::test]
async fn admins_register_list_change_and_remove_webhooks() {
    let app = TestApp::spawn().await;
    let body = json!({"url": "https://partner.example.org/hook", "events": ["article.published", "article.published"]});
    app.post_json("/v1/webhooks", None, &body)
        .await
        .assert_status(401);
    app.post_json("/v1/webhooks", Some(app.write_key()), &body)
        .await
        .assert_status(403);
    let res = app
        .post_json("/v1/webhooks", Some(app.admin_key()), &body)
        .await;
    res.assert_status(201);
    let created = res.json();
    let id = created["id"].as_str().unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(
        created["events"],
        json!(["article.published"]),
        "repeats dropped"
    );
    assert_eq!(created["active"], true);
    assert_eq!(created["include_unpublished"], false);
    assert!(
        res.header("location")
            .unwrap()
            .ends_with(&format!("/v1/webhooks/{id}"))
    );

    let list = app.get("/v1/webhooks", Some(app.admin_key())).await;
    list.assert_status(200);
    assert_eq!(list.json()["data"][0]["id"], id);
    assert!(!list.text().contains("whsec_"), "the secret is shown once");
    app.get("/v1/webhooks", Some(app.read_key()))
        .await
        .assert_status(403);

    let path = format!("/v1/webhooks/{id}");
    let res = app
        .patch(
            &path,
            Some(app.admin_key()),
            &json!({"active": false, "events": ["article.deleted"]}),
            "application/merge-patch+json",
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["active"], false);
    assert_eq!(res.json()["events"], json!(["article.deleted"]));
    assert_eq!(res.json()["url"], "https://partner.example.org/hook");
    assert!(!res.text().contains("whsec_"));

    for (bad, field) in [
        (
            json!({"url": "ftp://x.example", "events": ["article.published"]}),
            "url",
        ),
        (
            json!({"url": "not a url", "events": ["article.published"]}),
            "url",
        ),
        (
            json!({"url": "https://f*", "events": ["article.published"]}),
            "url",
        ),
        (json!({"url": "https://x.example", "events": []}), "events"),
        (
            json!({"url": "https://x.example", "events": ["article.exploded"]}),
            "events[0]",
        ),
        (
            json!({"url": "https://x.example", "events": ["article.published"], "secret": "mine"}),
            "secret",
        ),
    ] {
        let res = app
            .post_json("/v1/webhooks", Some(app.admin_key()), &bad)
            .await;
        res.assert_status(422);
        assert!(
            res.error_fields().iter().any(|f| f.starts_with(field)),
            "{bad}: {:?}",
            res.error_fields()
        );
    }
    app.patch(
        &path,
        Some(app.admin_key()),
        &json!({"url": "javascript:alert(1)"}),
        "application/merge-patch+json",
    )
    .await
    .assert_status(422);

    assert_eq!(admin(&app, Method::DELETE, &path, None).await, 204);
    assert_eq!(admin(&app, Method::GET, &path, None).await, 404);
    assert_eq!(admin(&app, Method::DELETE, &path, None).await, 404);
}

/// The status of `method` on `path` with the admin key (and `If-Match` when given).
async fn admin(app: &TestApp, method: Method, path: &str, if_match: Option<&str>) -> u16 {
    let mut req = app.request(method, path).key(Some(app.admin_key()));
    if let Some(etag) = if_match {
        req = req.header("If-Match", etag);
    }
    req.send().await.status.as_u16()
}

/// Two admin tools editing one webhook: the one holding a stale ETag gets 412, changes
/// nothing and removes nothing.
#[actix_web::test]
async fn webhook_changes_honour_if_match() {
    let app = TestApp::spawn().await;
    let hook = register(
        &app,
        &json!({"url": "https://partner.example.org/hook", "events": ["article.published"]}),
    )
    .await;
    let path = format!("/v1/webhooks/{}", hook["id"].as_str().unwrap());
    let read = app.get(&path, Some(app.admin_key())).await;
    read.assert_status(200);
    let first = read.etag();
    let patch = |etag: String, body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            app.request(Method::PATCH, &path)
                .key(Some(app.admin_key()))
                .header("If-Match", &etag)
                .body("application/merge-patch+json", body.to_string())
                .send()
                .await
        }
    };
    let res = patch(first.clone(), json!({"active": false})).await;
    res.assert_status(200);
    let second = res.etag();
    assert_ne!(second, first, "a change gives a new ETag");
    assert_eq!(
        app.get(&path, Some(app.admin_key())).await.etag(),
        second,
        "the PATCH's ETag is the one GET answers"
    );
    let stale = patch(
        first.clone(),
        json!({"url": "https://other.example.org/hook"}),
    )
    .await;
    stale.assert_status(412);
    let now = app.get(&path, Some(app.admin_key())).await.json();
    assert_eq!(
        now["url"], "https://partner.example.org/hook",
        "nothing changed"
    );
    assert_eq!(now["active"], false);
    let stale = admin(&app, Method::DELETE, &path, Some(&first)).await;
    assert_eq!(stale, 412, "a stale ETag removes nothing");
    assert_eq!(admin(&app, Method::GET, &path, None).await, 200);
    assert_eq!(admin(&app, Method::DELETE, &path, Some(&second)).await, 204);
    assert_eq!(admin(&app, Method::GET, &path, None).await, 404);
}

#[actix_web::test]
async fn deliveries_are_signed_and_logged() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start();
    let hook = register(
        &app,
        &json!({"url": rx.url, "events": ["article.published", "article.updated"]}),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap();
    // A draft is not the public's business: nothing is queued for it.
    app.draft("Draft", "x").await;
    let a = app.published("Kyiv & Lviv <b>").await;
    assert_eq!(deliver(&app), 1);
    assert_eq!(deliver(&app), 0, "delivered once");
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    verify(secret, r);
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("newsdesk-event"), "article.published");
    let event: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(event["type"], "article.published");
    assert_eq!(r.header("webhook-id"), format!("evt_{}", event["id"]));
    assert_eq!(event["article_id"], a["id"]);
    assert_eq!(event["article"]["title"], "Kyiv & Lviv <b>");

    let log = app
        .get(
            &format!("/v1/webhooks/{}/deliveries", hook["id"].as_str().unwrap()),
            Some(app.admin_key()),
        )
        .await;
    log.assert_status(200);
    let d = &log.json()["data"][0];
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["last_status"], 200);
    assert_eq!(d["event_type"], "article.published");
    assert_eq!(d["event_id"], event["id"]);
    assert!(d["delivered_at"].is_string());
}

#[actix_web::test]
async fn a_failing_receiver_is_retried_with_backoff_then_given_up() {
    let app = TestApp::with_config(|c| {
        c.webhook_retry_ms = 50;
        c.webhook_max_attempts = 3;
    })
    .await;
    let rx = Receiver::start();
    rx.status.store(503, Ordering::SeqCst);
    let hook = register(
        &app,
        &json!({"url": rx.url, "events": ["article.published"]}),
    )
    .await;
    let log_path = format!("/v1/webhooks/{}/deliveries", hook["id"].as_str().unwrap());
    app.published("Retry me").await;
    assert_eq!(deliver(&app), 1);
    assert_eq!(deliver(&app), 0, "not before the backoff");
    let d = app.get(&log_path, Some(app.admin_key())).await.json()["data"][0].clone();
    assert_eq!(
        (
            d["state"].as_str(),
            d["attempts"].as_i64(),
            d["last_status"].as_i64()
        ),
        (Some("pending"), Some(1), Some(503))
    );
    assert!(d["next_attempt_at"].is_string());
    assert!(d["last_error"].as_str().unwrap().contains("503"));

    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(80));
    rx.status.store(200, Ordering::SeqCst);
    assert_eq!(deliver(&app), 1);
    let d = app.get(&log_path, Some(app.admin_key())).await.json()["data"][0].clone();
    assert_eq!(
        (d["state"].as_str(), d["attempts"].as_i64()),
        (Some("delivered"), Some(2))
    );
    let got = rx.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("webhook-id"),
        got[1].header("webhook-id"),
        "same id on retry"
    );
    verify(hook["secret"].as_str().unwrap(), &got[1]);

    // A receiver that never recovers: given up after the last attempt.
    rx.status.store(500, Ordering::SeqCst);
    app.published("Never arrives").await;
    for wait in [0, 80, 160] {
        app.state
            .pool
            .clock()
            .advance(chrono::Duration::milliseconds(wait as i64));
        deliver(&app);
    }
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(400));
    assert_eq!(deliver(&app), 0);
    let d = app.get(&log_path, Some(app.admin_key())).await.json()["data"][0].clone();
    assert_eq!(
        (d["state"].as_str(), d["attempts"].as_i64()),
        (Some("failed"), Some(3))
    );
    assert!(d["next_attempt_at"].is_null());
}

#[actix_web::test]
async fn a_queued_delivery_survives_a_restart() {
    let app = TestApp::spawn().await;
    let (rx, hook) = receiving_published(&app).await;
    let a = app.published("Before the crash").await;
    // The server stops before its delivery job ran.
    let app = app.restart().await;
    assert_eq!(deliver(&app), 1);
    let got = rx.received();
    assert_eq!(got.len(), 1);
    verify(hook["secret"].as_str().unwrap(), &got[0]);
    let event: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(event["article_id"], a["id"]);
}

#[actix_web::test]
async fn a_scheduled_article_fires_when_its_time_comes() {
    let app = TestApp::spawn().await;
    let (rx, _) = receiving_published(&app).await;
    let when = chrono::Utc::now() + chrono::Duration::milliseconds(800);
    let a = app
        .create_article(&json!({"title": "At noon", "body_markdown": "x", "status": "scheduled", "published_at": when.to_rfc3339()}))
        .await;
    newsdesk::jobs::publish_due(&app.state.pool).unwrap();
    assert_eq!(deliver(&app), 0, "not when it was saved");
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(1000));
    newsdesk::jobs::publish_due(&app.state.pool).unwrap();
    assert_eq!(deliver(&app), 1);
    let event: Value = serde_json::from_str(&rx.received()[0].body).unwrap();
    assert_eq!(event["type"], "article.published");
    assert_eq!(event["article"]["id"], a["id"]);
    assert_eq!(event["article"]["status"], "published");
}

#[actix_web::test]
async fn editors_webhooks_may_include_unpublished_articles() {
    let app = TestApp::spawn().await;
    let (public_rx, editors_rx) = (Receiver::start(), Receiver::start());
    register(
        &app,
        &json!({"url": public_rx.url, "events": ["article.created", "article.published"]}),
    )
    .await;
    register(
        &app,
        &json!({"url": editors_rx.url, "events": ["article.created"], "include_unpublished": true}),
    )
    .await;
    app.draft("Embargoed", "x").await;
    app.create_article(&published("Public")).await;
    deliver(&app);
    let public: Vec<String> = public_rx
        .received()
        .iter()
        .map(|r| r.body.clone())
        .collect();
    assert_eq!(public.len(), 1);
    assert!(public[0].contains("Public") && !public[0].contains("Embargoed"));
    let editors = editors_rx.received();
    assert_eq!(editors.len(), 1);
    let event: Value = serde_json::from_str(&editors[0].body).unwrap();
    assert_eq!(event["type"], "article.created");
    assert_eq!(event["article"]["title"], "Embargoed");
    // Paused webhooks queue nothing.
}

/// Writes committed together in one batch read the endpoints once: each still queues
/// its own delivery, and a webhook switched off before a batch gets none from it.
#[actix_web::test]
async fn concurrent_writes_each_queue_a_delivery_until_the_webhook_is_off() {
    let app = TestApp::spawn().await;
    let (rx, hook) = receiving_published(&app).await;
    publish_together(&app, "Together").await;
    assert_eq!(deliver(&app), 16);
    assert_eq!(rx.received().len(), 16);

    let path = format!("/v1/webhooks/{}", hook["id"].as_str().unwrap());
    app.patch(
        &path,
        Some(app.admin_key()),
        &json!({"active": false}),
        "application/merge-patch+json",
    )
    .await
    .assert_status(200);
    publish_together(&app, "Unheard").await;
    assert_eq!(deliver(&app), 0);
    assert_eq!(rx.received().len(), 16);
}

/// Publishes 16 articles at once (so the writer commits several in one batch).
async fn publish_together(app: &TestApp, title: &str) {
    let creates = (0..16).map(|i| async move { app.published(&format!("{title} {i}")).await });
    futures_util::future::join_all(creates).await;
}

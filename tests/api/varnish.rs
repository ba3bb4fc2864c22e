//! The whole path to a CDN, against a real Varnish with the xkey module started here on
//! loopback (`examples/varnish/default.vcl`): a public read through Varnish is cached;
//! an edit through the API purges exactly the objects showing what it changed (by the
//! tags newsdesk sends as `Surrogate-Key` and purges with `PURGE` + `xkey`); an
//! unrelated article stays cached.
//!
//! `.ci/run` installs Varnish and sets `NEWSDESK_TEST_VARNISH=1`, which makes a missing
//! `varnishd` a failure; without it, a machine without Varnish skips this test (saying
//! so).

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{TestApp, external_server, free_port, published};

/// A varnishd in front of `backend_port`, listening on `port`; stopped when dropped.
struct Varnish {
    dir: tempfile::TempDir,
}

impl Varnish {
    fn start(varnishd: &PathBuf, backend_port: u16, port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let vcl = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/varnish/default.vcl"
        ))
        .unwrap()
        .replace(".port = \"8080\";", &format!(".port = \"{backend_port}\";"));
        let vcl_path = dir.path().join("default.vcl");
        std::fs::write(&vcl_path, vcl).unwrap();
        let out = std::process::Command::new(varnishd)
            .arg("-a")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-f")
            .arg(&vcl_path)
            .arg("-n")
            .arg(dir.path().join("work"))
            .arg("-P")
            .arg(dir.path().join("pid"))
            .args(["-s", "malloc,32m"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "varnishd did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }
}

impl Drop for Varnish {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("pid")) {
            let _ = std::process::Command::new("kill").arg(pid.trim()).status();
        }
    }
}

struct Got {
    status: u16,
    cache: String,
    body: serde_json::Value,
}

/// A GET through Varnish (blocking, off the test's runtime).
async fn get(port: u16, path: &str) -> Got {
    let url = format!("http://127.0.0.1:{port}{path}");
    actix_web::rt::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let mut res = agent.get(&url).call().unwrap();
        let cache = res
            .headers()
            .get("x-cache")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().unwrap();
        Got {
            status,
            cache,
            body: serde_json::from_str(&text).unwrap_or_default(),
        }
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn varnish_keeps_public_reads_and_an_edit_purges_exactly_what_it_touched() {
    let sbin = ["/usr/sbin".into(), "/usr/local/sbin".into()];
    let Some(varnishd) = external_server("varnishd", &sbin, "NEWSDESK_TEST_VARNISH") else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let backend_port = listener.local_addr().unwrap().port();
    let port = free_port();
    // Varnish first: purges sent while it is not up yet are retried, but later.
    let _varnish = Varnish::start(&varnishd, backend_port, port);
    let app = TestApp::with_config(|c| {
        c.purge_url = Some(format!("http://127.0.0.1:{port}/"));
        c.workers = 1;
    })
    .await;
    let server = newsdesk::serve::server(app.state.clone(), listener).unwrap();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let mut one = published("Story to correct");
    one["tags"] = json!(["#Corrections"]);
    let one = app.create_article(&one).await;
    let mut other = published("Story left alone");
    other["tags"] = json!(["#Elsewhere"]);
    let other = app.create_article(&other).await;
    let one_path = format!("/v1/articles/{}", one["slug"].as_str().unwrap());
    let other_path = format!("/v1/articles/{}", other["slug"].as_str().unwrap());

    // Reads through Varnish: the first goes to newsdesk, the next is Varnish's copy.
    for path in [one_path.as_str(), other_path.as_str(), "/v1/articles"] {
        let first = get(port, path).await;
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(first.cache, "MISS", "{path}");
        let again = get(port, path).await;
        assert_eq!(again.cache, "HIT", "{path} is cached by Varnish");
    }

    // An edit through the API: newsdesk purges its tags (asynchronously, so poll).
    app.merge_patch(
        &format!("/v1/articles/{}", one["id"].as_str().unwrap()),
        &json!({"title": "Story to correct, corrected"}),
    )
    .await
    .assert_status(200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let fresh = loop {
        let got = get(port, &one_path).await;
        if got.body["title"] == "Story to correct, corrected" || Instant::now() > deadline {
            break got;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        fresh.body["title"],
        "Story to correct, corrected",
        "the edited article was purged from Varnish; {}",
        app.get("/metrics", None).await.text()
    );
    let list = get(port, "/v1/articles").await;
    assert_eq!(list.cache, "MISS", "the list showing it was purged");
    assert_eq!(list.body["data"][1]["title"], "Story to correct, corrected");
    let untouched = get(port, &other_path).await;
    assert_eq!(
        untouched.cache, "HIT",
        "the unrelated article stays in Varnish"
    );
    assert_eq!(untouched.body["title"], "Story left alone");
    let metrics = app.get("/metrics", None).await.text();
    assert!(
        metrics.contains("newsdesk_cdn_purges_total{result=\"ok\"}"),
        "{metrics}"
    );
    handle.stop(false).await;
}

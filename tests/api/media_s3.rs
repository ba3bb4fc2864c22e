//! Media on S3-compatible object storage, against a real S3 server started here on
//! loopback (`s3s-fs`, an S3 server over a folder): uploads land in the bucket (clean),
//! the bytes are served from it (ranges too), and a deletion removes them.
//!
//! `.ci/run` installs `s3s-fs` and sets `NEWSDESK_TEST_S3=1`, which makes a missing
//! binary a failure; without it, a machine without `s3s-fs` skips this test (saying so).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use actix_web::http::Method;

use crate::helpers::{TestApp, external_server, free_port};
use crate::media::{contains, jpeg_with_gps, path_of, upload, urls};

/// The S3 server; killed when dropped.
struct S3 {
    child: std::process::Child,
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_web::test]
async fn media_live_in_a_real_s3_bucket() {
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    let Some(bin) = external_server(
        "s3s-fs",
        &cargo_bin.into_iter().collect::<Vec<_>>(),
        "NEWSDESK_TEST_S3",
    ) else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let bucket = root.path().join("newsdesk");
    std::fs::create_dir_all(&bucket).unwrap();
    let port = free_port();
    let child = std::process::Command::new(bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--access-key",
            "AKNEWSDESK",
            "--secret-key",
            "SKNEWSDESKSECRET",
        ])
        .arg(root.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _s3 = S3 { child };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s3s-fs did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let store = format!(
        "s3://newsdesk/photos?endpoint=http://127.0.0.1:{port}&region=us-east-1&access_key_id=AKNEWSDESK&secret_access_key=SKNEWSDESKSECRET&allow_http=true"
    );
    let app = TestApp::with_config(|c| c.media_store = store).await;
    let res = upload(&app, "image/jpeg", jpeg_with_gps(640, 480, 1), "?alt=Kyiv").await;
    res.assert_status(201);
    let item = res.json();
    let all = urls(&item);
    for url in &all {
        let name = url.rsplit('/').next().unwrap();
        // In the bucket, under the prefix, clean.
        let on_disk = std::fs::read(bucket.join("photos").join(name))
            .unwrap_or_else(|e| panic!("{name} is not in the bucket: {e}"));
        assert!(!contains(&on_disk, b"KYIV-SECRET-POSITION"));
        // Served from it.
        let got = app.get(&path_of(url), None).await;
        got.assert_status(200);
        assert_eq!(got.body.as_ref(), on_disk.as_slice());
    }
    let file = path_of(&all[0]);
    let part = app
        .request(Method::GET, &file)
        .header("Range", "bytes=2-5")
        .send()
        .await;
    part.assert_status(206);
    assert_eq!(part.body.len(), 4);
    let id = item["id"].as_str().unwrap();
    app.delete(&format!("/v1/media/{id}"), Some(app.write_key()))
        .await
        .assert_status(204);
    for url in &all {
        let name = url.rsplit('/').next().unwrap();
        assert!(!bucket.join("photos").join(name).exists(), "{name} stayed");
    }
    app.get(&file, None).await.assert_status(404);
}

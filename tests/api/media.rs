//! Media: upload, rejection of what is not a clean raster image, the clean copies
//! (no EXIF, no GPS, orientation applied), variants, serving the bytes, and media in
//! articles and feeds.

use actix_web::http::Method;
use image::ImageEncoder;
use img_parts::{ImageEXIF, ImageICC};
use serde_json::{Value, json};

use crate::helpers::*;

/// A JPEG of `w`×`h` pixels (a gradient, so it compresses like a photo).
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .expect("encodes");
    out
}

/// A TIFF-structured EXIF block: orientation `orientation`, and a GPS position (Kyiv,
/// 50°27′N) with the marker text "KYIV-SECRET-POSITION" in GPSAreaInformation.
fn exif_with_gps(orientation: u16) -> Vec<u8> {
    let mut t: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    // IFD0 at 8: 2 entries.
    t.extend([0, 2]);
    t.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    t.extend(orientation.to_be_bytes());
    t.extend([0, 0]);
    // GPSInfo pointer: the GPS IFD follows IFD0 (8 + 2 + 24 + 4 = 38).
    t.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    t.extend([0, 0, 0, 0]);
    // GPS IFD at 38: 3 entries (2 + 36 + 4 = 42 bytes) → data at 80.
    t.extend([0, 3]);
    t.extend([0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    t.extend([0x00, 0x02, 0, 5, 0, 0, 0, 3, 0, 0, 0, 80]);
    let area = b"KYIV-SECRET-POSITION";
    t.extend([0x00, 0x1c, 0, 7, 0, 0, 0, area.len() as u8, 0, 0, 0, 104]);
    t.extend([0, 0, 0, 0]);
    assert_eq!(t.len(), 80);
    for (n, d) in [(50u32, 1u32), (27, 1), (0, 1)] {
        t.extend(n.to_be_bytes());
        t.extend(d.to_be_bytes());
    }
    assert_eq!(t.len(), 104);
    t.extend(area);
    t
}

/// A JPEG of `w`×`h` with EXIF orientation `orientation` and a GPS position.
pub fn jpeg_with_gps(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let mut j = img_parts::jpeg::Jpeg::from_bytes(jpeg(w, h).into()).expect("a jpeg");
    j.set_exif(Some(exif_with_gps(orientation).into()));
    // A colour profile, which is kept.
    j.set_icc_profile(Some(icc_profile().into()));
    let bytes = j.encoder().bytes().to_vec();
    assert!(contains(&bytes, b"KYIV-SECRET-POSITION"));
    bytes
}

/// The header of an RGB ICC profile (no tags), with a marker in its reserved bytes.
pub fn icc_profile() -> Vec<u8> {
    let mut p = vec![0u8; 132];
    p[0..4].copy_from_slice(&132u32.to_be_bytes());
    p[12..16].copy_from_slice(b"mntr");
    p[16..20].copy_from_slice(b"RGB ");
    p[20..24].copy_from_slice(b"XYZ ");
    p[36..40].copy_from_slice(b"acsp");
    p[100..117].copy_from_slice(b"newsdesk-test-icc");
    p
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 128]));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgba8)
        .expect("encodes");
    out
}

/// A 1×1 PNG whose header claims `w`×`h` (a decompression bomb's header).
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut p = png(1, 1);
    // IHDR data starts at 16 (8 signature + 4 length + 4 type); its CRC at 29.
    p[16..20].copy_from_slice(&w.to_be_bytes());
    p[20..24].copy_from_slice(&h.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&p[12..29]);
    p[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    p
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub async fn upload(app: &TestApp, content_type: &str, bytes: Vec<u8>, query: &str) -> Res {
    app.request(Method::POST, &format!("/v1/media{query}"))
        .key(Some(app.write_key()))
        .body(content_type, bytes)
        .send()
        .await
}

/// The path of a served copy's URL.
pub fn path_of(url: &str) -> String {
    url.strip_prefix(PUBLIC_URL)
        .expect("under the public URL")
        .to_string()
}

/// The `newsdesk` binary run with `args` on database `db` and media store `media`
/// (plus `env`).
fn newsdesk(db: &str, media: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("NEWSDESK_MEDIA_STORE", media)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .expect("the newsdesk binary runs")
}

/// A published article's body showing media item `id` as its feature image and in its
/// Markdown.
fn showing(title: &str, id: &str) -> Value {
    let mut body = published(title);
    body["feature_image"] = json!({"url": format!("media:{id}")});
    body["body_markdown"] = json!(format!("Text.\n\n![{title}](media:{id})"));
    body
}

/// Every URL of an item: its full copy and each variant.
pub fn urls(item: &Value) -> Vec<String> {
    let mut all = vec![item["url"].as_str().expect("url").to_string()];
    for v in item["variants"].as_array().expect("variants") {
        all.push(v["url"].as_str().expect("variant url").to_string());
    }
    all
}

#[actix_web::test]
async fn an_upload_is_cleaned_of_gps_and_turned_upright_in_every_copy() {
    let app = TestApp::spawn().await;
    // 800×400 as stored, orientation 6 (rotate 90° clockwise): 400×800 upright.
    let res = upload(
        &app,
        "image/jpeg",
        jpeg_with_gps(800, 400, 6),
        "?alt=Candles%20in%20Kyiv&credit=Photo%3A%20UWC",
    )
    .await;
    res.assert_status(201);
    let item = res.json();
    assert_eq!(
        (item["width"].as_u64(), item["height"].as_u64()),
        (Some(400), Some(800))
    );
    assert_eq!(item["type"], "image/jpeg");
    assert_eq!(item["alt"], "Candles in Kyiv");
    assert_eq!(item["credit"], "Photo: UWC");
    let location = res.header("location").expect("Location");
    assert!(location.ends_with(item["id"].as_str().expect("id")));
    let all = urls(&item);
    assert!(all.len() >= 4, "{all:?}");
    for url in &all {
        let got = app.get(&path_of(url), None).await;
        got.assert_status(200);
        let bytes = &got.body;
        assert!(
            !contains(bytes, b"KYIV-SECRET-POSITION"),
            "{url} keeps the GPS block"
        );
        assert!(!contains(bytes, b"Exif\0\0"), "{url} keeps EXIF");
        assert!(!contains(bytes, b"EXIF"), "{url} keeps a WebP EXIF chunk");
        let ct = got.header("content-type").expect("type");
        assert!(ct.starts_with("image/"), "{ct}");
        assert_eq!(
            got.header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(
            got.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        // Every copy is upright: taller than wide.
        let decoded = image::load_from_memory(bytes).expect("decodes");
        assert!(decoded.height() > decoded.width(), "{url} is not upright");
        // The colour profile is kept.
        let icc = img_parts::DynImage::from_bytes(bytes.clone())
            .expect("parses")
            .and_then(|i| i.icc_profile());
        assert_eq!(icc.as_deref(), Some(&icc_profile()[..]), "{url}");
    }
    // The same bytes again: the same item.
    let again = upload(&app, "image/jpeg", jpeg_with_gps(800, 400, 6), "").await;
    again.assert_status(200);
    assert_eq!(again.json()["id"], item["id"]);
    let list = app.get("/v1/media", Some(app.read_key())).await;
    list.assert_status(200);
    assert_eq!(list.json()["data"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn variants_come_in_webp_and_the_original_format_and_are_never_upscaled() {
    let app = TestApp::spawn().await;
    let res = upload(&app, "image/png", png(700, 350), "").await;
    res.assert_status(201);
    let item = res.json();
    let mut made: Vec<(String, u64)> = item["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| {
            (
                v["type"].as_str().unwrap_or_default().to_string(),
                v["width"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    made.sort();
    assert_eq!(
        made,
        [
            ("image/png".to_string(), 320),
            ("image/png".to_string(), 640),
            ("image/webp".to_string(), 320),
            ("image/webp".to_string(), 640),
            ("image/webp".to_string(), 700),
        ]
    );
    let srcset = item["srcset"].as_str().expect("srcset");
    assert!(
        srcset.contains(" 320w, ") && srcset.ends_with(" 700w"),
        "{srcset}"
    );
    // Sizes are what they say.
    for v in item["variants"].as_array().expect("variants") {
        let got = app
            .get(&path_of(v["url"].as_str().expect("url")), None)
            .await;
        assert_eq!(got.body.len() as u64, v["bytes"].as_u64().expect("bytes"));
        let img = image::load_from_memory(&got.body).expect("decodes");
        assert_eq!(u64::from(img.width()), v["width"].as_u64().expect("w"));
    }
}

#[actix_web::test]
async fn what_is_not_a_clean_raster_image_is_refused_and_nothing_is_stored() {
    let app = TestApp::with_config(|c| {
        c.media_max_bytes = 200_000;
        c.media_max_pixels = 40_000_000;
    })
    .await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    for ct in ["image/svg+xml", "image/png"] {
        let res = upload(&app, ct, svg.clone(), "").await;
        res.assert_status(415);
    }
    upload(&app, "image/jpeg", b"Hello, this is text.".to_vec(), "")
        .await
        .assert_status(415);
    upload(
        &app,
        "text/html",
        b"<html><body>hi</body></html>".to_vec(),
        "",
    )
    .await
    .assert_status(415);
    let mut polyglot = jpeg(20, 20);
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    upload(&app, "image/jpeg", polyglot, "")
        .await
        .assert_status(415);
    // A bomb: 100,000 × 100,000 declared in a file of a few bytes.
    let bomb = upload(&app, "image/png", png_bomb(100_000, 100_000), "").await;
    bomb.assert_status(422);
    assert_eq!(bomb.error_fields(), ["file"]);
    assert!(bomb.text().contains("100000×100000"), "{}", bomb.text());
    // Truncated.
    let whole = jpeg(300, 200);
    let cut = upload(&app, "image/jpeg", whole[..whole.len() / 2].to_vec(), "").await;
    cut.assert_status(422);
    assert_eq!(cut.error_fields(), ["file"]);
    // Too large.
    upload(&app, "image/jpeg", vec![0xFF; 300_000], "")
        .await
        .assert_status(413);
    // Without a key: 401.
    app.request(Method::POST, "/v1/media")
        .body("image/jpeg", jpeg(10, 10))
        .send()
        .await
        .assert_status(401);
    let list = app.get("/v1/media", Some(app.read_key())).await.json();
    assert_eq!(list["data"], json!([]));
}

/// A multipart body with a `file` part and text parts.
fn multipart(file: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "newsdesk-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.txt\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes());
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[actix_web::test]
async fn multipart_uploads_carry_text_and_items_can_be_changed_listed_and_deleted() {
    let app = TestApp::spawn().await;
    // The file name and part type say text: the bytes say JPEG, and they win.
    let (ct, body) = multipart(
        &jpeg(64, 48),
        &[
            ("alt", "Вогні у Києві"),
            ("caption", "Vigil"),
            ("credit", "UWC"),
        ],
    );
    let res = upload(&app, &ct, body, "").await;
    res.assert_status(201);
    let item = res.json();
    assert_eq!(item["alt"], "Вогні у Києві");
    assert_eq!(item["caption"], "Vigil");
    let id = item["id"].as_str().expect("id").to_string();
    let path = format!("/v1/media/{id}");
    let got = app.get(&path, Some(app.read_key())).await;
    got.assert_status(200);
    // Media text is not public.
    app.get(&path, None).await.assert_status(401);
    let changed = app
        .merge_patch(&path, &json!({"caption": null, "credit": "Photo: UWC"}))
        .await;
    changed.assert_status(200);
    assert_eq!(changed.json()["caption"], Value::Null);
    assert_eq!(changed.json()["credit"], "Photo: UWC");
    assert_ne!(changed.etag(), got.etag());
    let bad = app.merge_patch(&path, &json!({"alt": "two\nlines"})).await;
    bad.assert_status(422);
    assert_eq!(bad.error_fields(), ["alt"]);
    // A second item, then pages of one.
    upload(&app, "image/png", png(30, 30), "")
        .await
        .assert_status(201);
    let first = app
        .get("/v1/media?limit=1", Some(app.read_key()))
        .await
        .json();
    assert_eq!(first["data"].as_array().map(Vec::len), Some(1));
    let cursor = first["meta"]["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let second = app
        .get(
            &format!("/v1/media?limit=1&cursor={cursor}"),
            Some(app.read_key()),
        )
        .await
        .json();
    assert_eq!(second["data"][0]["id"], id.as_str());
    assert_eq!(second["meta"]["next_cursor"], Value::Null);
    // Deleted with its bytes.
    let file = path_of(item["url"].as_str().expect("url"));
    app.get(&file, None).await.assert_status(200);
    app.trash(&path).await;
    app.get(&path, Some(app.read_key()))
        .await
        .assert_status(404);
    app.get(&file, None).await.assert_status(404);
}

#[actix_web::test]
async fn bytes_are_served_with_ranges_validators_and_head() {
    let app = TestApp::spawn().await;
    let item = upload(&app, "image/jpeg", jpeg(100, 80), "").await.json();
    let file = path_of(item["url"].as_str().expect("url"));
    let whole = app.get(&file, None).await;
    whole.assert_status(200);
    let size = whole.body.len();
    assert_eq!(whole.header("accept-ranges").as_deref(), Some("bytes"));
    let etag = whole.etag();
    let part = app
        .request(Method::GET, &file)
        .header("Range", "bytes=0-9")
        .send()
        .await;
    part.assert_status(206);
    assert_eq!(part.body.as_ref(), &whole.body[..10]);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 0-9/{size}"))
    );
    let tail = app
        .request(Method::GET, &file)
        .header("Range", "bytes=-5")
        .send()
        .await;
    tail.assert_status(206);
    assert_eq!(tail.body.as_ref(), &whole.body[size - 5..]);
    let past = app
        .request(Method::GET, &file)
        .header("Range", &format!("bytes={}-", size + 10))
        .send()
        .await;
    past.assert_status(416);
    assert_eq!(
        past.header("content-range"),
        Some(format!("bytes */{size}"))
    );
    app.request(Method::GET, &file)
        .header("If-None-Match", &etag)
        .send()
        .await
        .assert_status(304);
    let head = app.request(Method::HEAD, &file).send().await;
    head.assert_status(200);
    assert!(head.body.is_empty());
    // A range that is not a valid byte range is ignored: the whole copy.
    for ignored in ["bytes=5-4", "items=0-1", "bytes=abc"] {
        let res = app
            .request(Method::GET, &file)
            .header("Range", ignored)
            .send()
            .await;
        res.assert_status(200);
        assert_eq!(res.body.len(), size, "{ignored}");
    }
    // A weak validator matches too; `*` does not stand for a copy that is not there.
    app.request(Method::GET, &file)
        .header("If-None-Match", &format!("W/{etag}"))
        .send()
        .await
        .assert_status(304);
    app.request(Method::GET, "/media/00000000000000000000000000000000.jpg")
        .header("If-None-Match", "*")
        .send()
        .await
        .assert_status(404);
    app.get("/media/00000000000000000000000000000000.jpg", None)
        .await
        .assert_status(404);
    app.get("/media/..%2F..%2Fetc%2Fpasswd", None)
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn articles_show_media_with_srcset_need_alt_to_publish_and_keep_their_media() {
    let app = TestApp::spawn().await;
    let item = upload(&app, "image/jpeg", jpeg(1200, 800), "").await.json();
    let id = item["id"].as_str().expect("id").to_string();
    // No alt anywhere: a published article cannot show it.
    let mut body = published("Vigil in Kyiv");
    body["feature_image"] = json!({"url": format!("media:{id}")});
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &body)
        .await;
    res.assert_status(422);
    assert_eq!(res.error_fields(), ["feature_image.alt"]);
    body["body_markdown"] = json!(format!("Before.\n\n![](media:{id})\n\nAfter."));
    body["feature_image"] = json!({"url": format!("media:{id}"), "alt": "Candles"});
    // Published now, so the news sitemap (the last two days) lists it.
    body.as_object_mut().expect("object").remove("published_at");
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &body)
        .await;
    res.assert_status(422);
    assert_eq!(res.error_fields(), ["body_markdown"]);
    // A draft may: alt comes later.
    let mut draft = body.clone();
    draft["status"] = json!("draft");
    app.post_json("/v1/articles", Some(app.write_key()), &draft)
        .await
        .assert_status(201);
    // Alt on the media item serves both.
    app.merge_patch(
        &format!("/v1/media/{id}"),
        &json!({"alt": "Candles at a vigil", "credit": "UWC"}),
    )
    .await
    .assert_status(200);
    let a = app.create_article(&body).await;
    let img = &a["feature_image"];
    assert_eq!(img["media_id"], id.as_str());
    assert_eq!(img["alt"], "Candles");
    assert_eq!(img["credit"], "UWC");
    assert_eq!(
        (img["width"].as_u64(), img["height"].as_u64()),
        (Some(1200), Some(800))
    );
    assert!(img["srcset"].as_str().expect("srcset").contains(" 1024w"));
    assert!(
        img["url"]
            .as_str()
            .expect("url")
            .starts_with(&format!("{PUBLIC_URL}/media/"))
    );
    let html = a["body_html"].as_str().expect("html");
    assert!(
        html.contains(r#"srcset=""#) && html.contains(r#"sizes=""#),
        "{html}"
    );
    assert!(
        html.contains(r#"alt="Candles at a vigil""#) && html.contains(r#"loading="lazy""#),
        "{html}"
    );
    assert!(
        html.contains(r#"width="1200""#) && html.contains(r#"height="800""#),
        "{html}"
    );
    // Read back, PATCH keeps the reference.
    let article_id = a["id"].as_str().expect("id").to_string();
    let before = app.get(&format!("/v1/articles/{article_id}"), None).await;
    // The item's credit changes: the article shows it, with a new ETag.
    app.merge_patch(
        &format!("/v1/media/{id}"),
        &json!({"credit": "Photo: Olena K."}),
    )
    .await
    .assert_status(200);
    let after = app.get(&format!("/v1/articles/{article_id}"), None).await;
    assert_eq!(after.json()["feature_image"]["credit"], "Photo: Olena K.");
    assert_ne!(after.etag(), before.etag());
    // The feature image as read, written back (a client's read-modify-write): still the
    // media item, not its URL.
    let mut again = body.clone();
    again["feature_image"] = after.json()["feature_image"].clone();
    let put = app
        .put_json(
            &format!("/v1/articles/{article_id}"),
            Some(app.write_key()),
            &again,
        )
        .await;
    put.assert_status(200);
    assert_eq!(put.json()["feature_image"]["media_id"], id.as_str());
    assert_eq!(put.json()["feature_image"]["credit"], "Photo: Olena K.");
    // Clearing its alt would break the published article.
    let res = app
        .merge_patch(&format!("/v1/media/{id}"), &json!({"alt": null}))
        .await;
    res.assert_status(422);
    // In use: 409 naming the articles.
    let res = app
        .delete(&format!("/v1/media/{id}"), Some(app.write_key()))
        .await;
    res.assert_status(409);
    assert!(res.text().contains(&article_id), "{}", res.text());
    // Feeds carry it.
    let rss = app.get("/v1/feeds/rss", None).await.text();
    assert!(
        rss.contains("<enclosure") && rss.contains("image/jpeg"),
        "{rss}"
    );
    assert!(rss.contains("media:content"), "{rss}");
    // The body's embedded image reaches partners responsive too.
    assert!(rss.contains("srcset="), "{rss}");
    let json_feed = app.get("/v1/feeds/json", None).await.json();
    assert!(
        json_feed["items"][0]["image"]
            .as_str()
            .expect("image")
            .starts_with(PUBLIC_URL)
    );
    let news = app.get("/v1/sitemap-news.xml", None).await.text();
    let doc = roxmltree::Document::parse(&news).expect("xml");
    let image_ns = "http://www.google.com/schemas/sitemap-image/1.1";
    let loc = doc
        .descendants()
        .find(|n| n.has_tag_name((image_ns, "loc")))
        .and_then(|n| n.text())
        .expect("image:loc in the news sitemap");
    assert_eq!(loc, img["url"].as_str().expect("url"));
    let atom = app.get("/v1/feeds/atom", None).await.text();
    assert!(
        atom.contains(r#"rel="enclosure""#) && atom.contains("image/jpeg"),
        "{atom}"
    );
    // A media id that does not exist.
    let mut ghost = published("Ghost");
    ghost["feature_image"] =
        json!({"url": "media:01936f3e-8a7b-7cde-9f01-23456789abcd", "alt": "x"});
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &ghost)
        .await;
    res.assert_status(422);
    assert_eq!(res.error_fields(), ["feature_image.url"]);
}

#[actix_web::test]
async fn export_and_import_carry_media_items_their_bytes_and_their_use() {
    let app = TestApp::spawn().await;
    let item = upload(&app, "image/jpeg", jpeg(900, 600), "?alt=Vigil")
        .await
        .json();
    let id = item["id"].as_str().expect("id").to_string();
    let a = app.create_article(&showing("Vigil", &id)).await;
    let here = app.state.config.media_store.clone();
    let first = newsdesk(app.database_url(), &here, &["export"], &[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = String::from_utf8(first.stdout).expect("utf-8");
    assert!(
        text.contains("\"kind\":\"media\"") && text.contains("\"copies\":{"),
        "{text}"
    );
    let without = newsdesk(
        app.database_url(),
        &here,
        &["export", "--without-media-bytes"],
        &[],
    );
    assert!(!String::from_utf8_lossy(&without.stdout).contains("\"copies\""));
    // Another machine: another database and another, empty, media folder.
    let dir = tempfile::tempdir().expect("dir");
    let copy = another_store(dir.path(), "copy.db");
    let there = dir
        .path()
        .join("media-there")
        .to_str()
        .expect("path")
        .to_string();
    let file = dir.path().join("export.ndjson");
    std::fs::write(&file, &text).expect("writes");
    let imported = newsdesk(
        &copy,
        &there,
        &["import", file.to_str().expect("path")],
        &[],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert_eq!(
        String::from_utf8(newsdesk(&copy, &there, &["export"], &[]).stdout).expect("utf-8"),
        text,
        "the round trip loses nothing"
    );
    let app2 = TestApp::with_config(|c| {
        c.database_url = copy.clone();
        c.media_store = there.clone();
    })
    .await;
    let b = app2
        .get(
            &format!("/v1/articles/{}", a["id"].as_str().expect("id")),
            None,
        )
        .await
        .json();
    assert_eq!(b["feature_image"], a["feature_image"]);
    assert_eq!(b["body_html"], a["body_html"]);
    for url in urls(&item) {
        let got = app2.get(&path_of(&url), None).await;
        got.assert_status(200);
        assert_eq!(got.body, app.get(&path_of(&url), None).await.body);
    }
    app2.delete(&format!("/v1/media/{id}"), Some(app2.write_key()))
        .await
        .assert_status(409);
    // A copy whose bytes do not match its name is refused, and nothing of it is stored.
    let forged = text
        .lines()
        .find(|l| l.contains("\"kind\":\"media\""))
        .expect("a media line");
    let mut line: Value = serde_json::from_str(forged).expect("json");
    let copies = line["copies"].as_object_mut().expect("copies");
    let first_name = copies.keys().next().expect("a copy").clone();
    copies.insert(first_name, json!("aGVsbG8="));
    let dir3 = tempfile::tempdir().expect("dir");
    let third = another_store(dir3.path(), "third.db");
    let forged_file = dir3.path().join("forged.ndjson");
    std::fs::write(&forged_file, format!("{line}\n")).expect("writes");
    let refused = newsdesk(
        &third,
        dir3.path().join("m").to_str().expect("path"),
        &["import", forged_file.to_str().expect("path")],
        &[],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("do not match"));
}

#[actix_web::test]
async fn a_backup_carries_the_media_bytes_beside_it() {
    if on_postgres() {
        return; // PostgreSQL's backup is pg_dump (tests/api/portability.rs)
    }
    let app = TestApp::spawn().await;
    let item = upload(&app, "image/png", png(50, 40), "").await.json();
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("backup.db");
    let out = newsdesk(
        app.database_url(),
        &app.state.config.media_store,
        &["backup", target.to_str().expect("path")],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for url in urls(&item) {
        let name = url.rsplit('/').next().expect("name");
        let copy = std::fs::read(dir.path().join("backup.db.media").join(name)).expect("copied");
        assert_eq!(copy, app.get(&path_of(&url), None).await.body.to_vec());
    }
}

#[actix_web::test]
async fn deleting_an_item_keeps_the_copies_another_item_shares() {
    let app = TestApp::spawn().await;
    // The same pixels, one file with EXIF and one without: two items (other bytes), whose
    // clean copies are byte for byte the same.
    let plain = jpeg(500, 300);
    let mut with_exif = img_parts::jpeg::Jpeg::from_bytes(plain.clone().into()).expect("a jpeg");
    with_exif.set_exif(Some(exif_with_gps(1).into()));
    let a = upload(&app, "image/jpeg", plain, "").await.json();
    let b = upload(&app, "image/jpeg", with_exif.encoder().bytes().to_vec(), "")
        .await
        .json();
    assert_ne!(a["id"], b["id"]);
    assert_eq!(urls(&a), urls(&b));
    let path = format!("/v1/media/{}", a["id"].as_str().expect("id"));
    app.trash(&path).await;
    for url in urls(&b) {
        app.get(&path_of(&url), None).await.assert_status(200);
    }
}

#[actix_web::test]
async fn a_revision_naming_a_deleted_media_item_cannot_be_restored_as_it_is() {
    let app = TestApp::spawn().await;
    let item = upload(&app, "image/png", png(40, 40), "?alt=Square")
        .await
        .json();
    let id = item["id"].as_str().expect("id").to_string();
    let mut body = published("Square");
    body["feature_image"] = json!({"url": format!("media:{id}")});
    let a = app.create_article(&body).await;
    let path = format!("/v1/articles/{}", a["id"].as_str().expect("id"));
    app.merge_patch(&path, &json!({"feature_image": null}))
        .await
        .assert_status(200);
    app.delete(&format!("/v1/media/{id}"), Some(app.write_key()))
        .await
        .assert_status(204);
    let res = app.restore_revision(&path, 1).await;
    res.assert_status(409);
    assert!(res.text().contains("names no media item"), "{}", res.text());
}

#[actix_web::test]
async fn refresh_media_moves_articles_to_a_new_media_base() {
    let app = TestApp::spawn().await;
    let item = upload(&app, "image/png", png(60, 40), "?alt=Moved")
        .await
        .json();
    let id = item["id"].as_str().expect("id").to_string();
    let a = app.create_article(&showing("Moved", &id)).await;
    let path = format!("/v1/articles/{}", a["id"].as_str().expect("id"));
    let cdn = "https://cdn.example.org/newsdesk";
    let out = newsdesk(
        app.database_url(),
        &app.state.config.media_store,
        &["refresh-media"],
        &[("NEWSDESK_MEDIA_URL", cdn)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = app.get(&path, Some(app.read_key())).await.json();
    let url = b["feature_image"]["url"].as_str().expect("url");
    assert!(url.starts_with(cdn), "{url}");
    assert!(b["body_html"].as_str().expect("html").contains(cdn));
    assert!(!b["body_html"].as_str().expect("html").contains(PUBLIC_URL));
    assert_ne!(b["version"], a["version"]);
}

//! The ceiling for `bench/run.sh`: actix-web answering one pre-serialized article (3.6 KB of JSON)
//! from memory, with the settings newsdesk serves with (one worker when pinned to one
//! core). Nothing newsdesk does can be faster than this on the same machine.
//!
//!     cargo run --release --example ceiling -- 127.0.0.1:18182
//!
//! With a file as second argument it answers that file's bytes instead (the ceiling for
//! serving a media copy of the same size: `bench/media.sh`).

use actix_web::{App, HttpResponse, HttpServer, web};

fn article() -> web::Bytes {
    let paragraph = "Communities of the Ukrainian diaspora gathered in forty countries to mark \
        Unity Day, with readings, concerts and exhibitions about the history of Ukraine. ";
    let body: String = paragraph.repeat(20);
    let article = serde_json::json!({
        "id": "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70",
        "slug": "ukrainian-world-congress-marks-unity-day",
        "title": "Ukrainian World Congress marks Unity Day",
        "excerpt": paragraph.trim(),
        "body_html": format!("<p>{}</p>", body.trim()),
        "status": "published",
        "published_at": "2026-01-22T09:00:00Z",
        "language": "en",
        "tags": [{"slug": "standwithukraine", "name": "#StandWithUkraine"}],
        "view_count": 330,
        "version": 3
    });
    web::Bytes::from(serde_json::to_vec(&article).unwrap_or_default())
}

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18182".into());
    let (bytes, content_type) = match std::env::args().nth(2) {
        Some(file) => (web::Bytes::from(std::fs::read(&file)?), "image/webp"),
        None => (article(), "application/json"),
    };
    eprintln!("ceiling: {} bytes on {bind}", bytes.len());
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            let bytes = bytes.clone();
            App::new().default_service(web::to(move || {
                let bytes = bytes.clone();
                async move { HttpResponse::Ok().content_type(content_type).body(bytes) }
            }))
        })
        .workers(1)
        .bind(&bind)?
        .run(),
    )
}

//! Revisions (every change stored with its key; read; restore as a new revision,
//! surviving trash and restore) and draft preview links (one article, no key, signed,
//! expiring).

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, published};

fn changes(list: &Value) -> Vec<(i64, String, Option<String>)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["n"].as_i64().unwrap(),
                r["change"].as_str().unwrap().to_string(),
                r["key"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[actix_web::test]
async fn every_change_is_a_revision_and_any_can_be_restored() {
    let app = TestApp::spawn().await;
    let a = app.published("First title").await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/v1/articles/{id}");
    app.merge_patch(&path, &json!({"title": "Second title", "tags": ["#One"]}))
        .await
        .assert_status(200);
    app.trash(&path).await;
    app.post(&format!("{path}/restore"), Some(app.write_key()))
        .await
        .assert_status(200);
    let list = app
        .get(&format!("{path}/revisions"), Some(app.read_key()))
        .await;
    list.assert_status(200);
    let w = Some("test-write".to_string());
    assert_eq!(
        changes(&list.json()),
        [
            (1, "created".into(), w.clone()),
            (2, "updated".into(), w.clone()),
            (3, "trashed".into(), w.clone()),
            (4, "restored".into(), w.clone()),
        ]
    );
    let first = app
        .get(&format!("{path}/revisions/1"), Some(app.read_key()))
        .await;
    first.assert_status(200);
    assert_eq!(first.json()["article"]["title"], "First title");
    assert_eq!(first.json()["article"]["tags"], json!([]));
    let second = app
        .get(&format!("{path}/revisions/2"), Some(app.read_key()))
        .await
        .json();
    assert_eq!(second["article"]["tags"], json!(["#One"]));

    // Restoring revision 1 writes it back as revision 5, guarded by If-Match.
    let current = app.article(id).await;
    let etag = format!("\"v{}-stale\"", current["version"]);
    app.request(Method::POST, &format!("{path}/revisions/1/restore"))
        .key(Some(app.write_key()))
        .header("If-Match", &etag)
        .send()
        .await
        .assert_status(412);
    let res = app.restore_revision(&path, 1).await;
    res.assert_status(200);
    assert_eq!(res.json()["title"], "First title");
    assert_eq!(res.json()["tags"], json!([]));
    assert!(res.header("etag").is_some());
    let list = app
        .get(&format!("{path}/revisions"), Some(app.read_key()))
        .await
        .json();
    assert_eq!(changes(&list)[4], (5, "reverted to 1".into(), w));

    // Scope and existence.
    app.get(&format!("{path}/revisions"), None)
        .await
        .assert_status(401);
    app.post(&format!("{path}/revisions/1/restore"), Some(app.read_key()))
        .await
        .assert_status(403);
    app.get(&format!("{path}/revisions/99"), Some(app.read_key()))
        .await
        .assert_status(404);
    app.get("/v1/articles/nope/revisions", Some(app.read_key()))
        .await
        .assert_status(404);
    // A trashed article keeps its history but must be restored before a revert.
    app.trash(&path).await;
    app.get(&format!("{path}/revisions"), Some(app.read_key()))
        .await
        .assert_status(200);
    app.restore_revision(&path, 2).await.assert_status(409);
}

#[actix_web::test]
async fn a_revision_naming_a_deleted_author_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Gone Reporter").await;
    let mut body = crate::helpers::published("Bylined");
    body["authors"] = json!([author]);
    let a = app.create_article(&body).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/v1/articles/{id}");
    // A credited author cannot be deleted; one taken off the article (revision 2) can.
    app.merge_patch(&path, &json!({"authors": []}))
        .await
        .assert_status(200);
    app.delete(&format!("/v1/authors/{author}"), Some(app.write_key()))
        .await
        .assert_status(204);
    let before = app.article(id).await;

    // The request has no body, so nothing in it is invalid: the revision names an
    // author that is gone, which is a conflict with what is stored now.
    let res = app.restore_revision(&path, 1).await;
    res.assert_status(409);
    let detail = res.json()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains(&author), "{detail}");
    assert_eq!(app.article(id).await, before);
}

async fn preview_link(app: &TestApp, id: &str, body: Option<Value>) -> crate::helpers::Res {
    let req = app
        .request(Method::POST, &format!("/v1/articles/{id}/preview-links"))
        .key(Some(app.write_key()));
    match body {
        Some(b) => req.json(&b).send().await,
        None => req.send().await,
    }
}

#[actix_web::test]
async fn a_preview_link_shows_one_draft_without_a_key_until_it_expires() {
    let app = TestApp::spawn().await;
    let draft = app.draft("Embargoed", "Not yet.").await;
    let other = app.draft("Other draft", "x").await;
    let id = draft["id"].as_str().unwrap();
    app.get(&format!("/v1/articles/{id}"), None)
        .await
        .assert_status(404);

    let res = preview_link(&app, id, None).await;
    res.assert_status(201);
    let link = res.json();
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{PUBLIC_URL}/v1/previews/")));
    assert_eq!(res.header("location").as_deref(), Some(url));
    let path = &url[PUBLIC_URL.len()..];
    let seen = app.get(path, None).await;
    seen.assert_status(200);
    assert_eq!(seen.json()["title"], "Embargoed");
    assert_eq!(seen.json()["status"], "draft");
    assert_eq!(
        seen.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    assert_eq!(seen.header("x-robots-tag").as_deref(), Some("noindex"));

    // Only that article: the token names it; an edited token is a 404.
    let token = path.trim_start_matches("/v1/previews/");
    let (payload, tag) = token.split_once('.').unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let swapped = String::from_utf8(b64.decode(payload).unwrap())
        .unwrap()
        .replace(id, other["id"].as_str().unwrap());
    let mut flipped = b64.decode(tag).unwrap();
    flipped[0] ^= 1;
    for forged in [
        format!("/v1/previews/{}.{tag}", b64.encode(swapped)),
        format!("/v1/previews/{payload}.{}", b64.encode(flipped)),
        "/v1/previews/garbage".to_string(),
    ] {
        app.get(&forged, None).await.assert_status(404);
    }

    // The preview lists only public translations: a draft sibling's slug (its title)
    // stays hidden.
    let public = app.published("Public original").await;
    let sibling = app
        .create_article(&json!({
            "title": "Secret sibling headline", "body_markdown": "x", "status": "draft",
            "language": "uk", "translation_of": public["id"],
        }))
        .await;
    let link = preview_link(&app, public["id"].as_str().unwrap(), None)
        .await
        .json();
    let shown = app
        .get(&link["url"].as_str().unwrap()[PUBLIC_URL.len()..], None)
        .await;
    shown.assert_status(200);
    assert_eq!(shown.json()["translations"], json!([]));
    assert!(!shown.text().contains(sibling["slug"].as_str().unwrap()));

    // Expiry.
    let short = preview_link(&app, id, Some(json!({"expires_in": "1s"})))
        .await
        .json();
    let path = short["url"].as_str().unwrap()[PUBLIC_URL.len()..].to_string();
    app.get(&path, None).await.assert_status(200);
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(2100));
    app.get(&path, None).await.assert_status(404);

    // Rules for making links.
    preview_link(&app, id, Some(json!({"expires_in": "90d"})))
        .await
        .assert_status(422);
    preview_link(&app, id, Some(json!({"expires_in": "soon"})))
        .await
        .assert_status(422);
    app.post(
        &format!("/v1/articles/{id}/preview-links"),
        Some(app.read_key()),
    )
    .await
    .assert_status(403);
    // A body of whitespace is not JSON (no body at all takes the defaults).
    app.request(Method::POST, &format!("/v1/articles/{id}/preview-links"))
        .key(Some(app.write_key()))
        .body("application/json", "\n")
        .send()
        .await
        .assert_status(400);
    preview_link(&app, "nope", None).await.assert_status(404);
    // A trashed article: no new links, and old ones stop working.
    app.delete(&format!("/v1/articles/{id}"), Some(app.write_key()))
        .await
        .assert_status(204);
    preview_link(&app, id, None).await.assert_status(409);
    app.get(&url[PUBLIC_URL.len()..], None)
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn preview_links_survive_a_restart() {
    let app = TestApp::spawn().await;
    let a = app.create_article(&published("Kept")).await;
    let link = preview_link(&app, a["id"].as_str().unwrap(), None)
        .await
        .json();
    let path = link["url"].as_str().unwrap()[PUBLIC_URL.len()..].to_string();
    let app = app.restart().await;
    app.get(&path, None).await.assert_status(200);
}

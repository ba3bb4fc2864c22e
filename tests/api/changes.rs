//! The change feed: ordered events with tombstones; the public sees only what concerns
//! the public set; a mirror built from it alone equals the public article set.

use std::collections::BTreeMap;

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, published, with_query};

/// Reads the feed from `since` to its end; returns the events and the cursor to poll with.
async fn drain(app: &TestApp, key: Option<&str>, since: Option<&str>) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut since = since.map(str::to_owned);
    loop {
        let path = match &since {
            Some(s) => with_query("/v1/changes", &[("since", s), ("limit", "7")]),
            None => "/v1/changes?limit=7".to_string(),
        };
        let res = app.get(&path, key).await;
        res.assert_status(200);
        let page = res.json();
        events.extend(page["data"].as_array().unwrap().iter().cloned());
        since = Some(page["meta"]["next_cursor"].as_str().unwrap().to_string());
        if page["meta"]["has_more"] == false {
            return (events, since.unwrap());
        }
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn the_public_never_sees_draft_content() {
    let app = TestApp::spawn().await;
    let draft = app.draft("Secret plan", "Embargoed.").await;
    let id = draft["id"].as_str().unwrap();
    let (public, _) = drain(&app, None, None).await;
    assert!(
        public.is_empty(),
        "a draft is not the public's business: {public:?}"
    );
    let (keyed, _) = drain(&app, Some(app.read_key()), None).await;
    assert_eq!(types(&keyed), ["article.created"]);
    assert_eq!(keyed[0]["article"]["title"], "Secret plan");

    app.merge_patch(
        &format!("/v1/articles/{id}"),
        &json!({"status": "published"}),
    )
    .await
    .assert_status(200);
    let (public, cursor) = drain(&app, None, None).await;
    assert_eq!(types(&public), ["article.published"]);
    assert_eq!(public[0]["article_id"], id);
    assert_eq!(public[0]["article"]["title"], "Secret plan");

    app.merge_patch(
        &format!("/v1/articles/{id}"),
        &json!({"status": "draft", "title": "Secret plan v2"}),
    )
    .await
    .assert_status(200);
    let (after, _) = drain(&app, None, Some(&cursor)).await;
    assert_eq!(types(&after), ["article.unpublished"]);
    assert_eq!(
        after[0]["article"],
        Value::Null,
        "an unpublish is a removal"
    );
    // A draft translation of a public article is not the public's business either.
    let public = app.published("Public story").await;
    let (_, cursor) = drain(&app, None, None).await;
    let draft_translation = app
        .create_article(&json!({
            "title": "Чернетка", "body_markdown": "x", "status": "draft",
            "language": "uk", "translation_of": public["id"],
        }))
        .await;
    let (after, _) = drain(&app, None, Some(&cursor)).await;
    assert!(after.is_empty(), "{after:?}");
    let (keyed, _) = drain(&app, Some(app.read_key()), None).await;
    let last = &keyed[keyed.len() - 1];
    assert_eq!(
        last["type"], "article.updated",
        "key holders see the new translation"
    );
    assert_eq!(
        last["article"]["translations"][0]["id"],
        draft_translation["id"]
    );
    // Read again from the start, the public still sees no draft text anywhere.
    let res = app.get("/v1/changes", None).await;
    assert!(!res.text().contains("Secret plan v2"));
    assert!(!res.text().contains("Embargoed"));
    let (keyed, _) = drain(&app, Some(app.read_key()), None).await;
    assert_eq!(
        types(&keyed)[..3],
        [
            "article.created",
            "article.published",
            "article.unpublished"
        ]
    );
    assert_eq!(keyed[2]["article"]["title"], "Secret plan v2");
}

#[actix_web::test]
async fn trash_restore_and_purge_leave_tombstones() {
    let app = TestApp::spawn().await;
    let a = app.published("Short-lived").await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/v1/articles/{id}");
    app.trash(&path).await;
    app.post(&format!("{path}/restore"), Some(app.write_key()))
        .await
        .assert_status(200);
    app.delete(&format!("{path}?permanent=true"), Some(app.admin_key()))
        .await
        .assert_status(204);
    let (public, _) = drain(&app, None, None).await;
    assert_eq!(
        types(&public),
        [
            "article.published",
            "article.trashed",
            "article.restored",
            "article.deleted"
        ]
    );
    assert!(public.iter().all(|e| e["article_id"] == id));
    assert!(public.iter().all(|e| e["article"].is_null()), "gone now");
    let ids: Vec<i64> = public.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ordered: {ids:?}");
}

#[actix_web::test]
async fn a_renamed_tag_updates_the_articles_that_carry_it() {
    let app = TestApp::spawn().await;
    let mut body = published("Tagged");
    body["tags"] = json!(["#StandWithUkraine"]);
    app.create_article(&body).await;
    let (_, cursor) = drain(&app, None, None).await;
    app.patch(
        "/v1/tags/standwithukraine",
        Some(app.write_key()),
        &json!({"name": "#StandWithUkraine2026"}),
        "application/merge-patch+json",
    )
    .await
    .assert_status(200);
    let (events, _) = drain(&app, None, Some(&cursor)).await;
    assert_eq!(types(&events), ["article.updated"]);
    assert_eq!(
        events[0]["article"]["tags"][0]["name"],
        "#StandWithUkraine2026"
    );
}

#[actix_web::test]
async fn a_scheduled_article_is_announced_when_its_time_comes() {
    let app = TestApp::spawn().await;
    let when = chrono::Utc::now() + chrono::Duration::milliseconds(1200);
    let a = app
        .create_article(&json!({
            "title": "Scheduled",
            "body_markdown": "Later.",
            "status": "scheduled",
            "published_at": when.to_rfc3339(),
        }))
        .await;
    assert!(drain(&app, None, None).await.0.is_empty());
    // Not yet due: the job announces nothing.
    assert_eq!(newsdesk::jobs::publish_due(&app.state.pool).unwrap(), 0);
    app.state
        .pool
        .clock()
        .advance(chrono::Duration::milliseconds(1400));
    assert_eq!(newsdesk::jobs::publish_due(&app.state.pool).unwrap(), 1);
    assert_eq!(
        newsdesk::jobs::publish_due(&app.state.pool).unwrap(),
        0,
        "once"
    );
    let (public, _) = drain(&app, None, None).await;
    assert_eq!(types(&public), ["article.published"]);
    assert_eq!(public[0]["article"]["id"], a["id"]);
    assert_eq!(public[0]["article"]["status"], "published");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(public[0]["occurred_at"].as_str().unwrap())
            .unwrap()
            .timestamp_millis(),
        when.timestamp_millis(),
        "it happened at the scheduled time"
    );
}

#[actix_web::test]
async fn polling_at_the_end_is_cheap_and_cursors_are_checked() {
    let app = TestApp::spawn().await;
    app.published("One").await;
    let (_, cursor) = drain(&app, None, None).await;
    let path = with_query("/v1/changes", &[("since", &cursor)]);
    let res = app.get(&path, None).await;
    res.assert_status(200);
    assert_eq!(res.json()["data"], json!([]));
    assert_eq!(
        res.json()["meta"]["next_cursor"],
        cursor.as_str(),
        "stays put"
    );
    let etag = res.etag();
    app.request(Method::GET, &path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .assert_status(304);
    app.published("Two").await;
    let res = app
        .request(Method::GET, &path)
        .header("If-None-Match", &etag)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["data"][0]["article"]["title"], "Two");

    for bad in [
        "/v1/changes?since=nope",
        "/v1/changes?limit=0",
        "/v1/changes?limit=1001",
        "/v1/changes?after=1",
    ] {
        app.get(bad, None).await.assert_status(400);
    }
}

/// A small deterministic generator, so a failing sequence can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// The public article set, as `GET /v1/articles/{id}` shows each article.
async fn public_set(app: &TestApp) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut path = "/v1/articles?limit=100".to_string();
    loop {
        let page = app.get(&path, None).await.json();
        for item in page["data"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap().to_string();
            let full = app.get(&format!("/v1/articles/{id}"), None).await.json();
            out.insert(id, full);
        }
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => path = with_query("/v1/articles", &[("limit", "100"), ("cursor", c)]),
            None => return out,
        }
    }
}

fn apply(mirror: &mut BTreeMap<String, Value>, events: &[Value]) {
    for e in events {
        let id = e["article_id"].as_str().unwrap().to_string();
        match &e["article"] {
            Value::Null => mirror.remove(&id),
            article => mirror.insert(id, article.clone()),
        };
    }
}

fn without_views(set: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    set.iter()
        .map(|(k, v)| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("view_count");
            (k.clone(), v)
        })
        .collect()
}

#[actix_web::test]
async fn a_mirror_built_from_the_change_feed_equals_the_public_set() {
    for seed in [1u64, 7, 42] {
        let app = TestApp::spawn().await;
        let mut rng = Lcg(seed);
        let mut ids: Vec<String> = Vec::new();
        let mut mirror = BTreeMap::new();
        let mut cursor: Option<String> = None;
        let statuses = ["draft", "published", "archived", "scheduled"];
        for step in 0..60 {
            let pick = |rng: &mut Lcg, ids: &[String]| ids[rng.below(ids.len())].clone();
            match (rng.below(9), ids.is_empty()) {
                (0..=2, _) | (_, true) => {
                    let status = statuses[rng.below(2)];
                    let tag = ["#One", "#Two", "#Three"][rng.below(3)];
                    let mut body = json!({
                        "title": format!("Story {seed}-{step}"),
                        "body_markdown": format!("Text {step}."),
                        "status": status,
                        "tags": [tag],
                    });
                    // Sometimes a translation of an earlier story.
                    if !ids.is_empty() && rng.below(3) == 0 {
                        body["translation_of"] = json!(pick(&mut rng, &ids));
                        body["language"] = json!(["uk", "de", "pl", "fr"][rng.below(4)]);
                    }
                    let res = app
                        .post_json("/v1/articles", Some(app.write_key()), &body)
                        .await;
                    if res.status == 201 {
                        ids.push(res.json()["id"].as_str().unwrap().to_string());
                    }
                }
                (3, _) => {
                    let id = pick(&mut rng, &ids);
                    let status = statuses[rng.below(3)];
                    app.merge_patch(&format!("/v1/articles/{id}"), &json!({"status": status}))
                        .await;
                }
                (4, _) => {
                    let id = pick(&mut rng, &ids);
                    app.merge_patch(
                        &format!("/v1/articles/{id}"),
                        &json!({"title": format!("Edited {step}")}),
                    )
                    .await;
                }
                (5, _) => {
                    let id = pick(&mut rng, &ids);
                    app.delete(&format!("/v1/articles/{id}"), Some(app.write_key()))
                        .await;
                }
                (6, _) => {
                    let id = pick(&mut rng, &ids);
                    app.post(&format!("/v1/articles/{id}/restore"), Some(app.write_key()))
                        .await;
                }
                (7, _) => {
                    let id = pick(&mut rng, &ids);
                    app.delete(
                        &format!("/v1/articles/{id}?permanent=true"),
                        Some(app.admin_key()),
                    )
                    .await;
                }
                _ => {
                    let tag = ["one", "two", "three"][rng.below(3)];
                    app.patch(
                        &format!("/v1/tags/{tag}"),
                        Some(app.write_key()),
                        &json!({"name": format!("#{tag}-{step}")}),
                        "application/merge-patch+json",
                    )
                    .await;
                }
            }
            // Catch up now and then, as a partner polling would.
            if rng.below(4) == 0 {
                let (events, next) = drain(&app, None, cursor.as_deref()).await;
                apply(&mut mirror, &events);
                cursor = Some(next);
            }
        }
        // A scheduled translation of a public story goes live at the end: the story's
        // own list of translations changes with it.
        let public_now = public_set(&app).await;
        let when = chrono::Utc::now() + chrono::Duration::milliseconds(600);
        let mut scheduled = json!({
            "title": "Scheduled story", "body_markdown": "Later.",
            "status": "scheduled", "published_at": when.to_rfc3339(), "language": "es",
        });
        if let Some(id) = public_now.keys().next() {
            scheduled["translation_of"] = json!(id);
        }
        let res = app
            .post_json("/v1/articles", Some(app.write_key()), &scheduled)
            .await;
        assert!(res.status == 201 || res.status == 409, "{}", res.text());
        app.state
            .pool
            .clock()
            .advance(chrono::Duration::milliseconds(800));
        newsdesk::jobs::publish_due(&app.state.pool).unwrap();

        let (events, _) = drain(&app, None, cursor.as_deref()).await;
        apply(&mut mirror, &events);
        let truth = public_set(&app).await;
        assert!(
            !truth.is_empty(),
            "seed {seed}: the sequence published something"
        );
        assert_eq!(
            without_views(&mirror),
            without_views(&truth),
            "seed {seed}: the mirror differs from the public set"
        );
        // A mirror started from nothing agrees too.
        let mut fresh = BTreeMap::new();
        apply(&mut fresh, &drain(&app, None, None).await.0);
        assert_eq!(without_views(&fresh), without_views(&truth), "seed {seed}");
    }
}

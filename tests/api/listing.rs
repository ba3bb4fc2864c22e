//! `GET /v1/articles`: cursor and numbered pages, every filter, date bounds, sorts,
//! sparse fieldsets, totals, caching headers and compression.

use std::collections::HashSet;

use actix_web::http::Method;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, published, titles, with_query};

/// A published article with this title and publication time.
fn dated(title: &str, published_at: &str) -> Value {
    let mut a = published(title);
    a["published_at"] = json!(published_at);
    a
}

/// GETs a list and asserts 200.
async fn list(app: &TestApp, params: &[(&str, &str)], key: Option<&str>) -> Value {
    let res = app.get(&with_query("/v1/articles", params), key).await;
    res.assert_status(200);
    res.json()
}

/// Sorted titles of a list (for set comparisons).
fn title_set(list: &Value) -> Vec<String> {
    let mut t = titles(list);
    t.sort();
    t
}

/// The `Link` targets by relation, as paths (the public URL stripped).
fn links(res: &crate::helpers::Res) -> Vec<(String, String)> {
    let Some(h) = res.header("link") else {
        return vec![];
    };
    h.split(", <")
        .map(|part| {
            let part = part.trim_start_matches('<');
            let (url, rel) = part.split_once(">; rel=").expect("<url>; rel=...");
            let path = url
                .strip_prefix(PUBLIC_URL)
                .unwrap_or_else(|| panic!("absolute link: {url}"));
            (rel.trim_matches('"').to_string(), path.to_string())
        })
        .collect()
}

fn link(res: &crate::helpers::Res, rel: &str) -> Option<String> {
    links(res)
        .into_iter()
        .find(|(r, _)| r == rel)
        .map(|(_, p)| p)
}

/// The query parameters of a path.
fn params_of(path: &str) -> Vec<(String, String)> {
    let query = path.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

async fn count_views(app: &TestApp, id: &str, n: usize) {
    for _ in 0..n {
        app.post(&format!("/v1/articles/{id}/views"), None)
            .await
            .assert_status(204);
    }
}

#[actix_web::test]
async fn a_cursor_walk_visits_every_article_once_in_every_order_while_articles_are_added() {
    for sort in [
        "-published_at",
        "published_at",
        "-updated_at",
        "-view_count",
    ] {
        let app = TestApp::spawn().await;
        // Created out of date order, with tied and distinct view counts, and a few edited
        // later, so no order is just the creation order.
        let mut start_ids = Vec::new();
        for (i, day) in [3, 7, 1, 8, 2, 6, 4, 5, 9, 10].into_iter().enumerate() {
            let a = app
                .create_article(&dated(
                    &format!("Story {i}"),
                    &format!("2024-05-{day:02}T10:00:00Z"),
                ))
                .await;
            let id = a["id"].as_str().unwrap().to_string();
            count_views(&app, &id, [2, 0, 5, 2, 0, 1, 2, 0, 7, 1][i]).await;
            start_ids.push(id);
        }
        app.state.views.flush(&app.state.pool).await.unwrap();
        for i in [4, 0] {
            app.merge_patch(
                &format!("/v1/articles/{}", start_ids[i]),
                &json!({"featured": true}),
            )
            .await
            .assert_status(200);
        }
        let expected = ids(&list(&app, &[("sort", sort), ("limit", "100")], None).await);
        assert_eq!(expected.len(), 10);

        let mut seen: Vec<String> = Vec::new();
        let mut path = with_query("/v1/articles", &[("sort", sort), ("limit", "3")]);
        for page in 0.. {
            assert!(page < 20, "the walk does not end");
            let res = app.get(&path, None).await;
            res.assert_status(200);
            let body = res.json();
            assert!(body["data"].as_array().unwrap().len() <= 3);
            seen.extend(ids(&body));
            // Someone publishes a newer article between two page fetches.
            app.create_article(&dated(
                &format!("Breaking {page}"),
                &format!("2024-06-{:02}T10:00:00Z", page + 1),
            ))
            .await;
            match link(&res, "next") {
                Some(next) => {
                    let cursor = body["meta"]["next_cursor"].as_str().expect("next_cursor");
                    let p = params_of(&next);
                    assert!(p.contains(&("cursor".into(), cursor.into())), "{next}");
                    assert!(p.contains(&("sort".into(), sort.into())), "{next}");
                    assert!(p.contains(&("limit".into(), "3".into())), "{next}");
                    path = next;
                }
                None => {
                    assert!(body["meta"]["next_cursor"].is_null());
                    break;
                }
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{sort}: an article was seen twice"
        );
        let old: Vec<String> = seen
            .iter()
            .filter(|id| start_ids.contains(id))
            .cloned()
            .collect();
        assert_eq!(old, expected, "{sort}: every article once, in order");
        if sort != "published_at" && sort != "-view_count" {
            assert_eq!(
                seen.len(),
                10,
                "{sort}: articles newer than the walk's start are not in it"
            );
        }
    }
}

#[actix_web::test]
async fn numbered_pages_link_to_their_neighbours_keeping_the_other_parameters() {
    let app = TestApp::spawn().await;
    for day in 1..=7 {
        let mut a = dated(
            &format!("Kyiv {day}"),
            &format!("2024-05-{day:02}T10:00:00Z"),
        );
        a["tags"] = json!(["Kyiv"]);
        app.create_article(&a).await;
    }
    app.published("Untagged").await;
    let all = titles(&list(&app, &[("tag", "kyiv"), ("limit", "100")], None).await);
    let base = [("tag", "kyiv"), ("limit", "3"), ("fields", "slug,title")];
    let page = |n: &'static str| {
        let mut p = base.to_vec();
        p.push(("page", n));
        with_query("/v1/articles", &p)
    };

    let first = app.get(&page("1"), None).await;
    first.assert_status(200);
    assert_eq!(titles(&first.json()), all[0..3]);
    assert!(link(&first, "prev").is_none(), "page 1 has no prev");

    let second = app.get(&page("2"), None).await;
    second.assert_status(200);
    let body = second.json();
    assert_eq!(titles(&body), all[3..6]);
    assert_eq!(body["meta"]["page"], 2);
    assert_eq!(body["meta"]["total"], 7);
    for (rel, n) in [("prev", "1"), ("next", "3")] {
        let target = link(&second, rel).unwrap_or_else(|| panic!("rel={rel}"));
        let mut got = params_of(&target);
        got.sort();
        let mut want: Vec<(String, String)> = base
            .iter()
            .chain([&("page", n)])
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want, "rel={rel}: {target}");
        assert!(target.starts_with("/v1/articles?"), "{target}");
    }

    let third = app.get(&page("3"), None).await;
    assert_eq!(titles(&third.json()), all[6..7]);
    assert!(link(&third, "next").is_none(), "the last page has no next");
    assert!(link(&third, "prev").is_some());
    let beyond = app.get(&page("4"), None).await;
    beyond.assert_status(200);
    assert_eq!(beyond.json()["data"], json!([]));
    for bad in ["0", "-1", "10001", "two"] {
        let res = app.get(&page(bad), None).await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), ["page"], "page={bad}");
    }
}

#[actix_web::test]
async fn a_cursor_only_works_with_the_sort_it_was_issued_for_and_not_with_page() {
    let app = TestApp::spawn().await;
    for t in ["One", "Two", "Three"] {
        app.published(t).await;
    }
    let first = list(&app, &[("limit", "1")], None).await;
    let cursor = first["meta"]["next_cursor"]
        .as_str()
        .expect("more")
        .to_string();
    // Accepted with the sort it came from (the default one, here named).
    list(
        &app,
        &[
            ("limit", "1"),
            ("sort", "-published_at"),
            ("cursor", &cursor),
        ],
        None,
    )
    .await;
    for sort in ["published_at", "-updated_at", "-view_count"] {
        let res = app
            .get(
                &with_query("/v1/articles", &[("sort", sort), ("cursor", &cursor)]),
                None,
            )
            .await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), ["cursor"], "sort={sort}");
    }
    let mut edited = cursor.clone();
    edited.pop();
    edited.push(if cursor.ends_with('A') { 'B' } else { 'A' });
    refused(&app, "cursor", &["garbage", "%%%", edited.as_str()]).await;
    let res = app
        .get(
            &with_query("/v1/articles", &[("cursor", &cursor), ("page", "2")]),
            None,
        )
        .await;
    res.assert_status(400);
    let fields = res.error_fields();
    assert!(
        fields == ["page"] || fields == ["cursor"],
        "names the clash: {fields:?}"
    );
}

#[actix_web::test]
async fn a_tag_filter_with_two_tags_finds_articles_with_either_once() {
    let app = TestApp::spawn().await;
    for (title, tags) in [
        ("Only A", json!(["Alpha"])),
        ("Only B", json!(["Beta"])),
        ("Both", json!(["Alpha", "Beta"])),
        ("Other", json!(["Gamma"])),
        ("None", json!([])),
    ] {
        let mut a = published(title);
        a["tags"] = tags;
        app.create_article(&a).await;
    }
    let both = list(&app, &[("tag", "alpha,beta")], None).await;
    assert_eq!(title_set(&both), ["Both", "Only A", "Only B"]);
    assert_eq!(both["meta"]["total"], 3);
    assert_eq!(
        title_set(&list(&app, &[("tag", "alpha")], None).await),
        ["Both", "Only A"]
    );
    assert_eq!(
        list(&app, &[("tag", "unknown-tag")], None).await["meta"]["total"],
        0
    );
    refused(&app, "tag", &["", ",", "Not A Slug"]).await;
}

#[actix_web::test]
async fn the_author_filter_finds_articles_by_any_of_the_authors() {
    let app = TestApp::spawn().await;
    let x = app.create_author("Olena Reporter").await;
    let y = app.create_author("Taras Editor").await;
    for (title, authors) in [
        ("By X", json!([x])),
        ("By Y", json!([y])),
        ("By both", json!([x, y])),
        ("Anonymous", json!([])),
    ] {
        let mut a = published(title);
        a["authors"] = authors;
        app.create_article(&a).await;
    }
    assert_eq!(
        title_set(&list(&app, &[("author", &x)], None).await),
        ["By X", "By both"]
    );
    let either = list(&app, &[("author", &format!("{x},{y}"))], None).await;
    assert_eq!(title_set(&either), ["By X", "By Y", "By both"]);
    assert_eq!(either["meta"]["total"], 3);
}

#[actix_web::test]
async fn the_language_filter_finds_one_language() {
    let app = TestApp::spawn().await;
    app.published("English").await;
    let mut uk = published("Українською");
    uk["language"] = json!("uk");
    app.create_article(&uk).await;
    assert_eq!(
        titles(&list(&app, &[("language", "uk")], None).await),
        ["Українською"]
    );
    assert_eq!(
        titles(&list(&app, &[("language", "en")], None).await),
        ["English"]
    );
    assert_eq!(
        list(&app, &[("language", "de")], None).await["meta"]["total"],
        0
    );
    let res = app
        .get(
            &with_query("/v1/articles", &[("language", "not a tag")]),
            None,
        )
        .await;
    res.assert_status(400);
    assert_eq!(res.error_fields(), ["language"]);
}

#[actix_web::test]
async fn featured_filters_editors_picks_in_or_out() {
    let app = TestApp::spawn().await;
    let mut pick = published("Pick");
    pick["featured"] = json!(true);
    app.create_article(&pick).await;
    app.published("Regular").await;
    assert_eq!(
        titles(&list(&app, &[("featured", "true")], None).await),
        ["Pick"]
    );
    assert_eq!(
        titles(&list(&app, &[("featured", "false")], None).await),
        ["Regular"]
    );
    refused(&app, "featured", &["maybe"]).await;
}

#[actix_web::test]
async fn status_filters_need_a_read_key_except_published() {
    let app = TestApp::spawn().await;
    app.published("Live").await;
    let mut draft = published("Draft");
    draft["status"] = json!("draft");
    draft["published_at"] = json!(null);
    app.create_article(&draft).await;
    let mut scheduled = published("Planned");
    scheduled["status"] = json!("scheduled");
    scheduled["published_at"] = json!("2099-01-01T00:00:00Z");
    app.create_article(&scheduled).await;
    let mut archived = published("Old");
    archived["status"] = json!("archived");
    app.create_article(&archived).await;

    for status in ["draft", "scheduled", "archived"] {
        app.get(&with_query("/v1/articles", &[("status", status)]), None)
            .await
            .assert_status(401);
    }
    assert_eq!(
        titles(&list(&app, &[("status", "published")], None).await),
        ["Live"]
    );
    let key = Some(app.read_key());
    for (status, title) in [
        ("draft", "Draft"),
        ("scheduled", "Planned"),
        ("archived", "Old"),
        ("published", "Live"),
    ] {
        let got = list(&app, &[("status", status)], key).await;
        assert_eq!(titles(&got), [title], "status={status}");
        assert_eq!(got["data"][0]["status"], status);
        assert_eq!(got["meta"]["total"], 1);
    }
    refused(&app, "status", &["deleted"]).await;
}

#[actix_web::test]
async fn date_bounds_are_inclusive_and_a_bare_date_is_the_whole_utc_day() {
    let app = TestApp::spawn().await;
    for (title, at) in [
        ("A day before", "2024-04-30T23:59:59.999999Z"),
        ("B midnight", "2024-05-01T00:00:00Z"),
        ("C noon", "2024-05-01T12:00:00Z"),
        ("D last second", "2024-05-01T23:59:59Z"),
        ("E last half second", "2024-05-01T23:59:59.5Z"),
        ("F next day", "2024-05-02T00:00:00Z"),
    ] {
        app.create_article(&dated(title, at)).await;
    }
    let between = |after: &'static str, before: &'static str| {
        let app = &app;
        async move {
            let mut p = vec![("limit", "100")];
            if !after.is_empty() {
                p.push(("published_after", after));
            }
            if !before.is_empty() {
                p.push(("published_before", before));
            }
            title_set(&list(app, &p, None).await)
        }
    };
    assert_eq!(
        between("2024-05-01T00:00:00Z", "2024-05-01T23:59:59Z").await,
        ["B midnight", "C noon", "D last second"],
        "exact timestamps are inclusive on both ends"
    );
    assert_eq!(
        between("2024-05-01", "2024-05-01").await,
        [
            "B midnight",
            "C noon",
            "D last second",
            "E last half second"
        ],
        "a date is the whole day"
    );
    assert_eq!(
        between("2024-05-01T12:00:00Z", "").await,
        [
            "C noon",
            "D last second",
            "E last half second",
            "F next day"
        ]
    );
    assert_eq!(
        between("", "2024-05-01T12:00:00Z").await,
        ["A day before", "B midnight", "C noon"]
    );
    assert_eq!(
        between("2024-05-01T14:00:00+02:00", "2024-05-01T14:00:00+02:00").await,
        ["C noon"],
        "offsets are converted to UTC"
    );
    assert_eq!(between("2024-05-02", "").await, ["F next day"]);
    assert_eq!(between("", "2024-04-30").await, ["A day before"]);
    assert!(between("2024-05-02", "2024-05-01").await.is_empty());

    for (param, bad) in [
        ("published_after", "yesterday"),
        ("published_after", "2024-05-01T25:00:00Z"),
        ("published_before", "2024-02-30"),
        ("published_before", "01.05.2024"),
    ] {
        let res = app
            .get(&with_query("/v1/articles", &[(param, bad)]), None)
            .await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), [param], "{param}={bad}");
    }
}

#[actix_web::test]
async fn bad_sorts_and_unknown_parameters_are_400_naming_them() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("sort=relevance", "sort"),
        ("sort=title", "sort"),
        ("colour=red", "colour"),
        ("tags=kyiv", "tags"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
    ] {
        let res = app.get(&format!("/v1/articles?{query}"), None).await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), [field], "{query}");
    }
    app.get("/v1/articles?sort=relevance&q=x", None)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn sparse_fieldsets_choose_what_items_carry() {
    let app = TestApp::spawn().await;
    let mut a = published("Fielded");
    a["body_markdown"] = json!("Some **bold** text.");
    app.create_article(&a).await;

    let keys = |v: &Value| {
        let mut k: Vec<String> = v["data"][0].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let small = list(&app, &[("fields", "slug,title")], None).await;
    assert_eq!(keys(&small), ["id", "slug", "title"]);
    assert_eq!(small["data"][0]["title"], "Fielded");

    let html = list(&app, &[("fields", "body_html")], None).await;
    assert_eq!(keys(&html), ["body_html", "id"]);
    assert!(
        html["data"][0]["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>bold</strong>")
    );

    let default = list(&app, &[], None).await;
    let item = default["data"][0].as_object().unwrap();
    for body in ["body_markdown", "body_html", "body_text"] {
        assert!(!item.contains_key(body), "{body} is left out by default");
    }
    for field in [
        "id",
        "slug",
        "title",
        "excerpt",
        "status",
        "published_at",
        "tags",
    ] {
        assert!(item.contains_key(field), "{field} is in by default");
    }

    refused(&app, "fields", &["password", "slug,nope"]).await;
}

#[actix_web::test]
async fn meta_total_counts_every_match_whatever_the_page() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.published(&format!("Counted {i}")).await;
    }
    let mut draft = published("Not counted");
    draft["status"] = json!("draft");
    draft["published_at"] = json!(null);
    app.create_article(&draft).await;

    let first = list(&app, &[("limit", "2")], None).await;
    assert_eq!(first["meta"]["total"], 5);
    assert_eq!(first["meta"]["limit"], 2);
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let next = list(&app, &[("limit", "2"), ("cursor", cursor)], None).await;
    assert_eq!(next["meta"]["total"], 5);
    let last = list(&app, &[("limit", "2"), ("page", "3")], None).await;
    assert_eq!(last["meta"]["total"], 5);
    assert_eq!(last["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        list(&app, &[("limit", "2")], Some(app.read_key())).await["meta"]["total"],
        6
    );
}

#[actix_web::test]
async fn a_list_has_validators_and_answers_304_to_its_etag() {
    let app = TestApp::spawn().await;
    app.published("Validated").await;
    let path = with_query("/v1/articles", &[("limit", "5"), ("fields", "slug")]);
    let first = app.get(&path, None).await;
    first.assert_status(200);
    let etag = first.etag();
    let lm = first.header("last-modified").expect("Last-Modified");
    assert!(lm.ends_with(" GMT"), "{lm}");
    let res = app
        .request(Method::GET, &path)
        .header("if-none-match", &etag)
        .send()
        .await;
    res.assert_status(304);
    assert!(res.body.is_empty());
    assert_eq!(res.etag(), etag);
    // Another query is another representation.
    let other = app.get("/v1/articles?limit=5", None).await;
    assert_ne!(other.etag(), etag);
    app.request(Method::GET, "/v1/articles?limit=5")
        .header("if-none-match", &etag)
        .send()
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn public_lists_are_cacheable_and_keyed_lists_are_private() {
    let app = TestApp::spawn().await;
    app.published("Cache me").await;
    let anon = app.get("/v1/articles", None).await;
    let cc = anon.header("cache-control").expect("Cache-Control");
    assert!(cc.contains("public"), "{cc}");
    assert!(cc.contains("max-age=60"), "{cc}");
    assert!(cc.contains("stale-while-revalidate=300"), "{cc}");
    let vary = anon.header("vary").unwrap_or_default().to_lowercase();
    assert!(vary.contains("authorization"), "{vary}");

    let keyed = app.get("/v1/articles", Some(app.read_key())).await;
    let cc = keyed.header("cache-control").expect("Cache-Control");
    assert!(cc.starts_with("private"), "{cc}");
    assert!(!cc.contains("public"), "{cc}");
}

#[actix_web::test]
async fn a_list_is_gzipped_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.published(&format!("Compressible {i}")).await;
    }
    let res = app
        .request(Method::GET, "/v1/articles")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(&res.body[..2], &[0x1f, 0x8b], "a gzip stream");
    let plain = app.get("/v1/articles", None).await;
    assert!(plain.header("content-encoding").is_none());
    assert!(plain.json()["data"].is_array());
}

/// Moves every stored change time back to 2024-05-01 10:00 UTC (the publication time of
/// `published`), as if the store had not been touched since.
fn backdate_store(app: &TestApp) {
    let mut conn = app.state.pool.get().unwrap();
    for table in ["articles", "tags", "authors"] {
        diesel::sql_query(format!(
            "UPDATE {table} SET updated_at = '2024-05-01T10:00:00.000000Z'"
        ))
        .execute(&mut conn)
        .unwrap();
    }
    diesel::sql_query("UPDATE store_changes SET changed_at = '2024-05-01T10:00:00.000000Z'")
        .execute(&mut conn)
        .unwrap();
}

/// The list as a client that read it before `change` gets it with `If-Modified-Since`.
/// The store is backdated first, so the list answers 304 before the change and any 200
/// after it comes from the change alone.
async fn list_since_before(app: &TestApp, change: impl std::future::Future<Output = ()>) -> Value {
    backdate_store(app);
    let first = app.get("/v1/articles", None).await;
    let lm = first.header("last-modified").expect("Last-Modified");
    assert_eq!(lm, "Wed, 01 May 2024 10:00:00 GMT");
    let since = || {
        app.request(Method::GET, "/v1/articles")
            .header("if-modified-since", &lm)
            .send()
    };
    since().await.assert_status(304);
    change.await;
    let res = since().await;
    res.assert_status(200);
    res.json()
}

#[actix_web::test]
async fn if_modified_since_on_a_list_sees_a_trashed_article() {
    let app = TestApp::spawn().await;
    app.published("Stays").await;
    let gone = app.published("Goes").await;
    let path = format!("/v1/articles/{}", gone["id"].as_str().unwrap());
    let trash = async {
        app.trash(&path).await;
    };
    assert_eq!(titles(&list_since_before(&app, trash).await), ["Stays"]);
}

#[actix_web::test]
async fn if_modified_since_on_a_list_sees_a_permanently_deleted_article() {
    let app = TestApp::spawn().await;
    app.published("Stays").await;
    let gone = app.published("Goes").await;
    let path = format!(
        "/v1/articles/{}?permanent=true",
        gone["id"].as_str().unwrap()
    );
    let purge = async {
        app.delete(&path, Some(app.admin_key()))
            .await
            .assert_status(204);
    };
    assert_eq!(titles(&list_since_before(&app, purge).await), ["Stays"]);
}

#[actix_web::test]
async fn if_modified_since_on_a_list_sees_a_deleted_tag() {
    let app = TestApp::spawn().await;
    let mut a = published("Tagged");
    a["tags"] = json!(["Ephemeral"]);
    app.create_article(&a).await;
    let untag = async {
        app.delete("/v1/tags/ephemeral", Some(app.admin_key()))
            .await
            .assert_status(204);
    };
    let list = list_since_before(&app, untag).await;
    assert_eq!(list["data"][0]["tags"], json!([]));
}

#[actix_web::test]
async fn every_field_a_list_offers_is_a_member_of_its_items() {
    let app = TestApp::spawn().await;
    app.published("Fields of Kyiv").await;
    let all = newsdesk::domain::listing::ARTICLE_FIELDS.join(",");
    let res = app
        .get(
            &with_query("/v1/articles", &[("q", "kyiv"), ("fields", &all)]),
            None,
        )
        .await;
    res.assert_status(200);
    let item = res.json()["data"][0].as_object().unwrap().clone();
    let mut got: Vec<&str> = item.keys().map(String::as_str).collect();
    let mut want: Vec<&str> = newsdesk::domain::listing::ARTICLE_FIELDS.to_vec();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    // And only those asked for.
    let res = app.get("/v1/articles?fields=title,view_count", None).await;
    let mut keys: Vec<String> = res.json()["data"][0]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(keys, ["id", "title", "view_count"]);
}

/// Each value of the list parameter `name` is a 400 naming it.
async fn refused(app: &TestApp, name: &str, values: &[&str]) {
    for bad in values {
        let res = app
            .get(&with_query("/v1/articles", &[(name, bad)]), None)
            .await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), [name], "{name}={bad:?}");
    }
}

#[actix_web::test]
async fn a_list_shows_the_bodies_it_is_asked_for_and_a_related_list_none() {
    let app = TestApp::spawn().await;
    let mut body = published("Bodies in a list");
    body["body_markdown"] = json!("A **bold** line.\n\n> A quotation.\n\n- one\n- two");
    body["tags"] = json!(["#Shared"]);
    let a = app.create_article(&body).await;
    let mut other = published("Another with the tag");
    other["tags"] = json!(["#Shared"]);
    let b = app.create_article(&other).await;

    let page = list(
        &app,
        &[("fields", "body_markdown,body_html,body_text")],
        None,
    )
    .await;
    let item = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == a["id"])
        .expect("listed")
        .clone();
    for field in ["body_markdown", "body_html", "body_text"] {
        assert_eq!(item[field], a[field], "{field}");
        assert!(!item[field].as_str().unwrap().is_empty(), "{field}");
    }
    // A list that shows no body, and "related", carry no body member at all.
    let page = list(&app, &[], None).await;
    assert!(page["data"][0].get("body_html").is_none(), "{page}");
    let related = app
        .get(
            &format!("/v1/articles/{}/related", b["id"].as_str().unwrap()),
            None,
        )
        .await;
    related.assert_status(200);
    assert_eq!(related.json()["data"][0]["id"], a["id"]);
    assert_eq!(related.json()["data"][0]["title"], "Bodies in a list");
    assert!(related.json()["data"][0].get("body_html").is_none());
}

/// The COUNT statements a request ran (a list's total computed, not kept).
fn counts_run(app: &TestApp) -> usize {
    (app.sql.take().iter())
        .filter(|s| s.to_uppercase().contains("COUNT("))
        .count()
}

#[actix_web::test]
async fn a_public_total_is_kept_across_edits_that_move_no_list_and_recounted_when_one_moves() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for title in ["One", "Two", "Three"] {
        let mut a = published(title);
        a["tags"] = json!(["Kyiv"]);
        ids.push(
            app.create_article(&a).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let total = |path: &'static str| {
        let app = &app;
        async move {
            let res = app.get(path, None).await;
            res.assert_status(200);
            res.json()["meta"]["total"].as_i64().unwrap()
        }
    };
    let path = "/v1/articles?tag=kyiv&limit=1";
    assert_eq!(total(path).await, 3);
    // A title edit forgets the page showing the article, not its total.
    app.merge_patch(
        &format!("/v1/articles/{}", ids[2]),
        &json!({"title": "Three, edited"}),
    )
    .await
    .assert_status(200);
    app.sql.take();
    assert_eq!(total(path).await, 3);
    assert_eq!(counts_run(&app), 0, "the total was kept");
    // An article leaving the tag, a new one, the tag renamed: each recounts.
    app.merge_patch(&format!("/v1/articles/{}", ids[0]), &json!({"tags": []}))
        .await
        .assert_status(200);
    app.sql.take();
    assert_eq!(total(path).await, 2);
    assert_eq!(counts_run(&app), 1);
    let mut four = published("Four");
    four["tags"] = json!(["Kyiv"]);
    app.create_article(&four).await;
    assert_eq!(total(path).await, 3);
    app.merge_patch("/v1/tags/kyiv", &json!({"slug": "kyiv-city"}))
        .await
        .assert_status(200);
    assert_eq!(total(path).await, 0, "no tag of that slug now");
    assert_eq!(total("/v1/articles?tag=kyiv-city&limit=1").await, 3);
}

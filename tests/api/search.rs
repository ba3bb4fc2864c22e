//! Full-text search (`q`): stems in English and Ukrainian, apostrophes, case, ranking,
//! tags, phrases, prefixes, snippets, filters, visibility, hostile input, and an index
//! that follows every write.

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Value, json};

use crate::helpers::{TestApp, published, titles, with_query};

/// A published article with this title and body (the excerpt is derived from the body).
fn story(title: &str, body: &str) -> Value {
    let mut a = published(title);
    a["body_markdown"] = json!(body);
    a
}

/// Searches for `q` with extra parameters and an optional key; the answer must be 200.
async fn search(app: &TestApp, q: &str, extra: &[(&str, &str)], key: Option<&str>) -> Value {
    let mut params = vec![("q", q)];
    params.extend_from_slice(extra);
    let res = app.get(&with_query("/v1/articles", &params), key).await;
    res.assert_status(200);
    res.json()
}

/// Titles found anonymously, sorted (for set comparisons).
async fn found(app: &TestApp, q: &str) -> Vec<String> {
    let mut t = titles(&search(app, q, &[], None).await);
    t.sort();
    t
}

/// Index rows holding the stem `word`, read straight from the store.
fn index_rows(app: &TestApp, word: &str) -> i64 {
    use newsdesk::domain::search::{Match, Term};
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = app.state.pool.get().unwrap();
    let engine = app.state.pool.engine();
    let (before, after) = newsdesk::db::search::condition(engine);
    let expr = newsdesk::db::search::expression(engine, &Match::All(vec![Term::Word(word.into())]));
    let sql = format!("SELECT COUNT(*) AS n FROM article_search WHERE {before}?{after}");
    newsdesk::db::sql_query(&conn, &sql)
        .bind::<Text, _>(expr)
        .get_result::<N>(&mut conn)
        .unwrap()
        .n
}

#[actix_web::test]
async fn ukrainian_inflected_forms_find_each_other() {
    let app = TestApp::spawn().await;
    app.create_article(&story("Genitive", "Підтримка України зростає."))
        .await;
    app.create_article(&story("Locative", "Новини з Києва: в Україні тепло."))
        .await;
    app.create_article(&story("Nominative", "Україна переможе."))
        .await;
    app.create_article(&story("Unrelated", "Погода на вихідні."))
        .await;

    assert_eq!(
        found(&app, "Україна").await,
        ["Genitive", "Locative", "Nominative"]
    );
    assert_eq!(
        found(&app, "України").await,
        ["Genitive", "Locative", "Nominative"]
    );
    assert_eq!(found(&app, "Україною").await.len(), 3);
    assert_eq!(found(&app, "Києва").await, ["Locative"]);
}

#[actix_web::test]
async fn english_words_are_found_in_other_inflections() {
    let app = TestApp::spawn().await;
    app.create_article(&story("Aid", "Volunteers are supporting the families."))
        .await;
    app.create_article(&story("Other", "Nothing about that here."))
        .await;
    for q in ["support", "supports", "supported", "SUPPORTING"] {
        assert_eq!(found(&app, q).await, ["Aid"], "q={q}");
    }
}

#[actix_web::test]
async fn every_ukrainian_apostrophe_is_the_same_letter_to_search() {
    let app = TestApp::spawn().await;
    // U+2019 RIGHT SINGLE QUOTATION MARK in the text.
    app.create_article(&story("Tea", "Чай з м\u{2019}ятою і медом."))
        .await;
    app.create_article(&story("Coffee", "Кава без цукру."))
        .await;
    for q in [
        "м\u{2019}ята",
        "м\u{02BC}ята",
        "м'ята",
        "м\u{02BC}ятою",
        "М'ЯТА",
    ] {
        assert_eq!(found(&app, q).await, ["Tea"], "q={q}");
    }
    // The apostrophe is inside the word, not a separator: the word's tail alone does not
    // match.
    assert!(found(&app, "ята").await.is_empty());
}

#[actix_web::test]
async fn cyrillic_is_matched_regardless_of_case() {
    let app = TestApp::spawn().await;
    app.create_article(&story("Lower", "сьогодні україна святкує."))
        .await;
    app.create_article(&story("УКРАЇНА СЬОГОДНІ", "Текст."))
        .await;
    assert_eq!(found(&app, "УКРАЇНА").await, ["Lower", "УКРАЇНА СЬОГОДНІ"]);
    assert_eq!(found(&app, "україна").await, ["Lower", "УКРАЇНА СЬОГОДНІ"]);
    assert_eq!(found(&app, "УкРаЇнА").await.len(), 2);
}

#[actix_web::test]
async fn a_title_match_outranks_a_body_only_match_by_default() {
    let app = TestApp::spawn().await;
    // Created first and dated later, so neither creation order nor date puts the title
    // match first: only relevance does.
    let mut body_only = story(
        "Harbour report",
        "Ships carried grain, then more grain, out of Odesa.",
    );
    body_only["excerpt"] = json!("A report from the harbour.");
    body_only["published_at"] = json!("2024-06-01T10:00:00Z");
    app.create_article(&body_only).await;
    let mut in_title = story("Grain exports rise", "Ships left Odesa on Monday.");
    in_title["excerpt"] = json!("Exports rose.");
    app.create_article(&in_title).await;

    let default = search(&app, "grain", &[], None).await;
    assert_eq!(titles(&default), ["Grain exports rise", "Harbour report"]);
    let relevance = search(&app, "grain", &[("sort", "relevance")], None).await;
    assert_eq!(titles(&relevance), titles(&default));
    let by_date = search(&app, "grain", &[("sort", "-published_at")], None).await;
    assert_eq!(titles(&by_date), ["Harbour report", "Grain exports rise"]);
}

#[actix_web::test]
async fn tag_names_are_searchable_and_a_renamed_tag_is_found_by_its_new_name() {
    let app = TestApp::spawn().await;
    let mut a = story("Community news", "Meetings in Toronto.");
    a["tags"] = json!(["Diaspora"]);
    app.create_article(&a).await;
    app.create_article(&story("Other news", "Nothing tagged."))
        .await;
    assert_eq!(found(&app, "diaspora").await, ["Community news"]);

    app.merge_patch("/v1/tags/diaspora", &json!({"name": "Emigration"}))
        .await
        .assert_status(200);
    assert_eq!(found(&app, "emigration").await, ["Community news"]);
    assert!(
        found(&app, "diaspora").await.is_empty(),
        "the old tag name is no longer indexed"
    );
}

#[actix_web::test]
async fn a_quoted_phrase_matches_only_adjacent_words_in_order() {
    let app = TestApp::spawn().await;
    app.create_article(&story("Adjacent", "Humanitarian aid arrives in Kharkiv."))
        .await;
    app.create_article(&story(
        "Apart",
        "Aid for humanitarian purposes arrives in Sumy.",
    ))
    .await;
    app.create_article(&story("Reversed", "The aid humanitarian convoy."))
        .await;
    assert_eq!(found(&app, "\"humanitarian aid\"").await, ["Adjacent"]);
    assert_eq!(
        found(&app, "humanitarian aid").await,
        ["Adjacent", "Apart", "Reversed"],
        "unquoted words are ANDed anywhere"
    );
    assert_eq!(
        found(&app, "\"humanitarian aid\" kharkiv").await,
        ["Adjacent"]
    );
    assert!(found(&app, "\"humanitarian aid\" sumy").await.is_empty());
}

#[actix_web::test]
async fn a_trailing_star_matches_a_prefix() {
    let app = TestApp::spawn().await;
    app.create_article(&story("Latin", "Shelling near Zaporizhzhia overnight."))
        .await;
    app.create_article(&story("Cyrillic", "Обстріл біля Запоріжжя вночі."))
        .await;
    assert_eq!(found(&app, "zapor*").await, ["Latin"]);
    assert!(found(&app, "zapor").await.is_empty(), "no star, no prefix");
    assert_eq!(found(&app, "Запоріж*").await, ["Cyrillic"]);
    assert!(found(&app, "Запор").await.is_empty());
}

#[actix_web::test]
async fn the_snippet_marks_the_matched_word_as_written_and_escapes_html() {
    let app = TestApp::spawn().await;
    app.create_article(&story("Markup", "Тег `<b>` & підтримка України триває."))
        .await;
    let list = search(&app, "Україна", &[], None).await;
    let snippet = list["data"][0]["snippet"].as_str().expect("a snippet");
    assert!(
        snippet.contains("<mark>України</mark>"),
        "the original inflected word is marked: {snippet}"
    );
    assert!(snippet.contains("&lt;b&gt;"), "{snippet}");
    assert!(snippet.contains("&amp;"), "{snippet}");
    assert!(!snippet.contains("<b>"), "{snippet}");
    assert_eq!(
        snippet.matches("<mark>").count(),
        1,
        "only the match is marked: {snippet}"
    );
    // Without q there is no snippet.
    let plain = app.get("/v1/articles", None).await.json();
    assert!(plain["data"][0].get("snippet").is_none());
}

#[actix_web::test]
async fn search_combines_with_every_filter() {
    let app = TestApp::spawn().await;
    let mut a = story("Grain exports", "Wheat and grain.");
    a["tags"] = json!(["Economy"]);
    a["published_at"] = json!("2024-05-01T10:00:00Z");
    app.create_article(&a).await;
    let mut b = story("Grain prices", "Old grain prices.");
    b["published_at"] = json!("2023-01-01T10:00:00Z");
    app.create_article(&b).await;
    let mut c = story("Grain in Ukrainian", "Зерно, grain.");
    c["language"] = json!("uk");
    c["published_at"] = json!("2024-06-01T10:00:00Z");
    app.create_article(&c).await;
    let mut d = story("Grain draft", "Unfinished grain story.");
    d["status"] = json!("draft");
    d["published_at"] = json!(null);
    app.create_article(&d).await;
    let mut e = story("Weather", "Rain.");
    e["tags"] = json!(["Economy"]);
    app.create_article(&e).await;

    let t = |v: Value| {
        let mut t = titles(&v);
        t.sort();
        t
    };
    assert_eq!(
        t(search(&app, "grain", &[("tag", "economy")], None).await),
        ["Grain exports"]
    );
    assert_eq!(
        t(search(&app, "grain", &[("language", "uk")], None).await),
        ["Grain in Ukrainian"]
    );
    assert_eq!(
        t(search(&app, "grain", &[("published_after", "2024-01-01")], None).await),
        ["Grain exports", "Grain in Ukrainian"]
    );
    assert_eq!(
        t(search(&app, "grain", &[("published_before", "2024-05-01")], None).await),
        ["Grain exports", "Grain prices"]
    );
    let drafts = search(&app, "grain", &[("status", "draft")], Some(app.read_key())).await;
    assert_eq!(t(drafts.clone()), ["Grain draft"]);
    assert_eq!(drafts["meta"]["total"], 1);
    app.get(
        &with_query("/v1/articles", &[("q", "grain"), ("status", "draft")]),
        None,
    )
    .await
    .assert_status(401);
}

#[actix_web::test]
async fn unpublished_articles_are_found_only_with_a_read_key() {
    let app = TestApp::spawn().await;
    let mut draft = story("Secret plan", "A confidential memorandum.");
    draft["status"] = json!("draft");
    draft["published_at"] = json!(null);
    app.create_article(&draft).await;
    let mut future = story("Embargoed", "A confidential release.");
    future["published_at"] = json!("2099-01-01T00:00:00Z");
    app.create_article(&future).await;

    let anon = search(&app, "confidential", &[], None).await;
    assert_eq!(anon["meta"]["total"], 0);
    assert_eq!(anon["data"], json!([]));
    let keyed = search(&app, "confidential", &[], Some(app.read_key())).await;
    assert_eq!(keyed["meta"]["total"], 2);
    let mut t = titles(&keyed);
    t.sort();
    assert_eq!(t, ["Embargoed", "Secret plan"]);
}

#[actix_web::test]
async fn hostile_queries_never_fail_and_an_over_long_one_is_400() {
    let app = TestApp::spawn().await;
    app.create_article(&story("Bait", "x col title near and or not a b"))
        .await;
    for q in [
        "\"",
        "AND OR NOT (",
        "*",
        "NEAR(",
        "NEAR(a b, 2)",
        "col:x",
        "title:x",
        "body:x",
        "^x",
        "-x",
        "a\"b",
        "\"\"",
        "x AND",
        "{title body}: x",
        "'",
        "''",
        "%",
        "\\",
        ")",
        "x*y*",
        "**",
        "\u{0}",
        "🇺🇦",
    ] {
        let res = app
            .get(&with_query("/v1/articles", &[("q", q)]), None)
            .await;
        assert_eq!(res.status.as_u16(), 200, "q={q:?}: {}", res.text());
        assert!(res.json()["data"].is_array(), "q={q:?}");
    }
    // `-x` and `^x` are plain words, not FTS5 operators.
    assert_eq!(found(&app, "-x").await, ["Bait"]);
    assert_eq!(found(&app, "^x").await, ["Bait"]);
    assert_eq!(found(&app, "title:x").await, ["Bait"]);

    // The limit is 256 characters, not bytes.
    let at_limit = "ї".repeat(256);
    app.get(&with_query("/v1/articles", &[("q", &at_limit)]), None)
        .await
        .assert_status(200);
    for q in ["ї".repeat(257), "word ".repeat(2048)] {
        let res = app
            .get(&with_query("/v1/articles", &[("q", &q)]), None)
            .await;
        res.assert_status(400);
        assert_eq!(res.error_fields(), ["q"]);
    }
}

#[actix_web::test]
async fn trashed_articles_are_not_found() {
    let app = TestApp::spawn().await;
    let a = app
        .create_article(&story("Binned", "A discarded manuscript."))
        .await;
    assert_eq!(found(&app, "manuscript").await, ["Binned"]);
    app.delete(
        &format!("/v1/articles/{}", a["id"].as_str().unwrap()),
        Some(app.write_key()),
    )
    .await
    .assert_status(204);
    assert!(found(&app, "manuscript").await.is_empty());
    let keyed = search(&app, "manuscript", &[], Some(app.read_key())).await;
    assert_eq!(keyed["meta"]["total"], 0);
}

#[actix_web::test]
async fn an_edited_article_is_found_by_its_new_words_only() {
    let app = TestApp::spawn().await;
    let a = app
        .create_article(&story("Barley harvest", "Barley fields in Poltava."))
        .await;
    let path = format!("/v1/articles/{}", a["id"].as_str().unwrap());
    app.merge_patch(
        &path,
        &json!({"title": "Sunflower harvest", "body_markdown": "Sunflower fields in Kherson."}),
    )
    .await
    .assert_status(200);
    assert_eq!(found(&app, "sunflower").await, ["Sunflower harvest"]);
    assert_eq!(found(&app, "kherson").await, ["Sunflower harvest"]);
    assert!(found(&app, "barley").await.is_empty());
    assert!(found(&app, "poltava").await.is_empty());
    assert_eq!(index_rows(&app, "barley"), 0, "no stale index row");

    // A rejected edit leaves the index as it was.
    app.merge_patch(&path, &json!({"title": "", "body_markdown": "Rye."}))
        .await
        .assert_status(422);
    assert_eq!(found(&app, "sunflower").await, ["Sunflower harvest"]);
    assert!(found(&app, "rye").await.is_empty());
}

#[actix_web::test]
async fn a_permanently_deleted_article_leaves_the_index() {
    let app = TestApp::spawn().await;
    let a = app
        .create_article(&story("Ephemeral", "A vanishing article."))
        .await;
    app.create_article(&story("Keeper", "A lasting article."))
        .await;
    assert_eq!(index_rows(&app, "vanish"), 1);
    app.delete(
        &format!("/v1/articles/{}?permanent=true", a["id"].as_str().unwrap()),
        Some(app.admin_key()),
    )
    .await
    .assert_status(204);
    let keyed = search(&app, "vanishing", &[], Some(app.read_key())).await;
    assert_eq!(keyed["meta"]["total"], 0);
    assert_eq!(index_rows(&app, "vanish"), 0, "its index row is gone too");
    assert_eq!(found(&app, "article").await, ["Keeper"]);
}

#[actix_web::test]
async fn search_results_page_by_cursor_in_relevance_order_without_repeats() {
    let app = TestApp::spawn().await;
    // Some match in the title, some only in the body, several tie exactly.
    for i in 0..4 {
        app.create_article(&story(&format!("Grain report {i}"), "Ships at sea."))
            .await;
    }
    for i in 0..4 {
        app.create_article(&story(&format!("Harbour {i}"), "Ships with grain at sea."))
            .await;
    }
    app.create_article(&story("Weather", "Rain at sea.")).await;
    let all = search(&app, "grain", &[("limit", "100")], None).await;
    assert_eq!(all["meta"]["total"], 8);
    let expected = titles(&all);
    assert!(expected[..4].iter().all(|t| t.starts_with("Grain")));

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut params = vec![("limit", "3")];
        if let Some(c) = &cursor {
            params.push(("cursor", c));
        }
        let page = search(&app, "grain", &params, None).await;
        seen.extend(titles(&page));
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[actix_web::test]
async fn a_common_word_in_date_order_pages_through_every_match_exactly_once() {
    let app = TestApp::spawn().await;
    for (title, at) in [
        ("Oldest harvest", "2024-01-01T00:00:00Z"),
        ("Middle harvest", "2025-01-01T00:00:00Z"),
        ("Newest harvest", "2026-01-01T00:00:00Z"),
    ] {
        let mut a = story(title, "The harvest festival.");
        a["published_at"] = json!(at);
        app.create_article(&a).await;
    }
    app.create_article(&story("Unrelated", "Nothing here."))
        .await;
    // Make "harvest" common in the index (rows for no article), so the date-ordered
    // search takes the walk-the-order-and-probe path instead of sorting every match.
    {
        let mut conn = app.state.pool.get().unwrap();
        diesel::sql_query(if crate::helpers::on_postgres() {
            "INSERT INTO article_search (rowid, document) \
             SELECT i, CAST('harvest:1A' AS tsvector) FROM generate_series(1000000, 1002500) AS i"
        } else {
            "WITH RECURSIVE n(i) AS (SELECT 1000000 UNION ALL SELECT i + 1 FROM n WHERE i < 1002500) \
             INSERT INTO article_search (rowid, title, subtitle, excerpt, tags, body) \
             SELECT i, 'harvest', '', '', '', '' FROM n"
        })
        .execute(&mut conn)
        .unwrap();
    }
    assert!(index_rows(&app, "harvest") > 2000);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut extra = vec![("sort", "-published_at"), ("limit", "2")];
        if let Some(c) = &cursor {
            extra.push(("cursor", c.as_str()));
        }
        let page = search(&app, "harvest", &extra, None).await;
        assert_eq!(
            page["meta"]["total"], 3,
            "the total counts articles, not index rows"
        );
        seen.extend(titles(&page));
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ["Newest harvest", "Middle harvest", "Oldest harvest"]);
}

/// Writes batched in one transaction (as the writer thread runs them) index together at
/// the end of the batch; a write that fails takes its index row with it.
#[actix_web::test]
async fn a_batch_of_writes_indexes_what_stayed_and_nothing_that_rolled_back() {
    use newsdesk::domain::access::{Caller, Scope};
    let app = TestApp::spawn().await;
    let draft = |title: &str, body: &str| {
        let input = json!({"title": title, "body_markdown": body, "status": "published"});
        newsdesk::domain::article::validate(
            serde_json::from_value(input).unwrap(),
            "en",
            chrono::Utc::now(),
            &Default::default(),
        )
        .expect("valid draft")
    };
    let caller = Caller::Key {
        name: "batch test".into(),
        scope: Scope::Write,
    };
    // Hold the writer until three writes wait, so they run as one batch.
    let (open, gate) = std::sync::mpsc::channel::<()>();
    let pool = app.state.pool.clone();
    let held = std::thread::spawn(move || {
        pool.write_blocking(move |_| {
            gate.recv().ok();
            Ok(())
        })
    });
    let write = |title: &'static str, body: &'static str, fail: bool| {
        let (caller, draft) = (caller.clone(), draft(title, body));
        newsdesk::db::write(&app.state.pool, move |conn| {
            newsdesk::db::articles::create(conn, &draft, &caller)?;
            if fail {
                // A write refused after its article (and index row) were written.
                return Err(newsdesk::db::StoreError::conflict("changed its mind"));
            }
            Ok(())
        })
    };
    let (kept, dropped, also, ()) = tokio::join!(
        write("Kept", "Zebrafish stay.", false),
        write("Dropped", "Narwhals vanish.", true),
        write("Also kept", "Axolotls stay.", false),
        async { open.send(()).unwrap() }
    );
    held.join().unwrap().unwrap();
    assert_eq!(
        (kept.is_ok(), dropped.is_err(), also.is_ok()),
        (true, true, true)
    );
    assert_eq!(index_rows(&app, "zebrafish"), 1);
    assert_eq!(index_rows(&app, "axolotl"), 1);
    assert_eq!(
        index_rows(&app, "narwhal"),
        0,
        "the failed write left no index row"
    );
    let found = app.get("/v1/articles?q=zebrafish", None).await;
    assert_eq!(titles(&found.json()), ["Kept"]);
    // Index rows and articles agree one to one.
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = app.state.pool.get().unwrap();
    let count = |sql: &str, conn: &mut _| diesel::sql_query(sql).get_result::<N>(conn).unwrap().n;
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM article_search", &mut conn),
        count("SELECT COUNT(*) AS n FROM articles", &mut conn)
    );
}

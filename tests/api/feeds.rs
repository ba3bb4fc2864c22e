//! Feeds and sitemaps, read back by independent parsers (feed-rs, roxmltree): every
//! field, hostile text, translations, paging, filters and conditional requests.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, published};

const ARTICLE_URL: &str = "https://example.org/{language}/{slug}";
const HOSTILE: &str = "Tom & Jerry <script>alert(1)</script> ]]> \"quoted\" 'apos' 🇺🇦 Київ";

async fn app() -> TestApp {
    TestApp::with_config(|c| {
        c.article_url = ARTICLE_URL.into();
        c.site_title = "Diaspora News & Views".into();
        c.site_url = "https://example.org".into();
    })
    .await
}

fn url_of(a: &Value) -> String {
    format!(
        "https://example.org/{}/{}",
        a["language"].as_str().unwrap(),
        a["slug"].as_str().unwrap()
    )
}

/// Two published articles (an English one with hostile text, its Ukrainian
/// translation) and a draft; returns (english, ukrainian).
async fn newsroom(app: &TestApp) -> (Value, Value) {
    let author = app.create_author("Ukrainian World Congress").await;
    let en = app
        .create_article(&json!({
            "title": HOSTILE,
            "excerpt": "Summary & <b>not bold</b> ]]> end",
            "body_markdown": "Body with **bold**, ]]> and a [link](https://example.org/a?b=1&c=2).",
            "status": "published",
            "published_at": "2024-05-01T10:00:00Z",
            "language": "en",
            "tags": ["#StandWithUkraine", "Діаспора"],
            "authors": [author],
            "feature_image": {"url": "https://example.org/img.jpg", "alt": "A picture"}
        }))
        .await;
    let uk = app
        .create_article(&json!({
            "title": "Світовий конгрес українців",
            "body_markdown": "Текст статті.",
            "status": "published",
            "published_at": "2024-05-02T10:00:00Z",
            "language": "uk",
            "translation_of": en["id"],
            "tags": ["#StandWithUkraine"],
        }))
        .await;
    app.draft("Secret draft", "Not yet.").await;
    // Re-read: the English one now lists its translation.
    (app.article(en["id"].as_str().unwrap()).await, uk)
}

fn parse(body: &[u8]) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body).expect("a feed an independent parser reads")
}

fn entry<'a>(feed: &'a feed_rs::model::Feed, id: &str) -> &'a feed_rs::model::Entry {
    feed.entries
        .iter()
        .find(|e| e.id.ends_with(id))
        .unwrap_or_else(|| panic!("no entry for {id} in {:?}", feed.entries))
}

#[actix_web::test]
async fn rss_atom_and_json_feed_carry_every_field() {
    let app = app().await;
    let (en, uk) = newsroom(&app).await;
    let en_id = en["id"].as_str().unwrap();
    for (path, content_type) in [
        ("/v1/feeds/rss", "application/rss+xml"),
        ("/v1/feeds/atom", "application/atom+xml"),
        ("/v1/feeds/json", "application/feed+json"),
    ] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        assert!(
            res.header("content-type")
                .unwrap()
                .starts_with(content_type),
            "{path}: {:?}",
            res.header("content-type")
        );
        let feed = parse(&res.body);
        assert_eq!(
            feed.title.as_ref().unwrap().content,
            "Diaspora News & Views",
            "{path}"
        );
        // Newest first; the draft is nowhere.
        assert_eq!(feed.entries.len(), 2, "{path}");
        assert!(
            feed.entries[0].id.ends_with(uk["id"].as_str().unwrap()),
            "{path}"
        );
        assert!(!res.text().contains("Secret draft"), "{path}");

        let e = entry(&feed, en_id);
        if path.ends_with("json") {
            assert_eq!(e.id, en_id, "JSON Feed ids are the article id");
        } else {
            assert_eq!(e.id, format!("urn:uuid:{en_id}"), "{path}: stable id");
        }
        assert_eq!(e.title.as_ref().unwrap().content, HOSTILE, "{path}");
        assert!(
            e.links.iter().any(|l| l.href == url_of(&en)),
            "{path}: link to the frontend: {:?}",
            e.links
        );
        assert_eq!(
            e.summary.as_ref().unwrap().content,
            en["excerpt"].as_str().unwrap(),
            "{path}"
        );
        assert_eq!(
            e.content.as_ref().unwrap().body.as_deref().unwrap().trim(),
            en["body_html"].as_str().unwrap().trim(),
            "{path}: full sanitized HTML"
        );
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2024-05-01T10:00:00+00:00",
            "{path}"
        );
        let names: Vec<String> = e
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or(c.term.clone()))
            .collect();
        assert_eq!(names, ["#StandWithUkraine", "Діаспора"], "{path}");
        let authors: Vec<&str> = e.authors.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(authors, ["Ukrainian World Congress"], "{path}");
    }

    // Atom: categories keep the slug as term, and translations are hreflang alternates.
    let atom = parse(&app.get("/v1/feeds/atom", None).await.body);
    let e = entry(&atom, en_id);
    assert_eq!(e.categories[0].term, "standwithukraine");
    let alternates: Vec<(Option<&str>, &str)> = e
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("alternate"))
        .map(|l| (l.href_lang.as_deref(), l.href.as_str()))
        .collect();
    assert_eq!(
        alternates,
        [
            (Some("en"), url_of(&en).as_str()),
            (Some("uk"), url_of(&uk).as_str())
        ]
    );
    let links: Vec<(Option<&str>, &str)> = atom
        .links
        .iter()
        .map(|l| (l.rel.as_deref(), l.href.as_str()))
        .collect();
    assert!(links.contains(&(Some("self"), &*format!("{PUBLIC_URL}/v1/feeds/atom"))));
    assert!(
        links
            .iter()
            .any(|(rel, href)| *rel == Some("alternate") && href.starts_with("https://example.org")),
        "{links:?}"
    );

    // JSON Feed: the translation extension and the image.
    let json = app.get("/v1/feeds/json", None).await.json();
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == en["id"])
        .unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(
        item["_translations"],
        json!([{"language": "uk", "url": url_of(&uk)}])
    );
    assert_eq!(item["image"], "https://example.org/img.jpg");
    assert_eq!(item["language"], "en");
}

/// The `next` link of a feed page: Atom/RSS `rel="next"` or JSON Feed `next_url`.
fn next_link(path: &str, body: &[u8]) -> Option<String> {
    if path.contains("json") {
        let v: Value = serde_json::from_slice(body).unwrap();
        return v["next_url"].as_str().map(str::to_owned);
    }
    let text = std::str::from_utf8(body).unwrap();
    let doc = roxmltree::Document::parse(text).expect("well-formed XML");
    doc.descendants()
        .find(|n| n.tag_name().name() == "link" && n.attribute("rel") == Some("next"))
        .and_then(|n| n.attribute("href"))
        .map(str::to_owned)
}

#[actix_web::test]
async fn feeds_page_to_older_items() {
    let app = app().await;
    for n in 1..=5 {
        let mut body = published(&format!("Story {n}"));
        body["published_at"] = json!(format!("2024-05-0{n}T10:00:00Z"));
        app.create_article(&body).await;
    }
    for base in ["/v1/feeds/rss", "/v1/feeds/atom", "/v1/feeds/json"] {
        let mut path = format!("{base}?limit=2");
        let mut titles = Vec::new();
        for _ in 0..5 {
            let res = app.get(&path, None).await;
            res.assert_status(200);
            let feed = parse(&res.body);
            assert!(feed.entries.len() <= 2);
            titles.extend(
                feed.entries
                    .iter()
                    .map(|e| e.title.as_ref().unwrap().content.clone()),
            );
            match next_link(base, &res.body) {
                Some(next) => {
                    assert!(next.starts_with(PUBLIC_URL), "absolute: {next}");
                    path = next[PUBLIC_URL.len()..].to_string();
                }
                None => break,
            }
        }
        assert_eq!(
            titles,
            ["Story 5", "Story 4", "Story 3", "Story 2", "Story 1"],
            "{base}"
        );
    }
}

#[actix_web::test]
async fn feeds_filter_by_tag_author_and_language() {
    let app = app().await;
    let (en, uk) = newsroom(&app).await;
    let ids = |body: &[u8]| -> Vec<String> {
        parse(body)
            .entries
            .iter()
            .map(|e| e.id.trim_start_matches("urn:uuid:").to_string())
            .collect()
    };
    let both = [uk["id"].as_str().unwrap(), en["id"].as_str().unwrap()];
    let res = app.get("/v1/feeds/atom?tag=standwithukraine", None).await;
    assert_eq!(ids(&res.body), both);
    let res = app.get("/v1/feeds/atom?tag=diaspora", None).await;
    assert_eq!(ids(&res.body), [en["id"].as_str().unwrap()]);
    let res = app
        .get("/v1/feeds/rss?author=ukrainian-world-congress", None)
        .await;
    assert_eq!(ids(&res.body), [en["id"].as_str().unwrap()]);
    let res = app.get("/v1/feeds/json?language=uk", None).await;
    assert_eq!(ids(&res.body), [uk["id"].as_str().unwrap()]);
    // The filters name the feed.
    let title = parse(&res.body).title.unwrap().content;
    assert!(title.contains("language: uk"), "{title}");

    for bad in [
        "/v1/feeds/rss?limit=0",
        "/v1/feeds/rss?limit=101",
        "/v1/feeds/atom?language=Ukrainian!",
        "/v1/feeds/json?cursor=forged",
        "/v1/feeds/json?sort=relevance",
        "/v1/feeds/rss?tag=%3Cscript%3E",
    ] {
        app.get(bad, None).await.assert_status(400);
    }
    // The format is the path's last segment: anything else names no feed.
    for unknown in ["/v1/feeds/xml", "/v1/feeds/RSS", "/v1/feeds/"] {
        let res = app.get(unknown, None).await;
        res.assert_status(404);
        assert_eq!(
            res.header("content-type").as_deref(),
            Some("application/problem+json")
        );
    }
}

#[actix_web::test]
async fn feeds_answer_304_until_something_changes() {
    let app = app().await;
    app.published("First").await;
    for path in [
        "/v1/feeds/rss",
        "/v1/feeds/atom",
        "/v1/feeds/json",
        "/v1/sitemap.xml",
        "/v1/sitemap-news.xml",
    ] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        let etag = res.etag();
        assert!(res.header("last-modified").is_some(), "{path}");
        assert!(
            res.header("cache-control").unwrap().starts_with("public"),
            "{path}"
        );
        let again = app
            .request(Method::GET, path)
            .header("If-None-Match", &etag)
            .send()
            .await;
        again.assert_status(304);
        assert!(again.body.is_empty());
    }
    let etag = app.get("/v1/feeds/rss", None).await.etag();
    app.published("Second").await;
    let res = app
        .request(Method::GET, "/v1/feeds/rss")
        .header("If-None-Match", &etag)
        .send()
        .await;
    res.assert_status(200);
    assert!(res.text().contains("Second"));
    assert_ne!(res.etag(), etag);
}

fn sitemap_urls(body: &[u8]) -> Vec<(String, Vec<(String, String)>)> {
    let text = std::str::from_utf8(body).unwrap();
    let doc = roxmltree::Document::parse(text).expect("well-formed XML");
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    doc.descendants()
        .filter(|n| n.tag_name().name() == "url")
        .map(|u| {
            let loc = u
                .children()
                .find(|c| c.tag_name().name() == "loc")
                .and_then(|c| c.text())
                .unwrap()
                .to_string();
            let alternates = u
                .children()
                .filter(|c| c.tag_name().name() == "link")
                .map(|c| {
                    (
                        c.attribute("hreflang").unwrap().to_string(),
                        c.attribute("href").unwrap().to_string(),
                    )
                })
                .collect();
            (loc, alternates)
        })
        .collect()
}

#[actix_web::test]
async fn the_sitemap_lists_public_articles_with_their_translations() {
    let app = app().await;
    let (en, uk) = newsroom(&app).await;
    let res = app.get("/v1/sitemap.xml", None).await;
    res.assert_status(200);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("application/xml")
    );
    let urls = sitemap_urls(&res.body);
    let pair = vec![
        ("en".to_string(), url_of(&en)),
        ("uk".to_string(), url_of(&uk)),
    ];
    assert_eq!(
        urls,
        [(url_of(&en), pair.clone()), (url_of(&uk), pair)],
        "oldest first, each with every language version"
    );
    app.get("/v1/sitemap.xml?page=1", None)
        .await
        .assert_status(200);
    app.get("/v1/sitemap.xml?page=2", None)
        .await
        .assert_status(404);
    app.get("/v1/sitemap.xml?page=0", None)
        .await
        .assert_status(400);
}

#[actix_web::test]
async fn the_news_sitemap_holds_the_last_two_days() {
    let app = app().await;
    app.published("Old news").await; // dated 2024
    let fresh = app
        .create_article(&json!({"title": "Fresh & <new>", "body_markdown": "Now.", "status": "published", "language": "uk"}))
        .await;
    let res = app.get("/v1/sitemap-news.xml", None).await;
    res.assert_status(200);
    let text = res.text();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let news = "http://www.google.com/schemas/sitemap-news/0.9";
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name((news, "title")))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(titles, ["Fresh & <new>"]);
    let field = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name((news, name)))
            .and_then(|n| n.text())
            .unwrap()
            .to_string()
    };
    assert_eq!(field("name"), "Diaspora News & Views");
    assert_eq!(field("language"), "uk");
    assert!(field("publication_date").starts_with(&fresh["published_at"].as_str().unwrap()[..19]));
    let locs: Vec<String> = sitemap_urls(&res.body).into_iter().map(|u| u.0).collect();
    assert_eq!(locs, [url_of(&fresh)]);
    app.get("/v1/sitemap-news.xml?x=1", None)
        .await
        .assert_status(400);
}

#[actix_web::test]
async fn past_the_file_limit_the_sitemap_is_an_index() {
    let app = TestApp::with_config(|c| {
        c.article_url = ARTICLE_URL.into();
        c.sitemap_urls = 2;
    })
    .await;
    let mut titles = Vec::new();
    for n in 1..=5 {
        let mut body = published(&format!("Story {n}"));
        body["published_at"] = json!(format!("2024-05-0{n}T10:00:00Z"));
        titles.push(url_of(&app.create_article(&body).await));
    }
    let res = app.get("/v1/sitemap.xml", None).await;
    res.assert_status(200);
    let text = res.text();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
    let files: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "loc")
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        files,
        (1..=3)
            .map(|n| format!("{PUBLIC_URL}/v1/sitemap.xml?page={n}"))
            .collect::<Vec<_>>()
    );
    let mut listed = Vec::new();
    for file in files {
        let res = app.get(&file[PUBLIC_URL.len()..], None).await;
        res.assert_status(200);
        listed.extend(sitemap_urls(&res.body).into_iter().map(|u| u.0));
    }
    assert_eq!(listed, titles, "every article once, oldest first");
    app.get("/v1/sitemap.xml?page=4", None)
        .await
        .assert_status(404);
}

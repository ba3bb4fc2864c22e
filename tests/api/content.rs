//! Rules applied on write, seen through HTTP: slugs (generated, unique), sanitized HTML,
//! excerpt, counts.

use serde_json::{Value, json};

use crate::helpers::{TestApp, published};

#[actix_web::test]
async fn slugs_of_ukrainian_titles_follow_kmu_2010() {
    let app = TestApp::spawn().await;
    for (title, slug) in [
        ("Щедрик", "shchedryk"),
        ("Київ", "kyiv"),
        ("Юрій Яготин", "yurii-yahotyn"),
        ("Згорани", "zghorany"),
        ("Знам'янка: Євген і Ірпінь", "znamianka-yevhen-i-irpin"),
    ] {
        let a = app.published(title).await;
        assert_eq!(a["slug"], slug, "slug of {title}");
        assert_eq!(a["title"], title);
    }
}

#[actix_web::test]
async fn body_html_is_sanitized() {
    let app = TestApp::spawn().await;
    let mut body = published("Hostile");
    body["body_markdown"] = json!(
        "Hello <script>alert(1)</script> world.\n\n<img src=x onerror=alert(1)>\n\n\
         [x](javascript:alert(1)) and <a href=\"javascript:alert(2)\" onclick=\"alert(3)\">y</a>\n\n\
         <iframe src=\"https://evil.example\"></iframe>"
    );
    let a = app.create_article(&body).await;
    let html = a["body_html"].as_str().unwrap().to_lowercase();
    for bad in ["<script", "onerror", "onclick", "javascript:", "<iframe"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert!(html.contains("hello"), "{html}");
    assert!(!a["body_text"].as_str().unwrap().contains("alert(1)"));
}

#[actix_web::test]
async fn tables_and_footnotes_render() {
    let app = TestApp::spawn().await;
    let mut body = published("Rich");
    body["body_markdown"] = json!(
        "A claim.[^1]\n\n| City | Events |\n|:-----|-------:|\n| Kyiv | 12 |\n\n[^1]: The source."
    );
    let a = app.create_article(&body).await;
    let html = a["body_html"].as_str().unwrap();
    for want in [
        "<table>",
        "<th",
        "<td",
        "Kyiv",
        "footnote-reference",
        "The source.",
    ] {
        assert!(html.contains(want), "missing {want}: {html}");
    }
    // The reference still points at its definition after ids are prefixed.
    let href = html
        .split("href=\"#")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("footnote link");
    assert!(
        html.contains(&format!("id=\"{href}\"")),
        "{href} dangles: {html}"
    );
}

#[actix_web::test]
async fn the_excerpt_is_the_first_paragraph_unless_given() {
    let app = TestApp::spawn().await;
    let mut body = published("Excerpt");
    body["body_markdown"] = json!("# Heading\n\nThe **lead** paragraph.\n\nSecond paragraph.");
    let a = app.create_article(&body).await;
    assert_eq!(a["excerpt"], "The lead paragraph.");

    body["excerpt"] = json!("Given by the editor.");
    body["title"] = json!("Excerpt given");
    assert_eq!(
        app.create_article(&body).await["excerpt"],
        "Given by the editor."
    );
}

#[actix_web::test]
async fn a_long_first_paragraph_is_cut_at_a_word_within_300_characters() {
    let app = TestApp::spawn().await;
    let para = (1..=80)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut body = published("Long lead");
    body["body_markdown"] = json!(format!("{para}\n\nSecond."));
    let a = app.create_article(&body).await;
    let excerpt = a["excerpt"].as_str().unwrap();
    assert!(
        excerpt.chars().count() <= 300,
        "{}",
        excerpt.chars().count()
    );
    let kept = excerpt
        .strip_suffix('…')
        .expect("a cut excerpt ends with …");
    assert!(para.starts_with(kept), "{kept}");
    assert_eq!(
        para[kept.len()..].chars().next(),
        Some(' '),
        "cut inside a word: {kept}"
    );
    assert!(kept.len() > 200, "cut too early: {kept}");
}

#[actix_web::test]
async fn word_count_and_reading_time_are_derived_from_the_body() {
    let app = TestApp::spawn().await;
    let mut body = published("Counted");
    body["body_markdown"] = json!(format!("{}\n\n- and\n- more", "word ".repeat(399)));
    let a = app.create_article(&body).await;
    assert_eq!(a["word_count"], 401);
    assert_eq!(a["reading_time_minutes"], 3);

    let res = app
        .merge_patch(
            &format!("/v1/articles/{}", a["id"].as_str().unwrap()),
            &json!({"body_markdown": "Just **three** words"}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["word_count"], 3);
    assert_eq!(res.json()["reading_time_minutes"], 1);
    assert_eq!(
        res.json()["excerpt"],
        "Just three words",
        "excerpt follows the body"
    );
}

#[actix_web::test]
async fn a_generated_slug_that_is_taken_gets_a_number() {
    let app = TestApp::spawn().await;
    let slugs: Vec<Value> = [
        app.published("Kyiv news").await,
        app.published("Kyiv news").await,
        app.published("Kyiv  news!").await,
    ]
    .iter()
    .map(|a| a["slug"].clone())
    .collect();
    assert_eq!(
        slugs,
        [
            json!("kyiv-news"),
            json!("kyiv-news-2"),
            json!("kyiv-news-3")
        ]
    );
}

#[actix_web::test]
async fn an_explicit_duplicate_slug_is_409_naming_the_slug() {
    let app = TestApp::spawn().await;
    let mut body = published("First");
    body["slug"] = json!("same");
    app.create_article(&body).await;
    body["title"] = json!("Second");
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &body)
        .await;
    res.assert_status(409);
    assert_eq!(res.error_fields(), ["slug"]);
}

#[actix_web::test]
async fn a_slug_that_is_another_articles_id_is_refused() {
    let app = TestApp::spawn().await;
    let a = app.published("Alpha").await;
    let mut b = published("Beta");
    b["slug"] = a["id"].clone();
    let res = app
        .post_json("/v1/articles", Some(app.write_key()), &b)
        .await;
    assert!(
        [409, 422].contains(&res.status.as_u16()),
        "{}: {}",
        res.status,
        res.text()
    );
    assert_eq!(res.error_fields(), ["slug"]);
}

//! The served OpenAPI document is the committed one, and the docs page works offline.

use actix_web::http::Method;
use serde_json::Value;

use crate::helpers::TestApp;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn served_spec(app: &TestApp) -> Value {
    let res = app.get("/openapi.json", None).await;
    res.assert_status(200);
    res.json()
}

#[actix_web::test]
async fn the_served_spec_equals_the_committed_file() {
    let app = TestApp::spawn().await;
    let served = served_spec(&app).await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("openapi/openapi.json"))
            .expect("committed spec is JSON");
    let mut diff = Vec::new();
    json_diff("", &committed, &served, &mut diff);
    assert!(
        diff.is_empty(),
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`.\n\
         First differences (pointer: committed → served):\n  {}",
        diff.iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    let generated: Value = serde_json::from_str(&newsdesk::openapi::spec_json()).unwrap();
    assert_eq!(
        generated, served,
        "`newsdesk openapi` prints what is served"
    );
}

/// The JSON pointers at which `a` and `b` differ, with both values (abridged).
fn json_diff(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    let short = |v: Option<&Value>| {
        let text = v.map_or_else(|| "(absent)".to_string(), Value::to_string);
        text.chars().take(80).collect::<String>()
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => json_diff(&path, p, q, out),
                    (p, q) => out.push(format!("{path}: {} → {}", short(p), short(q))),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{at}/{i}"), p, q, out);
            }
        }
        _ if a != b => out.push(format!("{at}: {} → {}", short(Some(a)), short(Some(b)))),
        _ => {}
    }
}

#[test]
fn the_drift_report_names_the_pointer_that_differs() {
    let a = serde_json::json!({"paths": {"/v1/x": {"get": {"summary": "old"}}}, "n": [1, 2]});
    let b = serde_json::json!({"paths": {"/v1/x": {"get": {"summary": "new"}}}, "n": [1, 3]});
    let mut out = Vec::new();
    json_diff("", &a, &b, &mut out);
    assert_eq!(
        out,
        [
            "/n/1: 2 → 3",
            "/paths/~1v1~1x/get/summary: \"old\" → \"new\""
        ]
    );
}

#[actix_web::test]
async fn the_spec_is_openapi_3_1() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    let version = spec["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "{version}");
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
}

#[actix_web::test]
async fn every_operation_has_an_id_tags_and_responses() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    let mut ids = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("{} {path}", method.to_uppercase());
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{at}: no operationId");
            ids.push(id.to_string());
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{at}: no tags"
            );
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{at}: no responses"
            );
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids are unique");
    for id in [
        "list_articles",
        "get_article",
        "create_article",
        "update_article",
        "delete_tag",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
    }
}

/// A handler names an error's status and meaning only; the document still says, for
/// every 4xx and 5xx of every operation, that its body is a problem document.
#[actix_web::test]
async fn every_error_answer_is_a_problem_document() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    let mut errors = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            for (status, answer) in op["responses"].as_object().expect("responses") {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let answer = match answer["$ref"].as_str() {
                    Some(r) => {
                        &spec["components"]["responses"]
                            [r.trim_start_matches("#/components/responses/")]
                    }
                    None => answer,
                };
                let schema = &answer["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    schema["$ref"],
                    "#/components/schemas/Problem",
                    "{} {path} {status}: {answer}",
                    method.to_uppercase()
                );
                errors += 1;
            }
        }
    }
    assert!(errors > 300, "only {errors} error answers were checked");
}
#[actix_web::test]
async fn docs_redirect_to_a_swagger_ui_that_needs_no_other_host() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs", None).await;
    assert!(res.status.is_redirection(), "{}", res.status);
    assert_eq!(res.header("location").as_deref(), Some("/docs/"));
    let page = app.get("/docs/", None).await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.to_lowercase().contains("swagger"), "{html}");
    for external in [
        "src=\"http://",
        "src=\"https://",
        "src='http",
        "href=\"https://",
        "href=\"http://",
    ] {
        assert!(!html.contains(external), "docs load {external}…: {html}");
    }
    // The initializer points at the local spec.
    let init = app.get("/docs/swagger-initializer.js", None).await;
    init.assert_status(200);
    assert!(init.text().contains("/openapi.json"), "{}", init.text());
    assert!(!init.text().contains("https://"), "{}", init.text());
}

#[actix_web::test]
async fn every_operation_has_a_summary() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method)
                && op["summary"].as_str().unwrap_or_default().is_empty()
            {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(missing.is_empty(), "no summary: {missing:?}");
}

#[actix_web::test]
async fn patch_takes_its_own_schema_with_every_member_optional() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    let body = &spec["paths"]["/v1/articles/{id}"]["patch"]["requestBody"]["content"];
    for media in ["application/merge-patch+json", "application/json"] {
        assert_eq!(
            body[media]["schema"]["$ref"], "#/components/schemas/ArticlePatch",
            "{media}"
        );
    }
    let patch = &spec["components"]["schemas"]["ArticlePatch"];
    assert!(
        patch["required"].as_array().is_none_or(|r| r.is_empty()),
        "no member of a patch is required: {}",
        patch["required"]
    );
    // null clears an optional field, so the schema allows it there; not for the title.
    let types = |field: &str| patch["properties"][field]["type"].to_string();
    assert!(types("subtitle").contains("null"), "{}", types("subtitle"));
    assert!(!types("title").contains("null"), "{}", types("title"));
}

#[actix_web::test]
async fn tag_and_author_items_say_what_validation_says() {
    let app = TestApp::spawn().await;
    let spec = served_spec(&app).await;
    let schemas = &spec["components"]["schemas"];
    let tag = &schemas["TagName"];
    assert_eq!(tag["minLength"], 1);
    assert_eq!(tag["maxLength"], newsdesk::domain::article::MAX_TERM_NAME);
    assert_eq!(tag["pattern"], newsdesk::domain::article::NAME_PATTERN);
    assert_eq!(
        schemas["ArticleInput"]["properties"]["tags"]["items"]["$ref"],
        "#/components/schemas/TagName"
    );
    assert_eq!(
        schemas["AuthorSlug"]["pattern"],
        newsdesk::domain::slug::SLUG_PATTERN
    );
    // What the schema refuses, validation refuses too.
    let mut body = crate::helpers::published("Blank tag");
    body["tags"] = serde_json::json!([""]);
    app.post_json("/v1/articles", Some(app.write_key()), &body)
        .await
        .assert_status(422);
}

#[actix_web::test]
async fn every_pattern_in_the_spec_is_one_the_domain_states() {
    fn patterns(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("pattern", Value::String(p)) => out.push(p.clone()),
                        _ => patterns(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| patterns(x, out)),
            _ => {}
        }
    }
    let app = TestApp::spawn().await;
    let mut found = Vec::new();
    patterns(&served_spec(&app).await, &mut found);
    for p in &found {
        assert!(
            newsdesk::domain::PATTERNS.contains(&p.as_str()),
            "the spec states {p:?}, which is no pattern of the domain"
        );
    }
    for p in newsdesk::domain::PATTERNS {
        assert!(found.iter().any(|f| f == p), "{p:?} is stated nowhere");
    }
}

/// The spec derives the conditional answers in one place; this holds it to them: every
/// read it says answers 304 does, given the ETag it just sent, and every change of a
/// resource it says takes `If-Match` refuses a stale one with 412.
#[actix_web::test]
async fn every_conditional_answer_the_spec_states_is_real() {
    let app = TestApp::spawn().await;
    let mut body = crate::helpers::published("Conditional everywhere");
    body["tags"] = serde_json::json!(["#StandWithUkraine"]);
    let article = app.create_article(&body).await;
    let id = article["id"].as_str().unwrap().to_string();
    let author = app.create_author("Olena Conditional").await;
    let webhook = app
        .post_json(
            "/v1/webhooks",
            Some(app.admin_key()),
            &serde_json::json!({"url": "http://127.0.0.1:9/hook", "events": ["article.published"]}),
        )
        .await
        .json();
    let values = [
        ("{id}", id.clone()),
        ("{slug}", "standwithukraine".to_string()),
        ("{format}", "atom".to_string()),
        ("{n}", "1".to_string()),
    ];
    let spec = served_spec(&app).await;
    let (mut checked, mut skipped) = (Vec::new(), Vec::new());
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        if get["responses"].get("304").is_none() || path.starts_with("/media/") {
            continue;
        }
        let mut url = path.replace("/trash/{id}", "/trash/none");
        if path.starts_with("/v1/webhooks/") {
            url = url.replace("{id}", webhook["id"].as_str().unwrap());
        }
        if path.starts_with("/v1/authors/") {
            url = url.replace("{slug}", &author);
        }
        for (name, value) in &values {
            url = url.replace(name, value);
        }
        if url.contains("/trash/") || path.starts_with("/v1/media/") {
            skipped.push(path.as_str()); // nothing in the trash, no media item here
            continue;
        }
        let first = app.get(&url, Some(app.admin_key())).await;
        first.assert_status(200);
        let again = app
            .request(Method::GET, &url)
            .key(Some(app.admin_key()))
            .header("If-None-Match", &first.etag())
            .send()
            .await;
        assert_eq!(again.status.as_u16(), 304, "GET {url} after its own ETag");
        checked.push(path.clone());
    }
    assert_eq!(skipped, ["/v1/media/{id}", "/v1/trash/{id}"]);
    assert_eq!(checked.len(), 19, "{checked:?}");

    let stale = "\"v0-stale\"";
    let tag_url = "/v1/tags/standwithukraine".to_string();
    let webhook_url = format!("/v1/webhooks/{}", webhook["id"].as_str().unwrap());
    for (method, url) in [
        (Method::PUT, format!("/v1/articles/{id}")),
        (Method::PATCH, format!("/v1/articles/{id}")),
        (Method::DELETE, format!("/v1/articles/{id}")),
        (Method::PATCH, tag_url.clone()),
        (Method::DELETE, tag_url),
        (Method::PATCH, format!("/v1/authors/{author}")),
        (Method::DELETE, format!("/v1/authors/{author}")),
        (Method::PATCH, webhook_url.clone()),
        (Method::DELETE, webhook_url),
    ] {
        let path = url
            .replace(&id, "{id}")
            .replace("standwithukraine", "{slug}");
        let op = &spec["paths"][if url.contains("/authors/") {
            "/v1/authors/{slug}".to_string()
        } else if url.contains("/webhooks/") {
            "/v1/webhooks/{id}".to_string()
        } else {
            path
        }][method.as_str().to_lowercase()];
        let takes = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"));
        assert!(
            takes && op["responses"]["412"].is_object(),
            "{method} {url}"
        );
        let req = app
            .request(method.clone(), &url)
            .key(Some(app.admin_key()))
            .header("If-Match", stale);
        let req = if method == Method::DELETE {
            req
        } else if method == Method::PUT {
            req.json(&body)
        } else {
            let patch = if url.starts_with("/v1/articles/") {
                serde_json::json!({"featured": true})
            } else if url.starts_with("/v1/webhooks/") {
                serde_json::json!({"active": false})
            } else {
                serde_json::json!({"description": "x"})
            };
            req.body("application/merge-patch+json", patch.to_string())
        };
        let res = req.send().await;
        assert_eq!(res.status.as_u16(), 412, "{method} {url} with a stale ETag");
    }
}

//! Query plans and statement budgets: every list and search query uses an index, and
//! reads run a small fixed number of statements whatever the page size.

use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use serde_json::json;

use crate::helpers::{TestApp, on_postgres};

#[derive(diesel::QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// The query-plan lines of a statement (its `?` left unbound, as NULL).
fn plan(app: &TestApp, sql: &str) -> Vec<String> {
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<PlanRow>(&mut conn)
        .unwrap_or_else(|e| panic!("EXPLAIN failed for {sql}: {e}"))
        .into_iter()
        .map(|r| r.detail)
        .collect()
}

/// Seeds articles in both languages with tags and authors.
async fn seeded(n: usize) -> TestApp {
    let app = TestApp::spawn().await;
    app.post_json(
        "/v1/authors",
        Some(app.write_key()),
        &json!({"name": "Olena Petrenko"}),
    )
    .await
    .assert_status(201);
    for i in 0..n {
        let body = json!({
            "title": format!("Україна і діаспора {i}"),
            "body_markdown": format!("Громади підтримують Україну. Story number {i} about support."),
            "status": "published",
            "language": if i % 2 == 0 { "uk" } else { "en" },
            "tags": ["#StandWithUkraine", format!("topic-{}", i % 3)],
            "authors": ["olena-petrenko"],
            "featured": i % 4 == 0,
        });
        app.post_json("/v1/articles", Some(app.write_key()), &body)
            .await
            .assert_status(201);
    }
    app.sql.take();
    app
}

const SHAPES: &[&str] = &[
    "/v1/articles",
    "/v1/articles?limit=3&page=2",
    "/v1/articles?sort=published_at",
    "/v1/articles?sort=-updated_at",
    "/v1/articles?sort=-view_count",
    "/v1/articles?tag=standwithukraine",
    "/v1/articles?tag=topic-1,topic-2&language=uk",
    "/v1/articles?author=olena-petrenko",
    "/v1/articles?language=en",
    "/v1/articles?published_after=2020-01-01&published_before=2099-01-01",
    "/v1/articles?q=%D1%83%D0%BA%D1%80%D0%B0%D1%97%D0%BD%D0%B0",
    "/v1/articles?q=support&sort=-published_at",
    "/v1/articles?q=%D1%83%D0%BA%D1%80%D0%B0%D1%97%D0%BD%D0%B0&tag=standwithukraine",
    "/v1/articles/popular",
    "/v1/tags",
    "/v1/authors",
    "/v1/feeds/rss",
    "/v1/feeds/atom?tag=standwithukraine&language=uk",
    "/v1/feeds/json?author=olena-petrenko",
    "/v1/changes",
    "/v1/changes?limit=3",
    "/v1/sitemap-news.xml",
];

#[actix_web::test]
async fn every_list_and_search_query_uses_an_index() {
    if on_postgres() {
        return; // SQLite's query planner (EXPLAIN QUERY PLAN) and build options
    }
    let app = seeded(6).await;
    for path in SHAPES {
        app.get(path, None).await.assert_status(200);
        for sql in app.sql.take() {
            if !sql.trim_start().to_ascii_uppercase().starts_with("SELECT") {
                continue;
            }
            for line in plan(&app, &sql) {
                // "SCAN articles" alone reads the whole table; "SCAN … USING INDEX" walks
                // an index in order and stops at LIMIT.
                let full_scan = line.starts_with("SCAN ")
                    && !line.contains("USING")
                    && !line.contains("VIRTUAL TABLE")
                    && !line.contains("CONSTANT ROW")
                    // a bounded subquery's own rows, not a table
                    && !line.starts_with("SCAN (subquery")
                    && !line.starts_with("SCAN subquery_");
                assert!(!full_scan, "{path}: full scan `{line}` in\n{sql}");
            }
        }
    }
}

/// How many statements a GET runs when it is computed (not answered from the response
/// cache, which would make every budget trivially met).
async fn statements(app: &TestApp, path: &str) -> usize {
    app.state.responses.forget_everything();
    app.sql.take();
    app.get(path, None).await.assert_status(200);
    let n = run_since(app).len();
    assert!(n > 0, "{path} ran no statement: answered from a cache");
    n
}

/// The statements run since the log was last taken. Not counted: the pool's check that a
/// PostgreSQL connection is alive on checkout.
fn run_since(app: &TestApp) -> Vec<String> {
    app.sql
        .take()
        .into_iter()
        .filter(|s| s.trim() != "SELECT 1")
        .collect()
}

/// The slug of the newest article.
async fn newest_slug(app: &TestApp) -> String {
    app.get("/v1/articles?limit=1&fields=slug", None)
        .await
        .json()["data"][0]["slug"]
        .as_str()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn reads_run_a_fixed_number_of_statements_whatever_the_page_size() {
    let app = seeded(12).await;
    let article = newest_slug(&app).await;
    // A miss: the statements of the handler, plus one for the cache's bound (the next
    // scheduled publication) after an invalidation.
    let budgets: &[(&str, usize)] = &[
        ("/v1/articles?limit=2", 5),
        ("/v1/articles?limit=12", 5),
        (
            "/v1/articles?q=%D1%83%D0%BA%D1%80%D0%B0%D1%97%D0%BD%D0%B0&limit=12",
            6,
        ),
        ("/v1/tags?limit=12", 5),
        ("/v1/feeds/rss?limit=2", 5),
        ("/v1/feeds/rss?limit=12", 5),
        ("/v1/feeds/json?limit=12&tag=standwithukraine", 5),
        ("/v1/changes?limit=2", 5),
        ("/v1/changes?limit=12", 5),
        ("/v1/sitemap-news.xml", 4),
        // The row, then its tags, authors and translations.
        (&format!("/v1/articles/{article}"), 3),
    ];
    let small = statements(&app, "/v1/articles?limit=2").await;
    let large = statements(&app, "/v1/articles?limit=12").await;
    assert_eq!(
        small, large,
        "a longer page must not run more statements (N+1)"
    );
    for (small, large) in [
        ("/v1/feeds/atom?limit=2", "/v1/feeds/atom?limit=12"),
        ("/v1/changes?limit=2", "/v1/changes?limit=12"),
    ] {
        assert_eq!(
            statements(&app, small).await,
            statements(&app, large).await,
            "{large} runs more statements than {small} (N+1)"
        );
    }
    for &(path, budget) in budgets {
        let n = statements(&app, path).await;
        assert!(n <= budget, "{path} ran {n} statements, budget {budget}");
    }
}

#[derive(diesel::QueryableByName)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    used: i32,
}

/// Cached prepared statements stay prepared: the bundled SQLite is built with the query
/// planner stability guarantee (`.cargo/config.toml`), without which every statement
/// with a `LIMIT ?` is parsed and planned again each time it runs.
#[actix_web::test]
async fn sqlite_keeps_prepared_statements_across_bindings() {
    if on_postgres() {
        return; // SQLite's query planner (EXPLAIN QUERY PLAN) and build options
    }
    let app = TestApp::spawn().await;
    let mut conn = app.state.pool.get().unwrap();
    let flag: Flag = diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(flag.used, 1, "SQLite was built without SQLITE_ENABLE_QPSG");
}

/// Statements a create runs (the key's lookup and the writer's own included).
/// `title` is the article's own: a taken slug would cost a statement per candidate.
async fn create_statements(app: &TestApp, title: &str, tags: &[&str]) -> usize {
    app.sql.take();
    app.post_json(
        "/v1/articles",
        Some(app.write_key()),
        &json!({"title": title, "body_markdown": "Text", "status": "published",
                "tags": tags, "authors": ["olena-petrenko"], "language": "en"}),
    )
    .await
    .assert_status(201);
    run_since(app).len()
}

#[actix_web::test]
async fn a_create_runs_a_fixed_number_of_statements_whatever_its_tags() {
    let app = seeded(3).await;
    let two = create_statements(&app, "Two tags", &["#StandWithUkraine", "topic-1"]).await;
    let five_tags = [
        "#StandWithUkraine",
        "topic-0",
        "topic-1",
        "topic-2",
        "#Kyiv",
    ];
    let five = create_statements(&app, "Five tags", &five_tags).await;
    // New tags cost a statement each (an insert that leaves a concurrent one as it is).
    assert!(
        five <= two + 2,
        "5 tags ran {five} statements, 2 ran {two} (N+1)"
    );
    let again = create_statements(&app, "Five tags again", &five_tags).await;
    assert_eq!(again, two, "existing tags: as many statements as for 2");
    // The key's lookup; the batch's begin, change time, purge record and commit (and on
    // PostgreSQL the writers' advisory lock); the write's savepoint, slug check, insert,
    // one read of its tags and authors, their two link inserts, event, revision, release
    // and search row. Its links are not read back: it wrote them.
    let budget = if on_postgres() { 17 } else { 16 };
    assert!(
        two <= budget,
        "a create ran {two} statements, budget {budget}"
    );
}

/// A view beacon (sent by every article page) resolves the article in one statement that
/// reads no body: it used to load the whole article, costing as much as a cache miss.
#[actix_web::test]
async fn a_view_beacon_runs_one_statement() {
    let app = seeded(2).await;
    let slug = newest_slug(&app).await;
    app.sql.take();
    app.request(
        actix_web::http::Method::POST,
        &format!("/v1/articles/{slug}/views"),
    )
    .send()
    .await
    .assert_status(204);
    let sql = run_since(&app);
    assert_eq!(sql.len(), 1, "{sql:#?}");
    assert!(!sql[0].contains("body_markdown"), "{}", sql[0]);
}

/// On PostgreSQL a prepared statement keeps a generic plan, made once. The lookups by
/// key that every create and every article read run must plan as index scans even on
/// a new, small store, or the plan kept is a sequential scan that stays one as the table
/// grows (`slug = ? OR id = ?` did: 2 ms a create at 3,000 articles).
#[actix_web::test]
async fn on_postgres_lookups_by_key_keep_index_plans() {
    if !on_postgres() {
        return;
    }
    let app = seeded(3).await;
    app.post_json(
        "/v1/articles",
        Some(app.write_key()),
        &json!({"title": "A new one", "body_markdown": "Text", "status": "published",
                "tags": ["#StandWithUkraine"], "authors": ["olena-petrenko"]}),
    )
    .await
    .assert_status(201);
    let mut sql = run_since(&app);
    let slug = newest_slug(&app).await;
    app.state.responses.forget_everything();
    app.sql.take();
    app.get(&format!("/v1/articles/{slug}"), None)
        .await
        .assert_status(200);
    sql.extend(run_since(&app));
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query(
        "CREATE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS \
         $$ DECLARE r text; BEGIN FOR r IN EXECUTE 'EXPLAIN ' || q LOOP RETURN NEXT r; \
         END LOOP; END $$",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query("SET plan_cache_mode = force_generic_plan")
        .execute(&mut conn)
        .unwrap();
    let mut checked = 0;
    for statement in sql
        .iter()
        .filter(|s| (s.starts_with("SELECT") || s.starts_with('(')) && s.contains("\"articles\""))
    {
        let params = (1..100)
            .take_while(|n| statement.contains(&format!("${n}")))
            .count();
        diesel::sql_query(format!("PREPARE plan_check AS {statement}"))
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("PREPARE failed for {statement}: {e}"));
        let nulls = vec!["NULL"; params].join(", ");
        let execute = if params == 0 {
            "EXECUTE plan_check".to_string()
        } else {
            format!("EXECUTE plan_check({nulls})")
        };
        let lines: Vec<String> = diesel::sql_query(format!(
            "SELECT plan_of AS detail FROM pg_temp.plan_of('{execute}')"
        ))
        .load::<PlanRow>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.detail)
        .collect();
        diesel::sql_query("DEALLOCATE plan_check")
            .execute(&mut conn)
            .unwrap();
        let scans: Vec<&String> = lines
            .iter()
            .filter(|l| {
                l.contains("Seq Scan on articles") || l.contains("Seq Scan on former_slugs")
            })
            .collect();
        assert!(
            scans.is_empty(),
            "a sequential scan in the generic plan of\n{statement}\n{}",
            lines.join("\n")
        );
        checked += 1;
    }
    diesel::sql_query("RESET plan_cache_mode")
        .execute(&mut conn)
        .unwrap();
    assert!(checked >= 3, "checked only {checked} statements: {sql:#?}");
}

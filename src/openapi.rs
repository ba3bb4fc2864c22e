//! The OpenAPI 3.1 document: the frame (info, tags, security, shared schemas) here, the
//! operations from the handlers registered in [`crate::routes`].

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};

/// The document's frame.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        description = "A headless JSON API for news articles in English and Ukrainian: \
            articles with tags, authors and translations, for frontends, partner sites and \
            editors' tools.\n\n\
            **Visibility.** Without a key you see published articles whose `published_at` \
            has passed. A key with scope `read` also sees drafts, scheduled and archived \
            articles and the trash; `write` adds changes; `admin` adds permanent deletion.\n\n\
            **Errors** are RFC 9457 `application/problem+json` documents.\n\n\
            **Caching.** Every GET carries a strong `ETag`; send `If-None-Match` for a 304. \
            Writes honour `If-Match` (412 when stale).",
        license(name = "MIT")
    ),
    tags(
        (name = "articles", description = "News articles: read, write, trash, views."),
        (name = "tags", description = "Hashtag-like topics (`#StandWithUkraine`)."),
        (name = "authors", description = "People and organisations credited on articles."),
        (name = "feeds", description = "Syndication for partners: RSS, Atom and JSON Feed, sitemaps, and the change feed for exact mirrors."),
        (name = "webhooks", description = "Signed pushes of article events to partner URLs, with retries and a delivery log (admin)."),
        (name = "media", description = "Images: upload (raw or multipart), cleaned of EXIF/GPS, resized to WebP and original-format variants, served at immutable content-addressed URLs; articles name them as `media:ID`."),
        (name = "operations", description = "Health, readiness and metrics.")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some(
            "An API key made with `newsdesk keys create --name NAME --scope read|write|admin`."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// The frame the routes are added to.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The whole document, as `/openapi.json` serves it.
pub fn spec() -> utoipa::openapi::OpenApi {
    let api = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(crate::routes::configure)
        .split_for_parts()
        .1;
    finish(api)
}

/// Completes the generated document: every operation can fail with 500 (a fault of
/// ours, answered with a problem document and logged) or 503 (overload), documented
/// once and referenced.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{Ref, RefOr};
    add_author_operations(&mut api);
    for (whole, patch) in [
        ("ArticleInput", "ArticlePatch"),
        ("FeatureImage", "FeatureImagePatch"),
    ] {
        copy_constraints(&mut api, whole, patch);
    }
    let internal =
        problem_answer("A fault of the server; the cause is logged, never shown.").build();
    let busy =
        problem_answer("The database is busy (overload); retry after `Retry-After` seconds.")
            .header("Retry-After", integer_header("Seconds to wait."))
            .build();
    let text_header = |description: &str, example: &str| {
        let mut h = utoipa::openapi::HeaderBuilder::new()
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String),
            ))
            .description(Some(description))
            .build();
        h.example = Some(serde_json::json!(example));
        h
    };
    let policy = text_header(
        "The client's quota: `q` requests per `w` seconds (draft-ietf-httpapi-ratelimit-headers).",
        "\"default\";q=600;w=60",
    );
    let remaining = text_header(
        "What is left of the quota: `r` requests, reset in `t` seconds.",
        "\"default\";r=599;t=42",
    );
    let too_many = problem_answer(
        "The client's quota is spent (per key, or per address without one); retry after \
         `Retry-After` seconds.",
    )
    .header(
        "Retry-After",
        integer_header("Seconds until the quota resets."),
    )
    .header("RateLimit-Policy", policy.clone())
    .header("RateLimit", remaining.clone())
    .build();
    let responses = &mut api
        .components
        .get_or_insert_with(Default::default)
        .responses;
    responses.insert("InternalError".into(), RefOr::T(internal));
    responses.insert("Unavailable".into(), RefOr::T(busy));
    responses.insert("TooManyRequests".into(), RefOr::T(too_many));
    responses.insert(
        "HeadersTooLarge".into(),
        RefOr::T(
            problem_answer("The request's headers are larger than `NEWSDESK_MAX_HEADER_BYTES`.")
                .build(),
        ),
    );
    let surrogate_key = text_header(
        "The cache tags of a public answer, space-separated (Fastly, Varnish xkey): what \
         it shows. A commit that changes one of them purges it (`NEWSDESK_PURGE_URL`). \
         Absent on keyed (private) answers.",
        "article:0193b1c8-7c4e-7a0b-9d7e-3f1a2b3c4d5e tag:standwithukraine author:olena-kovalenko all",
    );
    let cache_tag = text_header(
        "The same cache tags comma-separated (Cloudflare, Akamai).",
        "article:0193b1c8-7c4e-7a0b-9d7e-3f1a2b3c4d5e,tag:standwithukraine,author:olena-kovalenko,all",
    );
    for (path, item) in api.paths.paths.iter_mut() {
        if TAGGED.contains(&path.as_str())
            && let Some(RefOr::T(ok)) = item
                .get
                .as_mut()
                .and_then(|op| op.responses.responses.get_mut("200"))
        {
            ok.headers
                .insert("Surrogate-Key".into(), RefOr::T(surrogate_key.clone()));
            ok.headers
                .insert("Cache-Tag".into(), RefOr::T(cache_tag.clone()));
        }
        let quota = path.starts_with("/v1");
        // Every change of a resource honours `If-Match` (412 when stale).
        for (op, basis) in [
            (&mut item.put, "change"),
            (&mut item.patch, "change"),
            (&mut item.delete, "deletion"),
        ] {
            if let Some(op) = op.as_mut().filter(|_| path.contains('{')) {
                add_header_parameter(
                    op,
                    "If-Match",
                    &format!("ETag the {basis} is based on; 412 when stale."),
                );
            }
        }
        // Every read under /v1 answers 304 to a current `If-None-Match`.
        if let Some(op) = item
            .get
            .as_mut()
            .filter(|_| quota && !NOT_CONDITIONAL.contains(&path.as_str()))
        {
            add_header_parameter(
                op,
                "If-None-Match",
                "ETag of a cached copy; 304 when current.",
            );
        }
        let missing = not_found(path);
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            derive_client_errors(op);
            problem_bodies(op);
            if let Some(text) = missing {
                op.responses
                    .responses
                    .entry("404".into())
                    .or_insert_with(|| RefOr::T(problem_answer(text).build()));
            }
            op.responses
                .responses
                .entry("500".into())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name("InternalError")));
            op.responses
                .responses
                .entry("503".into())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Unavailable")));
            op.responses
                .responses
                .entry("431".into())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name("HeadersTooLarge")));
            if quota {
                op.responses
                    .responses
                    .entry("429".into())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("TooManyRequests")));
                // Every answer under /v1 reports the quota.
                for (status, response) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = response
                        && !status.starts_with('5')
                    {
                        r.headers
                            .entry("RateLimit-Policy".into())
                            .or_insert_with(|| RefOr::T(policy.clone()));
                        r.headers
                            .entry("RateLimit".into())
                            .or_insert_with(|| RefOr::T(remaining.clone()));
                    }
                }
            }
        }
    }
    api
}

/// A merge patch takes what the whole body takes, member by member: the limits of each
/// member (length, pattern, count) are stated once, on the whole body's type, and copied
/// here onto the patch's member of the same name. The patch states only what differs:
/// its descriptions, and which members cannot be cleared (`nullable = false`).
fn copy_constraints(api: &mut utoipa::openapi::OpenApi, whole: &str, patch: &str) {
    const LIMITS: [&str; 5] = ["minLength", "maxLength", "pattern", "minItems", "maxItems"];
    let Some(schemas) = api.components.as_mut().map(|c| &mut c.schemas) else {
        return;
    };
    let json = |name: &str| schemas.get(name).and_then(|s| serde_json::to_value(s).ok());
    let (Some(from), Some(mut to)) = (json(whole), json(patch)) else {
        return;
    };
    let Some(members) = to["properties"].as_object_mut() else {
        return;
    };
    for (name, member) in members.iter_mut() {
        for limit in LIMITS {
            let given = &from["properties"][name][limit];
            if !given.is_null() && member.get(limit).is_none() {
                member[limit] = given.clone();
            }
        }
    }
    if let Ok(schema) = serde_json::from_value(to) {
        schemas.insert(patch.to_string(), schema);
    }
}

/// Authors answer exactly as tags do (the same handler bodies with the kind swapped,
/// [`crate::handlers::terms::author_routes`]), so their operations are the tags' with
/// the nouns changed; only deletion differs: an author still credited on an article is
/// not deleted (409), while a deleted tag is taken off its articles.
fn add_author_operations(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    let nouns = |text: &str| {
        text.replace("a tag", "an author")
            .replace("tags", "authors")
            .replace("tag", "author")
    };
    for (from, to) in [
        ("/v1/tags", "/v1/authors"),
        ("/v1/tags/{slug}", "/v1/authors/{slug}"),
    ] {
        let Some(mut item) = api.paths.paths.get(from).cloned() else {
            continue;
        };
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            op.tags = Some(vec!["authors".into()]);
            op.operation_id = op.operation_id.as_deref().map(nouns);
            op.summary = op.summary.as_deref().map(nouns);
        }
        if let Some(delete) = item.delete.as_mut() {
            delete.summary = Some(
                "Delete an author. Refused with 409 while the author is credited on any \
                 article."
                    .into(),
            );
            delete.responses.responses.insert(
                "409".into(),
                RefOr::T(problem_answer("Still in use (authors credited on articles).").build()),
            );
        }
        api.paths.paths.insert(to.into(), item);
    }
}

/// The reads under /v1 that are not conditional: a preview is never stored (`no-store`).
const NOT_CONDITIONAL: &[&str] = &["/v1/previews/{token}"];

/// The reads whose public answers carry cache tags (`Surrogate-Key`, `Cache-Tag`).
const TAGGED: &[&str] = &[
    "/v1/articles",
    "/v1/articles/popular",
    "/v1/articles/{id}",
    "/v1/articles/{id}/related",
    "/v1/authors",
    "/v1/authors/{slug}",
    "/v1/changes",
    "/v1/feeds/{format}",
    "/v1/sitemap-news.xml",
    "/v1/sitemap.xml",
    "/v1/tags",
    "/v1/tags/{slug}",
];

/// What a 404 says on a path naming one resource, unless its operation says more.
fn not_found(path: &str) -> Option<&'static str> {
    if !path.contains('{') {
        return None;
    }
    let resource = path.strip_prefix("/v1/")?.split('/').next()?;
    Some(match resource {
        "articles" => "No article the caller may see has this id or slug.",
        "trash" => "No trashed article has this id or slug.",
        "tags" => "No tag has this slug.",
        "authors" => "No author has this slug.",
        "webhooks" => "No webhook has this id.",
        "media" => "No media item has this id.",
        _ => return None,
    })
}

/// Every error an operation declares is answered with a problem document: a handler
/// names the status and what it means (`(status = 409, description = "…")`), and the
/// body's type is added here unless the handler gives one (to attach an example).
fn problem_bodies(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr};
    for (status, response) in op.responses.responses.iter_mut() {
        if let RefOr::T(r) = response
            && (status.starts_with('4') || status.starts_with('5'))
            && r.content.is_empty()
        {
            r.content.insert(
                crate::error::PROBLEM_JSON.into(),
                RefOr::T(
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                ),
            );
        }
    }
}

/// Adds an optional string header parameter unless the operation declares it.
fn add_header_parameter(op: &mut utoipa::openapi::path::Operation, name: &str, description: &str) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, RefOr, Required};
    let params = op.parameters.get_or_insert_with(Vec::new);
    let declared = params.iter().any(|p| match p {
        RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Header) && p.name == name,
        RefOr::Ref(_) => false,
    });
    if !declared {
        params.push(RefOr::T(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(
                    ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String),
                ))
                .build(),
        ));
    }
}

/// A response whose body is a problem document.
fn problem_answer(description: &str) -> utoipa::openapi::ResponseBuilder {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new().description(description).content(
        crate::error::PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    )
}

/// A response header holding a whole number.
fn integer_header(description: &str) -> utoipa::openapi::Header {
    utoipa::openapi::HeaderBuilder::new()
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Integer),
        ))
        .description(Some(description))
        .build()
}

/// The client errors an operation can answer, derived in one place from what it takes:
/// its security (401 for a bad key; 403 too when a key is required), its query
/// parameters (400) and its body (400, 413, 415, 422). A handler declares only the
/// answers particular to it (404, 409, 412, a 422 with its own rule …); what it declares
/// for one of these statuses is kept.
fn derive_client_errors(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::ParameterIn;
    let security = serde_json::to_value(&op.security).unwrap_or_default();
    let requirements = security.as_array().cloned().unwrap_or_default();
    let keyed = requirements.iter().any(|r| r.get("bearer").is_some());
    // The scope a key needs, where the operation names one (`("bearer" = ["admin"])`).
    let scope = requirements
        .iter()
        .filter_map(|r| r.get("bearer")?.as_array()?.first()?.as_str())
        .next()
        .map(str::to_owned);
    let anonymous = requirements.is_empty()
        || requirements
            .iter()
            .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
    let queried = op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Query),
        RefOr::Ref(_) => false,
    });
    derive_conditional_answers(op);
    let body_types: Vec<String> = match &op.request_body {
        Some(RefOr::T(body)) => body.content.keys().cloned().collect(),
        _ => vec![],
    };
    let mut add = |status: &str, description: String| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem_answer(&description).build()));
    };
    match (keyed, anonymous) {
        (true, false) => {
            add(
                "401",
                "No key, or an unknown, revoked or expired one.".into(),
            );
            add(
                "403",
                match &scope {
                    Some(scope) => format!("The key's scope is too small (`{scope}` needed)."),
                    None => "The key's scope is too small.".into(),
                },
            );
        }
        (true, true) => add("401", "The key is unknown, revoked or expired.".into()),
        _ => {}
    }
    let bad_request = match (queried, !body_types.is_empty()) {
        (true, true) => {
            Some("The body is not valid JSON, or a query parameter is invalid (named in `errors`).")
        }
        (true, false) => Some("A query parameter is invalid (named in `errors`)."),
        (false, true) => Some("The body is not valid JSON."),
        (false, false) => None,
    };
    if let Some(text) = bad_request {
        add("400", text.into());
    }
    if !body_types.is_empty() {
        add(
            "413",
            "The body is larger than `NEWSDESK_BODY_LIMIT`.".into(),
        );
        let types: Vec<String> = body_types.iter().map(|t| format!("`{t}`")).collect();
        add("415", format!("The body is not {}.", types.join(" or ")));
        add(
            "422",
            "Invalid fields, one entry each (named in `errors`).".into(),
        );
    }
}

/// Conditional requests, in one place: an operation that takes `If-Match` can answer
/// 412, and its answer carries the new version's `ETag`; one that answers 304 takes
/// `If-None-Match` (and one that takes it answers 304), and its 200 carries the `ETag`.
fn derive_conditional_answers(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{RefOr, ResponseBuilder};
    let header = |name: &str| {
        op.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Header) && p.name == name,
            RefOr::Ref(_) => false,
        })
    };
    let (if_match, if_none_match) = (header("If-Match"), header("If-None-Match"));
    let responses = &mut op.responses.responses;
    let etag = |description: &str| {
        RefOr::T(
            utoipa::openapi::HeaderBuilder::new()
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String),
                ))
                .description(Some(description))
                .build(),
        )
    };
    if if_match {
        responses.entry("412".into()).or_insert_with(|| {
            RefOr::T(
                problem_answer(
                    "`If-Match` names a stale version (`detail` names the current ETag).",
                )
                .build(),
            )
        });
        for status in ["200", "201"] {
            if let Some(RefOr::T(ok)) = responses.get_mut(status)
                && !ok.content.is_empty()
            {
                ok.headers
                    .entry("ETag".into())
                    .or_insert_with(|| etag("Validator of the new version."));
            }
        }
    }
    let conditional = if_none_match || responses.contains_key("304");
    if conditional {
        responses.entry("304".into()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description("The cached copy is current.")
                    .build(),
            )
        });
        if let Some(RefOr::T(ok)) = responses.get_mut("200") {
            ok.headers
                .entry("ETag".into())
                .or_insert_with(|| etag("Strong validator."));
        }
        add_header_parameter(
            op,
            "If-None-Match",
            "ETag of a cached copy; 304 when current.",
        );
    }
}

/// The document as pretty JSON with a final newline (the committed form).
pub fn spec_json() -> String {
    let mut s = spec().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

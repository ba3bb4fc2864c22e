//! Changes to an article: create, replace (PUT), merge patch, delete (trash or purge),
//! restore — each one write through the store's writer, guarded by `If-Match`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, delete, patch, post, put};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::{Addressed, location, parse_input, written};
use crate::db::{self, StoreError};
use crate::domain::access::Scope;
use crate::domain::article as rules;
use crate::error::{ApiError, FieldError};
use crate::http::auth::{Keyed, Write};
use crate::http::body::{self, JsonBody};
use crate::http::context::Cx;
use crate::http::paths::ArticleKey;
use crate::http::query::Query;
use crate::wire::article::{Article, ArticleInput, ArticlePatch};

/// Options of DELETE.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    /// `true` deletes for good instead of moving to the trash; needs an admin key.
    pub permanent: Option<bool>,
}

/// Create an article.
///
/// Tags are given by name (new names create tags), authors by slug (each must exist).
/// The slug is generated from the title when absent (Ukrainian КМУ 2010
/// transliteration), with `-2`, `-3`… when taken.
#[utoipa::path(
    tag = "articles",
    request_body(content = ArticleInput, content_type = "application/json"),
    security(("bearer" = ["write"])),
    responses(
        (status = 201, description = "Created.", body = Article,
            headers(("Location" = String, description = "URL of the new article."),
                    ("ETag" = String, description = "Validator of the new version."))),
        (status = 409, description = "The slug, or the story's version in this language, exists."),
        (status = 422, description = "Invalid fields, one entry each; server-owned fields named.")
    )
)]
#[post("/articles")]
pub async fn create_article(
    cx: Cx<Keyed<Write>>,
    body: JsonBody<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse_input(&body, &cx.state).await?;
    let caller = cx.auth.0.clone();
    let rec = db::write(&cx.state.pool, move |conn| {
        let draft = parsed.in_write(conn)?;
        db::articles::create(conn, &draft, &caller)
    })
    .await?;
    let loc = location(&cx.state, &rec.row.id);
    let mut res = written(&cx.state, StatusCode::CREATED, rec);
    if let Ok(v) = header::HeaderValue::from_str(&loc) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Replace an article.
///
/// A full replacement (PUT): absent optional fields are cleared; an absent `slug` keeps
/// the current one, and an absent `published_at` keeps the current publication time.
#[utoipa::path(
    tag = "articles",
    params(ArticleKey),
    request_body(content = ArticleInput, content_type = "application/json"),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "Replaced.", body = Article),
        (status = 409, description = "Slug or language taken, or the article is in the trash.")
    )
)]
#[put("/articles/{id}")]
pub async fn replace_article(
    cx: Cx<Keyed<Write>>,
    article: Addressed,
    body: JsonBody<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse_input(&body, &cx.state).await?;
    let rec = article
        .write(&cx.state, cx.auth.0.clone(), move |conn, target| {
            db::articles::update(conn, target.pk, target.caller, "updated", |conn, row| {
                target.check(conn, row)?;
                parsed.in_write(conn)
            })
        })
        .await?;
    Ok(written(&cx.state, StatusCode::OK, rec))
}

/// Change some fields of an article (JSON Merge Patch, RFC 7396).
///
/// Send only what changes; `null` clears an optional field. The patch is applied to the
/// stored article and the result validated as a whole, in one transaction.
#[utoipa::path(
    tag = "articles",
    params(ArticleKey),
    request_body(description = "Any subset of the article's writable fields.",
        content(
            (ArticlePatch = "application/merge-patch+json", example = json!({"title": "Unity Day: communities in 40 countries", "featured": false})),
            (ArticlePatch = "application/json")
        )),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "Changed.", body = Article),
        (status = 409, description = "Slug or language taken, or the article is in the trash."),
        (status = 422, description = "The patched article is invalid, one entry per field.")
    )
)]
#[patch("/articles/{id}")]
pub async fn update_article(
    cx: Cx<Keyed<Write>>,
    article: Addressed,
    body: JsonBody<ArticlePatch>,
) -> Result<HttpResponse, ApiError> {
    // The patch's own shape: unknown members (even `{"x": null}`, which a merge would
    // silently drop) and wrong types are 422s naming them; the object is what merges.
    let (_, patch) = body.parse_with_object()?;
    let cleared: Vec<FieldError> = ArticlePatch::NOT_NULL
        .iter()
        .filter(|f| patch.get(**f).is_some_and(Value::is_null))
        .map(|f| FieldError::new(*f, "cannot be cleared"))
        .collect();
    if !cleared.is_empty() {
        return Err(ApiError::invalid(cleared));
    }
    let language = cx.state.config.default_language.clone();
    let base = cx.state.config.media_url.clone();
    let rec = article
        .write(&cx.state, cx.auth.0.clone(), move |conn, target| {
            db::articles::update(conn, target.pk, target.caller, "updated", |conn, row| {
                // Loaded once: the precondition and the merge's base.
                let current = db::articles::load_by_pk(conn, target.caller, row.pk, db::now_utc())?;
                target.check_loaded(&current)?;
                let mut doc = serde_json::to_value(current.input()).map_err(StoreError::failed)?;
                json_patch::merge(&mut doc, &Value::Object(patch));
                let input: ArticleInput =
                    body::shaped(doc).map_err(|e| StoreError::Invalid(vec![e]))?;
                let media = crate::handlers::media::catalog_in(conn, &base, &input)?;
                rules::validate(input, &language, db::now_utc(), &media)
                    .map_err(StoreError::Invalid)
            })
        })
        .await?;
    Ok(written(&cx.state, StatusCode::OK, rec))
}

/// Delete an article.
///
/// Moves it to the trash (restorable, listed at `/v1/trash`), or deletes it for good
/// with `permanent=true` (admin scope).
#[utoipa::path(
    tag = "articles",
    params(
        ArticleKey,
        DeleteParams
    ),
    security(("bearer" = ["write"])),
    responses(
        (status = 204, description = "Moved to the trash, or deleted for good."),
        (status = 403, description = "The key's scope is too small (`permanent` needs admin)."),
        (status = 409, description = "Already in the trash (delete with `permanent=true` to purge).")
    )
)]
#[delete("/articles/{id}")]
pub async fn delete_article(
    cx: Cx,
    article: Addressed,
    params: Query<DeleteParams>,
) -> Result<HttpResponse, ApiError> {
    let permanent = params.permanent.unwrap_or(false);
    cx.auth.require(if permanent {
        Scope::Admin
    } else {
        Scope::Write
    })?;
    article
        .write(&cx.state, cx.auth.0.clone(), move |conn, target| {
            let check = |conn: &mut db::AnyConnection, row: &db::articles::ArticleRow| {
                target.check(conn, row)
            };
            if permanent {
                db::articles::purge(conn, target.pk, &check)
            } else {
                db::articles::trash(conn, target.pk, target.caller, &check)
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restore an article from the trash.
#[utoipa::path(
    tag = "articles",
    params(
        ArticleKey,
        ("If-Match" = Option<String>, Header, description = "ETag of the trashed article; 412 when stale.")
    ),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "Restored, with its former status.", body = Article),
        (status = 409, description = "The article is not in the trash.")
    )
)]
#[post("/articles/{id}/restore")]
pub async fn restore_article(
    cx: Cx<Keyed<Write>>,
    article: Addressed,
) -> Result<HttpResponse, ApiError> {
    let rec = article
        .write(&cx.state, cx.auth.0.clone(), |conn, target| {
            db::articles::restore(conn, target.pk, target.caller, &|conn, row| {
                target.check(conn, row)
            })
        })
        .await?;
    Ok(written(&cx.state, StatusCode::OK, rec))
}

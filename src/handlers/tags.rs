//! Tag endpoints: list, create, read, change and delete tags (`#StandWithUkraine`); the
//! behaviour shared with authors is in `terms`.

use actix_web::{HttpResponse, delete, get, patch, post, web};

use crate::db::terms::TermKind;
use crate::error::ApiError;
use crate::handlers::terms;
use crate::http::auth::{Keyed, Write};
use crate::http::body::JsonBody;
use crate::http::conditional::IfMatch;
use crate::http::context::Cx;
use crate::http::paging::PageParams;
use crate::http::paths::TermSlug;
use crate::http::query::Query;
use crate::wire::term::{Term, TermInput, TermPage, TermPatch};

/// List tags by slug, with their counts of public articles.
#[utoipa::path(
    tag = "tags",
    params(PageParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page.", body = TermPage)
    )
)]
#[get("/tags")]
pub async fn list_tags(cx: Cx, params: Query<PageParams>) -> Result<HttpResponse, ApiError> {
    terms::list(TermKind::Tag, cx, params.into_inner()).await
}

/// Create a tag.
#[utoipa::path(
    tag = "tags",
    request_body(content = TermInput, content_type = "application/json"),
    security(("bearer" = ["write"])),
    responses(
        (status = 201, description = "Created.", body = Term,
            headers(("Location" = String, description = "URL of the new resource."), ("ETag" = String, description = "Validator."))),
        (status = 409, description = "The slug is taken.")
    )
)]
#[post("/tags")]
pub async fn create_tag(
    cx: Cx<Keyed<Write>>,
    body: JsonBody<TermInput>,
) -> Result<HttpResponse, ApiError> {
    terms::create(TermKind::Tag, cx, body).await
}

/// Get one of the tags by slug, with its count of public articles.
#[utoipa::path(
    tag = "tags",
    params(TermSlug),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Found.", body = Term,
            headers(("ETag" = String, description = "Validator; send it as If-Match when writing."), ("Last-Modified" = String, description = "HTTP date of the last change.")))
    )
)]
#[get("/tags/{slug}")]
pub async fn get_tag(cx: Cx, term: web::Path<TermSlug>) -> Result<HttpResponse, ApiError> {
    terms::fetch(TermKind::Tag, cx, term.into_inner().slug).await
}

/// Change a tag (JSON Merge Patch); a new slug replaces the old one.
#[utoipa::path(
    tag = "tags",
    params(TermSlug),
    request_body(content(
        (TermPatch = "application/merge-patch+json"),
        (TermPatch = "application/json")
    )),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "Changed.", body = Term),
        (status = 409, description = "The new slug is taken.")
    )
)]
#[patch("/tags/{slug}")]
pub async fn update_tag(
    cx: Cx<Keyed<Write>>,
    term: web::Path<TermSlug>,
    if_match: IfMatch,
    body: JsonBody<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    let slug = term.into_inner().slug;
    terms::update(TermKind::Tag, cx, slug, if_match, body).await
}

/// Delete a tag. Articles lose the tag.
#[utoipa::path(
    tag = "tags",
    params(TermSlug),
    security(("bearer" = ["write"])),
    responses(
        (status = 204, description = "Deleted.")
    )
)]
#[delete("/tags/{slug}")]
pub async fn delete_tag(
    cx: Cx<Keyed<Write>>,
    term: web::Path<TermSlug>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let slug = term.into_inner().slug;
    terms::remove(TermKind::Tag, cx, slug, if_match).await
}

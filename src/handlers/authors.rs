//! Author endpoints: list, create, read, change and delete the people and organisations
//! credited on articles; the behaviour shared with tags is in `terms`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::db::terms::TermKind;
use crate::error::ApiError;
use crate::handlers::terms::{self, ListParams};
use crate::http::auth::Auth;
use crate::http::body::JsonBody;
use crate::http::query::Query;
use crate::state::AppState;
use crate::wire::term::{Term, TermInput, TermPage, TermPatch};

/// List authors by slug, with their counts of public articles.
#[utoipa::path(
    tag = "authors",
    params(ListParams, ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; 304 when current.")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page.", body = TermPage, headers(("ETag" = String, description = "Strong validator of this page.")))
    )
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    terms::list(TermKind::Author, req, state, auth, params.into_inner()).await
}

/// Create an author.
#[utoipa::path(
    tag = "authors",
    request_body(content = TermInput, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created.", body = Term,
            headers(("Location" = String, description = "URL of the new resource."), ("ETag" = String, description = "Validator."))),
        (status = 409, description = "The slug is taken.", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/authors")]
pub async fn create_author(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<TermInput>,
) -> Result<HttpResponse, ApiError> {
    terms::create(TermKind::Author, state, auth, body).await
}

/// Get one of the authors by slug, with its count of public articles.
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "The slug."), ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; 304 when current.")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Found.", body = Term,
            headers(("ETag" = String, description = "Validator; send it as If-Match when writing."), ("Last-Modified" = String, description = "HTTP date of the last change."))),
        (status = 404, description = "Nothing has this slug.", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/authors/{slug}")]
pub async fn get_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    terms::fetch(TermKind::Author, req, state, auth, slug.into_inner()).await
}

/// Change an author (JSON Merge Patch); a new slug replaces the old one.
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "The current slug."), ("If-Match" = Option<String>, Header, description = "ETag the change is based on; 412 when stale.")),
    request_body(content(
        (TermPatch = "application/merge-patch+json"),
        (TermPatch = "application/json")
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed.", body = Term, headers(("ETag" = String, description = "Validator."))),
        (status = 404, description = "Nothing has this slug.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken.", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[patch("/authors/{slug}")]
pub async fn update_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    slug: web::Path<String>,
    body: JsonBody<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    terms::update(TermKind::Author, req, state, auth, slug.into_inner(), body).await
}

/// Delete an author. Refused with 409 while the author is credited on any article.
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "The slug."), ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on; 412 when stale.")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "Nothing has this slug.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still in use (authors credited on articles).", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[delete("/authors/{slug}")]
pub async fn delete_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    terms::remove(TermKind::Author, req, state, auth, slug.into_inner()).await
}

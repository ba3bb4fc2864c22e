//! Tag and author endpoints. Both kinds behave the same, so the handlers are written
//! once (`list`, `create`, …) and stamped out per kind, with their OpenAPI docs, by
//! `term_handlers!`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::db::{
    self,
    terms::{TermChange, TermKind, TermRecord},
};
use crate::domain::access::Scope;
use crate::domain::article::{TextRule, check_text, term_from_name};
use crate::domain::slug::is_valid_slug;
use crate::error::{ApiError, FieldError};
use crate::handlers::articles::list::PageParams as ListParams;
use crate::http::auth::Auth;
use crate::http::body::JsonBody;
use crate::http::conditional::{self, IfMatch, Validators};
use crate::http::paging;
use crate::http::query::Query;
use crate::state::AppState;
use crate::wire::article::PageMeta;
use crate::wire::term::{Term, TermInput, TermPage, TermPatch};

const MAX_DESCRIPTION: usize = 2000;

/// A term's validators: a hash of it, and the store's last change (its
/// `article_count` moves with articles, not with the term).
fn validators(term: &Term, changed: Option<&str>) -> Validators {
    // The whole representation, article_count included, so a cached copy never keeps a
    // stale count (an If-Match sent after the count moved is answered 412: fetch again).
    let bytes = serde_json::to_vec(term).unwrap_or_default();
    Validators {
        etag: conditional::hashed_etag(&bytes),
        last_modified: changed.and_then(crate::domain::time::http_date),
    }
}

fn etag_of(rec: &TermRecord) -> String {
    validators(&Term::from(rec.clone()), None).etag
}

fn check_description(errors: &mut Vec<FieldError>, d: Option<&str>) {
    if let Some(Err(m)) = d.map(|d| check_text(d, TextRule::Text, MAX_DESCRIPTION)) {
        errors.push(FieldError::new("description", m));
    }
}

async fn list(
    kind: TermKind,
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    params: ListParams,
) -> Result<HttpResponse, ApiError> {
    let limit = paging::limit(params.limit, 20, 100)?;
    let after = params
        .cursor
        .map(|c| paging::decode(&c, 1))
        .transpose()?
        .map(|mut p| p.remove(0));
    let caller = auth.0.clone();
    let (records, more, total, changed) = db::run(&state.pool, move |conn| {
        let (records, more, total) = (kind.ops().list)(conn, &caller, limit, after.as_deref())?;
        Ok((records, more, total, db::last_change(conn, &db::now())?))
    })
    .await?;
    let next_cursor = if more {
        records.last().map(|r| paging::encode(&[&r.slug]))
    } else {
        None
    };
    let body = TermPage {
        data: records.into_iter().map(Term::from).collect(),
        meta: PageMeta {
            limit,
            next_cursor,
            total,
            page: None,
        },
    };
    let bytes = serde_json::to_vec(&body).map_err(ApiError::internal)?;
    let v = Validators {
        etag: conditional::hashed_etag(&bytes),
        last_modified: changed.as_deref().and_then(crate::domain::time::http_date),
    };
    let cache = conditional::cache_control(&auth.0, &state.config);
    Ok(conditional::respond(&req, &v, &cache, &body))
}

async fn fetch(
    kind: TermKind,
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    slug: String,
) -> Result<HttpResponse, ApiError> {
    let caller = auth.0.clone();
    let (rec, changed) = db::run(&state.pool, move |conn| {
        let rec = (kind.ops().find)(conn, &caller, &slug)?;
        Ok((rec, db::last_change(conn, &db::now())?))
    })
    .await?;
    let term = Term::from(rec);
    let cache = conditional::cache_control(&auth.0, &state.config);
    Ok(conditional::respond(
        &req,
        &validators(&term, changed.as_deref()),
        &cache,
        &term,
    ))
}

fn written(status: StatusCode, rec: TermRecord) -> HttpResponse {
    let term = Term::from(rec);
    let changed = crate::domain::time::format(term.updated_at);
    conditional::written(status, &validators(&term, Some(&changed))).json(term)
}

async fn create(
    kind: TermKind,
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<TermInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::Write)?;
    let input = body.parse()?;
    let mut errors = Vec::new();
    let (derived, name) = term_from_name(&input.name).unwrap_or_else(|m| {
        errors.push(FieldError::new("name", m));
        Default::default()
    });
    let slug = input.slug.unwrap_or(derived);
    if !errors.iter().any(|e| e.field == "name") && !is_valid_slug(&slug) {
        errors.push(FieldError::new(
            "slug",
            "must be lowercase a-z, 0-9 and single hyphens, at most 120 characters",
        ));
    }
    check_description(&mut errors, input.description.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let description = input.description;
    let rec = db::write(&state.pool, move |conn| {
        (kind.ops().create)(conn, &slug, &name, description.as_deref())
    })
    .await?;
    let loc = format!(
        "{}/v1/{}s/{}",
        state.config.public_url,
        kind.noun(),
        rec.slug
    );
    let mut res = written(StatusCode::CREATED, rec);
    if let Ok(v) = header::HeaderValue::from_str(&loc) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

fn change_from(patch: TermPatch) -> Result<TermChange, ApiError> {
    let mut errors = Vec::new();
    let name = match patch.name {
        None => None,
        Some(None) => {
            errors.push(FieldError::new("name", "cannot be removed"));
            None
        }
        Some(Some(n)) => term_from_name(&n)
            .map(|t| t.1)
            .map_err(|m| errors.push(FieldError::new("name", m)))
            .ok(),
    };
    let slug = match patch.slug {
        None => None,
        Some(Some(s)) if is_valid_slug(&s) => Some(s),
        Some(_) => {
            errors.push(FieldError::new(
                "slug",
                "must be lowercase a-z, 0-9 and single hyphens, at most 120 characters",
            ));
            None
        }
    };
    check_description(
        &mut errors,
        patch.description.as_ref().and_then(|d| d.as_deref()),
    );
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    Ok(TermChange {
        slug,
        name,
        description: patch.description,
    })
}

async fn update(
    kind: TermKind,
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    slug: String,
    body: JsonBody<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::Write)?;
    let patch = body.parse()?;
    let change = change_from(patch)?;
    let if_match = IfMatch::from_request(&req);
    let rec = db::write(&state.pool, move |conn| {
        (kind.ops().update)(conn, &slug, &change, &|cur| {
            if_match.check_stored(&etag_of(cur))
        })
    })
    .await?;
    Ok(written(StatusCode::OK, rec))
}

async fn remove(
    kind: TermKind,
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    slug: String,
) -> Result<HttpResponse, ApiError> {
    auth.require(Scope::Write)?;
    let if_match = IfMatch::from_request(&req);
    db::write(&state.pool, move |conn| {
        (kind.ops().delete)(conn, &slug, &|conn, cur| {
            if_match.check_stored(&etag_of(cur))?;
            let linked = (kind.ops().links)(conn, &cur.slug)?;
            if kind == TermKind::Author && linked > 0 {
                return Err(db::StoreError::conflict(format!(
                    "The author is credited on {linked} article(s); remove them from those first."
                )));
            }
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

macro_rules! term_handlers {
    (
        kind: $kind:expr, tag: $tag:literal, noun: $noun:literal,
        collection: $collection:literal, item: $item:literal,
        list: $list:ident, create: $create:ident, get: $get:ident, update: $update:ident, delete: $delete:ident,
        delete_note: $delete_note:literal
    ) => {
        #[doc = concat!("List ", $tag, " by slug, with their counts of public articles.")]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("List ", $tag, " by slug, with their counts of public articles."),
            params(ListParams, ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; 304 when current.")),
            security((), ("bearer" = [])),
            responses(
                (status = 200, description = "A page.", body = TermPage, headers(("ETag" = String, description = "Strong validator of this page."))),
                (status = 304, description = "The cached copy is current.")
            )
        )]
        #[get($collection)]
        pub async fn $list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, params: Query<ListParams>) -> Result<HttpResponse, ApiError> {
            list($kind, req, state, auth, params.into_inner()).await
        }

        #[doc = concat!("Create a", $noun, ".")]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Create a", $noun, "."),
            request_body(content = TermInput, content_type = "application/json"),
            security(("bearer" = [])),
            responses(
                (status = 201, description = "Created.", body = Term,
                    headers(("Location" = String, description = "URL of the new resource."), ("ETag" = String, description = "Validator."))),
                (status = 409, description = "The slug is taken.", body = crate::error::Problem, content_type = "application/problem+json")
            )
        )]
        #[post($collection)]
        pub async fn $create(state: web::Data<AppState>, auth: Auth, body: JsonBody<TermInput>) -> Result<HttpResponse, ApiError> {
            create($kind, state, auth, body).await
        }

        #[doc = concat!("Get one of the ", $tag, " by slug, with its count of public articles.")]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Get one of the ", $tag, " by slug, with its count of public articles."),
            params(("slug" = String, Path, description = "The slug."), ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; 304 when current.")),
            security((), ("bearer" = [])),
            responses(
                (status = 200, description = "Found.", body = Term,
                    headers(("ETag" = String, description = "Validator; send it as If-Match when writing."), ("Last-Modified" = String, description = "HTTP date of the last change."))),
                (status = 304, description = "The cached copy is current."),
                (status = 404, description = "Nothing has this slug.", body = crate::error::Problem, content_type = "application/problem+json")
            )
        )]
        #[get($item)]
        pub async fn $get(req: HttpRequest, state: web::Data<AppState>, auth: Auth, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
            fetch($kind, req, state, auth, slug.into_inner()).await
        }

        #[doc = concat!("Change a", $noun, " (JSON Merge Patch); a new slug replaces the old one.")]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Change a", $noun, " (JSON Merge Patch); a new slug replaces the old one."),
            params(("slug" = String, Path, description = "The current slug."), ("If-Match" = Option<String>, Header, description = "ETag the change is based on; 412 when stale.")),
            request_body(content(
                (TermPatch = "application/merge-patch+json"),
                (TermPatch = "application/json")
            )),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Changed.", body = Term, headers(("ETag" = String, description = "Validator."))),
                (status = 404, description = "Nothing has this slug.", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The new slug is taken.", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "`If-Match` names a stale version.", body = crate::error::Problem, content_type = "application/problem+json")
            )
        )]
        #[patch($item)]
        pub async fn $update(req: HttpRequest, state: web::Data<AppState>, auth: Auth, slug: web::Path<String>, body: JsonBody<TermPatch>) -> Result<HttpResponse, ApiError> {
            update($kind, req, state, auth, slug.into_inner(), body).await
        }

        #[doc = concat!("Delete a", $noun, ". ", $delete_note)]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Delete a", $noun, ". ", $delete_note),
            params(("slug" = String, Path, description = "The slug."), ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on; 412 when stale.")),
            security(("bearer" = [])),
            responses(
                (status = 204, description = "Deleted."),
                (status = 404, description = "Nothing has this slug.", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Still in use (authors credited on articles).", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "`If-Match` names a stale version.", body = crate::error::Problem, content_type = "application/problem+json")
            )
        )]
        #[delete($item)]
        pub async fn $delete(req: HttpRequest, state: web::Data<AppState>, auth: Auth, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
            remove($kind, req, state, auth, slug.into_inner()).await
        }
    };
}

term_handlers!(
    kind: TermKind::Tag, tag: "tags", noun: " tag",
    collection: "/tags", item: "/tags/{slug}",
    list: list_tags, create: create_tag, get: get_tag, update: update_tag, delete: delete_tag,
    delete_note: "Articles lose the tag."
);

term_handlers!(
    kind: TermKind::Author, tag: "authors", noun: "n author",
    collection: "/authors", item: "/authors/{slug}",
    list: list_authors, create: create_author, get: get_author, update: update_author, delete: delete_author,
    delete_note: "Refused with 409 while the author is credited on any article."
);

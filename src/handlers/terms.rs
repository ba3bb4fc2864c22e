//! What tags and authors share: their handlers' bodies (`list`, `create`, `fetch`,
//! `update`, `remove`), each taking the kind. `tags.rs` holds the tag routes and their
//! OpenAPI docs; authors answer exactly as tags do, so their routes are these bodies with
//! the kind `Author` ([`author_routes`]) and their docs are the tags' with the nouns
//! changed (in `openapi.rs`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::{
    self,
    terms::{TermChange, TermKind, TermRecord},
};
use crate::domain::article::{TextRule, check_text, term_from_name};
use crate::domain::slug::Slug;
use crate::error::{ApiError, FieldError};
use crate::http::auth::{Keyed, Write};
use crate::http::body::JsonBody;
use crate::http::conditional::{self, IfMatch, Validators};
use crate::http::context::Cx;
use crate::http::paging;
use crate::http::paging::PageParams;
use crate::http::paths::TermSlug;
use crate::http::query::Query;
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

pub(crate) async fn list(
    kind: TermKind,
    cx: Cx,
    params: PageParams,
) -> Result<HttpResponse, ApiError> {
    let limit = paging::limit(params.limit, 20, 100)?;
    let after = params
        .cursor
        .map(|c| paging::decode(&c, 1))
        .transpose()?
        .map(|mut p| p.remove(0));
    let caller = cx.auth.0.clone();
    let (records, more, total, changed) = db::run(&cx.state.pool, move |conn| {
        let (records, more, total) = (kind.ops().list)(conn, &caller, limit, after.as_deref())?;
        Ok((records, more, total, db::last_change(conn, db::now_utc())?))
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
    let res = conditional::respond_page(
        &cx.req,
        &cx.auth.0,
        &cx.state.config,
        &body,
        changed.as_deref(),
    )?;
    Ok(crate::http::cache::tagged(res, [kind.list_tag()]))
}

pub(crate) async fn fetch(kind: TermKind, cx: Cx, slug: String) -> Result<HttpResponse, ApiError> {
    let caller = cx.auth.0.clone();
    let (rec, changed) = db::run(&cx.state.pool, move |conn| {
        let rec = (kind.ops().find)(conn, &caller, &slug)?;
        Ok((rec, db::last_change(conn, db::now_utc())?))
    })
    .await?;
    let term = Term::from(rec);
    let cache = conditional::cache_control(&cx.auth.0, &cx.state.config);
    let res = conditional::respond(
        &cx.req,
        &validators(&term, changed.as_deref()),
        &cache,
        &term,
    );
    // Its article_count moves with the articles: the list's tag carries that.
    Ok(crate::http::cache::tagged(
        res,
        [kind.cache_tag(&term.slug), kind.list_tag().to_string()],
    ))
}

fn written(status: StatusCode, rec: TermRecord) -> HttpResponse {
    let term = Term::from(rec);
    let changed = crate::domain::time::format(term.updated_at);
    conditional::written(status, &validators(&term, Some(&changed))).json(term)
}

pub(crate) async fn create(
    kind: TermKind,
    cx: Cx<Keyed<Write>>,
    body: JsonBody<TermInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.parse()?;
    let mut errors = Vec::new();
    let (derived, name) = term_from_name(&input.name).unwrap_or_else(|m| {
        errors.push(FieldError::new("name", m));
        Default::default()
    });
    let given = input.slug.is_some();
    let slug = Slug::parse(&input.slug.unwrap_or(derived));
    // A slug derived from a bad name is not a second error; a bad slug given is.
    if let Err(m) = &slug
        && (given || errors.is_empty())
    {
        errors.push(FieldError::new("slug", m.clone()));
    }
    check_description(&mut errors, input.description.as_deref());
    let (true, Ok(slug)) = (errors.is_empty(), slug) else {
        return Err(ApiError::invalid(errors));
    };
    let description = input.description;
    let rec = db::write(&cx.state.pool, move |conn| {
        (kind.ops().create)(conn, slug.as_str(), &name, description.as_deref())
    })
    .await?;
    let loc = format!(
        "{}/v1/{}s/{}",
        cx.state.config.public_url,
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
    // `null` is no slug at all: refused as an empty one is.
    let slug = patch.slug.and_then(|s| {
        Slug::parse(s.as_deref().unwrap_or_default())
            .map(String::from)
            .map_err(|m| errors.push(FieldError::new("slug", m)))
            .ok()
    });
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

pub(crate) async fn update(
    kind: TermKind,
    cx: Cx<Keyed<Write>>,
    slug: String,
    if_match: IfMatch,
    body: JsonBody<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.parse()?;
    let change = change_from(patch)?;
    let rec = db::write(&cx.state.pool, move |conn| {
        (kind.ops().update)(conn, &slug, &change, &|cur| {
            if_match.check_stored(&etag_of(cur))
        })
    })
    .await?;
    Ok(written(StatusCode::OK, rec))
}

pub(crate) async fn remove(
    kind: TermKind,
    cx: Cx<Keyed<Write>>,
    slug: String,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    db::write(&cx.state.pool, move |conn| {
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

/// The author routes (`/authors`, `/authors/{slug}`): the tag handlers' bodies with the
/// kind `Author`. Their operations in the OpenAPI document are derived from the tags'.
pub(crate) fn author_routes(cfg: &mut ServiceConfig) {
    const KIND: TermKind = TermKind::Author;
    cfg.route(
        "/authors",
        web::get().to(|cx: Cx, params: Query<PageParams>| list(KIND, cx, params.into_inner())),
    )
    .route(
        "/authors",
        web::post().to(|cx: Cx<Keyed<Write>>, body: JsonBody<TermInput>| create(KIND, cx, body)),
    )
    .route(
        "/authors/{slug}",
        web::get().to(|cx: Cx, term: web::Path<TermSlug>| fetch(KIND, cx, term.into_inner().slug)),
    )
    .route(
        "/authors/{slug}",
        web::patch().to(
            |cx: Cx<Keyed<Write>>,
             term: web::Path<TermSlug>,
             if_match: IfMatch,
             body: JsonBody<TermPatch>| {
                update(KIND, cx, term.into_inner().slug, if_match, body)
            },
        ),
    )
    .route(
        "/authors/{slug}",
        web::delete().to(
            |cx: Cx<Keyed<Write>>, term: web::Path<TermSlug>, if_match: IfMatch| {
                remove(KIND, cx, term.into_inner().slug, if_match)
            },
        ),
    );
}

//! An article's revision history: list, read one, restore one (as a new revision).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};

use crate::db;
use crate::domain::article as rules;
use crate::error::ApiError;
use crate::handlers::articles::{Addressed, written};
use crate::http::auth::{Keyed, Read, Write};
use crate::http::conditional;
use crate::http::context::Cx;
use crate::http::paths::{ArticleKey, RevisionKey};
use crate::wire::article::{Article, ArticleInput};
use crate::wire::revision::{Revision, RevisionList, RevisionSummary};

/// An article's revision history.
///
/// One revision per change (create, update, trash, restore, revert), oldest first, each
/// with the key that made it. Kept while the article is in the trash; gone when it is
/// deleted for good.
#[utoipa::path(
    tag = "articles",
    params(ArticleKey),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "Every revision, oldest first.", body = RevisionList)
    )
)]
#[get("/articles/{id}/revisions")]
pub async fn list_revisions(
    cx: Cx<Keyed<Read>>,
    article: web::Path<ArticleKey>,
) -> Result<HttpResponse, ApiError> {
    let key = article.into_inner().id;
    let rows = db::run(&cx.state.pool, move |conn| {
        let pk = db::articles::pk_of(conn, &key)?;
        Ok(db::articles::revisions::list(conn, pk)?)
    })
    .await?;
    let body = RevisionList {
        data: rows.iter().map(RevisionSummary::from).collect(),
    };
    conditional::respond_hashed(&cx.req, &cx.auth.0, &cx.state.config, &body)
}

/// One revision, with the article's writable state after it.
#[utoipa::path(
    tag = "articles",
    params(
        RevisionKey
    ),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The revision.", body = Revision),
        (status = 404, description = "No such article or revision.")
    )
)]
#[get("/articles/{id}/revisions/{n}")]
pub async fn get_revision(
    cx: Cx<Keyed<Read>>,
    revision: web::Path<RevisionKey>,
) -> Result<HttpResponse, ApiError> {
    let RevisionKey { id: key, n } = revision.into_inner();
    let row = db::run(&cx.state.pool, move |conn| {
        let pk = db::articles::pk_of(conn, &key)?;
        db::articles::revisions::get(conn, pk, n)
    })
    .await?;
    let article: ArticleInput = serde_json::from_str(&row.snapshot).map_err(ApiError::internal)?;
    let body = Revision {
        summary: RevisionSummary::from(&row),
        article,
    };
    conditional::respond_hashed(&cx.req, &cx.auth.0, &cx.state.config, &body)
}

/// Restore a revision.
///
/// Writes the revision's state over the article as a PUT would (validated the same way;
/// the slug, tags and authors must still be free or exist) and records it as a new
/// revision, `reverted to N`. `If-Match` guards against restoring over an edit you have
/// not seen.
#[utoipa::path(
    tag = "articles",
    params(
        RevisionKey,
        ("If-Match" = Option<String>, Header, description = "ETag the restore is based on; 412 when stale.")
    ),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "Restored; the article as it now is.", body = Article),
        (status = 404, description = "No such article or revision."),
        (status = 409, description = "The article is in the trash, the revision's slug or language is taken now, or what it names is gone (a media item or an author deleted since)."),
    )
)]
#[post("/articles/{id}/revisions/{n}/restore")]
pub async fn restore_revision(
    cx: Cx<Keyed<Write>>,
    article: Addressed,
    revision: web::Path<RevisionKey>,
) -> Result<HttpResponse, ApiError> {
    let n = revision.into_inner().n;
    let language = cx.state.config.default_language.clone();
    let base = cx.state.config.media_url.clone();
    let rec = article
        .write(&cx.state, cx.auth.0.clone(), move |conn, target| {
            let row = db::articles::revisions::get(conn, target.pk, n)?;
            let input: ArticleInput =
                serde_json::from_str(&row.snapshot).map_err(db::StoreError::failed)?;
            let label = format!("reverted to {n}");
            // What the revision names may be gone since (a media item or an author
            // deleted): the revision stands, it just cannot be restored as it is now — a
            // conflict, not a fault of a request that carries no body.
            db::articles::update(conn, target.pk, target.caller, &label, |conn, current| {
                target.check(conn, current)?;
                let media = crate::handlers::media::catalog_in(conn, &base, &input)?;
                rules::validate(input, &language, db::now_utc(), &media)
                    .map_err(|e| unrestorable(&e))
            })
            .map_err(|e| match e {
                db::StoreError::Invalid(errors) => unrestorable(&errors),
                other => other,
            })
        })
        .await?;
    Ok(written(&cx.state, StatusCode::OK, rec))
}

/// The conflict a revision that no longer passes validation answers with.
fn unrestorable(errors: &[crate::domain::errors::FieldError]) -> db::StoreError {
    db::StoreError::conflict(format!(
        "The revision cannot be restored as it is: {}.",
        errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

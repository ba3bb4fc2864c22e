//! Draft previews: a signed, expiring link that shows one article — whatever its
//! status — to anyone holding it, without a key, and nothing else.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db;
use crate::domain::access::{Caller, Scope};
use crate::domain::{preview, quota, time};
use crate::error::ApiError;
use crate::http::auth::{Keyed, Write};
use crate::http::body::{Body, JsonBody};
use crate::http::context::Cx;
use crate::http::paths::ArticleKey;
use crate::state::AppState;
use crate::wire::article::Article;

/// Longest a preview link may live.
const MAX_LIFETIME_SECS: u64 = 30 * 86_400;

/// The body of `POST /v1/articles/{id}/preview-links` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"expires_in": "24h"}))]
pub struct PreviewLinkInput {
    /// Lifetime: `30s`, `15m`, `12h`, `7d`… at most 30 days (default 24h).
    #[schema(pattern = "^[0-9]+(s|m|min|h|d|w)$", example = "24h")]
    pub expires_in: Option<String>,
}

impl Body for PreviewLinkInput {}

/// A new preview link.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "url": "https://api.example.org/v1/previews/MDE5MzZiMmUtN2M0YS4xNzY5MDAwMDAw.q0hM9SsE",
    "article_id": "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70",
    "expires_at": "2026-01-23T09:00:00Z"
}))]
pub struct PreviewLink {
    /// Open it without a key to see the article as it is at that moment.
    pub url: String,
    /// The article it shows.
    pub article_id: String,
    /// After this, the link answers 404.
    pub expires_at: chrono::DateTime<Utc>,
}

/// The signing key: configured, or made once and kept in the database; read once per
/// process (a preview request never writes).
async fn secret(state: &AppState) -> Result<Vec<u8>, ApiError> {
    if let Some(s) = state.preview_secret.get() {
        return Ok(s.clone());
    }
    let s = match &state.config.preview_secret {
        Some(s) => s.as_bytes().to_vec(),
        None => db::write(&state.pool, |conn| {
            Ok(db::secrets::get_or_create(conn, "preview")?)
        })
        .await?
        .into_bytes(),
    };
    Ok(state.preview_secret.get_or_init(|| s).clone())
}

fn reader() -> Caller {
    Caller::Key {
        name: "preview link".into(),
        scope: Scope::Read,
    }
}

/// Make a preview link for an article.
///
/// The link shows this one article (typically a draft) to anyone who has it, without a
/// key, until it expires; an edited or expired link is a 404. It is signed with
/// `NEWSDESK_PREVIEW_SECRET` (or a secret the server keeps in its database): changing
/// that secret revokes every link.
#[utoipa::path(
    tag = "articles",
    params(ArticleKey),
    request_body(content = Option<PreviewLinkInput>, content_type = "application/json"),
    security(("bearer" = ["write"])),
    responses(
        (status = 201, description = "The link.", body = PreviewLink,
            headers(("Location" = String, description = "The preview URL."))),
        (status = 409, description = "The article is in the trash."),
        (status = 422, description = "`expires_in` is not a duration of at most 30 days.")
    )
)]
#[post("/articles/{id}/preview-links")]
pub async fn create_preview_link(
    cx: Cx<Keyed<Write>>,
    article: web::Path<ArticleKey>,
    body: JsonBody<PreviewLinkInput>,
) -> Result<HttpResponse, ApiError> {
    // No body, or JSON `null`, takes the defaults.
    let input = if body.is_empty() {
        PreviewLinkInput::default()
    } else {
        body.parse()?
    };
    let lifetime = lifetime_of(input.expires_in.as_deref())?;
    let key = article.into_inner().id;
    let article_id = db::run(&cx.state.pool, move |conn| {
        let pk = db::articles::pk_of(conn, &key)?;
        let rec = db::articles::load_by_pk(conn, &reader(), pk, db::now_utc())?;
        if rec.row.deleted_at.is_some() {
            return Err(db::StoreError::conflict(
                "The article is in the trash; restore it first.",
            ));
        }
        Ok(rec.row.stored.id)
    })
    .await?;
    let expires_at = cx.state.clock_now() + Duration::seconds(lifetime as i64);
    let token = preview::sign(
        &secret(&cx.state).await?,
        &article_id,
        expires_at.timestamp(),
    );
    let url = format!("{}/v1/previews/{token}", cx.state.config.public_url);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, url.clone()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PreviewLink {
            url,
            article_id,
            expires_at: time::parse(&time::format(expires_at)).unwrap_or(expires_at),
        }))
}

/// A link's lifetime in seconds: 24 hours when not given, at most 30 days.
fn lifetime_of(expires_in: Option<&str>) -> Result<u64, ApiError> {
    let Some(s) = expires_in else {
        return Ok(86_400);
    };
    quota::parse_duration(s)
        .map(|d| d.as_secs())
        .ok()
        .filter(|secs| *secs <= MAX_LIFETIME_SECS)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "expires_in",
                "a duration such as 30m, 24h or 7d, at most 30 days",
            )
        })
}

/// Open a preview link.
///
/// The one article the link names, whatever its status, as a key holder would see it
/// now; never cached by shared caches, not for search engines.
#[utoipa::path(
    tag = "articles",
    params(("token" = String, Path, description = "The token of a preview link.")),
    responses(
        (status = 200, description = "The article.", body = Article,
            headers(("X-Robots-Tag" = String, description = "`noindex`."))),
        (status = 404, description = "No such link: edited, expired, revoked, or the article is gone or trashed.")
    )
)]
#[get("/previews/{token}")]
pub async fn get_preview(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let gone = || ApiError::NotFound("This preview link is not valid (edited or expired).".into());
    let id = preview::verify(
        &secret(&state).await?,
        &token,
        state.clock_now().timestamp(),
    )
    .ok_or_else(gone)?;
    let rec = db::run(&state.pool, move |conn| {
        // By id only (a slug could be anything, even a former article's id), and with
        // only the translations the public may see: the link shows this article alone.
        let pk = db::articles::pk_of_id(conn, &id)?;
        db::articles::load_by_pk(conn, &Caller::Public, pk, db::now_utc())
    })
    .await
    .map_err(|e| match e {
        db::StoreError::NotFound { .. } => gone(),
        other => other.into(),
    })?;
    if rec.row.deleted_at.is_some() {
        return Err(gone());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .json(Article::from_record(rec, &state.now())))
}

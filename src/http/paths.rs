//! Request paths: the resources a path names, as extractors that document themselves
//! (`web::Path<ArticleKey>` takes the segment, `params(ArticleKey)` states it in the
//! spec), and the paths no resource can have.

use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

/// An article named by its id or current slug.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ArticleKey {
    /// The article's id or current slug.
    pub id: String,
}

/// One revision of an article.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RevisionKey {
    /// The article's id or current slug.
    pub id: String,
    /// The revision's number, from 1.
    #[param(minimum = 1)]
    pub n: i32,
}

/// A tag or an author, by its slug.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TermSlug {
    /// The slug.
    pub slug: String,
}

/// A media item, by id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MediaId {
    /// The media item's id.
    pub id: String,
}

/// A webhook, by id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookId {
    /// The webhook's id.
    pub id: String,
}

/// A path with a NUL character (`%00`) names nothing: no id, slug or name holds one (and
/// PostgreSQL's text cannot), so it is a 404 before any handler asks the store.
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let raw = req.uri().path().as_bytes();
    if raw.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
        let error = ApiError::NotFound(format!("Nothing is at {}.", req.path()));
        return Ok(req.error_response(error).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

//! Request paths no resource can have.

use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::ApiError;

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

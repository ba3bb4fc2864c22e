//! One error vocabulary ([`ApiError`]), one envelope ([`Problem`], RFC 9457), one mapping
//! point ([`ResponseError`]). Internal causes are logged, never echoed.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{StoreError, StoreFailure};

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::domain::errors::FieldError;

/// An RFC 9457 problem document, the body of every 4xx and 5xx response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The article has 1 invalid field.",
    "errors": [{"field": "title", "message": "must be 1 to 300 characters"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem; stable, for clients to switch on.
    #[serde(rename = "type")]
    #[schema(example = "/problems/not-found")]
    pub kind: String,
    /// The HTTP reason phrase of `status`.
    #[schema(example = "Not Found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What happened, for a person.
    #[schema(example = "No article has the id or slug 'kyiv-2026'.")]
    pub detail: String,
    /// One entry per invalid field or parameter (400 and 422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a malformed body or query parameter.
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: no key, or a key that is unknown or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the key's scope is too small.
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing at this address (for this caller).
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    /// 409: a uniqueness or state conflict.
    #[error("{detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 412: `If-Match` names a stale version.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: the body is larger than the configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 416: a byte range outside the resource.
    #[error("{0}")]
    RangeNotSatisfiable(String),
    /// 415: the body's media type is not accepted here.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed input that breaks a rule, one entry per field.
    #[error("{detail}")]
    Unprocessable {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 431: the request's headers are larger than the limit.
    #[error("{0}")]
    HeadersTooLarge(String),
    /// 429: the client's quota for this window is spent; retry after `retry_after` seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    /// 500: a fault of ours; the cause is logged, the client sees a generic text.
    #[error("internal error: {0}")]
    Internal(String),
    /// 503: the database cannot be reached.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// Wraps an internal cause; it is logged when the response is built.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// 400 naming one parameter.
    pub fn bad_param(param: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
            detail: format!("Query parameter '{param}' is invalid: {message}."),
            errors: vec![FieldError::new(param, message)],
        }
    }

    /// 422 naming one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }

    /// 422 with one entry per invalid field.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let n = errors.len();
        let noun = if n == 1 { "field" } else { "fields" };
        Self::Unprocessable {
            detail: format!("The request has {n} invalid {noun}."),
            errors,
        }
    }

    /// 409 naming the field whose value is taken.
    pub fn taken(field: &str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            errors: vec![FieldError::new(field, "already in use")],
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "/problems/bad-request",
            Self::Unauthorized(_) => "/problems/unauthorized",
            Self::Forbidden(_) => "/problems/forbidden",
            Self::NotFound(_) => "/problems/not-found",
            Self::MethodNotAllowed { .. } => "/problems/method-not-allowed",
            Self::Conflict { .. } => "/problems/conflict",
            Self::PreconditionFailed(_) => "/problems/precondition-failed",
            Self::PayloadTooLarge(_) => "/problems/payload-too-large",
            Self::RangeNotSatisfiable(_) => "/problems/range-not-satisfiable",
            Self::UnsupportedMediaType(_) => "/problems/unsupported-media-type",
            Self::Unprocessable { .. } => "/problems/validation-failed",
            Self::TooManyRequests { .. } => "/problems/too-many-requests",
            Self::HeadersTooLarge(_) => "/problems/headers-too-large",
            Self::Internal(_) => "/problems/internal",
            Self::Unavailable(_) => "/problems/unavailable",
        }
    }

    /// The problem document this error is answered with.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            Self::BadRequest { detail, errors }
            | Self::Conflict { detail, errors }
            | Self::Unprocessable { detail, errors } => (detail.clone(), errors.clone()),
            Self::MethodNotAllowed { allow } => (
                format!("This resource allows only {}.", allow.join(", ")),
                vec![],
            ),
            Self::Internal(_) => (
                "The server failed to answer; it has been logged.".into(),
                vec![],
            ),
            other => (other.to_string(), vec![]),
        };
        Problem {
            kind: self.kind().to_string(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let mut res = problem_response(&self.problem());
        let headers = res.headers_mut();
        match self {
            Self::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"newsdesk\""),
                );
            }
            Self::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::TooManyRequests { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Self::MethodNotAllowed { allow } => {
                if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                    headers.insert(header::ALLOW, v);
                }
            }
            _ => {}
        }
        res
    }
}

/// A problem document as a response with its media type.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(problem)
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

/// The one mapping of store failures to problem documents.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what, key } if key.is_empty() => {
                Self::NotFound(format!("The {what} no longer exists."))
            }
            StoreError::NotFound { what, key } => {
                Self::NotFound(format!("There is no {what} '{key}'."))
            }
            StoreError::Conflict {
                field: Some(field),
                reason,
            } => Self::taken(field, reason),
            StoreError::Conflict {
                field: None,
                reason,
            } => Self::Conflict {
                detail: reason,
                errors: vec![],
            },
            StoreError::Stale { current } => Self::PreconditionFailed(format!(
                "The resource has changed; its current ETag is {current}. Fetch it again and retry."
            )),
            StoreError::Invalid(errors) => Self::invalid(errors),
            StoreError::BadCursor => Self::bad_param("cursor", "not a cursor this server issued"),
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "store unavailable");
                Self::Unavailable("The database is busy; retry shortly.".into())
            }
            StoreError::Failed(cause) => Self::Internal(cause),
        }
    }
}

impl StoreFailure for ApiError {
    fn store_failed(&self) -> bool {
        matches!(self, Self::Internal(_) | Self::Unavailable(_))
    }
}

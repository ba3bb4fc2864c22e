//! JSON request bodies: a typed extractor ([`JsonBody`]) that checks the media type
//! (415), the syntax (400), server-owned fields and the shape (422, naming the field).
//! Size (413) is enforced by the payload limit before this. The body is read by the
//! extractor but judged only when the handler asks ([`JsonBody::parse`]), after it has
//! checked the caller's key: a request without the right key is a 401 or 403 whatever
//! its body.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError};

/// `application/json`.
pub const JSON: &[&str] = &["application/json"];
/// What PATCH accepts: JSON Merge Patch (RFC 7396) or plain JSON.
pub const MERGE_PATCH: &[&str] = &["application/merge-patch+json", "application/json"];

/// Checks the media type and syntax; the body must be a JSON object.
fn object(
    req: &HttpRequest,
    body: &[u8],
    accepted: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let mime = req.mime_type().ok().flatten();
    let essence = mime.as_ref().map(|m| m.essence_str().to_ascii_lowercase());
    if !essence.as_deref().is_some_and(|e| accepted.contains(&e)) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Send the body as {} (got {}).",
            accepted.join(" or "),
            essence.as_deref().unwrap_or("no Content-Type")
        )));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        detail: format!("The body is not valid JSON: {e}."),
        errors: vec![],
    })?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::invalid_field("body", "must be a JSON object")),
    }
}

/// 422 naming every server-owned field the body tries to set.
fn reject_server_owned(map: &Map<String, Value>, owned: &[&str]) -> Result<(), ApiError> {
    let errors: Vec<FieldError> = owned
        .iter()
        .filter(|f| map.contains_key(**f))
        .map(|f| FieldError::new(*f, "is set by the server and cannot be written"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// 422 naming the first field whose text holds U+0000: JSON allows it, no text column
/// of PostgreSQL does (and no title, tag or URL means it), so it is refused here for
/// both engines instead of failing in the store.
fn reject_nul(map: &Map<String, Value>) -> Result<(), ApiError> {
    /// The path of the first NUL under `map`'s entries, if any.
    fn in_map(map: &Map<String, Value>, prefix: &str) -> Option<String> {
        map.iter().find_map(|(k, v)| {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if k.contains('\0') {
                Some(path)
            } else {
                in_value(v, path)
            }
        })
    }
    fn in_value(value: &Value, path: String) -> Option<String> {
        match value {
            Value::String(s) if s.contains('\0') => Some(path),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| in_value(v, format!("{path}[{i}]"))),
            Value::Object(map) => in_map(map, &path),
            _ => None,
        }
    }
    match in_map(map, "") {
        Some(path) => Err(ApiError::invalid_field(
            &path.replace('\0', "\\u0000"),
            "must not contain the NUL character (U+0000)",
        )),
        None => Ok(()),
    }
}

/// Deserializes into `T`, naming the offending field on failure.
fn typed<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    shaped(value).map_err(|e| ApiError::invalid(vec![e]))
}

/// Deserializes into `T`; on failure, the field and what is wrong with it.
pub fn shaped<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        FieldError::new(field, e.into_inner().to_string())
    })
}

/// A JSON body an operation takes: which media types, which fields the server owns.
pub trait Body: DeserializeOwned {
    /// The media types accepted (415 otherwise).
    const MEDIA: &'static [&'static str] = JSON;
    /// Fields refused with 422 as "set by the server".
    const SERVER_OWNED: &'static [&'static str] = &[];
}

impl Body for crate::wire::article::ArticleInput {
    const SERVER_OWNED: &'static [&'static str] = crate::domain::article::SERVER_OWNED;
}

impl Body for crate::wire::article::ArticlePatch {
    const MEDIA: &'static [&'static str] = MERGE_PATCH;
    const SERVER_OWNED: &'static [&'static str] = crate::domain::article::SERVER_OWNED;
}

impl Body for crate::wire::term::TermInput {}

impl Body for crate::wire::term::TermPatch {
    const MEDIA: &'static [&'static str] = MERGE_PATCH;
}

impl Body for crate::wire::webhook::WebhookInput {}

impl Body for crate::wire::webhook::WebhookPatch {
    const MEDIA: &'static [&'static str] = MERGE_PATCH;
}

/// The request body as a `T`, judged when the handler asks.
pub struct JsonBody<T> {
    req: HttpRequest,
    bytes: Bytes,
    _shape: PhantomData<T>,
}

impl<T: Body> JsonBody<T> {
    /// The body as a `T`: media type, syntax, server-owned fields, shape.
    pub fn parse(&self) -> Result<T, ApiError> {
        self.parse_with_object().map(|(typed, _)| typed)
    }

    /// [`Self::parse`], and the JSON object it came from (what a merge patch applies).
    pub fn parse_with_object(&self) -> Result<(T, Map<String, Value>), ApiError> {
        let map = object(&self.req, &self.bytes, T::MEDIA)?;
        reject_server_owned(&map, T::SERVER_OWNED)?;
        reject_nul(&map)?;
        let typed = typed(Value::Object(map.clone()))?;
        Ok((typed, map))
    }

    /// True when the request has no body (zero bytes), or JSON `null`. Whitespace alone
    /// is a body, and not JSON: it is refused when parsed (Schemathesis sent `"\n"`).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty() || self.bytes.trim_ascii() == b"null"
    }
}

impl<T: 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            Ok(Self {
                req,
                bytes: bytes.await?,
                _shape: PhantomData,
            })
        })
    }
}

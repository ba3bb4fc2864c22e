//! JSON request bodies: media type (415), syntax (400), server-owned fields and shape
//! (422, naming the field). Size (413) is enforced by the payload limit before this.

use actix_web::{HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError};

/// `application/json`.
pub const JSON: &[&str] = &["application/json"];
/// What PATCH accepts: JSON Merge Patch (RFC 7396) or plain JSON.
pub const MERGE_PATCH: &[&str] = &["application/merge-patch+json", "application/json"];

/// Checks the media type and syntax; the body must be a JSON object.
pub fn object(
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
pub fn reject_server_owned(map: &Map<String, Value>, owned: &[&str]) -> Result<(), ApiError> {
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

/// Deserializes into `T`, naming the offending field on failure.
pub fn typed<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
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

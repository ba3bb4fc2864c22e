//! What the rules report: one [`FieldError`] per rejected field or parameter. The HTTP
//! layer turns a list of them into a 400 or 422 problem document.

use serde::Serialize;
use utoipa::ToSchema;

/// One rejected input: which field or parameter, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (body) or parameter (query, header) the message is about.
    #[schema(example = "title")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must be 1 to 300 characters")]
    pub message: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

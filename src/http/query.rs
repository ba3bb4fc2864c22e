//! Query strings: parsed strictly (unknown parameters refused) and every failure a 400
//! naming the parameter, not just "the query".

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Query parameters of type `T`, or a 400 problem naming the bad one.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parsed parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Parses a query string into `T`. An empty `cursor=` (a client that fills in the
/// first page's token as "") counts as absent: the first page.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let empty_cursor = |(name, value): &(std::borrow::Cow<str>, std::borrow::Cow<str>)| {
        name == "cursor" && value.is_empty()
    };
    let cleaned: String;
    let query = if form_urlencoded::parse(query.as_bytes()).any(|p| empty_cursor(&p)) {
        cleaned = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form_urlencoded::parse(query.as_bytes()).filter(|p| !empty_cursor(p)))
            .finish();
        &cleaned
    } else {
        query
    };
    // No stored text holds U+0000 (PostgreSQL's cannot): a parameter with one matches
    // nothing and would fail in the store, so it is refused by name. (Search text, `q`,
    // is split into words before the store sees it: a NUL there is a separator.)
    if let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.contains('\0') || (name != "q" && value.contains('\0')))
    {
        return Err(ApiError::bad_param(
            &name.replace('\0', "\\u0000"),
            "must not contain the NUL character (U+0000)",
        ));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let param = if path == "." {
            // Unknown parameters are reported by name inside serde's message.
            message.split('`').nth(1).unwrap_or("query").to_string()
        } else {
            path
        };
        ApiError::bad_param(&param, message)
    })
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse(req.query_string()).map(Query))
    }
}

//! Wire types: the JSON shapes clients send and receive, with their OpenAPI schemas.

pub mod article;
pub mod change;
pub mod feed;
pub mod media;
pub mod revision;
pub mod sitemap;
pub mod term;
pub mod webhook;

use serde::{Deserialize, Deserializer};

/// For `Option<Option<T>>` patch fields: absent → `None`, `null` → `Some(None)`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

//! Pure rules: no HTTP, no SQL.

pub mod access;
pub mod article;
pub mod markdown;
pub mod slug;
pub mod time;

//! Pure rules: no HTTP, no SQL.

pub mod access;
pub mod article;
pub mod listing;
pub mod markdown;
pub mod search;
pub mod slug;
pub mod time;

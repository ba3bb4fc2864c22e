//! Pure rules: no HTTP, no SQL.

pub mod access;
pub mod article;
pub mod errors;
pub mod events;
pub mod input;
pub mod links;
pub mod listing;
pub mod markdown;
pub mod preview;
pub mod quota;
pub mod search;
pub mod signature;
pub mod slug;
pub mod time;
pub mod version;

//! HTTP handlers, one file per resource: extract → parse (domain) → store → wire → respond.

pub mod articles;
pub mod changes;
pub mod feeds;
pub mod listing;
pub mod ops;
pub mod previews;
pub mod rankings;
pub mod revisions;
pub mod terms;
pub mod webhooks;

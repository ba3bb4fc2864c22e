//! HTTP handlers, one file per resource: extract → parse (domain) → store → wire → respond.

pub mod articles;
pub mod authors;
pub mod changes;
pub mod feeds;
pub mod ops;
pub mod tags;
pub mod terms;
pub mod webhooks;

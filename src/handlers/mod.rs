//! HTTP handlers, grouped by resource (articles/ has one file per kind of operation):
//! extract → parse (domain) → store → wire → respond.

pub mod articles;
pub mod changes;
pub mod feeds;
pub mod media;
pub mod ops;
pub mod tags;
pub mod terms;
pub mod webhooks;

//! HTTP handlers, one file per resource: extract → parse (domain) → store → wire → respond.

pub mod articles;
pub mod ops;
pub mod terms;

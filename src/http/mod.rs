//! HTTP plumbing shared by the handlers: who is calling, request bodies, conditional
//! requests and caching, paging tokens.

pub mod auth;
pub mod body;
pub mod cache;
pub mod client;
pub mod conditional;
pub mod context;
pub mod paging;
pub mod paths;
pub mod query;
pub mod quota;

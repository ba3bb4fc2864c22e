//! The API's integration tests: one binary, a fresh SQLite file per test, every request
//! through the same `app::build` that `serve` uses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod architecture;
mod articles;
mod cache;
mod changes;
mod conditional;
mod content;
mod cors;
mod counts;
mod errors;
mod feeds;
mod helpers;
mod instances;
mod keys;
mod listing;
mod media;
mod media_s3;
mod openapi;
mod ops;
mod plans;
mod portability;
mod quotas;
mod rankings;
mod revisions;
mod search;
mod startup;
mod terms;
mod trash;
mod varnish;
mod views;
mod visibility;
mod webhooks;

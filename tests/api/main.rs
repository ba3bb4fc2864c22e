//! The API's integration tests: one binary, a fresh SQLite file per test, every request
//! through the same `app::build` that `serve` uses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod articles;
mod conditional;
mod content;
mod errors;
mod helpers;
mod keys;
mod openapi;
mod ops;
mod plans;
mod terms;
mod trash;
mod views;
mod visibility;

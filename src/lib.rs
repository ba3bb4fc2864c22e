//! newsdesk — a headless JSON REST API for news articles.
//!
//! Layout: `config` reads the environment; `app` builds the one actix App that `serve`
//! and the tests use; `routes` is the route table; `openapi` frames the generated spec;
//! `handlers/` hold one file per resource; `wire/` the JSON shapes; `domain/` the pure
//! rules (slugs, markdown, visibility, validation); `db/` everything that speaks SQL;
//! `http/` extractors and response helpers; `error` the one problem+json mapping.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod http;
pub mod jobs;
pub mod openapi;
pub mod routes;
pub mod runtime;
pub mod seed;
pub mod serve;
pub mod state;
pub mod wire;

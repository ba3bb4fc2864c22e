//! newsdesk — a headless JSON REST API for news articles.
//!
//! Layers, bottom first; each uses only those below it (`tests/api/architecture.rs`):
//! `domain` (pure rules and their own types) ← `config` ← `db` (the store: all SQL, one
//! writer, `StoreError`) ← `wire` (JSON shapes and schemas) ← `error` (problem+json, the
//! mapping of store errors) ← `runtime` (in-memory state: kept responses, view buffer,
//! quotas, metrics) ← `state` (`AppState`) ← `http` (extractors, conditional requests,
//! the response cache) ← `handlers` (by resource; articles a folder of their own) ←
//! `app`, `routes`, `openapi` ← `serve`, `jobs`, `seed`, `cli`, `commands`.

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

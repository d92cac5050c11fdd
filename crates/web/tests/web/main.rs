//! The web layer against a real store (SQLite and PostgreSQL): sign-in,
//! sessions, CSRF, isolation between tenants, the trail, the API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod api;
mod api_parity;
mod api_provider;
mod api_records;
mod auth;
mod breaches;
mod clients;
mod confine;
mod consent;
mod discovery;
mod dpo_follow_up;
mod input;
mod intents;
mod isolation;
mod outage;
mod pages;
mod register;
mod retention;
mod rights;
mod subprocessors;
mod webhooks;
mod words;

//! The Vigie binary's parts: configuration, start-up, jobs, email, demo.

pub mod app;
pub mod backups;
pub mod config;
pub mod demo;
pub mod demo_register;
pub mod hooks;
pub mod jobs;
pub mod mail;
pub mod scan;
pub mod tls;
pub mod witness;

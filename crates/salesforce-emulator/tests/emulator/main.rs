//! Integration tests for the Salesforce emulator, over real HTTP. One binary; each module covers
//! one area of the API. The expected bodies are Salesforce's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod helpers;

mod campaigns;
mod collections;
mod composite;
mod control;
mod limits;
mod meta;
mod oauth;
mod query;
mod records;
mod soap;
mod tooling;
mod unique;
mod upsert;
mod validation;

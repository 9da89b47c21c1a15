//! Integration tests: the Salesforce emulator and the bridge run in-process on port 0, and each
//! test drives the bridge over HTTP as an identity provider would, then checks Salesforce
//! through the emulator's REST API. One test binary (zero2prod's layout).

// Tests may unwrap: a panic is a failed test (the crate denies these outside tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod budget;
mod cli;
mod clients;
mod coalescing;
mod conformance;
mod discovery;
mod errors;
mod failures;
mod filters;
mod groups;
mod guard;
mod lifecycle;
mod oauth;
mod openapi;
mod operate;
mod origin;
mod page;
mod people;
mod policy;
mod promotion;
mod tokens;

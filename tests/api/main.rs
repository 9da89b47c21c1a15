//! Integration tests: the Salesforce emulator and the bridge run in-process on port 0, and each
//! test drives the bridge over HTTP as an identity provider would, then checks Salesforce
//! through the emulator's REST API. One test binary (zero2prod's layout).

mod helpers;

mod clients;
mod discovery;
mod errors;
mod filters;
mod lifecycle;
mod openapi;
mod policy;
mod salesforce_failures;
mod tokens;

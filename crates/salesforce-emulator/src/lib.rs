//! salesforce-emulator: an in-memory Salesforce REST API (OAuth, sObjects, SOQL, Collections,
//! Composite, Describe, limits and the failures real orgs produce) for tests, demos and benchmarks.

pub mod soql;

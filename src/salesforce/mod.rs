//! The Salesforce REST client: OAuth grants, sObject calls, queries, errors, SOQL building.
//! The one place in the bridge that knows Salesforce's wire; it knows nothing of SCIM.
//!
//! - [`client`]: [`SalesforceClient`] and its construction; the typed operations live by job in
//!   [`sobjects`], [`composite`], [`query`] and [`describe`], on top of [`transport`] (one
//!   request) and [`retry`] (the one retry policy).
//! - [`auth`]: token grants (refresh token, JWT bearer, client credentials), rotation, and the
//!   single-flight renewal on `INVALID_SESSION_ID`.
//! - [`settings`]: [`SalesforceSettings`] and every default.
//! - [`error`]: [`SfError`], the parsed Salesforce error array, and retry policy questions.
//! - [`soql`] and [`name`]: SOQL text from a domain filter (the one place where literals are
//!   escaped) and validated API names.
//! - [`sobject`]: the objects people are provisioned into; [`campaigns`]: Campaigns and their
//!   members (SCIM Groups).
//!
//! A new Salesforce operation goes into the module of its job, as a method named for what it is
//! for (`find_by_match`, `create_and_get`), sent through `execute` or `retrying`.

pub mod auth;
pub mod batch;
pub mod budget;
pub mod campaigns;
pub mod client;
mod coalesce;
pub mod composite;
pub mod convert;
pub mod describe;
pub mod error;
pub mod name;
pub mod query;
mod retry;
pub mod settings;
pub mod sobject;
pub mod sobjects;
pub mod soql;
pub mod tooling;
mod transport;
mod wire;

pub use auth::{GrantInfo, JwtBearer};
pub use budget::Allowance;
pub use client::SalesforceClient;
pub use describe::{Describe, FieldDescribe};
pub use error::{ApiError, Refusal, SfError};
pub use name::{fields, FieldName};
pub use query::QueryPage;
pub use settings::{Grants, SalesforceSettings, DEFAULT_API_VERSION};
pub use sobject::SObject;
pub use sobjects::{is_record_id, MatchKey};
pub use soql::{CompareOp, Condition, LikePattern, Select, SoqlBuildError, SoqlValue};
pub use tooling::{CustomFieldKind, CustomFieldSpec};
pub use wire::Record;

#[cfg(test)]
mod emulator_tests;

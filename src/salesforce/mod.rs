//! The Salesforce REST client: OAuth grants, sObject calls, queries, errors, SOQL building.
//!
//! - [`client`]: [`SalesforceClient`], one method per REST operation, retries and accounting.
//! - [`auth`]: token grants (refresh token, JWT bearer, client credentials), rotation, and the
//!   single-flight renewal on `INVALID_SESSION_ID`.
//! - [`error`]: [`SfError`], the parsed Salesforce error array, and retry policy.
//! - [`soql`]: SOQL text from a domain filter; the one place where literals are escaped.

pub mod auth;
pub mod client;
pub mod error;
pub mod name;
pub mod soql;

pub use auth::{GrantInfo, JwtBearer};
pub use client::{
    Describe, FieldDescribe, MatchKey, QueryPage, Record, SalesforceClient, SalesforceSettings,
    DEFAULT_API_VERSION,
};
pub use error::{ApiError, SfError};
pub use soql::{CompareOp, Condition, FieldName, LikePattern, Select, SoqlBuildError, SoqlValue};

#[cfg(test)]
mod emulator_tests;

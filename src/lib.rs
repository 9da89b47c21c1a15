//! scim-bridge: a SCIM 2.0 server that provisions identity-provider users into Salesforce as
//! Leads or Contacts.
//!
//! Data flows one way: `http` (actix) → [`scim`] (protocol) → `provisioning` and [`mapping`]
//! (policy and attribute mapping) → [`salesforce`] (REST client).

pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod http;
pub mod inbound;
pub mod mapping;
pub mod provisioning;
pub mod salesforce;
pub mod scim;
pub mod setup;
pub mod startup;
pub mod telemetry;
pub mod testconn;

//! Configuration: the TOML file, environment-variable overrides, secrets read from variables or
//! files, and validation that reports every problem at once by key name.
//!
//! Loading is two steps. [`RawConfig`] is what the file says (every key optional, unknown keys
//! kept so that they can be reported as typos); [`Config::from_raw`] checks it all and produces
//! the validated [`Config`] the server runs on, or the full list of [`Problem`]s.
//!
//! Environment variables override the file: `SCIM_BRIDGE_<KEY>` with `__` between levels, e.g.
//! `SCIM_BRIDGE_CONNECTIONS__CONTACTS__SALESFORCE__CLIENT_SECRET`. Every secret can also be read
//! from a file (`client_secret_file = "/run/secrets/sf"`), as container orchestrators provide.

mod check;
mod checker;
mod credentials;
mod groups;
mod raw;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use secrecy::SecretString;

use crate::inbound::{Backoff, InboundAuth};
use crate::provisioning::ConnectionSpec;
use crate::salesforce::SalesforceSettings;

pub use raw::{load_raw, parse_raw, RawConfig};

/// The prefix of environment variables that override the file.
pub const ENV_PREFIX: &str = "SCIM_BRIDGE_";

/// One thing wrong with a configuration, named by its key (`connections.leads.salesforce.domain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a configuration could not be loaded: every problem found, not just the first.
#[derive(Debug, thiserror::Error)]
#[error("{} configuration problem(s):\n{}", .0.len(), render_problems(.0))]
pub struct ConfigError(pub Vec<Problem>);

fn render_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub admin_token: Option<SecretString>,
    pub log_format: LogFormat,
    /// The largest page a list returns (`count` is capped to it), advertised as
    /// `filter.maxResults` in `/ServiceProviderConfig` (RFC 7643 §5).
    pub max_results: u64,
    /// Signs the access tokens `POST /oauth/token` issues (HS256); the same on every replica.
    pub token_signing_secret: Option<SecretString>,
    /// How long an issued access token is valid.
    pub token_lifetime: Duration,
    /// Every SCIM request answers within this time (503 after it), below Entra's 60 s resend.
    pub request_deadline: Duration,
    /// After SIGTERM, how long `/readyz` answers 503 while requests are still served, so that
    /// load balancers stop sending before the listener closes.
    pub shutdown_drain: Duration,
    /// When `POST /oauth/token` stops checking a client id's secrets after failures. Not a
    /// configuration key (the default suits every IdP); tests shorten the window.
    pub token_backoff: Backoff,
    /// A second listener serving only `GET /metrics`, unauthenticated.
    pub metrics_listen: Option<SocketAddr>,
    /// `https://scim.example.com`: the origin of `meta.location`, whatever the headers say.
    pub public_url: Option<String>,
    /// Peers whose `Forwarded` / `X-Forwarded-*` headers are honoured.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub connections: Vec<ConnectionConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// One IdP → Salesforce connection, served at `/scim/v2/{name}`: how to reach its org, how its
/// IdP authenticates, and what it provisions under which policy.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    pub salesforce: SalesforceSettings,
    pub inbound: InboundAuth,
    pub spec: ConnectionSpec,
}

impl ConnectionConfig {
    pub fn name(&self) -> &str {
        &self.spec.name
    }
}

impl Config {
    /// Validates everything and reports every problem at once.
    pub fn from_raw(raw: RawConfig) -> Result<Config, ConfigError> {
        check::check(raw)
    }

    pub fn connection(&self, name: &str) -> Option<&ConnectionConfig> {
        self.connections.iter().find(|c| c.name() == name)
    }
}

/// Loads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    Config::from_raw(load_raw(path)?)
}

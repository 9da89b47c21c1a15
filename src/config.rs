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

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::mapping::{self, MappingRow, RecordType};
use crate::salesforce::soql::FieldName;

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

// ---------------------------------------------------------------------------------------------
// What the file says
// ---------------------------------------------------------------------------------------------

/// The file as written. Every key is optional so that validation can report all gaps at once.
#[derive(Debug, Default, Deserialize)]
pub struct RawConfig {
    pub listen: Option<String>,
    pub admin_token: Option<String>,
    pub admin_token_file: Option<PathBuf>,
    pub log_format: Option<String>,
    pub max_results: Option<u64>,
    pub token_signing_secret: Option<String>,
    pub token_signing_secret_file: Option<PathBuf>,
    pub token_lifetime_secs: Option<u64>,
    pub request_deadline_secs: Option<u64>,
    #[serde(default)]
    pub connections: BTreeMap<String, RawConnection>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawConnection {
    pub record_type: Option<String>,
    pub match_field: Option<String>,
    pub on_existing: Option<String>,
    #[serde(default)]
    pub salesforce: RawSalesforce,
    #[serde(default)]
    pub inbound: RawInbound,
    #[serde(default)]
    pub policy: RawPolicy,
    pub disable: Option<RawDisable>,
    pub mapping: Option<Vec<RawMappingRow>>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawSalesforce {
    pub domain: Option<String>,
    pub instance_url: Option<String>,
    pub api_version: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub access_token: Option<String>,
    pub access_token_file: Option<PathBuf>,
    pub refresh_token: Option<String>,
    pub refresh_token_file: Option<PathBuf>,
    pub jwt_username: Option<String>,
    pub jwt_private_key_file: Option<PathBuf>,
    pub jwt_audience: Option<String>,
    pub timeout_secs: Option<u64>,
    pub max_retries: Option<u32>,
    pub describe_cache_secs: Option<u64>,
    pub allow_duplicate_save: Option<bool>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawInbound {
    #[serde(default)]
    pub bearer_tokens: Vec<String>,
    pub bearer_tokens_file: Option<PathBuf>,
    pub basic_username: Option<String>,
    pub basic_password: Option<String>,
    pub basic_password_file: Option<PathBuf>,
    pub allow_anonymous: Option<bool>,
    pub oauth_client_id: Option<String>,
    pub oauth_client_secret: Option<String>,
    pub oauth_client_secret_file: Option<PathBuf>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawPolicy {
    pub allow_create: Option<bool>,
    pub allow_update: Option<bool>,
    pub allow_delete: Option<bool>,
    pub allow_disable: Option<bool>,
    pub allow_deprovision: Option<bool>,
    pub remove_action: Option<String>,
    pub deprovision_on_rule_deletion: Option<bool>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawDisable {
    pub field: Option<String>,
    pub disabled_value: Option<toml::Value>,
    pub enabled_value: Option<toml::Value>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawMappingRow {
    pub scim: Option<String>,
    pub field: Option<String>,
    pub update: Option<bool>,
    pub default: Option<toml::Value>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

// ---------------------------------------------------------------------------------------------
// What the server runs on
// ---------------------------------------------------------------------------------------------

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
    pub connections: Vec<ConnectionConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// One IdP → Salesforce connection, served at `/scim/v2/{name}`.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    pub name: String,
    pub record_type: RecordType,
    pub salesforce: SalesforceConfig,
    pub inbound: InboundAuth,
    pub policy: Policy,
    pub mapping: Vec<MappingRow>,
    /// The Salesforce field people are matched on (the connector matches on Email).
    pub match_field: FieldName,
    pub on_existing: OnExisting,
    /// What "disabled" writes for this record type; `None` means the record type has no such
    /// field configured, so `active` is always true and disables are ignored (and reported).
    pub disable: Option<DisableConfig>,
}

#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    pub domain: String,
    pub instance_url: Option<String>,
    pub api_version: String,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub access_token: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    pub jwt_username: Option<String>,
    pub jwt_private_key: Option<SecretString>,
    pub jwt_audience: String,
    pub timeout: Duration,
    pub max_retries: u32,
    pub describe_ttl: Duration,
    pub allow_duplicate_save: bool,
    /// Where the refresh token came from, if a file: rotated tokens are saved back there.
    pub refresh_token_file: Option<PathBuf>,
}

/// How the IdP must authenticate to this connection.
#[derive(Debug, Clone, Default)]
pub struct InboundAuth {
    pub bearer_tokens: Vec<SecretString>,
    pub basic: Option<(String, SecretString)>,
    pub allow_anonymous: bool,
    /// An OAuth 2.0 client (id, secret) that may obtain tokens at `POST /oauth/token`.
    pub oauth_client: Option<(String, SecretString)>,
}

/// The connector's provisioning toggles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub allow_create: bool,
    pub allow_update: bool,
    pub allow_delete: bool,
    pub allow_disable: bool,
    pub allow_deprovision: bool,
    pub remove_action: RemoveAction,
    pub deprovision_on_rule_deletion: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_create: true,
            allow_update: true,
            allow_delete: true,
            allow_disable: true,
            allow_deprovision: true,
            remove_action: RemoveAction::Disable,
            deprovision_on_rule_deletion: false,
        }
    }
}

/// What a SCIM DELETE (the IdP's "remove") does in Salesforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveAction {
    Disable,
    Delete,
}

/// What a create does when a record with the same match value already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// The connector's behaviour: adopt the record, update it, answer 201 with its Id.
    Link,
    /// RFC 7644 §3.3: answer 409 `uniqueness` (what Okta's SCIM spec runner expects).
    Conflict,
}

/// The field and values that "disabled" and "enabled" write.
#[derive(Debug, Clone, PartialEq)]
pub struct DisableConfig {
    pub field: FieldName,
    pub disabled_value: Value,
    pub enabled_value: Value,
}

impl DisableConfig {
    /// The record type's usual choice: a custom checkbox `Active__c` on Contact (Contacts have no
    /// standard active flag), and `Status` on Lead.
    pub fn default_for(record_type: RecordType) -> Option<DisableConfig> {
        let (field, disabled, enabled) = match record_type {
            RecordType::Contact => ("Active__c", Value::Bool(false), Value::Bool(true)),
            RecordType::Lead => (
                "Status",
                Value::String("Closed - Not Converted".to_string()),
                Value::String("Open - Not Contacted".to_string()),
            ),
        };
        FieldName::new(field).ok().map(|field| DisableConfig {
            field,
            disabled_value: disabled,
            enabled_value: enabled,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// Reads a TOML file and the environment overrides into a [`RawConfig`].
pub fn load_raw(path: &Path) -> Result<RawConfig, ConfigError> {
    if !path.is_file() {
        return Err(ConfigError(vec![Problem {
            key: "--config".to_string(),
            message: format!("no configuration file at '{}'", path.display()),
        }]));
    }
    Figment::new()
        .merge(Toml::file(path))
        .merge(Env::prefixed(ENV_PREFIX).split("__"))
        .extract::<RawConfig>()
        .map_err(|errors| {
            ConfigError(
                errors
                    .into_iter()
                    .map(|e| Problem {
                        key: if e.path.is_empty() {
                            "(file)".to_string()
                        } else {
                            e.path.join(".")
                        },
                        message: e.kind.to_string(),
                    })
                    .collect(),
            )
        })
}

/// Parses TOML text (no environment overrides): used for the embedded demo configuration and
/// in tests.
pub fn parse_raw(text: &str) -> Result<RawConfig, ConfigError> {
    Figment::new()
        .merge(Toml::string(text))
        .extract::<RawConfig>()
        .map_err(|errors| {
            ConfigError(
                errors
                    .into_iter()
                    .map(|e| Problem {
                        key: e.path.join("."),
                        message: e.kind.to_string(),
                    })
                    .collect(),
            )
        })
}

/// Loads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    Config::from_raw(load_raw(path)?)
}

/// Collects problems while validating.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    fn unknown(&mut self, prefix: &str, unknown: &BTreeMap<String, toml::Value>, known: &[&str]) {
        for key in unknown.keys() {
            self.add(
                join(prefix, key),
                format!("unknown key (expected one of: {})", known.join(", ")),
            );
        }
    }

    /// A secret given inline or as a file; both at once is ambiguous.
    fn secret(
        &mut self,
        key: &str,
        inline: Option<&String>,
        file: Option<&PathBuf>,
    ) -> Option<SecretString> {
        match (inline, file) {
            (Some(_), Some(_)) => {
                self.add(key, format!("set either {key} or {key}_file, not both"));
                None
            }
            (Some(v), None) if v.trim().is_empty() => None,
            (Some(v), None) => Some(SecretString::from(v.trim().to_string())),
            (None, Some(path)) => match std::fs::read_to_string(path) {
                Ok(text) if text.trim().is_empty() => {
                    self.add(
                        format!("{key}_file"),
                        format!("'{}' is empty", path.display()),
                    );
                    None
                }
                Ok(text) => Some(SecretString::from(text.trim().to_string())),
                Err(e) => {
                    self.add(
                        format!("{key}_file"),
                        format!("cannot read '{}': {e}", path.display()),
                    );
                    None
                }
            },
            (None, None) => None,
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Connection names become URL segments and environment-variable keys (which figment lowercases).
fn valid_connection_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && name.len() <= 64
}

fn is_loopback_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn check_url(c: &mut Checker, key: &str, value: &str) -> Option<String> {
    match url::Url::parse(value) {
        Ok(url) if url.scheme() == "https" || (url.scheme() == "http" && is_loopback_url(&url)) => {
            Some(value.trim_end_matches('/').to_string())
        }
        Ok(_) => {
            c.add(
                key,
                format!(
                    "'{value}' must be an https:// URL (plain http is allowed only on loopback)"
                ),
            );
            None
        }
        Err(e) => {
            c.add(key, format!("'{value}' is not a URL: {e}"));
            None
        }
    }
}

pub(crate) fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

impl Config {
    /// Validates everything and reports every problem at once.
    pub fn from_raw(raw: RawConfig) -> Result<Config, ConfigError> {
        let mut c = Checker::default();
        c.unknown(
            "",
            &raw.unknown,
            &[
                "listen",
                "admin_token",
                "admin_token_file",
                "log_format",
                "max_results",
                "token_signing_secret(_file)",
                "token_lifetime_secs",
                "request_deadline_secs",
                "connections",
            ],
        );
        let listen_text = raw.listen.unwrap_or_else(|| "0.0.0.0:8080".to_string());
        let listen = match listen_text.parse::<SocketAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                c.add(
                    "listen",
                    format!("'{listen_text}' is not an address like 0.0.0.0:8080"),
                );
                None
            }
        };
        let admin_token = c.secret(
            "admin_token",
            raw.admin_token.as_ref(),
            raw.admin_token_file.as_ref(),
        );
        if let Some(t) = &admin_token {
            if t.expose_secret().len() < 16 {
                c.add("admin_token", "must be at least 16 characters long");
            }
        }
        let log_format = match raw.log_format.as_deref().map(str::to_ascii_lowercase) {
            None => LogFormat::Text,
            Some(f) if f == "text" => LogFormat::Text,
            Some(f) if f == "json" => LogFormat::Json,
            Some(f) => {
                c.add("log_format", format!("'{f}' is not one of: text, json"));
                LogFormat::Text
            }
        };
        let max_results = raw.max_results.unwrap_or(200);
        if max_results == 0 || max_results > 2000 {
            c.add("max_results", "must be between 1 and 2000");
        }
        let token_signing_secret = c.secret(
            "token_signing_secret",
            raw.token_signing_secret.as_ref(),
            raw.token_signing_secret_file.as_ref(),
        );
        if token_signing_secret
            .as_ref()
            .is_some_and(|t| t.expose_secret().len() < 32)
        {
            c.add(
                "token_signing_secret",
                "must be at least 32 characters long (it signs the access tokens the bridge issues)",
            );
        }
        let token_lifetime_secs = raw.token_lifetime_secs.unwrap_or(3600);
        if !(60..=86_400).contains(&token_lifetime_secs) {
            c.add("token_lifetime_secs", "must be between 60 and 86400");
        }
        let request_deadline_secs = raw.request_deadline_secs.unwrap_or(50);
        if !(1..=600).contains(&request_deadline_secs) {
            c.add("request_deadline_secs", "must be between 1 and 600");
        }
        if raw.connections.is_empty() {
            c.add(
                "connections",
                "no connection is configured: add a [connections.<name>] table",
            );
        }
        let mut connections = Vec::new();
        for (name, rc) in raw.connections {
            if let Some(conn) = check_connection(&mut c, &name, rc) {
                connections.push(conn);
            }
        }
        for conn in &connections {
            if conn.salesforce.timeout.as_secs() >= request_deadline_secs {
                c.add(
                    format!("connections.{}.salesforce.timeout_secs", conn.name),
                    format!(
                        "must be below request_deadline_secs ({request_deadline_secs}): the bridge sends a create only while a whole Salesforce call fits before the IdP's answer is due"
                    ),
                );
            }
        }
        let mut client_ids: Vec<&str> = Vec::new();
        for conn in &connections {
            if let Some((id, _)) = &conn.inbound.oauth_client {
                if client_ids.contains(&id.as_str()) {
                    c.add(
                        format!("connections.{}.inbound.oauth_client_id", conn.name),
                        format!(
                            "'{id}' is used by another connection; OAuth client ids must be unique"
                        ),
                    );
                }
                client_ids.push(id);
                if token_signing_secret.is_none() {
                    c.add(
                        "token_signing_secret",
                        format!(
                            "connection '{}' has an OAuth client, so the bridge issues tokens: set a signing secret of at least 32 characters, the same on every replica",
                            conn.name
                        ),
                    );
                }
            }
        }
        match (listen, c.problems.is_empty()) {
            (Some(listen), true) => Ok(Config {
                listen,
                admin_token,
                log_format,
                max_results,
                token_signing_secret,
                token_lifetime: Duration::from_secs(token_lifetime_secs),
                request_deadline: Duration::from_secs(request_deadline_secs),
                connections,
            }),
            _ => Err(ConfigError(c.problems)),
        }
    }

    pub fn connection(&self, name: &str) -> Option<&ConnectionConfig> {
        self.connections.iter().find(|c| c.name == name)
    }
}

fn check_connection(c: &mut Checker, name: &str, rc: RawConnection) -> Option<ConnectionConfig> {
    let p = format!("connections.{name}");
    let before = c.problems.len();
    if !valid_connection_name(name) {
        c.add(
            &p,
            "a connection name must be lowercase letters, digits, '-' or '_' (it becomes the URL /scim/v2/<name>)",
        );
    }
    c.unknown(
        &p,
        &rc.unknown,
        &[
            "record_type",
            "match_field",
            "on_existing",
            "salesforce",
            "inbound",
            "policy",
            "disable",
            "mapping",
        ],
    );
    let record_type = match rc.record_type.as_deref().map(str::to_ascii_lowercase) {
        Some(t) if t == "contact" => Some(RecordType::Contact),
        Some(t) if t == "lead" => Some(RecordType::Lead),
        Some(t) => {
            c.add(
                format!("{p}.record_type"),
                format!("'{t}' is not one of: Contact, Lead"),
            );
            None
        }
        None => {
            c.add(
                format!("{p}.record_type"),
                "missing: set record_type = \"Contact\" or \"Lead\"",
            );
            None
        }
    };
    let salesforce = check_salesforce(c, &format!("{p}.salesforce"), rc.salesforce);
    let inbound = check_inbound(c, &format!("{p}.inbound"), rc.inbound);
    let policy = check_policy(c, &format!("{p}.policy"), rc.policy);
    let match_field = match FieldName::new(rc.match_field.as_deref().unwrap_or("Email")) {
        Ok(f) => Some(f),
        Err(e) => {
            c.add(format!("{p}.match_field"), e.to_string());
            None
        }
    };
    let on_existing = match rc.on_existing.as_deref().map(str::to_ascii_lowercase) {
        None => OnExisting::Link,
        Some(v) if v == "link" => OnExisting::Link,
        Some(v) if v == "conflict" => OnExisting::Conflict,
        Some(v) => {
            c.add(
                format!("{p}.on_existing"),
                format!("'{v}' is not one of: link, conflict"),
            );
            OnExisting::Link
        }
    };
    let record_type = record_type?;
    let disable = match rc.disable {
        None => DisableConfig::default_for(record_type),
        Some(d) => check_disable(c, &format!("{p}.disable"), d),
    };
    let mapping = match rc.mapping {
        None => mapping::default_rows(record_type),
        Some(rows) => check_mapping(c, &format!("{p}.mapping"), rows),
    };
    if let Some(mf) = &match_field {
        if !mapping
            .iter()
            .any(|r| r.field == *mf)
        {
            c.add(
                format!("{p}.match_field"),
                format!(
                    "'{}' is not the target of any mapping row, so people could never be matched on it",
                    mf.as_str()
                ),
            );
        }
    }
    for (required, why) in record_type.required_fields() {
        let mapped = mapping
            .iter()
            .any(|r| r.field.is(required));
        if !mapped {
            c.add(
                format!("{p}.mapping"),
                format!(
                    "{} requires {required} ({why}): map a SCIM attribute to it, with a `default` if the IdP may not send one",
                    record_type.as_str()
                ),
            );
        }
    }
    if policy
        .as_ref()
        .is_some_and(|p| p.deprovision_on_rule_deletion && !p.allow_deprovision)
    {
        c.add(
            format!("{p}.policy.deprovision_on_rule_deletion"),
            "deprovisioning on rule deletion is carried out by the IdP sending DELETE for each user, which allow_deprovision = false ignores: turn one of them off",
        );
    }
    if policy.as_ref().map(|p| p.remove_action) == Some(RemoveAction::Disable) && disable.is_none()
    {
        c.add(
            format!("{p}.policy.remove_action"),
            "remove_action = \"disable\" needs a [disable] table naming the field that disabling writes",
        );
    }
    if c.problems.len() > before {
        return None;
    }
    Some(ConnectionConfig {
        name: name.to_string(),
        record_type,
        salesforce: salesforce?,
        inbound: inbound?,
        policy: policy?,
        mapping,
        match_field: match_field?,
        on_existing,
        disable,
    })
}

fn check_salesforce(c: &mut Checker, p: &str, rs: RawSalesforce) -> Option<SalesforceConfig> {
    c.unknown(
        p,
        &rs.unknown,
        &[
            "domain",
            "instance_url",
            "api_version",
            "client_id",
            "client_secret(_file)",
            "access_token(_file)",
            "refresh_token(_file)",
            "jwt_username",
            "jwt_private_key_file",
            "jwt_audience",
            "timeout_secs",
            "max_retries",
            "describe_cache_secs",
            "allow_duplicate_save",
        ],
    );
    let before = c.problems.len();
    let domain = match rs.domain.as_deref() {
        None => {
            c.add(
                format!("{p}.domain"),
                "missing: your My Domain URL, e.g. https://acme.my.salesforce.com",
            );
            None
        }
        Some(d) => check_url(c, &format!("{p}.domain"), d),
    };
    let instance_url = rs
        .instance_url
        .as_deref()
        .and_then(|u| check_url(c, &format!("{p}.instance_url"), u));
    let api_version = rs.api_version.unwrap_or_else(|| "62.0".to_string());
    let version_ok = api_version
        .strip_suffix(".0")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (50..=67).contains(&n));
    if !version_ok {
        c.add(
            format!("{p}.api_version"),
            format!("'{api_version}' is not a REST API version between 50.0 and 67.0"),
        );
    }
    let client_id = rs.client_id.unwrap_or_default();
    if client_id.trim().is_empty() {
        c.add(
            format!("{p}.client_id"),
            "missing: the consumer key of your Salesforce connected app",
        );
    }
    let client_secret = c.secret(
        &format!("{p}.client_secret"),
        rs.client_secret.as_ref(),
        rs.client_secret_file.as_ref(),
    );
    let access_token = c.secret(
        &format!("{p}.access_token"),
        rs.access_token.as_ref(),
        rs.access_token_file.as_ref(),
    );
    let refresh_token = c.secret(
        &format!("{p}.refresh_token"),
        rs.refresh_token.as_ref(),
        rs.refresh_token_file.as_ref(),
    );
    let jwt_private_key = c.secret(
        &format!("{p}.jwt_private_key"),
        None,
        rs.jwt_private_key_file.as_ref(),
    );
    if jwt_private_key.is_some() != rs.jwt_username.is_some() {
        c.add(
            format!("{p}.jwt_username"),
            "the JWT bearer grant needs both jwt_username and jwt_private_key_file",
        );
    }
    if let Some(key) = &jwt_private_key {
        if jsonwebtoken::EncodingKey::from_rsa_pem(key.expose_secret().as_bytes()).is_err() {
            c.add(
                format!("{p}.jwt_private_key_file"),
                "is not an RSA private key in PEM format",
            );
        }
    }
    let can_get_token =
        refresh_token.is_some() || client_secret.is_some() || jwt_private_key.is_some();
    if !can_get_token && access_token.is_none() {
        c.add(
            p,
            "no Salesforce credentials: set refresh_token (with client_secret), client_secret alone (client credentials flow), or jwt_username + jwt_private_key_file",
        );
    }
    let timeout_secs = rs.timeout_secs.unwrap_or(30);
    if timeout_secs == 0 || timeout_secs > 600 {
        c.add(format!("{p}.timeout_secs"), "must be between 1 and 600");
    }
    let max_retries = rs.max_retries.unwrap_or(2);
    if max_retries > 10 {
        c.add(format!("{p}.max_retries"), "must be at most 10");
    }
    if c.problems.len() > before {
        return None;
    }
    Some(SalesforceConfig {
        domain: domain?,
        instance_url,
        api_version,
        client_id,
        client_secret,
        access_token,
        refresh_token,
        jwt_username: rs.jwt_username,
        jwt_private_key,
        jwt_audience: rs
            .jwt_audience
            .unwrap_or_else(|| "https://login.salesforce.com".to_string()),
        timeout: Duration::from_secs(timeout_secs),
        max_retries,
        describe_ttl: Duration::from_secs(rs.describe_cache_secs.unwrap_or(3600)),
        allow_duplicate_save: rs.allow_duplicate_save.unwrap_or(false),
        refresh_token_file: rs.refresh_token_file.clone(),
    })
}

fn check_inbound(c: &mut Checker, p: &str, ri: RawInbound) -> Option<InboundAuth> {
    c.unknown(
        p,
        &ri.unknown,
        &[
            "bearer_tokens",
            "bearer_tokens_file",
            "basic_username",
            "basic_password(_file)",
            "allow_anonymous",
            "oauth_client_id",
            "oauth_client_secret(_file)",
        ],
    );
    let before = c.problems.len();
    let mut bearer_tokens: Vec<SecretString> = ri
        .bearer_tokens
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| SecretString::from(t.trim().to_string()))
        .collect();
    if let Some(path) = &ri.bearer_tokens_file {
        match std::fs::read_to_string(path) {
            Ok(text) => bearer_tokens.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(|l| SecretString::from(l.to_string())),
            ),
            Err(e) => c.add(
                format!("{p}.bearer_tokens_file"),
                format!("cannot read '{}': {e}", path.display()),
            ),
        }
    }
    if bearer_tokens.iter().any(|t| t.expose_secret().len() < 16) {
        c.add(
            format!("{p}.bearer_tokens"),
            "every bearer token must be at least 16 characters long",
        );
    }
    let password = c.secret(
        &format!("{p}.basic_password"),
        ri.basic_password.as_ref(),
        ri.basic_password_file.as_ref(),
    );
    let basic = match (ri.basic_username, password) {
        (Some(u), Some(pw)) => Some((u, pw)),
        (None, None) => None,
        _ => {
            c.add(
                format!("{p}.basic_username"),
                "HTTP Basic needs both basic_username and basic_password",
            );
            None
        }
    };
    let oauth_secret = c.secret(
        &format!("{p}.oauth_client_secret"),
        ri.oauth_client_secret.as_ref(),
        ri.oauth_client_secret_file.as_ref(),
    );
    let oauth_client = match (ri.oauth_client_id, oauth_secret) {
        (Some(id), Some(secret)) if !id.trim().is_empty() => {
            if secret.expose_secret().len() < 16 {
                c.add(
                    format!("{p}.oauth_client_secret"),
                    "must be at least 16 characters long",
                );
            }
            Some((id.trim().to_string(), secret))
        }
        (None, None) => None,
        _ => {
            c.add(
                format!("{p}.oauth_client_id"),
                "OAuth client credentials need both oauth_client_id and oauth_client_secret",
            );
            None
        }
    };
    let allow_anonymous = ri.allow_anonymous.unwrap_or(false);
    if bearer_tokens.is_empty() && basic.is_none() && oauth_client.is_none() && !allow_anonymous {
        c.add(
            format!("{p}.bearer_tokens"),
            "no inbound credentials: give the IdP a bearer token (or an OAuth client, or basic_username/basic_password; allow_anonymous = true only behind your own gateway)",
        );
    }
    (c.problems.len() == before).then_some(InboundAuth {
        bearer_tokens,
        basic,
        allow_anonymous,
        oauth_client,
    })
}

fn check_policy(c: &mut Checker, p: &str, rp: RawPolicy) -> Option<Policy> {
    c.unknown(
        p,
        &rp.unknown,
        &[
            "allow_create",
            "allow_update",
            "allow_delete",
            "allow_disable",
            "allow_deprovision",
            "remove_action",
            "deprovision_on_rule_deletion",
        ],
    );
    let d = Policy::default();
    let remove_action = match rp.remove_action.as_deref().map(str::to_ascii_lowercase) {
        None => d.remove_action,
        Some(a) if a == "disable" => RemoveAction::Disable,
        Some(a) if a == "delete" => RemoveAction::Delete,
        Some(a) => {
            c.add(
                format!("{p}.remove_action"),
                format!("'{a}' is not one of: disable, delete"),
            );
            return None;
        }
    };
    Some(Policy {
        allow_create: rp.allow_create.unwrap_or(d.allow_create),
        allow_update: rp.allow_update.unwrap_or(d.allow_update),
        allow_delete: rp.allow_delete.unwrap_or(d.allow_delete),
        allow_disable: rp.allow_disable.unwrap_or(d.allow_disable),
        allow_deprovision: rp.allow_deprovision.unwrap_or(d.allow_deprovision),
        remove_action,
        deprovision_on_rule_deletion: rp
            .deprovision_on_rule_deletion
            .unwrap_or(d.deprovision_on_rule_deletion),
    })
}

fn check_disable(c: &mut Checker, p: &str, rd: RawDisable) -> Option<DisableConfig> {
    c.unknown(
        p,
        &rd.unknown,
        &["field", "disabled_value", "enabled_value"],
    );
    let field = match rd.field.as_deref().map(FieldName::new) {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            c.add(format!("{p}.field"), e.to_string());
            return None;
        }
        None => {
            c.add(
                format!("{p}.field"),
                "missing: the Salesforce field that disabling writes",
            );
            return None;
        }
    };
    let (Some(disabled), Some(enabled)) = (rd.disabled_value, rd.enabled_value) else {
        c.add(
            p,
            "both disabled_value and enabled_value are needed (e.g. false and true for a checkbox)",
        );
        return None;
    };
    let (disabled_value, enabled_value) = (toml_to_json(&disabled), toml_to_json(&enabled));
    if disabled_value == enabled_value {
        c.add(p, "disabled_value and enabled_value must differ");
        return None;
    }
    Some(DisableConfig {
        field,
        disabled_value,
        enabled_value,
    })
}

fn check_mapping(c: &mut Checker, p: &str, rows: Vec<RawMappingRow>) -> Vec<MappingRow> {
    let mut out: Vec<MappingRow> = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let key = format!("{p}[{i}]");
        c.unknown(&key, &row.unknown, &["scim", "field", "update", "default"]);
        let (Some(scim), Some(field)) = (row.scim, row.field) else {
            c.add(&key, "every mapping row needs `scim` and `field`");
            continue;
        };
        match MappingRow::new(
            &scim,
            &field,
            row.update,
            row.default.as_ref().map(toml_to_json),
        ) {
            Ok(r) => {
                if out.iter().any(|o| o.attr == r.attr) {
                    c.add(
                        format!("{key}.scim"),
                        format!("'{scim}' is mapped twice; one SCIM attribute maps to one field"),
                    );
                } else {
                    out.push(r);
                }
            }
            Err(message) => c.add(&key, message),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(extra: &str) -> String {
        format!(
            r#"
listen = "127.0.0.1:0"
[connections.contacts]
record_type = "Contact"
{extra}
[connections.contacts.salesforce]
domain = "https://acme.my.salesforce.com"
client_id = "cid"
client_secret = "secret"
refresh_token = "rt"
[connections.contacts.inbound]
bearer_tokens = ["0123456789abcdef0123"]
"#
        )
    }

    #[test]
    fn a_minimal_contact_connection_gets_the_default_mapping_and_policy() {
        let cfg = Config::from_raw(parse_raw(&minimal("")).unwrap()).unwrap();
        let conn = cfg.connection("contacts").unwrap();
        assert_eq!(conn.record_type, RecordType::Contact);
        assert_eq!(conn.policy, Policy::default());
        assert_eq!(conn.match_field.as_str(), "Email");
        assert!(conn.mapping.iter().any(|r| r.field.as_str() == "LastName"));
        assert_eq!(conn.on_existing, OnExisting::Link);
    }

    #[test]
    fn every_problem_is_reported_at_once_by_key_name() {
        let text = r#"
listen = "nowhere"
colour = "blue"
[connections.Bad]
record_type = "Opportunity"
[connections.Bad.salesforce]
domain = "http://acme.my.salesforce.com"
[connections.Bad.policy]
remove_action = "explode"
"#;
        let err = Config::from_raw(parse_raw(text).unwrap()).unwrap_err();
        let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
        for expected in [
            "listen",
            "colour",
            "connections.Bad",
            "connections.Bad.record_type",
            "connections.Bad.salesforce.domain",
            "connections.Bad.salesforce.client_id",
            "connections.Bad.salesforce",
            "connections.Bad.inbound.bearer_tokens",
            "connections.Bad.policy.remove_action",
        ] {
            assert!(keys.contains(&expected), "{expected} missing from {keys:?}");
        }
    }

    #[test]
    fn a_secret_in_a_file_is_read_and_trimmed() {
        let dir = std::env::temp_dir().join(format!("scim-bridge-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "from-file\n").unwrap();
        let text = minimal("").replace(
            "client_secret = \"secret\"",
            &format!("client_secret_file = {:?}", path.display().to_string()),
        );
        let cfg = Config::from_raw(parse_raw(&text).unwrap()).unwrap();
        let sf = &cfg.connection("contacts").unwrap().salesforce;
        assert_eq!(
            sf.client_secret.as_ref().unwrap().expose_secret(),
            "from-file"
        );
    }

    #[test]
    fn a_debug_print_of_the_config_never_shows_a_secret() {
        let cfg = Config::from_raw(parse_raw(&minimal("")).unwrap()).unwrap();
        let printed = format!("{cfg:?}");
        assert!(!printed.contains("0123456789abcdef0123"));
        assert!(!printed.contains("\"secret\""));
    }

    #[test]
    fn an_environment_variable_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("scim-bridge-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, minimal("")).unwrap();
        std::env::set_var(
            "SCIM_BRIDGE_CONNECTIONS__CONTACTS__SALESFORCE__CLIENT_SECRET",
            "from-env",
        );
        let cfg = load(&path).unwrap();
        std::env::remove_var("SCIM_BRIDGE_CONNECTIONS__CONTACTS__SALESFORCE__CLIENT_SECRET");
        let sf = &cfg.connection("contacts").unwrap().salesforce;
        assert_eq!(
            sf.client_secret.as_ref().unwrap().expose_secret(),
            "from-env"
        );
    }

    #[test]
    fn a_missing_file_is_reported_by_name() {
        let err = load(Path::new("/nonexistent/scim-bridge.toml")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/scim-bridge.toml"));
    }

    #[test]
    fn the_annotated_example_config_is_valid() {
        let dir = std::env::temp_dir().join(format!("scim-bridge-example-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, content) in [
            ("scim-bridge-admin-token", "an-admin-token-of-some-length"),
            ("sf-client-secret", "secret"),
            ("sf-refresh-token", "refresh"),
            (
                "scim-bridge-contacts-tokens",
                "# tokens\ncontacts-token-0123456789\n",
            ),
            ("scim-bridge-leads-tokens", "leads-token-0123456789"),
            (
                "scim-bridge-token-signing-secret",
                "a-signing-secret-of-at-least-32-characters",
            ),
            (
                "scim-bridge-contacts-oauth-secret",
                "oauth-secret-0123456789",
            ),
        ] {
            std::fs::write(dir.join(name), content).unwrap();
        }
        let text = include_str!("../config.example.toml")
            .replace("/run/secrets/", &format!("{}/", dir.display()));
        let cfg = Config::from_raw(parse_raw(&text).unwrap()).unwrap();
        assert_eq!(cfg.connections.len(), 2);
        let contacts = cfg.connection("contacts").unwrap();
        assert_eq!(contacts.inbound.bearer_tokens.len(), 1);
        assert!(contacts.inbound.oauth_client.is_some());
        assert!(cfg.token_signing_secret.is_some());
        assert_eq!(contacts.mapping.len(), 7);
        assert!(!contacts.mapping[6].update);
        assert_eq!(
            cfg.connection("leads").unwrap().policy.remove_action,
            RemoveAction::Delete
        );
    }

    #[test]
    fn deprovisioning_on_rule_deletion_with_deprovisioning_off_is_a_contradiction() {
        let text = minimal(
            "[connections.contacts.policy]\nallow_deprovision = false\ndeprovision_on_rule_deletion = true\n",
        );
        let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
        assert_eq!(
            err.0[0].key,
            "connections.contacts.policy.deprovision_on_rule_deletion"
        );
    }

    #[test]
    fn an_oauth_client_needs_a_signing_secret() {
        let text = minimal("").replace(
            "bearer_tokens = [\"0123456789abcdef0123\"]",
            "oauth_client_id = \"pingone\"\noauth_client_secret = \"0123456789abcdef0123\"",
        );
        let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
        assert!(
            err.0.iter().any(|p| p.key == "token_signing_secret"),
            "{err}"
        );
        let with_secret = format!("token_signing_secret = \"{}\"\n{text}", "s".repeat(32));
        let cfg = Config::from_raw(parse_raw(&with_secret).unwrap()).unwrap();
        assert!(cfg
            .connection("contacts")
            .unwrap()
            .inbound
            .oauth_client
            .is_some());
    }

    #[test]
    fn a_lead_mapping_without_company_is_refused() {
        let text = minimal(
            r#"
[[connections.contacts.mapping]]
scim = "name.familyName"
field = "LastName"
[[connections.contacts.mapping]]
scim = "userName"
field = "Email"
"#,
        )
        .replace("record_type = \"Contact\"", "record_type = \"Lead\"");
        let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
        assert!(err.0.iter().any(|p| p.message.contains("Company")), "{err}");
    }
}

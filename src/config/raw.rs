//! What the configuration file says ([`RawConfig`]): every key optional, unknown keys kept so
//! that they can be reported as typos, and the two ways to read it (a file with environment
//! overrides, or TOML text).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;
use serde_json::Value;

use super::{ConfigError, Problem, ENV_PREFIX};

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
    pub shutdown_drain_secs: Option<u64>,
    pub public_url: Option<String>,
    pub metrics_listen: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    #[serde(default)]
    pub connections: BTreeMap<String, RawConnection>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawConnection {
    pub record_type: Option<String>,
    pub match_field: Option<String>,
    pub key_field: Option<String>,
    pub on_existing: Option<String>,
    #[serde(default)]
    pub salesforce: RawSalesforce,
    #[serde(default)]
    pub inbound: RawInbound,
    #[serde(default)]
    pub policy: RawPolicy,
    pub disable: Option<RawDisable>,
    pub removal_guard: Option<RawRemovalGuard>,
    pub promotion: Option<RawPromotion>,
    pub groups: Option<RawGroups>,
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
    pub api_reserve_percent: Option<u8>,
    pub coalesce_window_ms: Option<u64>,
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
pub struct RawPromotion {
    pub from: Option<String>,
    pub account_id: Option<String>,
    pub converted_status: Option<String>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawGroups {
    pub enabled: Option<bool>,
    pub owner: Option<String>,
    pub key_field: Option<String>,
    pub external_id_field: Option<String>,
    pub member_key_field: Option<String>,
    pub on_delete: Option<String>,
    pub campaign: Option<BTreeMap<String, toml::Value>>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawRemovalGuard {
    pub enabled: Option<bool>,
    pub max_removals: Option<u32>,
    pub window_secs: Option<u64>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawMappingRow {
    pub scim: Option<String>,
    pub field: Option<String>,
    pub update: Option<bool>,
    pub default: Option<toml::Value>,
    pub fallback: Option<bool>,
    pub read_only: Option<bool>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, toml::Value>,
}

/// Reads a TOML file and the environment overrides into a [`RawConfig`].
pub fn load_raw(path: &Path) -> Result<RawConfig, ConfigError> {
    if !path.is_file() {
        return Err(ConfigError(vec![Problem {
            key: "--config".to_string(),
            message: format!("no configuration file at '{}'", path.display()),
        }]));
    }
    extract(
        Figment::new()
            .merge(Toml::file(path))
            .merge(Env::prefixed(ENV_PREFIX).split("__")),
    )
}

/// Parses TOML text (no environment overrides): used for the embedded demo configuration and
/// in tests.
pub fn parse_raw(text: &str) -> Result<RawConfig, ConfigError> {
    extract(Figment::new().merge(Toml::string(text)))
}

/// Every figment error becomes a problem named by its key.
fn extract(figment: Figment) -> Result<RawConfig, ConfigError> {
    figment.extract::<RawConfig>().map_err(|errors| {
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

pub(super) fn toml_to_json(v: &toml::Value) -> Value {
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

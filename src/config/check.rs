//! Validation: every key of a [`RawConfig`] checked, every problem reported at once by its key,
//! and the validated [`Config`] built from domain types (the Salesforce client's settings, the
//! provisioning policy, the mapping), so nothing is mirrored field by field afterwards.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::raw::{
    toml_to_json, RawConfig, RawConnection, RawDisable, RawInbound, RawMappingRow, RawPolicy,
    RawSalesforce,
};
use super::{Config, ConfigError, ConnectionConfig, LogFormat, Problem};
use crate::inbound::InboundAuth;
use crate::mapping::view::Mapping;
use crate::mapping::{self, DisableConfig, MappingRow, SObject};
use crate::provisioning::{ConnectionSpec, OnExisting, Policy, RemoveAction};
use crate::salesforce::settings::{self, SalesforceSettings};
use crate::salesforce::{FieldName, JwtBearer};

/// The default listen address.
const DEFAULT_LISTEN: &str = "0.0.0.0:8080";
/// The default largest list page, and the most Salesforce returns in one query batch.
const DEFAULT_MAX_RESULTS: u64 = 200;
const MAX_MAX_RESULTS: u64 = 2000;
/// The default lifetime of the access tokens `POST /oauth/token` issues.
const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 3600;
/// The default request deadline: below Entra ID's 60 s resend of a POST.
const DEFAULT_REQUEST_DEADLINE_SECS: u64 = 50;

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

/// Validates everything and reports every problem at once.
pub(super) fn check(raw: RawConfig) -> Result<Config, ConfigError> {
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
    let listen_text = raw.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string());
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
    let max_results = raw.max_results.unwrap_or(DEFAULT_MAX_RESULTS);
    if max_results == 0 || max_results > MAX_MAX_RESULTS {
        c.add(
            "max_results",
            format!("must be between 1 and {MAX_MAX_RESULTS}"),
        );
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
    let token_lifetime_secs = raw
        .token_lifetime_secs
        .unwrap_or(DEFAULT_TOKEN_LIFETIME_SECS);
    if !(60..=86_400).contains(&token_lifetime_secs) {
        c.add("token_lifetime_secs", "must be between 60 and 86400");
    }
    let request_deadline_secs = raw
        .request_deadline_secs
        .unwrap_or(DEFAULT_REQUEST_DEADLINE_SECS);
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
        if let Some(conn) = check_connection(&mut c, &name, rc, max_results) {
            connections.push(conn);
        }
    }
    for conn in &connections {
        if conn.salesforce.timeout.as_secs() >= request_deadline_secs {
            c.add(
                format!("connections.{}.salesforce.timeout_secs", conn.name()),
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
                    format!("connections.{}.inbound.oauth_client_id", conn.name()),
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
                        conn.name()
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

fn check_connection(
    c: &mut Checker,
    name: &str,
    rc: RawConnection,
    max_results: u64,
) -> Option<ConnectionConfig> {
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
    let object = match rc.record_type.as_deref().map(str::to_ascii_lowercase) {
        Some(t) if t == "contact" => Some(SObject::Contact),
        Some(t) if t == "lead" => Some(SObject::Lead),
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
    let object = object?;
    let disable = match rc.disable {
        None => Some(DisableConfig::default_for(object)),
        Some(d) => check_disable(c, &format!("{p}.disable"), d),
    };
    let mapping = match rc.mapping {
        None => mapping::default_rows(object),
        Some(rows) => check_mapping(c, &format!("{p}.mapping"), rows),
    };
    if let Some(mf) = &match_field {
        if !mapping.iter().any(|r| r.field == *mf) {
            c.add(
                format!("{p}.match_field"),
                format!(
                    "'{}' is not the target of any mapping row, so people could never be matched on it",
                    mf.as_str()
                ),
            );
        }
    }
    for (required, why) in object.required_fields() {
        let mapped = mapping.iter().any(|r| r.field.is(required));
        if !mapped {
            c.add(
                format!("{p}.mapping"),
                format!(
                    "{} requires {required} ({why}): map a SCIM attribute to it, with a `default` if the IdP may not send one",
                    object.as_str()
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
    let salesforce = salesforce?;
    Some(ConnectionConfig {
        spec: ConnectionSpec {
            name: name.to_string(),
            mapping: Mapping {
                object,
                rows: mapping,
                disable,
            },
            policy: policy?,
            match_field: match_field?,
            on_existing,
            max_results,
            call_timeout: salesforce.timeout,
        },
        salesforce,
        inbound: inbound?,
    })
}

fn check_salesforce(c: &mut Checker, p: &str, rs: RawSalesforce) -> Option<SalesforceSettings> {
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
    let api_version = rs
        .api_version
        .unwrap_or_else(|| settings::DEFAULT_API_VERSION.to_string());
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
    let timeout_secs = rs
        .timeout_secs
        .unwrap_or(settings::DEFAULT_TIMEOUT.as_secs());
    if timeout_secs == 0 || timeout_secs > 600 {
        c.add(format!("{p}.timeout_secs"), "must be between 1 and 600");
    }
    let max_retries = rs.max_retries.unwrap_or(settings::DEFAULT_MAX_RETRIES);
    if max_retries > 10 {
        c.add(format!("{p}.max_retries"), "must be at most 10");
    }
    if c.problems.len() > before {
        return None;
    }
    let jwt = match (rs.jwt_username, jwt_private_key) {
        (Some(username), Some(private_key_pem)) => Some(JwtBearer {
            username,
            private_key_pem,
            audience: rs
                .jwt_audience
                .unwrap_or_else(|| settings::DEFAULT_JWT_AUDIENCE.to_string()),
        }),
        _ => None,
    };
    Some(SalesforceSettings {
        login_url: domain?,
        instance_url,
        api_version,
        client_id,
        client_secret,
        access_token,
        refresh_token,
        jwt,
        timeout: Duration::from_secs(timeout_secs),
        max_retries,
        describe_ttl: rs
            .describe_cache_secs
            .map(Duration::from_secs)
            .unwrap_or(settings::DEFAULT_DESCRIBE_TTL),
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

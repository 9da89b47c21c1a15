//! Validation: every key of a [`RawConfig`] checked, every problem reported at once by its key,
//! and the validated [`Config`] built from domain types (the Salesforce client's settings, the
//! provisioning policy, the mapping), so nothing is mirrored field by field afterwards.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::checker::Checker;
use super::credentials::{check_inbound, check_salesforce};
use super::raw::{
    toml_to_json, RawConfig, RawConnection, RawDisable, RawMappingRow, RawPolicy, RawPromotion,
    RawRemovalGuard,
};
use super::{Config, ConfigError, ConnectionConfig, LogFormat};
use crate::mapping::view::Mapping;
use crate::mapping::{self, DisableConfig, MappingRow, SObject};
use crate::provisioning::guard::GuardSpec;
use crate::provisioning::policy::Promotion;
use crate::provisioning::{ConnectionSpec, OnExisting, Policy, RemoveAction};
use crate::salesforce::FieldName;

/// The default listen address.
const DEFAULT_LISTEN: &str = "0.0.0.0:8080";
/// The default largest list page, and the most Salesforce returns in one query batch.
const DEFAULT_MAX_RESULTS: u64 = 200;
const MAX_MAX_RESULTS: u64 = 2000;
/// The default lifetime of the access tokens `POST /oauth/token` issues.
const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 3600;
/// The default request deadline: below Entra ID's 60 s resend of a POST.
const DEFAULT_REQUEST_DEADLINE_SECS: u64 = 50;

/// Connection names become URL segments and environment-variable keys (which figment lowercases).
fn valid_connection_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && name.len() <= 64
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
            "shutdown_drain_secs",
            "public_url",
            "trusted_proxies",
            "metrics_listen",
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
    let metrics_listen = raw.metrics_listen.as_deref().and_then(|text| {
        text.parse::<SocketAddr>()
            .map_err(|_| {
                c.add(
                    "metrics_listen",
                    format!("'{text}' is not an address like 0.0.0.0:9090"),
                )
            })
            .ok()
    });
    let public_url = raw
        .public_url
        .as_deref()
        .and_then(|u| check_public_url(&mut c, u));
    let trusted_proxies = raw
        .trusted_proxies
        .unwrap_or_default()
        .iter()
        .filter_map(|p| check_proxy(&mut c, p))
        .collect();
    let shutdown_drain_secs = raw.shutdown_drain_secs.unwrap_or(0);
    if shutdown_drain_secs > 120 {
        c.add("shutdown_drain_secs", "must be between 0 and 120");
    }
    if raw.connections.is_empty() {
        c.add(
            "connections",
            "no connection is configured: add a [connections.<name>] table",
        );
    }
    let mut connections = Vec::new();
    let mut promotions = Vec::new();
    for (name, rc) in raw.connections {
        if let Some((conn, promotion)) = check_connection(&mut c, &name, rc, max_results) {
            connections.push(conn);
            promotions.push(promotion);
        }
    }
    resolve_promotions(&mut c, &mut connections, promotions);
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
            shutdown_drain: Duration::from_secs(shutdown_drain_secs),
            token_backoff: crate::inbound::Backoff::default(),
            metrics_listen,
            public_url,
            trusted_proxies,
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
) -> Option<(ConnectionConfig, Option<RawPromotion>)> {
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
            "key_field",
            "on_existing",
            "salesforce",
            "inbound",
            "policy",
            "disable",
            "removal_guard",
            "promotion",
            "groups",
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
    let removal_guard = check_removal_guard(c, &format!("{p}.removal_guard"), rc.removal_guard);
    let promotion = rc
        .promotion
        .and_then(|raw| check_promotion(c, &format!("{p}.promotion"), raw));
    let groups = rc
        .groups
        .and_then(|raw| super::groups::check_groups(c, &format!("{p}.groups"), name, raw));
    let key_field = check_key_field(c, &format!("{p}.key_field"), rc.key_field.as_deref());
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
    if let Some(key) = &key_field {
        for row in mapping.iter().filter(|r| r.field == *key) {
            c.add(
                format!("{p}.mapping"),
                format!(
                    "'{}' maps to the key field {key}, which holds userName only",
                    row.attr
                ),
            );
        }
    }
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
    if promotion.is_some() && object != SObject::Contact {
        c.add(
            format!("{p}.promotion"),
            "only a Contact connection promotes Leads (Salesforce converts a Lead into a Contact)",
        );
    }
    if c.problems.len() > before {
        return None;
    }
    let salesforce = salesforce?;
    Some(ConnectionConfig {
        spec: ConnectionSpec {
            name: name.to_string(),
            mapping: Mapping::new(object, key_field?, mapping, disable),
            policy: policy?,
            match_field: match_field?,
            on_existing,
            max_results,
            call_timeout: salesforce.timeout,
            removal_guard,
            promotion: None,
            groups,
        },
        salesforce,
        inbound: inbound?,
    })
    .map(|conn| (conn, promotion))
}

/// The key field: a custom field (`…__c`) that the admin creates as Text, External ID and
/// Unique (`scim-bridge setup-org` does it through the Tooling API).
fn check_key_field(c: &mut Checker, p: &str, key: Option<&str>) -> Option<FieldName> {
    let how = "a custom text field marked External ID and Unique that holds each person's userName: create it with `scim-bridge setup-org --config FILE` or in Setup → Object Manager → Fields & Relationships";
    let name = key.unwrap_or(mapping::DEFAULT_KEY_FIELD).trim();
    if name.is_empty() {
        c.add(
            p,
            format!("missing: every connection needs a key field, {how}"),
        );
        return None;
    }
    match FieldName::new(name) {
        Ok(f) if name.to_ascii_lowercase().ends_with("__c") => Some(f),
        Ok(_) => {
            c.add(
                p,
                format!("'{name}' is not a custom field (custom field names end in __c): the key field is {how}"),
            );
            None
        }
        Err(e) => {
            c.add(p, e.to_string());
            None
        }
    }
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

/// `public_url`: an `http(s)` origin, perhaps with a path prefix the balancer strips, without
/// query or fragment; kept without its trailing slash.
fn check_public_url(c: &mut Checker, text: &str) -> Option<String> {
    let how = "an origin like https://scim.example.com (what IdPs reach the bridge at)";
    match url::Url::parse(text) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty() =>
        {
            Some(u.as_str().trim_end_matches('/').to_string())
        }
        _ => {
            c.add("public_url", format!("'{text}' is not {how}"));
            None
        }
    }
}

/// One `trusted_proxies` entry: an address (`10.0.0.7`) or a CIDR range (`10.0.0.0/8`).
fn check_proxy(c: &mut Checker, text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| {
            text.parse::<std::net::IpAddr>()
                .ok()
                .map(ipnet::IpNet::from)
        })
        .or_else(|| {
            c.add(
                "trusted_proxies",
                format!("'{text}' is not an IP address or a CIDR range like 10.0.0.0/8"),
            );
            None
        })
}

/// `[connections.<name>.promotion]`: `from` is resolved against the other connections once
/// all are read ([`resolve_promotions`]).
fn check_promotion(c: &mut Checker, p: &str, raw: RawPromotion) -> Option<RawPromotion> {
    c.unknown(p, &raw.unknown, &["from", "account_id", "converted_status"]);
    if raw.from.as_deref().is_none_or(|f| f.trim().is_empty()) {
        c.add(
            format!("{p}.from"),
            "missing: name the Lead connection to promote from, or \"Lead\" for any unconverted Lead",
        );
        return None;
    }
    if let Some(a) = &raw.account_id {
        let ok = (a.len() == 15 || a.len() == 18)
            && a.starts_with("001")
            && a.bytes().all(|b| b.is_ascii_alphanumeric());
        if !ok {
            c.add(
                format!("{p}.account_id"),
                format!("'{a}' is not an Account Id (15 or 18 characters starting with 001)"),
            );
        }
    }
    Some(raw)
}

/// Turns each connection's raw promotion into a [`Promotion`]: `from` names a Lead connection
/// (whose key field the Lead releases as it converts) or the Lead object.
fn resolve_promotions(
    c: &mut Checker,
    connections: &mut [ConnectionConfig],
    promotions: Vec<Option<RawPromotion>>,
) {
    let leads: Vec<(String, FieldName, SObject)> = connections
        .iter()
        .map(|k| {
            (
                k.name().to_string(),
                k.spec.mapping.key.clone(),
                k.spec.mapping.object,
            )
        })
        .collect();
    for (conn, raw) in connections.iter_mut().zip(promotions) {
        let Some(raw) = raw else {
            continue;
        };
        let key = format!("connections.{}.promotion.from", conn.name());
        let from = raw.from.unwrap_or_default();
        let (from_name, lead_key) = if from.eq_ignore_ascii_case("lead") {
            (None, None)
        } else {
            match leads.iter().find(|(n, _, _)| *n == from) {
                Some((n, k, SObject::Lead)) => (Some(n.clone()), Some(k.clone())),
                Some((n, _, _)) => {
                    c.add(
                        key,
                        format!("connection '{n}' provisions Contacts, not Leads"),
                    );
                    continue;
                }
                None => {
                    c.add(
                        key,
                        format!(
                            "no connection named '{from}': name a Lead connection, or \"Lead\""
                        ),
                    );
                    continue;
                }
            }
        };
        conn.spec.promotion = Some(Promotion {
            from: from_name,
            lead_key,
            account_id: raw.account_id,
            converted_status: raw.converted_status,
        });
    }
}

/// `[connections.<name>.removal_guard]`: on by default ([`GuardSpec::default`]), off only
/// with `enabled = false`.
fn check_removal_guard(
    c: &mut Checker,
    p: &str,
    raw: Option<RawRemovalGuard>,
) -> Option<GuardSpec> {
    let d = GuardSpec::default();
    let Some(raw) = raw else {
        return Some(d);
    };
    c.unknown(p, &raw.unknown, &["enabled", "max_removals", "window_secs"]);
    if raw.enabled == Some(false) {
        return None;
    }
    if raw.window_secs == Some(0) {
        c.add(
            format!("{p}.window_secs"),
            "must be at least 1; to turn the guard off, set enabled = false",
        );
    }
    Some(GuardSpec {
        max_removals: raw.max_removals.unwrap_or(d.max_removals),
        window: raw.window_secs.map_or(d.window, Duration::from_secs),
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
        c.unknown(
            &key,
            &row.unknown,
            &[
                "scim",
                "field",
                "update",
                "default",
                "fallback",
                "read_only",
            ],
        );
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
                let r = if row.fallback.unwrap_or(false) {
                    r.as_fallback()
                } else {
                    r
                };
                let r = if row.read_only.unwrap_or(false) {
                    r.as_read_only()
                } else {
                    r
                };
                if r.attr.name == mapping::USER_NAME && !r.fallback {
                    c.add(
                        format!("{key}.scim"),
                        format!(
                            "userName is held by the connection's key field (key_field, default {}); map it to '{field}' only as a fallback (fallback = true: written when the IdP sends no email and userName is an email address)",
                            mapping::DEFAULT_KEY_FIELD
                        ),
                    );
                } else if out
                    .iter()
                    .any(|o| o.attr == r.attr && !o.fallback && !r.fallback)
                {
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

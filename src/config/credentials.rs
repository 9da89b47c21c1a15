//! The two credential sections of a connection: how the bridge reaches Salesforce
//! (`[connections.<name>.salesforce]`, built straight into [`SalesforceSettings`]) and how the
//! IdP must authenticate (`[connections.<name>.inbound]`).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::checker::{check_url, Checker};
use super::raw::{RawInbound, RawSalesforce};
use crate::inbound::InboundAuth;
use crate::salesforce::settings::{self, SalesforceSettings};
use crate::salesforce::JwtBearer;

pub(super) fn check_salesforce(
    c: &mut Checker,
    p: &str,
    rs: RawSalesforce,
) -> Option<SalesforceSettings> {
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
            "api_reserve_percent",
            "coalesce_window_ms",
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
    let coalesce_window = rs
        .coalesce_window_ms
        .map(Duration::from_millis)
        .unwrap_or(crate::salesforce::batch::DEFAULT_WINDOW);
    if coalesce_window > Duration::from_secs(1) {
        c.add(
            format!("{p}.coalesce_window_ms"),
            "must be at most 1000 (it delays requests that arrive together)",
        );
    }
    let api_reserve_percent = rs
        .api_reserve_percent
        .unwrap_or(settings::DEFAULT_API_RESERVE_PERCENT);
    if api_reserve_percent > 90 {
        c.add(
            format!("{p}.api_reserve_percent"),
            "must be between 0 and 90 (the share of the org's daily API allowance kept for its other integrations)",
        );
    }
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
        api_reserve_percent,
        coalesce_window,
    })
}

pub(super) fn check_inbound(c: &mut Checker, p: &str, ri: RawInbound) -> Option<InboundAuth> {
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

//! One REST request on the wire: the URL under the instance, the bearer token (renewed once on
//! `INVALID_SESSION_ID`), headers and body, and what the answer says (status, error array,
//! `Sforce-Limit-Info`). The only place the client touches reqwest after construction.
//!
//! A 401 `INVALID_SESSION_ID` renews the token once (shared with all concurrent requests, see
//! [`super::auth`]) and resends once; anything else is for [`super::retry`] to judge.

use std::sync::atomic::Ordering;
use std::time::Instant;

use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::Method;
use secrecy::ExposeSecret;
use tracing::Instrument;

use super::auth::Token;
use super::client::SalesforceClient;
use super::error::SfError;
use super::wire::{parse_api_usage, Record};

/// Where a request goes.
pub(super) enum Target {
    /// Below `/services/data/v{version}`.
    Versioned(String),
    /// A path from the instance root (`/services/data/…`).
    Root(String),
}

/// One REST request, described well enough to send it again.
pub(super) struct Call<'a> {
    pub method: Method,
    pub target: Target,
    /// The path with placeholders, for logs (`/sobjects/{object}/{id}`).
    pub template: &'static str,
    pub object: Option<&'a str>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<&'a Record>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub authenticated: bool,
}

impl<'a> Call<'a> {
    /// What the call is for, as `scim_bridge_salesforce_requests_total` labels it.
    pub fn kind(&self) -> &'static str {
        let t = self.template;
        if t.starts_with("/query") {
            "query"
        } else if t.starts_with("/composite") {
            "composite"
        } else if t.starts_with("/tooling") {
            "tooling"
        } else if t.ends_with("/describe") {
            "describe"
        } else if t == "/limits" {
            "limits"
        } else if t == "/sobjects/{object}" && self.method == Method::POST {
            "create"
        } else if t == "/sobjects/{object}/{id}" {
            match self.method {
                Method::GET => "read",
                Method::PATCH => "update",
                Method::DELETE => "delete",
                _ => "other",
            }
        } else {
            "other"
        }
    }

    pub fn new(
        method: Method,
        target: Target,
        template: &'static str,
        object: Option<&'a str>,
    ) -> Self {
        Call {
            method,
            target,
            template,
            object,
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            authenticated: true,
        }
    }

    /// Adds `Sforce-Duplicate-Rule-Header: allowSave=true` when `allow` ("Duplicate Rule
    /// Header", REST API Developer Guide).
    pub fn allow_duplicate_save(&mut self, allow: bool) {
        if allow {
            self.headers.push((
                HeaderName::from_static("sforce-duplicate-rule-header"),
                HeaderValue::from_static("allowSave=true"),
            ));
        }
    }
}

/// A failed attempt, and whether Salesforce may have acted on it.
pub(super) struct Failure {
    pub error: SfError,
    /// False only when the request never left (e.g. no token could be obtained).
    pub sent: bool,
}

impl Failure {
    pub fn sent(error: SfError) -> Self {
        Failure { error, sent: true }
    }

    pub fn unsent(error: SfError) -> Self {
        Failure { error, sent: false }
    }
}

impl SalesforceClient {
    /// One attempt: with the current token, renewing it once on `INVALID_SESSION_ID`.
    pub(super) async fn attempt(&self, call: &Call<'_>, attempt: u32) -> Result<Vec<u8>, Failure> {
        let span = tracing::info_span!(
            "salesforce_call",
            method = %call.method,
            path = call.template,
            object = call.object.unwrap_or("-"),
            attempt
        );
        async {
            let auth = &self.inner.auth;
            if !call.authenticated {
                let base = auth.instance_url();
                return self
                    .send_once(call, &base, None)
                    .await
                    .map_err(Failure::sent);
            }
            // Every authenticated call counts against the org's daily allowance.
            self.inner.budget.admit().map_err(Failure::unsent)?;
            let token = auth.token().await.map_err(Failure::unsent)?;
            match self
                .send_once(call, &token.instance_url, Some(&token))
                .await
            {
                Err(e) if e.is_session_expired() => {
                    tracing::info!("Salesforce session expired or invalid; renewing the token");
                    let fresh = auth.renew(token.epoch).await.map_err(Failure::unsent)?;
                    self.send_once(call, &fresh.instance_url, Some(&fresh))
                        .await
                        .map_err(Failure::sent)
                }
                other => other.map_err(Failure::sent),
            }
        }
        .instrument(span)
        .await
    }

    async fn send_once(
        &self,
        call: &Call<'_>,
        base: &str,
        token: Option<&Token>,
    ) -> Result<Vec<u8>, SfError> {
        let url = match &call.target {
            Target::Versioned(path) => {
                format!("{base}/services/data/v{}{path}", self.inner.api_version)
            }
            Target::Root(path) => format!("{base}{path}"),
        };
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .header(ACCEPT, "application/json");
        if let Some(token) = token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.access.expose_secret()))
                    .map_err(|_| {
                        SfError::Decode("the access token is not a valid header value".to_string())
                    })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        for (name, value) in &call.headers {
            request = request.header(name.clone(), value.clone());
        }
        if let Some(body) = call.body {
            request = request.json(body);
        }
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let meter = &self.inner.meter;
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                meter.salesforce_request(call.kind(), "transport");
                let err = SfError::transport(e);
                tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, error = %err, "Salesforce call failed");
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        if let Some(usage) = response
            .headers()
            .get("sforce-limit-info")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_api_usage)
        {
            self.inner.budget.observe(usage.0, usage.1);
        }
        meter.salesforce_request(
            call.kind(),
            match status {
                200..=299 => "ok",
                400..=499 => "client_error",
                _ => "server_error",
            },
        );
        let body = response.bytes().await.map_err(SfError::transport)?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        if (200..300).contains(&status) {
            tracing::info!(status, elapsed_ms, "Salesforce call succeeded");
            Ok(body.to_vec())
        } else {
            let err = SfError::from_response(status, &body);
            if err.is_rate_limited() {
                // The allowance is gone, whatever the last header said.
                if let Some(a) = self.inner.budget.allowance() {
                    self.inner.budget.observe(a.limit, a.limit);
                }
            }
            // Codes only: Salesforce's messages can quote the record's personal data.
            tracing::info!(
                status,
                elapsed_ms,
                error_code = err.code().unwrap_or("-"),
                "Salesforce call failed"
            );
            Err(err)
        }
    }
}

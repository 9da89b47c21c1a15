//! A client for tests that drive a running emulator: the org's REST API with a token from the
//! configured credentials (query, read, create, update, delete, count), and the control API
//! under `/__emulator/` (faults and how often each fired, reset, token expiry, Lead conversion,
//! portal users, duplicate rules, request statistics).
//!
//! Every call returns a `Result` so tests decide how to fail; nothing here panics.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use salesforce_emulator::{spawn, testkit::Kit, EmulatorConfig};
//! use serde_json::json;
//!
//! let org = spawn(EmulatorConfig::default()).await?;
//! let kit = Kit::new(org.base_url());
//! let fault = kit
//!     .inject_fault(&json!({"errorCode": "UNABLE_TO_LOCK_ROW", "count": 1, "method": "PATCH"}))
//!     .await?;
//! // … drive the code under test …
//! assert_eq!(kit.stats().await?.fired(fault), 1, "the row lock never happened");
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::EmulatorConfig;

/// Expands to the API version literal, so both constants below come from one place.
macro_rules! api_version {
    () => {
        "62.0"
    };
}

/// The REST API version the kit calls (the emulator serves v50.0 … v67.0).
pub const API_VERSION: &str = api_version!();

/// `/services/data/v{API_VERSION}`: the prefix of REST paths at [`API_VERSION`].
pub const REST_PREFIX: &str = concat!("/services/data/v", api_version!());

/// Why a kit call failed.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// The request did not get an answer (or the answer could not be read).
    #[error("{what}: {source}")]
    Http {
        what: String,
        #[source]
        source: reqwest::Error,
    },
    /// The emulator answered, but not with the status the call expects.
    #[error("{what} answered {status}: {body}")]
    Unexpected {
        what: String,
        status: StatusCode,
        body: Value,
    },
}

/// An answer: status, headers and the JSON body (`Value::Null` for an empty body, a
/// `Value::String` for a body that is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    async fn read(res: reqwest::Response, what: &str) -> Result<Reply, KitError> {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.map_err(|source| KitError::Http {
            what: what.to_string(),
            source,
        })?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// `self` if its status is `expected`, else [`KitError::Unexpected`].
    pub fn expect_status(self, expected: StatusCode, what: &str) -> Result<Reply, KitError> {
        if self.status == expected {
            Ok(self)
        } else {
            Err(KitError::Unexpected {
                what: what.to_string(),
                status: self.status,
                body: self.body,
            })
        }
    }

    fn expect_success(self, what: &str) -> Result<Reply, KitError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(KitError::Unexpected {
                what: what.to_string(),
                status: self.status,
                body: self.body,
            })
        }
    }
}

/// The id `POST /__emulator/faults` gave a fault; [`Stats::fired`] looks its count up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(pub u64);

/// `GET /__emulator/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Counted API requests since start or reset (what `api-usage` reports).
    pub api_requests_total: u64,
    /// Counted requests by `METHOD /path/{template}`, e.g. `POST /composite`.
    pub by_endpoint: BTreeMap<String, u64>,
    /// Token grants asked for (never counted as API requests).
    pub token_requests: u64,
    /// Firings of any fault since start or reset (a clear does not zero it).
    pub faults_fired: u64,
    /// The faults added since the last reset or clear, in the order they were added.
    pub faults: Vec<FaultStats>,
}

impl Stats {
    /// Requests counted for one endpoint template (0 if none).
    pub fn endpoint(&self, key: &str) -> u64 {
        self.by_endpoint.get(key).copied().unwrap_or(0)
    }

    /// One fault's entry, if it was added since the last reset or clear.
    pub fn fault(&self, id: FaultId) -> Option<&FaultStats> {
        self.faults.iter().find(|f| f.id == id)
    }

    /// How often one fault fired (0 if it never did or is no longer listed).
    pub fn fired(&self, id: FaultId) -> u64 {
        self.fault(id).map_or(0, |f| f.fired)
    }
}

/// One fault in [`Stats::faults`]: its spec as the emulator applies it, and its firings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultStats {
    pub id: FaultId,
    #[serde(rename = "errorCode")]
    pub error_code: Option<String>,
    /// The status an error fault answers (given, or implied by its code).
    pub status: Option<u16>,
    /// The delay of a delay fault (`None` for an error fault).
    pub delay_ms: Option<u64>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub count: Option<u64>,
    pub rate: Option<f64>,
    /// How many requests it hit.
    pub fired: u64,
    /// Firings left (`None` for a rate fault, which never runs out).
    pub remaining: Option<u64>,
}

/// A client for one running emulator, with the credentials of its configuration.
#[derive(Debug, Clone)]
pub struct Kit {
    base_url: String,
    http: reqwest::Client,
    rest_prefix: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

impl Kit {
    /// A kit for an emulator at `base_url` (no trailing slash) started with
    /// `EmulatorConfig::default()` credentials, calling REST at [`API_VERSION`].
    pub fn new(base_url: impl Into<String>) -> Kit {
        Kit::for_config(base_url, &EmulatorConfig::default())
    }

    /// A kit for an emulator started with `config` (its client id, secret and refresh token).
    pub fn for_config(base_url: impl Into<String>, config: &EmulatorConfig) -> Kit {
        Kit {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            rest_prefix: REST_PREFIX.to_string(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            refresh_token: config.refresh_token.clone(),
        }
    }

    /// The same kit calling REST at another version (`"60.0"` or `"v60.0"`).
    pub fn with_api_version(mut self, version: &str) -> Kit {
        self.rest_prefix = format!("/services/data/v{}", version.trim_start_matches('v'));
        self
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The HTTP client the kit uses, for requests it has no helper for.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `/services/data/vNN.0` at the kit's version.
    pub fn rest_prefix(&self) -> &str {
        &self.rest_prefix
    }

    /// The absolute URL of a path on the emulator (`/services/oauth2/token`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The absolute URL of a REST path at the kit's version (`/sobjects/Contact`).
    pub fn rest_url(&self, path: &str) -> String {
        format!("{}{}{path}", self.base_url, self.rest_prefix)
    }

    // ---- sending --------------------------------------------------------------------------

    /// Sends any request to the emulator: `path` is absolute (`/services/data/v62.0/limits`),
    /// `token` a bearer token, `body` a JSON text sent as `application/json`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<Reply, KitError> {
        let what = format!("{method} {path}");
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        let res = req.send().await.map_err(|source| KitError::Http {
            what: what.clone(),
            source,
        })?;
        Reply::read(res, &what).await
    }

    /// `POST /services/oauth2/token` with a form, whatever it answers.
    pub async fn token_grant(&self, form: &[(&str, &str)]) -> Result<Reply, KitError> {
        let what = "POST /services/oauth2/token";
        let res = self
            .http
            .post(self.url("/services/oauth2/token"))
            .form(form)
            .send()
            .await
            .map_err(|source| KitError::Http {
                what: what.to_string(),
                source,
            })?;
        Reply::read(res, what).await
    }

    /// The `refresh_token` grant form with the kit's credentials.
    pub fn refresh_form(&self) -> [(&str, &str); 4] {
        [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("refresh_token", self.refresh_token.as_str()),
        ]
    }

    /// A new access token from the refresh token (one token request each call).
    pub async fn token(&self) -> Result<String, KitError> {
        let reply = self
            .token_grant(&self.refresh_form())
            .await?
            .expect_status(StatusCode::OK, "refresh_token grant")?;
        match reply.body["access_token"].as_str() {
            Some(t) => Ok(t.to_string()),
            None => Err(KitError::Unexpected {
                what: "refresh_token grant (no access_token)".into(),
                status: reply.status,
                body: reply.body,
            }),
        }
    }

    /// A REST call at the kit's version with `token`; `path` is relative (`/sobjects/Lead`).
    pub async fn rest_with(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, KitError> {
        let path = format!("{}{path}", self.rest_prefix);
        self.send(method, &path, Some(token), &[], body.map(Value::to_string))
            .await
    }

    /// A REST call at the kit's version with a new token, whatever it answers.
    pub async fn rest(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, KitError> {
        let token = self.token().await?;
        self.rest_with(&token, method, path, body).await
    }

    // ---- records --------------------------------------------------------------------------

    /// Runs SOQL (`query`) and returns every record, following `nextRecordsUrl`.
    pub async fn query(&self, soql: &str) -> Result<Vec<Value>, KitError> {
        self.query_at("query", soql).await
    }

    /// Runs SOQL with `queryAll` (deleted records included).
    pub async fn query_all(&self, soql: &str) -> Result<Vec<Value>, KitError> {
        self.query_at("queryAll", soql).await
    }

    async fn query_at(&self, endpoint: &str, soql: &str) -> Result<Vec<Value>, KitError> {
        let token = self.token().await?;
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        let mut path = format!("{}/{endpoint}?q={q}", self.rest_prefix);
        let mut records = Vec::new();
        loop {
            let page = self
                .send(Method::GET, &path, Some(&token), &[], None)
                .await?
                .expect_status(StatusCode::OK, &format!("query {soql}"))?;
            if let Some(rs) = page.body["records"].as_array() {
                records.extend(rs.iter().cloned());
            }
            match page.body["nextRecordsUrl"].as_str() {
                Some(next) if page.body["done"] == false => path = next.to_string(),
                _ => return Ok(records),
            }
        }
    }

    /// `SELECT COUNT() FROM {object}` with an optional `WHERE` condition.
    pub async fn count(&self, object: &str, condition: Option<&str>) -> Result<u64, KitError> {
        let soql = match condition {
            Some(c) => format!("SELECT COUNT() FROM {object} WHERE {c}"),
            None => format!("SELECT COUNT() FROM {object}"),
        };
        let token = self.token().await?;
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        let reply = self
            .rest_with(&token, Method::GET, &format!("/query?q={q}"), None)
            .await?
            .expect_status(StatusCode::OK, &soql)?;
        match reply.body["totalSize"].as_u64() {
            Some(n) => Ok(n),
            None => Err(KitError::Unexpected {
                what: format!("{soql} (no totalSize)"),
                status: reply.status,
                body: reply.body,
            }),
        }
    }

    /// One record with all its fields; `None` if it is unknown or deleted (any 404).
    pub async fn record(&self, object: &str, id: &str) -> Result<Option<Value>, KitError> {
        let reply = self
            .rest(Method::GET, &format!("/sobjects/{object}/{id}"), None)
            .await?;
        match reply.status {
            StatusCode::OK => Ok(Some(reply.body)),
            StatusCode::NOT_FOUND => Ok(None),
            status => Err(KitError::Unexpected {
                what: format!("GET {object} {id}"),
                status,
                body: reply.body,
            }),
        }
    }

    /// Creates a record and returns its id.
    pub async fn create(&self, object: &str, fields: &Value) -> Result<String, KitError> {
        let what = format!("create {object}");
        let reply = self
            .rest(Method::POST, &format!("/sobjects/{object}"), Some(fields))
            .await?
            .expect_status(StatusCode::CREATED, &what)?;
        match reply.body["id"].as_str() {
            Some(id) => Ok(id.to_string()),
            None => Err(KitError::Unexpected {
                what: format!("{what} (no id)"),
                status: reply.status,
                body: reply.body,
            }),
        }
    }

    /// Updates a record's fields (204 expected).
    pub async fn update(&self, object: &str, id: &str, fields: &Value) -> Result<(), KitError> {
        self.rest(
            Method::PATCH,
            &format!("/sobjects/{object}/{id}"),
            Some(fields),
        )
        .await?
        .expect_status(StatusCode::NO_CONTENT, &format!("update {object} {id}"))?;
        Ok(())
    }

    /// Deletes a record into the Recycle Bin (204 expected).
    pub async fn delete(&self, object: &str, id: &str) -> Result<(), KitError> {
        self.rest(Method::DELETE, &format!("/sobjects/{object}/{id}"), None)
            .await?
            .expect_status(StatusCode::NO_CONTENT, &format!("delete {object} {id}"))?;
        Ok(())
    }

    // ---- control API ----------------------------------------------------------------------

    /// A call under `/__emulator/` (`path` without that prefix, e.g. `faults`), whatever it
    /// answers.
    pub async fn control(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, KitError> {
        let path = format!("/__emulator/{}", path.trim_start_matches('/'));
        self.send(method, &path, None, &[], body.map(Value::to_string))
            .await
    }

    async fn control_ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, KitError> {
        let what = format!("{method} /__emulator/{path}");
        self.control(method, path, body)
            .await?
            .expect_success(&what)
    }

    /// Adds a fault (`POST /__emulator/faults`, spec as the README documents) and returns its id.
    pub async fn inject_fault(&self, spec: &Value) -> Result<FaultId, KitError> {
        let reply = self.control_ok(Method::POST, "faults", Some(spec)).await?;
        match reply.body["id"].as_u64() {
            Some(id) => Ok(FaultId(id)),
            None => Err(KitError::Unexpected {
                what: "POST /__emulator/faults (no id)".into(),
                status: reply.status,
                body: reply.body,
            }),
        }
    }

    /// Drops every fault (`DELETE /__emulator/faults`).
    pub async fn clear_faults(&self) -> Result<(), KitError> {
        self.control_ok(Method::DELETE, "faults", None).await?;
        Ok(())
    }

    /// How often a fault fired so far.
    pub async fn fired(&self, fault: FaultId) -> Result<u64, KitError> {
        Ok(self.stats().await?.fired(fault))
    }

    /// Drops records, faults, duplicate rules, counters and cursors; tokens stay valid.
    pub async fn reset(&self) -> Result<(), KitError> {
        self.control_ok(Method::POST, "reset", None).await?;
        Ok(())
    }

    /// Expires every access token (and the refresh tokens too if `refresh_tokens`).
    pub async fn expire_tokens(&self, refresh_tokens: bool) -> Result<(), KitError> {
        let body = json!({ "refresh_tokens": refresh_tokens });
        self.control_ok(Method::POST, "tokens/expire", Some(&body))
            .await?;
        Ok(())
    }

    /// Converts a Lead; returns `{"contactId", "accountId"}`.
    pub async fn convert_lead(&self, id: &str) -> Result<Value, KitError> {
        let path = format!("leads/{id}/convert");
        Ok(self.control_ok(Method::POST, &path, None).await?.body)
    }

    /// Gives a Contact a portal user (so deleting it fails with `DELETE_FAILED`).
    pub async fn add_portal_user(&self, contact_id: &str) -> Result<(), KitError> {
        let path = format!("contacts/{contact_id}/portal-user");
        self.control_ok(Method::POST, &path, None).await?;
        Ok(())
    }

    /// Sets an object's Email duplicate rule: `Some("alert")`, `Some("block")`, or `None` (off).
    pub async fn duplicate_rule(&self, object: &str, action: Option<&str>) -> Result<(), KitError> {
        let body = match action {
            Some(a) => json!({"object": object, "enabled": true, "action": a}),
            None => json!({"object": object, "enabled": false}),
        };
        self.control_ok(Method::POST, "duplicate-rules", Some(&body))
            .await?;
        Ok(())
    }

    /// `GET /__emulator/stats` as JSON, exactly as served.
    pub async fn stats_json(&self) -> Result<Value, KitError> {
        Ok(self.control_ok(Method::GET, "stats", None).await?.body)
    }

    /// `GET /__emulator/stats`.
    pub async fn stats(&self) -> Result<Stats, KitError> {
        let body = self.stats_json().await?;
        serde_json::from_value(body.clone()).map_err(|_| KitError::Unexpected {
            what: "GET /__emulator/stats (unexpected shape)".into(),
            status: StatusCode::OK,
            body,
        })
    }
}

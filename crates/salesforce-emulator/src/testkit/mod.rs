//! A client for tests that drive a running emulator: the org's REST API with a token from the
//! configured credentials (query, read, create, update, delete, count, upsert by external ID,
//! describe, Tooling API custom fields), and the control API
//! under `/__emulator/` (faults and how often each fired, reset, token expiry, the daily API
//! limit, Lead conversion, portal users, duplicate rules, request statistics).
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

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::config::EmulatorConfig;

mod control;
mod metadata;

pub use control::{ApiLimits, FaultId, FaultStats, Stats};

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

/// What an upsert by external ID did: the record's id and whether it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upsert {
    pub id: String,
    pub created: bool,
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

    /// Upserts a record by external ID (`PATCH /sobjects/{object}/{field}/{value}`; 201 or 200
    /// expected) and returns what happened.
    pub async fn upsert(
        &self,
        object: &str,
        field: &str,
        value: &str,
        fields: &Value,
    ) -> Result<Upsert, KitError> {
        let what = format!("upsert {object} {field}={value}");
        let v: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let reply = self
            .rest(
                Method::PATCH,
                &format!("/sobjects/{object}/{field}/{}", v.replace('+', "%20")),
                Some(fields),
            )
            .await?
            .expect_success(&what)?;
        match (reply.body["id"].as_str(), reply.body["created"].as_bool()) {
            (Some(id), Some(created)) => Ok(Upsert {
                id: id.to_string(),
                created,
            }),
            _ => Err(KitError::Unexpected {
                what: format!("{what} (no id/created)"),
                status: reply.status,
                body: reply.body,
            }),
        }
    }

    /// Upserts up to 200 records of one object by external ID
    /// (`PATCH /composite/sobjects/{object}/{field}`); each record needs
    /// `"attributes":{"type":object}`. Returns the per-record results as served.
    pub async fn upsert_many(
        &self,
        object: &str,
        field: &str,
        all_or_none: bool,
        records: &[Value],
    ) -> Result<Vec<Value>, KitError> {
        let what = format!("upsert {} {object} by {field}", records.len());
        let body = json!({"allOrNone": all_or_none, "records": records});
        let reply = self
            .rest(
                Method::PATCH,
                &format!("/composite/sobjects/{object}/{field}"),
                Some(&body),
            )
            .await?
            .expect_status(StatusCode::OK, &what)?;
        match reply.body {
            Value::Array(results) => Ok(results),
            body => Err(KitError::Unexpected {
                what: format!("{what} (not an array)"),
                status: StatusCode::OK,
                body,
            }),
        }
    }

    /// The live record whose external-ID field holds `value`
    /// (`GET /sobjects/{object}/{field}/{value}`); `None` on 404.
    pub async fn record_by_key(
        &self,
        object: &str,
        field: &str,
        value: &str,
    ) -> Result<Option<Value>, KitError> {
        let v: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let path = format!("/sobjects/{object}/{field}/{}", v.replace('+', "%20"));
        let reply = self.rest(Method::GET, &path, None).await?;
        match reply.status {
            StatusCode::OK => Ok(Some(reply.body)),
            StatusCode::NOT_FOUND => Ok(None),
            status => Err(KitError::Unexpected {
                what: format!("GET {object} by {field}={value}"),
                status,
                body: reply.body,
            }),
        }
    }
}

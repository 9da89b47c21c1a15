//! [`SalesforceClient`]: one method per Salesforce REST operation the bridge uses (sObject CRUD,
//! SOQL query and paging, describe, limits, versions), with token renewal, retries and
//! API-usage accounting.
//!
//! Every call goes to `{instance_url}/services/data/v{api_version}/…` with
//! `Authorization: Bearer`. A 401 `INVALID_SESSION_ID` renews the token once (shared with all
//! concurrent requests, see [`super::auth`]) and resends once. Retryable failures
//! ([`SfError::is_retryable`]) are resent with jittered exponential backoff, except creates: a
//! create that failed in a way where Salesforce may have created the record anyway (a timeout, a
//! 5xx) is resent only after looking the record up by its match key, and never without one.
//!
//! API calls are the scarce resource of an org (the daily limit), so the client avoids them where
//! it can: describe answers are cached, a query whose filter can match nothing is not sent, and
//! bad ids or names are refused locally.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use rand::Rng;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};
use tracing::Instrument;

use super::auth::{normalise_base_url, Auth, Credentials, GrantInfo, JwtBearer, JwtSigner, Token};
use super::error::{ApiError, SfError};
use super::soql::{Condition, FieldName, Select, SoqlValue};

/// A Salesforce record: field name → JSON value (without the `attributes` envelope).
pub type Record = Map<String, Value>;

/// How to connect to one org.
#[derive(Clone, Debug)]
pub struct SalesforceSettings {
    /// The org's My Domain (`https://acme.my.salesforce.com`) or `https://login.salesforce.com`;
    /// the token endpoint is `{login_url}/services/oauth2/token`.
    pub login_url: String,
    /// REST API version without the `v` (`"62.0"`).
    pub api_version: String,
    /// Connected app consumer key.
    pub client_id: String,
    /// Connected app consumer secret (refresh and client credentials grants).
    pub client_secret: Option<SecretString>,
    /// An access token to start with; no grant happens until it is refused.
    pub access_token: Option<SecretString>,
    /// A refresh token; replaced in memory when Salesforce rotates it.
    pub refresh_token: Option<SecretString>,
    /// Where REST calls go until a grant returns `instance_url`; defaults to `login_url`.
    pub instance_url: Option<String>,
    /// JWT bearer flow settings.
    pub jwt: Option<JwtBearer>,
    /// Per-request timeout (connect timeout is the smaller of this and 10 s).
    pub timeout: Duration,
    /// How many times a retryable failure is resent.
    pub max_retries: u32,
    /// How long a describe answer is reused.
    pub describe_ttl: Duration,
    /// Send `Sforce-Duplicate-Rule-Header: allowSave=true` on writes, so duplicate rules whose
    /// action is "alert" let the bridge save (as a user clicking "save anyway"); "block" rules
    /// still refuse.
    pub allow_duplicate_save: bool,
    /// The file the refresh token was read from: a rotated refresh token is saved there.
    pub refresh_token_file: Option<std::path::PathBuf>,
}

impl SalesforceSettings {
    /// Settings with the defaults: API 62.0, 30 s timeout, 2 retries, describe cached 1 h (as the configuration).
    pub fn new(login_url: impl Into<String>, client_id: impl Into<String>) -> Self {
        SalesforceSettings {
            login_url: login_url.into(),
            api_version: DEFAULT_API_VERSION.to_string(),
            client_id: client_id.into(),
            client_secret: None,
            access_token: None,
            refresh_token: None,
            instance_url: None,
            jwt: None,
            timeout: Duration::from_secs(30),
            max_retries: 2,
            describe_ttl: Duration::from_secs(60 * 60),
            allow_duplicate_save: false,
            refresh_token_file: None,
        }
    }
}

/// The API version used when none is configured.
pub const DEFAULT_API_VERSION: &str = "62.0";

/// A field and value that identify one record, used to find a record a failed create may have
/// made before resending it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchKey {
    pub field: FieldName,
    pub value: String,
}

/// One page of query results.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct QueryPage {
    /// All matching rows (for `SELECT COUNT()`, the count).
    pub total_size: u64,
    pub done: bool,
    pub records: Vec<Record>,
    /// Pass to [`SalesforceClient::query_more`] while `done` is false.
    pub next_records_url: Option<String>,
}

/// An object's metadata (`GET /sobjects/{object}/describe`), reduced to what mapping needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Describe {
    pub name: String,
    pub createable: bool,
    pub updateable: bool,
    pub deletable: bool,
    pub queryable: bool,
    pub fields: Vec<FieldDescribe>,
}

impl Describe {
    /// A field by name, case-insensitively (Salesforce names are case-insensitive).
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// One field of a [`Describe`].
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDescribe {
    pub name: String,
    /// Salesforce's type name: `string`, `email`, `boolean`, `picklist`, `id`, `reference`, …
    pub field_type: String,
    /// Maximum length for text fields (0 otherwise).
    pub length: u64,
    pub createable: bool,
    pub updateable: bool,
    pub nillable: bool,
    pub defaulted_on_create: bool,
    /// Active picklist values.
    pub picklist_values: Vec<String>,
    pub external_id: bool,
    pub unique: bool,
}

/// The Salesforce REST client. Cheap to clone (shared state behind an `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct SalesforceClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    auth: Arc<Auth>,
    api_version: String,
    max_retries: u32,
    describe_ttl: Duration,
    allow_duplicate_save: bool,
    describes: DashMap<String, (Instant, Arc<Describe>)>,
    api_usage: Mutex<Option<(u64, u64)>>,
    calls: AtomicU64,
}

/// Where a request goes.
enum Target {
    /// Below `/services/data/v{version}`.
    Versioned(String),
    /// A path from the instance root (`/services/data/…`).
    Root(String),
}

/// One REST request, described well enough to send it again.
struct Call<'a> {
    method: Method,
    target: Target,
    /// The path with placeholders, for logs (`/sobjects/{object}/{id}`).
    template: &'static str,
    object: Option<&'a str>,
    query: Vec<(&'static str, String)>,
    body: Option<&'a Record>,
    headers: Vec<(HeaderName, HeaderValue)>,
    authenticated: bool,
}

impl<'a> Call<'a> {
    fn new(
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
}

/// A failed attempt, and whether Salesforce may have acted on it.
struct Failure {
    error: SfError,
    /// False only when the request never left (e.g. no token could be obtained).
    sent: bool,
}

const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// 200 ms, 800 ms, 3.2 s, … (×4 per attempt, at most 10 s), each ±25 % so that concurrent
/// requests that failed together do not come back together.
fn backoff(retry: u32) -> Duration {
    let factor = 4u32.saturating_pow(retry.saturating_sub(1));
    let base = BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_MAX);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    base.mul_f64(jitter)
}

/// A Salesforce record id: 15 or 18 alphanumeric characters.
pub fn is_record_id(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn check_object(object: &str) -> Result<(), SfError> {
    FieldName::new(object)
        .map(|_| ())
        .map_err(|_| SfError::Api {
            status: 400,
            errors: vec![ApiError::new(
                "INVALID_TYPE",
                "sObject type names are letters, digits and underscores",
            )],
        })
}

/// A malformed id cannot name a record, so it is answered like Salesforce answers an unknown
/// one, without spending an API call.
fn check_id(id: &str) -> Result<(), SfError> {
    if is_record_id(id) {
        Ok(())
    } else {
        Err(SfError::Api {
            status: 404,
            errors: vec![ApiError::new(
                "NOT_FOUND",
                "The requested resource does not exist",
            )],
        })
    }
}

/// Removes the `attributes` envelope from a record and from related records inside it.
fn strip_attributes(record: &mut Record) {
    record.remove("attributes");
    for value in record.values_mut() {
        if let Value::Object(inner) = value {
            strip_attributes(inner);
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, SfError> {
    serde_json::from_slice(body).map_err(|e| {
        SfError::Decode(format!(
            "{what}: {} at line {} column {}",
            match e.classify() {
                serde_json::error::Category::Io => "read error",
                serde_json::error::Category::Syntax => "not JSON",
                serde_json::error::Category::Data => "unexpected shape",
                serde_json::error::Category::Eof => "truncated JSON",
            },
            e.line(),
            e.column()
        ))
    })
}

/// `Sforce-Limit-Info: api-usage=18/15000`.
fn parse_api_usage(header: &str) -> Option<(u64, u64)> {
    header.split(',').find_map(|part| {
        let rest = part.trim().strip_prefix("api-usage=")?;
        let (used, max) = rest.split_once('/')?;
        Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
    })
}

#[derive(Deserialize)]
struct CreateResponse {
    id: Option<String>,
    #[serde(default = "default_true")]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiError>,
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawQueryPage {
    total_size: u64,
    done: bool,
    #[serde(default)]
    records: Vec<Record>,
    #[serde(default)]
    next_records_url: Option<String>,
}

impl From<RawQueryPage> for QueryPage {
    fn from(raw: RawQueryPage) -> Self {
        let mut records = raw.records;
        records.iter_mut().for_each(strip_attributes);
        QueryPage {
            total_size: raw.total_size,
            done: raw.done,
            records,
            next_records_url: raw.next_records_url,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDescribe {
    name: String,
    #[serde(default)]
    createable: bool,
    #[serde(default)]
    updateable: bool,
    #[serde(default)]
    deletable: bool,
    #[serde(default)]
    queryable: bool,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawField {
    name: String,
    #[serde(rename = "type", default)]
    field_type: String,
    #[serde(default)]
    length: u64,
    #[serde(default)]
    createable: bool,
    #[serde(default)]
    updateable: bool,
    #[serde(default)]
    nillable: bool,
    #[serde(default)]
    defaulted_on_create: bool,
    #[serde(default)]
    picklist_values: Vec<RawPicklistValue>,
    #[serde(default)]
    external_id: bool,
    #[serde(default)]
    unique: bool,
}

#[derive(Deserialize)]
struct RawPicklistValue {
    value: String,
    #[serde(default = "default_true")]
    active: bool,
}

impl From<RawDescribe> for Describe {
    fn from(raw: RawDescribe) -> Self {
        Describe {
            name: raw.name,
            createable: raw.createable,
            updateable: raw.updateable,
            deletable: raw.deletable,
            queryable: raw.queryable,
            fields: raw
                .fields
                .into_iter()
                .map(|f| FieldDescribe {
                    name: f.name,
                    field_type: f.field_type,
                    length: f.length,
                    createable: f.createable,
                    updateable: f.updateable,
                    nillable: f.nillable,
                    defaulted_on_create: f.defaulted_on_create,
                    picklist_values: f
                        .picklist_values
                        .into_iter()
                        .filter(|p| p.active)
                        .map(|p| p.value)
                        .collect(),
                    external_id: f.external_id,
                    unique: f.unique,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeResponse {
    composite_response: Vec<SubResponse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubResponse {
    #[serde(default)]
    body: Value,
    http_status_code: u16,
}

/// The `GET` sub-request that reads a record back (`id` may be a reference like `@{write.id}`).
fn read_subrequest(prefix: &str, object: &str, id: &str, select: &[&str]) -> Value {
    let mut url = format!("{prefix}/sobjects/{object}/{id}");
    if !select.is_empty() {
        url.push_str("?fields=");
        url.push_str(&select.join(","));
    }
    serde_json::json!({"method": "GET", "url": url, "referenceId": "read"})
}

/// The record from a write-then-read composite answer, or the write's error (with `allOrNone`
/// the read of a failed write only says `PROCESSING_HALTED`).
fn read_back(responses: Vec<SubResponse>) -> Result<Record, SfError> {
    let mut it = responses.into_iter();
    let (Some(write), Some(read)) = (it.next(), it.next()) else {
        return Err(SfError::Decode(
            "composite answer: expected two sub-responses".into(),
        ));
    };
    // With allOrNone, the sub-requests that did not fail are rewritten to PROCESSING_HALTED:
    // the error that matters (and decides whether to retry) is the other one.
    let errors: Vec<SfError> = [&write, &read]
        .into_iter()
        .filter(|sub| !(200..300).contains(&sub.http_status_code))
        .map(|sub| {
            let body = serde_json::to_vec(&sub.body).unwrap_or_default();
            SfError::from_response(sub.http_status_code, &body)
        })
        .collect();
    if let Some(e) = errors
        .iter()
        .find(|e| !e.has_code("PROCESSING_HALTED"))
        .or(errors.first())
    {
        return Err(e.clone());
    }
    let mut record: Record = serde_json::from_value(read.body)
        .map_err(|_| SfError::Decode("composite answer: the read-back is not a record".into()))?;
    strip_attributes(&mut record);
    Ok(record)
}

#[derive(Deserialize)]
struct VersionEntry {
    version: String,
}

impl SalesforceClient {
    /// Builds the client (one HTTP connection pool for its lifetime). Sends nothing: the first
    /// grant happens on the first call that needs a token.
    pub fn new(settings: SalesforceSettings) -> Result<Self, SfError> {
        let login_url = normalise_base_url(&settings.login_url).ok_or_else(|| {
            SfError::NotConfigured(
                "login_url must be an http(s) URL such as https://acme.my.salesforce.com"
                    .to_string(),
            )
        })?;
        let instance_url = match &settings.instance_url {
            Some(u) => normalise_base_url(u).ok_or_else(|| {
                SfError::NotConfigured("instance_url must be an http(s) URL".to_string())
            })?,
            None => login_url.clone(),
        };
        let api_version = settings
            .api_version
            .trim()
            .trim_start_matches('v')
            .to_string();
        let version_ok = api_version.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        });
        if !version_ok {
            return Err(SfError::NotConfigured(
                "api_version must look like 62.0".to_string(),
            ));
        }
        if settings.client_id.trim().is_empty() {
            return Err(SfError::NotConfigured("client_id is empty".to_string()));
        }
        let jwt = settings.jwt.as_ref().map(JwtSigner::new).transpose()?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("scim-bridge/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(32)
            // A redirect would carry the bearer token somewhere we did not choose.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SfError::NotConfigured(format!("HTTP client: {e}")))?;
        let creds = Credentials {
            token_url: format!("{login_url}/services/oauth2/token"),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            jwt,
            refresh_token_file: settings.refresh_token_file.clone(),
        };
        let auth = Auth::new(
            http.clone(),
            creds,
            settings.access_token.clone(),
            settings.refresh_token.clone(),
            instance_url,
        );
        Ok(SalesforceClient {
            inner: Arc::new(Inner {
                http,
                auth: Arc::new(auth),
                api_version,
                max_retries: settings.max_retries,
                describe_ttl: settings.describe_ttl,
                allow_duplicate_save: settings.allow_duplicate_save,
                describes: DashMap::new(),
                api_usage: Mutex::new(None),
                calls: AtomicU64::new(0),
            }),
        })
    }

    /// Obtains a fresh token now, whatever the current one (e.g. "test connection").
    pub async fn authenticate(&self) -> Result<GrantInfo, SfError> {
        self.inner.auth.force().await
    }

    /// `POST /sobjects/{object}` → the new record's id.
    ///
    /// A create is never resent blindly: after a retryable failure (timeout, 5xx, row lock) the
    /// record may exist anyway, so with `dedupe` the client first looks it up
    /// (`SELECT Id FROM {object} WHERE {field} = '{value}' LIMIT 2`) and returns the id it finds;
    /// without `dedupe` the failure is returned as is.
    pub async fn create(
        &self,
        object: &str,
        fields: &Record,
        dedupe: Option<&MatchKey>,
    ) -> Result<String, SfError> {
        check_object(object)?;
        let mut call = Call::new(
            Method::POST,
            Target::Versioned(format!("/sobjects/{object}")),
            "/sobjects/{object}",
            Some(object),
        );
        call.body = Some(fields);
        self.duplicate_rule_header(&mut call);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            match self.attempt(&call, attempt).await {
                Ok(body) => {
                    let created: CreateResponse = decode(&body, "create answer")?;
                    return match created.id {
                        Some(id) if created.success => Ok(id),
                        _ => Err(SfError::Api {
                            status: 400,
                            errors: created.errors,
                        }),
                    };
                }
                Err(f) if f.error.is_retryable() && attempt <= self.inner.max_retries => {
                    if !f.sent {
                        // Nothing reached Salesforce: sending is not resending.
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    let Some(key) = dedupe else {
                        tracing::info!(
                            object,
                            error_code = f.error.code().unwrap_or("-"),
                            "create failed; not resent because there is no match key to check for a record it may have made"
                        );
                        return Err(f.error);
                    };
                    tokio::time::sleep(backoff(attempt)).await;
                    match self.find_id(object, key).await {
                        Ok(Some(id)) => {
                            tracing::info!(
                                object,
                                match_field = key.field.as_str(),
                                "create failed but the record exists; using it instead of creating another"
                            );
                            return Ok(id);
                        }
                        Ok(None) if f.error.may_have_been_applied() => {
                            // No answer (a timeout, a dropped connection): Salesforce may still
                            // be saving the record, after our look-up. Resending could make a
                            // second one; the IdP's retry will find and link the first.
                            tracing::warn!(
                                object,
                                "create got no answer and its record is not visible yet; not resending"
                            );
                            return Err(f.error);
                        }
                        Ok(None) => {
                            tracing::info!(
                                object,
                                attempt,
                                error_code = f.error.code().unwrap_or("-"),
                                "create failed and made no record; sending it again"
                            );
                        }
                        Err(lookup) => {
                            tracing::warn!(
                                object,
                                lookup_error_code = lookup.code().unwrap_or("-"),
                                "create failed and the record could not be looked up; not resending"
                            );
                            return Err(f.error);
                        }
                    }
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    /// The id of the record whose `key.field` equals `key.value` (case-insensitively, as SOQL's
    /// `=` compares text). With more than one match the first is returned and a warning logged.
    pub async fn find_id(&self, object: &str, key: &MatchKey) -> Result<Option<String>, SfError> {
        let object_name = FieldName::new(object).map_err(|_| SfError::Api {
            status: 400,
            errors: vec![ApiError::new("INVALID_TYPE", "invalid sObject type name")],
        })?;
        let id_field = FieldName::new("Id").map_err(|e| SfError::Decode(e.to_string()))?;
        let mut select = Select::new(object_name, vec![id_field]);
        select.filter = Some(Condition::eq(
            key.field.clone(),
            SoqlValue::Str(key.value.clone()),
        ));
        select.limit = Some(2);
        let page = self.query(&select, None).await?;
        if page.records.len() > 1 {
            tracing::warn!(
                object,
                match_field = key.field.as_str(),
                "more than one record matches the match key; using the first"
            );
        }
        Ok(page
            .records
            .first()
            .and_then(|r| r.get("Id"))
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    /// `GET /sobjects/{object}/{id}?fields=…` (all fields when `fields` is empty).
    pub async fn get(&self, object: &str, id: &str, fields: &[&str]) -> Result<Record, SfError> {
        check_object(object)?;
        check_id(id)?;
        for f in fields {
            FieldName::path(f).map_err(|_| SfError::Api {
                status: 400,
                errors: vec![ApiError::new("INVALID_FIELD", "invalid field name")],
            })?;
        }
        let mut call = Call::new(
            Method::GET,
            Target::Versioned(format!("/sobjects/{object}/{id}")),
            "/sobjects/{object}/{id}",
            Some(object),
        );
        if !fields.is_empty() {
            call.query.push(("fields", fields.join(",")));
        }
        let body = self.execute(&call).await?;
        let mut record: Record = decode(&body, "record")?;
        strip_attributes(&mut record);
        Ok(record)
    }

    /// `PATCH /sobjects/{object}/{id}`: a partial update; JSON `null` clears a field.
    pub async fn update(&self, object: &str, id: &str, fields: &Record) -> Result<(), SfError> {
        check_object(object)?;
        check_id(id)?;
        let mut call = Call::new(
            Method::PATCH,
            Target::Versioned(format!("/sobjects/{object}/{id}")),
            "/sobjects/{object}/{id}",
            Some(object),
        );
        call.body = Some(fields);
        self.duplicate_rule_header(&mut call);
        self.execute(&call).await.map(|_| ())
    }

    /// `DELETE /sobjects/{object}/{id}`: the record goes to the Recycle Bin.
    ///
    /// If a first attempt timed out or failed with a 5xx and the resend answers
    /// `ENTITY_IS_DELETED`, the first attempt did the work: that counts as success.
    pub async fn delete(&self, object: &str, id: &str) -> Result<(), SfError> {
        check_object(object)?;
        check_id(id)?;
        let call = Call::new(
            Method::DELETE,
            Target::Versioned(format!("/sobjects/{object}/{id}")),
            "/sobjects/{object}/{id}",
            Some(object),
        );
        match self.execute_tracked(&call).await {
            (Ok(_), _) => Ok(()),
            (Err(e), true) if e.has_code("ENTITY_IS_DELETED") => Ok(()),
            (Err(e), _) => Err(e),
        }
    }

    /// Updates a record and reads it back in one Composite request (RFC-free, Salesforce's
    /// `POST /composite`): one API request instead of two, with `allOrNone` so the read never
    /// reports a half-applied write. Retryable failures of the update are retried like any call
    /// (an update is idempotent).
    pub async fn update_and_get(
        &self,
        object: &str,
        id: &str,
        fields: &Record,
        select: &[&str],
    ) -> Result<Record, SfError> {
        check_object(object)?;
        check_id(id)?;
        let prefix = format!("/services/data/v{}", self.inner.api_version);
        let requests = vec![
            self.write_subrequest("PATCH", format!("{prefix}/sobjects/{object}/{id}"), fields),
            read_subrequest(&prefix, object, id, select),
        ];
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            match self
                .composite(object, requests.clone())
                .await
                .and_then(read_back)
            {
                Err(e) if e.is_retryable() && attempt <= self.inner.max_retries => {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// Creates a record and reads it back in one Composite request (one API request instead of
    /// two). A retryable failure is not resent blindly: [`Self::create`]'s look-up-then-create
    /// path takes over, then the record is read.
    pub async fn create_and_get(
        &self,
        object: &str,
        fields: &Record,
        dedupe: Option<&MatchKey>,
        select: &[&str],
    ) -> Result<Record, SfError> {
        check_object(object)?;
        let prefix = format!("/services/data/v{}", self.inner.api_version);
        let requests = vec![
            self.write_subrequest("POST", format!("{prefix}/sobjects/{object}"), fields),
            read_subrequest(&prefix, object, "@{write.id}", select),
        ];
        match self.composite(object, requests).await.and_then(read_back) {
            Err(e) if e.is_retryable() => {
                tracing::info!(
                    object,
                    error_code = e.code().unwrap_or("-"),
                    "composite create failed retryably; looking the record up before any resend"
                );
                let existing = match dedupe {
                    Some(key) => self.find_id(object, key).await?,
                    None => return Err(e),
                };
                let id = match existing {
                    Some(id) => id,
                    // No answer at all: the record may still appear; see `create`.
                    None if e.may_have_been_applied() => return Err(e),
                    None => self.create(object, fields, dedupe).await?,
                };
                self.get(object, &id, select).await
            }
            other => other,
        }
    }

    /// The write sub-request of a Composite call. Sub-requests inherit only `Accept`,
    /// `Authorization` and `Content-Type` from the Composite request, so the duplicate-rule
    /// header travels in the sub-request's own `httpHeaders`.
    fn write_subrequest(&self, method: &str, url: String, fields: &Record) -> Value {
        let mut sub = serde_json::json!({
            "method": method,
            "url": url,
            "referenceId": "write",
            "body": fields,
        });
        if self.inner.allow_duplicate_save {
            sub["httpHeaders"] =
                serde_json::json!({"Sforce-Duplicate-Rule-Header": "allowSave=true"});
        }
        sub
    }

    /// Adds `Sforce-Duplicate-Rule-Header: allowSave=true` to a write when configured.
    fn duplicate_rule_header(&self, call: &mut Call<'_>) {
        if self.inner.allow_duplicate_save {
            call.headers.push((
                HeaderName::from_static("sforce-duplicate-rule-header"),
                HeaderValue::from_static("allowSave=true"),
            ));
        }
    }

    /// `POST /composite` with `allOrNone`, answering the sub-responses in order.
    async fn composite(
        &self,
        object: &str,
        requests: Vec<Value>,
    ) -> Result<Vec<SubResponse>, SfError> {
        let mut body = Record::new();
        body.insert("allOrNone".into(), Value::Bool(true));
        body.insert("compositeRequest".into(), Value::Array(requests));
        let mut call = Call::new(
            Method::POST,
            Target::Versioned("/composite".to_string()),
            "/composite",
            Some(object),
        );
        call.body = Some(&body);
        // One attempt only: the caller decides whether a resend is safe (never for a create).
        let raw = self.attempt(&call, 1).await.map_err(|f| f.error)?;
        let parsed: CompositeResponse = decode(&raw, "composite answer")?;
        Ok(parsed.composite_response)
    }

    /// `GET /query?q=…`: the first page. `batch_size` (clamped to 200..=2000) asks for smaller
    /// pages via `Sforce-Query-Options`. A filter that can match nothing costs no API call.
    pub async fn query(
        &self,
        select: &Select,
        batch_size: Option<u32>,
    ) -> Result<QueryPage, SfError> {
        let object = select.object.as_str();
        if select.matches_nothing() {
            tracing::debug!(object, "query filter matches nothing; not sent");
            return Ok(QueryPage {
                total_size: 0,
                done: true,
                records: Vec::new(),
                next_records_url: None,
            });
        }
        let soql = select.to_soql();
        tracing::debug!(object, soql = %soql, "SOQL query");
        let mut call = Call::new(
            Method::GET,
            Target::Versioned("/query".to_string()),
            "/query",
            Some(object),
        );
        call.query.push(("q", soql));
        if let Some(n) = batch_size {
            let n = n.clamp(200, 2000);
            if let Ok(v) = HeaderValue::from_str(&format!("batchSize={n}")) {
                call.headers
                    .push((HeaderName::from_static("sforce-query-options"), v));
            }
        }
        let body = self.execute(&call).await?;
        let raw: RawQueryPage = decode(&body, "query answer")?;
        Ok(raw.into())
    }

    /// Follows a `nextRecordsUrl` (`/services/data/vNN.0/query/<locator>`, as Salesforce returns
    /// it). Only paths on the current instance are followed, so the token never leaves it.
    pub async fn query_more(&self, next_records_url: &str) -> Result<QueryPage, SfError> {
        let path = next_records_url.trim();
        let valid = path.starts_with("/services/data/")
            && path.contains("/query")
            && !path.contains("..")
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_'));
        if !valid {
            return Err(SfError::Api {
                status: 400,
                errors: vec![ApiError::new(
                    "INVALID_QUERY_LOCATOR",
                    "nextRecordsUrl is not a query locator path of this instance",
                )],
            });
        }
        let call = Call::new(
            Method::GET,
            Target::Root(path.to_string()),
            "/query/{locator}",
            None,
        );
        let body = self.execute(&call).await?;
        let raw: RawQueryPage = decode(&body, "query answer")?;
        Ok(raw.into())
    }

    /// `GET /sobjects/{object}/describe`, cached per object for `describe_ttl`.
    pub async fn describe(&self, object: &str) -> Result<Arc<Describe>, SfError> {
        check_object(object)?;
        let key = object.to_ascii_lowercase();
        if let Some(entry) = self.inner.describes.get(&key) {
            let (at, describe) = entry.value();
            if at.elapsed() < self.inner.describe_ttl {
                return Ok(Arc::clone(describe));
            }
        }
        let call = Call::new(
            Method::GET,
            Target::Versioned(format!("/sobjects/{object}/describe")),
            "/sobjects/{object}/describe",
            Some(object),
        );
        let body = self.execute(&call).await?;
        let raw: RawDescribe = decode(&body, "describe answer")?;
        let describe = Arc::new(Describe::from(raw));
        self.inner
            .describes
            .insert(key, (Instant::now(), Arc::clone(&describe)));
        Ok(describe)
    }

    /// Forgets cached describe answers (after a schema change in the org).
    pub fn clear_describe_cache(&self) {
        self.inner.describes.clear();
    }

    /// `GET /limits`: the org's limits as Salesforce reports them.
    pub async fn limits(&self) -> Result<Value, SfError> {
        let call = Call::new(
            Method::GET,
            Target::Versioned("/limits".to_string()),
            "/limits",
            None,
        );
        let body = self.execute(&call).await?;
        decode(&body, "limits answer")
    }

    /// `GET /services/data/`: the API versions the instance serves (no token needed, not counted
    /// against the daily limit).
    pub async fn versions(&self) -> Result<Vec<String>, SfError> {
        let mut call = Call::new(
            Method::GET,
            Target::Root("/services/data/".to_string()),
            "/services/data/",
            None,
        );
        call.authenticated = false;
        let body = self.execute(&call).await?;
        let entries: Vec<VersionEntry> = decode(&body, "versions answer")?;
        Ok(entries.into_iter().map(|v| v.version).collect())
    }

    /// The latest `Sforce-Limit-Info: api-usage=used/max` seen.
    pub fn api_usage(&self) -> Option<(u64, u64)> {
        *self
            .inner
            .api_usage
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// REST requests this client sent (token requests not included).
    pub fn api_calls_made(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Requests this client sent to the token endpoint.
    pub fn token_requests_made(&self) -> u64 {
        self.inner.auth.token_requests()
    }

    /// The instance REST calls go to now.
    pub fn instance_url(&self) -> String {
        self.inner.auth.instance_url()
    }

    /// The configured API version (`62.0`).
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// Sends an idempotent call, resending retryable failures with backoff.
    async fn execute(&self, call: &Call<'_>) -> Result<Vec<u8>, SfError> {
        self.execute_tracked(call).await.0
    }

    /// Like [`Self::execute`], also telling whether the call was resent after an attempt that
    /// Salesforce may have carried out (so a "not found" may be our own earlier success).
    async fn execute_tracked(&self, call: &Call<'_>) -> (Result<Vec<u8>, SfError>, bool) {
        let mut attempt = 0u32;
        let mut resent_after_maybe_done = false;
        loop {
            attempt += 1;
            match self.attempt(call, attempt).await {
                Ok(body) => return (Ok(body), resent_after_maybe_done),
                Err(f) if f.error.is_retryable() && attempt <= self.inner.max_retries => {
                    let wait = backoff(attempt);
                    tracing::info!(
                        method = %call.method,
                        path = call.template,
                        object = call.object.unwrap_or("-"),
                        attempt,
                        error_code = f.error.code().unwrap_or("-"),
                        status = f.error.status().unwrap_or(0),
                        wait_ms = wait.as_millis() as u64,
                        "retrying Salesforce call"
                    );
                    tokio::time::sleep(wait).await;
                    resent_after_maybe_done |= f.sent;
                }
                Err(f) => return (Err(f.error), resent_after_maybe_done),
            }
        }
    }

    /// One attempt: with the current token, renewing it once on `INVALID_SESSION_ID`.
    async fn attempt(&self, call: &Call<'_>, attempt: u32) -> Result<Vec<u8>, Failure> {
        let span = tracing::info_span!(
            "salesforce_call",
            method = %call.method,
            path = call.template,
            object = call.object.unwrap_or("-"),
            attempt
        );
        async {
            if !call.authenticated {
                let base = self.inner.auth.instance_url();
                return self
                    .send_once(call, &base, None)
                    .await
                    .map_err(|error| Failure { error, sent: true });
            }
            let token = self
                .inner
                .auth
                .token()
                .await
                .map_err(|error| Failure { error, sent: false })?;
            match self
                .send_once(call, &token.instance_url, Some(&token))
                .await
            {
                Err(e) if e.is_session_expired() => {
                    tracing::info!("Salesforce session expired or invalid; renewing the token");
                    let fresh = self
                        .inner
                        .auth
                        .renew(token.epoch)
                        .await
                        .map_err(|error| Failure { error, sent: false })?;
                    self.send_once(call, &fresh.instance_url, Some(&fresh))
                        .await
                        .map_err(|error| Failure { error, sent: true })
                }
                other => other.map_err(|error| Failure { error, sent: true }),
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
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
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
            *self
                .inner
                .api_usage
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(usage);
        }
        let body = response.bytes().await.map_err(SfError::transport)?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        if (200..300).contains(&status) {
            tracing::info!(status, elapsed_ms, "Salesforce call succeeded");
            Ok(body.to_vec())
        } else {
            let err = SfError::from_response(status, &body);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_usage_header_is_parsed() {
        assert_eq!(parse_api_usage("api-usage=18/15000"), Some((18, 15000)));
        assert_eq!(
            parse_api_usage("per-app-api-usage=2/100(appName=x), api-usage=7/100"),
            Some((7, 100))
        );
        assert_eq!(parse_api_usage("api-usage=x/100"), None);
    }

    #[test]
    fn backoff_grows_from_about_200_ms_and_stays_capped() {
        let first = backoff(1);
        assert!(first >= Duration::from_millis(150) && first <= Duration::from_millis(250));
        let second = backoff(2);
        assert!(second >= Duration::from_millis(600) && second <= Duration::from_millis(1000));
        assert!(backoff(30) <= BACKOFF_MAX.mul_f64(1.25));
    }

    #[test]
    fn only_15_or_18_character_alphanumeric_ids_are_sent() {
        assert!(is_record_id("003000000000001AAA"));
        assert!(is_record_id("003000000000001"));
        assert!(!is_record_id("003000000000001AA"));
        assert!(!is_record_id("../../limits/xxxxx"));
        assert!(!is_record_id("003000000000001A%"));
        assert!(check_id("nope").unwrap_err().is_not_found());
    }

    #[test]
    fn attributes_are_stripped_from_records_and_related_records() {
        let mut r: Record = serde_json::from_value(serde_json::json!({
            "attributes": {"type": "Contact", "url": "/x"},
            "Id": "003000000000001AAA",
            "Account": {"attributes": {"type": "Account"}, "Name": "Acme"}
        }))
        .unwrap();
        strip_attributes(&mut r);
        assert_eq!(
            Value::Object(r),
            serde_json::json!({"Id": "003000000000001AAA", "Account": {"Name": "Acme"}})
        );
    }

    #[test]
    fn settings_with_a_bad_url_or_version_are_refused() {
        let mut s = SalesforceSettings::new("not a url", "id");
        assert!(matches!(
            SalesforceClient::new(s.clone()),
            Err(SfError::NotConfigured(_))
        ));
        s.login_url = "https://acme.my.salesforce.com/".into();
        s.api_version = "latest".into();
        assert!(matches!(
            SalesforceClient::new(s.clone()),
            Err(SfError::NotConfigured(_))
        ));
        s.api_version = "v62.0".into();
        let c = SalesforceClient::new(s).unwrap();
        assert_eq!(c.api_version(), "62.0");
        assert_eq!(c.instance_url(), "https://acme.my.salesforce.com");
    }

    #[test]
    fn a_bad_jwt_key_is_refused_at_construction() {
        let mut s = SalesforceSettings::new("https://acme.my.salesforce.com", "id");
        s.jwt = Some(JwtBearer {
            username: "u@example.com".into(),
            private_key_pem: SecretString::from("not a key"),
            audience: "https://login.salesforce.com".into(),
        });
        let err = SalesforceClient::new(s).err().unwrap();
        assert!(matches!(err, SfError::NotConfigured(_)));
        assert!(!err.message().contains("not a key"));
    }

    #[tokio::test]
    async fn a_foreign_next_records_url_is_refused_without_a_call() {
        let c = SalesforceClient::new(SalesforceSettings::new(
            "https://acme.my.salesforce.com",
            "id",
        ))
        .unwrap();
        for bad in [
            "https://evil.example/services/data/v62.0/query/01g-2000",
            "//evil.example/services/data/v62.0/query/x",
            "/services/data/v62.0/../../x/query",
            "/services/data/v62.0/sobjects/Contact",
        ] {
            let err = c.query_more(bad).await.unwrap_err();
            assert_eq!(err.code(), Some("INVALID_QUERY_LOCATOR"), "{bad}");
        }
        assert_eq!(c.api_calls_made(), 0);
    }

    #[tokio::test]
    async fn without_any_credentials_a_call_fails_as_not_configured() {
        let c = SalesforceClient::new(SalesforceSettings::new("http://127.0.0.1:9", "id")).unwrap();
        let err = c.limits().await.unwrap_err();
        assert!(matches!(err, SfError::NotConfigured(_)));
        assert_eq!(c.api_calls_made(), 0);
        assert_eq!(c.token_requests_made(), 0);
    }

    #[tokio::test]
    async fn a_query_that_matches_nothing_costs_no_call() {
        let c = SalesforceClient::new(SalesforceSettings::new("http://127.0.0.1:9", "id")).unwrap();
        let select = Select {
            filter: Some(Condition::In {
                field: FieldName::new("Email").unwrap(),
                values: vec![],
            }),
            ..Select::new(
                FieldName::new("Contact").unwrap(),
                vec![FieldName::new("Id").unwrap()],
            )
        };
        let page = c.query(&select, None).await.unwrap();
        assert_eq!(page.total_size, 0);
        assert!(page.done);
        assert_eq!(c.api_calls_made(), 0);
    }
}

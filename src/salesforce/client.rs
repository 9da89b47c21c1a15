//! [`SalesforceClient`]: the one place that knows Salesforce's wire, by job:
//!
//! - [`super::transport`]: one request (URL, bearer token renewed once on `INVALID_SESSION_ID`,
//!   `Sforce-Limit-Info` accounting);
//! - [`super::retry`]: the one retry policy every call path uses;
//! - [`super::sobjects`]: read, create (never resent blindly), update, delete;
//! - [`super::composite`]: write-and-read-back in one request;
//! - [`super::query`]: SOQL pages, cursors and the typed match look-up;
//! - [`super::describe`]: cached metadata, limits, versions.
//!
//! API calls are the scarce resource of an org (the daily limit), so the client avoids them where
//! it can: describe answers are cached, a query whose filter can match nothing is not sent, and
//! a malformed id is refused locally ([`SfError::Refused`], never dressed as Salesforce's
//! answer).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;

use super::auth::{normalise_base_url, Auth, Credentials, GrantInfo, JwtSigner};
use super::batch::Busy;
use super::budget::{Allowance, Budget};
use super::coalesce::Coalescers;
use super::describe::Describe;
use super::error::SfError;
use super::retry::always_resend;
use super::settings::{Grants, SalesforceSettings};
use super::sobject::SObject;
use super::transport::Call;
use crate::telemetry::Meter;

/// The Salesforce REST client. Cheap to clone (shared state behind an `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct SalesforceClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub http: reqwest::Client,
    pub auth: Arc<Auth>,
    pub api_version: String,
    pub max_retries: u32,
    pub describe_ttl: Duration,
    pub allow_duplicate_save: bool,
    pub grants: Grants,
    pub describes: DashMap<SObject, (Instant, Arc<Describe>)>,
    pub budget: Budget,
    pub coalescers: Coalescers,
    pub calls: AtomicU64,
    pub meter: Meter,
    /// The org's converted Lead Status, once asked (see `convert::converted_status`).
    pub converted_status: std::sync::Mutex<Option<String>>,
}

/// Connections idle this long are closed (Salesforce's edge closes them after about 2 minutes).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle connections kept per host: enough for a burst of concurrent SCIM requests.
const POOL_MAX_IDLE_PER_HOST: usize = 32;
/// The longest a TCP + TLS connect may take, whatever the request timeout.
const CONNECT_TIMEOUT_MAX: Duration = Duration::from_secs(10);

impl SalesforceClient {
    /// Builds the client (one HTTP connection pool for its lifetime). Sends nothing: the first
    /// grant happens on the first call that needs a token.
    pub fn new(settings: SalesforceSettings) -> Result<Self, SfError> {
        Self::with_meter(settings, Meter::detached())
    }

    /// As [`Self::new`], counting calls, retries and grants through `meter`.
    pub fn with_meter(settings: SalesforceSettings, meter: Meter) -> Result<Self, SfError> {
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
            .connect_timeout(settings.timeout.min(CONNECT_TIMEOUT_MAX))
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
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
            meter.clone(),
        );
        Ok(SalesforceClient {
            inner: Arc::new_cyclic(|weak| Inner {
                http,
                auth: Arc::new(auth),
                api_version,
                max_retries: settings.max_retries,
                describe_ttl: settings.describe_ttl,
                allow_duplicate_save: settings.allow_duplicate_save,
                grants: settings.grants(),
                describes: DashMap::new(),
                budget: Budget::new(settings.api_reserve_percent),
                coalescers: Coalescers::new(weak, settings.coalesce_window),
                calls: AtomicU64::new(0),
                meter,
                converted_status: std::sync::Mutex::new(None),
            }),
        })
    }

    /// Obtains a fresh token now, whatever the current one (e.g. "test connection").
    pub async fn authenticate(&self) -> Result<GrantInfo, SfError> {
        self.inner.auth.force().await
    }

    /// Sends an idempotent call under the retry policy.
    pub(super) async fn execute(
        &self,
        call: &Call<'_>,
        label: &'static str,
    ) -> Result<Vec<u8>, SfError> {
        self.retrying(label, |n| self.attempt(call, n), always_resend)
            .await
            .result
    }

    /// Marks one SCIM operation in flight while the guard lives: concurrent operations' calls
    /// are coalesced ([`super::batch`]).
    pub fn busy(&self) -> Busy {
        self.inner.coalescers.traffic.enter()
    }

    /// Which grants this client can obtain a token with.
    pub fn grants(&self) -> Grants {
        self.inner.grants
    }

    /// The latest `Sforce-Limit-Info: api-usage=used/max` seen.
    pub fn api_usage(&self) -> Option<(u64, u64)> {
        self.inner.budget.allowance().map(|a| (a.used, a.limit))
    }

    /// The org's allowance as last seen, with the reserve the bridge keeps for the rest of the
    /// org.
    pub fn allowance(&self) -> Option<Allowance> {
        self.inner.budget.allowance()
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
    /// Whether the client holds (or can obtain) a token Salesforce accepts; see
    /// [`Auth::ready`]. Spends no API request.
    pub async fn readiness(&self, recheck: Duration) -> Result<(), SfError> {
        self.inner.auth.ready(recheck).await
    }

    /// The meter this client counts its calls through (its connection's).
    pub fn meter(&self) -> &Meter {
        &self.inner.meter
    }

    pub fn instance_url(&self) -> String {
        self.inner.auth.instance_url()
    }

    /// The configured API version (`62.0`).
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }
}

#[cfg(test)]
mod tests {
    use super::super::auth::JwtBearer;
    use super::super::name::fields;
    use super::super::soql::{Condition, Select};
    use super::*;
    use secrecy::SecretString;

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
            assert_eq!(
                err,
                SfError::Refused(super::super::error::Refusal::ForeignLocator),
                "{bad}"
            );
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
                field: fields::EMAIL,
                values: vec![],
            }),
            ..Select::new(SObject::Contact.name(), vec![fields::ID])
        };
        let page = c.query(&select, None).await.unwrap();
        assert_eq!(page.total_size, 0);
        assert!(page.done);
        assert_eq!(c.api_calls_made(), 0);
    }
}

//! [`SalesforceSettings`]: how to reach and authenticate to one org, and the defaults every
//! setting has. The configuration file's loader builds these directly, so each default is
//! written once, here.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use super::auth::JwtBearer;

/// The REST API version used when none is configured.
pub const DEFAULT_API_VERSION: &str = "62.0";
/// Per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How many times a retryable failure is resent.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// How long a describe answer is reused.
pub const DEFAULT_DESCRIBE_TTL: Duration = Duration::from_secs(60 * 60);
/// The share of the org's daily API allowance the bridge leaves to everything else in the org.
pub const DEFAULT_API_RESERVE_PERCENT: u8 = 20;

/// The `aud` of a JWT bearer assertion for production orgs ("OAuth 2.0 JWT Bearer Flow for
/// Server-to-Server Integration"); sandboxes use `https://test.salesforce.com`.
pub const DEFAULT_JWT_AUDIENCE: &str = "https://login.salesforce.com";

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
    pub refresh_token_file: Option<PathBuf>,
    /// The share (percent) of the org's daily API allowance kept for the rest of the org: once
    /// `Sforce-Limit-Info` shows less than this left, the bridge stops sending (see
    /// [`super::budget`]).
    pub api_reserve_percent: u8,
    /// The longest concurrent look-ups and creates wait to be sent together (one `IN` query,
    /// one Collections call); a lone request never waits ([`super::batch`]).
    pub coalesce_window: Duration,
}

impl SalesforceSettings {
    /// Settings with every default ([`DEFAULT_API_VERSION`], [`DEFAULT_TIMEOUT`], …) and no
    /// credentials.
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
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            describe_ttl: DEFAULT_DESCRIBE_TTL,
            allow_duplicate_save: false,
            refresh_token_file: None,
            api_reserve_percent: DEFAULT_API_RESERVE_PERCENT,
            coalesce_window: super::batch::DEFAULT_WINDOW,
        }
    }

    /// Which grants these settings can obtain a token with, for "test connection".
    pub fn grants(&self) -> Grants {
        Grants {
            refresh_token: self.refresh_token.is_some(),
            client_credentials: self.client_secret.is_some(),
            jwt_bearer: self.jwt.is_some(),
        }
    }
}

/// The grants a connection can use to obtain a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grants {
    pub refresh_token: bool,
    pub client_credentials: bool,
    pub jwt_bearer: bool,
}

impl Grants {
    /// Whether any grant can obtain a new token (otherwise only a configured access token works).
    pub fn any(self) -> bool {
        self.refresh_token || self.client_credentials || self.jwt_bearer
    }
}

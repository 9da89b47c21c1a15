//! Emulator configuration: the org's credentials, token lifetime, API limit and custom fields.

use std::time::Duration;

/// How an emulated org behaves. `Default` gives the demo org documented in the README.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Connected app consumer key.
    pub client_id: String,
    /// Connected app consumer secret.
    pub client_secret: String,
    /// The refresh token valid from start (the root of the first rotation chain).
    pub refresh_token: String,
    /// If `Some`, this access token is valid from start until it expires.
    pub initial_access_token: Option<String>,
    /// The org's session timeout: after it a token answers 401 `INVALID_SESSION_ID`.
    pub access_token_lifetime: Duration,
    /// Refresh-token rotation: each refresh returns a new refresh token.
    pub rotate_refresh_tokens: bool,
    /// Whether the connected app allows the client_credentials grant. Salesforce requires an
    /// admin to enable that flow (with a run-as user) per app; otherwise the grant answers 400
    /// `invalid_grant` / `no client credentials user enabled`.
    pub client_credentials_enabled: bool,
    /// Daily API request limit (`DailyApiRequests.Max`).
    pub daily_request_limit: u64,
    /// Query cursors (`nextRecordsUrl`) a user may hold open: opening one more releases the
    /// oldest, whose locator then answers 400 `INVALID_QUERY_LOCATOR`. Salesforce: 10.
    pub max_open_cursors: usize,
    /// RS256 public key (PEM) for the jwt-bearer grant; `None` disables that grant.
    pub jwt_public_key_pem: Option<String>,
    /// Usernames accepted as the JWT `sub`.
    pub jwt_usernames: Vec<String>,
    /// Custom fields added to the standard objects.
    pub custom_fields: Vec<CustomField>,
    /// actix worker threads.
    pub workers: usize,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            client_id: "demo-client-id".to_string(),
            client_secret: "demo-client-secret".to_string(),
            refresh_token: "demo-refresh-token".to_string(),
            initial_access_token: None,
            access_token_lifetime: Duration::from_secs(2 * 60 * 60),
            rotate_refresh_tokens: false,
            client_credentials_enabled: true,
            daily_request_limit: 100_000,
            max_open_cursors: 10,
            jwt_public_key_pem: None,
            jwt_usernames: vec!["demo@example.com".to_string()],
            custom_fields: Vec::new(),
            workers: 1,
        }
    }
}

/// A custom field on Contact, Lead or Account (`name` ends with `__c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub object: String,
    pub name: String,
    pub kind: CustomFieldKind,
}

/// The custom field types the emulator supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomFieldKind {
    Checkbox { default: bool },
    Text { length: usize },
}

impl CustomField {
    /// Parses the CLI form `Contact.Active__c:checkbox[:true]` or `Lead.Code__c:text[:80]`.
    pub fn parse_spec(spec: &str) -> Result<Self, String> {
        let (path, rest) = spec
            .split_once(':')
            .ok_or_else(|| format!("custom field `{spec}`: expected Object.Name__c:kind"))?;
        let (object, name) = path
            .split_once('.')
            .ok_or_else(|| format!("custom field `{spec}`: expected Object.Name__c"))?;
        if !name.ends_with("__c") || name.len() <= 3 {
            return Err(format!("custom field `{spec}`: the name must end with __c"));
        }
        let (kind, arg) = match rest.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (rest, None),
        };
        let kind = match kind.to_ascii_lowercase().as_str() {
            "checkbox" | "boolean" => CustomFieldKind::Checkbox {
                default: match arg {
                    None => false,
                    Some(a) => a.parse().map_err(|_| {
                        format!("custom field `{spec}`: default must be true/false")
                    })?,
                },
            },
            "text" | "string" => CustomFieldKind::Text {
                length: match arg {
                    None => 255,
                    Some(a) => a
                        .parse()
                        .ok()
                        .filter(|n| (1..=255).contains(n))
                        .ok_or_else(|| format!("custom field `{spec}`: length must be 1..=255"))?,
                },
            },
            other => {
                return Err(format!(
                    "custom field `{spec}`: unknown kind `{other}` (checkbox, text)"
                ))
            }
        };
        Ok(Self {
            object: object.to_string(),
            name: name.to_string(),
            kind,
        })
    }
}

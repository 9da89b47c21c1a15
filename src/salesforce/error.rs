//! Salesforce failures: the REST error array (`[{"message","errorCode","fields"}]`), token
//! endpoint errors (`{"error","error_description"}`), transport and decoding failures, and the
//! policy questions callers ask of them (retry? not found?).
//!
//! No variant ever carries a token, secret or request body: messages come from Salesforce's own
//! error text or from this crate.

use serde::Deserialize;

/// One element of Salesforce's error array. sObject Collections results use the same shape per
/// record, but name the code `statusCode`; both are accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(rename = "errorCode", alias = "statusCode", default)]
    pub error_code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

impl ApiError {
    /// An error in Salesforce's shape, for failures the client detects before sending.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            error_code: code.to_string(),
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

/// Every way a Salesforce call can fail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SfError {
    /// A REST error answer (or per-record errors of a collection call).
    #[error("Salesforce answered HTTP {status}{}", describe_errors(.errors))]
    Api { status: u16, errors: Vec<ApiError> },
    /// The token endpoint refused the grant (`invalid_grant`, `invalid_client`, …). Permanent
    /// until the configuration changes.
    #[error("Salesforce refused the OAuth grant: {error}{}", if .description.is_empty() { String::new() } else { format!(" ({})", .description) })]
    Auth { error: String, description: String },
    /// Connecting, sending or receiving failed (including timeouts): Salesforce may or may not
    /// have processed the request.
    #[error("could not reach Salesforce: {0}")]
    Transport(String),
    /// Salesforce answered something the client could not understand.
    #[error("unexpected answer from Salesforce: {0}")]
    Decode(String),
    /// Something the call needs is not configured (e.g. no way to obtain a token).
    #[error("Salesforce client is not configured: {0}")]
    NotConfigured(String),
    /// The client refused to send a call that could not be right: Salesforce was never asked,
    /// so this is never reported as Salesforce's answer.
    #[error("not sent to Salesforce: {0}")]
    Refused(Refusal),
}

/// Why the client refused to send a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not 15 or 18 letters and digits, so it names no record (and must not reach a URL path).
    #[error("'{0}' is not a Salesforce record id (15 or 18 letters and digits)")]
    MalformedId(String),
    /// A `nextRecordsUrl` that is not a query-locator path of the current instance: following
    /// it could send the access token elsewhere.
    #[error("the next-records URL is not a query locator path of this instance")]
    ForeignLocator,
    /// A token grant named an `instance_url` in plain http off loopback: the access token would
    /// travel in the clear, so the grant is not used (the rule `salesforce.domain` follows).
    #[error("the token endpoint named an instance_url in plain http; the access token is sent only over https")]
    InsecureInstanceUrl,
    /// A query longer than Salesforce's request URI accepts (about 16 KB): sending it could
    /// only fail, and resending it would fail again.
    #[error("the query is {0} characters long, more than one Salesforce request URI holds")]
    QueryTooLong(usize),
    /// A query whose conditions nest deeper than [`super::query::MAX_SOQL_DEPTH`] parentheses.
    #[error("the query's conditions nest {0} parentheses deep")]
    QueryTooDeep(usize),
    /// The org's daily API allowance is down to the reserve the bridge leaves to the rest of
    /// the org (`Sforce-Limit-Info`): nothing is sent until the next probe.
    #[error("the org has used {used} of its {limit} daily API requests; the last {reserve} are kept for the rest of the org")]
    Reserve {
        used: u64,
        limit: u64,
        reserve: u64,
        /// Seconds until the bridge probes the allowance again.
        retry_after: u64,
    },
}

fn describe_errors(errors: &[ApiError]) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str(if out.is_empty() { ": " } else { "; " });
        out.push_str(&e.error_code);
        if !e.message.is_empty() {
            out.push_str(": ");
            out.push_str(&e.message);
        }
        if !e.fields.is_empty() {
            out.push_str(" [");
            out.push_str(&e.fields.join(", "));
            out.push(']');
        }
    }
    out
}

/// Error codes that mean "try again later" even though the HTTP status is 4xx.
const RETRYABLE_CODES: &[&str] = &["UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"];

/// Error codes that must never be retried, whatever the status: retrying a rate limit burns more
/// of the org's daily API allowance and prolongs the lockout.
const NEVER_RETRY_CODES: &[&str] = &["REQUEST_LIMIT_EXCEEDED"];

#[derive(Deserialize)]
struct TokenErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

impl SfError {
    /// Builds the error for a non-success REST answer from its status and body. A body that is not
    /// Salesforce's error array (an HTML error page from a proxy, say) keeps the status with no
    /// error codes, so status-based policy (5xx → retry) still applies.
    pub fn from_response(status: u16, body: &[u8]) -> SfError {
        if let Ok(errors) = serde_json::from_slice::<Vec<ApiError>>(body) {
            return SfError::Api { status, errors };
        }
        // Some endpoints answer a single object instead of an array.
        if let Ok(error) = serde_json::from_slice::<ApiError>(body) {
            if !error.error_code.is_empty() {
                return SfError::Api {
                    status,
                    errors: vec![error],
                };
            }
        }
        SfError::Api {
            status,
            errors: Vec::new(),
        }
    }

    /// Builds the error for a non-success token endpoint answer. OAuth errors
    /// (`{"error","error_description"}`, RFC 6749 §5.2) become [`SfError::Auth`]; anything else
    /// (a 5xx page) stays an [`SfError::Api`] so it can be retried.
    pub fn from_token_response(status: u16, body: &[u8]) -> SfError {
        match serde_json::from_slice::<TokenErrorBody>(body) {
            Ok(b) if (400..500).contains(&status) => SfError::Auth {
                error: b.error,
                description: b.error_description,
            },
            _ if (400..500).contains(&status) => SfError::Auth {
                error: format!("http_{status}"),
                description: "the token endpoint refused the request".to_string(),
            },
            _ => SfError::from_response(status, body),
        }
    }

    /// A transport error without the URL (a query URL can hold personal data in its SOQL).
    pub fn transport(e: reqwest::Error) -> SfError {
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        let e = e.without_url();
        SfError::Transport(format!("{kind}: {e}"))
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            SfError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The first Salesforce `errorCode` (or the OAuth `error` for grant failures).
    pub fn code(&self) -> Option<&str> {
        match self {
            SfError::Api { errors, .. } => errors.first().map(|e| e.error_code.as_str()),
            SfError::Auth { error, .. } => Some(error.as_str()),
            _ => None,
        }
    }

    /// Whether any error in the array carries `code`.
    pub fn has_code(&self, code: &str) -> bool {
        match self {
            SfError::Api { errors, .. } => errors.iter().any(|e| e.error_code == code),
            SfError::Auth { error, .. } => error == code,
            _ => false,
        }
    }

    /// Whether the same request may succeed if sent again after a pause: row-lock contention,
    /// `SERVER_UNAVAILABLE`, any 5xx, and transport failures. Never a rate limit
    /// (`REQUEST_LIMIT_EXCEEDED`), a grant failure, or a validation error.
    pub fn is_retryable(&self) -> bool {
        match self {
            SfError::Api { status, errors } => {
                if errors
                    .iter()
                    .any(|e| NEVER_RETRY_CODES.contains(&e.error_code.as_str()))
                {
                    return false;
                }
                *status >= 500
                    || errors
                        .iter()
                        .any(|e| RETRYABLE_CODES.contains(&e.error_code.as_str()))
            }
            SfError::Transport(_) => true,
            SfError::Auth { .. }
            | SfError::Decode(_)
            | SfError::NotConfigured(_)
            | SfError::Refused(_) => false,
        }
    }

    /// Whether Salesforce may have carried out the request although it failed: no answer at
    /// all (a timeout, a dropped connection), or a gateway's answer instead of Salesforce's
    /// (502/504, or any 5xx without Salesforce's error array) — the insert may still commit
    /// behind it. A create that failed this way is never resent.
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            SfError::Transport(_) => true,
            SfError::Api { status, errors } => {
                *status == 502 || *status == 504 || (*status >= 500 && errors.is_empty())
            }
            _ => false,
        }
    }

    /// Whether the record does not exist (any more): `NOT_FOUND`, or `ENTITY_IS_DELETED` for a
    /// record in the Recycle Bin.
    pub fn is_not_found(&self) -> bool {
        matches!(self, SfError::Refused(Refusal::MalformedId(_)))
            || self.has_code("NOT_FOUND")
            || self.has_code("ENTITY_IS_DELETED")
    }

    /// Whether the access token expired or was revoked (401 `INVALID_SESSION_ID`): get a new token
    /// and send once more.
    pub fn is_session_expired(&self) -> bool {
        matches!(self, SfError::Api { status: 401, .. }) || self.has_code("INVALID_SESSION_ID")
    }

    /// Whether the org's API limit is exhausted.
    pub fn is_rate_limited(&self) -> bool {
        self.has_code("REQUEST_LIMIT_EXCEEDED")
    }

    /// Human-readable text, free of secrets.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> SfError {
        SfError::Api {
            status,
            errors: vec![ApiError::new(code, "m")],
        }
    }

    #[test]
    fn a_salesforce_error_array_is_parsed_with_code_message_and_fields() {
        let body = br#"[{"message":"Email: invalid email address: nope","errorCode":"INVALID_EMAIL_ADDRESS","fields":["Email"]}]"#;
        let e = SfError::from_response(400, body);
        assert_eq!(
            e,
            SfError::Api {
                status: 400,
                errors: vec![ApiError {
                    error_code: "INVALID_EMAIL_ADDRESS".into(),
                    message: "Email: invalid email address: nope".into(),
                    fields: vec!["Email".into()],
                }],
            }
        );
        assert_eq!(e.code(), Some("INVALID_EMAIL_ADDRESS"));
        assert_eq!(
            e.message(),
            "Salesforce answered HTTP 400: INVALID_EMAIL_ADDRESS: Email: invalid email address: nope [Email]"
        );
    }

    #[test]
    fn an_error_without_fields_parses_with_an_empty_field_list() {
        let e = SfError::from_response(
            401,
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        );
        assert_eq!(e.code(), Some("INVALID_SESSION_ID"));
        assert!(e.is_session_expired());
        assert!(!e.is_retryable());
    }

    #[test]
    fn collection_errors_with_status_code_are_parsed() {
        let e = SfError::from_response(
            400,
            br#"[{"statusCode":"MALFORMED_ID","message":"bad id","fields":[]}]"#,
        );
        assert_eq!(e.code(), Some("MALFORMED_ID"));
    }

    #[test]
    fn a_non_json_error_page_keeps_its_status_and_is_retryable_when_5xx() {
        let e = SfError::from_response(502, b"<html>Bad Gateway</html>");
        assert_eq!(e.status(), Some(502));
        assert_eq!(e.code(), None);
        assert!(e.is_retryable());
        assert!(!SfError::from_response(400, b"nonsense").is_retryable());
    }

    #[test]
    fn row_lock_and_server_unavailable_and_5xx_are_retryable() {
        assert!(api(400, "UNABLE_TO_LOCK_ROW").is_retryable());
        assert!(api(503, "SERVER_UNAVAILABLE").is_retryable());
        assert!(api(500, "UNKNOWN_EXCEPTION").is_retryable());
        assert!(SfError::Transport("timed out".into()).is_retryable());
    }

    #[test]
    fn only_silence_and_gateway_answers_may_hide_an_applied_write() {
        assert!(SfError::Transport("timeout".into()).may_have_been_applied());
        assert!(
            SfError::from_response(504, b"<html>Gateway Timeout</html>").may_have_been_applied()
        );
        assert!(SfError::from_response(502, b"bad gateway").may_have_been_applied());
        assert!(SfError::from_response(500, b"<html>oops</html>").may_have_been_applied());
        assert!(!api(503, "SERVER_UNAVAILABLE").may_have_been_applied());
        assert!(!api(400, "UNABLE_TO_LOCK_ROW").may_have_been_applied());
    }

    #[test]
    fn rate_limits_auth_and_validation_errors_are_not_retryable() {
        assert!(!api(403, "REQUEST_LIMIT_EXCEEDED").is_retryable());
        // Even if a gateway wrapped the rate limit in a 5xx.
        assert!(!api(503, "REQUEST_LIMIT_EXCEEDED").is_retryable());
        assert!(!api(400, "REQUIRED_FIELD_MISSING").is_retryable());
        assert!(!api(400, "DUPLICATES_DETECTED").is_retryable());
        assert!(!api(404, "NOT_FOUND").is_retryable());
        assert!(!SfError::Auth {
            error: "invalid_grant".into(),
            description: "expired access/refresh token".into()
        }
        .is_retryable());
        assert!(!SfError::NotConfigured("no credentials".into()).is_retryable());
    }

    #[test]
    fn not_found_and_deleted_records_count_as_not_found() {
        assert!(api(404, "NOT_FOUND").is_not_found());
        assert!(api(404, "ENTITY_IS_DELETED").is_not_found());
        assert!(!api(400, "INVALID_FIELD").is_not_found());
    }

    #[test]
    fn a_token_endpoint_error_becomes_an_auth_error() {
        let e = SfError::from_token_response(
            400,
            br#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#,
        );
        assert_eq!(
            e,
            SfError::Auth {
                error: "invalid_grant".into(),
                description: "expired access/refresh token".into()
            }
        );
        assert_eq!(e.code(), Some("invalid_grant"));
        assert!(!e.is_retryable());
        assert_eq!(
            e.message(),
            "Salesforce refused the OAuth grant: invalid_grant (expired access/refresh token)"
        );
    }

    #[test]
    fn a_token_endpoint_outage_stays_retryable() {
        let e = SfError::from_token_response(503, b"maintenance");
        assert!(matches!(e, SfError::Api { status: 503, .. }));
        assert!(e.is_retryable());
    }
}

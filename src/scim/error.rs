//! SCIM error responses (RFC 7644 §3.12): the one error type every SCIM-facing layer returns.
//!
//! The wire shape is pinned by the RFC: `schemas` holds the Error message URN, `status` is the HTTP
//! status *as a JSON string*, `scimType` is present only for the 400/409 codes of Table 9, and
//! `detail` is human-readable. Clients (Okta's spec test in particular) read `detail`, so every
//! constructor takes one.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::urn;

/// The `scimType` error keywords of RFC 7644 §3.12, Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    /// The filter syntax was invalid or the filter is not supported (400).
    InvalidFilter,
    /// The filter would return more results than the server is willing to compute (400).
    TooMany,
    /// One or more unique attribute values are in use (409).
    Uniqueness,
    /// The request tried to modify an immutable or read-only attribute (400).
    Mutability,
    /// The request body structure was invalid or did not conform to the schema (400).
    InvalidSyntax,
    /// The PATCH `path` was invalid or not supported (400).
    InvalidPath,
    /// The PATCH `path` did not yield an attribute that could be operated on (400).
    NoTarget,
    /// A required value was missing or the value was not compatible with the attribute (400).
    InvalidValue,
    /// The SCIM protocol version is not supported (400).
    InvalidVers,
    /// The request cannot be completed because of sensitive data in the URI (403 in the RFC
    /// table; the bridge answers 400, see [`ScimError::sensitive`]).
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears on the wire (`invalidFilter`, `noTarget`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM error: HTTP status, optional `scimType`, and a detail message for humans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
    /// Seconds the client should wait before retrying (`Retry-After`, RFC 9110 §10.2.3), when
    /// the server knows; a 429 or 503 without it gets the HTTP layer's default.
    pub retry_after: Option<u64>,
    /// The Salesforce `errorCode` behind the error, for the sync status and logs; never sent
    /// to the client.
    pub salesforce_code: Option<String>,
}

impl ScimError {
    /// An error without `scimType` (used for every status other than the Table 9 ones).
    pub fn new(status: u16, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
            retry_after: None,
            salesforce_code: None,
        }
    }

    /// An error with a `scimType` keyword.
    pub fn with_type(status: u16, scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: Some(scim_type),
            detail: detail.into(),
            retry_after: None,
            salesforce_code: None,
        }
    }

    /// 400 `invalidFilter`: bad filter syntax or an unsupported filter (§3.4.2.2).
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::InvalidFilter, detail)
    }

    /// 400 `tooMany`: the filter would yield too many results.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::TooMany, detail)
    }

    /// 400 `mutability`: an attempt to change a read-only or immutable attribute.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::Mutability, detail)
    }

    /// 400 `invalidSyntax`: malformed request body (e.g. a PATCH body without `Operations`).
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::InvalidSyntax, detail)
    }

    /// 400 `invalidPath`: a PATCH `path` that does not parse or is unsupported (§3.5.2).
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::InvalidPath, detail)
    }

    /// 400 `noTarget`: a PATCH target that does not exist, or `remove` without `path`
    /// (§3.5.2.2).
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::NoTarget, detail)
    }

    /// 400 `invalidValue`: a missing or incompatible value.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::InvalidValue, detail)
    }

    /// 400 `invalidVers`: unsupported SCIM protocol version.
    pub fn invalid_vers(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::InvalidVers, detail)
    }

    /// `sensitive`: sensitive data in the URI. Table 9 lists 403; the bridge answers 400 so
    /// that callers never confuse it with an authorisation failure.
    pub fn sensitive(detail: impl Into<String>) -> Self {
        Self::with_type(400, ScimType::Sensitive, detail)
    }

    /// 409 `uniqueness`: a unique attribute value (e.g. `userName`) is already taken. Okta's
    /// spec test creates the same user twice and expects this.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::with_type(409, ScimType::Uniqueness, detail)
    }

    /// 401: missing or invalid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, detail)
    }

    /// 403: authenticated but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, detail)
    }

    /// 404: unknown resource or endpoint (RFC 7644 §3.4.1, §3.12).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, detail)
    }

    /// 405: the endpoint does not support the HTTP method.
    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(405, detail)
    }

    /// 409: a conflict other than a uniqueness violation.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(409, detail)
    }

    /// 412: `If-Match` did not match the current version (§3.14).
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(412, detail)
    }

    /// 413: the request body is larger than the server accepts.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(413, detail)
    }

    /// 415: the request body is not JSON.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(415, detail)
    }

    /// 429: the caller should slow down (Entra honours `Retry-After`).
    pub fn too_many_requests(detail: impl Into<String>) -> Self {
        Self::new(429, detail)
    }

    /// 500: an internal failure; the detail must not leak internals.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(500, detail)
    }

    /// 502: the upstream (Salesforce) answered with something unusable.
    pub fn bad_gateway(detail: impl Into<String>) -> Self {
        Self::new(502, detail)
    }

    /// 503: temporarily unavailable.
    pub fn service_unavailable(detail: impl Into<String>) -> Self {
        Self::new(503, detail)
    }

    /// 504: the upstream (Salesforce) did not answer in time.
    pub fn gateway_timeout(detail: impl Into<String>) -> Self {
        Self::new(504, detail)
    }

    /// This error with a known `Retry-After`.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The RFC 7644 §3.12 error body. `status` is a string; `scimType` is omitted when `None`.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [urn::ERROR],
            "status": self.status.to_string(),
        });
        if let (Some(t), Some(obj)) = (self.scim_type, body.as_object_mut()) {
            obj.insert("scimType".into(), Value::String(t.as_str().into()));
        }
        if let Some(obj) = body.as_object_mut() {
            obj.insert("detail".into(), Value::String(self.detail.clone()));
        }
        body
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scim_type {
            Some(t) => write!(f, "{} {}: {}", self.status, t, self.detail),
            None => write!(f, "{}: {}", self.status, self.detail),
        }
    }
}

impl std::error::Error for ScimError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_filter_error_serialises_exactly_as_rfc_7644_shows() {
        let e = ScimError::invalid_filter("bad filter");
        assert_eq!(
            e.to_json(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "bad filter"
            })
        );
    }

    #[test]
    fn an_error_without_scim_type_omits_the_key_and_keeps_status_as_a_string() {
        let e = ScimError::not_found("User 0 not found");
        let body = e.to_json();
        assert_eq!(
            body,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "404",
                "detail": "User 0 not found"
            })
        );
        assert!(body["status"].is_string());
        assert!(body.get("scimType").is_none());
    }

    #[test]
    fn uniqueness_is_a_409_with_the_uniqueness_keyword() {
        let e = ScimError::uniqueness("userName taken");
        assert_eq!(e.status, 409);
        assert_eq!(e.to_json()["scimType"], "uniqueness");
        assert_eq!(e.to_json()["status"], "409");
    }

    #[test]
    fn every_typed_constructor_is_a_400_with_its_camel_case_keyword() {
        let cases = [
            (ScimError::invalid_filter("x"), "invalidFilter"),
            (ScimError::too_many("x"), "tooMany"),
            (ScimError::mutability("x"), "mutability"),
            (ScimError::invalid_syntax("x"), "invalidSyntax"),
            (ScimError::invalid_path("x"), "invalidPath"),
            (ScimError::no_target("x"), "noTarget"),
            (ScimError::invalid_value("x"), "invalidValue"),
            (ScimError::invalid_vers("x"), "invalidVers"),
            (ScimError::sensitive("x"), "sensitive"),
        ];
        for (e, keyword) in cases {
            assert_eq!(e.status, 400, "{keyword}");
            assert_eq!(e.to_json()["scimType"], keyword);
            // serde and as_str agree on the spelling.
            assert_eq!(
                serde_json::to_value(e.scim_type).unwrap(),
                Value::String(keyword.into())
            );
        }
    }

    #[test]
    fn plain_constructors_carry_their_http_status_and_no_scim_type() {
        let cases = [
            (ScimError::unauthorized("x"), 401),
            (ScimError::forbidden("x"), 403),
            (ScimError::not_found("x"), 404),
            (ScimError::method_not_allowed("x"), 405),
            (ScimError::conflict("x"), 409),
            (ScimError::precondition_failed("x"), 412),
            (ScimError::payload_too_large("x"), 413),
            (ScimError::unsupported_media_type("x"), 415),
            (ScimError::too_many_requests("x"), 429),
            (ScimError::internal("x"), 500),
            (ScimError::bad_gateway("x"), 502),
            (ScimError::service_unavailable("x"), 503),
            (ScimError::gateway_timeout("x"), 504),
        ];
        for (e, status) in cases {
            assert_eq!(e.status, status);
            assert_eq!(e.scim_type, None);
            assert_eq!(e.to_json()["status"], status.to_string());
        }
    }

    #[test]
    fn display_shows_status_keyword_and_detail() {
        assert_eq!(
            ScimError::no_target("remove needs a path").to_string(),
            "400 noTarget: remove needs a path"
        );
        assert_eq!(ScimError::internal("boom").to_string(), "500: boom");
    }
}

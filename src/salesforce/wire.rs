//! The JSON Salesforce sends back, as the client reads it: private `Raw*` shapes, decoding with
//! positions instead of echoed bodies, and the `attributes` envelope removed from records.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{ApiError, SfError};

/// A Salesforce record: field name → JSON value (without the `attributes` envelope).
pub type Record = Map<String, Value>;

/// Decodes an answer; the error names what was expected and where the text stopped making
/// sense, never the text itself (it may hold personal data).
pub(super) fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, SfError> {
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

/// Removes the `attributes` envelope from a record and from related records inside it.
pub(super) fn strip_attributes(record: &mut Record) {
    record.remove("attributes");
    for value in record.values_mut() {
        if let Value::Object(inner) = value {
            strip_attributes(inner);
        }
    }
}

/// A record answer (`GET /sobjects/{object}/{id}`, a Composite read-back) without its envelope.
pub(super) fn record_of(value: Value, what: &str) -> Result<Record, SfError> {
    let mut record: Record = serde_json::from_value(value)
        .map_err(|_| SfError::Decode(format!("{what}: not a record")))?;
    strip_attributes(&mut record);
    Ok(record)
}

/// `Sforce-Limit-Info: api-usage=18/15000` ("API Usage", REST API Developer Guide).
pub(super) fn parse_api_usage(header: &str) -> Option<(u64, u64)> {
    header.split(',').find_map(|part| {
        let rest = part.trim().strip_prefix("api-usage=")?;
        let (used, max) = rest.split_once('/')?;
        Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
    })
}

/// `POST /sobjects/{object}`'s answer.
#[derive(Deserialize)]
pub(super) struct CreateResponse {
    pub id: Option<String>,
    #[serde(default = "default_true")]
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// One record's result in an sObject Collections answer (create, update, delete).
#[derive(Deserialize)]
pub(super) struct SaveResult {
    pub id: Option<String>,
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

impl SaveResult {
    /// The record's id, or its errors as the failure.
    pub fn into_id(self) -> Result<String, SfError> {
        match self.id {
            Some(id) if self.success => Ok(id),
            _ => Err(SfError::Api {
                status: 400,
                errors: self.errors,
            }),
        }
    }
}

pub(super) fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawQueryPage {
    pub total_size: u64,
    pub done: bool,
    #[serde(default)]
    pub records: Vec<Record>,
    #[serde(default)]
    pub next_records_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CompositeResponse {
    pub composite_response: Vec<SubResponse>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SubResponse {
    #[serde(default)]
    pub body: Value,
    pub http_status_code: u16,
}

impl SubResponse {
    /// The sub-request's failure, if it failed.
    pub fn error(&self) -> Option<SfError> {
        if (200..300).contains(&self.http_status_code) {
            return None;
        }
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        Some(SfError::from_response(self.http_status_code, &body))
    }
}

#[derive(Deserialize)]
pub(super) struct VersionEntry {
    pub version: String,
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
    fn a_decode_error_says_where_and_never_quotes_the_body() {
        let err = decode::<RawQueryPage>(b"{\"totalSize\": \"ada@example.com\"}", "query answer")
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(
            text.contains("query answer: unexpected shape at line 1"),
            "{text}"
        );
        assert!(!text.contains("ada@"));
    }
}

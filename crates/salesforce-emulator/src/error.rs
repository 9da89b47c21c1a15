//! Salesforce error shapes: the REST error array `[{"message","errorCode","fields"}]` and the
//! per-record form used inside sObject Collections (`statusCode` instead of `errorCode`).

use serde_json::{json, Map, Value};

/// One Salesforce error plus the HTTP status it is answered with.
#[derive(Debug, Clone, PartialEq)]
pub struct SfError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// `Some` for DML errors (Salesforce always sends `fields` for them), `None` for request-level
    /// errors such as `INVALID_SESSION_ID` or `NOT_FOUND`, which carry no `fields` key.
    pub fields: Option<Vec<String>>,
    /// Extra keys (the `duplicateResult` of `DUPLICATES_DETECTED`).
    pub extra: Option<Box<(&'static str, Value)>>,
}

impl SfError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: None,
            extra: None,
        }
    }

    /// A DML error (HTTP 400) naming the offending fields.
    pub fn dml(code: &'static str, message: impl Into<String>, fields: Vec<String>) -> Self {
        Self {
            status: 400,
            code,
            message: message.into(),
            fields: Some(fields),
            extra: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(404, "NOT_FOUND", "The requested resource does not exist")
    }

    pub fn entity_is_deleted() -> Self {
        Self {
            status: 404,
            code: "ENTITY_IS_DELETED",
            message: "entity is deleted".to_string(),
            fields: Some(Vec::new()),
            extra: None,
        }
    }

    pub fn invalid_session() -> Self {
        Self::new(401, "INVALID_SESSION_ID", "Session expired or invalid")
    }

    pub fn json_parser(message: impl Into<String>) -> Self {
        Self::new(400, "JSON_PARSER_ERROR", message)
    }

    /// The REST form: one element of the error array.
    pub fn to_rest_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("message".into(), Value::String(self.message.clone()));
        m.insert("errorCode".into(), Value::String(self.code.to_string()));
        if let Some(fields) = &self.fields {
            m.insert("fields".into(), json!(fields));
        }
        if let Some(extra) = &self.extra {
            let (k, v) = &**extra;
            m.insert((*k).to_string(), v.clone());
        }
        Value::Object(m)
    }

    /// The per-record form inside sObject Collections results: Salesforce names the code
    /// `statusCode` there and always sends `fields`.
    pub fn to_record_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("statusCode".into(), Value::String(self.code.to_string()));
        m.insert("message".into(), Value::String(self.message.clone()));
        m.insert(
            "fields".into(),
            json!(self.fields.clone().unwrap_or_default()),
        );
        if let Some(extra) = &self.extra {
            let (k, v) = &**extra;
            m.insert((*k).to_string(), v.clone());
        }
        Value::Object(m)
    }

    /// The response body: a one-element array.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&Value::Array(vec![self.to_rest_json()])).unwrap_or_default()
    }
}

/// Describes a serde_json parse failure the way Salesforce's Jackson-based parser does.
pub fn json_syntax_error(e: &serde_json::Error) -> SfError {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "Unexpected end-of-input".to_string(),
        _ => {
            let text = e.to_string();
            let head = text.split(" at line").next().unwrap_or("").to_string();
            format!("Unexpected character ({head})")
        }
    };
    SfError::json_parser(format!(
        "{what} at [line:{}, column:{}]",
        e.line(),
        e.column()
    ))
}

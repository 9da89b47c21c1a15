//! The most recent failures of a connection, for the sync-status view an admin checks
//! (`GET /admin/connections/{name}/status`): when, which request, which SCIM operation on which
//! id, the Salesforce error code behind it, and the detail the IdP received, with email
//! addresses redacted. Kept in this replica's memory, newest first, at most [`KEPT`].

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::scim::error::ScimError;

/// Failures kept per connection.
pub const KEPT: usize = 50;

/// One failed SCIM request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub time: DateTime<Utc>,
    /// The `X-Request-Id` the IdP received, to find the request in the logs.
    pub request_id: Option<String>,
    pub operation: &'static str,
    /// The SCIM id (the Salesforce record Id) when the request named one.
    pub id: Option<String>,
    pub status: u16,
    pub scim_type: Option<&'static str>,
    /// The Salesforce `errorCode` behind the failure, when Salesforce refused.
    pub salesforce_code: Option<String>,
    pub detail: String,
}

impl Failure {
    pub fn new(
        request_id: Option<String>,
        operation: &'static str,
        id: Option<String>,
        error: &ScimError,
    ) -> Self {
        Failure {
            time: Utc::now(),
            request_id,
            operation,
            id: id.filter(|i| !i.is_empty()),
            status: error.status,
            scim_type: error.scim_type.map(|t| t.as_str()),
            salesforce_code: error.salesforce_code.clone(),
            detail: redact(&error.detail),
        }
    }
}

/// The detail without email addresses: any run of characters without spaces or quotes that
/// holds an `@` becomes `[email]`.
pub fn redact(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str("[email]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in detail.chars() {
        if c.is_whitespace() || matches!(c, '\'' | '"' | '(' | ')' | ',' | ';' | '<' | '>') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A connection's recent failures.
#[derive(Default)]
pub struct RecentFailures {
    kept: Mutex<VecDeque<Failure>>,
}

impl RecentFailures {
    pub fn record(&self, failure: Failure) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= KEPT {
            kept.pop_back();
        }
        kept.push_front(failure);
    }

    /// Newest first.
    pub fn recent(&self) -> Vec<Failure> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redact("Salesforce refused the value of 'emails' (Email: INVALID_EMAIL_ADDRESS): invalid email address: ada@x.com"),
            "Salesforce refused the value of 'emails' (Email: INVALID_EMAIL_ADDRESS): invalid email address: [email]"
        );
        assert_eq!(
            redact("userName 'a.b@c.d' taken"),
            "userName '[email]' taken"
        );
    }

    #[test]
    fn only_the_newest_are_kept_newest_first() {
        let f = RecentFailures::default();
        for i in 0..KEPT + 3 {
            let e = ScimError::new(502, format!("n{i}"));
            f.record(Failure::new(None, "create", None, &e));
        }
        let recent = f.recent();
        assert_eq!(recent.len(), KEPT);
        assert_eq!(recent[0].detail, format!("n{}", KEPT + 2));
    }
}

//! Every Salesforce error in the reference table (salesforce-rest.md "Errors"), injected with the
//! emulator's faults or produced for real, and what the IdP gets for it: a SCIM status a client
//! acts on correctly (RFC 7644 §3.12), a detail that says what to fix, and a Salesforce that
//! holds exactly what the answer claims: no duplicates after a retried create, nothing
//! half-written.
//!
//! Also the connector failures PingOne documents (scim-clients.md): converted Leads, Contacts
//! linked to portal users, and Leads left in the Recycle Bin.
//!
//! One submodule per kind of failure: `retry` (retryable errors), `limits` (API limits),
//! `validation` (values and writes Salesforce refuses), `config` (the connection's
//! configuration), `converted_leads` (records changed behind the bridge's back) and `deadline`
//! (a slow Salesforce against the timeout and the request deadline). The helpers they share are
//! here.

mod config;
mod converted_leads;
mod deadline;
mod limits;
mod retry;
mod validation;

use crate::helpers::*;
use reqwest::Response;
use serde_json::Value;

/// The `Retry-After` seconds of an answer, if any.
fn retry_after(res: &Response) -> Option<u64> {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// The `detail` of a SCIM error body ("" if none).
fn detail(body: &Value) -> &str {
    body["detail"].as_str().unwrap_or_default()
}

/// The Contacts Salesforce holds with this Email.
async fn contacts_with_email(app: &TestApp, email: &str) -> Vec<Value> {
    app.sf_query(&format!(
        "SELECT Id, FirstName, LastName FROM Contact WHERE Email = '{email}'"
    ))
    .await
}

/// Creates Ada Lovelace through the `contacts` connection; her SCIM id.
async fn ada(app: &TestApp) -> String {
    app.create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await
}

//! The audit of `reference/scim-clients.md`: every item there that no other test module covered
//! gets a test here, named after what the IdP does and asserting what the IdP would check.
//! Items fully covered elsewhere (clients.rs, errors.rs, filters.rs, lifecycle.rs, policy.rs,
//! failures/, tokens.rs, oauth.rs) are not repeated; where an existing test checks
//! only part of an item (one record type, one policy, one media type), the test here checks all.
//!
//! One file per IdP (`pingone`, `entra`, `okta`, `others` for OneLogin, Keycloak and
//! authentik), plus `interop` (failures seen in public threads) and `server` (what every IdP
//! needs from the server); the helpers they share are here.

mod entra;
mod interop;
mod okta;
mod others;
mod pingone;
mod server;

use reqwest::Response;

/// The response's `Content-Type`, or "" when there is none.
fn content_type(res: &Response) -> String {
    res.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An edit that appends the same policy table to both demo connections.
fn policy_for_both(keys: String) -> impl FnOnce(String) -> String {
    move |toml| {
        format!(
            "{toml}\n[connections.contacts.policy]\n{keys}\n\n[connections.leads.policy]\n{keys}\n"
        )
    }
}

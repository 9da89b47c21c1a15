//! Inbound authentication: each connection's bearer tokens or HTTP Basic credentials, and the
//! admin token. Comparisons take the same time whatever the contents (the `subtle` crate), so a
//! token cannot be guessed byte by byte; only its length may show.

use actix_web::http::header;
use actix_web::HttpRequest;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::inbound::InboundAuth;
use crate::inbound::TokenIssuer;
use crate::scim::error::ScimError;

/// Compares two secrets in a time that does not depend on their contents (`subtle`'s reviewed
/// implementation; two inputs of different lengths differ at once, so only the length may leak).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

pub(crate) fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The credential after a scheme, case-insensitively (`Bearer x`, `bearer x`).
pub(crate) fn credential<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// Checks a SCIM request against a connection's inbound credentials: a static bearer token, an
/// access token the bridge issued to the connection's OAuth client, or HTTP Basic.
pub fn check_inbound(
    req: &HttpRequest,
    connection: &str,
    auth: &InboundAuth,
    issuer: Option<&TokenIssuer>,
) -> Result<(), ScimError> {
    if auth.allow_anonymous {
        return Ok(());
    }
    let Some(value) = authorization(req) else {
        return Err(ScimError::unauthorized(
            "this endpoint needs an Authorization header: `Bearer <token>` as configured for the connection",
        ));
    };
    if let Some(token) = credential(value, "Bearer") {
        if auth
            .bearer_tokens
            .iter()
            .any(|t| constant_time_eq(t.expose_secret().as_bytes(), token.as_bytes()))
        {
            return Ok(());
        }
        if let (Some((id, secret)), Some(issuer)) = (&auth.oauth_client, issuer) {
            if issuer.verify(token, connection, id, secret.expose_secret()) {
                return Ok(());
            }
        }
        return Err(ScimError::unauthorized(
            "the bearer token is not valid for this connection",
        ));
    }
    // The answer names what the caller sent, never what the connection is configured with
    // (Basic or not): a refusal must not tell one connection from another, nor from a name that
    // is not configured at all (see `AppState::served`).
    if let Some(encoded) = credential(value, "Basic") {
        if let Some((user, password)) = &auth.basic {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            if let Some((u, p)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                let ok_user = constant_time_eq(u.as_bytes(), user.as_bytes());
                let ok_pass = constant_time_eq(p.as_bytes(), password.expose_secret().as_bytes());
                if ok_user && ok_pass {
                    return Ok(());
                }
            }
        }
        return Err(ScimError::unauthorized(
            "the HTTP Basic credentials are not valid for this connection",
        ));
    }
    Err(ScimError::unauthorized(
        "unsupported Authorization scheme: send `Bearer <token>` (or Basic, if configured)",
    ))
}

/// Checks an admin request against the admin token.
pub fn check_admin(req: &HttpRequest, token: Option<&SecretString>) -> Result<(), ScimError> {
    let Some(expected) = token else {
        return Err(ScimError::forbidden(
            "the admin API is disabled: set admin_token in the configuration",
        ));
    };
    let given = authorization(req).and_then(|v| credential(v, "Bearer"));
    match given {
        Some(t) if constant_time_eq(t.as_bytes(), expected.expose_secret().as_bytes()) => Ok(()),
        Some(_) => Err(ScimError::unauthorized("the admin token is not valid")),
        None => Err(ScimError::unauthorized(
            "the admin API needs `Authorization: Bearer <admin_token>`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_time_comparison_still_tells_equal_from_different() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
        // A difference in the last byte only, and a prefix of the secret, are still unequal.
        assert!(!constant_time_eq(b"secret-token-0", b"secret-token-1"));
        assert!(!constant_time_eq(b"secret-token", b"secret-token-0"));
    }
}

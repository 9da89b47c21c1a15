//! Access tokens the bridge issues to IdPs that authenticate with OAuth 2.0 client credentials
//! (RFC 6749 §4.4), as PingOne's SCIM outbound connection can ("OAuth 2 client credentials":
//! PingOne fetches a token from a token URL with a client id and secret).
//!
//! Tokens are JWTs signed with HS256 (RFC 7519) under a secret shared by every replica, so any
//! replica verifies a token another one issued: the bridge stays stateless. Each token names
//! the connection it is for in `aud`, so a token for `leads` is refused by `contacts`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The `iss` of every token.
pub const ISSUER: &str = "scim-bridge";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
}

/// Issues and verifies inbound access tokens.
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: Duration,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

fn audience(connection: &str) -> String {
    format!("{ISSUER}:{connection}")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TokenIssuer {
    pub fn new(secret: &[u8], lifetime: Duration) -> Self {
        TokenIssuer {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime,
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token for `client_id` on `connection`.
    pub fn issue(&self, connection: &str, client_id: &str) -> Option<String> {
        let iat = now();
        let claims = Claims {
            iss: ISSUER.to_string(),
            sub: client_id.to_string(),
            aud: audience(connection),
            iat,
            exp: iat + self.lifetime.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).ok()
    }

    /// Whether `token` is a valid, unexpired token this bridge issued for `connection`.
    pub fn verify(&self, token: &str, connection: &str) -> bool {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience(connection)]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(3600),
        )
    }

    #[test]
    fn a_token_is_valid_for_its_connection_only() {
        let i = issuer();
        let t = i.issue("contacts", "pingone").unwrap();
        assert!(i.verify(&t, "contacts"));
        assert!(!i.verify(&t, "leads"));
    }

    #[test]
    fn a_token_signed_with_another_secret_or_tampered_is_refused() {
        let t = issuer().issue("contacts", "pingone").unwrap();
        let other = TokenIssuer::new(
            b"another-secret-of-thirty-two-byte",
            Duration::from_secs(60),
        );
        assert!(!other.verify(&t, "contacts"));
        let mut tampered = t.clone();
        tampered.push('x');
        assert!(!issuer().verify(&tampered, "contacts"));
        assert!(!issuer().verify("not-a-jwt", "contacts"));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let claims = Claims {
            iss: ISSUER.into(),
            sub: "pingone".into(),
            aud: audience("contacts"),
            iat: now() - 7200,
            exp: now() - 3600,
            jti: "x".into(),
        };
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(!issuer().verify(&t, "contacts"));
    }
}

//! Access tokens the bridge issues to IdPs that authenticate with OAuth 2.0 client credentials
//! (RFC 6749 §4.4), as PingOne's SCIM outbound connection can ("OAuth 2 client credentials":
//! PingOne fetches a token from a token URL with a client id and secret).
//!
//! Tokens are JWTs signed with HS256 (RFC 7519) under a secret shared by every replica, so any
//! replica verifies a token another one issued: the bridge stays stateless. Each token names
//! the connection it is for in `aud`, so a token for `leads` is refused by `contacts`. The key
//! that signs a token is derived from the shared secret *and* the client's id and secret, so
//! rotating a leaked client secret ends every token issued with it, on every replica, at once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The `iss` of every token.
pub const ISSUER: &str = "scim-bridge";

/// Clock skew tolerated between replicas, on `exp`, on an `iat` in the future and on the
/// token's lifetime.
const LEEWAY_SECS: u64 = 30;

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
    secret: secrecy::SecretString,
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
    pub fn new(secret: secrecy::SecretString, lifetime: Duration) -> Self {
        TokenIssuer { secret, lifetime }
    }

    /// The HS256 key for one client: the shared secret, the client id and the client secret.
    fn key(&self, client_id: &str, client_secret: &str) -> Vec<u8> {
        use secrecy::ExposeSecret;
        let mut key = self.secret.expose_secret().as_bytes().to_vec();
        for part in [client_id, client_secret] {
            key.push(0);
            key.extend_from_slice(part.as_bytes());
        }
        key
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token for the client `client_id` (whose secret is `client_secret`) on `connection`.
    pub fn issue(&self, connection: &str, client_id: &str, client_secret: &str) -> Option<String> {
        let iat = now();
        let claims = Claims {
            iss: ISSUER.to_string(),
            sub: client_id.to_string(),
            aud: audience(connection),
            iat,
            exp: iat + self.lifetime.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let key = EncodingKey::from_secret(&self.key(client_id, client_secret));
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).ok()
    }

    /// Whether `token` is a valid, unexpired token this bridge issued for `connection` to its
    /// current client (`client_id` with `client_secret`).
    ///
    /// Beyond the signature and the claims, the token must look like one this bridge issues: it
    /// lives no longer than `token_lifetime_secs` (`exp - iat`) and was not issued in the
    /// future, each within [`LEEWAY_SECS`]. So even a token signed with the key (a leaked key, a
    /// bug in an older release) cannot be valid for years. Lowering `token_lifetime_secs` ends
    /// the tokens issued with a longer lifetime at once.
    pub fn verify(
        &self,
        token: &str,
        connection: &str,
        client_id: &str,
        client_secret: &str,
    ) -> bool {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience(connection)]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.sub = Some(client_id.to_string());
        let key = DecodingKey::from_secret(&self.key(client_id, client_secret));
        let Ok(data) = jsonwebtoken::decode::<Claims>(token, &key, &validation) else {
            return false;
        };
        let Claims { iat, exp, .. } = data.claims;
        let longest = self.lifetime.as_secs().saturating_add(LEEWAY_SECS);
        iat <= now().saturating_add(LEEWAY_SECS) && exp.saturating_sub(iat) <= longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED: &str = "0123456789abcdef0123456789abcdef";

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(SHARED.to_string().into(), Duration::from_secs(3600))
    }

    #[test]
    fn a_token_is_valid_for_its_connection_only() {
        let i = issuer();
        let t = i.issue("contacts", "pingone", "s3cret").unwrap();
        assert!(i.verify(&t, "contacts", "pingone", "s3cret"));
        assert!(!i.verify(&t, "leads", "pingone", "s3cret"));
    }

    #[test]
    fn rotating_the_client_secret_or_id_ends_its_tokens() {
        let i = issuer();
        let t = i.issue("contacts", "pingone", "old-secret").unwrap();
        assert!(!i.verify(&t, "contacts", "pingone", "new-secret"));
        assert!(!i.verify(&t, "contacts", "okta", "old-secret"));
    }

    #[test]
    fn a_token_signed_with_another_secret_or_tampered_is_refused() {
        let t = issuer().issue("contacts", "pingone", "s").unwrap();
        let other = TokenIssuer::new(
            "another-secret-of-thirty-two-byte".to_string().into(),
            Duration::from_secs(60),
        );
        assert!(!other.verify(&t, "contacts", "pingone", "s"));
        let mut tampered = t.clone();
        tampered.push('x');
        assert!(!issuer().verify(&tampered, "contacts", "pingone", "s"));
        assert!(!issuer().verify("not-a-jwt", "contacts", "pingone", "s"));
    }

    /// A token for `pingone` on `contacts`, signed with the issuer's own key for secret `s`.
    fn signed(iat: u64, exp: u64) -> String {
        let claims = Claims {
            iss: ISSUER.into(),
            sub: "pingone".into(),
            aud: audience("contacts"),
            iat,
            exp,
            jti: "x".into(),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&issuer().key("pingone", "s")),
        )
        .unwrap()
    }

    #[test]
    fn an_expired_token_is_refused() {
        let t = signed(now() - 7200, now() - 3600);
        assert!(!issuer().verify(&t, "contacts", "pingone", "s"));
    }

    #[test]
    fn a_correctly_signed_token_that_lives_longer_than_the_configured_lifetime_is_refused() {
        let now = now();
        // The lifetime the issuer grants (3600 s) is accepted: the key and claims are right.
        assert!(issuer().verify(&signed(now, now + 3600), "contacts", "pingone", "s"));
        let thirty_years = 30 * 365 * 86_400;
        assert!(!issuer().verify(&signed(now, now + thirty_years), "contacts", "pingone", "s"));
        assert!(!issuer().verify(&signed(now, now + 3600 + 300), "contacts", "pingone", "s"));
        // Issued long ago with a long life, still unexpired: refused too.
        assert!(!issuer().verify(&signed(now - 86_400, now + 600), "contacts", "pingone", "s"));
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused_beyond_the_leeway() {
        let now = now();
        assert!(issuer().verify(&signed(now + 10, now + 600), "contacts", "pingone", "s"));
        assert!(!issuer().verify(&signed(now + 600, now + 1200), "contacts", "pingone", "s"));
    }
}

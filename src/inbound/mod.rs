//! How IdPs authenticate to the bridge: the credentials each connection accepts
//! ([`InboundAuth`]), the access tokens the bridge issues to OAuth clients
//! ([`token`]), and the back-off after failed token requests ([`throttle`]). The HTTP layer checks
//! requests against these; the configuration builds them.

pub mod throttle;
pub mod token;

use secrecy::SecretString;

pub use throttle::{Backoff, FailureThrottle};
pub use token::TokenIssuer;

/// How the IdP must authenticate to one connection.
#[derive(Debug, Clone, Default)]
pub struct InboundAuth {
    pub bearer_tokens: Vec<SecretString>,
    pub basic: Option<(String, SecretString)>,
    pub allow_anonymous: bool,
    /// An OAuth 2.0 client (id, secret) that may obtain tokens at `POST /oauth/token`.
    pub oauth_client: Option<(String, SecretString)>,
}

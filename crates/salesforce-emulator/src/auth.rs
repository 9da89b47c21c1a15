//! OAuth 2.0 as Salesforce serves it: the token endpoint with the refresh_token,
//! client_credentials and jwt-bearer grants, refresh-token rotation with chain revocation,
//! `/services/oauth2/revoke`, and access-token validation for REST calls.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::Instant;

use actix_web::{web, HttpResponse};
use base64::Engine;
use parking_lot::RwLock;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;

use crate::config::EmulatorConfig;
use crate::schema::{ORG_ID, USER_ID};
use crate::state::AppState;

#[derive(Debug)]
struct AccessInfo {
    issued: Instant,
    chain: Option<u64>,
}

#[derive(Debug)]
struct RefreshInfo {
    chain: u64,
    /// False once rotated out.
    current: bool,
}

#[derive(Debug, Default)]
struct TokenState {
    access: HashMap<String, AccessInfo>,
    refresh: HashMap<String, RefreshInfo>,
    revoked_chains: HashSet<u64>,
    next_chain: u64,
}

pub struct Tokens {
    state: RwLock<TokenState>,
}

fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl Tokens {
    pub fn new(config: &EmulatorConfig) -> Self {
        let mut st = TokenState::default();
        st.refresh.insert(
            config.refresh_token.clone(),
            RefreshInfo {
                chain: 0,
                current: true,
            },
        );
        st.next_chain = 1;
        if let Some(t) = &config.initial_access_token {
            st.access.insert(
                t.clone(),
                AccessInfo {
                    issued: Instant::now(),
                    chain: Some(0),
                },
            );
        }
        Self {
            state: RwLock::new(st),
        }
    }

    /// Whether an access token is valid now.
    pub fn validate(&self, token: &str, config: &EmulatorConfig) -> bool {
        let st = self.state.read();
        match st.access.get(token) {
            Some(a) => {
                a.issued.elapsed() < config.access_token_lifetime
                    && a.chain.is_none_or(|c| !st.revoked_chains.contains(&c))
            }
            None => false,
        }
    }

    fn issue_access(&self, chain: Option<u64>) -> String {
        let token = format!("{}!AQ{}", &ORG_ID[..15], random_token(96));
        self.state.write().access.insert(
            token.clone(),
            AccessInfo {
                issued: Instant::now(),
                chain,
            },
        );
        token
    }

    /// Invalidates every access token; with `refresh`, every refresh token too.
    pub fn expire_all(&self, refresh: bool) {
        let mut st = self.state.write();
        st.access.clear();
        if refresh {
            let chains: Vec<u64> = st.refresh.values().map(|r| r.chain).collect();
            st.revoked_chains.extend(chains);
        }
    }

    /// Revokes an access token, or a refresh token with its chain and access tokens.
    fn revoke(&self, token: &str) -> bool {
        let mut st = self.state.write();
        if st.access.remove(token).is_some() {
            return true;
        }
        if let Some(chain) = st.refresh.get(token).map(|r| r.chain) {
            st.revoked_chains.insert(chain);
            return true;
        }
        false
    }

    /// Redeems a refresh token: Ok((chain, new refresh token if rotating)).
    fn redeem(&self, token: &str, rotate: bool) -> Result<(u64, Option<String>), ()> {
        let mut st = self.state.write();
        let Some(info) = st.refresh.get(token) else {
            return Err(());
        };
        let chain = info.chain;
        if st.revoked_chains.contains(&chain) {
            return Err(());
        }
        if !info.current {
            // Reuse of a rotated-out token: Salesforce treats it as theft and revokes the chain.
            st.revoked_chains.insert(chain);
            return Err(());
        }
        if !rotate {
            return Ok((chain, None));
        }
        let next = random_token(86);
        if let Some(i) = st.refresh.get_mut(token) {
            i.current = false;
        }
        st.refresh.insert(
            next.clone(),
            RefreshInfo {
                chain,
                current: true,
            },
        );
        Ok((chain, Some(next)))
    }
}

fn oauth_error(error: &str, description: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .insert_header((
            "Cache-Control",
            "no-cache,must-revalidate,max-age=0,no-store,private",
        ))
        .json(json!({"error": error, "error_description": description}))
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    assertion: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JwtClaims {
    iss: String,
    sub: String,
    #[allow(dead_code)]
    aud: serde_json::Value,
    exp: i64,
}

fn success(state: &AppState, access: String, refresh: Option<String>, scope: &str) -> HttpResponse {
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    let mut sig = [0u8; 32];
    rand::thread_rng().fill(&mut sig);
    let mut body = json!({
        "access_token": access,
        "instance_url": state.config.granted_instance_url.as_deref().unwrap_or(&state.base_url),
        "id": format!("{}/id/{}/{}", state.base_url, ORG_ID, USER_ID),
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": base64::engine::general_purpose::STANDARD.encode(sig),
        "scope": scope,
    });
    if let (Some(r), Some(obj)) = (refresh, body.as_object_mut()) {
        obj.insert("refresh_token".into(), serde_json::Value::String(r));
    }
    HttpResponse::Ok()
        .insert_header((
            "Cache-Control",
            "no-cache,must-revalidate,max-age=0,no-store,private",
        ))
        .json(body)
}

/// `POST /services/oauth2/token`.
pub async fn token(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    state.stats.token_requests.fetch_add(1, Ordering::Relaxed);
    let form: TokenForm = match serde_urlencoded_from(&body) {
        Some(f) => f,
        None => return oauth_error("invalid_request", "invalid request body"),
    };
    let cfg = &state.config;
    match form.grant_type.as_deref() {
        Some("refresh_token") => {
            if form.client_id.as_deref() != Some(cfg.client_id.as_str()) {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            if form.client_secret.as_deref() != Some(state.client_secret.read().as_str()) {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            let Some(rt) = form.refresh_token else {
                return oauth_error("invalid_grant", "expired access/refresh token");
            };
            match state.tokens.redeem(&rt, cfg.rotate_refresh_tokens) {
                Ok((chain, next)) => {
                    let access = state.tokens.issue_access(Some(chain));
                    success(&state, access, next, "api refresh_token")
                }
                Err(()) => oauth_error("invalid_grant", "expired access/refresh token"),
            }
        }
        Some("client_credentials") => {
            if form.client_id.as_deref() != Some(cfg.client_id.as_str()) {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            if form.client_secret.as_deref() != Some(state.client_secret.read().as_str()) {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            // The flow is off until an admin enables it (and names a run-as user) on the
            // connected app; Salesforce checks the client before the flow.
            if !cfg.client_credentials_enabled {
                return oauth_error("invalid_grant", "no client credentials user enabled");
            }
            let access = state.tokens.issue_access(None);
            success(&state, access, None, "api")
        }
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => jwt_grant(&state, form.assertion),
        _ => oauth_error("unsupported_grant_type", "grant type not supported"),
    }
}

fn jwt_grant(state: &AppState, assertion: Option<String>) -> HttpResponse {
    let cfg = &state.config;
    let Some(pem) = cfg.jwt_public_key_pem.as_deref() else {
        return oauth_error("unsupported_grant_type", "grant type not supported");
    };
    let Some(assertion) = assertion else {
        return oauth_error("invalid_grant", "invalid assertion");
    };
    let Ok(key) = jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()) else {
        return oauth_error("invalid_grant", "invalid assertion");
    };
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.leeway = 0;
    v.validate_aud = false;
    v.set_required_spec_claims(&["exp"]);
    let claims = match jsonwebtoken::decode::<JwtClaims>(&assertion, &key, &v) {
        Ok(d) => d.claims,
        Err(e) => {
            return match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    oauth_error("invalid_grant", "expired authorization code")
                }
                _ => oauth_error("invalid_grant", "invalid assertion"),
            }
        }
    };
    if claims.iss != cfg.client_id {
        return oauth_error("invalid_client_id", "client identifier invalid");
    }
    let allowed = [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        state.base_url.as_str(),
    ];
    let aud_ok = match &claims.aud {
        serde_json::Value::String(a) => allowed.contains(&a.trim_end_matches('/')),
        serde_json::Value::Array(list) => list
            .iter()
            .filter_map(|a| a.as_str())
            .any(|a| allowed.contains(&a.trim_end_matches('/'))),
        _ => false,
    };
    if !aud_ok {
        return oauth_error("invalid_grant", "audience is invalid");
    }
    let now = chrono::Utc::now().timestamp();
    if claims.exp > now + 180 {
        return oauth_error("invalid_grant", "invalid assertion");
    }
    if !cfg
        .jwt_usernames
        .iter()
        .any(|u| u.eq_ignore_ascii_case(&claims.sub))
    {
        return oauth_error("invalid_grant", "authentication failure");
    }
    let access = state.tokens.issue_access(None);
    success(state, access, None, "api")
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    token: Option<String>,
}

/// `POST /services/oauth2/revoke`.
pub async fn revoke(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    state.stats.token_requests.fetch_add(1, Ordering::Relaxed);
    let form: Option<RevokeForm> = serde_urlencoded_from(&body);
    match form.and_then(|f| f.token) {
        Some(t) if state.tokens.revoke(&t) => HttpResponse::Ok().finish(),
        _ => oauth_error("unsupported_token_type", "this token type is not supported"),
    }
}

/// Parses a form-urlencoded body (via the `url` crate, already a dependency).
fn serde_urlencoded_from<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    let map: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).ok()
}

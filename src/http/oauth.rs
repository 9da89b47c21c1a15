//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749 §4.4) for IdPs that
//! authenticate that way (PingOne's "OAuth 2 client credentials" option). The client
//! authenticates with HTTP Basic (§2.3.1) or `client_id`/`client_secret` in the form body; the
//! answer is an access token for the client's connection (§5.1), errors as §5.2 describes.
//!
//! After repeated wrong secrets for one client id the endpoint backs off
//! ([`crate::inbound::throttle`]): 429 with `Retry-After` and the error `slow_down` (the code
//! RFC 8628 §3.5 registered for "ask more slowly"), without checking the secret. Not
//! `invalid_client`, which would tell an admin who has just fixed the secret that it is still
//! wrong.

use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use secrecy::ExposeSecret;
use serde_json::json;

use super::auth::{authorization, constant_time_eq, credential};
use super::AppState;

/// A §5.2 error answer.
fn oauth_error(status: u16, error: &str, description: &str, basic: bool) -> HttpResponse {
    let code = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    let mut res = HttpResponse::build(code);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if status == 401 && basic {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"scim-bridge\""));
    }
    tracing::info!(status, error, "token request refused");
    res.json(json!({"error": error, "error_description": description}))
}

/// The answer while a client id is blocked: 429, `slow_down`, and when to try again (whole
/// seconds, rounded up).
fn slow_down(wait: Duration) -> HttpResponse {
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let mut res = oauth_error(
        429,
        "slow_down",
        &format!("too many failed attempts for this client; try again in {secs} s"),
        false,
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

/// The client's credentials: HTTP Basic or form fields. RFC 6749 §2.3.1 has Basic credentials
/// form-urlencoded first, but many clients send them raw, and a raw secret with `+` or `%` would
/// then never match: both readings of the secret are candidates (each compared in equal time).
fn client_credentials(
    req: &HttpRequest,
    form: &[(String, String)],
) -> Option<(String, Vec<String>, bool)> {
    if let Some(encoded) = authorization(req).and_then(|v| credential(v, "Basic")) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("v={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let mut secrets = vec![secret.to_string()];
        let unescaped = unescape(secret);
        if unescaped != secret {
            secrets.push(unescaped);
        }
        return Some((unescape(id), secrets, true));
    }
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    Some((get("client_id")?, vec![get("client_secret")?], false))
}

/// The largest token request body: a grant type, a client id and a secret.
const MAX_FORM_BYTES: usize = 8 * 1024;

/// Reads the form body within the request deadline: the endpoint is unauthenticated until the
/// body is read, so a client trickling one in must not hold a connection longer than that.
async fn form_body(
    state: &AppState,
    mut payload: web::Payload,
) -> Result<web::BytesMut, HttpResponse> {
    let deadline = state.deadline;
    match tokio::time::timeout(deadline, super::read_body(&mut payload, MAX_FORM_BYTES)).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(super::BodyError::TooLarge)) => Err(oauth_error(
            413,
            "invalid_request",
            &format!("the request body is larger than {MAX_FORM_BYTES} bytes"),
            false,
        )),
        Ok(Err(super::BodyError::Unreadable(_))) => Err(oauth_error(
            400,
            "invalid_request",
            "the request body could not be read",
            false,
        )),
        Err(_) => Err(oauth_error(
            408,
            "invalid_request",
            &format!(
                "the request body did not arrive within {} s; send it whole",
                deadline.as_secs()
            ),
            false,
        )),
    }
}

pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = match form_body(&state, payload).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str());
    match grant {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "only grant_type=client_credentials is supported",
                false,
            )
        }
        None => return oauth_error(400, "invalid_request", "grant_type is missing", false),
    }
    let Some(issuer) = state.issuer.as_ref() else {
        return oauth_error(
            400,
            "unauthorized_client",
            "this bridge issues no tokens: no connection has an OAuth client configured",
            false,
        );
    };
    let Some((id, secret, basic)) = client_credentials(&req, &form) else {
        return oauth_error(
            401,
            "invalid_client",
            "send the client id and secret with HTTP Basic or as client_id and client_secret",
            true,
        );
    };
    if let Err(wait) = state.token_failures.check(&id, Instant::now()) {
        return slow_down(wait);
    }
    let connection = state.connections.iter().find_map(|(name, served)| {
        let (cid, csecret) = served.inbound.oauth_client.as_ref()?;
        let id_ok = constant_time_eq(cid.as_bytes(), id.as_bytes());
        let secret_ok = secret.iter().fold(false, |ok, candidate| {
            ok | constant_time_eq(csecret.expose_secret().as_bytes(), candidate.as_bytes())
        });
        (id_ok && secret_ok).then(|| (name.clone(), csecret.expose_secret().to_string()))
    });
    let Some((connection, client_secret)) = connection else {
        let configured = state.connections.values().any(|served| {
            served
                .inbound
                .oauth_client
                .as_ref()
                .is_some_and(|(cid, _)| constant_time_eq(cid.as_bytes(), id.as_bytes()))
        });
        state.token_failures.failed(&id, configured, Instant::now());
        return oauth_error(
            401,
            "invalid_client",
            "unknown client or wrong secret",
            basic,
        );
    };
    state.token_failures.succeeded(&id);
    let Some(access_token) = issuer.issue(&connection, &id, &client_secret) else {
        return oauth_error(500, "server_error", "the token could not be signed", false);
    };
    tracing::info!(connection = %connection, "issued an access token");
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": issuer.lifetime().as_secs(),
        }))
}

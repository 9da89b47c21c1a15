//! HTTP transport (actix-web): the route table, authentication, body reading and response
//! headers. Handlers are thin: they resolve the connection, check credentials, parse the SCIM
//! input and call [`crate::provisioning`]. The only layer that knows actix; the composition
//! root ([`crate::startup`]) hands it an [`AppState`].
//!
//! Routes: [`routes::ROUTES`] (and `openapi/scim-bridge.yaml`, checked against it). Handlers
//! by resource: [`users`], [`discovery`], [`oauth`], [`admin`], [`operate`] (metrics,
//! readiness, sync status).

pub mod admin;
pub mod auth;
pub mod discovery;
pub mod error;
pub mod groups;
pub mod logging;
pub mod metrics;
pub mod oauth;
pub mod operate;
pub mod origin;
pub mod page;
pub mod routes;
pub mod users;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use secrecy::SecretString;
use serde_json::Value;

use crate::inbound::{FailureThrottle, InboundAuth, TokenIssuer};
use crate::provisioning::Connection;
use crate::scim::error::ScimError;
use crate::scim::urn::SCIM_CONTENT_TYPE;
pub use error::HttpError;
pub use routes::{configure, ROUTES};

/// The response header that carries the request id (`X-Request-Id`).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The largest request body accepted (a SCIM User is a few kilobytes).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A connection as the HTTP layer serves it: the connection and the credentials its IdP must
/// present.
pub struct Served {
    pub connection: Arc<Connection>,
    pub inbound: InboundAuth,
}

/// A SCIM request body, read by [`json_body`] (an extractor, after the connection's
/// credentials were checked by the extractors before it).
pub struct JsonBody(pub Value);

impl actix_web::FromRequest for JsonBody {
    type Error = HttpError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let (req, payload) = (req.clone(), payload.take());
        Box::pin(async move {
            // A body that trickles in (slowloris) would hold a connection and a task forever:
            // actix bounds only the headers (`client_request_timeout`). It must arrive within
            // the request deadline, like every answer.
            let Some(deadline) = req.app_data::<web::Data<AppState>>().map(|s| s.deadline) else {
                return Err(ScimError::internal("the server has no state").into());
            };
            match tokio::time::timeout(deadline, json_body(&req, payload)).await {
                Ok(body) => body.map(JsonBody),
                Err(_) => Err(ScimError::new(
                    408,
                    format!(
                        "the request body did not arrive within {} s (request_deadline_secs); send it whole",
                        deadline.as_secs()
                    ),
                )
                .into()),
            }
        })
    }
}

/// What every handler shares.
pub struct AppState {
    pub connections: HashMap<String, Served>,
    pub admin_token: Option<SecretString>,
    /// Issues and verifies the tokens of `POST /oauth/token` (when a signing secret is set).
    pub issuer: Option<TokenIssuer>,
    /// Every SCIM request answers within this time.
    pub deadline: std::time::Duration,
    /// Failed `POST /oauth/token` attempts per client id (the back-off).
    pub token_failures: FailureThrottle,
    /// Where the bridge says it lives (`meta.location`).
    pub origins: origin::Origins,
    /// Every metric of this bridge (`/metrics`).
    pub telemetry: Arc<crate::telemetry::Telemetry>,
    /// Set once the bridge is stopping: `/readyz` answers 503 while requests drain.
    pub draining: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// The connection named in the path, after checking the caller's credentials for it.
    ///
    /// A name that is not configured fails authentication, whatever the caller sent: it is
    /// checked against a connection that accepts no credential at all, so the answer is the 401
    /// a wrong credential gets on a real connection (same status, detail and
    /// `WWW-Authenticate`). A 404 would let anyone list the connection names by guessing. No
    /// SCIM caller learns that a name is unknown, since no credential is valid for a connection
    /// that does not exist; an operator finds the names in the configuration, and
    /// `POST /admin/connections/{name}/test` (behind the admin token) answers 404 for an
    /// unknown one.
    fn served(&self, req: &HttpRequest) -> Result<&Served, HttpError> {
        let name = req.match_info().get("connection").unwrap_or_default();
        let Some(served) = self.connections.get(name) else {
            let refused = auth::check_inbound(req, name, &InboundAuth::default(), None)
                .err()
                .unwrap_or_else(|| {
                    ScimError::unauthorized("the bearer token is not valid for this connection")
                });
            return Err(refused.into());
        };
        auth::check_inbound(req, name, &served.inbound, self.issuer.as_ref())?;
        Ok(served)
    }

    /// The connection named in the path, after checking the caller's credentials for it.
    fn connection(&self, req: &HttpRequest) -> Result<Arc<Connection>, HttpError> {
        self.served(req).map(|s| Arc::clone(&s.connection))
    }
}

/// Answers 405 with the methods a route allows (RFC 9110 §15.5.6).
fn method_not_allowed(allowed: String) -> actix_web::Route {
    web::to(move || {
        let allowed = allowed.clone();
        async move {
            let e = error::HttpError(ScimError::method_not_allowed(format!(
                "this endpoint allows {allowed}"
            )));
            let mut res = actix_web::ResponseError::error_response(&e);
            if let Ok(v) = HeaderValue::from_str(&allowed) {
                res.headers_mut().insert(header::ALLOW, v);
            }
            res
        }
    })
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// A SCIM JSON response.
pub fn scim_response(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        ))
        .body(body.to_string())
}

/// The request body types accepted (RFC 7644 §3.1 and §8.1).
const BODY_TYPES: [&str; 2] = [SCIM_CONTENT_TYPE, "application/json"];

/// Whether a `Content-Type` value names one of [`BODY_TYPES`]: the media type before any
/// parameters (`; charset=utf-8`), compared case-insensitively (RFC 9110 §8.3.1). An empty
/// value counts as no type at all.
fn accepted_body_type(value: &[u8]) -> bool {
    let Ok(value) = std::str::from_utf8(value) else {
        return false;
    };
    let media_type = value.split(';').next().unwrap_or_default().trim();
    media_type.is_empty()
        || BODY_TYPES
            .iter()
            .any(|t| media_type.eq_ignore_ascii_case(t))
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    TooLarge,
    Unreadable(String),
}

/// Reads a whole body of at most `max` bytes. The caller bounds the time (a body that trickles
/// in must not hold a connection past the request deadline).
pub(crate) async fn read_body<S, E>(payload: &mut S, max: usize) -> Result<web::BytesMut, BodyError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Unreadable(e.to_string()))?;
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a JSON request body: `application/scim+json` or `application/json` (with parameters,
/// in any case), or no type at all, as some hand-written clients send; anything else is 415.
/// At most [`MAX_BODY_BYTES`].
pub async fn json_body(
    req: &HttpRequest,
    mut payload: actix_web::dev::Payload,
) -> Result<Value, HttpError> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        if !accepted_body_type(ct.as_bytes()) {
            return Err(ScimError::unsupported_media_type(format!(
                "send the body as application/scim+json or application/json, not '{}'",
                String::from_utf8_lossy(ct.as_bytes())
            ))
            .into());
        }
    }
    let body = read_body(&mut payload, MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => ScimError::payload_too_large(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            )),
            BodyError::Unreadable(e) => {
                ScimError::invalid_syntax(format!("the request body could not be read: {e}"))
            }
        })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            ScimError::invalid_syntax("the request body is empty; send a JSON object").into(),
        );
    }
    serde_json::from_slice(&body).map_err(|e| {
        ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_json_media_types_are_accepted_with_any_parameters_and_case() {
        for ok in [
            "application/scim+json",
            "application/json",
            "application/scim+json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            " APPLICATION/SCIM+JSON ",
            "",
        ] {
            assert!(accepted_body_type(ok.as_bytes()), "{ok:?} was refused");
        }
        for refused in [
            "text/plain; charset=json",
            "application/jsonx",
            "application/json-patch+json",
            "application/x-json",
            "text/json",
            "application/xml; type=json",
            "json",
        ] {
            assert!(
                !accepted_body_type(refused.as_bytes()),
                "{refused:?} was accepted"
            );
        }
        assert!(!accepted_body_type(b"application/json\xff"));
    }
}

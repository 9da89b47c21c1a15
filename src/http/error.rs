//! The one mapping from a SCIM error to an HTTP response (RFC 7644 §3.12).
//!
//! Every failure the server answers, including unknown routes, wrong methods, bad JSON and
//! authentication failures, goes through [`HttpError`], so the IdP always reads a SCIM error
//! body with `status` as a string and `application/scim+json`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::scim::error::ScimError;
use crate::scim::urn::SCIM_CONTENT_TYPE;

/// A SCIM error on its way out.
pub struct HttpError(pub ScimError);

/// Status and `scimType` only: the request logger prints errors with `Debug`, and a detail can
/// quote what Salesforce refused (a person's data). The detail is logged at `debug`.
impl std::fmt::Debug for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HttpError({} {})",
            self.0.status,
            self.0.scim_type.map(|t| t.as_str()).unwrap_or("-")
        )
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl From<ScimError> for HttpError {
    fn from(e: ScimError) -> Self {
        HttpError(e)
    }
}

/// How long an IdP should wait after a 429 or 503. Salesforce itself sends no `Retry-After`;
/// a minute keeps Entra (which honours it) from hammering an org that is out of API requests.
const RETRY_AFTER_SECS: &str = "60";

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        ));
        match self.0.status {
            401 => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"scim-bridge\""),
                ));
            }
            429 | 503 => {
                let value = match self.0.retry_after {
                    Some(secs) => HeaderValue::from(secs),
                    None => HeaderValue::from_static(RETRY_AFTER_SECS),
                };
                res.insert_header((header::RETRY_AFTER, value));
            }
            _ => {}
        }
        if self.0.status >= 500 {
            // The detail may quote what Salesforce refused (a person's data): debug only.
            tracing::warn!(status = self.0.status, "request failed");
            tracing::debug!(detail = %self.0.detail, "request failed");
        } else {
            tracing::info!(
                status = self.0.status,
                scim_type = self.0.scim_type.map(|t| t.as_str()).unwrap_or("-"),
                "request refused"
            );
            tracing::debug!(detail = %self.0.detail, "request refused");
        }
        res.body(self.0.to_json().to_string())
    }
}

/// The answer for a path the server does not serve, naming what is served (from the route
/// table, so it never goes stale).
pub async fn not_found() -> HttpResponse {
    let mut served: Vec<&str> = Vec::new();
    for route in super::ROUTES {
        let Some(rest) = route.path.strip_prefix(SCIM_PREFIX) else {
            continue;
        };
        let first = rest.split('/').next().unwrap_or_default();
        if !first.is_empty() && !served.contains(&first) {
            served.push(first);
        }
    }
    HttpError(ScimError::not_found(format!(
        "no such endpoint: SCIM resources are served under {SCIM_PREFIX} ({})",
        served.join(", ")
    )))
    .error_response()
}

/// Where every connection's SCIM endpoints start.
const SCIM_PREFIX: &str = "/scim/v2/{connection}/";

//! The request span every log line of a request carries (tracing-actix-web's root span), made
//! without personal data: the method, the route template, the path without its query string
//! (a filter there quotes an email address, a misplaced `client_secret` a secret), the status
//! and the request id. Query strings and error details are for `debug` only.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The root span builder of the bridge's request logger.
pub struct QuietRootSpan;

impl RootSpanBuilder for QuietRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern().unwrap_or_else(|| "-".to_string());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.path = %request.path(),
            http.status_code = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(res) => res.response().status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        span.record("http.status_code", status);
    }
}

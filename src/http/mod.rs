//! HTTP transport (actix-web): routes, authentication, body reading and response headers.
//! Handlers are thin: they resolve the connection, check credentials, parse the SCIM input and
//! call [`crate::provisioning`].
//!
//! Routes (see `openapi/scim-bridge.yaml`):
//! - `GET /healthz`
//! - `POST /admin/connections/{name}/test`
//! - `POST /oauth/token` (client credentials for IdPs such as PingOne)
//! - `/scim/v2/{connection}/Users`, `/Users/.search`, `/Users/{id}`, `/ServiceProviderConfig`,
//!   `/ResourceTypes[/{id}]`, `/Schemas[/{id}]`

pub mod admin;
pub mod auth;
pub mod error;
pub mod oauth;
pub mod users;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Service;
use actix_web::dev::{Server, ServerHandle};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::HttpMessage;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use dashmap::DashMap;
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::{Config, ConnectionConfig};
use crate::inbound_token::TokenIssuer;
use crate::provisioning::Connection;
use crate::salesforce::{JwtBearer, SalesforceClient, SalesforceSettings, SfError};
use crate::scim::error::ScimError;
use crate::scim::urn::SCIM_CONTENT_TYPE;
pub use error::HttpError;

/// The largest request body accepted (a SCIM User is a few kilobytes).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler shares.
pub struct AppState {
    pub connections: DashMap<String, Arc<Connection>>,
    pub admin_token: Option<SecretString>,
    /// Issues and verifies the tokens of `POST /oauth/token` (when a signing secret is set).
    pub issuer: Option<TokenIssuer>,
    /// Every SCIM request answers within this time.
    pub deadline: std::time::Duration,
}

impl AppState {
    /// The connection named in the path, after checking the caller's credentials for it.
    fn connection(&self, req: &HttpRequest) -> Result<Arc<Connection>, HttpError> {
        let name = req.match_info().get("connection").unwrap_or_default();
        let conn = self
            .connections
            .get(name)
            .map(|c| Arc::clone(c.value()))
            .ok_or_else(|| {
                ScimError::not_found(format!(
                    "no connection named '{name}' is configured on this bridge"
                ))
            })?;
        auth::check_inbound(req, name, &conn.config.inbound, self.issuer.as_ref())?;
        Ok(conn)
    }
}

/// Builds the Salesforce client for a connection's configuration.
pub fn salesforce_client(c: &ConnectionConfig) -> Result<SalesforceClient, SfError> {
    let sf = &c.salesforce;
    let mut settings = SalesforceSettings::new(sf.domain.clone(), sf.client_id.clone());
    settings.api_version = sf.api_version.clone();
    settings.client_secret = sf.client_secret.clone();
    settings.access_token = sf.access_token.clone();
    settings.refresh_token = sf.refresh_token.clone();
    settings.instance_url = sf.instance_url.clone();
    settings.timeout = sf.timeout;
    settings.max_retries = sf.max_retries;
    settings.describe_ttl = sf.describe_ttl;
    settings.allow_duplicate_save = sf.allow_duplicate_save;
    settings.refresh_token_file = sf.refresh_token_file.clone();
    settings.jwt = match (&sf.jwt_username, &sf.jwt_private_key) {
        (Some(username), Some(key)) => Some(JwtBearer {
            username: username.clone(),
            private_key_pem: SecretString::from(key.expose_secret().to_string()),
            audience: sf.jwt_audience.clone(),
        }),
        _ => None,
    };
    SalesforceClient::new(settings)
}

/// Builds every connection of a configuration.
pub fn connections(config: &Config) -> Result<Vec<Connection>, SfError> {
    config
        .connections
        .iter()
        .map(|c| {
            Ok(Connection::new(
                c.clone(),
                salesforce_client(c)?,
                config.max_results,
            ))
        })
        .collect()
}

/// The running server: bound to its own listener, so tests pass port 0 and read the port.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Builds the server on `listener` with `workers` threads (`None`: one per core).
    pub fn build(
        config: &Config,
        listener: TcpListener,
        workers: Option<usize>,
    ) -> std::io::Result<Application> {
        let conns = connections(config).map_err(std::io::Error::other)?;
        let state = Arc::new(AppState {
            connections: conns
                .into_iter()
                .map(|c| (c.name().to_string(), Arc::new(c)))
                .collect(),
            admin_token: config.admin_token.clone(),
            issuer: config
                .token_signing_secret
                .as_ref()
                .map(|s| TokenIssuer::new(s.clone(), config.token_lifetime)),
            deadline: config.request_deadline,
        });
        let port = listener.local_addr()?.port();
        let data = web::Data::from(state);
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                // Inside TracingLogger, so the request id it assigned is known: echoed as
                // `X-Request-Id`, an admin can find an IdP's failed request in the logs.
                .wrap_fn(|req, srv| {
                    let id = req.extensions().get::<RequestId>().copied();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(v) =
                            id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok())
                        {
                            res.headers_mut()
                                .insert(header::HeaderName::from_static("x-request-id"), v);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::default())
                .configure(routes)
        })
        .listen(listener)?;
        if let Some(w) = workers {
            server = server.workers(w.max(1));
        }
        Ok(Application {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Answers 405 with the methods a route allows (RFC 9110 §15.5.6).
fn method_not_allowed(allowed: &'static str) -> actix_web::Route {
    web::to(move || async move {
        let e = error::HttpError(ScimError::method_not_allowed(format!(
            "this endpoint allows {allowed}"
        )));
        let mut res = actix_web::ResponseError::error_response(&e);
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allowed));
        res
    })
}

/// Every route; unknown paths answer a SCIM 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .service(
            web::resource("/oauth/token")
                .route(web::post().to(oauth::token))
                .default_service(method_not_allowed("POST")),
        )
        .service(
            web::resource("/admin/connections/{name}/test")
                .route(web::post().to(admin::test_connection))
                .default_service(method_not_allowed("POST")),
        )
        .service(
            web::scope("/scim/v2/{connection}")
                .service(
                    web::resource("/Users/.search")
                        .route(web::post().to(users::search))
                        .default_service(method_not_allowed("POST")),
                )
                .service(
                    web::resource("/Users")
                        .route(web::get().to(users::list))
                        .route(web::post().to(users::create))
                        .default_service(method_not_allowed("GET, POST")),
                )
                .service(
                    web::resource("/Users/{id}")
                        .route(web::get().to(users::get))
                        .route(web::put().to(users::replace))
                        .route(web::patch().to(users::patch))
                        .route(web::delete().to(users::delete))
                        .default_service(method_not_allowed("GET, PUT, PATCH, DELETE")),
                )
                .service(
                    web::resource("/ServiceProviderConfig")
                        .route(web::get().to(users::service_provider_config))
                        .default_service(method_not_allowed("GET")),
                )
                .service(
                    web::resource("/ResourceTypes")
                        .route(web::get().to(users::resource_types))
                        .default_service(method_not_allowed("GET")),
                )
                .service(
                    web::resource("/ResourceTypes/{id}")
                        .route(web::get().to(users::resource_type))
                        .default_service(method_not_allowed("GET")),
                )
                .service(
                    web::resource("/Schemas")
                        .route(web::get().to(users::schemas))
                        .default_service(method_not_allowed("GET")),
                )
                .service(
                    web::resource("/Schemas/{id}")
                        .route(web::get().to(users::schema))
                        .default_service(method_not_allowed("GET")),
                )
                .default_service(web::to(error::not_found)),
        )
        .default_service(web::to(error::not_found));
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

/// Reads a JSON request body: `application/scim+json` or `application/json` (or no type, as
/// some hand-written clients send), at most [`MAX_BODY_BYTES`].
pub async fn json_body(req: &HttpRequest, mut payload: web::Payload) -> Result<Value, HttpError> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        if !ct.is_empty() && !ct.contains("json") {
            return Err(ScimError::unsupported_media_type(format!(
                "send the body as application/scim+json or application/json, not '{ct}'"
            ))
            .into());
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ScimError::invalid_syntax(format!("the request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ScimError::payload_too_large(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            ))
            .into());
        }
        body.extend_from_slice(&chunk);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            ScimError::invalid_syntax("the request body is empty; send a JSON object").into(),
        );
    }
    serde_json::from_slice(&body).map_err(|e| {
        ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}")).into()
    })
}

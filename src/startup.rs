//! The composition root (zero2prod's `startup`): turns a validated [`Config`] into Salesforce
//! clients, connections and the HTTP server. The only module that knows both the configuration
//! and the layers below it; `http` only serves what it is given.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::{Config, ConnectionConfig};
use crate::http::{self, AppState, Served};
use crate::inbound::{FailureThrottle, TokenIssuer};
use crate::provisioning::Connection;
use crate::salesforce::{SalesforceClient, SfError};

/// Builds one connection: its Salesforce client (which sends nothing yet) and its spec.
pub fn connection(c: &ConnectionConfig) -> Result<Connection, SfError> {
    Ok(Connection::new(
        c.spec.clone(),
        SalesforceClient::new(c.salesforce.clone())?,
    ))
}

/// Builds every connection of a configuration.
pub fn connections(config: &Config) -> Result<Vec<Connection>, SfError> {
    config.connections.iter().map(connection).collect()
}

/// What the HTTP layer serves for a configuration.
pub fn app_state(config: &Config) -> Result<AppState, SfError> {
    let mut served = std::collections::HashMap::new();
    for c in &config.connections {
        served.insert(
            c.name().to_string(),
            Served {
                connection: Arc::new(connection(c)?),
                inbound: c.inbound.clone(),
            },
        );
    }
    Ok(AppState {
        connections: served,
        admin_token: config.admin_token.clone(),
        issuer: config
            .token_signing_secret
            .as_ref()
            .map(|s| TokenIssuer::new(s.clone(), config.token_lifetime)),
        deadline: config.request_deadline,
        token_failures: FailureThrottle::new(config.token_backoff),
        origins: http::origin::Origins {
            public_url: config.public_url.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
        },
    })
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
        let state = app_state(config).map_err(std::io::Error::other)?;
        // In-flight requests answer within the request deadline (see `http::users`); a second
        // more lets the last answer be written before a graceful stop gives up on a worker.
        let shutdown_secs = config.request_deadline.as_secs().saturating_add(1);
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state);
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
                                .insert(HeaderName::from_static(http::REQUEST_ID_HEADER), v);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::<http::logging::QuietRootSpan>::new())
                .configure(http::configure)
        })
        // Signals are ours to handle (`run_until_signalled`): actix would stop at once on SIGINT
        // and knows nothing of the demo's emulator.
        .disable_signals()
        .shutdown_timeout(shutdown_secs)
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

    /// Serves until the server is stopped through its [`handle`](Self::handle).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until one of `signals` (SIGTERM from `docker stop` or Kubernetes, SIGINT from
    /// Ctrl-C), then stops gracefully: the listener closes at once, idle keep-alive connections
    /// are closed, and the requests in flight finish (within the request deadline) before this
    /// returns.
    pub async fn run_until_signalled(self, mut signals: Signals) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = std::pin::pin!(self.server);
        let signal = tokio::select! {
            stopped = &mut server => return stopped,
            signal = signals.recv() => signal,
        };
        tracing::info!(
            signal,
            "stopping: no new connections; finishing the requests in flight"
        );
        let ((), stopped) = tokio::join!(handle.stop(true), server);
        tracing::info!("stopped");
        stopped
    }
}

/// The signals that stop the server: SIGTERM and SIGINT (Ctrl-C only, elsewhere than Unix).
/// Register them before building the server: from then on a signal is never lost, nor does it
/// kill the process the default way (which exits with no status code).
pub struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// The name of the next signal received.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

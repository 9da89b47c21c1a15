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
use crate::telemetry::Telemetry;

/// Builds one connection: its Salesforce client (which sends nothing yet) and its spec.
pub fn connection(c: &ConnectionConfig) -> Result<Connection, SfError> {
    Ok(Connection::new(
        c.spec.clone(),
        SalesforceClient::new(c.salesforce.clone())?,
    ))
}

/// As [`connection`], counting into `telemetry` under the connection's name.
pub fn metered_connection(
    c: &ConnectionConfig,
    telemetry: &Arc<Telemetry>,
) -> Result<Connection, SfError> {
    Ok(Connection::new(
        c.spec.clone(),
        SalesforceClient::with_meter(c.salesforce.clone(), telemetry.meter(c.name()))?,
    ))
}

/// Builds every connection of a configuration.
pub fn connections(config: &Config) -> Result<Vec<Connection>, SfError> {
    config.connections.iter().map(connection).collect()
}

/// What the HTTP layer serves for a configuration.
pub fn app_state(config: &Config) -> Result<AppState, SfError> {
    let telemetry = Arc::new(Telemetry::new());
    let mut served = std::collections::HashMap::new();
    for c in &config.connections {
        served.insert(
            c.name().to_string(),
            Served {
                connection: Arc::new(metered_connection(c, &telemetry)?),
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
        telemetry,
        draining: std::sync::atomic::AtomicBool::new(false),
    })
}

/// The `metrics_listen` server: `GET /metrics` only, unauthenticated, on its own port (one
/// worker: a scrape is a few kilobytes every few seconds).
fn metrics_server(
    data: &web::Data<AppState>,
    listener: TcpListener,
) -> std::io::Result<(u16, Server)> {
    let port = listener.local_addr()?.port();
    let data = data.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(http::operate::open_metrics))
    })
    .disable_signals()
    .workers(1)
    .listen(listener)?
    .run();
    Ok((port, server))
}

/// How many connections the server holds open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// The process's open-files limit, after [`raise_open_files_limit`].
    pub open_files: u64,
    pub per_worker: usize,
}

/// Descriptors kept for everything but inbound connections: the listener, Salesforce
/// connections (a pool per connection), logs, secret files, the demo's emulator.
const RESERVED_FILES: u64 = 256;

/// actix's own default per worker, the most any worker holds.
const MAX_PER_WORKER: u64 = 25_000;

impl ConnectionLimits {
    /// Shares the open-files limit, less [`RESERVED_FILES`], among `workers`.
    pub fn new(open_files: u64, workers: usize) -> Self {
        let workers = workers.max(1) as u64;
        let per_worker =
            (open_files.saturating_sub(RESERVED_FILES) / workers).clamp(16, MAX_PER_WORKER);
        ConnectionLimits {
            open_files,
            per_worker: usize::try_from(per_worker).unwrap_or(16),
        }
    }

    fn for_this_process(workers: usize) -> Self {
        Self::new(raise_open_files_limit(), workers)
    }
}

/// Raises the soft open-files limit to the hard one (many systems start processes at 1024, or
/// lower in a container) and answers the limit now in force. Where the limit cannot be read,
/// answers 1024, the usual default.
pub fn raise_open_files_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-files limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// The running server: bound to its own listener, so tests pass port 0 and read the port.
pub struct Application {
    port: u16,
    server: Server,
    /// The `metrics_listen` server (only `GET /metrics`), and its port.
    metrics: Option<(u16, Server)>,
    state: web::Data<AppState>,
    drain: std::time::Duration,
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
        let workers = workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1);
        let limits = ConnectionLimits::for_this_process(workers);
        tracing::info!(
            open_files = limits.open_files,
            connections_per_worker = limits.per_worker,
            workers,
            "connection limits"
        );
        let data = web::Data::new(state);
        let state = data.clone();
        let metrics = match config.metrics_listen {
            Some(addr) => Some(metrics_server(&data, TcpListener::bind(addr)?)?),
            None => None,
        };
        let server = HttpServer::new(move || {
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
                // Around the handlers, so every answer is counted with its final status.
                .wrap_fn(|req, srv| {
                    let started = std::time::Instant::now();
                    let fut = srv.call(req);
                    async move {
                        let res = fut.await?;
                        http::metrics::count_scim_request(&res, started.elapsed());
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
        // Set deliberately rather than left to actix's defaults: a request head must arrive
        // within 5 s (the body within the request deadline, see `http::JsonBody`), a client
        // that stopped reading gets 1 s to take its answer, and the connections open at once stay
        // below the open-files limit, so a flood waits in the listen backlog instead of making
        // accept(2) fail for everyone (`/healthz` included).
        .client_request_timeout(std::time::Duration::from_secs(5))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .keep_alive(std::time::Duration::from_secs(75))
        .max_connections(limits.per_worker)
        .backlog(2048)
        .workers(workers)
        .listen(listener)?;
        Ok(Application {
            port,
            server: server.run(),
            metrics,
            state,
            drain: config.shutdown_drain,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `metrics_listen` server, when configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped through its [`handle`](Self::handle); the metrics
    /// server stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some((_, metrics)) = self.metrics else {
            return self.server.await;
        };
        let metrics_handle = metrics.handle();
        let metrics_task = tokio::spawn(metrics);
        let served = self.server.await;
        metrics_handle.stop(false).await;
        let _ = metrics_task.await;
        served
    }

    /// Serves until one of `signals` (SIGTERM from `docker stop` or Kubernetes, SIGINT from
    /// Ctrl-C), then stops gracefully: the listener closes at once, idle keep-alive connections
    /// are closed, and the requests in flight finish (within the request deadline) before this
    /// returns.
    pub async fn run_until_signalled(self, mut signals: Signals) -> std::io::Result<()> {
        let handle = self.server.handle();
        let metrics = self.metrics.map(|(_, m)| {
            let h = m.handle();
            (h, tokio::spawn(m))
        });
        let stop_metrics = |metrics: Option<(ServerHandle, tokio::task::JoinHandle<_>)>| async move {
            if let Some((h, task)) = metrics {
                h.stop(true).await;
                let _ = task.await;
            }
        };
        let mut server = std::pin::pin!(self.server);
        let signal = tokio::select! {
            stopped = &mut server => {
                stop_metrics(metrics).await;
                return stopped;
            }
            signal = signals.recv() => signal,
        };
        if !self.drain.is_zero() {
            // Readiness fails first, so balancers stop sending before the listener closes.
            self.state
                .draining
                .store(true, std::sync::atomic::Ordering::Release);
            tracing::info!(
                signal,
                drain_secs = self.drain.as_secs(),
                "stopping: /readyz answers 503 while load balancers take this replica out"
            );
            tokio::time::sleep(self.drain).await;
        }
        tracing::info!(
            signal,
            "stopping: no new connections; finishing the requests in flight"
        );
        let ((), stopped) = tokio::join!(handle.stop(true), server);
        stop_metrics(metrics).await;
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

#[cfg(test)]
mod tests {
    use super::ConnectionLimits;

    #[test]
    fn connections_share_the_open_files_limit_less_a_reserve_among_the_workers() {
        assert_eq!(ConnectionLimits::new(20_000, 2).per_worker, 9_872);
        assert_eq!(ConnectionLimits::new(1_048_576, 1).per_worker, 25_000);
        // A tiny limit still lets each worker serve a few connections.
        assert_eq!(ConnectionLimits::new(256, 4).per_worker, 16);
    }
}

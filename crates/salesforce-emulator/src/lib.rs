//! salesforce-emulator: an in-memory Salesforce REST API (OAuth, sObjects, SOQL, Collections,
//! Composite, Describe, limits and the failures real orgs produce) for tests, demos and benchmarks.
//!
//! Components: [`config`] (what an org looks like), `auth` (OAuth grants and tokens), `schema`
//! (Contact, Lead, Account and custom fields), `store` (records, DML validation, unique and
//! external-ID fields, upsert, rollback), `rest` (the `/services/data` API, the Tooling API's
//! CustomField create included), `control` (the `/__emulator` test API), `faults`
//! (injected failures), [`soql`] (the query language) and [`testkit`] (a client tests use to
//! drive a running emulator and its control API).

mod auth;
pub mod config;
mod control;
mod error;
mod faults;
mod ids;
mod rest;
mod schema;
mod soap;
pub mod soql;
mod state;
mod store;
pub mod testkit;

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};

pub use config::{CustomField, CustomFieldKind, EmulatorConfig};

/// A running emulator.
pub struct EmulatorHandle {
    base_url: String,
    server: ServerHandle,
    join: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT` (no trailing slash); also the `instance_url` of token grants.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(self) {
        self.server.stop(true).await;
        let _ = self.join.await;
    }

    /// Waits until the server stops by itself (e.g. on Ctrl-C in the binary).
    pub async fn wait(self) -> std::io::Result<()> {
        match self.join.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Starts an emulator on `127.0.0.1:0`.
pub async fn spawn(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    spawn_on(listener, config).await
}

/// Starts an emulator on a listener the caller bound.
pub async fn spawn_on(
    listener: TcpListener,
    config: EmulatorConfig,
) -> std::io::Result<EmulatorHandle> {
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let workers = config.workers.max(1);
    let state = web::Data::new(state::AppState::new(config, base_url.clone()));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .route("/services/oauth2/token", web::post().to(auth::token))
            .route("/services/oauth2/revoke", web::post().to(auth::revoke))
            .route("/services/Soap/u/{version}", web::post().to(soap::entry))
            .configure(control::configure)
            .default_service(web::to(rest::entry))
    })
    .workers(workers)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    let join = tokio::spawn(server);
    Ok(EmulatorHandle {
        base_url,
        server: handle,
        join,
    })
}

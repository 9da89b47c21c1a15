//! What an operator runs the bridge with: `GET /metrics` (Prometheus text format; behind the
//! admin token here, open on `metrics_listen`), `GET /readyz` (readiness: every connection holds
//! a Salesforce token), and `GET /admin/connections/{name}/status` (the sync status: outcome
//! counts since start and the most recent failures). Each replica answers for itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{auth, AppState, HttpError};
use crate::telemetry::{Outcome, Telemetry};

/// After a failed grant, readiness asks Salesforce again at most this often.
pub const READY_RECHECK: Duration = Duration::from_secs(5);

/// Sets the gauges read from the connections' state, then renders every metric.
pub fn render_metrics(state: &AppState) -> HttpResponse {
    for served in state.connections.values() {
        let conn = &served.connection;
        if let Some(a) = conn.client.allowance() {
            conn.meter.allowance(a.used, a.limit);
        }
        conn.meter
            .removals_held(conn.guard.status(Instant::now()).held_count);
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, Telemetry::content_type()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.telemetry.render())
}

/// `GET /metrics` on the main listener: behind the admin token (Prometheus sends it with
/// `authorization: {credentials: …}`).
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    auth::check_admin(&req, state.admin_token.as_ref())?;
    Ok(render_metrics(&state))
}

/// `GET /metrics` on `metrics_listen`: open, for a port only the cluster reaches.
pub async fn open_metrics(state: web::Data<AppState>) -> HttpResponse {
    render_metrics(&state)
}

/// `GET /readyz`: 200 when every connection holds a Salesforce token Salesforce has not refused
/// (or can obtain one: a grant spends no API request), 503 otherwise. Unauthenticated, for
/// load balancers and Kubernetes, so it names no connection and no cause: those are logged, and
/// shown by the status route and test-connection.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.draining.load(std::sync::atomic::Ordering::Acquire) {
        return HttpResponse::ServiceUnavailable()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({"status": "stopping", "connections": state.connections.len(), "notReady": state.connections.len()}));
    }
    let checks = state.connections.iter().map(|(name, served)| {
        let conn = Arc::clone(&served.connection);
        let name = name.clone();
        async move {
            let ready = conn.client.readiness(READY_RECHECK).await;
            if let Err(e) = &ready {
                tracing::warn!(connection = %name, error = %crate::provisioning::error::loggable(e), "not ready: no Salesforce token");
            }
            ready.is_ok()
        }
    });
    let results = futures_util::future::join_all(checks).await;
    let not_ready = results.iter().filter(|ok| !**ok).count();
    let body = json!({
        "status": if not_ready == 0 { "ready" } else { "not ready" },
        "connections": results.len(),
        "notReady": not_ready,
    });
    let mut res = if not_ready == 0 {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// `GET /admin/connections/{name}/status`: what this replica did for the connection since it
/// started (outcome counts), its most recent failures (no personal data), the org's allowance
/// as last seen, whether it is ready, and what the removal guard holds.
pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let conn = super::admin::connection(&req, &state)?;
    let outcomes: serde_json::Map<String, serde_json::Value> = Outcome::ALL
        .iter()
        .map(|o| (o.as_str().to_string(), json!(conn.meter.outcome_count(*o))))
        .collect();
    let allowance = conn
        .client
        .allowance()
        .map(|a| json!({"used": a.used, "limit": a.limit, "reserve": a.reserve}));
    let ready = conn.client.readiness(READY_RECHECK).await;
    let guard = conn.guard.status(Instant::now());
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "connection": conn.name(),
            "object": conn.object().as_str(),
            "ready": ready.is_ok(),
            "readyDetail": ready.err().map(|e| crate::provisioning::error::loggable(&e)),
            "outcomes": outcomes,
            "allowance": allowance,
            "removalGuard": {
                "tripped": guard.tripped,
                "held": guard.held_count,
            },
            "recentFailures": conn.failures.recent(),
            "replica": "each replica reports its own; metrics aggregate across replicas",
        })))
}

//! Admin routes, behind the admin token: `POST /admin/connections/{name}/test` runs the same
//! checks as `scim-bridge test-connection` and answers them as JSON; `…/removals` shows what the
//! removal guard holds ([`crate::provisioning::guard`]), and `…/removals/release` and
//! `…/removals/discard` decide on it (every held removal, or those named with `?id=…`).

use std::sync::Arc;
use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{auth, AppState, HttpError};
use crate::provisioning::Connection;
use crate::scim::error::ScimError;
use crate::testconn;

/// The connection named in the path (`{name}`), or 404: the admin routes name connections
/// openly, behind the admin token.
pub(super) fn named_connection(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Arc<Connection>, HttpError> {
    let name = req.match_info().get("name").unwrap_or_default();
    Ok(state
        .connections
        .get(name)
        .map(|s| Arc::clone(&s.connection))
        .ok_or_else(|| ScimError::not_found(format!("no connection named '{name}'")))?)
}

/// The connection named in the path, after checking the admin token.
pub(super) fn connection(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Arc<Connection>, HttpError> {
    auth::check_admin(req, state.admin_token.as_ref())?;
    named_connection(req, state)
}

pub async fn test_connection(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let conn = connection(&req, &state)?;
    let report = testconn::run(&conn).await;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /admin/connections/{name}/removals`: the guard's threshold, its count in the window,
/// and each held removal (SCIM id, kind, when, attempts).
pub async fn removals(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let conn = connection(&req, &state)?;
    Ok(HttpResponse::Ok().json(conn.guard.status(Instant::now())))
}

/// The ids named with `?id=…&id=…`; `None` (every held removal) when there are none.
fn ids(req: &HttpRequest) -> Option<Vec<String>> {
    let ids: Vec<String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.into_owned())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// `POST /admin/connections/{name}/removals/release[?id=…]`: each released removal goes
/// through on the IdP's next retry.
pub async fn release_removals(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let conn = connection(&req, &state)?;
    let released = conn.guard.release(ids(&req).as_deref());
    tracing::info!(
        connection = conn.name(),
        count = released.len(),
        "held removals released by an admin"
    );
    Ok(HttpResponse::Ok().json(json!({ "released": released })))
}

/// `POST /admin/connections/{name}/removals/discard[?id=…]`: forgets held removals (the
/// people stay as they are in Salesforce).
pub async fn discard_removals(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let conn = connection(&req, &state)?;
    let discarded = conn.guard.discard(ids(&req).as_deref());
    tracing::info!(
        connection = conn.name(),
        count = discarded.len(),
        "held removals discarded by an admin"
    );
    Ok(HttpResponse::Ok().json(json!({ "discarded": discarded })))
}

//! Admin routes, behind the admin token: `POST /admin/connections/{name}/test` runs the same
//! checks as `scim-bridge test-connection` and answers them as JSON.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};

use super::{auth, AppState, HttpError};
use crate::scim::error::ScimError;
use crate::testconn;

pub async fn test_connection(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    auth::check_admin(&req, state.admin_token.as_ref())?;
    let name = req.match_info().get("name").unwrap_or_default();
    let conn = state
        .connections
        .get(name)
        .map(|s| Arc::clone(&s.connection))
        .ok_or_else(|| ScimError::not_found(format!("no connection named '{name}'")))?;
    let report = testconn::run(&conn).await;
    Ok(HttpResponse::Ok().json(report))
}

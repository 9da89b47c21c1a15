//! Handlers for `/scim/v2/{connection}/Users…` (RFC 7644 §3.3–§3.6). Each resolves the
//! connection, checks credentials, parses the input, calls provisioning, and sets the SCIM
//! response headers (`Location`, `ETag`, notices) from the typed resource.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use std::future::Future;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;
use tracing::Instrument;

use super::{json_body, scim_response, AppState, HttpError};
use crate::provisioning::{Connection, Ctx, Outcome};
use crate::scim::error::ScimError;
use crate::scim::list::{project, ListQuery};
use crate::scim::patch::parse_patch;
use crate::scim::resource::Resource;

/// The header that explains policy decisions the response alone cannot show.
pub const NOTICE_HEADER: &str = "x-scim-bridge-notice";

/// Runs a provisioning operation within the request deadline (`request_deadline_secs`, 50 s
/// by default) and in a span naming the connection and the SCIM operation. Whatever Salesforce
/// does, the IdP gets an answer: Entra ID resends a POST it has waited 60 s for, and a resend
/// that overlaps a create still in flight could duplicate the person.
async fn run<T>(
    state: &AppState,
    conn: &Connection,
    op: &'static str,
    fut: impl Future<Output = Result<T, ScimError>>,
) -> Result<T, ScimError> {
    let span = tracing::info_span!("scim", connection = %conn.name(), op);
    let deadline: Duration = state.deadline;
    match tokio::time::timeout(deadline, fut.instrument(span)).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(connection = %conn.name(), op, "Salesforce did not answer in time");
            Err(ScimError::service_unavailable(format!(
                "Salesforce did not answer within {} s; retry the request",
                deadline.as_secs()
            )))
        }
    }
}

/// `scheme://host/scim/v2/{connection}` as the client reached us (honouring `Forwarded` /
/// `X-Forwarded-*` from a load balancer), for `meta.location`.
pub(super) fn base_url(req: &HttpRequest, conn: &Connection) -> String {
    let info = req.connection_info();
    format!(
        "{}://{}/scim/v2/{}",
        info.scheme(),
        info.host(),
        conn.name()
    )
}

pub(super) fn id_of(req: &HttpRequest) -> String {
    req.match_info().get("id").unwrap_or_default().to_string()
}

fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A resource response: `body` (the resource, perhaps projected) with the resource's `ETag`
/// (RFC 7644 §3.14, even when the projection left `meta` out) and any policy notices.
fn resource_response(
    status: StatusCode,
    resource: &Resource,
    body: &Value,
    notices: &[String],
) -> HttpResponse {
    let mut res = scim_response(status, body);
    if let Some(v) = resource.etag().and_then(|v| HeaderValue::from_str(v).ok()) {
        res.headers_mut().insert(header::ETAG, v);
    }
    add_notices(&mut res, notices);
    res
}

fn add_notices(res: &mut HttpResponse, notices: &[String]) {
    if notices.is_empty() {
        return;
    }
    for n in notices {
        tracing::info!(notice = %n, "policy notice");
    }
    // Header values must be visible ASCII; notices are ours, but stay safe.
    let text: String = notices
        .join("; ")
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&text) {
        res.headers_mut()
            .insert(header::HeaderName::from_static(NOTICE_HEADER), v);
    }
}

fn attribute_params(req: &HttpRequest) -> Result<(Vec<String>, Vec<String>), ScimError> {
    let q = ListQuery::from_query_string(req.query_string())?;
    Ok((q.attributes, q.excluded_attributes))
}

/// The provisioning context of a request: its base URL and its deadline.
fn ctx<'a>(state: &AppState, base: &'a str) -> Ctx<'a> {
    Ctx {
        base_url: base,
        deadline: Some(std::time::Instant::now() + state.deadline),
    }
}

/// A list or search answer (RFC 7644 §3.4.2, §3.4.3): the same query either way.
async fn listing(
    req: &HttpRequest,
    state: &AppState,
    conn: &Connection,
    q: ListQuery,
    op: &'static str,
) -> Result<HttpResponse, HttpError> {
    let base = base_url(req, conn);
    let body = run(state, conn, op, conn.list(&ctx(state, &base), &q)).await?;
    Ok(scim_response(StatusCode::OK, &body))
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    let conn = state.connection(&req)?;
    let q = ListQuery::from_query_string(req.query_string())?;
    listing(&req, &state, &conn, q, "list").await
}

pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, HttpError> {
    let conn = state.connection(&req)?;
    let q = ListQuery::from_search_request(&json_body(&req, payload).await?)?;
    listing(&req, &state, &conn, q, "search").await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, HttpError> {
    let conn = state.connection(&req)?;
    let body = json_body(&req, payload).await?;
    let base = base_url(&req, &conn);
    let Outcome { resource, notices } = run(
        &state,
        &conn,
        "create",
        conn.create(&ctx(&state, &base), &body),
    )
    .await?;
    let mut res = resource_response(
        StatusCode::CREATED,
        &resource,
        &resource.to_json(),
        &notices,
    );
    if let Ok(loc) = HeaderValue::from_str(resource.location()) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    let conn = state.connection(&req)?;
    let (attributes, excluded) = attribute_params(&req)?;
    let base = base_url(&req, &conn);
    let resource = run(
        &state,
        &conn,
        "get",
        conn.get(&ctx(&state, &base), &id_of(&req)),
    )
    .await?;
    let shown = project(&resource.to_json(), &attributes, &excluded);
    Ok(resource_response(StatusCode::OK, &resource, &shown, &[]))
}

pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, HttpError> {
    let conn = state.connection(&req)?;
    let body = json_body(&req, payload).await?;
    let base = base_url(&req, &conn);
    let Outcome { resource, notices } = run(
        &state,
        &conn,
        "replace",
        conn.replace(
            &ctx(&state, &base),
            &id_of(&req),
            &body,
            if_match(&req).as_deref(),
        ),
    )
    .await?;
    Ok(resource_response(
        StatusCode::OK,
        &resource,
        &resource.to_json(),
        &notices,
    ))
}

pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, HttpError> {
    let conn = state.connection(&req)?;
    let ops = parse_patch(&json_body(&req, payload).await?)?;
    let base = base_url(&req, &conn);
    let Outcome { resource, notices } = run(
        &state,
        &conn,
        "patch",
        conn.patch(
            &ctx(&state, &base),
            &id_of(&req),
            &ops,
            if_match(&req).as_deref(),
        ),
    )
    .await?;
    // RFC 7644 §3.5.2: 200 with the resource (clients such as Entra read it back).
    Ok(resource_response(
        StatusCode::OK,
        &resource,
        &resource.to_json(),
        &notices,
    ))
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let conn = state.connection(&req)?;
    let removal = run(
        &state,
        &conn,
        "delete",
        conn.delete(&id_of(&req), if_match(&req).as_deref()),
    )
    .await?;
    let mut res = HttpResponse::NoContent().finish();
    add_notices(&mut res, &removal.notices);
    Ok(res)
}

//! Handlers for `/scim/v2/{connection}/Users…` (RFC 7644 §3.3–§3.6). Each resolves the
//! connection, checks credentials, parses the input, calls provisioning, and sets the SCIM
//! response headers (`Location`, `ETag`, notices) from the typed resource.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde_json::Value;
use tracing::Instrument;

use super::{scim_response, AppState, HttpError, JsonBody};
use crate::provisioning::failures::Failure;
use crate::provisioning::{Connection, Ctx, Outcome};
use crate::scim::error::ScimError;
use crate::scim::list::{project, ListQuery};
use crate::scim::patch::parse_patch;
use crate::scim::resource::Resource;
use crate::telemetry::Outcome as TelemetryOutcome;

/// The header that explains policy decisions the response alone cannot show.
pub const NOTICE_HEADER: &str = "x-scim-bridge-notice";

/// Runs a provisioning operation within the request deadline (`request_deadline_secs`, 50 s
/// by default) and in a span naming the connection and the SCIM operation. Whatever Salesforce
/// does, the IdP gets an answer: Entra ID resends a POST it has waited 60 s for, and a resend
/// that overlaps a create still in flight could duplicate the person.
async fn run<T>(
    deadline: Duration,
    conn: &Connection,
    op: &'static str,
    fut: impl Future<Output = Result<T, ScimError>>,
) -> Result<T, ScimError> {
    let span = tracing::info_span!("scim", connection = %conn.name(), op);
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

/// `scheme://host/scim/v2/{connection}` as the client reached us, for `meta.location`: the
/// configured public URL, or the request's host held to [`super::origin`]'s rules.
pub(super) fn base_url(req: &HttpRequest, conn: &Connection) -> String {
    let origin = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.origins.origin(req))
        .unwrap_or_else(|| super::origin::Origins::default().origin(req));
    format!("{origin}/scim/v2/{}", conn.name())
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
pub(super) fn resource_response(
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

pub(super) fn add_notices(res: &mut HttpResponse, notices: &[String]) {
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

/// One SCIM request on a connection (an extractor): the connection, with the caller's
/// credentials checked; the base URL the client reached; the record id and `If-Match` when the
/// path has them; and the moment the answer is due.
pub struct Scim {
    pub(super) conn: Arc<Connection>,
    base: String,
    pub(super) id: String,
    if_match: Option<String>,
    due: std::time::Instant,
    deadline: Duration,
    request_id: Option<String>,
}

impl actix_web::FromRequest for Scim {
    type Error = HttpError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(match req.app_data::<web::Data<AppState>>() {
            Some(state) => Scim::new(req, state),
            None => Err(ScimError::internal("the server has no state").into()),
        })
    }
}

impl Scim {
    fn new(req: &HttpRequest, state: &AppState) -> Result<Scim, HttpError> {
        let conn = state.connection(req)?;
        Ok(Scim {
            base: base_url(req, &conn),
            id: id_of(req),
            if_match: if_match(req),
            conn,
            due: std::time::Instant::now() + state.deadline,
            deadline: state.deadline,
            request_id: req
                .extensions()
                .get::<tracing_actix_web::RequestId>()
                .map(|id| id.to_string()),
        })
    }

    /// The provisioning context: base URL and deadline.
    pub(super) fn ctx(&self) -> Ctx<'_> {
        Ctx {
            base_url: &self.base,
            deadline: Some(self.due),
        }
    }

    /// Runs `fut` under the deadline, in a span naming the operation (see [`run`]).
    pub(super) async fn run<T>(
        &self,
        op: &'static str,
        fut: impl Future<Output = Result<T, ScimError>>,
    ) -> Result<T, ScimError> {
        let result = run(self.deadline, &self.conn, op, fut).await;
        if let Err(e) = &result {
            self.failed(op, e);
        }
        result
    }

    /// Keeps a failure for the sync status, and counts a failed write's outcome. A read of an
    /// id that does not exist is an IdP's ordinary look-up, not a failure. Outcomes count what
    /// happened to people, so a failed Group write is kept for the status but counted only in
    /// `scim_bridge_scim_requests_total` under its `group_*` operation.
    fn failed(&self, op: &'static str, e: &ScimError) {
        let person_write = matches!(op, "create" | "replace" | "patch" | "delete");
        let group_write = matches!(
            op,
            "group_create" | "group_replace" | "group_patch" | "group_delete"
        );
        if !person_write && !group_write && e.status == 404 {
            return;
        }
        if person_write {
            self.conn.meter.outcome(if e.status >= 500 {
                TelemetryOutcome::Failed
            } else {
                TelemetryOutcome::Refused
            });
        }
        let id = (!self.id.is_empty()).then(|| self.id.clone());
        self.conn
            .failures
            .record(Failure::new(self.request_id.clone(), op, id, e));
    }
}

/// A list or search answer (RFC 7644 §3.4.2, §3.4.3): the same query either way.
async fn listing(s: &Scim, q: ListQuery, op: &'static str) -> Result<HttpResponse, HttpError> {
    let body = s.run(op, s.conn.list(&s.ctx(), &q)).await?;
    Ok(scim_response(StatusCode::OK, &body))
}

pub async fn list(s: Scim, req: HttpRequest) -> Result<HttpResponse, HttpError> {
    let q = ListQuery::from_query_string(req.query_string())?;
    listing(&s, q, "list").await
}

pub async fn search(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    listing(&s, ListQuery::from_search_request(&body)?, "search").await
}

/// `POST /.search` at the root: every resource type served (RFC 7644 §3.4.3).
pub async fn search_all(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    let q = ListQuery::from_search_request(&body)?;
    let body = s.run("search", s.conn.search_all(&s.ctx(), &q)).await?;
    Ok(scim_response(StatusCode::OK, &body))
}

pub async fn create(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    let Outcome { resource, notices } = s.run("create", s.conn.create(&s.ctx(), &body)).await?;
    let json = resource.to_json();
    let mut res = resource_response(StatusCode::CREATED, &resource, &json, &notices);
    if let Ok(loc) = HeaderValue::from_str(resource.location()) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

pub async fn get(s: Scim, req: HttpRequest) -> Result<HttpResponse, HttpError> {
    let q = ListQuery::from_query_string(req.query_string())?;
    let resource = s.run("get", s.conn.get(&s.ctx(), &s.id)).await?;
    let shown = project(&resource.to_json(), &q.attributes, &q.excluded_attributes);
    Ok(resource_response(StatusCode::OK, &resource, &shown, &[]))
}

pub async fn replace(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    let ctx = s.ctx();
    let write = s.conn.replace(&ctx, &s.id, &body, s.if_match.as_deref());
    written(s.run("replace", write).await?)
}

pub async fn patch(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    let ops = parse_patch(&body)?;
    let ctx = s.ctx();
    let write = s.conn.patch(&ctx, &s.id, &ops, s.if_match.as_deref());
    written(s.run("patch", write).await?)
}

/// The answer to a PUT or PATCH: 200 with the resource (RFC 7644 §3.5.1, §3.5.2; clients such
/// as Entra read it back).
fn written(Outcome { resource, notices }: Outcome) -> Result<HttpResponse, HttpError> {
    let json = resource.to_json();
    Ok(resource_response(
        StatusCode::OK,
        &resource,
        &json,
        &notices,
    ))
}

pub async fn delete(s: Scim) -> Result<HttpResponse, HttpError> {
    let removal = s
        .run("delete", s.conn.delete(&s.id, s.if_match.as_deref()))
        .await?;
    let mut res = HttpResponse::NoContent().finish();
    add_notices(&mut res, &removal.notices);
    Ok(res)
}

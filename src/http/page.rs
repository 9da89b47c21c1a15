//! `/admin`: the admin page, server-rendered HTML (maud escapes every value), behind the admin
//! token. For each connection: its object, key and match fields, policy and removal guard; the
//! org's allowance used and left; readiness; the recent failures; and a button that runs
//! test-connection and shows each check.
//!
//! A browser cannot send a bearer token on navigation, so the page has a sign-in form: the admin
//! token, posted once, becomes a session cookie (an HS256 token signed with the admin token,
//! valid for an hour; `HttpOnly`, `SameSite=Strict` so no other site can post the page's forms
//! with it, `Path=/admin`). `Authorization: Bearer <admin_token>` works as well.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, DOCTYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::auth::{authorization, constant_time_eq, credential};
use super::operate::READY_RECHECK;
use super::{AppState, HttpError};
use crate::provisioning::Connection;
use crate::scim::error::ScimError;
use crate::testconn::{self, Report};

const COOKIE: &str = "scim_bridge_admin";
const SESSION_SECS: u64 = 3600;
/// The largest sign-in form: one token.
const MAX_FORM_BYTES: usize = 4096;

#[derive(Serialize, Deserialize)]
struct Session {
    sub: String,
    exp: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn session_cookie(admin: &SecretString) -> Option<String> {
    let claims = Session {
        sub: "admin".to_string(),
        exp: now_secs() + SESSION_SECS,
    };
    let key = jsonwebtoken::EncodingKey::from_secret(admin.expose_secret().as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).ok()
}

fn valid_session(admin: &SecretString, value: &str) -> bool {
    let key = jsonwebtoken::DecodingKey::from_secret(admin.expose_secret().as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Session>(value, &key, &validation).is_ok_and(|t| t.claims.sub == "admin")
}

/// Whether the request carries the admin token or a session; `Err` when the admin API is off.
fn signed_in(req: &HttpRequest, state: &AppState) -> Result<bool, HttpError> {
    let Some(admin) = state.admin_token.as_ref() else {
        return Err(ScimError::forbidden(
            "the admin API is disabled: set admin_token in the configuration",
        )
        .into());
    };
    if let Some(t) = authorization(req).and_then(|v| credential(v, "Bearer")) {
        return Ok(constant_time_eq(
            t.as_bytes(),
            admin.expose_secret().as_bytes(),
        ));
    }
    Ok(session_of(req).is_some_and(|v| valid_session(admin, v)))
}

/// The session cookie's value (RFC 6265 §5.4: `name=value` pairs separated by `; `).
fn session_of(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

fn page(title: &str, body: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header { h1 { "scim-bridge" } span.sub { (title) } }
                main { (body) }
            }
        }
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // The page needs no script, frame or foreign resource.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ))
        .body(markup.into_string())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}\
header{background:#0b5cad;color:#fff;padding:12px 24px;display:flex;gap:16px;align-items:baseline}\
header h1{margin:0;font-size:20px}main{padding:16px 24px;max-width:1100px}\
section.conn{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:12px 0}\
table{border-collapse:collapse;margin:6px 0}td,th{border-bottom:1px solid #eaeef2;padding:4px 10px;text-align:left;font-size:14px}\
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.fix{color:#57606a}\
button{background:#0b5cad;color:#fff;border:0;border-radius:6px;padding:6px 14px;font-size:14px;cursor:pointer}";

fn sign_in_page(message: Option<&str>) -> HttpResponse {
    page(
        "Sign in",
        html! {
            @if let Some(m) = message { p.bad { (m) } }
            form method="post" action="/admin/login" {
                label for="token" { "Admin token " }
                input #token type="password" name="token" autocomplete="current-password" required;
                " "
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// `GET /admin`: the page, or the sign-in form.
pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    if !signed_in(&req, &state)? {
        return Ok(sign_in_page(None));
    }
    Ok(dashboard(&state, None).await)
}

#[derive(Deserialize)]
struct SignIn {
    token: String,
}

/// `POST /admin/login`: the admin token from the form becomes a session cookie.
pub async fn login(
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, HttpError> {
    let Some(admin) = state.admin_token.as_ref() else {
        return Err(ScimError::forbidden(
            "the admin API is disabled: set admin_token in the configuration",
        )
        .into());
    };
    let body = match tokio::time::timeout(
        state.deadline,
        super::read_body(&mut payload, MAX_FORM_BYTES),
    )
    .await
    {
        Ok(Ok(b)) => b,
        _ => return Ok(sign_in_page(Some("The form could not be read; try again."))),
    };
    let form: Option<SignIn> = serde_urlencoded_form(&body);
    let ok = form.is_some_and(|f| {
        constant_time_eq(f.token.trim().as_bytes(), admin.expose_secret().as_bytes())
    });
    if !ok {
        tracing::info!("admin sign-in refused");
        return Ok(sign_in_page(Some("That is not the admin token.")));
    }
    let Some(session) = session_cookie(admin) else {
        return Err(ScimError::internal("the session could not be signed").into());
    };
    let cookie = format!(
        "{COOKIE}={session}; Path=/admin; Max-Age={SESSION_SECS}; HttpOnly; SameSite=Strict"
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin"))
        .insert_header((header::SET_COOKIE, cookie))
        .finish())
}

fn serde_urlencoded_form(body: &[u8]) -> Option<SignIn> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| SignIn {
            token: v.into_owned(),
        })
}

/// `POST /admin/connections/{name}/check`: runs test-connection and shows the page with its
/// checks under the connection.
pub async fn check(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    if !signed_in(&req, &state)? {
        return Ok(sign_in_page(Some("Sign in first.")));
    }
    let conn = super::admin::named_connection(&req, &state)?;
    let report = testconn::run(&conn).await;
    Ok(dashboard(&state, Some(report)).await)
}

async fn dashboard(state: &AppState, report: Option<Report>) -> HttpResponse {
    let mut names: Vec<&String> = state.connections.keys().collect();
    names.sort();
    let mut sections = Vec::new();
    for name in names {
        let Some(served) = state.connections.get(name) else {
            continue;
        };
        let conn = &served.connection;
        let shown = report.as_ref().filter(|r| r.connection == *name);
        sections.push(connection_section(conn, shown).await);
    }
    page(
        "Connections",
        html! {
            p { "This replica's view: counts and failures since it started. Metrics at "
                code { "/metrics" } " aggregate across replicas." }
            @for s in &sections { (s) }
        },
    )
}

async fn connection_section(conn: &Connection, report: Option<&Report>) -> Markup {
    let spec = &conn.spec;
    let policy = &spec.policy;
    let ready = conn.client.readiness(READY_RECHECK).await;
    let allowance = conn.client.allowance();
    let guard = conn.guard.status(Instant::now());
    let failures = conn.failures.recent();
    let yes_no = |b: bool| if b { "on" } else { "off" };
    html! {
        section.conn id=(format!("conn-{}", conn.name())) {
            h2 { (conn.name()) " " span.sub { "(" (conn.object().as_str()) ")" } }
            @match &ready {
                Ok(()) => p.ok { "Ready: Salesforce accepts the credentials." },
                Err(e) => p.bad { "Not ready: " (crate::provisioning::error::loggable(e)) },
            }
            table {
                tr { th { "Object" } td { (conn.object().as_str()) } }
                tr { th { "Key field" } td { code { (spec.mapping.key.as_str()) } } }
                tr { th { "Match field" } td { code { (spec.match_field.as_str()) } } }
                tr { th { "Policy" } td {
                    "create " (yes_no(policy.allow_create)) ", update " (yes_no(policy.allow_update))
                    ", disable " (yes_no(policy.allow_disable)) ", delete " (yes_no(policy.allow_delete))
                    ", deprovision " (yes_no(policy.allow_deprovision)) "; remove action: "
                    (format!("{:?}", policy.remove_action).to_lowercase())
                } }
                tr { th { "Removal guard" } td {
                    @match (guard.max_removals, guard.window_secs) {
                        (Some(max), Some(w)) => { (max) " removals per " (w) " s; " }
                        _ => { "off; " }
                    }
                    @if guard.tripped { span.bad { (guard.held_count) " held" } } @else { "nothing held" }
                } }
                tr.allowance { th { "Daily API allowance" } td {
                    @match &allowance {
                        Some(a) => {
                            (a.used) " used of " (a.limit) ", " (a.limit.saturating_sub(a.used)) " left ("
                            (a.reserve) " kept for the org's other integrations)"
                        }
                        None => { "not seen yet (no Salesforce call since start)" }
                    }
                } }
            }
            form method="post" action=(format!("/admin/connections/{}/check", conn.name())) {
                button type="submit" { "Run test connection" }
            }
            @if let Some(r) = report {
                h3 { "Test connection: " @if r.ok { span.ok { "passed" } } @else { span.bad { "failed" } } }
                table.checks {
                    @for c in &r.checks {
                        tr {
                            td { @if c.ok { span.ok { "✓" } } @else { span.bad { "✗" } } }
                            td { (c.name) }
                            td { (c.detail) @if let Some(f) = &c.fix { br; span.fix { (f) } } }
                        }
                    }
                }
            }
            h3 { "Recent failures" }
            @if failures.is_empty() {
                p { "None since this replica started." }
            } @else {
                table.failures {
                    tr { th { "Time" } th { "Request id" } th { "Operation" } th { "SCIM id" } th { "Status" } th { "Salesforce" } th { "Detail" } }
                    @for f in failures.iter().take(20) {
                        tr {
                            td { (f.time.format("%Y-%m-%d %H:%M:%S UTC")) }
                            td { (f.request_id.as_deref().unwrap_or("-")) }
                            td { (f.operation) }
                            td { (f.id.as_deref().unwrap_or("-")) }
                            td { (f.status) }
                            td { (f.salesforce_code.as_deref().unwrap_or("-")) }
                            td { (f.detail) }
                        }
                    }
                }
            }
        }
    }
}

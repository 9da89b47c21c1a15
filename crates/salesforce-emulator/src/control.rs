//! The control API under `/__emulator/` (no auth, never counted): reset, token expiry, fault
//! injection, the daily API limit and its usage, Lead conversion, portal users, duplicate rules
//! and request statistics (including how often each injected fault fired).

use std::sync::atomic::Ordering;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::error::SfError;
use crate::faults::FaultSpec;
use crate::state::AppState;
use crate::store::DuplicateAction;

fn error(e: SfError) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(e.status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status)
        .content_type("application/json")
        .body(e.body())
}

fn bad_request(message: impl Into<String>) -> HttpResponse {
    error(SfError::new(400, "INVALID_REQUEST", message))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/__emulator")
            .route("/reset", web::post().to(reset))
            .route("/tokens/expire", web::post().to(expire_tokens))
            .route("/client-secret", web::post().to(set_client_secret))
            .route("/permissions", web::post().to(set_permissions))
            .route("/faults", web::post().to(add_fault))
            .route("/faults", web::delete().to(clear_faults))
            .route("/limits", web::post().to(set_limits))
            .route("/leads/{id}/convert", web::post().to(convert_lead))
            .route("/contacts/{id}/portal-user", web::post().to(portal_user))
            .route("/duplicate-rules", web::post().to(duplicate_rules))
            .route("/stats", web::get().to(stats)),
    );
}

/// Drops records, Tooling API fields, faults, duplicate rules, counters and cursors, and
/// restores the configured daily limit and client secret; tokens stay valid.
async fn reset(state: web::Data<AppState>) -> HttpResponse {
    state.store.write().clear();
    state.faults.reset();
    state
        .api_limit
        .store(state.config.daily_request_limit, Ordering::Release);
    state.api_used.store(0, Ordering::Release);
    state.stats.clear();
    state.cursors.lock().clear();
    *state.client_secret.write() = state.config.client_secret.clone();
    HttpResponse::NoContent().finish()
}

#[derive(Debug, Deserialize)]
struct PermissionsBody {
    #[serde(rename = "convertLeads")]
    convert_leads: bool,
}

/// Grants or removes the running user's "Convert Leads" permission.
async fn set_permissions(
    state: web::Data<AppState>,
    body: web::Json<PermissionsBody>,
) -> HttpResponse {
    state.store.write().set_convert_leads(body.convert_leads);
    HttpResponse::NoContent().finish()
}

#[derive(Debug, Deserialize)]
struct ClientSecretBody {
    secret: String,
}

/// Resets the connected app's consumer secret, as an admin does in Setup: grants with the old
/// one are refused (`invalid_client`) from now on; issued tokens stay valid.
async fn set_client_secret(
    state: web::Data<AppState>,
    body: web::Json<ClientSecretBody>,
) -> HttpResponse {
    *state.client_secret.write() = body.into_inner().secret;
    HttpResponse::NoContent().finish()
}

#[derive(Debug, Default, Deserialize)]
struct ExpireBody {
    #[serde(default)]
    refresh_tokens: bool,
}

async fn expire_tokens(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let parsed: ExpireBody = if body.iter().all(u8::is_ascii_whitespace) {
        ExpireBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => return bad_request(format!("invalid body: {e}")),
        }
    };
    state.tokens.expire_all(parsed.refresh_tokens);
    HttpResponse::NoContent().finish()
}

/// Adds a fault; answers 201 `{"id": N}`, the id under which `stats` reports its firings.
async fn add_fault(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let spec: FaultSpec = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad_request(format!("invalid fault: {e}")),
    };
    match state.faults.add(spec) {
        Ok(id) => HttpResponse::Created().json(json!({ "id": id })),
        Err(m) => bad_request(m),
    }
}

async fn clear_faults(state: web::Data<AppState>) -> HttpResponse {
    state.faults.clear();
    HttpResponse::NoContent().finish()
}

/// `POST /__emulator/limits` `{"daily_requests": N, "used": M}` (either key optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsBody {
    daily_requests: Option<u64>,
    used: Option<u64>,
}

/// Sets the daily API limit and/or the requests already counted against it (what `/limits`,
/// `Sforce-Limit-Info` and `REQUEST_LIMIT_EXCEEDED` go by); answers 200 with both values as
/// they now stand. An empty body or `{}` changes nothing and just reports them.
async fn set_limits(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let parsed: LimitsBody = if body.iter().all(u8::is_ascii_whitespace) {
        LimitsBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => return bad_request(format!("invalid limits: {e}")),
        }
    };
    if let Some(max) = parsed.daily_requests {
        state.api_limit.store(max, Ordering::Release);
    }
    if let Some(used) = parsed.used {
        state.api_used.store(used, Ordering::Release);
    }
    let (max, used) = state.api_usage();
    HttpResponse::Ok().json(json!({"daily_requests": max, "used": used}))
}

async fn convert_lead(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let mut store = state.store.write();
    let schema = std::sync::Arc::clone(store.schema());
    let result = store.convert_lead(&schema, &id);
    drop(store);
    match result {
        Ok((contact, account)) => {
            HttpResponse::Ok().json(json!({"contactId": contact, "accountId": account}))
        }
        Err(e) => error(e),
    }
}

async fn portal_user(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let mut store = state.store.write();
    let schema = std::sync::Arc::clone(store.schema());
    let result = store.set_portal_user(&schema, &id);
    drop(store);
    match result {
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(e) => error(e),
    }
}

#[derive(Debug, Deserialize)]
struct DuplicateRule {
    object: String,
    #[serde(default = "yes")]
    enabled: bool,
    /// `alert` (default: bypassed by `allowSave=true`) or `block` (never bypassed).
    #[serde(default)]
    action: Option<String>,
}

fn yes() -> bool {
    true
}

async fn duplicate_rules(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let rule: DuplicateRule = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("invalid duplicate rule: {e}")),
    };
    let Some(obj) = state.schema().object_index(&rule.object) else {
        return bad_request(format!("unknown object {}", rule.object));
    };
    let action = match rule
        .action
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("alert") => DuplicateAction::Alert,
        Some("block") => DuplicateAction::Block,
        Some(other) => return bad_request(format!("unknown action {other} (alert, block)")),
    };
    state
        .store
        .write()
        .set_duplicate_rule(obj, rule.enabled.then_some(action));
    HttpResponse::NoContent().finish()
}

/// Counters since start or reset: counted API requests (total and by endpoint template), token
/// requests, fault firings (total, and per fault added since the last reset or clear).
async fn stats(state: web::Data<AppState>) -> HttpResponse {
    let by: Map<String, Value> = state
        .stats
        .snapshot()
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    HttpResponse::Ok().json(json!({
        "api_requests_total": state.api_used.load(Ordering::Acquire),
        "by_endpoint": by,
        "token_requests": state.stats.token_requests.load(Ordering::Relaxed),
        "faults_fired": state.faults.fired_total(),
        "faults": state.faults.snapshot(),
    }))
}

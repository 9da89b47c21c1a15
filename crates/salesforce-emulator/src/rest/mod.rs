//! The REST API under `/services/data/vNN.0/`: one entry handler does what Salesforce's front
//! door does (version check, bearer token, injected faults, daily limit, `Sforce-Limit-Info`),
//! then routes the request to the same executor that Composite subrequests use.

mod collections;
mod composite;
mod meta;
mod query;
mod records;
mod tooling;
mod upsert;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::ser::SerializeMap;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

use crate::error::{json_syntax_error, SfError};
use crate::faults::FaultAction;
use crate::schema::{ObjectDef, Schema};
use crate::soql::Row;
use crate::state::AppState;
use crate::store::{Store, Undo};

pub use meta::versions;

/// The oldest and newest API versions served.
pub const MIN_VERSION: u32 = 50;
pub const MAX_VERSION: u32 = 67;

/// A JSON object whose keys keep their order (Salesforce puts `attributes` first).
#[derive(Debug, Clone, Default)]
pub struct Ordered(pub Vec<(String, Value)>);

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A REST answer before it becomes an HTTP response (or a Composite subresponse).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Vec<u8>>,
    pub location: Option<String>,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, body: &T) -> Reply {
        match serde_json::to_vec(body) {
            Ok(b) => Reply {
                status,
                body: Some(b),
                location: None,
            },
            Err(_) => SfError::new(500, "UNKNOWN_EXCEPTION", "serialisation failed").into(),
        }
    }

    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            location: None,
        }
    }
}

impl From<SfError> for Reply {
    fn from(e: SfError) -> Self {
        Reply {
            status: e.status,
            body: Some(e.body()),
            location: None,
        }
    }
}

/// Per-request context shared by every executor.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    /// The schema of the store the request locked.
    pub schema: Arc<Schema>,
    pub version: u32,
    pub allow_save: bool,
    pub batch_size: usize,
    pub query: &'a str,
}

impl Ctx<'_> {
    /// A query-string parameter (first occurrence), URL-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    pub fn opts(&self) -> crate::store::DmlOptions {
        crate::store::DmlOptions {
            allow_save: self.allow_save,
            version: self.version,
        }
    }

    /// `/services/data/vNN.0/sobjects/{T}/{id}`.
    pub fn record_url(&self, object: &str, id: &str) -> String {
        format!("/services/data/v{}.0/sobjects/{object}/{id}", self.version)
    }

    /// The REST form of a record: `attributes` then the chosen fields (all when `None`).
    pub fn record_json(&self, o: &ObjectDef, row: &Row, fields: Option<&[String]>) -> Ordered {
        let id = row.get("Id").and_then(Value::as_str).unwrap_or("");
        let mut out = Vec::with_capacity(o.fields.len() + 1);
        out.push((
            "attributes".to_string(),
            serde_json::json!({"type": o.name, "url": self.record_url(o.name, id)}),
        ));
        match fields {
            None => {
                for f in &o.fields {
                    let v = row.get(&f.name).cloned().unwrap_or(Value::Null);
                    out.push((f.name.clone(), v));
                }
            }
            Some(names) => {
                for n in names {
                    let v = row.get(n).cloned().unwrap_or(Value::Null);
                    out.push((n.clone(), v));
                }
            }
        }
        Ordered(out)
    }
}

/// Resolved REST route.
#[derive(Debug, Clone)]
pub enum Route {
    Resources,
    SObjects,
    SObject(usize),
    Describe(usize),
    Record(usize, String),
    Query {
        all: bool,
    },
    QueryMore(String),
    Limits,
    Collections,
    CollectionsGet(usize),
    /// `/composite/sobjects/{T}/{externalIdField}` (the field is checked when run).
    CollectionsUpsert(usize, String),
    /// `/sobjects/{T}/{field}/{value}`: upsert (PATCH) or read (GET) by external ID; the value
    /// is percent-decoded, the field checked when run.
    ByExternalId(usize, String, String),
    Composite,
    /// Tooling API `/tooling/sobjects/CustomField`.
    ToolingCustomField,
}

impl Route {
    fn template(&self) -> &'static str {
        match self {
            Route::Resources => "/",
            Route::SObjects => "/sobjects",
            Route::SObject(_) => "/sobjects/{object}",
            Route::Describe(_) => "/sobjects/{object}/describe",
            Route::Record(..) => "/sobjects/{object}/{id}",
            Route::Query { all: false } => "/query",
            Route::Query { all: true } => "/queryAll",
            Route::QueryMore(_) => "/query/{locator}",
            Route::Limits => "/limits",
            Route::Collections => "/composite/sobjects",
            Route::CollectionsGet(_) => "/composite/sobjects/{object}",
            Route::CollectionsUpsert(..) => "/composite/sobjects/{object}/{field}",
            Route::ByExternalId(..) => "/sobjects/{object}/{field}/{value}",
            Route::Composite => "/composite",
            Route::ToolingCustomField => "/tooling/sobjects/CustomField",
        }
    }

    fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::SObject(_) => &["GET", "POST"],
            Route::Record(..) => &["GET", "PATCH", "DELETE"],
            Route::Collections => &["POST", "PATCH", "DELETE"],
            Route::CollectionsUpsert(..) => &["PATCH"],
            Route::ByExternalId(..) => &["GET", "PATCH"],
            Route::Composite | Route::ToolingCustomField => &["POST"],
            _ => &["GET"],
        }
    }
}

/// Maps the path segments after the version to a route.
pub fn route(schema: &Schema, segs: &[&str]) -> Result<Route, SfError> {
    let obj = |name: &str| schema.object_index(name).ok_or_else(SfError::not_found);
    Ok(match segs {
        [] => Route::Resources,
        ["sobjects"] => Route::SObjects,
        ["sobjects", t] => Route::SObject(obj(t)?),
        ["sobjects", t, "describe"] => Route::Describe(obj(t)?),
        ["sobjects", t, id] => Route::Record(obj(t)?, (*id).to_string()),
        ["sobjects", t, field, value] => {
            Route::ByExternalId(obj(t)?, (*field).to_string(), percent_decode(value))
        }
        ["query"] => Route::Query { all: false },
        ["queryAll"] => Route::Query { all: true },
        ["query", loc] | ["queryAll", loc] => Route::QueryMore((*loc).to_string()),
        ["limits"] => Route::Limits,
        ["composite", "sobjects"] => Route::Collections,
        ["composite", "sobjects", t] => Route::CollectionsGet(obj(t)?),
        ["composite", "sobjects", t, field] => {
            Route::CollectionsUpsert(obj(t)?, (*field).to_string())
        }
        ["composite"] => Route::Composite,
        ["tooling", "sobjects", t] if t.eq_ignore_ascii_case("CustomField") => {
            Route::ToolingCustomField
        }
        _ => return Err(SfError::not_found()),
    })
}

/// Decodes `%XX` escapes in a path segment (`+` stays a plus, as in any URL path).
fn percent_decode(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn method_name(m: &actix_web::http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "PUT" => "PUT",
        "HEAD" => "HEAD",
        _ => "OTHER",
    }
}

/// Parses `vNN.0`.
pub fn parse_version(seg: &str) -> Option<u32> {
    let n: u32 = seg.strip_prefix('v')?.strip_suffix(".0")?.parse().ok()?;
    (MIN_VERSION..=MAX_VERSION).contains(&n).then_some(n)
}

/// Parses a JSON request body; malformed JSON is Salesforce's JSON_PARSER_ERROR.
pub fn parse_body(body: &[u8]) -> Result<Value, SfError> {
    serde_json::from_slice(body).map_err(|e| json_syntax_error(&e))
}

/// Runs a routed request against the store. Reads take `&Store`; writes `&mut Store` and log
/// their changes to `undo`.
pub enum StoreAccess<'a> {
    Read(&'a Store),
    Write(&'a mut Store, &'a mut Undo),
}

pub fn execute(ctx: &Ctx, route: &Route, method: &str, body: &[u8], store: StoreAccess) -> Reply {
    if !route.methods().contains(&method) {
        let allowed = route.methods().join(",");
        return SfError::new(
            405,
            "METHOD_NOT_ALLOWED",
            format!("HTTP Method '{method}' not allowed. Allowed are {allowed},HEAD"),
        )
        .into();
    }
    let store_ref: &Store = match &store {
        StoreAccess::Read(s) => s,
        StoreAccess::Write(s, _) => s,
    };
    match (route, method) {
        (Route::Resources, _) => meta::resources(ctx),
        (Route::SObjects, _) => meta::sobjects(ctx),
        (Route::SObject(o), "GET") => meta::sobject(ctx, *o),
        (Route::Describe(o), _) => meta::describe(ctx, *o),
        (Route::Limits, _) => meta::limits(ctx),
        (Route::Record(o, id), "GET") => records::get(ctx, store_ref, *o, id),
        (Route::Query { all }, _) => query::run(ctx, store_ref, *all),
        (Route::QueryMore(loc), _) => query::more(ctx, loc),
        (Route::CollectionsGet(o), _) => collections::get(ctx, store_ref, *o),
        (Route::ByExternalId(o, f, v), "GET") => upsert::get(ctx, store_ref, *o, f, v),
        _ => match store {
            StoreAccess::Read(_) => {
                SfError::new(500, "UNKNOWN_EXCEPTION", "write routed as a read").into()
            }
            StoreAccess::Write(s, undo) => match (route, method) {
                (Route::SObject(o), _) => records::create(ctx, s, undo, *o, body),
                (Route::Record(o, id), "PATCH") => records::update(ctx, s, undo, *o, id, body),
                (Route::Record(o, id), _) => records::delete(ctx, s, undo, *o, id),
                (Route::Collections, "POST") => collections::create(ctx, s, undo, body),
                (Route::Collections, "PATCH") => collections::update(ctx, s, undo, body),
                (Route::Collections, _) => collections::delete(ctx, s, undo),
                (Route::ByExternalId(o, f, v), _) => upsert::one(ctx, s, undo, *o, f, v, body),
                (Route::CollectionsUpsert(o, f), _) => upsert::many(ctx, s, undo, *o, f, body),
                (Route::Composite, _) => composite::run(ctx, s, body),
                (Route::ToolingCustomField, _) => tooling::create_field(s, body),
                _ => SfError::not_found().into(),
            },
        },
    }
}

fn is_read(route: &Route, method: &str) -> bool {
    method == "GET" || !route.methods().contains(&method)
}

fn respond(state: &AppState, reply: Reply) -> HttpResponse {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut b = HttpResponse::build(status);
    b.insert_header(("Sforce-Limit-Info", state.limit_info()));
    if let Some(loc) = reply.location {
        b.insert_header(("Location", loc));
    }
    match reply.body {
        Some(body) => b
            .insert_header(("Content-Type", "application/json;charset=UTF-8"))
            .body(body),
        None => b.finish(),
    }
}

fn bare(e: SfError) -> HttpResponse {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .insert_header(("Content-Type", "application/json;charset=UTF-8"))
        .body(e.body())
}

/// Whether a `Sforce-Duplicate-Rule-Header` value sets `allowSave=true`. Salesforce documents
/// the fields as `allowSave=true; includeRecordDetails=true; runAsCurrentUser=true`.
pub fn allows_save(h: &str) -> bool {
    h.split([';', ',']).any(|p| {
        p.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("allowSave") && v.trim().eq_ignore_ascii_case("true")
        })
    })
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Every request that no other route takes: the REST API, or 404.
pub async fn entry(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let path = req.path();
    let Some(rest) = path.strip_prefix("/services/data") else {
        return bare(SfError::not_found());
    };
    let rest = rest.trim_start_matches('/');
    if rest.is_empty() {
        return if req.method() == actix_web::http::Method::GET {
            HttpResponse::Ok()
                .insert_header(("Content-Type", "application/json;charset=UTF-8"))
                .body(versions(&state.base_url))
        } else {
            bare(SfError::not_found())
        };
    }
    let mut segs: Vec<&str> = rest.split('/').collect();
    while segs.last() == Some(&"") {
        segs.pop();
    }
    let Some(version) = segs.first().and_then(|v| parse_version(v)) else {
        return bare(SfError::not_found());
    };
    let segs = &segs[1..];

    let token = header(&req, "Authorization").and_then(|h| {
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("OAuth "))
            .map(str::trim)
    });
    if !token.is_some_and(|t| state.tokens.validate(t, &state.config)) {
        return bare(SfError::invalid_session());
    }

    let method = method_name(req.method());
    if let Some(action) = state.faults.check(method, path) {
        match action {
            FaultAction::Delay(ms) => {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            FaultAction::Fail(e) => {
                // A refused or crashed call costs nothing; a call Salesforce ran (e.g. one that
                // hit a row lock) counts against the daily limit.
                if e.status < 500 && e.code != "REQUEST_LIMIT_EXCEEDED" {
                    let _ = state.try_count();
                }
                return respond(&state, e.into());
            }
        }
    }
    if !state.try_count() {
        return respond(
            &state,
            SfError::new(
                403,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
            )
            .into(),
        );
    }

    let route = match route(&state.schema(), segs) {
        Ok(r) => r,
        Err(e) => {
            state.stats.record(method, "(unmatched)");
            return respond(&state, e.into());
        }
    };
    state.stats.record(method, route.template());

    let allow_save = header(&req, "Sforce-Duplicate-Rule-Header").is_some_and(allows_save);
    let batch_size = header(&req, "Sforce-Query-Options")
        .and_then(|h| {
            h.split(',').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("batchSize")
                    .then(|| v.trim().parse::<usize>().ok())?
            })
        })
        .map_or(2000, |n| n.clamp(200, 2000));
    let ctx = |schema: &Arc<Schema>| Ctx {
        state: &state,
        schema: Arc::clone(schema),
        version,
        allow_save,
        batch_size,
        query: req.query_string(),
    };
    let reply = if is_read(&route, method) {
        let store = state.store.read();
        let ctx = ctx(store.schema());
        execute(&ctx, &route, method, &body, StoreAccess::Read(&store))
    } else {
        let mut store = state.store.write();
        let ctx = ctx(store.schema());
        let mut undo = Undo::default();
        execute(
            &ctx,
            &route,
            method,
            &body,
            StoreAccess::Write(&mut store, &mut undo),
        )
    };
    respond(&state, reply)
}

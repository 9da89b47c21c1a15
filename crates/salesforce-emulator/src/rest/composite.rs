//! Composite (`POST /composite`): up to 25 subrequests in one API call, later ones referring to
//! earlier results with `@{referenceId.path}`, optionally all-or-none.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::{execute, parse_body, parse_version, route, Ctx, Reply, Route, StoreAccess};
use crate::error::SfError;
use crate::store::{Store, Undo};

/// Salesforce's cap on query and sObject Collections subrequests per Composite call.
pub const MAX_QUERIES_OR_COLLECTIONS: usize = 5;

/// Whether a subrequest is a query (`/query`, `/queryAll`) or sObject Collections call.
fn is_query_or_collection(sub: &Value) -> bool {
    let url = sub.get("url").and_then(Value::as_str).unwrap_or("");
    let path = url.split('?').next().unwrap_or("");
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    matches!(segs.get(3), Some(&"query" | &"queryAll"))
        || (segs.get(3) == Some(&"composite") && segs.get(4) == Some(&"sobjects"))
}

/// Salesforce's cap on subrequests per Composite call.
pub const MAX_SUBREQUESTS: usize = 25;

fn halted(message: impl Into<String>) -> Value {
    json!([{"errorCode": "PROCESSING_HALTED", "message": message.into()}])
}

fn sub_response(reference: &str, status: u16, body: Value, headers: Value) -> Value {
    json!({"body": body, "httpHeaders": headers, "httpStatusCode": status, "referenceId": reference})
}

/// Looks up `ref.a.b[0].c` among earlier results.
fn lookup(results: &HashMap<String, Value>, expr: &str) -> Option<Value> {
    let mut parts = expr.split('.');
    let head = parts.next()?;
    let (name, first_idx) = split_index(head);
    let mut cur = results.get(name)?;
    for i in first_idx {
        cur = cur.get(i)?;
    }
    for p in parts {
        let (key, idxs) = split_index(p);
        cur = cur.get(key)?;
        for i in idxs {
            cur = cur.get(i)?;
        }
    }
    (!cur.is_null()).then(|| cur.clone())
}

/// `records[0]` → ("records", [0]).
fn split_index(p: &str) -> (&str, Vec<usize>) {
    match p.find('[') {
        None => (p, Vec::new()),
        Some(i) => {
            let idx = p[i..]
                .split(['[', ']'])
                .filter(|s| !s.is_empty())
                .filter_map(|s| s.parse().ok())
                .collect();
            (&p[..i], idx)
        }
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Replaces every `@{expr}` in `s`; Err(expr) names the first unresolvable one.
fn substitute(s: &str, results: &HashMap<String, Value>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let expr = &after[..end];
        let v = lookup(results, expr).ok_or_else(|| expr.to_string())?;
        out.push_str(&as_text(&v));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Substitutes references inside a JSON body; a string that is exactly one reference takes the
/// referenced JSON value.
fn substitute_value(v: &Value, results: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with("@{") && t.ends_with('}') && t.matches("@{").count() == 1 {
                let expr = &t[2..t.len() - 1];
                lookup(results, expr).ok_or_else(|| expr.to_string())?
            } else {
                Value::String(substitute(s, results)?)
            }
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| substitute_value(x, results))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), substitute_value(x, results)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// `POST /composite`.
pub fn run(ctx: &Ctx, store: &mut Store, body: &[u8]) -> Reply {
    let v = match parse_body(body) {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    let all_or_none = v.get("allOrNone").and_then(Value::as_bool).unwrap_or(false);
    let Some(subs) = v.get("compositeRequest").and_then(Value::as_array) else {
        return SfError::new(
            400,
            "INVALID_FIELD",
            "The 'compositeRequest' field is missing",
        )
        .into();
    };
    if subs.len() > MAX_SUBREQUESTS {
        return SfError::new(
            400,
            "LIMIT_EXCEEDED",
            format!("Limit Exceeded: composite request limit of {MAX_SUBREQUESTS} subrequests"),
        )
        .into();
    }
    // "Up to 5 of these subrequests can be sObject Collections or query operations, including
    // Query and QueryAll requests" (Composite, REST API Developer Guide).
    let heavy = subs.iter().filter(|s| is_query_or_collection(s)).count();
    if heavy > MAX_QUERIES_OR_COLLECTIONS {
        return SfError::new(
            400,
            "LIMIT_EXCEEDED",
            format!("Limit Exceeded: composite request limit of {MAX_QUERIES_OR_COLLECTIONS} query or sObject Collections subrequests"),
        )
        .into();
    }
    let mut undo = Undo::default();
    let mut results: HashMap<String, Value> = HashMap::new();
    let mut out: Vec<Value> = Vec::with_capacity(subs.len());
    let mut failed_at: Option<usize> = None;
    for (i, sub) in subs.iter().enumerate() {
        let reference = sub
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if failed_at.is_some() && all_or_none {
            out.push(sub_response(&reference, 400, Value::Null, json!({})));
            continue;
        }
        let (status, body, headers) = run_one(ctx, store, &mut undo, sub, &results);
        if (200..300).contains(&status) {
            results.insert(reference.clone(), body.clone());
        } else if failed_at.is_none() {
            failed_at = Some(i);
        }
        out.push(sub_response(&reference, status, body, headers));
    }
    if let (true, Some(bad)) = (all_or_none, failed_at) {
        store.rollback(undo);
        for (i, r) in out.iter_mut().enumerate() {
            if i != bad {
                if let Some(m) = r.as_object_mut() {
                    m.insert("httpStatusCode".into(), json!(400));
                    m.insert("httpHeaders".into(), json!({}));
                    m.insert(
                        "body".into(),
                        halted("The transaction was rolled back since another operation in the same transaction failed."),
                    );
                }
            }
        }
    }
    Reply::json(200, &json!({"compositeResponse": out}))
}

fn run_one(
    ctx: &Ctx,
    store: &mut Store,
    undo: &mut Undo,
    sub: &Value,
    results: &HashMap<String, Value>,
) -> (u16, Value, Value) {
    let method = sub
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    let raw_url = sub.get("url").and_then(Value::as_str).unwrap_or("");
    let reference = sub.get("referenceId").and_then(Value::as_str).unwrap_or("");
    let unresolved = |expr: String| {
        let name = expr.split(['.', '[']).next().unwrap_or("").to_string();
        (
            400,
            halted(format!(
                "Invalid reference specified. No value for {expr} found in {name}. Provided referenceId ('{reference}') must start with a letter and contain only letters, numbers and underscores."
            )),
            json!({}),
        )
    };
    let url = match substitute(raw_url, results) {
        Ok(u) => u,
        Err(expr) => return unresolved(expr),
    };
    let body = match sub.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(b) => match substitute_value(b, results) {
            Ok(b) => serde_json::to_vec(&b).unwrap_or_default(),
            Err(expr) => return unresolved(expr),
        },
    };
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    // Injected faults aimed at a path (`"path":"/sobjects/Contact"`) hit the matching
    // subrequest too, as a real row lock or outage would inside a Composite call. Delays apply
    // only to whole requests (this runs under the store lock).
    if let Some(e) = ctx.state.faults.check_subrequest(&method, path) {
        return (e.status, json!([e.to_rest_json()]), json!({}));
    }
    let segs: Vec<&str> = path
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let version = match segs.as_slice() {
        ["services", "data", v, ..] => parse_version(v),
        _ => None,
    };
    let Some(version) = version else {
        let e = SfError::not_found();
        return (e.status, json!([e.to_rest_json()]), json!({}));
    };
    // A Composite call runs REST sub-requests only: not itself, and not the Tooling API (which
    // has its own composite resource; a field it created would be missing from this call's
    // schema).
    let r = match route(&ctx.schema, &segs[3..]) {
        Ok(Route::Composite | Route::ToolingCustomField) | Err(_) => {
            let e = SfError::not_found();
            return (e.status, json!([e.to_rest_json()]), json!({}));
        }
        Ok(r) => r,
    };
    let sub_headers = sub.get("httpHeaders");
    // Sub-requests inherit only Accept, Authorization and Content-Type from the Composite
    // request: the duplicate-rule header counts only in the sub-request's own httpHeaders.
    let allow_save = sub_headers
        .and_then(|h| h.get("Sforce-Duplicate-Rule-Header"))
        .and_then(Value::as_str)
        .is_some_and(super::allows_save);
    let sub_ctx = Ctx {
        state: ctx.state,
        schema: std::sync::Arc::clone(&ctx.schema),
        version,
        allow_save,
        batch_size: ctx.batch_size,
        query,
    };
    let reply: Reply = if method == "GET" {
        execute(&sub_ctx, &r, &method, &body, StoreAccess::Read(store))
    } else {
        execute(
            &sub_ctx,
            &r,
            &method,
            &body,
            StoreAccess::Write(store, undo),
        )
    };
    let body = reply
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    let headers = match reply.location {
        Some(l) => json!({"Location": l}),
        None => json!({}),
    };
    (reply.status, body, headers)
}

//! Records by external ID: read and upsert one (`/sobjects/{T}/{field}/{value}`, REST API
//! Developer Guide "sObject Rows by External ID" and "Insert or Update (Upsert) a Record Using
//! an External ID"), and upsert up to 200 (`PATCH /composite/sobjects/{T}/{field}`, "Upsert
//! Records Using sObject Collections", API 46.0 and later).
//!
//! Answers of the single-record upsert (API 46.0+, so every version served here): 201
//! `{"id","success":true,"errors":[],"created":true}` when it creates, 200 with
//! `"created":false` when it updates, 300 with the matching records' URLs when several match,
//! 404 `NOT_FOUND` when the field is no external ID of the object.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::collections::{parse_records, per_record, record_object, rolled_back};
use super::records::fields_param;
use super::{parse_body, Ctx, Reply};
use crate::error::SfError;
use crate::schema::{FieldDef, ObjectDef};
use crate::store::{Store, Undo, UpsertError, Upserted};

/// The external-ID field `name` of `o`, or the 404 the single-record resources answer.
fn key_field<'o>(o: &'o ObjectDef, name: &str) -> Result<&'o FieldDef, SfError> {
    o.field(name).filter(|f| f.external_id).ok_or_else(|| {
        SfError::new(
            404,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {name}"),
        )
    })
}

/// 300 Multiple Choices: the URLs of the records that hold the value.
fn multiple(ctx: &Ctx, o: &ObjectDef, ids: &[String]) -> Reply {
    let urls: Vec<String> = ids.iter().map(|id| ctx.record_url(o.name, id)).collect();
    Reply::json(300, &urls)
}

/// `GET /sobjects/{T}/{field}/{value}[?fields=…]`: the one live record holding the value.
pub fn get(ctx: &Ctx, store: &Store, obj: usize, field: &str, value: &str) -> Reply {
    let Some(o) = ctx.schema.objects.get(obj) else {
        return SfError::not_found().into();
    };
    let f = match key_field(o, field) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    let fields = match fields_param(ctx, o) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    match store.find_by_key(obj, f, value).as_slice() {
        [] => SfError::not_found().into(),
        [id] => match store.lookup(&ctx.schema, obj, id) {
            Ok(rec) => Reply::json(200, &ctx.record_json(o, &rec.row, fields.as_deref())),
            Err(e) => e.into(),
        },
        ids => multiple(ctx, o, ids),
    }
}

fn upserted(u: &Upserted) -> Value {
    json!({"id": u.id, "success": true, "errors": [], "created": u.created})
}

/// The key value a record's body gives for `f` (numbers and booleans as text, as the JSON
/// reader converts them for text fields); `None` for null, empty or absent.
fn body_key(body: &Value, f: &FieldDef) -> Option<String> {
    let v = body
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&f.name))
        .map(|(_, v)| v)?;
    match v {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `PATCH /sobjects/{T}/{field}/{value}`.
pub fn one(
    ctx: &Ctx,
    store: &mut Store,
    undo: &mut Undo,
    obj: usize,
    field: &str,
    value: &str,
    body: &[u8],
) -> Reply {
    let Some(o) = ctx.schema.objects.get(obj) else {
        return SfError::not_found().into();
    };
    let f = match key_field(o, field) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    let body = match parse_body(body) {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    // The URL names the key; a body that gives the same field another value is refused
    // rather than silently re-keying the record (see the README's known differences).
    if let Some(given) = body_key(&body, f) {
        if f.key_of(&given) != f.key_of(value) {
            return SfError::new(
                400,
                "INVALID_FIELD",
                format!(
                    "The value of {} in the request body ({given}) differs from the external ID in the URL ({value})",
                    f.name
                ),
            )
            .into();
        }
    }
    let name = f.name.clone();
    match store.upsert(
        &ctx.schema,
        obj,
        &name,
        Some(value),
        &body,
        ctx.opts(),
        undo,
    ) {
        Ok(u) => Reply::json(if u.created { 201 } else { 200 }, &upserted(&u)),
        Err(UpsertError::Failed(e)) => e.into(),
        Err(UpsertError::Multiple(ids)) => multiple(ctx, o, &ids),
    }
}

/// A per-record failure of a Collections upsert (`created` is false, `id` absent).
fn failed(e: &SfError) -> Value {
    json!({"success": false, "errors": [e.to_record_json()], "created": false})
}

/// `DUPLICATE_EXTERNAL_ID`, the per-record form of the single upsert's 300.
fn more_than_one(f: &FieldDef, ids: &[String]) -> SfError {
    SfError::dml(
        "DUPLICATE_EXTERNAL_ID",
        format!(
            "{}: more than one record found for external id field: [{}]",
            f.label,
            ids.join(", ")
        ),
        Vec::new(),
    )
}

/// `PATCH /composite/sobjects/{T}/{field}` with `{"allOrNone":…,"records":[…]}`: one result
/// per record in input order, 200 unless the request itself is malformed.
pub fn many(
    ctx: &Ctx,
    store: &mut Store,
    undo: &mut Undo,
    obj: usize,
    field: &str,
    body: &[u8],
) -> Reply {
    let Some(o) = ctx.schema.objects.get(obj) else {
        return SfError::not_found().into();
    };
    let Some(f) = o.field(field).filter(|f| f.external_id) else {
        return SfError::new(
            400,
            "INVALID_FIELD",
            format!(
                "Field name provided, {field} is not an External ID or indexed field for {}",
                o.name
            ),
        )
        .into();
    };
    let (all_or_none, records) = match parse_records(body) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    let keys: Vec<Option<String>> = records.iter().map(|r| body_key(r, f)).collect();
    // The same key twice in one call fails every record carrying it, as Apex's
    // `Duplicate external id specified: <value>` does.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for k in keys.iter().flatten() {
        *seen.entry(f.key_of(k)).or_default() += 1;
    }
    let name = f.name.clone();
    let mut results: Vec<Result<Upserted, SfError>> = Vec::with_capacity(records.len());
    for (rec, key) in records.iter().zip(&keys) {
        let r = (|| {
            let rec_obj = record_object(ctx, rec)?;
            if rec_obj != obj {
                return Err(SfError::dml(
                    "INVALID_TYPE",
                    format!("Records must be of the type {} named in the URL", o.name),
                    Vec::new(),
                ));
            }
            if let Some(k) = key {
                if seen.get(&f.key_of(k)).is_some_and(|n| *n > 1) {
                    return Err(SfError::dml(
                        "DUPLICATE_VALUE",
                        format!("Duplicate external id specified: {k}"),
                        vec![name.clone()],
                    ));
                }
            }
            store
                .upsert(
                    &ctx.schema,
                    obj,
                    &name,
                    key.as_deref(),
                    rec,
                    ctx.opts(),
                    undo,
                )
                .map_err(|e| match e {
                    UpsertError::Failed(e) => per_record(e),
                    UpsertError::Multiple(ids) => more_than_one(f, &ids),
                })
        })();
        results.push(r);
    }
    let rollback = all_or_none && results.iter().any(Result::is_err);
    if rollback {
        store.rollback(std::mem::take(undo));
    }
    let out: Vec<Value> = results
        .iter()
        .map(|r| match r {
            Ok(_) if rollback => failed(&rolled_back()),
            Ok(u) => upserted(u),
            Err(e) => failed(e),
        })
        .collect();
    Reply::json(200, &out)
}

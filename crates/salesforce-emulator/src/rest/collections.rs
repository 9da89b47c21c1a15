//! sObject Collections: create, update, delete and retrieve up to 200 records in one API call,
//! one result per record in input order, with `allOrNone` rollback.

use serde_json::{json, Value};

use super::{parse_body, records::invalid_column, Ctx, Reply};
use crate::error::SfError;
use crate::ids;
use crate::store::{Store, Undo};

/// Salesforce's cap on records per Collections call.
pub const MAX_RECORDS: usize = 200;

pub(super) fn too_many() -> SfError {
    SfError::dml(
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
        Vec::new(),
    )
}

fn ok(id: &str) -> Value {
    json!({"id": id, "success": true, "errors": []})
}

fn failed(id: Option<&str>, e: &SfError) -> Value {
    let mut v = json!({"success": false, "errors": [e.to_record_json()]});
    if let (Some(id), Some(m)) = (id, v.as_object_mut()) {
        m.insert("id".into(), Value::String(id.to_string()));
    }
    v
}

pub(super) fn rolled_back() -> SfError {
    SfError::dml(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
        Vec::new(),
    )
}

/// Parses `{"allOrNone":…,"records":[…]}`.
pub(super) fn parse_records(body: &[u8]) -> Result<(bool, Vec<Value>), SfError> {
    let v = parse_body(body)?;
    let all_or_none = match v.get("allOrNone") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(SfError::json_parser(format!(
                "Cannot deserialize instance of boolean from {} value",
                if other.is_string() {
                    "VALUE_STRING"
                } else {
                    "a non-boolean"
                }
            )))
        }
    };
    let records = match v.get("records") {
        Some(Value::Array(r)) => r.clone(),
        _ => {
            return Err(SfError::new(
                400,
                "INVALID_FIELD",
                "The 'records' field is missing from the request body",
            ))
        }
    };
    if records.len() > MAX_RECORDS {
        return Err(too_many());
    }
    Ok((all_or_none, records))
}

/// The object a Collections record names in `attributes.type`.
pub(super) fn record_object(ctx: &Ctx, rec: &Value) -> Result<usize, SfError> {
    let t = rec
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str);
    match t {
        None => Err(SfError::dml(
            "INVALID_TYPE",
            "sObject type must be specified in the attributes of each record",
            Vec::new(),
        )),
        Some(t) => ctx.schema.object_index(t).ok_or_else(|| {
            SfError::dml(
                "INVALID_TYPE",
                format!("sObject type '{t}' is not supported."),
                Vec::new(),
            )
        }),
    }
}

/// Runs per-record operations, then applies `allOrNone`: on any failure everything rolls back
/// and records that had succeeded report ALL_OR_NONE_OPERATION_ROLLED_BACK.
fn finish(
    store: &mut Store,
    undo: &mut Undo,
    all_or_none: bool,
    results: Vec<(Option<String>, Result<String, SfError>)>,
) -> Reply {
    let any_failed = results.iter().any(|(_, r)| r.is_err());
    let out: Vec<Value> = if all_or_none && any_failed {
        store.rollback(std::mem::take(undo));
        results
            .iter()
            .map(|(id, r)| match r {
                Ok(_) => failed(id.as_deref(), &rolled_back()),
                Err(e) => failed(id.as_deref(), e),
            })
            .collect()
    } else {
        results
            .iter()
            .map(|(id, r)| match r {
                Ok(new_id) => ok(new_id),
                Err(e) => failed(id.as_deref(), e),
            })
            .collect()
    };
    Reply::json(200, &out)
}

/// In Collections results a missing record is an invalid cross reference, not a 404.
pub(super) fn per_record(e: SfError) -> SfError {
    if e.code == "NOT_FOUND" {
        SfError::dml(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            Vec::new(),
        )
    } else {
        SfError {
            fields: Some(e.fields.unwrap_or_default()),
            status: 400,
            ..e
        }
    }
}

/// `POST /composite/sobjects`.
pub fn create(ctx: &Ctx, store: &mut Store, undo: &mut Undo, body: &[u8]) -> Reply {
    let (all_or_none, records) = match parse_records(body) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    let mut results = Vec::with_capacity(records.len());
    for rec in &records {
        let r = record_object(ctx, rec)
            .and_then(|obj| store.insert(&ctx.schema, obj, rec, ctx.opts(), undo))
            .map_err(per_record);
        results.push((None, r));
    }
    finish(store, undo, all_or_none, results)
}

/// `PATCH /composite/sobjects`.
pub fn update(ctx: &Ctx, store: &mut Store, undo: &mut Undo, body: &[u8]) -> Reply {
    let (all_or_none, records) = match parse_records(body) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    let mut results = Vec::with_capacity(records.len());
    for rec in &records {
        let id = rec.get("Id").and_then(Value::as_str).map(str::to_string);
        let r = match &id {
            None => Err(SfError::dml(
                "MISSING_ARGUMENT",
                "Id not specified in an update call",
                Vec::new(),
            )),
            Some(id) => record_object(ctx, rec)
                .and_then(|obj| store.update(&ctx.schema, obj, id, rec, ctx.opts(), undo))
                .map(|()| ids::canonical(id).unwrap_or_else(|| id.clone()))
                .map_err(per_record),
        };
        results.push((id, r));
    }
    finish(store, undo, all_or_none, results)
}

/// `DELETE /composite/sobjects?ids=…&allOrNone=…`.
pub fn delete(ctx: &Ctx, store: &mut Store, undo: &mut Undo) -> Reply {
    let ids_param = ctx.param("ids").unwrap_or_default();
    let list: Vec<&str> = ids_param
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if list.len() > MAX_RECORDS {
        return too_many().into();
    }
    let all_or_none = ctx
        .param("allOrNone")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let schema = &ctx.schema;
    let mut results = Vec::with_capacity(list.len());
    for id in list {
        let r = match ids::canonical(id) {
            None => Err(SfError::dml(
                "MALFORMED_ID",
                format!("malformed id {id}"),
                Vec::new(),
            )),
            Some(canon) => match schema.object_by_prefix(&canon[..3]) {
                None => Err(SfError::dml(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                    Vec::new(),
                )),
                Some(obj) => store.delete(schema, obj, &canon, undo).map_err(per_record),
            },
        };
        results.push((Some(id.to_string()), r));
    }
    finish(store, undo, all_or_none, results)
}

/// `GET /composite/sobjects/{T}?ids=…&fields=…`: records in input order, `null` for ids that
/// name no live record.
pub fn get(ctx: &Ctx, store: &Store, obj: usize) -> Reply {
    let schema = &ctx.schema;
    let Some(o) = schema.objects.get(obj) else {
        return SfError::not_found().into();
    };
    let ids_param = ctx.param("ids").unwrap_or_default();
    let list: Vec<&str> = ids_param
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if list.len() > MAX_RECORDS {
        return too_many().into();
    }
    let fields = match ctx.param("fields") {
        None => None,
        Some(spec) => {
            let mut names = Vec::new();
            for raw in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match o.field(raw) {
                    Some(f) => names.push(f.name.clone()),
                    None => return invalid_column(raw, o.name).into(),
                }
            }
            if !names.iter().any(|n| n == "Id") {
                names.push("Id".to_string());
            }
            Some(names)
        }
    };
    let out: Vec<Option<super::Ordered>> = list
        .iter()
        .map(|id| {
            store
                .lookup(schema, obj, id)
                .ok()
                .map(|rec| ctx.record_json(o, &rec.row, fields.as_deref()))
        })
        .collect();
    Reply::json(200, &out)
}

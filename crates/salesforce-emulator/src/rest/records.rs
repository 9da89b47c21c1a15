//! Single-record sObject calls: create, read (optionally `?fields=`), partial update, delete.

use serde_json::json;

use super::{parse_body, Ctx, Reply};
use crate::error::SfError;
use crate::schema::ObjectDef;
use crate::store::{Store, Undo};

/// `GET /sobjects/{T}/{id}[?fields=A,B]`.
pub fn get(ctx: &Ctx, store: &Store, obj: usize, id: &str) -> Reply {
    let schema = &ctx.schema;
    let Some(o) = schema.objects.get(obj) else {
        return SfError::not_found().into();
    };
    let fields = match fields_param(ctx, o) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    match store.lookup(schema, obj, id) {
        Ok(rec) => Reply::json(200, &ctx.record_json(o, &rec.row, fields.as_deref())),
        Err(e) => e.into(),
    }
}

/// The `?fields=A,B` of a record read, resolved to canonical names with `Id` appended (as
/// Salesforce always does); `None` when absent (all fields).
pub fn fields_param(ctx: &Ctx, o: &ObjectDef) -> Result<Option<Vec<String>>, SfError> {
    let Some(list) = ctx.param("fields") else {
        return Ok(None);
    };
    let mut names = Vec::new();
    for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let f = o.field(raw).ok_or_else(|| invalid_column(raw, o.name))?;
        if !names.contains(&f.name) {
            names.push(f.name.clone());
        }
    }
    if !names.iter().any(|n| n == "Id") {
        names.push("Id".to_string());
    }
    Ok(Some(names))
}

/// The SOQL-style INVALID_FIELD message Salesforce gives for an unknown column in `fields=`.
pub fn invalid_column(name: &str, object: &str) -> SfError {
    SfError::new(
        400,
        "INVALID_FIELD",
        format!(
            "No such column '{name}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
        ),
    )
}

/// `POST /sobjects/{T}` → 201 `{"id","success":true,"errors":[]}`.
pub fn create(ctx: &Ctx, store: &mut Store, undo: &mut Undo, obj: usize, body: &[u8]) -> Reply {
    let value = match parse_body(body) {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    match store.insert(&ctx.schema, obj, &value, ctx.opts(), undo) {
        Ok(id) => {
            let name = ctx.schema.objects.get(obj).map_or("", |o| o.name);
            let mut r = Reply::json(201, &json!({"id": id, "success": true, "errors": []}));
            r.location = Some(ctx.record_url(name, &id));
            r
        }
        Err(e) => e.into(),
    }
}

/// `PATCH /sobjects/{T}/{id}` → 204.
pub fn update(
    ctx: &Ctx,
    store: &mut Store,
    undo: &mut Undo,
    obj: usize,
    id: &str,
    body: &[u8],
) -> Reply {
    // The record is looked up before the body is read, as Salesforce does.
    if let Err(e) = store.lookup(&ctx.schema, obj, id) {
        return e.into();
    }
    let value = match parse_body(body) {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    match store.update(&ctx.schema, obj, id, &value, ctx.opts(), undo) {
        Ok(()) => Reply::no_content(),
        Err(e) => e.into(),
    }
}

/// `DELETE /sobjects/{T}/{id}` → 204.
pub fn delete(ctx: &Ctx, store: &mut Store, undo: &mut Undo, obj: usize, id: &str) -> Reply {
    match store.delete(&ctx.schema, obj, id, undo) {
        Ok(_) => Reply::no_content(),
        Err(e) => e.into(),
    }
}

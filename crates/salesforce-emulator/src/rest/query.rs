//! `query`, `queryAll` and cursor pages (`nextRecordsUrl`). The SOQL engine (`crate::soql`)
//! parses, resolves and evaluates; this module feeds it rows, pages the result and keeps cursors.

use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Serialize;
use serde_json::json;

use super::{Ctx, Ordered, Reply};
use crate::error::SfError;
use crate::soql::{self, QueryOutcome, ResolvedQuery, Row, Selection, SoqlError};
use crate::state::Cursor;
use crate::store::Store;

#[derive(Serialize)]
struct Page<'a> {
    #[serde(rename = "totalSize")]
    total_size: usize,
    done: bool,
    #[serde(rename = "nextRecordsUrl", skip_serializing_if = "Option::is_none")]
    next_records_url: Option<String>,
    records: &'a [Ordered],
}

fn soql_error(e: SoqlError) -> SfError {
    SfError::new(400, e.code, e.message)
}

fn resolve(ctx: &Ctx, q: &str) -> Result<ResolvedQuery, SoqlError> {
    soql::parse(q)?.resolve(&*ctx.schema)
}

/// The query with `Id` added to the select list, so that each record's `attributes.url` can name
/// its record even when the caller did not select `Id` (Salesforce always sends the url).
fn with_id(q: &str) -> Option<String> {
    let t = q.trim_start();
    let head = t.get(..6)?;
    let rest = t.get(6..)?;
    (head.eq_ignore_ascii_case("select") && rest.starts_with(char::is_whitespace))
        .then(|| format!("SELECT Id,{rest}"))
}

/// The rows a query runs over: through the key index when the WHERE clause pins a unique or
/// external-ID field to values (`SCIM_Key__c = '…'`), else every row of the object. The query
/// still applies its whole filter, so both give the same answer; the index only spares the scan.
fn source<'s>(
    store: &'s Store,
    q: &ResolvedQuery,
    obj: usize,
    all: bool,
) -> Box<dyn Iterator<Item = &'s Row> + 's> {
    if let Some(terms) = q.equality_terms() {
        // Each term read through its field's index; the rows of all terms, once each, in id
        // order (what the scan would keep). Any term without an index means the scan.
        let mut by_id: std::collections::BTreeMap<String, &'s Row> =
            std::collections::BTreeMap::new();
        let mut indexed = true;
        for (field, values) in terms {
            match store.rows_by_key(obj, field, &values, all) {
                Some(rows) => {
                    for r in rows {
                        let id = r
                            .get("Id")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or_default();
                        by_id.insert(id.to_string(), r);
                    }
                }
                None => {
                    indexed = false;
                    break;
                }
            }
        }
        if indexed {
            return Box::new(by_id.into_values());
        }
    }
    Box::new(store.rows(obj, all))
}

/// `GET /query?q=` and `GET /queryAll?q=`.
pub fn run(ctx: &Ctx, store: &Store, all: bool) -> Reply {
    let Some(q) = ctx.param("q") else {
        return SfError::new(400, "MALFORMED_QUERY", "A query string has to be specified").into();
    };
    let resolved = match resolve(ctx, &q) {
        Ok(r) => r,
        Err(e) => return soql_error(e).into(),
    };
    let schema = &ctx.schema;
    let Some(obj) = schema.object_index(resolved.object()) else {
        return SfError::new(
            400,
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported.", resolved.object()),
        )
        .into();
    };
    let Some(o) = schema.objects.get(obj) else {
        return SfError::not_found().into();
    };
    let fields = match resolved.selection() {
        Selection::Count => {
            return match resolved.execute(source(store, &resolved, obj, all)) {
                QueryOutcome::Count(n) => {
                    Reply::json(200, &json!({"totalSize": n, "done": true, "records": []}))
                }
                QueryOutcome::Rows(rows) => Reply::json(
                    200,
                    &json!({"totalSize": rows.len(), "done": true, "records": []}),
                ),
            }
        }
        Selection::Fields(f) => f.clone(),
    };
    let runner = if fields.iter().any(|f| f == "Id") {
        resolved
    } else {
        with_id(&q)
            .and_then(|q2| resolve(ctx, &q2).ok())
            .unwrap_or(resolved)
    };
    let rows = match runner.execute(source(store, &runner, obj, all)) {
        QueryOutcome::Rows(rows) => rows,
        QueryOutcome::Count(n) => {
            return Reply::json(200, &json!({"totalSize": n, "done": true, "records": []}))
        }
    };
    let records: Vec<Ordered> = rows
        .iter()
        .map(|row| ctx.record_json(o, row, Some(&fields)))
        .collect();
    page_out(ctx, records)
}

fn page_out(ctx: &Ctx, records: Vec<Ordered>) -> Reply {
    let batch = ctx.batch_size;
    if records.len() <= batch {
        return Reply::json(
            200,
            &Page {
                total_size: records.len(),
                done: true,
                next_records_url: None,
                records: &records,
            },
        );
    }
    let locator: String = std::iter::once("01g".to_string())
        .chain(std::iter::once(
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(15)
                .map(char::from)
                .collect::<String>(),
        ))
        .collect();
    let reply = Reply::json(
        200,
        &Page {
            total_size: records.len(),
            done: false,
            next_records_url: Some(format!(
                "/services/data/v{}.0/query/{locator}-{batch}",
                ctx.version
            )),
            records: &records[..batch],
        },
    );
    ctx.state
        .cursors
        .lock()
        .insert(locator, Cursor { records, batch });
    reply
}

/// `GET /query/{locator}-{offset}`.
pub fn more(ctx: &Ctx, locator: &str) -> Reply {
    let invalid = || SfError::new(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    let Some((loc, offset)) = locator.rsplit_once('-') else {
        return invalid().into();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid().into();
    };
    let Some(cursor) = ctx.state.cursors.lock().get(loc) else {
        return invalid().into();
    };
    let total = cursor.records.len();
    if offset >= total {
        return invalid().into();
    }
    let end = (offset + cursor.batch).min(total);
    let done = end >= total;
    Reply::json(
        200,
        &Page {
            total_size: total,
            done,
            next_records_url: (!done)
                .then(|| format!("/services/data/v{}.0/query/{loc}-{end}", ctx.version)),
            records: cursor.records.get(offset..end).unwrap_or(&[]),
        },
    )
}

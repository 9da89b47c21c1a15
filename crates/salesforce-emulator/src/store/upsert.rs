//! Upsert by external ID (REST API Developer Guide, "Insert or Update (Upsert) a Record Using
//! an External ID"): no live record matches the value → create one with it; one matches →
//! update it; several match (possible only for a non-unique external ID) → nothing changes and
//! the caller answers 300 with their URLs. Matching ignores letter case unless the field is
//! unique and case sensitive; Recycle Bin records never match (but a unique value they hold
//! still blocks the create, as for any insert).

use serde_json::Value;

use super::{DmlOptions, Store, Undo};
use crate::error::SfError;
use crate::schema::Schema;

/// A successful upsert: the record's id and whether it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upserted {
    pub id: String,
    pub created: bool,
}

/// Why an upsert changed nothing.
#[derive(Debug, Clone)]
pub enum UpsertError {
    /// A save error (validation, DUPLICATE_VALUE, …).
    Failed(SfError),
    /// More than one live record holds the value: their ids, in id order.
    Multiple(Vec<String>),
}

impl From<SfError> for UpsertError {
    fn from(e: SfError) -> Self {
        UpsertError::Failed(e)
    }
}

impl Store {
    /// Upserts `body` into object `obj` keyed by the external-ID field `field` (canonical
    /// name) holding `value` (`None`: a record without a key value, which always creates).
    /// On create the key value is written to the new record; on update the body is applied
    /// as a partial update.
    #[allow(clippy::too_many_arguments)]
    pub fn upsert(
        &mut self,
        schema: &Schema,
        obj: usize,
        field: &str,
        value: Option<&str>,
        body: &Value,
        opts: DmlOptions,
        undo: &mut Undo,
    ) -> Result<Upserted, UpsertError> {
        let f = schema
            .objects
            .get(obj)
            .and_then(|o| o.field(field))
            .ok_or_else(SfError::not_found)?;
        let matches = match value {
            Some(v) => self.find_by_key(obj, f, v),
            None => Vec::new(),
        };
        match matches.as_slice() {
            [] => {
                let mut body = body.clone();
                if let (Some(v), Value::Object(m)) = (value, &mut body) {
                    if !m.keys().any(|k| k.eq_ignore_ascii_case(&f.name)) {
                        m.insert(f.name.clone(), Value::String(v.to_string()));
                    }
                }
                let id = self.insert(schema, obj, &body, opts, undo)?;
                Ok(Upserted { id, created: true })
            }
            [id] => {
                self.update(schema, obj, id, body, opts, undo)?;
                Ok(Upserted {
                    id: id.clone(),
                    created: false,
                })
            }
            _ => Err(UpsertError::Multiple(matches)),
        }
    }
}

//! Unique and external-ID fields: an index of their values and the uniqueness check.
//!
//! Salesforce enforces a custom field's "Unique" attribute with a unique index: a save that
//! would give a second record the same non-null value fails with `DUPLICATE_VALUE` /
//! `duplicate value found: <field> duplicates value on record with id: <id>` (SOAP API
//! Developer Guide, "StatusCode"; the id is the 15-character form, as messages quoted in the
//! wild show, e.g. `… duplicates value on record with id: 5006g00000DklQA`). Values compare
//! without letter case unless the field is "case sensitive". Records in the Recycle Bin keep
//! their values in the index: Salesforce's Knowledge article 000385434 ("Duplicate value found
//! when building unique index") says records in the Recycle Bin count toward duplicate
//! checking, so a deleted record's value still blocks a new one until the bin is emptied.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::{is_deleted, Store};
use crate::error::SfError;
use crate::schema::{FieldDef, ObjectDef};
use crate::soql::Row;

/// (object index, field name) → value key → ids holding it (live and deleted).
#[derive(Debug, Default)]
pub(super) struct KeyIndex {
    map: HashMap<(usize, String), HashMap<String, BTreeSet<String>>>,
}

/// The text a key field holds in a row, if any (numbers stored as text count as text).
fn text_of<'r>(row: &'r Row, f: &FieldDef) -> Option<&'r str> {
    row.get(&f.name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl KeyIndex {
    pub(super) fn clear(&mut self) {
        self.map.clear();
    }

    pub(super) fn add(&mut self, obj: usize, o: &ObjectDef, id: &str, row: &Row) {
        for f in o.fields.iter().filter(|f| f.is_indexed()) {
            if let Some(v) = text_of(row, f) {
                self.map
                    .entry((obj, f.name.clone()))
                    .or_default()
                    .entry(f.key_of(v))
                    .or_default()
                    .insert(id.to_string());
            }
        }
    }

    pub(super) fn remove(&mut self, obj: usize, o: &ObjectDef, id: &str, row: &Row) {
        for f in o.fields.iter().filter(|f| f.is_indexed()) {
            let Some(v) = text_of(row, f) else { continue };
            let Some(values) = self.map.get_mut(&(obj, f.name.clone())) else {
                continue;
            };
            let key = f.key_of(v);
            if let Some(holders) = values.get_mut(&key) {
                holders.remove(id);
                if holders.is_empty() {
                    values.remove(&key);
                }
            }
        }
    }

    /// Ids (live and deleted, in id order) whose field `f` holds `value`.
    fn holders(&self, obj: usize, f: &FieldDef, value: &str) -> impl Iterator<Item = &String> {
        self.map
            .get(&(obj, f.name.clone()))
            .and_then(|values| values.get(&f.key_of(value)))
            .into_iter()
            .flatten()
    }
}

/// Salesforce's error for a value a unique field already holds elsewhere.
pub fn duplicate_value(field: &str, other_id: &str) -> SfError {
    let id15 = other_id.get(..15).unwrap_or(other_id);
    SfError::dml(
        "DUPLICATE_VALUE",
        format!("duplicate value found: {field} duplicates value on record with id: {id15}"),
        Vec::new(),
    )
}

impl Store {
    /// Refuses `row` if one of its unique fields holds a value another record of the object
    /// (Recycle Bin included) holds. Nulls never collide.
    pub(super) fn check_unique(
        &self,
        o: &ObjectDef,
        obj: usize,
        row: &Row,
        self_id: Option<&str>,
    ) -> Result<(), SfError> {
        for f in o.fields.iter().filter(|f| f.unique) {
            let Some(v) = text_of(row, f) else { continue };
            let other = self
                .keys
                .holders(obj, f, v)
                .find(|id| Some(id.as_str()) != self_id);
            if let Some(other) = other {
                return Err(duplicate_value(&f.name, other));
            }
        }
        Ok(())
    }

    /// The rows (in id order, deleted ones only if asked) whose key field `field` holds one of
    /// `values`, letter case ignored, found through the index: what a scan filtering on
    /// `field = value` (SOQL `=` ignores case) would keep. `None` when that needs the scan: the
    /// field is not indexed, or is case sensitive (its index would miss other letter cases), or
    /// a value is empty (the index holds no empty values).
    pub fn rows_by_key(
        &self,
        obj: usize,
        field: &str,
        values: &[&str],
        include_deleted: bool,
    ) -> Option<Vec<&Row>> {
        let f = self.schema.objects.get(obj)?.field(field)?;
        if !f.is_indexed() || f.case_sensitive || values.iter().any(|v| v.is_empty()) {
            return None;
        }
        let table = self.tables.get(obj)?;
        let ids: BTreeSet<&String> = values
            .iter()
            .flat_map(|v| self.keys.holders(obj, f, v))
            .collect();
        Some(
            ids.into_iter()
                .filter_map(|id| table.get(id))
                .filter(|r| include_deleted || !is_deleted(&r.row))
                .map(|r| &r.row)
                .collect(),
        )
    }

    /// Live records (in id order) whose external-ID field `f` matches `value`: what an upsert
    /// by that field updates. Deleted records never match.
    pub fn find_by_key(&self, obj: usize, f: &FieldDef, value: &str) -> Vec<String> {
        self.keys
            .holders(obj, f, value)
            .filter(|id| {
                self.tables
                    .get(obj)
                    .and_then(|t| t.get(*id))
                    .is_some_and(|r| !is_deleted(&r.row))
            })
            .cloned()
            .collect()
    }
}

//! The record store and DML: create, update, soft delete (here), validation in Salesforce's
//! terms (`validate`), unique and external-ID fields (`keys`), upsert by external ID
//! (`upsert`), Lead conversion and portal users (`convert`), and an undo log that lets
//! `allOrNone` calls roll back. The store also holds the org's current schema, which the
//! Tooling API extends (`add_field`), so a request sees one schema under one lock.

mod convert;
mod keys;
mod metadata;
mod upsert;
mod validate;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::SfError;
use crate::ids;
use crate::schema::{CustomSpec, ObjectDef, Schema, USER_ID};
use crate::soql::Row;

pub use convert::{Converted, LeadConvert};
pub use metadata::CONVERTED_STATUS;
pub use upsert::{UpsertError, Upserted};
use validate::parse_values;

/// A stored record: its canonical row plus state that no field shows.
#[derive(Debug, Clone)]
pub struct Record {
    pub row: Row,
    pub portal_user: bool,
}

/// Previous states of touched records, newest last, for rollback.
#[derive(Debug, Default)]
pub struct Undo(Vec<(usize, String, Option<Record>)>);

/// What an active duplicate rule does with a match, as configured in Setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateAction {
    /// "Allow" with an alert: the API refuses with DUPLICATES_DETECTED unless the call sends
    /// `Sforce-Duplicate-Rule-Header: allowSave=true`; `duplicateResult.allowSave` is true.
    Alert,
    /// "Block": refused whatever the header says; `duplicateResult.allowSave` is false.
    Block,
}

/// Per-call options that change DML behaviour.
#[derive(Debug, Clone, Copy)]
pub struct DmlOptions {
    /// `Sforce-Duplicate-Rule-Header: allowSave=true`.
    pub allow_save: bool,
    /// API version, for URLs in `duplicateResult`.
    pub version: u32,
}

#[derive(Debug)]
pub struct Store {
    /// The schema requests run against: the configured one plus Tooling API fields.
    schema: Arc<Schema>,
    /// The configured schema, which a reset restores.
    base_schema: Arc<Schema>,
    tables: Vec<BTreeMap<String, Record>>,
    /// Values of unique and external-ID fields, deleted records included.
    keys: keys::KeyIndex,
    last_stamp_ms: i64,
    /// Never reset, so an id from before a reset never names a new record.
    next_id: u64,
    /// The next Tooling API CustomField (`00N`) id; never reset either.
    next_field_id: u64,
    duplicate_rules: Vec<Option<DuplicateAction>>,
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// `2026-11-28T03:50:17.000+0000`.
pub fn format_stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

impl Store {
    pub fn new(schema: Schema) -> Self {
        let n = schema.objects.len();
        let schema = Arc::new(schema);
        let mut store = Self {
            base_schema: Arc::clone(&schema),
            schema,
            tables: (0..n).map(|_| BTreeMap::new()).collect(),
            keys: keys::KeyIndex::default(),
            last_stamp_ms: 0,
            next_id: 1,
            next_field_id: 1,
            duplicate_rules: vec![None; n],
        };
        store.seed_metadata();
        store
    }

    /// The schema as it stands (configured fields plus those the Tooling API added).
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// Drops every record, duplicate rule and Tooling API field (ids keep counting up).
    pub fn clear(&mut self) {
        for t in &mut self.tables {
            t.clear();
        }
        self.keys.clear();
        for d in &mut self.duplicate_rules {
            *d = None;
        }
        self.schema = Arc::clone(&self.base_schema);
        self.seed_metadata();
    }

    /// Adds a custom field (the Tooling API's `CustomField` create) and returns its `00N` id.
    /// Existing records get the field's default, as Salesforce fills a new checkbox's default
    /// into existing rows, or null. The caller has validated the definition.
    pub fn add_field(&mut self, mut spec: CustomSpec) -> String {
        let id = ids::make("00N", self.next_field_id);
        self.next_field_id += 1;
        spec.tooling_id = Some(id.clone());
        let object = spec.field.object.clone();
        let name = spec.field.name.clone();
        let schema = Arc::new(self.schema.adding(spec));
        if let Some(obj) = schema.object_index(&object) {
            let default = schema
                .objects
                .get(obj)
                .and_then(|o| o.field(&name))
                .and_then(|f| f.default.clone())
                .unwrap_or(Value::Null);
            if let Some(t) = self.tables.get_mut(obj) {
                for r in t.values_mut() {
                    r.row.insert(name.clone(), default.clone());
                }
            }
        }
        self.schema = schema;
        id
    }

    /// Activates (`Some`) or deactivates (`None`) the object's Email duplicate rule.
    pub fn set_duplicate_rule(&mut self, obj: usize, action: Option<DuplicateAction>) {
        if let Some(d) = self.duplicate_rules.get_mut(obj) {
            *d = action;
        }
    }

    /// All rows of an object, in id (creation) order; deleted ones only if asked.
    pub fn rows(&self, obj: usize, include_deleted: bool) -> impl Iterator<Item = &Row> {
        self.tables
            .get(obj)
            .into_iter()
            .flat_map(|t| t.values())
            .filter(move |r| include_deleted || !is_deleted(&r.row))
            .map(|r| &r.row)
    }

    /// A live record by id as given in a URL: a malformed id or one of another object is
    /// `NOT_FOUND`, a deleted one `ENTITY_IS_DELETED`.
    pub fn lookup(&self, schema: &Schema, obj: usize, id: &str) -> Result<&Record, SfError> {
        let (_, rec) = self.lookup_any(schema, obj, id)?;
        if is_deleted(&rec.row) {
            return Err(SfError::entity_is_deleted());
        }
        Ok(rec)
    }

    /// Like `lookup` but also returns deleted records, with the canonical id.
    pub fn lookup_any(
        &self,
        schema: &Schema,
        obj: usize,
        id: &str,
    ) -> Result<(String, &Record), SfError> {
        let o = schema.objects.get(obj).ok_or_else(SfError::not_found)?;
        let canon = ids::canonical(id).ok_or_else(SfError::not_found)?;
        if !canon.starts_with(o.key_prefix) {
            return Err(SfError::not_found());
        }
        let rec = self
            .tables
            .get(obj)
            .and_then(|t| t.get(&canon))
            .ok_or_else(SfError::not_found)?;
        Ok((canon, rec))
    }

    /// A strictly increasing modstamp at millisecond resolution.
    fn stamp(&mut self) -> String {
        let now = chrono::Utc::now().timestamp_millis();
        let ms = now.max(self.last_stamp_ms + 1);
        self.last_stamp_ms = ms;
        format_stamp(ms)
    }

    /// The one place records change: stores (`Some`) or removes (`None`) a record, keeps the
    /// key index in step, and returns the previous state.
    fn set(&mut self, obj: usize, id: &str, rec: Option<Record>) -> Option<Record> {
        let schema = Arc::clone(&self.schema);
        let o = schema.objects.get(obj)?;
        let t = self.tables.get_mut(obj)?;
        let prev = match rec {
            Some(r) => t.insert(id.to_string(), r),
            None => t.remove(id),
        };
        if let Some(p) = &prev {
            self.keys.remove(obj, o, id, &p.row);
        }
        if let Some(cur) = t.get(id) {
            self.keys.add(obj, o, id, &cur.row);
        }
        prev
    }

    fn put(&mut self, obj: usize, id: String, rec: Record, undo: &mut Undo) {
        let prev = self.set(obj, &id, Some(rec));
        undo.0.push((obj, id, prev));
    }

    /// Restores every record touched since `undo` was empty.
    pub fn rollback(&mut self, undo: Undo) {
        for (obj, id, prev) in undo.0.into_iter().rev() {
            self.set(obj, &id, prev);
        }
    }

    /// Creates a record from a JSON body; returns its id.
    pub fn insert(
        &mut self,
        schema: &Schema,
        obj: usize,
        body: &Value,
        opts: DmlOptions,
        undo: &mut Undo,
    ) -> Result<String, SfError> {
        let o = schema.objects.get(obj).ok_or_else(SfError::not_found)?;
        let values = parse_values(o, body, None)?;
        let mut row = Map::new();
        for f in &o.fields {
            row.insert(f.name.clone(), f.default.clone().unwrap_or(Value::Null));
        }
        row.insert("OwnerId".into(), s(USER_ID));
        row.insert("CreatedById".into(), s(USER_ID));
        row.insert("LastModifiedById".into(), s(USER_ID));
        self.apply_and_validate(schema, o, obj, &mut row, &values, None, opts)?;
        let id = ids::make(o.key_prefix, self.next_id);
        self.next_id += 1;
        let stamp = self.stamp();
        row.insert("Id".into(), s(&id));
        row.insert("CreatedDate".into(), s(&stamp));
        row.insert("LastModifiedDate".into(), s(&stamp));
        row.insert("SystemModstamp".into(), Value::String(stamp));
        compute_name(o, &mut row);
        self.put(
            obj,
            id.clone(),
            Record {
                row,
                portal_user: false,
            },
            undo,
        );
        Ok(id)
    }

    /// Partially updates a live record from a JSON body.
    pub fn update(
        &mut self,
        schema: &Schema,
        obj: usize,
        id: &str,
        body: &Value,
        opts: DmlOptions,
        undo: &mut Undo,
    ) -> Result<(), SfError> {
        let o = schema.objects.get(obj).ok_or_else(SfError::not_found)?;
        let (canon, rec) = self.lookup_any(schema, obj, id)?;
        if is_deleted(&rec.row) {
            return Err(SfError::entity_is_deleted());
        }
        if rec.row.get("IsConverted") == Some(&Value::Bool(true)) {
            return Err(SfError::dml(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                Vec::new(),
            ));
        }
        let values = parse_values(o, body, Some(&canon))?;
        let mut rec = rec.clone();
        self.apply_and_validate(schema, o, obj, &mut rec.row, &values, Some(&canon), opts)?;
        let stamp = self.stamp();
        rec.row.insert("LastModifiedDate".into(), s(&stamp));
        rec.row
            .insert("SystemModstamp".into(), Value::String(stamp));
        compute_name(o, &mut rec.row);
        self.put(obj, canon, rec, undo);
        Ok(())
    }

    /// Soft-deletes a live record (to the Recycle Bin); returns the canonical id. Deleting an
    /// Account deletes its Contacts, as Salesforce does.
    pub fn delete(
        &mut self,
        schema: &Schema,
        obj: usize,
        id: &str,
        undo: &mut Undo,
    ) -> Result<String, SfError> {
        let (canon, rec) = self.lookup_any(schema, obj, id)?;
        if is_deleted(&rec.row) {
            return Err(SfError::entity_is_deleted());
        }
        let mut victims = vec![(obj, canon.clone())];
        // A person's or a Campaign's memberships go with it.
        let member_field = match schema.objects.get(obj).map(|o| o.name) {
            Some("Contact") => Some("ContactId"),
            Some("Lead") => Some("LeadId"),
            Some("Campaign") => Some("CampaignId"),
            _ => None,
        };
        if let (Some(field), Some(mi)) = (member_field, schema.object_index("CampaignMember")) {
            let members: Vec<String> = self
                .rows(mi, false)
                .filter(|r| r.get(field).and_then(Value::as_str) == Some(canon.as_str()))
                .filter_map(|r| r.get("Id").and_then(Value::as_str).map(str::to_string))
                .collect();
            victims.extend(members.into_iter().map(|i| (mi, i)));
        }
        if schema.objects.get(obj).is_some_and(|o| o.name == "Account") {
            if let Some(ci) = schema.object_index("Contact") {
                let children = self
                    .rows(ci, false)
                    .filter(|r| r.get("AccountId").and_then(Value::as_str) == Some(canon.as_str()));
                victims.extend(children.filter_map(|r| {
                    r.get("Id")
                        .and_then(Value::as_str)
                        .map(|i| (ci, i.to_string()))
                }));
            }
        }
        for (vo, vid) in &victims {
            if let Some(r) = self.tables.get(*vo).and_then(|t| t.get(vid)) {
                if r.portal_user {
                    let name = r.row.get("Name").and_then(Value::as_str).unwrap_or("");
                    return Err(SfError::dml(
                        "DELETE_FAILED",
                        format!(
                            "Your attempt to delete {name} could not be completed because it is associated with the following portal users.: {name}\n"
                        ),
                        Vec::new(),
                    ));
                }
            }
        }
        for (vo, vid) in victims {
            let Some(mut r) = self.tables.get(vo).and_then(|t| t.get(&vid)).cloned() else {
                continue;
            };
            let stamp = self.stamp();
            r.row.insert("IsDeleted".into(), Value::Bool(true));
            r.row.insert("SystemModstamp".into(), Value::String(stamp));
            self.put(vo, vid, r, undo);
        }
        Ok(canon)
    }
}

pub fn is_deleted(row: &Row) -> bool {
    row.get("IsDeleted") == Some(&Value::Bool(true))
}

/// `Name` of a person object: First Middle Last Suffix.
/// A person's Name is computed from its parts (Contact, Lead); other objects' Name is written.
fn compute_name(o: &ObjectDef, row: &mut Row) {
    if !matches!(o.name, "Contact" | "Lead") {
        return;
    }
    let parts: Vec<&str> = ["FirstName", "MiddleName", "LastName", "Suffix"]
        .iter()
        .filter_map(|k| row.get(*k).and_then(Value::as_str))
        .filter(|p| !p.is_empty())
        .collect();
    let name = parts.join(" ");
    row.insert("Name".into(), Value::String(name));
}

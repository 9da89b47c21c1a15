//! The record store and DML: validation exactly in Salesforce's terms (REQUIRED_FIELD_MISSING,
//! STRING_TOO_LONG, INVALID_EMAIL_ADDRESS, restricted picklists, cross references, duplicate
//! rules, converted Leads, portal-user Contacts), soft delete, and an undo log that lets
//! `allOrNone` calls roll back.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::SfError;
use crate::ids;
use crate::schema::{FieldDef, ObjectDef, Schema, USER_ID};
use crate::soql::{FieldKind, Row};

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
    tables: Vec<BTreeMap<String, Record>>,
    last_stamp_ms: i64,
    /// Never reset, so an id from before a reset never names a new record.
    next_id: u64,
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

fn json_token(v: &Value) -> (&'static str, String) {
    match v {
        Value::Null => ("VALUE_NULL", "null".into()),
        Value::Bool(b) => (if *b { "VALUE_TRUE" } else { "VALUE_FALSE" }, b.to_string()),
        Value::Number(n) => (
            if n.is_f64() {
                "VALUE_NUMBER_FLOAT"
            } else {
                "VALUE_NUMBER_INT"
            },
            n.to_string(),
        ),
        Value::String(t) => ("VALUE_STRING", t.clone()),
        Value::Array(_) => ("START_ARRAY", "[".into()),
        Value::Object(_) => ("START_OBJECT", "{".into()),
    }
}

fn deserialize_error(target: &str, v: &Value) -> SfError {
    let (token, text) = json_token(v);
    SfError::json_parser(format!(
        "Cannot deserialize instance of {target} from {token} value {text} or request may be missing a required field"
    ))
}

/// Salesforce's email check, approximately: one `@`, a non-empty local part of permitted
/// characters and a dotted domain.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|t| t.len() >= 2);
    local_ok && domain_ok
}

impl Store {
    pub fn new(schema: &Schema) -> Self {
        let n = schema.objects.len();
        Self {
            tables: (0..n).map(|_| BTreeMap::new()).collect(),
            last_stamp_ms: 0,
            next_id: 1,
            duplicate_rules: vec![None; n],
        }
    }

    /// Drops every record and duplicate rule (ids keep counting up).
    pub fn clear(&mut self) {
        for t in &mut self.tables {
            t.clear();
        }
        for d in &mut self.duplicate_rules {
            *d = None;
        }
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

    fn put(&mut self, obj: usize, id: String, rec: Record, undo: &mut Undo) {
        if let Some(t) = self.tables.get_mut(obj) {
            let prev = t.insert(id.clone(), rec);
            undo.0.push((obj, id, prev));
        }
    }

    /// Restores every record touched since `undo` was empty.
    pub fn rollback(&mut self, undo: Undo) {
        for (obj, id, prev) in undo.0.into_iter().rev() {
            if let Some(t) = self.tables.get_mut(obj) {
                match prev {
                    Some(r) => {
                        t.insert(id, r);
                    }
                    None => {
                        t.remove(&id);
                    }
                }
            }
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

    /// Marks a Contact as linked to an enabled portal user (it then refuses deletion).
    pub fn set_portal_user(&mut self, schema: &Schema, id: &str) -> Result<String, SfError> {
        let obj = schema
            .object_index("Contact")
            .ok_or_else(SfError::not_found)?;
        self.lookup(schema, obj, id)?;
        let canon = ids::canonical(id).unwrap_or_default();
        if let Some(r) = self.tables.get_mut(obj).and_then(|t| t.get_mut(&canon)) {
            r.portal_user = true;
        }
        Ok(canon)
    }

    /// Converts a Lead as Salesforce's `convertLead` does: a new Account (named after Company)
    /// and a new Contact; the Lead becomes read-only. Returns (contactId, accountId).
    pub fn convert_lead(&mut self, schema: &Schema, id: &str) -> Result<(String, String), SfError> {
        let lead_i = schema.object_index("Lead").ok_or_else(SfError::not_found)?;
        let contact_i = schema
            .object_index("Contact")
            .ok_or_else(SfError::not_found)?;
        let account_i = schema
            .object_index("Account")
            .ok_or_else(SfError::not_found)?;
        let lead = self.lookup(schema, lead_i, id)?.row.clone();
        if lead.get("IsConverted") == Some(&Value::Bool(true)) {
            return Err(SfError::dml(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                Vec::new(),
            ));
        }
        let get = |k: &str| lead.get(k).cloned().unwrap_or(Value::Null);
        let opts = DmlOptions {
            allow_save: true,
            version: 0,
        };
        let mut undo = Undo::default();
        let account = json!({"Name": get("Company")});
        let account_id = self.insert(schema, account_i, &account, opts, &mut undo)?;
        let mut contact = Map::new();
        for k in [
            "FirstName",
            "MiddleName",
            "LastName",
            "Suffix",
            "Title",
            "Email",
            "Phone",
            "MobilePhone",
            "Fax",
            "LeadSource",
            "HasOptedOutOfEmail",
            "DoNotCall",
            "Description",
        ] {
            contact.insert(k.to_string(), get(k));
        }
        for (from, to) in [
            ("Street", "MailingStreet"),
            ("City", "MailingCity"),
            ("State", "MailingState"),
            ("PostalCode", "MailingPostalCode"),
            ("Country", "MailingCountry"),
        ] {
            contact.insert(to.to_string(), get(from));
        }
        contact.insert("AccountId".into(), s(&account_id));
        let contact_id =
            match self.insert(schema, contact_i, &Value::Object(contact), opts, &mut undo) {
                Ok(c) => c,
                Err(e) => {
                    self.rollback(undo);
                    return Err(e);
                }
            };
        let canon = ids::canonical(id).unwrap_or_default();
        let stamp = self.stamp();
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        if let Some(r) = self.tables.get_mut(lead_i).and_then(|t| t.get_mut(&canon)) {
            r.row.insert("IsConverted".into(), Value::Bool(true));
            r.row.insert("ConvertedContactId".into(), s(&contact_id));
            r.row.insert("ConvertedAccountId".into(), s(&account_id));
            r.row.insert("ConvertedDate".into(), Value::String(today));
            r.row.insert("Status".into(), s("Closed - Converted"));
            r.row.insert("LastModifiedDate".into(), s(&stamp));
            r.row.insert("SystemModstamp".into(), Value::String(stamp));
        }
        Ok((contact_id, account_id))
    }

    /// Applies parsed values to `row` and runs Salesforce's save-time validation.
    #[allow(clippy::too_many_arguments)]
    fn apply_and_validate(
        &self,
        schema: &Schema,
        o: &ObjectDef,
        obj: usize,
        row: &mut Row,
        values: &[(&FieldDef, Value)],
        self_id: Option<&str>,
        opts: DmlOptions,
    ) -> Result<(), SfError> {
        let inserting = self_id.is_none();
        for (f, v) in values {
            if let Value::String(text) = v {
                if f.length > 0 && text.chars().count() > f.length {
                    return Err(SfError::dml(
                        "STRING_TOO_LONG",
                        format!(
                            "{}: data value too large: {} (max length={})",
                            f.label, text, f.length
                        ),
                        vec![f.name.clone()],
                    ));
                }
                if f.kind == FieldKind::Email && !valid_email(text) {
                    return Err(SfError::dml(
                        "INVALID_EMAIL_ADDRESS",
                        format!("{}: invalid email address: {}", f.label, text),
                        vec![f.name.clone()],
                    ));
                }
            }
            if f.restricted_picklist {
                let ok = v
                    .as_str()
                    .is_some_and(|t| f.picklist.iter().any(|p| p == t));
                if !ok {
                    let shown = v.as_str().unwrap_or("");
                    return Err(SfError::dml(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        format!(
                            "{}: bad value for restricted picklist field: {}",
                            f.label, shown
                        ),
                        vec![f.name.clone()],
                    ));
                }
            }
        }
        for (f, v) in values {
            let v = match (f.kind, v) {
                (FieldKind::Boolean, Value::Null) => Value::Bool(false),
                (_, v) => v.clone(),
            };
            row.insert(f.name.clone(), v);
        }
        // Required fields: absent on insert, or explicitly nulled.
        let missing: Vec<String> = o
            .fields
            .iter()
            .filter(|f| {
                f.required
                    || (f.createable
                        && !f.nillable
                        && f.kind != FieldKind::Boolean
                        && !f.restricted_picklist)
            })
            .filter(|f| row.get(&f.name).is_none_or(Value::is_null))
            .map(|f| f.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(SfError::dml(
                "REQUIRED_FIELD_MISSING",
                format!("Required fields are missing: [{}]", missing.join(", ")),
                missing,
            ));
        }
        for (f, v) in values {
            let Some(text) = v.as_str() else { continue };
            if f.kind != FieldKind::Reference {
                continue;
            }
            let canon = self.check_reference(schema, f, text)?;
            row.insert(f.name.clone(), Value::String(canon));
        }
        // Duplicate rule on Email (standard rules match Contacts and Leads by email).
        let email_in_body = values.iter().any(|(f, _)| f.name == "Email");
        let rule = self.duplicate_rules.get(obj).copied().flatten();
        // allowSave only acknowledges an alert; a blocking rule refuses regardless.
        let bypassed = rule == Some(DuplicateAction::Alert) && opts.allow_save;
        if let (Some(action), false, true) = (rule, bypassed, inserting || email_in_body) {
            if let Some(email) = row.get("Email").and_then(Value::as_str) {
                let hit = self.rows(obj, false).find(|r| {
                    r.get("Email")
                        .and_then(Value::as_str)
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
                        && r.get("Id").and_then(Value::as_str) != self_id
                });
                if let Some(hit) = hit {
                    let hit_id = hit.get("Id").and_then(Value::as_str).unwrap_or("");
                    return Err(duplicates_detected(o.name, hit_id, action, opts.version));
                }
            }
        }
        Ok(())
    }

    fn check_reference(
        &self,
        schema: &Schema,
        f: &FieldDef,
        text: &str,
    ) -> Result<String, SfError> {
        let incorrect = |code| {
            SfError::dml(
                code,
                format!("{}: id value of incorrect type: {}", f.label, text),
                vec![f.name.clone()],
            )
        };
        let canon = ids::canonical(text).ok_or_else(|| incorrect("MALFORMED_ID"))?;
        let target = f.reference_to.first().copied().unwrap_or("");
        if target == "User" {
            return if canon == USER_ID {
                Ok(canon)
            } else if canon.starts_with("005") {
                Err(SfError::dml(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                    vec![f.name.clone()],
                ))
            } else {
                Err(incorrect("FIELD_INTEGRITY_EXCEPTION"))
            };
        }
        let ti = schema
            .object_index(target)
            .ok_or_else(|| incorrect("FIELD_INTEGRITY_EXCEPTION"))?;
        let prefix = schema.objects.get(ti).map_or("", |t| t.key_prefix);
        if !canon.starts_with(prefix) {
            return Err(incorrect("FIELD_INTEGRITY_EXCEPTION"));
        }
        match self.tables.get(ti).and_then(|t| t.get(&canon)) {
            None => Err(SfError::dml(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                vec![f.name.clone()],
            )),
            Some(r) if is_deleted(&r.row) => Err(SfError::dml(
                "ENTITY_IS_DELETED",
                "entity is deleted",
                vec![f.name.clone()],
            )),
            Some(_) => Ok(canon),
        }
    }
}

pub fn is_deleted(row: &Row) -> bool {
    row.get("IsDeleted") == Some(&Value::Bool(true))
}

fn duplicates_detected(
    object: &str,
    hit_id: &str,
    action: DuplicateAction,
    version: u32,
) -> SfError {
    let message =
        "You're creating a duplicate record. We recommend you use an existing record instead.";
    let version = if version == 0 { 60 } else { version };
    let result = json!({
        "allowSave": action == DuplicateAction::Alert,
        "duplicateRule": format!("Standard_{object}_Duplicate_Rule"),
        "duplicateRuleEntityType": object,
        "errorMessage": message,
        "matchResults": [{
            "entityType": object,
            "errors": [],
            "matchEngine": "ExactMatchEngine",
            "matchRecords": [{
                "additionalInformation": [],
                "fieldDiffs": [],
                "matchConfidence": 100.0,
                "record": {
                    "attributes": {"type": object,
                        "url": format!("/services/data/v{version}.0/sobjects/{object}/{hit_id}")},
                    "Id": hit_id,
                },
            }],
            "rule": format!("Standard_{object}_Match_Rule_v1_1"),
            "size": 1,
            "success": true,
        }],
    });
    SfError {
        status: 400,
        code: "DUPLICATES_DETECTED",
        message: message.to_string(),
        fields: Some(Vec::new()),
        extra: Some(Box::new(("duplicateResult", result))),
    }
}

/// `Name` of a person object: First Middle Last Suffix.
fn compute_name(o: &ObjectDef, row: &mut Row) {
    if o.name == "Account" {
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

/// Deserialises a request body into (field, value) pairs, as Salesforce's JSON reader does:
/// unknown fields → INVALID_FIELD, wrong JSON types → JSON_PARSER_ERROR, then read-only fields →
/// INVALID_FIELD_FOR_INSERT_UPDATE. Empty strings are nulls, as in Salesforce.
fn parse_values<'o>(
    o: &'o ObjectDef,
    body: &Value,
    update_id: Option<&str>,
) -> Result<Vec<(&'o FieldDef, Value)>, SfError> {
    let Value::Object(map) = body else {
        return Err(deserialize_error(o.name, body));
    };
    let mut out = Vec::with_capacity(map.len());
    let mut read_only = Vec::new();
    for (k, v) in map {
        if k == "attributes" {
            continue;
        }
        let f = o.field(k).ok_or_else(|| {
            SfError::new(
                400,
                "INVALID_FIELD",
                format!("No such column '{k}' on sobject of type {}", o.name),
            )
        })?;
        if f.name == "Id" {
            match update_id {
                None => {
                    return Err(SfError::dml(
                        "INVALID_FIELD",
                        "Record ID: cannot specify Id in an insert call",
                        vec!["Id".into()],
                    ))
                }
                Some(id) => {
                    let same = v.as_str().and_then(ids::canonical).is_some_and(|c| c == id);
                    if !same {
                        return Err(SfError::new(
                            400,
                            "INVALID_FIELD",
                            "The Id field should not be specified in the sobject data.",
                        ));
                    }
                    continue;
                }
            }
        }
        let value = match (f.kind, v) {
            (FieldKind::Boolean, Value::Bool(_) | Value::Null) => v.clone(),
            (FieldKind::Boolean, _) => return Err(deserialize_error("boolean", v)),
            (FieldKind::Double | FieldKind::Int, Value::Number(_) | Value::Null) => v.clone(),
            (FieldKind::Double | FieldKind::Int, _) => return Err(deserialize_error("double", v)),
            (_, Value::String(t)) if t.is_empty() => Value::Null,
            (_, Value::String(_) | Value::Null) => v.clone(),
            (_, Value::Number(n)) => Value::String(n.to_string()),
            (_, Value::Bool(b)) => Value::String(b.to_string()),
            (_, Value::Array(_) | Value::Object(_)) => {
                return Err(deserialize_error("java.lang.String", v))
            }
        };
        let writable = if update_id.is_some() {
            f.updateable
        } else {
            f.createable
        };
        if !writable {
            read_only.push(f.name.clone());
        }
        out.push((f, value));
    }
    if !read_only.is_empty() {
        return Err(SfError::dml(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                read_only.join(", ")
            ),
            read_only,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_like_salesforce_does() {
        assert!(valid_email("ada@x.com"));
        assert!(valid_email("o'brien+tag@mail.example.org"));
        assert!(!valid_email("x"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("a b@x.com"));
    }
}

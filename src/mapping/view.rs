//! The mapped attributes of one person, and the conversions between SCIM JSON, that view, and
//! Salesforce field values.
//!
//! Salesforce is the only store, so a SCIM User is always rebuilt from a record: attributes the
//! mapping does not cover are accepted on input and never stored (RFC 7643 §2: a service
//! provider may ignore attributes it does not support), and they never appear on output.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{DisableConfig, MappingRow, SObject, Schema, ScimAttr, Shape};
use crate::salesforce::soql::FieldName;
use crate::salesforce::Record;
use crate::scim::error::ScimError;
use crate::scim::urn;
use crate::scim::values::coerce_bool;

/// One connection's complete mapping: the object, its key field, the rows and what "disabled"
/// writes.
///
/// The key field (a custom text field marked External ID and Unique) holds `userName`: the
/// first row is always `userName` → key ([`MappingRow::key`]), and a connection's people are
/// exactly the records whose key is set.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub object: SObject,
    pub key: FieldName,
    pub rows: Vec<MappingRow>,
    pub disable: Option<DisableConfig>,
}

/// The mapped attributes of one person: scalar values keyed by attribute, plus `active`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    pub values: BTreeMap<ScimAttr, Value>,
    /// `None` when the input did not say (a PUT without `active` leaves it as it is).
    pub active: Option<bool>,
    /// The attributes a PATCH changed. When several rows feed one field, a changed one wins
    /// over mapping order (Entra renames `userName` alone on a UPN change).
    pub touched: std::collections::BTreeSet<ScimAttr>,
}

impl View {
    pub fn get(&self, attr: &ScimAttr) -> Option<&Value> {
        self.values.get(attr)
    }

    /// Sets or (with `None`) clears a value; empty strings clear, as Salesforce stores no "".
    pub fn set(&mut self, attr: &ScimAttr, value: Option<Value>) {
        match value {
            Some(Value::String(s)) if s.is_empty() => {
                self.values.remove(attr);
            }
            Some(Value::Null) | None => {
                self.values.remove(attr);
            }
            Some(v) => {
                self.values.insert(attr.clone(), v);
            }
        }
    }
}

use crate::scim::values::get_ci;

/// Converts a SCIM value to the scalar a Salesforce field takes; `None` means "no value".
fn scalar(attr: &ScimAttr, v: &Value) -> Result<Option<Value>, ScimError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(_) | Value::Bool(_) => Ok(Some(v.clone())),
        // OneLogin templates and hand-written bodies send phone numbers and ids as numbers.
        Value::Number(n) => Ok(Some(Value::String(n.to_string()))),
        // Entra sends `manager` either as a plain string or as {"value": …}.
        Value::Object(o) if attr.sub == Some("value") => match get_ci(o, "value") {
            Some(inner) => scalar(attr, inner),
            None => Ok(None),
        },
        _ => Err(ScimError::invalid_value(format!(
            "'{attr}' must be a single value (a string, number or boolean), not {}",
            kind_of(v)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
        _ => "this value",
    }
}

impl Mapping {
    /// The built-in mapping of an object: [`super::default_rows`] and the object's usual
    /// disable field.
    pub fn defaults(object: SObject) -> Mapping {
        Mapping::new(
            object,
            FieldName::from_static(super::DEFAULT_KEY_FIELD),
            super::default_rows(object),
            Some(DisableConfig::default_for(object)),
        )
    }

    /// A mapping whose key field holds `userName`, ahead of `rows`.
    pub fn new(
        object: SObject,
        key: FieldName,
        rows: Vec<MappingRow>,
        disable: Option<DisableConfig>,
    ) -> Mapping {
        let mut all = vec![MappingRow::key(key.clone())];
        all.extend(rows);
        Mapping {
            object,
            key,
            rows: all,
            disable,
        }
    }

    /// The userName a view holds (the key row's attribute), when it has a non-blank one.
    pub fn user_name<'v>(&self, view: &'v View) -> Option<&'v str> {
        self.rows
            .first()
            .and_then(|key| view.get(&key.attr))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// The first required attribute that had a value in `before` and has none in `after`:
    /// userName (the key), or every attribute feeding a field Salesforce requires and no
    /// default fills (LastName). RFC 7644 §3.5.2.2 refuses removing such an attribute.
    pub fn required_removed(&self, before: &View, after: &View) -> Option<String> {
        let lost = |rows: &[&MappingRow]| {
            rows.iter().any(|r| before.get(&r.attr).is_some())
                && rows.iter().all(|r| after.get(&r.attr).is_none())
        };
        let mut groups: Vec<Vec<&MappingRow>> =
            self.rows.first().map(|k| vec![k]).into_iter().collect();
        for field in self.fields() {
            if self.object.is_required(field.as_str()) && !self.has_default(&field) {
                groups.push(self.readable_rows().filter(|r| r.field == field).collect());
            }
        }
        groups
            .iter()
            .find(|rows| !rows.is_empty() && lost(rows))
            .map(|rows| {
                rows.iter()
                    .map(|r| r.attr.to_string())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
    }

    /// The rows that read and filter an attribute (fallback rows only write).
    pub fn readable_rows(&self) -> impl Iterator<Item = &MappingRow> + '_ {
        self.rows.iter().filter(|r| !r.fallback)
    }

    /// Rows whose attribute is `schema:name` (any type, any sub-attribute), fallback rows left
    /// out (they only write).
    pub fn rows_of(&self, schema: Schema, name: &str) -> impl Iterator<Item = &MappingRow> + '_ {
        let name = name.to_string();
        self.readable_rows()
            .filter(move |r| r.attr.schema == schema && r.attr.name.eq_ignore_ascii_case(&name))
    }

    /// The distinct `type` values mapped for a multi-valued attribute, in row order; the first
    /// is the one rendered as `primary` and the one an untyped value goes to.
    pub fn types_of(&self, schema: Schema, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.rows_of(schema, name) {
            if let Some(t) = &r.attr.type_value {
                if !out.contains(t) {
                    out.push(t.clone());
                }
            }
        }
        out
    }

    /// The first mapped `type` of a multi-valued attribute that `view` has a value for.
    fn first_type_with_value<'m>(
        &'m self,
        view: &View,
        schema: Schema,
        name: &str,
    ) -> Option<&'m str> {
        self.rows_of(schema, name)
            .find(|r| view.get(&r.attr).is_some())
            .and_then(|r| r.attr.type_value.as_deref())
    }

    /// The distinct Salesforce fields the mapping writes or reads, in row order.
    pub fn fields(&self) -> Vec<FieldName> {
        let mut out: Vec<FieldName> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.field) {
                out.push(r.field.clone());
            }
        }
        if let Some(d) = &self.disable {
            if !out.contains(&d.field) {
                out.push(d.field.clone());
            }
        }
        out
    }

    /// Reads a view from a SCIM User body (POST, PUT, or the value of a PATCH on a
    /// multi-valued attribute).
    pub fn view_from_scim(&self, user: &Value) -> Result<View, ScimError> {
        let obj = user.as_object().ok_or_else(|| {
            ScimError::invalid_syntax("the request body must be a JSON object (a SCIM User)")
        })?;
        let mut view = View::default();
        let enterprise = get_ci(obj, urn::ENTERPRISE_USER_SCHEMA).and_then(Value::as_object);
        for row in &self.rows {
            let attr = &row.attr;
            let container = match attr.schema {
                Schema::Core => Some(obj),
                Schema::Enterprise => enterprise,
            };
            let Some(container) = container else { continue };
            let Some(raw) = get_ci(container, attr.name) else {
                continue;
            };
            let value = match attr.shape() {
                Shape::Simple => scalar(attr, raw)?,
                Shape::Complex => match raw {
                    Value::Object(o) => match attr.sub.and_then(|s| get_ci(o, s)) {
                        Some(v) => scalar(attr, v)?,
                        None => None,
                    },
                    Value::Null => None,
                    // `manager: "id"` (Entra) is the manager's value.
                    other if attr.sub == Some("value") => scalar(attr, other)?,
                    other => {
                        return Err(ScimError::invalid_value(format!(
                            "'{}' must be an object, not {}",
                            attr.name,
                            kind_of(other)
                        )))
                    }
                },
                Shape::MultiValued => {
                    let element = self.pick_element(attr, raw)?;
                    match element.and_then(|e| attr.sub.and_then(|s| get_ci(e, s))) {
                        Some(v) => scalar(attr, v)?,
                        None => None,
                    }
                }
            };
            view.set(attr, value);
        }
        if let Some(raw) = get_ci(obj, "active") {
            if !raw.is_null() {
                view.active = Some(coerce_bool(raw).ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "'active' must be true or false (or the strings \"True\"/\"False\"), not {raw}"
                    ))
                })?);
            }
        }
        Ok(view)
    }

    /// Chooses the element of a multi-valued attribute that `attr`'s row reads: the one whose
    /// `type` matches; an untyped list (curl users, some templates) feeds the first mapped type
    /// from its `primary` element, or else its first element.
    pub fn pick_element<'a>(
        &self,
        attr: &ScimAttr,
        raw: &'a Value,
    ) -> Result<Option<&'a Map<String, Value>>, ScimError> {
        let elements: Vec<&Map<String, Value>> = match raw {
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_object().ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "every element of '{}' must be an object like {{\"value\": …, \"type\": \"work\"}}",
                            attr.name
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
            Value::Object(o) => vec![o],
            Value::Null => return Ok(None),
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "'{}' must be a list of objects",
                    attr.name
                )))
            }
        };
        let type_of = |e: &Map<String, Value>| {
            get_ci(e, "type")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
        };
        if let Some(wanted) = &attr.type_value {
            if let Some(e) = elements
                .iter()
                .find(|e| type_of(e).as_deref() == Some(wanted))
            {
                return Ok(Some(e));
            }
        }
        // Only a list without any `type` feeds the first mapped type: a typed element of a
        // type the mapping does not name (a home email) must never become the work email.
        let types = self.types_of(attr.schema, attr.name);
        let any_typed = elements.iter().any(|e| type_of(e).is_some());
        if any_typed || types.first() != attr.type_value.as_ref() {
            return Ok(None);
        }
        let primary = elements
            .iter()
            .find(|e| get_ci(e, "primary").and_then(coerce_bool) == Some(true));
        Ok(primary.or(elements.first()).copied())
    }

    /// Reads a view from a Salesforce record.
    pub fn view_from_record(&self, record: &Record) -> View {
        let mut view = View::default();
        for row in self.readable_rows() {
            // A field holding its row's default (Lead Company "[not provided]") is a
            // placeholder Salesforce needs, not a value the IdP sent: it reads as absent.
            let value = get_ci(record, row.field.as_str())
                .filter(|v| row.default.as_ref() != Some(*v))
                .cloned();
            view.set(&row.attr, value);
        }
        view.active = Some(self.is_active(record));
        view
    }

    /// Whether a record counts as active: anything but the configured disabled value.
    pub fn is_active(&self, record: &Record) -> bool {
        let Some(d) = &self.disable else { return true };
        match get_ci(record, d.field.as_str()) {
            Some(v) => !same_value(v, &d.disabled_value),
            None => !d.disabled_value.is_null(),
        }
    }

    /// The SCIM attributes (without `id` and `meta`) for a view.
    pub fn render(&self, view: &View) -> Map<String, Value> {
        let mut out = Map::new();
        let mut enterprise = Map::new();
        // Attributes appear in RFC 7643 order (userName before name before emails), whatever
        // the order of the mapping rows (which decides precedence, not layout).
        let mut rows: Vec<&MappingRow> = self.readable_rows().collect();
        rows.sort_by_key(|r| super::known_index(r.attr.schema, r.attr.name));
        for row in rows {
            let attr = &row.attr;
            let Some(value) = view.get(attr) else {
                continue;
            };
            let target = match attr.schema {
                Schema::Core => &mut out,
                Schema::Enterprise => &mut enterprise,
            };
            match (attr.shape(), attr.sub) {
                (Shape::Simple, _) | (_, None) => {
                    target.entry(attr.name).or_insert_with(|| value.clone());
                }
                (Shape::Complex, Some(sub)) => {
                    if let Value::Object(o) = target
                        .entry(attr.name)
                        .or_insert_with(|| Value::Object(Map::new()))
                    {
                        o.entry(sub).or_insert_with(|| value.clone());
                    }
                }
                (Shape::MultiValued, Some(sub)) => {
                    let type_value = attr.type_value.clone().unwrap_or_default();
                    // `primary` (RFC 7643 §2.4) goes to the first mapped type that has a
                    // value: with only a fax number, the fax number is the primary one.
                    let primary = self.first_type_with_value(view, attr.schema, attr.name)
                        == Some(type_value.as_str());
                    if let Value::Array(items) = target
                        .entry(attr.name)
                        .or_insert_with(|| Value::Array(Vec::new()))
                    {
                        let pos = items.iter().position(|i| {
                            i.get("type").and_then(Value::as_str) == Some(type_value.as_str())
                        });
                        let idx = match pos {
                            Some(i) => i,
                            None => {
                                let mut element = Map::new();
                                element.insert("type".into(), Value::String(type_value.clone()));
                                if primary {
                                    element.insert("primary".into(), Value::Bool(true));
                                }
                                items.push(Value::Object(element));
                                items.len() - 1
                            }
                        };
                        if let Some(Value::Object(e)) = items.get_mut(idx) {
                            e.entry(sub).or_insert_with(|| value.clone());
                        }
                    }
                }
            }
        }
        if !enterprise.is_empty() {
            out.insert(
                urn::ENTERPRISE_USER_SCHEMA.into(),
                Value::Object(enterprise),
            );
        }
        out.insert("active".into(), Value::Bool(view.active.unwrap_or(true)));
        out
    }

    /// Salesforce fields for a create: every row (update flag or not), then defaults, then the
    /// enable/disable field.
    pub fn fields_for_create(&self, view: &View) -> Record {
        let mut out = Record::new();
        for field in self.fields() {
            let rows = self.writing_rows(&field);
            if rows.is_empty() {
                continue;
            }
            let value = value_of(&rows, view, false)
                .or_else(|| rows.iter().find_map(|r| r.default.clone()));
            if let Some(v) = value {
                out.insert(field.as_str().to_string(), v);
            }
        }
        if let (Some(d), Some(active)) = (&self.disable, view.active) {
            out.insert(d.field.as_str().to_string(), self.active_value(d, active));
        } else if let Some(d) = &self.disable {
            out.entry(d.field.as_str().to_string())
                .or_insert_with(|| d.enabled_value.clone());
        }
        out
    }

    /// The rows that write `field` (read-only rows never do).
    fn writing_rows(&self, field: &FieldName) -> Vec<&MappingRow> {
        self.rows
            .iter()
            .filter(|r| r.writes() && r.field == *field)
            .collect()
    }

    fn active_value(&self, d: &DisableConfig, active: bool) -> Value {
        if active {
            d.enabled_value.clone()
        } else {
            d.disabled_value.clone()
        }
    }

    /// The Salesforce changes that bring `current` in line with `view`, for rows whose update
    /// flag is ticked. A field no updatable row has a value for is cleared, except fields
    /// Salesforce requires (they cannot be blank) and fields a create-only row still feeds.
    /// Fields the mapping does not name are never touched. With `clear_missing` false (linking
    /// an existing record on create), missing values leave fields as they are.
    pub fn changes_for_update(&self, view: &View, current: &Record, clear_missing: bool) -> Record {
        let mut out = Record::new();
        for field in self.fields() {
            let rows = self.writing_rows(&field);
            if rows.is_empty() || !rows.iter().any(|r| r.update) {
                continue;
            }
            let old = get_ci(current, field.as_str())
                .cloned()
                .unwrap_or(Value::Null);
            // Several rows may feed one field (`userName` and the work email both feed Email):
            // the one a PATCH changed wins, else the first row in mapping order. Never "whichever
            // differs from Salesforce", which would flip the field on every identical PUT.
            // Fallback rows feed a create only: an update follows the attributes themselves, so
            // removing `emails` clears Email even when userName is an address.
            let updatable: Vec<&MappingRow> = rows
                .iter()
                .copied()
                .filter(|r| r.update && !r.fallback)
                .collect();
            let value = value_of(&updatable, view, true);
            let new = match value {
                Some(v) => v,
                None => {
                    let create_only_has_value = rows
                        .iter()
                        .any(|r| !r.update && view.get(&r.attr).is_some());
                    let default = rows.iter().find_map(|r| r.default.clone());
                    let removed = rows.iter().any(|r| view.touched.contains(&r.attr));
                    match default {
                        // Removed by a PATCH, a field with a default gets it back (Lead
                        // Company); merely absent from a PUT, a required one is kept.
                        Some(d) if clear_missing && removed && !create_only_has_value => d,
                        _ if !clear_missing
                            || self.object.is_required(field.as_str())
                            || create_only_has_value =>
                        {
                            continue
                        }
                        _ => Value::Null,
                    }
                }
            };
            if !same_value(&old, &new) {
                out.insert(field.as_str().to_string(), new);
            }
        }
        self.active_change(view, current, &mut out);
        out
    }

    /// Required fields (LastName, Lead Company) that a PUT or PATCH left without a value: they
    /// keep their value, since Salesforce cannot blank them; the answer says so. Each entry
    /// names the SCIM attribute(s) and the field.
    pub fn required_kept(&self, view: &View, current: &Record) -> Vec<String> {
        let mut out = Vec::new();
        for field in self.fields() {
            if !self.object.is_required(field.as_str()) {
                continue;
            }
            let rows: Vec<&MappingRow> = self
                .rows
                .iter()
                .filter(|r| r.update && r.field == field)
                .collect();
            let had_value = get_ci(current, field.as_str()).is_some_and(|v| !v.is_null());
            // A PATCH that removed it put the row's default back instead (not kept).
            let removed = rows.iter().any(|r| view.touched.contains(&r.attr));
            if removed && self.has_default(&field) {
                continue;
            }
            if had_value && !rows.is_empty() && rows.iter().all(|r| view.get(&r.attr).is_none()) {
                let attrs: Vec<String> = rows.iter().map(|r| r.attr.to_string()).collect();
                out.push(format!("{} ({})", attrs.join(" / "), field.as_str()));
            }
        }
        out
    }

    /// Attributes the request gave a value for that are written on create only (the connector's
    /// unticked Update flag) and that the field will not hold after `changes` are written:
    /// Salesforce keeps its value, and the answer says so. (When an updatable row feeds the
    /// same field with that value, nothing was ignored.)
    pub fn create_only_ignored(
        &self,
        view: &View,
        current: &Record,
        changes: &Record,
    ) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| !r.update && r.writes())
            .filter(|r| {
                view.get(&r.attr).is_some_and(|v| {
                    let after = get_ci(changes, r.field.as_str())
                        .or_else(|| get_ci(current, r.field.as_str()))
                        .cloned()
                        .unwrap_or(Value::Null);
                    !same_value(&after, v)
                })
            })
            .map(|r| r.attr.to_string())
            .collect()
    }

    /// Adds the enable/disable write when `view.active` differs from the record.
    pub fn active_change(&self, view: &View, current: &Record, out: &mut Record) {
        if let (Some(d), Some(active)) = (&self.disable, view.active) {
            if active != self.is_active(current) {
                out.insert(d.field.as_str().to_string(), self.active_value(d, active));
            }
        }
    }
}

/// The value `rows` (all feeding one field) give it from `view`: a row the PATCH changed wins
/// when `touched_first`, else the first row in mapping order with a value; fallback rows only
/// when no other row has a value, and only with a value they accept.
fn value_of(rows: &[&MappingRow], view: &View, touched_first: bool) -> Option<Value> {
    let regular = || rows.iter().filter(|r| !r.fallback);
    let touched = regular().filter(|r| touched_first && view.touched.contains(&r.attr));
    touched
        .chain(regular())
        .find_map(|r| view.get(&r.attr).cloned())
        .or_else(|| {
            rows.iter()
                .filter(|r| r.fallback)
                .find_map(|r| view.get(&r.attr).filter(|v| r.accepts(v)).cloned())
        })
}

/// Equality as Salesforce would see it: exact for strings (a case change is a change), with
/// numbers compared by value and null equal to a missing value.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::String(s), Value::Null) | (Value::Null, Value::String(s)) => s.is_empty(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contact() -> Mapping {
        Mapping::defaults(SObject::Contact)
    }

    #[test]
    fn an_okta_create_body_becomes_salesforce_fields_without_the_password() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"primary": true, "value": "ada@example.com", "type": "work"}],
            "phoneNumbers": [{"value": "+44 1", "type": "mobile"}],
            "password": "hunter2",
            "active": true
        });
        let m = contact();
        let fields = m.fields_for_create(&m.view_from_scim(&body).unwrap());
        assert_eq!(fields["Email"], "ada@example.com");
        assert_eq!(fields["FirstName"], "Ada");
        assert_eq!(fields["LastName"], "Lovelace");
        assert_eq!(fields["MobilePhone"], "+44 1");
        assert_eq!(fields["Active__c"], true);
        assert!(!serde_json::to_string(&fields).unwrap().contains("hunter2"));
    }

    #[test]
    fn an_untyped_email_feeds_the_work_email_row() {
        let m = contact();
        let view = m
            .view_from_scim(&json!({"userName": "x@y.z", "emails": [{"value": "a@b.c"}]}))
            .unwrap();
        assert_eq!(m.fields_for_create(&view)["Email"], "a@b.c");
    }

    #[test]
    fn a_home_email_never_becomes_the_work_email() {
        let m = contact();
        let view = m
            .view_from_scim(&json!({
                "userName": "ada@corp.example.com",
                "emails": [{"type": "home", "value": "ada.personal@gmail.com"}],
                "phoneNumbers": [{"type": "home", "value": "+1 555 0100"}]
            }))
            .unwrap();
        let fields = m.fields_for_create(&view);
        assert_eq!(fields["Email"], "ada@corp.example.com");
        assert!(fields.get("Phone").is_none(), "{fields:?}");
    }

    #[test]
    fn a_record_renders_as_a_scim_user_with_a_primary_work_email() {
        let m = contact();
        let record: Record = serde_json::from_value(json!({
            "Id": "003000000000001AAA", "Email": "ada@example.com", "FirstName": "Ada",
            "SCIM_Key__c": "ada@example.com",
            "LastName": "Lovelace", "Department": "R&D", "Active__c": false, "Phone": null
        }))
        .unwrap();
        let out = Value::Object(m.render(&m.view_from_record(&record)));
        assert_eq!(out["userName"], "ada@example.com");
        assert_eq!(out["name"]["givenName"], "Ada");
        assert_eq!(
            out["emails"],
            json!([{"type": "work", "primary": true, "value": "ada@example.com"}])
        );
        assert_eq!(out[urn::ENTERPRISE_USER_SCHEMA]["department"], "R&D");
        assert_eq!(out["active"], false);
        assert!(out.get("phoneNumbers").is_none());
    }

    #[test]
    fn an_update_touches_only_changed_fields_and_never_blanks_last_name() {
        let m = contact();
        let current: Record = serde_json::from_value(json!({
            "Email": "ada@example.com", "FirstName": "Ada", "LastName": "Lovelace",
            "Title": "Countess", "Active__c": true, "SCIM_Key__c": "ada@example.com"
        }))
        .unwrap();
        let view = m
            .view_from_scim(
                &json!({"userName": "ada@example.com", "name": {"givenName": "Augusta"}}),
            )
            .unwrap();
        let changes = m.changes_for_update(&view, &current, true);
        // No `emails`: Email is cleared (userName is the key; it feeds Email on create only).
        assert_eq!(
            Value::Object(changes),
            json!({"Email": null, "FirstName": "Augusta", "Title": null})
        );
    }

    #[test]
    fn a_missing_last_name_is_kept_and_reported() {
        let m = contact();
        let current: Record =
            serde_json::from_value(json!({"Email": "a@b.c", "LastName": "Lovelace"})).unwrap();
        let view = m.view_from_scim(&json!({"userName": "a@b.c"})).unwrap();
        assert!(m
            .changes_for_update(&view, &current, true)
            .get("LastName")
            .is_none());
        assert_eq!(
            m.required_kept(&view, &current),
            vec!["name.familyName (LastName)".to_string()]
        );
    }

    #[test]
    fn a_create_only_row_is_not_reported_when_an_updatable_row_wrote_its_value() {
        let m = Mapping::new(
            SObject::Contact,
            FieldName::from_static("SCIM_Key__c"),
            vec![
                MappingRow::new("emails[type eq \"work\"].value", "Email", Some(true), None)
                    .unwrap(),
                MappingRow::new("nickName", "Email", Some(false), None).unwrap(),
                MappingRow::new("title", "Title", Some(false), None).unwrap(),
                MappingRow::new("name.familyName", "LastName", Some(true), None).unwrap(),
            ],
            None,
        );
        let current: Record =
            serde_json::from_value(json!({"Email": "a@x.com", "Title": "CTO", "LastName": "L"}))
                .unwrap();
        let view = m
            .view_from_scim(
                &json!({"nickName": "b@x.com", "emails": [{"value": "b@x.com"}],
                                     "title": "CEO", "name": {"familyName": "L"}}),
            )
            .unwrap();
        let changes = m.changes_for_update(&view, &current, true);
        assert_eq!(changes.get("Email"), Some(&json!("b@x.com")));
        assert_eq!(
            m.create_only_ignored(&view, &current, &changes),
            vec!["title"]
        );
    }

    #[test]
    fn active_as_a_string_is_accepted_and_bad_values_are_refused() {
        let m = contact();
        let v = m.view_from_scim(&json!({"active": "False"})).unwrap();
        assert_eq!(v.active, Some(false));
        let err = m.view_from_scim(&json!({"active": "maybe"})).unwrap_err();
        assert_eq!(err.status, 400);
    }

    #[test]
    fn entra_manager_as_a_plain_string_or_object_is_read() {
        let mut m = contact();
        m.rows.push(
            MappingRow::new(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                "ReportsToId",
                Some(true),
                None,
            )
            .unwrap(),
        );
        for manager in [
            json!("003000000000009AAA"),
            json!({"value": "003000000000009AAA"}),
        ] {
            let body = json!({ urn::ENTERPRISE_USER_SCHEMA: {"manager": manager} });
            let f = m.fields_for_create(&m.view_from_scim(&body).unwrap());
            assert_eq!(f["ReportsToId"], "003000000000009AAA");
        }
    }
}

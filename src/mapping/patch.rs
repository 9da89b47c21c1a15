//! Applying SCIM PATCH operations (RFC 7644 §3.5.2) to a person's mapped attributes.
//!
//! The SCIM layer has already normalised the request (case-insensitive `op`, path-less and
//! complex values split into one operation per attribute); here each operation lands on the
//! mapping rows it addresses. Operations on attributes the connection does not map are accepted
//! and have no effect: Entra and Okta send attributes an admin never mapped, and refusing them
//! would fail every update.

use serde_json::{Map, Value};

use super::view::{Mapping, View};
use super::{known_attribute, schema_of_urn, Schema, ScimAttr, Shape};
use crate::scim::error::ScimError;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::patch::{PatchOpKind, PatchOperation};
use crate::scim::values::get_ci;
use crate::scim::values::{coerce_bool, compare_value};

impl Mapping {
    /// Applies operations in order, as RFC 7644 §3.5.2 requires (all or nothing: the caller
    /// writes to Salesforce only after every operation applied).
    pub fn apply_patch(&self, view: &mut View, ops: &[PatchOperation]) -> Result<(), ScimError> {
        let before = view.values.clone();
        for op in ops {
            self.apply_one(view, op)?;
        }
        for row in &self.rows {
            if before.get(&row.attr) != view.values.get(&row.attr) {
                view.touched.insert(row.attr.clone());
            }
        }
        Ok(())
    }

    fn apply_one(&self, view: &mut View, op: &PatchOperation) -> Result<(), ScimError> {
        let Some(path) = &op.path else {
            return Err(ScimError::no_target(
                "this operation has no path and its value is not an object of attributes",
            ));
        };
        if path.is_schema() {
            // `remove` of a whole schema: every mapped attribute of it (the core schema holds
            // userName, which is required: the caller refuses that removal).
            let schema = schema_of_urn(path.urn.as_deref().map(|u| {
                if crate::scim::urn::is_enterprise(u) {
                    crate::scim::urn::ENTERPRISE_USER_SCHEMA
                } else {
                    crate::scim::urn::USER_SCHEMA
                }
            }));
            let rows: Vec<ScimAttr> = self
                .readable_rows()
                .filter(|r| Some(r.attr.schema) == schema)
                .map(|r| r.attr.clone())
                .collect();
            return clear(view, rows.iter());
        }
        let Some(schema) = schema_of_urn(path.urn.as_deref()) else {
            return Ok(()); // another extension: nothing of it is mapped
        };
        let value = op.value.as_ref();
        let removing = op.op == PatchOpKind::Remove;
        if schema == Schema::Core && path.attr.eq_ignore_ascii_case("active") {
            if removing {
                // Every record is enabled or disabled; `/Schemas` publishes `active` as
                // required, so removing it is refused (RFC 7644 §3.5.2.2).
                return Err(ScimError::mutability(
                    "'active' always has a value (the record is enabled or disabled) and cannot be removed (RFC 7644 §3.5.2.2); replace it with true or false",
                ));
            }
            let v = value.ok_or_else(|| ScimError::invalid_value("'active' needs a value"))?;
            view.active = Some(coerce_bool(v).ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "'active' must be true or false (or \"True\"/\"False\"), not {v}"
                ))
            })?);
            return Ok(());
        }
        let Some((name, shape, _)) = known_attribute(schema, &path.attr) else {
            return Ok(());
        };
        let rows: Vec<ScimAttr> = self.rows_of(schema, name).map(|r| r.attr.clone()).collect();
        if rows.is_empty() {
            return Ok(());
        }
        let sub = path.sub_attr.as_deref();
        match shape {
            Shape::Simple => set_rows(view, rows.iter(), value, removing),
            Shape::Complex => match (sub, value) {
                (Some(s), _) => {
                    set_rows(view, rows.iter().filter(|a| sub_is(a, s)), value, removing)
                }
                (None, _) if removing => clear(view, rows.iter()),
                (None, Some(Value::Object(o))) => set_from_object(view, &rows, o),
                // Entra's `manager` as a plain string is the manager's value.
                (None, v) => set_rows(view, rows.iter().filter(|a| sub_is(a, "value")), v, false),
            },
            Shape::MultiValued => {
                let types = self.types_of(schema, name);
                match (&path.filter, sub) {
                    (Some(f), _) => {
                        let selected: Vec<&String> = types
                            .iter()
                            .enumerate()
                            .filter(|(i, t)| element_matches(view, &rows, t, *i == 0, f))
                            .map(|(_, t)| t)
                            .collect();
                        let in_selected = |a: &&ScimAttr| {
                            a.type_value.as_ref().is_some_and(|t| selected.contains(&t))
                        };
                        match (sub, value) {
                            (Some(s), v) => set_rows(
                                view,
                                rows.iter().filter(in_selected).filter(|a| sub_is(a, s)),
                                v,
                                removing,
                            ),
                            (None, _) if removing => clear(view, rows.iter().filter(in_selected)),
                            (None, Some(Value::Object(o))) => {
                                let chosen: Vec<ScimAttr> =
                                    rows.iter().filter(in_selected).cloned().collect();
                                set_from_object(view, &chosen, o)
                            }
                            (None, _) => Err(ScimError::invalid_value(format!(
                                "a value for '{name}[…]' must be an object such as {{\"value\": …}}"
                            ))),
                        }
                    }
                    // `emails.value` without a filter: the primary (first mapped) type.
                    (None, Some(s)) if !removing => {
                        let first = types.first();
                        set_rows(
                            view,
                            rows.iter()
                                .filter(|a| a.type_value.as_ref() == first && sub_is(a, s)),
                            value,
                            false,
                        )
                    }
                    (None, Some(s)) => {
                        set_rows(view, rows.iter().filter(|a| sub_is(a, s)), None, true)
                    }
                    (None, None) if removing => clear(view, rows.iter()),
                    (None, None) => {
                        let v = value.ok_or_else(|| {
                            ScimError::invalid_value(format!("'{name}' needs a value"))
                        })?;
                        // Replace swaps the whole list; add merges by type (§3.5.2.1, §3.5.2.3).
                        let mut next = view.clone();
                        if op.op == PatchOpKind::Replace {
                            clear(&mut next, rows.iter())?;
                        }
                        for attr in &rows {
                            let element = self.pick_element(attr, v)?;
                            if let Some(e) = element {
                                let picked = attr.sub.and_then(|s| get_ci(e, s)).cloned();
                                if picked.is_some() {
                                    next.set(attr, scalar_of(attr, picked.as_ref())?);
                                }
                            }
                        }
                        *view = next;
                        Ok(())
                    }
                }
            }
        }
    }
}

fn sub_is(a: &ScimAttr, s: &str) -> bool {
    a.sub.is_some_and(|x| x.eq_ignore_ascii_case(s))
}

fn clear<'a>(view: &mut View, rows: impl Iterator<Item = &'a ScimAttr>) -> Result<(), ScimError> {
    for a in rows {
        view.set(a, None);
    }
    Ok(())
}

fn scalar_of(attr: &ScimAttr, v: Option<&Value>) -> Result<Option<Value>, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(_) | Value::Bool(_)) => Ok(v.cloned()),
        Some(Value::Number(n)) => Ok(Some(Value::String(n.to_string()))),
        Some(Value::Object(o)) if attr.sub == Some("value") => scalar_of(attr, get_ci(o, "value")),
        Some(other) => Err(ScimError::invalid_value(format!(
            "'{attr}' takes a single value, not {other}"
        ))),
    }
}

fn set_rows<'a>(
    view: &mut View,
    rows: impl Iterator<Item = &'a ScimAttr>,
    value: Option<&Value>,
    removing: bool,
) -> Result<(), ScimError> {
    for a in rows {
        if removing {
            view.set(a, None);
        } else {
            let v =
                value.ok_or_else(|| ScimError::invalid_value(format!("'{a}' needs a value")))?;
            view.set(a, scalar_of(a, Some(v))?);
        }
    }
    Ok(())
}

/// `{"givenName": "A", "familyName": "B"}` on `name`: sub-attributes given are replaced, the
/// others are left unchanged (RFC 7644 §3.5.2.3).
fn set_from_object(
    view: &mut View,
    rows: &[ScimAttr],
    o: &Map<String, Value>,
) -> Result<(), ScimError> {
    for (key, v) in o {
        for a in rows.iter().filter(|a| sub_is(a, key)) {
            view.set(a, scalar_of(a, Some(v))?);
        }
    }
    Ok(())
}

/// Whether the element of `type_value` (as the view holds it) satisfies a value filter.
fn element_matches(
    view: &View,
    rows: &[ScimAttr],
    type_value: &str,
    primary: bool,
    f: &Filter,
) -> bool {
    match f {
        Filter::And(a, b) => {
            element_matches(view, rows, type_value, primary, a)
                && element_matches(view, rows, type_value, primary, b)
        }
        Filter::Or(a, b) => {
            element_matches(view, rows, type_value, primary, a)
                || element_matches(view, rows, type_value, primary, b)
        }
        Filter::Not(a) => !element_matches(view, rows, type_value, primary, a),
        Filter::ValuePath { .. } => false,
        Filter::Present(attr) | Filter::Compare { attr, .. } => {
            let name = attr.name.to_ascii_lowercase();
            let actual = match name.as_str() {
                "type" => Some(Value::String(type_value.to_string())),
                "primary" => Some(Value::Bool(primary)),
                _ => rows
                    .iter()
                    .find(|a| a.type_value.as_deref() == Some(type_value) && sub_is(a, &attr.name))
                    .and_then(|a| view.get(a).cloned()),
            };
            match (f, actual) {
                (Filter::Present(_), a) => a.is_some(),
                (Filter::Compare { op, value, .. }, Some(a)) => compare_value(&a, *op, value),
                (Filter::Compare { op, value, .. }, None) => {
                    *op == CompareOp::Eq && matches!(value, CompValue::Null)
                }
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::SObject;
    use crate::salesforce::Record;
    use crate::scim::patch::parse_patch;
    use serde_json::json;

    fn contact() -> Mapping {
        Mapping::defaults(SObject::Contact)
    }

    fn current() -> Record {
        serde_json::from_value(json!({
            "Id": "003000000000001AAA", "Email": "ada@example.com", "FirstName": "Ada",
            "LastName": "Lovelace", "MobilePhone": "+44 1", "Active__c": true
        }))
        .unwrap()
    }

    fn changes(body: Value) -> Value {
        let m = contact();
        let mut view = m.view_from_record(&current());
        m.apply_patch(&mut view, &parse_patch(&body).unwrap())
            .unwrap();
        Value::Object(m.changes_for_update(&view, &current(), true))
    }

    fn ops(list: Value) -> Value {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list})
    }

    #[test]
    fn entras_capitalised_replace_on_the_work_email_changes_email() {
        let c = changes(ops(
            json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"}]),
        ));
        assert_eq!(c, json!({"Email": "new@example.com"}));
    }

    #[test]
    fn entras_string_false_disables() {
        let c = changes(ops(
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        ));
        assert_eq!(c, json!({"Active__c": false}));
    }

    #[test]
    fn a_pathless_replace_with_dotted_keys_sets_each_attribute() {
        let c = changes(ops(
            json!([{"op": "replace", "value": {"name.givenName": "Augusta", "active": false}}]),
        ));
        assert_eq!(c, json!({"FirstName": "Augusta", "Active__c": false}));
    }

    #[test]
    fn removing_the_mobile_phone_clears_it_in_salesforce() {
        let c = changes(ops(
            json!([{"op": "remove", "path": "phoneNumbers[type eq \"mobile\"]"}]),
        ));
        assert_eq!(c, json!({"MobilePhone": null}));
    }

    #[test]
    fn unmapped_attributes_are_accepted_and_change_nothing() {
        let c = changes(ops(json!([
            {"op": "add", "path": "nickName", "value": "Ada"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "someone"}
        ])));
        assert_eq!(c, json!({}));
    }

    #[test]
    fn replacing_the_email_list_clears_types_not_given() {
        let c = changes(ops(
            json!([{"op": "replace", "path": "phoneNumbers", "value": [{"type": "work", "value": "+1 555"}]}]),
        ));
        assert_eq!(c, json!({"Phone": "+1 555", "MobilePhone": null}));
    }
}

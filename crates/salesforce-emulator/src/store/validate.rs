//! Save-time validation in Salesforce's terms: the JSON reader (INVALID_FIELD,
//! JSON_PARSER_ERROR, INVALID_FIELD_FOR_INSERT_UPDATE), then STRING_TOO_LONG,
//! INVALID_EMAIL_ADDRESS, restricted picklists, REQUIRED_FIELD_MISSING, references, unique
//! fields (DUPLICATE_VALUE) and duplicate rules (DUPLICATES_DETECTED).

use serde_json::{json, Value};

use super::{is_deleted, DmlOptions, DuplicateAction, Store};
use crate::error::SfError;
use crate::ids;
use crate::schema::{FieldDef, ObjectDef, Schema, USER_ID};
use crate::soql::{FieldKind, Row};

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
    /// Applies parsed values to `row` and runs Salesforce's save-time validation.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply_and_validate(
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
        if o.name == "CampaignMember" && inserting {
            self.check_membership(obj, row)?;
        }
        // Unique fields last: the database's unique index refuses the row when it is written.
        self.check_unique(o, obj, row, self_id)
    }

    /// A CampaignMember names exactly one person (`ContactId` or `LeadId`), who is in the
    /// Campaign only once ("Already a campaign member.").
    fn check_membership(&self, obj: usize, row: &Row) -> Result<(), SfError> {
        let text = |k: &str| row.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let (field, person) = match (text("ContactId"), text("LeadId")) {
            (Some(c), None) => ("ContactId", c),
            (None, Some(l)) => ("LeadId", l),
            (None, None) => {
                return Err(SfError::dml(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [ContactId, LeadId]",
                    vec!["ContactId".to_string(), "LeadId".to_string()],
                ))
            }
            (Some(_), Some(_)) => {
                return Err(SfError::dml(
                    "FIELD_INTEGRITY_EXCEPTION",
                    "a campaign member is either a Contact or a Lead, not both",
                    vec!["ContactId".to_string(), "LeadId".to_string()],
                ))
            }
        };
        let campaign = text("CampaignId");
        let same = |r: &&Row| {
            r.get("CampaignId").and_then(Value::as_str) == campaign
                && r.get(field).and_then(Value::as_str) == Some(person)
        };
        // Through the person's index (a lookup field), not a scan of every membership: adding
        // n members stays linear.
        let taken = match self.rows_by_key(obj, field, &[person], false) {
            Some(rows) => rows.iter().any(same),
            None => self.rows(obj, false).any(|r| same(&r)),
        };
        if taken {
            return Err(SfError::dml(
                "DUPLICATE_VALUE",
                "Already a campaign member.",
                Vec::new(),
            ));
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

/// Deserialises a request body into (field, value) pairs, as Salesforce's JSON reader does:
/// unknown fields → INVALID_FIELD, wrong JSON types → JSON_PARSER_ERROR, then read-only fields →
/// INVALID_FIELD_FOR_INSERT_UPDATE. Empty strings are nulls, as in Salesforce.
pub(super) fn parse_values<'o>(
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

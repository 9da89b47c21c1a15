//! Tooling API: `POST /services/data/vNN.0/tooling/sobjects/CustomField`, creating a custom
//! Text or Checkbox field (Tooling API Developer Guide, "CustomField"; the `Metadata` body is
//! the Metadata API's CustomField type). Answers 201
//! `{"id":"00N…","success":true,"errors":[],"warnings":[],"infos":[]}`; the field is in
//! describe, SOQL and every record (its default, or null) from the next request on.
//!
//! Validation messages follow the Metadata API's where known (`Must specify 'length' for a
//! CustomField of type Text`, `Can not specify 'length' for a CustomField of type Checkbox`);
//! the README lists those that are approximations.

use serde_json::{json, Map, Value};

use super::Reply;
use crate::config::{CustomField, CustomFieldKind};
use crate::error::SfError;
use crate::schema::CustomSpec;
use crate::store::Store;

/// The Metadata API's FieldType values: anything else is not a type at all.
const FIELD_TYPES: &[&str] = &[
    "AutoNumber",
    "Lookup",
    "MasterDetail",
    "MetadataRelationship",
    "Checkbox",
    "Currency",
    "Date",
    "DateTime",
    "Email",
    "EncryptedText",
    "ExternalLookup",
    "IndirectLookup",
    "Number",
    "Percent",
    "Phone",
    "Picklist",
    "MultiselectPicklist",
    "Summary",
    "Text",
    "TextArea",
    "LongTextArea",
    "Url",
    "Hierarchy",
    "File",
    "Html",
    "Location",
    "Time",
];

/// CustomField metadata properties the emulator reads or tolerates (and ignores).
const METADATA_KEYS: &[&str] = &[
    "fullName",
    "label",
    "type",
    "length",
    "externalId",
    "unique",
    "caseSensitive",
    "defaultValue",
    "required",
    "description",
    "inlineHelpText",
    "trackHistory",
    "trackFeedHistory",
    "trackTrending",
    "securityClassification",
    "complianceGroup",
    "businessStatus",
];

fn integrity(message: impl Into<String>) -> SfError {
    SfError::dml("FIELD_INTEGRITY_EXCEPTION", message, Vec::new())
}

fn not_emulated(what: &str) -> SfError {
    integrity(format!(
        "salesforce-emulator: {what} is not emulated (Text and Checkbox fields without required)"
    ))
}

fn bool_prop(meta: &Map<String, Value>, key: &str) -> Result<bool, SfError> {
    match meta.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(SfError::json_parser(format!(
            "Cannot deserialize instance of boolean from {} value {other} or request may be missing a required field",
            if other.is_string() { "VALUE_STRING" } else { "a non-boolean" }
        ))),
    }
}

/// A developer name as Setup accepts it: a letter first, letters, digits and single
/// underscores, no trailing underscore, at most 40 characters.
fn valid_developer_name(n: &str) -> bool {
    n.len() <= 40
        && n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.ends_with('_')
        && !n.contains("__")
}

/// The `{"FullName","Metadata"}` body as a field definition and its label.
fn parse(body: &Value, store: &Store) -> Result<(CustomField, String), SfError> {
    let Value::Object(top) = body else {
        return Err(SfError::json_parser(
            "Cannot deserialize instance of CustomField from a non-object value",
        ));
    };
    let mut full_name = None;
    let mut meta = None;
    for (k, v) in top {
        if k.eq_ignore_ascii_case("FullName") {
            full_name = v.as_str().map(str::to_string);
        } else if k.eq_ignore_ascii_case("Metadata") {
            meta = Some(v);
        } else if k != "attributes" {
            return Err(SfError::new(
                400,
                "INVALID_FIELD",
                format!("No such column '{k}' on sobject of type CustomField"),
            ));
        }
    }
    let meta = match meta {
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(SfError::json_parser(
                "Cannot deserialize instance of CustomField from a non-object value",
            ))
        }
        None => {
            return Err(SfError::dml(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [Metadata]",
                vec!["Metadata".into()],
            ))
        }
    };
    if let Some(k) = meta.keys().find(|k| !METADATA_KEYS.contains(&k.as_str())) {
        return Err(SfError::json_parser(format!(
            "Unrecognized field \"{k}\" (class com.sforce.soap._2006._04.metadata.CustomField), not marked as ignorable"
        )));
    }
    let full_name = full_name
        .or_else(|| {
            meta.get("fullName")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .ok_or_else(|| {
            SfError::dml(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [FullName]",
                vec!["FullName".into()],
            )
        })?;
    let (object, name) = full_name
        .split_once('.')
        .filter(|(o, n)| !o.is_empty() && !n.contains('.'))
        .ok_or_else(|| {
            integrity(format!(
                "Invalid fullName {full_name}: must be of the form ObjectName.FieldName__c"
            ))
        })?;
    let schema = store.schema();
    let o = schema
        .object_index(object)
        .and_then(|i| schema.objects.get(i))
        .ok_or_else(|| {
            integrity(format!(
                "In field: fullName - no CustomObject named {object} found"
            ))
        })?;
    let Some(_) = name.strip_suffix("__c").filter(|d| valid_developer_name(d)) else {
        return Err(integrity(
            "The Field Name field can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores, and end with __c.",
        ));
    };
    if let Some(existing) = o.field(name) {
        let existing = existing.name.trim_end_matches("__c");
        return Err(SfError::dml(
            "DUPLICATE_DEVELOPER_NAME",
            format!("There is already a field named {existing} on {}.", o.name),
            Vec::new(),
        ));
    }
    let label = meta
        .get("label")
        .and_then(Value::as_str)
        .filter(|l| !l.trim().is_empty())
        .ok_or_else(|| integrity("Must specify a non-empty label for the CustomField"))?;
    let kind = kind(meta)?;
    let field = CustomField {
        object: o.name.to_string(),
        name: name.to_string(),
        kind,
    };
    Ok((field, label.to_string()))
}

/// The field type and its attributes.
fn kind(meta: &Map<String, Value>) -> Result<CustomFieldKind, SfError> {
    let ty = match meta.get("type") {
        None | Some(Value::Null) => {
            return Err(integrity("Must specify a type for the CustomField"))
        }
        Some(Value::String(t)) => t.as_str(),
        Some(other) => {
            return Err(SfError::json_parser(format!(
                "Cannot deserialize instance of FieldType from value {other}"
            )))
        }
    };
    if !FIELD_TYPES.contains(&ty) {
        return Err(SfError::json_parser(format!(
            "Cannot deserialize instance of FieldType from VALUE_STRING value {ty} or request may be missing a required field"
        )));
    }
    if bool_prop(meta, "required")? {
        return Err(not_emulated("a required custom field"));
    }
    let external_id = bool_prop(meta, "externalId")?;
    let unique = bool_prop(meta, "unique")?;
    let case_sensitive = bool_prop(meta, "caseSensitive")?;
    let length = meta.get("length").filter(|v| !v.is_null());
    let default = meta.get("defaultValue").filter(|v| !v.is_null());
    match ty {
        "Text" => {
            let length = length
                .ok_or_else(|| integrity("Must specify 'length' for a CustomField of type Text"))?
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| (1..=255).contains(n))
                .ok_or_else(|| integrity("Length: the length of a Text field must be 1 to 255"))?;
            if default.is_some() {
                return Err(not_emulated("a defaultValue formula on a Text field"));
            }
            Ok(if external_id || unique {
                CustomFieldKind::KeyText {
                    length,
                    external_id,
                    unique,
                    case_sensitive: unique && case_sensitive,
                }
            } else {
                CustomFieldKind::Text { length }
            })
        }
        "Checkbox" => {
            for (set, prop) in [
                (length.is_some(), "length"),
                (external_id, "externalId"),
                (unique, "unique"),
            ] {
                if set {
                    return Err(integrity(format!(
                        "Can not specify '{prop}' for a CustomField of type Checkbox"
                    )));
                }
            }
            // The Metadata API gives a checkbox's default as a formula: `true` or `false`.
            let default = match default {
                None => {
                    return Err(integrity(
                        "Must specify 'defaultValue' for a CustomField of type Checkbox",
                    ))
                }
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
                Some(other) => {
                    return Err(integrity(format!(
                        "The default value of a Checkbox must be true or false, not {other}"
                    )))
                }
            };
            Ok(CustomFieldKind::Checkbox { default })
        }
        other => Err(not_emulated(&format!("field type {other}"))),
    }
}

/// `POST /tooling/sobjects/CustomField`.
pub fn create_field(store: &mut Store, body: &[u8]) -> Reply {
    let value = match super::parse_body(body) {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    match parse(&value, store) {
        Ok((field, label)) => {
            let id = store.add_field(CustomSpec {
                field,
                label: Some(label),
                tooling_id: None,
            });
            Reply::json(
                201,
                &json!({"id": id, "success": true, "errors": [], "warnings": [], "infos": []}),
            )
        }
        Err(e) => e.into(),
    }
}

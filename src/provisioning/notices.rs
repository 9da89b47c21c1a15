//! The texts of the notices an answer carries (`X-Scim-Bridge-Notice`): what a policy toggle
//! stopped, what a write did that the resource alone cannot show. One function per notice, so
//! each wording lives in one place. Notices never quote a person's data (they are logged).

use serde_json::Value;

use crate::salesforce::{FieldName, Record, SObject};
use crate::scim::values::get_ci;

pub fn linked(object: SObject, id: &str, match_field: &FieldName) -> String {
    format!("linked to the existing {object} {id}, which has the same {match_field}")
}

pub fn promoted(lead: &str, contact: &str) -> String {
    format!("promoted: the Lead {lead} was converted into Contact {contact}")
}

pub fn created_active(object: SObject) -> String {
    format!(
        "disabling is turned off (policy.allow_disable = false): the {object} was created active"
    )
}

pub fn create_only_kept(attrs: &[String]) -> String {
    format!(
        "{} {} written on create only (update = false in the mapping): Salesforce's value was kept",
        attrs.join(", "),
        if attrs.len() == 1 { "is" } else { "are" }
    )
}

pub fn cleared(fields: &[&str]) -> String {
    format!(
        "cleared in Salesforce (no value in the request): {}",
        fields.join(", ")
    )
}

pub fn required_kept(kept: &[String]) -> String {
    format!(
        "Salesforce requires {}: the request left it without a value, so it was kept",
        kept.join(", ")
    )
}

pub fn updates_off(fields: &[String]) -> String {
    format!(
        "updates are turned off (policy.allow_update = false): {} left unchanged",
        fields.join(", ")
    )
}

pub fn active_change_off() -> String {
    "enabling and disabling are turned off (policy.allow_disable = false): active left as it is"
        .to_string()
}

/// A converted Lead, naming the Contact it became.
pub fn converted(record: &Record) -> String {
    let contact = get_ci(record, "ConvertedContactId")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    format!(
        "this Lead was converted to Contact {contact}; Salesforce keeps converted Leads read-only, so nothing was changed"
    )
}

pub fn deprovision_off(subject: &str) -> String {
    format!("deprovisioning is turned off (policy.allow_deprovision = false): {subject} was left unchanged")
}

pub fn delete_off(subject: &str) -> String {
    format!("deleting is turned off (policy.allow_delete = false): {subject} was left unchanged")
}

pub fn disable_off(subject: &str) -> String {
    format!("disabling is turned off (policy.allow_disable = false): {subject} was left unchanged")
}

pub fn disabled_instead_of_deleted(subject: &str, code: &str) -> String {
    format!("Salesforce refused to delete {subject} ({code}); it was disabled instead")
}

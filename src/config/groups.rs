//! `[connections.<name>.groups]`: SCIM Groups as Campaigns (see `mapping::group`). The table
//! turns them on (`enabled = false` turns them off again); every key has a default:
//!
//! ```toml
//! [connections.contacts.groups]
//! owner = "contacts"                          # prefixes each Campaign key; keys memberships
//! key_field = "SCIM_Key__c"                   # Campaign: unique External ID text
//! external_id_field = "SCIM_External_Id__c"   # Campaign; "" keeps no externalId
//! member_key_field = "SCIM_Key__c"            # CampaignMember: text
//! on_delete = "deactivate"                    # or "delete"
//! [connections.contacts.groups.campaign]      # written on every new Campaign
//! IsActive = true
//! Type = "Other"
//! ```

use serde_json::Value;

use super::checker::Checker;
use super::raw::{toml_to_json, RawGroups};
use crate::mapping::group::{
    GroupMapping, DEFAULT_GROUP_EXTERNAL_ID_FIELD, DEFAULT_GROUP_KEY_FIELD,
};
use crate::provisioning::groups::{GroupDelete, GroupSpec};
use crate::salesforce::{FieldName, Record};

fn field(c: &mut Checker, key: &str, value: Option<&str>, default: &str) -> Option<FieldName> {
    let name = value.unwrap_or(default).trim();
    match FieldName::new(name) {
        Ok(f) => Some(f),
        Err(e) => {
            c.add(key, e.to_string());
            None
        }
    }
}

/// Checks the table; `None` when groups are off or a problem was reported.
pub(super) fn check_groups(
    c: &mut Checker,
    p: &str,
    connection: &str,
    raw: RawGroups,
) -> Option<GroupSpec> {
    c.unknown(
        p,
        &raw.unknown,
        &[
            "enabled",
            "owner",
            "key_field",
            "external_id_field",
            "member_key_field",
            "on_delete",
            "campaign",
        ],
    );
    if raw.enabled == Some(false) {
        return None;
    }
    let before = c.problems.len();
    let owner = raw.owner.unwrap_or_else(|| connection.to_string());
    let owner_ok = !owner.is_empty()
        && owner.len() <= 64
        && owner
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if !owner_ok {
        c.add(
            format!("{p}.owner"),
            "must be 1 to 64 letters, digits, '-' or '_' (it prefixes every Campaign key of this connection)",
        );
    }
    let key_field = field(
        c,
        &format!("{p}.key_field"),
        raw.key_field.as_deref(),
        DEFAULT_GROUP_KEY_FIELD,
    );
    let member_key_field = field(
        c,
        &format!("{p}.member_key_field"),
        raw.member_key_field.as_deref(),
        DEFAULT_GROUP_KEY_FIELD,
    );
    let external_id_field = match raw.external_id_field.as_deref().map(str::trim) {
        Some("") => None,
        other => field(
            c,
            &format!("{p}.external_id_field"),
            other,
            DEFAULT_GROUP_EXTERNAL_ID_FIELD,
        ),
    };
    for (k, f) in [
        ("key_field", &key_field),
        ("member_key_field", &member_key_field),
    ] {
        if let Some(f) = f {
            if !f.as_str().to_ascii_lowercase().ends_with("__c") {
                c.add(
                    format!("{p}.{k}"),
                    format!("'{f}' is not a custom field (custom field names end in __c); create it with `scim-bridge setup-org`"),
                );
            }
        }
    }
    let on_delete = match raw.on_delete.as_deref().map(str::to_ascii_lowercase) {
        None => GroupDelete::Deactivate,
        Some(v) if v == "deactivate" => GroupDelete::Deactivate,
        Some(v) if v == "delete" => GroupDelete::Delete,
        Some(v) => {
            c.add(
                format!("{p}.on_delete"),
                format!("'{v}' is not one of: deactivate, delete"),
            );
            GroupDelete::Deactivate
        }
    };
    let mut fixed = Record::new();
    match raw.campaign {
        None => {
            fixed.insert("IsActive".into(), Value::Bool(true));
        }
        Some(table) => {
            for (name, value) in table {
                let key = format!("{p}.campaign.{name}");
                let Some(f) = field(c, &key, Some(&name), "") else {
                    continue;
                };
                let taken = [Some(&key_field), Some(&external_id_field)]
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|k| *k == f);
                if f.is("Name") || f.is("Id") || taken {
                    c.add(
                        key,
                        "the bridge writes this field itself (Name is the displayName; the key and externalId fields are the group's)",
                    );
                    continue;
                }
                let v = toml_to_json(&value);
                if v.is_object() || v.is_array() {
                    c.add(key, "must be a text, number or true/false");
                    continue;
                }
                fixed.insert(f.to_string(), v);
            }
        }
    }
    if c.problems.len() > before {
        return None;
    }
    Some(GroupSpec {
        mapping: GroupMapping {
            owner,
            key_field: key_field?,
            external_id_field,
            member_key_field: member_key_field?,
            fixed,
        },
        on_delete,
    })
}

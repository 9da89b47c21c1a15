//! `scim-bridge setup-org`: creates the custom fields a connection needs and the org lacks
//! (the key field, a custom field the mapping or the disable setting names), through the
//! Tooling API, and says what it did. Fields that exist are left alone, whatever their type:
//! `test-connection` reports a field of the wrong kind.

use serde_json::Value;

use crate::mapping::ScimAttr;
use crate::provisioning::groups::GroupSpec;
use crate::provisioning::Connection;
use crate::salesforce::campaigns::{CAMPAIGN, CAMPAIGN_MEMBER};
use crate::salesforce::{CustomFieldKind, CustomFieldSpec, Describe, FieldName};

/// Text fields setup creates hold up to this many characters (Salesforce's maximum for an
/// indexed External ID text field is 255).
const TEXT_LENGTH: u32 = 255;

/// What setup did for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupReport {
    pub connection: String,
    /// One line per field: created, already there, or failed (with Salesforce's code).
    pub lines: Vec<String>,
    pub ok: bool,
}

impl SetupReport {
    pub fn render(&self) -> String {
        let mut out = format!("connection '{}':\n", self.connection);
        for l in &self.lines {
            out.push_str(&format!("  {l}\n"));
        }
        out
    }
}

/// The custom fields `conn` needs, key field first.
pub fn needed_fields(conn: &Connection) -> Vec<CustomFieldSpec> {
    let mapping = conn.mapping();
    let object = conn.object().as_str();
    let mut out = vec![CustomFieldSpec {
        object,
        name: mapping.key.clone(),
        label: "SCIM Key".to_string(),
        kind: CustomFieldKind::Text {
            length: TEXT_LENGTH,
            external_id: true,
            unique: true,
        },
    }];
    let mut push = |name: &FieldName, label: String, kind: CustomFieldKind| {
        if is_custom(name) && !out.iter().any(|f| f.name == *name) {
            out.push(CustomFieldSpec {
                object,
                name: name.clone(),
                label,
                kind,
            });
        }
    };
    for row in mapping.readable_rows().filter(|r| r.writes()) {
        let external_id = row.attr.name == "externalId";
        push(
            &row.field,
            label_for(&row.attr),
            CustomFieldKind::Text {
                length: TEXT_LENGTH,
                external_id,
                unique: false,
            },
        );
    }
    if let Some(d) = &mapping.disable {
        let kind = match (&d.enabled_value, &d.disabled_value) {
            (Value::Bool(enabled), Value::Bool(_)) => {
                CustomFieldKind::Checkbox { default: *enabled }
            }
            _ => CustomFieldKind::Text {
                length: TEXT_LENGTH,
                external_id: false,
                unique: false,
            },
        };
        push(&d.field, "Active".to_string(), kind);
    }
    out
}

/// The custom fields a connection's Groups need, on Campaign and CampaignMember.
pub fn group_fields(groups: &GroupSpec) -> Vec<CustomFieldSpec> {
    let m = &groups.mapping;
    let text = |external_id, unique| CustomFieldKind::Text {
        length: TEXT_LENGTH,
        external_id,
        unique,
    };
    let mut out = vec![CustomFieldSpec {
        object: CAMPAIGN,
        name: m.key_field.clone(),
        label: "SCIM Key".to_string(),
        kind: text(true, true),
    }];
    if let Some(ext) = m.external_id_field.as_ref().filter(|f| is_custom(f)) {
        out.push(CustomFieldSpec {
            object: CAMPAIGN,
            name: ext.clone(),
            label: "SCIM externalId".to_string(),
            kind: text(true, false),
        });
    }
    out.push(CustomFieldSpec {
        object: CAMPAIGN_MEMBER,
        name: m.member_key_field.clone(),
        label: "SCIM Key".to_string(),
        kind: text(false, false),
    });
    out
}

fn is_custom(name: &FieldName) -> bool {
    name.as_str().to_ascii_lowercase().ends_with("__c")
}

fn label_for(attr: &ScimAttr) -> String {
    format!("SCIM {attr}").chars().take(40).collect()
}

fn describe_kind(kind: &CustomFieldKind) -> String {
    match kind {
        CustomFieldKind::Text {
            length,
            external_id,
            unique,
        } => {
            let mut s = format!("Text({length})");
            if *external_id {
                s.push_str(", External ID");
            }
            if *unique {
                s.push_str(", Unique");
            }
            s
        }
        CustomFieldKind::Checkbox { default } => format!("Checkbox, default {default}"),
    }
}

/// Creates what is missing for `conn`.
pub async fn run(conn: &Connection) -> SetupReport {
    let mut report = SetupReport {
        connection: conn.name().to_string(),
        lines: Vec::new(),
        ok: true,
    };
    let mut wanted: Vec<(&'static str, Vec<CustomFieldSpec>)> =
        vec![(conn.object().as_str(), needed_fields(conn))];
    if let Some(groups) = &conn.spec.groups {
        for spec in group_fields(groups) {
            match wanted.iter_mut().find(|(o, _)| *o == spec.object) {
                Some((_, specs)) => specs.push(spec),
                None => wanted.push((spec.object, vec![spec])),
            }
        }
    }
    let mut created = 0;
    for (object, specs) in wanted {
        let describe: Result<Describe, _> = if object == conn.object().as_str() {
            conn.client
                .describe(conn.object())
                .await
                .map(|d| Describe::clone(&d))
        } else {
            conn.client.describe_other(object).await
        };
        let describe = match describe {
            Ok(d) => d,
            Err(e) => {
                report.ok = false;
                report.lines.push(format!(
                    "cannot read {object}'s fields ({e}); run `scim-bridge test-connection` first"
                ));
                continue;
            }
        };
        for spec in specs {
            let full = format!("{}.{}", spec.object, spec.name);
            if describe.field(spec.name.as_str()).is_some() {
                report.lines.push(format!("{full}: already there"));
                continue;
            }
            match conn.client.create_custom_field(&spec).await {
                Ok(id) => {
                    created += 1;
                    report.lines.push(format!(
                        "{full}: created ({}, id {id})",
                        describe_kind(&spec.kind)
                    ));
                }
                Err(e) => {
                    report.ok = false;
                    report.lines.push(format!(
                        "{full}: not created: {} ({})",
                        e.code().unwrap_or("error"),
                        describe_kind(&spec.kind)
                    ));
                }
            }
        }
    }
    if created > 0 {
        report.lines.push(
            "new fields are visible only to profiles that field-level security grants: give the integration user's profile or permission set read and edit on them (Setup → Object Manager → the field → Set Field-Level Security), then run `scim-bridge test-connection`".to_string(),
        );
    }
    report
}

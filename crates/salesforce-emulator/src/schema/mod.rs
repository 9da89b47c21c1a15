//! The emulated data model: Contact, Lead and Account with their standard fields (names, types,
//! lengths and permissions as Salesforce describes them, in `standard`), plus custom fields:
//! the configured ones and those created through the Tooling API, with their External ID /
//! Unique attributes. `describe` serves describe; `SchemaLookup` is what the SOQL engine
//! resolves names with. A schema is immutable: adding a field builds a new one.

mod describe;
mod standard;

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::config::{CustomField, CustomFieldKind};
use crate::soql::{FieldKind, SchemaLookup};
use standard::{
    account, campaign, campaign_member, contact, lead, lead_status, user_permission_access, Access,
    F,
};

/// Standard LeadSource values of a new org (an unrestricted picklist).
pub const LEAD_SOURCES: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
];
/// Default LeadStatus values of a new org (restricted picklist).
pub const LEAD_STATUSES: &[&str] = &[
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
];

/// Campaign Type values of a new org.
pub const CAMPAIGN_TYPES: &[&str] = &[
    "Conference",
    "Webinar",
    "Trade Show",
    "Public Relations",
    "Partners",
    "Referral Program",
    "Advertisement",
    "Banner Ads",
    "Direct Mail",
    "Email",
    "Telemarketing",
    "Other",
];
/// Campaign Status values of a new org.
pub const CAMPAIGN_STATUSES: &[&str] = &["Planned", "In Progress", "Completed", "Aborted"];

/// The emulated integration user (owner of every record).
pub const USER_ID: &str = "0055g00000EMUuSAAX";
pub const ORG_ID: &str = "00D5g00000EMUorEAH";

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    /// The describe `type` (`string`, `email`, `url`, …).
    pub sf_type: &'static str,
    pub length: usize,
    pub createable: bool,
    pub updateable: bool,
    pub nillable: bool,
    pub defaulted_on_create: bool,
    pub picklist: Vec<String>,
    pub restricted_picklist: bool,
    pub default: Option<Value>,
    pub custom: bool,
    pub reference_to: Vec<&'static str>,
    /// Required on create (not nillable, createable, no default).
    pub required: bool,
    /// Setup's "External ID": the field can key an upsert and describes `idLookup: true`.
    pub external_id: bool,
    /// Setup's "Unique": no two records (Recycle Bin included) hold the same non-null value.
    pub unique: bool,
    /// A unique field whose values compare with their letter case.
    pub case_sensitive: bool,
}

impl FieldDef {
    /// The form a value of this field takes in the unique / external-ID index: as is for a
    /// case-sensitive field, lower-cased otherwise.
    pub fn key_of(&self, value: &str) -> String {
        if self.case_sensitive {
            value.to_string()
        } else {
            value.to_lowercase()
        }
    }

    /// Whether the store indexes this field's values (unique or external ID).
    pub fn is_key(&self) -> bool {
        self.unique || self.external_id
    }

    /// Whether Salesforce keeps an index of the field's values: unique and External ID fields,
    /// `Email`, and the lookups of a membership (`CampaignId`, `ContactId`, `LeadId`): standard
    /// fields it indexes ("Indexes", Query & Search Optimization Cheat Sheet: lookup fields).
    pub fn is_indexed(&self) -> bool {
        self.is_key()
            || self.name == "Email"
            || (self.kind == FieldKind::Reference
                && matches!(self.name.as_str(), "CampaignId" | "ContactId" | "LeadId"))
    }
}

#[derive(Debug, Clone)]
pub struct ObjectDef {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    pub fields: Vec<FieldDef>,
    index: HashMap<String, usize>,
}

impl ObjectDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.index
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.fields.get(i))
    }
}

/// A custom field as the schema holds it: its definition and, for fields created through the
/// Tooling API, the label given there and the `00N` id the create answered.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomSpec {
    pub field: CustomField,
    pub label: Option<String>,
    pub tooling_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub objects: Vec<ObjectDef>,
    custom: Vec<CustomSpec>,
}

fn build(
    name: &'static str,
    label: &'static str,
    label_plural: &'static str,
    key_prefix: &'static str,
    fields: Vec<F>,
    custom: &[CustomSpec],
) -> ObjectDef {
    let mut out: Vec<FieldDef> = fields
        .into_iter()
        .map(|x| {
            let (createable, updateable, nillable, defaulted) = match x.access {
                Access::Rw => (true, true, true, false),
                Access::Required => (true, true, false, false),
                Access::ReadOnly => {
                    let nillable = matches!(
                        x.name,
                        "Name" | "ConvertedDate" | "ConvertedAccountId" | "ConvertedContactId"
                    );
                    (false, false, nillable, !nillable)
                }
                Access::Defaulted => (true, true, false, true),
                Access::CreateOnly => (true, false, true, false),
                Access::RequiredCreateOnly => (true, false, false, false),
            };
            let (picklist, restricted, default) = match (name, x.name) {
                ("Campaign", "Type") => (
                    CAMPAIGN_TYPES.iter().map(|s| s.to_string()).collect(),
                    false,
                    None,
                ),
                ("Campaign", "Status") => (
                    CAMPAIGN_STATUSES.iter().map(|s| s.to_string()).collect(),
                    false,
                    Some(json!(CAMPAIGN_STATUSES[0])),
                ),
                ("CampaignMember", "Status") => (Vec::new(), false, Some(json!("Sent"))),
                (_, "LeadSource") => (
                    LEAD_SOURCES.iter().map(|s| s.to_string()).collect(),
                    false,
                    None,
                ),
                ("Lead", "Status") => (
                    LEAD_STATUSES.iter().map(|s| s.to_string()).collect(),
                    true,
                    Some(json!(LEAD_STATUSES[0])),
                ),
                _ if x.kind == FieldKind::Boolean => (Vec::new(), false, Some(json!(false))),
                _ => (Vec::new(), false, None),
            };
            let reference_to = match x.name {
                "AccountId" | "ConvertedAccountId" => vec!["Account"],
                "ConvertedContactId" | "ContactId" => vec!["Contact"],
                "LeadId" => vec!["Lead"],
                "CampaignId" => vec!["Campaign"],
                "OwnerId" | "CreatedById" | "LastModifiedById" => vec!["User"],
                _ => Vec::new(),
            };
            FieldDef {
                name: x.name.to_string(),
                label: x.label.to_string(),
                kind: x.kind,
                sf_type: x.sf_type,
                length: x.length,
                createable,
                updateable,
                nillable,
                defaulted_on_create: defaulted,
                picklist,
                restricted_picklist: restricted,
                default,
                custom: false,
                reference_to,
                required: matches!(x.access, Access::Required | Access::RequiredCreateOnly),
                external_id: false,
                unique: false,
                case_sensitive: false,
            }
        })
        .collect();
    for spec in custom
        .iter()
        .filter(|c| c.field.object.eq_ignore_ascii_case(name))
    {
        out.push(custom_def(spec));
    }
    let index = out
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
        .collect();
    ObjectDef {
        name,
        label,
        label_plural,
        key_prefix,
        fields: out,
        index,
    }
}

/// The describe-level definition of a custom field.
fn custom_def(spec: &CustomSpec) -> FieldDef {
    let c = &spec.field;
    let label = spec
        .label
        .clone()
        .unwrap_or_else(|| c.name.trim_end_matches("__c").replace('_', " "));
    let (kind, sf_type, length, nillable, default) = match c.kind {
        CustomFieldKind::Checkbox { default } => (
            FieldKind::Boolean,
            "boolean",
            0,
            false,
            Some(json!(default)),
        ),
        CustomFieldKind::Text { length } | CustomFieldKind::KeyText { length, .. } => {
            (FieldKind::String, "string", length, true, None)
        }
    };
    FieldDef {
        name: c.name.clone(),
        label,
        kind,
        sf_type,
        length,
        createable: true,
        updateable: true,
        nillable,
        defaulted_on_create: default.is_some(),
        picklist: Vec::new(),
        restricted_picklist: false,
        default,
        custom: true,
        reference_to: Vec::new(),
        required: false,
        external_id: c.kind.is_external_id(),
        unique: c.kind.is_unique(),
        case_sensitive: c.kind.is_case_sensitive(),
    }
}

impl Schema {
    /// The standard objects plus the configured custom fields.
    pub fn new(custom: &[CustomField]) -> Self {
        let specs: Vec<CustomSpec> = custom
            .iter()
            .map(|field| CustomSpec {
                field: field.clone(),
                label: None,
                tooling_id: None,
            })
            .collect();
        Self::from_specs(specs)
    }

    fn from_specs(custom: Vec<CustomSpec>) -> Self {
        Self {
            objects: vec![
                build("Contact", "Contact", "Contacts", "003", contact(), &custom),
                build("Lead", "Lead", "Leads", "00Q", lead(), &custom),
                build("Account", "Account", "Accounts", "001", account(), &custom),
                build(
                    "Campaign",
                    "Campaign",
                    "Campaigns",
                    "701",
                    campaign(),
                    &custom,
                ),
                build(
                    "CampaignMember",
                    "Campaign Member",
                    "Campaign Members",
                    "00v",
                    campaign_member(),
                    &custom,
                ),
                build(
                    "LeadStatus",
                    "Lead Status Value",
                    "Lead Status Values",
                    "01J",
                    lead_status(),
                    &custom,
                ),
                build(
                    "UserPermissionAccess",
                    "User Permission Access",
                    "User Permission Access",
                    "0Yp",
                    user_permission_access(),
                    &custom,
                ),
            ],
            custom,
        }
    }

    /// This schema plus one custom field (the caller has checked that its name is free).
    pub fn adding(&self, spec: CustomSpec) -> Schema {
        let mut custom = self.custom.clone();
        custom.push(spec);
        Self::from_specs(custom)
    }

    /// The object index for a case-insensitive name.
    pub fn object_index(&self, name: &str) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(name))
    }

    pub fn object_by_prefix(&self, prefix: &str) -> Option<usize> {
        self.objects.iter().position(|o| o.key_prefix == prefix)
    }
}

impl SchemaLookup for Schema {
    fn object(&self, name: &str) -> Option<String> {
        self.object_index(name)
            .and_then(|i| self.objects.get(i))
            .map(|o| o.name.to_string())
    }

    fn field(&self, object: &str, name: &str) -> Option<(String, FieldKind)> {
        let o = self.objects.get(self.object_index(object)?)?;
        o.field(name).map(|f| (f.name.clone(), f.kind))
    }

    /// Long text areas (over 255 characters, e.g. Description) cannot be filtered.
    fn is_filterable(&self, object: &str, field: &str) -> bool {
        self.long_text(object, field).is_none_or(|long| !long)
    }

    /// ... nor sorted.
    fn is_sortable(&self, object: &str, field: &str) -> bool {
        self.long_text(object, field).is_none_or(|long| !long)
    }
}

impl Schema {
    fn long_text(&self, object: &str, field: &str) -> Option<bool> {
        let o = self.objects.get(self.object_index(object)?)?;
        let f = o.field(field)?;
        Some(f.kind == FieldKind::TextArea && f.length > 255)
    }
}

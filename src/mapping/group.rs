//! How a SCIM Group is held in Salesforce: one Campaign, whose key field holds
//! `{owner}:{displayName}` (unique, so a resent POST cannot make a second Campaign, and the
//! prefix says which connection's group it is), whose `Name` is the displayName, with an optional
//! externalId field and fixed fields (Type, Status, IsActive…) written when it is created. Its
//! members are CampaignMember rows whose own key field holds `{owner}`: rows a marketer added in
//! Salesforce are neither shown nor touched.
//!
//! The displayName comes from the key, not from `Name`, so a marketer renaming the Campaign does
//! not hide it from the IdP's `displayName eq` look-up. A filter becomes a condition on those
//! fields; `members eq "<id>"` needs the Campaigns that person is in, looked up first and given
//! to [`GroupMapping::to_condition`].

use std::collections::HashMap;

use serde_json::Value;

use crate::salesforce::soql::{CompareOp as SoqlOp, Condition, FieldName, LikePattern, SoqlValue};
use crate::salesforce::{fields, is_record_id, Record};
use crate::scim::error::ScimError;
use crate::scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::group::GroupInput;
use crate::scim::urn;
use crate::scim::values::get_ci;

/// The Campaign key field and CampaignMember key field `scim-bridge setup-org` creates.
pub const DEFAULT_GROUP_KEY_FIELD: &str = "SCIM_Key__c";
/// The Campaign field that holds a Group's externalId by default.
pub const DEFAULT_GROUP_EXTERNAL_ID_FIELD: &str = "SCIM_External_Id__c";

/// A connection's Group ↔ Campaign mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMapping {
    /// What prefixes the Campaign key and fills the membership key (the connection's name
    /// unless configured).
    pub owner: String,
    /// The Campaign field holding `{owner}:{displayName}` (unique, External ID).
    pub key_field: FieldName,
    pub external_id_field: Option<FieldName>,
    /// The CampaignMember field holding `{owner}`.
    pub member_key_field: FieldName,
    /// Fields written on every new Campaign (`Type`, `Status`, `IsActive`, …).
    pub fixed: Record,
}

/// What a group filter needs to know of memberships: person id → the Campaigns (of this
/// connection) they are a member of.
pub type MemberIndex = HashMap<String, Vec<String>>;

fn always(b: bool) -> Condition {
    if b {
        Condition::And(Vec::new())
    } else {
        Condition::Or(Vec::new())
    }
}

fn text_of(record: &Record, field: &FieldName) -> Option<String> {
    get_ci(record, field.as_str())
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `field <op> value` for a text field, or `None` for an ordering operator (gt, ge, lt, le).
fn text_compare(field: FieldName, op: CompareOp, value: String) -> Option<Condition> {
    let like = |pattern| Condition::Like {
        field: field.clone(),
        pattern,
    };
    Some(match op {
        CompareOp::Eq => Condition::eq(field.clone(), SoqlValue::Str(value)),
        CompareOp::Ne => Condition::Not(Box::new(Condition::eq(
            field.clone(),
            SoqlValue::Str(value),
        ))),
        CompareOp::Sw => like(LikePattern::StartsWith(value)),
        CompareOp::Ew => like(LikePattern::EndsWith(value)),
        CompareOp::Co => like(LikePattern::Contains(value)),
        _ => return None,
    })
}

/// The attribute a group filter names, without the Group schema URN.
fn group_attr(attr: &AttrPath) -> Option<String> {
    match &attr.urn {
        Some(u) if !u.eq_ignore_ascii_case(urn::GROUP_SCHEMA) => None,
        _ => Some(match &attr.sub_attr {
            Some(s) => format!(
                "{}.{s}",
                attr.name.to_ascii_lowercase(),
                s = s.to_ascii_lowercase()
            ),
            None => attr.name.to_ascii_lowercase(),
        }),
    }
}

impl GroupMapping {
    /// The key of a group called `display_name`.
    pub fn key_value(&self, display_name: &str) -> String {
        format!("{}:{display_name}", self.owner)
    }

    fn prefix(&self) -> String {
        format!("{}:", self.owner)
    }

    /// The displayName a Campaign holds for this connection, when it is one of its groups.
    pub fn display_name_of(&self, record: &Record) -> Option<String> {
        let key = text_of(record, &self.key_field)?;
        let prefix = self.prefix();
        let head = key.get(..prefix.len())?;
        head.eq_ignore_ascii_case(&prefix)
            .then(|| key[prefix.len()..].to_string())
            .filter(|d| !d.is_empty())
    }

    pub fn external_id_of(&self, record: &Record) -> Option<String> {
        text_of(record, self.external_id_field.as_ref()?)
    }

    /// The condition that selects this connection's Campaigns: their key has its prefix.
    pub fn served(&self) -> Condition {
        Condition::Like {
            field: self.key_field.clone(),
            pattern: LikePattern::StartsWith(self.prefix()),
        }
    }

    /// The Campaign fields every group read selects.
    pub fn select(&self) -> Vec<FieldName> {
        let mut out = vec![
            fields::ID,
            fields::NAME,
            self.key_field.clone(),
            fields::CREATED_DATE,
            fields::LAST_MODIFIED_DATE,
            fields::SYSTEM_MODSTAMP,
        ];
        out.extend(self.external_id_field.clone());
        out
    }

    /// A new Campaign's fields.
    pub fn create_values(&self, group: &GroupInput) -> Record {
        let mut r = self.fixed.clone();
        r.insert(
            fields::NAME.to_string(),
            Value::String(group.display_name.clone()),
        );
        r.insert(
            self.key_field.to_string(),
            Value::String(self.key_value(&group.display_name)),
        );
        if let (Some(f), Some(v)) = (&self.external_id_field, &group.external_id) {
            r.insert(f.to_string(), Value::String(v.clone()));
        }
        r
    }

    /// The fields that change a Campaign's name and externalId (`None`: leave as is).
    pub fn update_values(
        &self,
        display_name: Option<&str>,
        external_id: Option<Option<&str>>,
    ) -> Record {
        let mut r = Record::new();
        if let Some(d) = display_name {
            r.insert(fields::NAME.to_string(), Value::String(d.to_string()));
            r.insert(self.key_field.to_string(), Value::String(self.key_value(d)));
        }
        if let (Some(f), Some(v)) = (&self.external_id_field, external_id) {
            r.insert(
                f.to_string(),
                v.map_or(Value::Null, |s| Value::String(s.to_string())),
            );
        }
        r
    }

    /// What takes a Campaign away from the connection but keeps it (and its members) for
    /// marketing: inactive, key released.
    pub fn deactivate(&self) -> Record {
        let mut r = Record::new();
        r.insert(fields::IS_ACTIVE.to_string(), Value::Bool(false));
        r.insert(self.key_field.to_string(), Value::Null);
        r
    }

    /// The person ids a filter compares `members` (or `members.value`) with, to look up first.
    pub fn member_values(filter: &Filter, out: &mut Vec<String>) {
        match filter {
            Filter::And(a, b) | Filter::Or(a, b) => {
                Self::member_values(a, out);
                Self::member_values(b, out);
            }
            Filter::Not(f) => Self::member_values(f, out),
            Filter::Compare {
                attr,
                op: CompareOp::Eq,
                value: CompValue::String(v),
            } if matches!(
                group_attr(attr).as_deref(),
                Some("members" | "members.value")
            ) =>
            {
                out.push(v.clone())
            }
            Filter::ValuePath { attr, filter }
                if group_attr(attr).as_deref() == Some("members") =>
            {
                if let Filter::Compare {
                    op: CompareOp::Eq,
                    value: CompValue::String(v),
                    ..
                } = filter.as_ref()
                {
                    out.push(v.clone());
                }
            }
            _ => {}
        }
    }

    /// Translates a Group filter (RFC 7644 §3.4.2.2) on `displayName`, `externalId`, `id` and
    /// `members` into a Campaign condition; `members` needs `index` (see [`Self::member_values`]).
    pub fn to_condition(
        &self,
        filter: &Filter,
        index: &MemberIndex,
    ) -> Result<Condition, ScimError> {
        match filter {
            Filter::And(a, b) => Ok(Condition::And(vec![
                self.to_condition(a, index)?,
                self.to_condition(b, index)?,
            ])),
            Filter::Or(a, b) => Ok(Condition::Or(vec![
                self.to_condition(a, index)?,
                self.to_condition(b, index)?,
            ])),
            Filter::Not(f) => Ok(Condition::Not(Box::new(self.to_condition(f, index)?))),
            Filter::Present(attr) => match group_attr(attr).as_deref() {
                Some("displayname" | "id") => Ok(always(true)),
                Some("externalid") => Ok(match &self.external_id_field {
                    Some(f) => Condition::Compare {
                        field: f.clone(),
                        op: SoqlOp::Ne,
                        value: SoqlValue::Null,
                    },
                    None => always(false),
                }),
                _ => Err(self.unfilterable(attr)),
            },
            Filter::Compare { attr, op, value } => self.compare(attr, *op, value, index),
            Filter::ValuePath { attr, filter }
                if group_attr(attr).as_deref() == Some("members") =>
            {
                match filter.as_ref() {
                    Filter::Compare {
                        attr: inner,
                        op,
                        value,
                    } if inner.name.eq_ignore_ascii_case("value") => {
                        let as_path = AttrPath {
                            urn: None,
                            name: "members".into(),
                            sub_attr: None,
                        };
                        self.compare(&as_path, *op, value, index)
                    }
                    _ => Err(ScimError::invalid_filter(
                        "a members filter can only be members[value eq \"<User id>\"]",
                    )),
                }
            }
            Filter::ValuePath { attr, .. } => Err(self.unfilterable(attr)),
        }
    }

    fn unfilterable(&self, attr: &AttrPath) -> ScimError {
        ScimError::invalid_filter(format!(
            "Groups cannot be filtered on '{}': filter on displayName, externalId, id or members",
            attr
        ))
    }

    fn compare(
        &self,
        attr: &AttrPath,
        op: CompareOp,
        value: &CompValue,
        index: &MemberIndex,
    ) -> Result<Condition, ScimError> {
        let name = group_attr(attr).ok_or_else(|| self.unfilterable(attr))?;
        let CompValue::String(v) = value else {
            return match (op, value) {
                (CompareOp::Eq, CompValue::Null) => Ok(always(false)),
                (CompareOp::Ne, CompValue::Null) => Ok(always(true)),
                _ => Err(ScimError::invalid_filter(format!(
                    "'{attr}' is compared with a string"
                ))),
            };
        };
        match name.as_str() {
            "displayname" => {
                // The key holds `<owner>:<displayName>`: eq, ne and sw compare it whole; ew
                // only its end; co the Name (the prefix would match every group).
                let (field, value) = match op {
                    CompareOp::Co => (fields::NAME, v.clone()),
                    CompareOp::Ew => (self.key_field.clone(), v.clone()),
                    _ => (self.key_field.clone(), self.key_value(v)),
                };
                text_compare(field, op, value).ok_or_else(|| self.no_order(attr, op))
            }
            "externalid" => match &self.external_id_field {
                None => Ok(always(op == CompareOp::Ne)),
                Some(field) => text_compare(field.clone(), op, v.clone())
                    .ok_or_else(|| self.no_order(attr, op)),
            },
            "id" => {
                let valid = is_record_id(v);
                match op {
                    CompareOp::Eq if valid => {
                        Ok(Condition::eq(fields::ID, SoqlValue::Str(v.clone())))
                    }
                    CompareOp::Eq => Ok(always(false)),
                    CompareOp::Ne if valid => Ok(Condition::Not(Box::new(Condition::eq(
                        fields::ID,
                        SoqlValue::Str(v.clone()),
                    )))),
                    CompareOp::Ne => Ok(always(true)),
                    _ => Err(ScimError::invalid_filter(
                        "id can only be compared with eq or ne",
                    )),
                }
            }
            "members" | "members.value" => {
                let campaigns = index.get(v.trim()).cloned().unwrap_or_default();
                let is_member = Condition::In {
                    field: fields::ID,
                    values: campaigns.into_iter().map(SoqlValue::Str).collect(),
                };
                match op {
                    CompareOp::Eq => Ok(is_member),
                    CompareOp::Ne => Ok(Condition::Not(Box::new(is_member))),
                    _ => Err(ScimError::invalid_filter(
                        "members can only be compared with eq (members eq \"<User id>\")",
                    )),
                }
            }
            _ => Err(self.unfilterable(attr)),
        }
    }

    fn no_order(&self, attr: &AttrPath, op: CompareOp) -> ScimError {
        ScimError::invalid_filter(format!(
            "'{attr}' cannot be compared with {}: use eq, ne, co, sw or ew",
            op.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::soql::render_where;
    use crate::scim::filter::parse_filter;
    use serde_json::json;

    fn mapping() -> GroupMapping {
        GroupMapping {
            owner: "contacts".into(),
            key_field: FieldName::from_static("SCIM_Key__c"),
            external_id_field: Some(FieldName::from_static("SCIM_External_Id__c")),
            member_key_field: FieldName::from_static("SCIM_Key__c"),
            fixed: Record::new(),
        }
    }

    fn soql(filter: &str, index: &MemberIndex) -> String {
        let f = parse_filter(filter).unwrap();
        render_where(&mapping().to_condition(&f, index).unwrap()).unwrap_or_default()
    }

    #[test]
    fn display_name_eq_looks_up_the_key_the_connection_wrote() {
        assert_eq!(
            soql("displayName eq \"Beta O'Testers\"", &MemberIndex::new()),
            "SCIM_Key__c = 'contacts:Beta O\\'Testers'"
        );
    }

    #[test]
    fn members_eq_becomes_the_campaigns_that_person_is_in() {
        let mut index = MemberIndex::new();
        index.insert("003A".into(), vec!["701A".into()]);
        let where_ = soql(
            "id eq \"701000000000001AAA\" and members eq \"003A\"",
            &index,
        );
        assert!(where_.contains("Id = '701000000000001AAA'"), "{where_}");
        assert!(where_.contains("Id IN ('701A')"), "{where_}");
        let mut values = Vec::new();
        GroupMapping::member_values(
            &parse_filter("members[value eq \"003B\"]").unwrap(),
            &mut values,
        );
        assert_eq!(values, ["003B"]);
    }

    #[test]
    fn a_filter_on_another_attribute_is_refused_with_the_ones_that_work() {
        let f = parse_filter("title eq \"x\"").unwrap();
        let e = mapping().to_condition(&f, &MemberIndex::new()).unwrap_err();
        assert_eq!(e.scim_type.map(|t| t.as_str()), Some("invalidFilter"));
        assert!(
            e.detail.contains("displayName, externalId, id or members"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn the_display_name_is_read_from_the_key_not_the_campaign_name() {
        let m = mapping();
        let r: Record = serde_json::from_value(json!({
            "Name": "Renamed by marketing", "SCIM_Key__c": "contacts:Beta"
        }))
        .unwrap();
        assert_eq!(m.display_name_of(&r).as_deref(), Some("Beta"));
        let other: Record = serde_json::from_value(json!({"SCIM_Key__c": "leads:Beta"})).unwrap();
        assert_eq!(m.display_name_of(&other), None);
    }
}

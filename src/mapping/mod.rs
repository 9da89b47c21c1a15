//! Attribute mapping: which SCIM User attribute feeds which Salesforce field, for one connection.
//!
//! A mapping row names a SCIM attribute in the same path syntax a PATCH uses (RFC 7644 §3.5.2):
//! `userName`, `name.givenName`, `emails[type eq "work"].value`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`. Each row has the
//! connector's `update` flag (unticked = written on create only) and an optional `default` for
//! fields Salesforce requires (Lead `Company`).
//!
//! The submodules turn one representation into another, always through a [`view::View`] (the
//! mapped attributes of one person): [`view`] converts SCIM JSON and Salesforce records to and
//! from views, [`patch`] applies PATCH operations to a view, and [`filter`] turns a SCIM filter
//! into a Salesforce query condition.

pub mod advertised;
pub mod filter;
pub mod group;
pub mod patch;
pub mod view;

use std::fmt;
use std::sync::LazyLock;

use serde_json::Value;

use crate::salesforce::soql::FieldName;
use crate::scim::discovery;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::path::parse_path;
use crate::scim::urn;

pub use crate::salesforce::SObject;

/// The field and values that "disabled" and "enabled" write (SCIM `active`, RFC 7643 §4.1.1).
#[derive(Debug, Clone, PartialEq)]
pub struct DisableConfig {
    pub field: FieldName,
    pub disabled_value: Value,
    pub enabled_value: Value,
}

/// The Lead status "disabled" writes by default: the standard picklist's closed value.
pub const LEAD_DISABLED_STATUS: &str = "Closed - Not Converted";
/// The Lead status "enabled" writes by default: the standard picklist's first open value.
pub const LEAD_ENABLED_STATUS: &str = "Open - Not Contacted";
/// What Lead `Company` (required by Salesforce) gets when the IdP sends no organisation.
pub const COMPANY_NOT_PROVIDED: &str = "[not provided]";

impl DisableConfig {
    /// The object's usual choice: a custom checkbox `Active__c` on Contact (Contacts have no
    /// standard active flag), and `Status` on Lead.
    pub fn default_for(object: SObject) -> DisableConfig {
        match object {
            SObject::Contact => DisableConfig {
                field: FieldName::from_static("Active__c"),
                disabled_value: Value::Bool(false),
                enabled_value: Value::Bool(true),
            },
            SObject::Lead => DisableConfig {
                field: FieldName::from_static("Status"),
                disabled_value: Value::String(LEAD_DISABLED_STATUS.to_string()),
                enabled_value: Value::String(LEAD_ENABLED_STATUS.to_string()),
            },
        }
    }
}

/// Which schema an attribute belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Schema {
    Core,
    Enterprise,
}

/// How an attribute is shaped in a SCIM User (RFC 7643 §4.1, §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Simple,
    /// A single complex attribute (`name`, enterprise `manager`).
    Complex,
    /// A multi-valued complex attribute with `type` (`emails`, `phoneNumbers`, `addresses`).
    MultiValued,
}

/// One mappable attribute: its canonical spelling, shape and mappable sub-attributes.
struct Known {
    schema: Schema,
    name: &'static str,
    shape: Shape,
    subs: Vec<&'static str>,
}

/// User attributes no mapping row can name: `id` is the record Id, `active` is the disable
/// field's ([`DisableConfig`]), `password` is never stored, `groups` is read-only, and
/// entitlements, roles and certificates are lists with no single Salesforce field to hold them.
const NOT_MAPPABLE: &[&str] = &[
    "id",
    "active",
    "password",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// Sub-attributes that describe a value rather than hold one (RFC 7643 §2.4).
const NOT_MAPPABLE_SUBS: &[&str] = &["type", "primary", "display", "$ref"];

/// The User attributes the bridge can map, read from the one catalogue of RFC 7643 §4.1 and
/// §4.3 definitions that discovery serves ([`crate::scim::discovery`]), in its order.
/// Names are compared case-insensitively (RFC 7643 §2.1) and always written canonically.
static KNOWN: LazyLock<Vec<Known>> = LazyLock::new(|| {
    let core = discovery::user_attribute_definitions()
        .into_iter()
        .map(|d| (Schema::Core, d));
    let enterprise = discovery::enterprise_attribute_definitions()
        .into_iter()
        .map(|d| (Schema::Enterprise, d));
    core.chain(enterprise)
        .filter(|(_, d)| !NOT_MAPPABLE.contains(&d.name))
        .map(|(schema, d)| Known {
            schema,
            name: d.name,
            shape: match (d.ty == "complex", d.multi_valued) {
                (false, _) => Shape::Simple,
                (true, false) => Shape::Complex,
                (true, true) => Shape::MultiValued,
            },
            subs: d
                .sub_attributes
                .iter()
                .map(|sub| sub.name)
                .filter(|name| !NOT_MAPPABLE_SUBS.contains(name))
                .collect(),
        })
        .collect()
});

/// Looks up a known attribute: (canonical name, shape, canonical sub-attributes).
pub fn known_attribute(
    schema: Schema,
    name: &str,
) -> Option<(&'static str, Shape, &'static [&'static str])> {
    let known: &'static [Known] = &KNOWN;
    known
        .iter()
        .find(|k| k.schema == schema && k.name.eq_ignore_ascii_case(name))
        .map(|k| (k.name, k.shape, k.subs.as_slice()))
}

/// The position of an attribute in the catalogue (RFC 7643 §8.7.1 order), for rendering.
pub fn known_index(schema: Schema, name: &str) -> usize {
    KNOWN
        .iter()
        .position(|k| k.schema == schema && k.name.eq_ignore_ascii_case(name))
        .unwrap_or(KNOWN.len())
}

/// The schema a URN prefix names, if it is one of the User schemas.
pub fn schema_of_urn(urn_text: Option<&str>) -> Option<Schema> {
    match urn_text {
        None => Some(Schema::Core),
        Some(u) if u.eq_ignore_ascii_case(urn::USER_SCHEMA) => Some(Schema::Core),
        Some(u) if u.eq_ignore_ascii_case(urn::ENTERPRISE_USER_SCHEMA) => Some(Schema::Enterprise),
        Some(_) => None,
    }
}

/// One mappable SCIM attribute, canonically spelled: `name.givenName`,
/// `emails[type eq "work"].value`, enterprise `department`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScimAttr {
    pub schema: Schema,
    /// Canonical attribute name (`phoneNumbers`).
    pub name: &'static str,
    /// For multi-valued attributes, the `type` the row selects, lower-cased (`work`).
    pub type_value: Option<String>,
    /// Canonical sub-attribute (`givenName`, `value`, `postalCode`).
    pub sub: Option<&'static str>,
}

impl ScimAttr {
    /// Parses a mapping row's `scim` text.
    pub fn parse(text: &str) -> Result<ScimAttr, String> {
        let path =
            parse_path(text).map_err(|e| format!("'{text}' is not a SCIM path: {}", e.detail))?;
        let schema = schema_of_urn(path.urn.as_deref()).ok_or_else(|| {
            format!("'{text}': only the core User and enterprise extension schemas can be mapped")
        })?;
        let (name, shape, subs) = known_attribute(schema, &path.attr).ok_or_else(|| {
            format!(
                "'{text}': '{}' is not a User attribute the bridge can map (RFC 7643 §4.1, §4.3)",
                path.attr
            )
        })?;
        let sub = match (&path.sub_attr, shape) {
            (None, Shape::Simple) => None,
            (None, Shape::MultiValued) => Some("value").filter(|_| subs.contains(&"value")),
            (None, Shape::Complex) if name == "manager" => Some("value"),
            (Some(s), Shape::Complex | Shape::MultiValued) => Some(
                subs.iter()
                    .copied()
                    .find(|c| c.eq_ignore_ascii_case(s))
                    .ok_or_else(|| format!("'{text}': '{name}' has no sub-attribute '{s}'"))?,
            ),
            _ => None,
        };
        if sub.is_none() && shape != Shape::Simple {
            return Err(format!(
                "'{text}': name a sub-attribute of '{name}', e.g. '{name}.{}'",
                subs.first().copied().unwrap_or("value")
            ));
        }
        if path.sub_attr.is_some() && shape == Shape::Simple {
            return Err(format!("'{text}': '{name}' has no sub-attributes"));
        }
        let type_value = match (&path.filter, shape) {
            (None, Shape::MultiValued) => {
                return Err(format!(
                    "'{text}': say which {name} to map with a type filter, e.g. {name}[type eq \"work\"].{}",
                    sub.unwrap_or("value")
                ))
            }
            (None, _) => None,
            (Some(f), Shape::MultiValued) => Some(type_of_filter(f).ok_or_else(|| {
                format!("'{text}': the only filter a mapping row can use is [type eq \"<type>\"]")
            })?),
            (Some(_), _) => {
                return Err(format!("'{text}': '{name}' is not multi-valued; drop the filter"))
            }
        };
        Ok(ScimAttr {
            schema,
            name,
            type_value,
            sub,
        })
    }

    pub fn shape(&self) -> Shape {
        known_attribute(self.schema, self.name)
            .map(|(_, s, _)| s)
            .unwrap_or(Shape::Simple)
    }
}

/// `type eq "work"` → `work`.
fn type_of_filter(f: &Filter) -> Option<String> {
    match f {
        Filter::Compare {
            attr,
            op: CompareOp::Eq,
            value: CompValue::String(v),
        } if attr.urn.is_none()
            && attr.sub_attr.is_none()
            && attr.name.eq_ignore_ascii_case("type") =>
        {
            Some(v.to_ascii_lowercase())
        }
        _ => None,
    }
}

impl fmt::Display for ScimAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema == Schema::Enterprise {
            write!(f, "{}:", urn::ENTERPRISE_USER_SCHEMA)?;
        }
        f.write_str(self.name)?;
        if let Some(t) = &self.type_value {
            write!(f, "[type eq \"{t}\"]")?;
        }
        if let Some(s) = self.sub {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

/// One row of a connection's attribute mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingRow {
    pub attr: ScimAttr,
    pub field: FieldName,
    /// The connector's "Update" flag: unticked means the value is written on create only.
    pub update: bool,
    /// Written on create when the IdP sends no value (for fields Salesforce requires).
    pub default: Option<Value>,
    /// A fallback row feeds its field on create only, when no other row gives the field a
    /// value, and only with a value that is an email address: the one use is `userName` →
    /// `Email` for IdPs whose userName is the work email and that send no `emails`. It is never
    /// read back (the attribute comes from its own row), never filtered on, and never used by
    /// an update (removing `emails` clears Email).
    pub fallback: bool,
    /// A read-only row reads a field Salesforce computes (`Name`, from the name parts) and
    /// never writes it: values the IdP sends for it are ignored, as RFC 7644 §3.5.1 says of
    /// `readOnly` attributes, and `/Schemas` publishes the attribute as `readOnly`.
    pub read_only: bool,
}

impl MappingRow {
    /// Builds a row from config text. `update` defaults to ticked for Email only, as in the
    /// connector.
    pub fn new(
        scim: &str,
        field: &str,
        update: Option<bool>,
        default: Option<Value>,
    ) -> Result<MappingRow, String> {
        let attr = ScimAttr::parse(scim)?;
        let field = FieldName::new(field).map_err(|e| format!("field '{field}': {e}"))?;
        let update = update.unwrap_or_else(|| field.is("Email"));
        Ok(MappingRow {
            attr,
            field,
            update,
            default,
            fallback: false,
            read_only: false,
        })
    }

    /// The row that holds `userName` in the connection's key field (always updatable: a
    /// userName change is a rename).
    pub fn key(field: FieldName) -> MappingRow {
        MappingRow {
            attr: ScimAttr {
                schema: Schema::Core,
                name: USER_NAME,
                type_value: None,
                sub: None,
            },
            field,
            update: true,
            default: None,
            fallback: false,
            read_only: false,
        }
    }

    /// This row as read-only (see [`MappingRow::read_only`]).
    pub fn as_read_only(mut self) -> MappingRow {
        self.read_only = true;
        self.update = false;
        self
    }

    /// Whether the row writes its field (on create, or on update when `update`).
    pub fn writes(&self) -> bool {
        !self.read_only
    }

    /// This row as a fallback (see [`MappingRow::fallback`]).
    pub fn as_fallback(mut self) -> MappingRow {
        self.fallback = true;
        self
    }

    /// Whether this row's value can go to its field: a fallback row's only if it is an email
    /// address.
    pub fn accepts(&self, value: &Value) -> bool {
        !self.fallback || value.as_str().is_some_and(looks_like_email)
    }
}

/// The canonical name of the attribute the key field holds.
pub const USER_NAME: &str = "userName";

/// The default key field: a custom text field marked External ID and Unique.
pub const DEFAULT_KEY_FIELD: &str = "SCIM_Key__c";
/// The default field that keeps `externalId` (External ID, not unique: IdPs may reuse one).
pub const DEFAULT_EXTERNAL_ID_FIELD: &str = "SCIM_External_Id__c";

/// `local@domain.tld`, as far as a fallback needs to know: one `@`, something before it, a dot
/// after it, no spaces. Salesforce has the final word (`INVALID_EMAIL_ADDRESS`).
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// The built-in mapping for a record type. Unlike the connector's fresh rows (unticked), every
/// default row is updatable: an admin expects a name change in the IdP to reach Salesforce.
pub fn default_rows(object: SObject) -> Vec<MappingRow> {
    let address = |sub: &str, contact: &str, lead: &str| {
        (
            format!("addresses[type eq \"work\"].{sub}"),
            match object {
                SObject::Contact => contact.to_string(),
                SObject::Lead => lead.to_string(),
            },
        )
    };
    let mut rows: Vec<(String, String)> = vec![
        ("emails[type eq \"work\"].value".into(), "Email".into()),
        ("externalId".into(), DEFAULT_EXTERNAL_ID_FIELD.into()),
        ("name.givenName".into(), "FirstName".into()),
        ("name.familyName".into(), "LastName".into()),
        ("name.middleName".into(), "MiddleName".into()),
        ("name.honorificSuffix".into(), "Suffix".into()),
        ("title".into(), "Title".into()),
        (
            "phoneNumbers[type eq \"work\"].value".into(),
            "Phone".into(),
        ),
        (
            "phoneNumbers[type eq \"mobile\"].value".into(),
            "MobilePhone".into(),
        ),
        ("phoneNumbers[type eq \"fax\"].value".into(), "Fax".into()),
        address("streetAddress", "MailingStreet", "Street"),
        address("locality", "MailingCity", "City"),
        address("region", "MailingState", "State"),
        address("postalCode", "MailingPostalCode", "PostalCode"),
        address("country", "MailingCountry", "Country"),
    ];
    let enterprise = urn::ENTERPRISE_USER_SCHEMA;
    match object {
        SObject::Contact => {
            rows.push((format!("{enterprise}:department"), "Department".into()));
        }
        SObject::Lead => {
            rows.push((format!("{enterprise}:organization"), "Company".into()));
        }
    }
    let mut out: Vec<MappingRow> = rows
        .into_iter()
        .filter_map(|(scim, field)| {
            let default = (field == "Company").then(|| Value::String(COMPANY_NOT_PROVIDED.into()));
            MappingRow::new(&scim, &field, Some(true), default).ok()
        })
        .collect();
    // displayName is Salesforce's own Name (First Middle Last Suffix), read, never written.
    out.extend(
        MappingRow::new("displayName", "Name", Some(false), None)
            .ok()
            .map(MappingRow::as_read_only),
    );
    // Email from userName only when the IdP sends no email and userName is an address.
    out.extend(
        MappingRow::new(USER_NAME, "Email", Some(true), None)
            .ok()
            .map(MappingRow::as_fallback),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_paths_are_parsed_in_any_case_and_printed_canonically() {
        let a = ScimAttr::parse("EMAILS[TYPE eq \"Work\"].VALUE").unwrap();
        assert_eq!(a.to_string(), "emails[type eq \"work\"].value");
        let d = ScimAttr::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:Department",
        )
        .unwrap();
        assert_eq!(d.schema, Schema::Enterprise);
        assert_eq!(d.name, "department");
        assert_eq!(
            ScimAttr::parse("name.givenname").unwrap().sub,
            Some("givenName")
        );
    }

    #[test]
    fn unmappable_paths_are_refused_with_a_reason() {
        assert!(ScimAttr::parse("emails.value")
            .unwrap_err()
            .contains("type filter"));
        assert!(ScimAttr::parse("name")
            .unwrap_err()
            .contains("sub-attribute"));
        assert!(ScimAttr::parse("shoeSize")
            .unwrap_err()
            .contains("not a User attribute"));
        assert!(ScimAttr::parse("emails[value eq \"x\"].value")
            .unwrap_err()
            .contains("type eq"));
    }

    #[test]
    fn the_mappable_catalogue_is_the_discovery_catalogue_less_what_no_field_can_hold() {
        assert_eq!(
            known_attribute(Schema::Core, "EMAILS"),
            Some(("emails", Shape::MultiValued, &["value"][..]))
        );
        assert_eq!(
            known_attribute(Schema::Enterprise, "manager"),
            Some(("manager", Shape::Complex, &["value", "displayName"][..]))
        );
        let (_, shape, subs) = known_attribute(Schema::Core, "addresses").unwrap();
        assert_eq!(shape, Shape::MultiValued);
        assert_eq!(subs.len(), 6);
        for refused in NOT_MAPPABLE {
            assert!(
                known_attribute(Schema::Core, refused).is_none(),
                "{refused}"
            );
        }
        assert_eq!(KNOWN.len(), 16 + 6);
    }

    #[test]
    fn the_update_flag_defaults_to_ticked_for_email_only() {
        assert!(
            MappingRow::new("userName", "Email", None, None)
                .unwrap()
                .update
        );
        assert!(
            !MappingRow::new("title", "Title", None, None)
                .unwrap()
                .update
        );
    }

    #[test]
    fn the_default_mappings_cover_the_required_fields() {
        for rt in [SObject::Contact, SObject::Lead] {
            let rows = default_rows(rt);
            for (field, _) in rt.required_fields() {
                assert!(
                    rows.iter().any(|r| r.field.as_str() == *field),
                    "{rt} misses {field}"
                );
            }
        }
        // Every literal row parses (none is dropped by the `.ok()` above).
        assert_eq!(default_rows(SObject::Contact).len(), 18);
        assert_eq!(default_rows(SObject::Lead).len(), 18);
    }
}

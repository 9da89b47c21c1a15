//! The emulated data model: Contact, Lead and Account with their standard fields (names, types,
//! lengths and permissions as Salesforce describes them), plus the configured custom fields.
//! Also serves `describe` and the `SchemaLookup` the SOQL engine resolves names with.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::config::{CustomField, CustomFieldKind};
use crate::soql::{FieldKind, SchemaLookup};

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

#[derive(Debug, Clone)]
pub struct Schema {
    pub objects: Vec<ObjectDef>,
}

struct F {
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    sf_type: &'static str,
    length: usize,
    access: Access,
}

#[derive(Clone, Copy, PartialEq)]
enum Access {
    /// createable, updateable, nillable
    Rw,
    /// createable, updateable, not nillable, no default: required
    Required,
    /// system-maintained
    ReadOnly,
    /// createable, updateable, not nillable, defaulted on create
    Defaulted,
}

fn f(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    sf_type: &'static str,
    length: usize,
    access: Access,
) -> F {
    F {
        name,
        label,
        kind,
        sf_type,
        length,
        access,
    }
}

fn text(name: &'static str, label: &'static str, length: usize) -> F {
    f(name, label, FieldKind::String, "string", length, Access::Rw)
}

fn system_fields() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    vec![
        f(
            "OwnerId",
            "Owner ID",
            K::Reference,
            "reference",
            18,
            Defaulted,
        ),
        f(
            "CreatedDate",
            "Created Date",
            K::DateTime,
            "datetime",
            0,
            ReadOnly,
        ),
        f(
            "CreatedById",
            "Created By ID",
            K::Reference,
            "reference",
            18,
            ReadOnly,
        ),
        f(
            "LastModifiedDate",
            "Last Modified Date",
            K::DateTime,
            "datetime",
            0,
            ReadOnly,
        ),
        f(
            "LastModifiedById",
            "Last Modified By ID",
            K::Reference,
            "reference",
            18,
            ReadOnly,
        ),
        f(
            "SystemModstamp",
            "System Modstamp",
            K::DateTime,
            "datetime",
            0,
            ReadOnly,
        ),
    ]
}

fn person_fields() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    vec![
        text("FirstName", "First Name", 40),
        text("MiddleName", "Middle Name", 40),
        f("LastName", "Last Name", K::String, "string", 80, Required),
        text("Suffix", "Suffix", 40),
        f("Name", "Full Name", K::String, "string", 121, ReadOnly),
        text("Title", "Title", 128),
        f("Email", "Email", K::Email, "email", 80, Rw),
        f("Phone", "Phone", K::Phone, "phone", 40, Rw),
        f("MobilePhone", "Mobile Phone", K::Phone, "phone", 40, Rw),
        f("Fax", "Fax", K::Phone, "phone", 40, Rw),
        f("LeadSource", "Lead Source", K::Picklist, "picklist", 40, Rw),
        f(
            "HasOptedOutOfEmail",
            "Email Opt Out",
            K::Boolean,
            "boolean",
            0,
            Defaulted,
        ),
        f(
            "DoNotCall",
            "Do Not Call",
            K::Boolean,
            "boolean",
            0,
            Defaulted,
        ),
        f(
            "Description",
            "Description",
            K::TextArea,
            "textarea",
            32_000,
            Rw,
        ),
    ]
}

fn head() -> Vec<F> {
    vec![
        f("Id", "Record ID", FieldKind::Id, "id", 18, Access::ReadOnly),
        f(
            "IsDeleted",
            "Deleted",
            FieldKind::Boolean,
            "boolean",
            0,
            Access::ReadOnly,
        ),
    ]
}

fn contact() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.push(f(
        "AccountId",
        "Account ID",
        K::Reference,
        "reference",
        18,
        Rw,
    ));
    v.extend(person_fields());
    v.push(text("Department", "Department", 80));
    v.push(f(
        "MailingStreet",
        "Mailing Street",
        K::TextArea,
        "textarea",
        255,
        Rw,
    ));
    v.push(text("MailingCity", "Mailing City", 40));
    v.push(text("MailingState", "Mailing State/Province", 80));
    v.push(text("MailingPostalCode", "Mailing Zip/Postal Code", 20));
    v.push(text("MailingCountry", "Mailing Country", 80));
    v.extend(system_fields());
    v
}

fn lead() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.extend(person_fields());
    v.push(f("Company", "Company", K::String, "string", 255, Required));
    v.push(f("Street", "Street", K::TextArea, "textarea", 255, Rw));
    v.push(text("City", "City", 40));
    v.push(text("State", "State/Province", 80));
    v.push(text("PostalCode", "Zip/Postal Code", 20));
    v.push(text("Country", "Country", 80));
    v.push(f(
        "Status",
        "Status",
        K::Picklist,
        "picklist",
        40,
        Defaulted,
    ));
    v.push(f(
        "IsConverted",
        "Converted",
        K::Boolean,
        "boolean",
        0,
        ReadOnly,
    ));
    v.push(f(
        "ConvertedDate",
        "Converted Date",
        K::Date,
        "date",
        0,
        ReadOnly,
    ));
    v.push(f(
        "ConvertedAccountId",
        "Converted Account ID",
        K::Reference,
        "reference",
        18,
        ReadOnly,
    ));
    v.push(f(
        "ConvertedContactId",
        "Converted Contact ID",
        K::Reference,
        "reference",
        18,
        ReadOnly,
    ));
    v.extend(system_fields());
    v
}

fn account() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.push(f(
        "Name",
        "Account Name",
        K::String,
        "string",
        255,
        Required,
    ));
    v.push(f("Phone", "Account Phone", K::Phone, "phone", 40, Rw));
    v.push(f("Fax", "Account Fax", K::Phone, "phone", 40, Rw));
    v.push(f("Website", "Website", K::String, "url", 255, Rw));
    v.push(f(
        "BillingStreet",
        "Billing Street",
        K::TextArea,
        "textarea",
        255,
        Rw,
    ));
    v.push(text("BillingCity", "Billing City", 40));
    v.push(text("BillingState", "Billing State/Province", 80));
    v.push(text("BillingPostalCode", "Billing Zip/Postal Code", 20));
    v.push(text("BillingCountry", "Billing Country", 80));
    v.push(f(
        "Description",
        "Account Description",
        K::TextArea,
        "textarea",
        32_000,
        Rw,
    ));
    v.extend(system_fields());
    v
}

fn build(
    name: &'static str,
    label: &'static str,
    label_plural: &'static str,
    key_prefix: &'static str,
    fields: Vec<F>,
    custom: &[CustomField],
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
            };
            let (picklist, restricted, default) = match x.name {
                "LeadSource" => (
                    LEAD_SOURCES.iter().map(|s| s.to_string()).collect(),
                    false,
                    None,
                ),
                "Status" => (
                    LEAD_STATUSES.iter().map(|s| s.to_string()).collect(),
                    true,
                    Some(json!(LEAD_STATUSES[0])),
                ),
                _ if x.kind == FieldKind::Boolean => (Vec::new(), false, Some(json!(false))),
                _ => (Vec::new(), false, None),
            };
            let reference_to = match x.name {
                "AccountId" | "ConvertedAccountId" => vec!["Account"],
                "ConvertedContactId" => vec!["Contact"],
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
                required: x.access == Access::Required,
            }
        })
        .collect();
    for c in custom
        .iter()
        .filter(|c| c.object.eq_ignore_ascii_case(name))
    {
        let label = c.name.trim_end_matches("__c").replace('_', " ");
        let (kind, sf_type, length, nillable, default) = match c.kind {
            CustomFieldKind::Checkbox { default } => (
                FieldKind::Boolean,
                "boolean",
                0,
                false,
                Some(json!(default)),
            ),
            CustomFieldKind::Text { length } => (FieldKind::String, "string", length, true, None),
        };
        out.push(FieldDef {
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
        });
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

impl Schema {
    pub fn new(custom: &[CustomField]) -> Self {
        Self {
            objects: vec![
                build("Contact", "Contact", "Contacts", "003", contact(), custom),
                build("Lead", "Lead", "Leads", "00Q", lead(), custom),
                build("Account", "Account", "Accounts", "001", account(), custom),
            ],
        }
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

    /// `GET /sobjects/{T}/describe`.
    pub fn describe(&self, obj: usize, version: u32) -> Value {
        let Some(o) = self.objects.get(obj) else {
            return Value::Null;
        };
        let fields: Vec<Value> = o
            .fields
            .iter()
            .map(|f| {
                let picklist: Vec<Value> = f
                    .picklist
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        json!({"active": true, "defaultValue": f.default.is_some() && i == 0,
                               "label": v, "validFor": null, "value": v})
                    })
                    .collect();
                json!({
                    "name": f.name,
                    "label": f.label,
                    "type": f.sf_type,
                    "soapType": soap_type(f),
                    "length": f.length,
                    "createable": f.createable,
                    "updateable": f.updateable,
                    "nillable": f.nillable,
                    "defaultedOnCreate": f.defaulted_on_create,
                    "defaultValue": f.default,
                    "picklistValues": picklist,
                    "restrictedPicklist": f.restricted_picklist,
                    "externalId": false,
                    "unique": false,
                    "custom": f.custom,
                    "calculated": f.name == "Name" && o.name != "Account",
                    "idLookup": f.name == "Id" || f.name == "Email" || (f.name == "Name" && o.name == "Account"),
                    "filterable": f.kind != FieldKind::TextArea || f.length <= 255,
                    "sortable": f.kind != FieldKind::TextArea || f.length <= 255,
                    "referenceTo": f.reference_to,
                    "relationshipName": relationship_name(&f.name),
                })
            })
            .collect();
        let base = format!("/services/data/v{version}.0/sobjects/{}", o.name);
        json!({
            "name": o.name,
            "label": o.label,
            "labelPlural": o.label_plural,
            "keyPrefix": o.key_prefix,
            "custom": false,
            "createable": true,
            "updateable": true,
            "deletable": true,
            "queryable": true,
            "retrieveable": true,
            "searchable": true,
            "undeletable": true,
            "fields": fields,
            "urls": {
                "sobject": base,
                "describe": format!("{base}/describe"),
                "rowTemplate": format!("{base}/{{ID}}"),
            },
        })
    }

    /// An entry of `GET /sobjects` (describeGlobal) and `GET /sobjects/{T}`'s objectDescribe.
    pub fn summary(&self, obj: usize, version: u32) -> Value {
        let Some(o) = self.objects.get(obj) else {
            return Value::Null;
        };
        let base = format!("/services/data/v{version}.0/sobjects/{}", o.name);
        json!({
            "name": o.name, "label": o.label, "labelPlural": o.label_plural,
            "keyPrefix": o.key_prefix, "custom": false, "createable": true, "updateable": true,
            "deletable": true, "queryable": true,
            "urls": {"sobject": base, "describe": format!("{base}/describe"),
                     "rowTemplate": format!("{base}/{{ID}}")},
        })
    }
}

fn soap_type(f: &FieldDef) -> &'static str {
    match f.kind {
        FieldKind::Id | FieldKind::Reference => "tns:ID",
        FieldKind::Boolean => "xsd:boolean",
        FieldKind::DateTime => "xsd:dateTime",
        FieldKind::Date => "xsd:date",
        FieldKind::Double => "xsd:double",
        FieldKind::Int => "xsd:int",
        _ => "xsd:string",
    }
}

fn relationship_name(name: &str) -> Value {
    match name.strip_suffix("Id") {
        Some(base) if !base.is_empty() && name != "Id" => Value::String(base.to_string()),
        _ => Value::Null,
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

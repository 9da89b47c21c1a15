//! `describe` (`GET /sobjects/{T}/describe`) and the describeGlobal entries of the emulated
//! objects, in the shape of Salesforce's DescribeSObjectResult (REST API Developer Guide,
//! "sObject Describe"; field properties per the SOAP API's "Field" type).

use serde_json::{json, Value};

use super::{FieldDef, Schema};
use crate::soql::FieldKind;

impl Schema {
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
                    // External ID fields are idLookup fields: they can key an upsert.
                    "externalId": f.external_id,
                    "unique": f.unique,
                    "caseSensitive": f.case_sensitive,
                    "custom": f.custom,
                    "calculated": f.name == "Name" && o.name != "Account",
                    "idLookup": f.external_id || f.name == "Id" || f.name == "Email" || (f.name == "Name" && o.name == "Account"),
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

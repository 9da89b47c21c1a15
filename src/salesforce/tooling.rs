//! Org setup through the Tooling API ("CustomField", Tooling API Developer Guide): creating
//! the custom fields a connection needs (its key field, the externalId field, a disable
//! checkbox). Used by `scim-bridge setup-org`, never while provisioning.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::SalesforceClient;
use super::error::SfError;
use super::name::FieldName;
use super::transport::{Call, Target};
use super::wire::{decode, CreateResponse, Record};

/// A custom field to create.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomFieldSpec {
    /// The object's API name (`Contact`, `Campaign`).
    pub object: &'static str,
    /// The API name, ending in `__c`.
    pub name: FieldName,
    pub label: String,
    pub kind: CustomFieldKind,
}

/// The field types setup creates.
#[derive(Clone, Debug, PartialEq)]
pub enum CustomFieldKind {
    /// Text of `length` characters; `external_id` indexes it for look-ups and upserts, `unique`
    /// (case-insensitive) makes Salesforce refuse a second record with the same value.
    Text {
        length: u32,
        external_id: bool,
        unique: bool,
    },
    /// A checkbox with its default.
    Checkbox { default: bool },
}

impl CustomFieldSpec {
    /// The Tooling API body: `FullName` (`Contact.SCIM_Key__c`) and `Metadata`.
    fn body(&self) -> Value {
        let metadata = match &self.kind {
            CustomFieldKind::Text {
                length,
                external_id,
                unique,
            } => json!({
                "label": self.label,
                "type": "Text",
                "length": length,
                "externalId": external_id,
                "unique": unique,
                "caseSensitive": false,
                "required": false,
            }),
            CustomFieldKind::Checkbox { default } => json!({
                "label": self.label,
                "type": "Checkbox",
                "defaultValue": if *default { "true" } else { "false" },
            }),
        };
        json!({
            "FullName": format!("{}.{}", self.object, self.name),
            "Metadata": metadata,
        })
    }
}

impl SalesforceClient {
    /// `POST /tooling/sobjects/CustomField` → the new field's id. Not retried after an
    /// attempt that reached Salesforce (a second create of the same field fails with
    /// `DUPLICATE_DEVELOPER_NAME`, which setup reports); cached describes are forgotten.
    pub async fn create_custom_field(&self, spec: &CustomFieldSpec) -> Result<String, SfError> {
        let body: Record = match spec.body() {
            Value::Object(o) => o,
            _ => Record::new(),
        };
        let mut call = Call::new(
            Method::POST,
            Target::Versioned("/tooling/sobjects/CustomField".to_string()),
            "/tooling/sobjects/CustomField",
            Some(spec.object),
        );
        call.body = Some(&body);
        let raw = self.attempt(&call, 1).await.map_err(|f| f.error)?;
        self.clear_describe_cache();
        let created: CreateResponse = decode(&raw, "tooling create answer")?;
        match created.id {
            Some(id) if created.success => Ok(id),
            _ => Err(SfError::Api {
                status: 400,
                errors: created.errors,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_field_is_an_external_id_unique_case_insensitive_text() {
        let spec = CustomFieldSpec {
            object: "Contact",
            name: FieldName::from_static("SCIM_Key__c"),
            label: "SCIM Key".into(),
            kind: CustomFieldKind::Text {
                length: 255,
                external_id: true,
                unique: true,
            },
        };
        let body = spec.body();
        assert_eq!(body["FullName"], json!("Contact.SCIM_Key__c"));
        assert_eq!(body["Metadata"]["type"], json!("Text"));
        assert_eq!(body["Metadata"]["externalId"], json!(true));
        assert_eq!(body["Metadata"]["unique"], json!(true));
        assert_eq!(body["Metadata"]["caseSensitive"], json!(false));
    }
}

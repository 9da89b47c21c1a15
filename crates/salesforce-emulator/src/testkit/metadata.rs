//! The kit's metadata calls: describe, one field's describe entry, and custom fields created
//! through the Tooling API.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{Kit, KitError};

impl Kit {
    /// `GET /sobjects/{object}/describe`.
    pub async fn describe(&self, object: &str) -> Result<Value, KitError> {
        let path = format!("/sobjects/{object}/describe");
        Ok(self
            .rest(Method::GET, &path, None)
            .await?
            .expect_status(StatusCode::OK, &format!("describe {object}"))?
            .body)
    }

    /// One field's describe entry (name matched without case); `None` if the object has no
    /// such field.
    pub async fn describe_field(
        &self,
        object: &str,
        name: &str,
    ) -> Result<Option<Value>, KitError> {
        let d = self.describe(object).await?;
        Ok(d["fields"].as_array().and_then(|fs| {
            fs.iter()
                .find(|f| {
                    f["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
                .cloned()
        }))
    }

    /// Creates a custom field through the Tooling API
    /// (`POST /tooling/sobjects/CustomField` with `{"FullName", "Metadata"}`; 201 expected)
    /// and returns its `00N` id. `full_name` is `Object.Field__c`; `metadata` the CustomField
    /// metadata, e.g. `{"label":"SCIM Key","type":"Text","length":255,"externalId":true,
    /// "unique":true}` or `{"label":"Active","type":"Checkbox","defaultValue":"true"}`.
    pub async fn create_custom_field(
        &self,
        full_name: &str,
        metadata: &Value,
    ) -> Result<String, KitError> {
        let what = format!("create custom field {full_name}");
        let body = json!({"FullName": full_name, "Metadata": metadata});
        let reply = self
            .rest(Method::POST, "/tooling/sobjects/CustomField", Some(&body))
            .await?
            .expect_status(StatusCode::CREATED, &what)?;
        match reply.body["id"].as_str() {
            Some(id) => Ok(id.to_string()),
            None => Err(KitError::Unexpected {
                what: format!("{what} (no id)"),
                status: reply.status,
                body: reply.body,
            }),
        }
    }
}

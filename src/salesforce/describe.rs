//! Org and object metadata: `describe` (cached per object, since metadata look-ups are slow and
//! count against the daily allowance), `/limits`, and the API versions an instance serves.

use std::sync::Arc;
use std::time::Instant;

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::client::SalesforceClient;
use super::error::SfError;
use super::sobject::SObject;
use super::transport::{Call, Target};
use super::wire::{decode, default_true, VersionEntry};

/// An object's metadata (`GET /sobjects/{object}/describe`), reduced to what mapping needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Describe {
    pub name: String,
    pub createable: bool,
    pub updateable: bool,
    pub deletable: bool,
    pub queryable: bool,
    pub fields: Vec<FieldDescribe>,
}

impl Describe {
    /// A field by name, case-insensitively (Salesforce names are case-insensitive).
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// One field of a [`Describe`].
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDescribe {
    pub name: String,
    /// Salesforce's type name: `string`, `email`, `boolean`, `picklist`, `id`, `reference`, …
    pub field_type: String,
    /// Maximum length for text fields (0 otherwise).
    pub length: u64,
    pub createable: bool,
    pub updateable: bool,
    pub nillable: bool,
    pub defaulted_on_create: bool,
    /// Active picklist values.
    pub picklist_values: Vec<String>,
    pub external_id: bool,
    pub unique: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDescribe {
    name: String,
    #[serde(default)]
    createable: bool,
    #[serde(default)]
    updateable: bool,
    #[serde(default)]
    deletable: bool,
    #[serde(default)]
    queryable: bool,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawField {
    name: String,
    #[serde(rename = "type", default)]
    field_type: String,
    #[serde(default)]
    length: u64,
    #[serde(default)]
    createable: bool,
    #[serde(default)]
    updateable: bool,
    #[serde(default)]
    nillable: bool,
    #[serde(default)]
    defaulted_on_create: bool,
    #[serde(default)]
    picklist_values: Vec<RawPicklistValue>,
    #[serde(default)]
    external_id: bool,
    #[serde(default)]
    unique: bool,
}

#[derive(Deserialize)]
struct RawPicklistValue {
    value: String,
    #[serde(default = "default_true")]
    active: bool,
}

impl From<RawField> for FieldDescribe {
    fn from(f: RawField) -> Self {
        FieldDescribe {
            name: f.name,
            field_type: f.field_type,
            length: f.length,
            createable: f.createable,
            updateable: f.updateable,
            nillable: f.nillable,
            defaulted_on_create: f.defaulted_on_create,
            picklist_values: f
                .picklist_values
                .into_iter()
                .filter(|p| p.active)
                .map(|p| p.value)
                .collect(),
            external_id: f.external_id,
            unique: f.unique,
        }
    }
}

impl From<RawDescribe> for Describe {
    fn from(raw: RawDescribe) -> Self {
        Describe {
            name: raw.name,
            createable: raw.createable,
            updateable: raw.updateable,
            deletable: raw.deletable,
            queryable: raw.queryable,
            fields: raw.fields.into_iter().map(FieldDescribe::from).collect(),
        }
    }
}

impl SalesforceClient {
    /// `GET /sobjects/{object}/describe`, cached per object for `describe_ttl`.
    pub async fn describe(&self, object: SObject) -> Result<Arc<Describe>, SfError> {
        if let Some(entry) = self.inner.describes.get(&object) {
            let (at, describe) = entry.value();
            if at.elapsed() < self.inner.describe_ttl {
                return Ok(Arc::clone(describe));
            }
        }
        let call = Call::new(
            Method::GET,
            Target::Versioned(format!("/sobjects/{object}/describe")),
            "/sobjects/{object}/describe",
            Some(object.as_str()),
        );
        let body = self.execute(&call, "describe").await?;
        let raw: RawDescribe = decode(&body, "describe answer")?;
        let describe = Arc::new(Describe::from(raw));
        self.inner
            .describes
            .insert(object, (Instant::now(), Arc::clone(&describe)));
        Ok(describe)
    }

    /// `GET /sobjects/{object}/describe` of an object people are not provisioned into (Campaign,
    /// CampaignMember), uncached: only "test connection" and `setup-org` ask.
    pub async fn describe_other(&self, object: &'static str) -> Result<Describe, SfError> {
        let call = Call::new(
            Method::GET,
            Target::Versioned(format!("/sobjects/{object}/describe")),
            "/sobjects/{object}/describe",
            Some(object),
        );
        let body = self.execute(&call, "describe").await?;
        let raw: RawDescribe = decode(&body, "describe answer")?;
        Ok(Describe::from(raw))
    }

    /// Forgets cached describe answers (after a schema change in the org).
    pub fn clear_describe_cache(&self) {
        self.inner.describes.clear();
    }

    /// `GET /limits`: the org's limits as Salesforce reports them.
    pub async fn limits(&self) -> Result<Value, SfError> {
        let call = Call::new(
            Method::GET,
            Target::Versioned("/limits".to_string()),
            "/limits",
            None,
        );
        let body = self.execute(&call, "limits").await?;
        decode(&body, "limits answer")
    }

    /// `GET /services/data/`: the API versions the instance serves (no token needed, not counted
    /// against the daily limit).
    pub async fn versions(&self) -> Result<Vec<String>, SfError> {
        let mut call = Call::new(
            Method::GET,
            Target::Root("/services/data/".to_string()),
            "/services/data/",
            None,
        );
        call.authenticated = false;
        let body = self.execute(&call, "versions").await?;
        let entries: Vec<VersionEntry> = decode(&body, "versions answer")?;
        Ok(entries.into_iter().map(|v| v.version).collect())
    }
}

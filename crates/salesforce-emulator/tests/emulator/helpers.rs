//! Test harness: an emulator started per test, with a token, driven through
//! `salesforce_emulator::testkit` (so these tests use the same client the bridge's tests do).

use std::sync::LazyLock;

use reqwest::{Method, StatusCode};
use salesforce_emulator::testkit::{Kit, Reply};
use salesforce_emulator::{spawn, EmulatorConfig, EmulatorHandle};
use serde_json::{json, Value};

pub use salesforce_emulator::testkit::REST_PREFIX as V;

/// An answer (status, headers, JSON body).
pub type Resp = Reply;

/// `EmulatorConfig::default()`: the credentials and users every test org starts with.
pub static DEFAULTS: LazyLock<EmulatorConfig> = LazyLock::new(EmulatorConfig::default);

pub struct Org {
    pub handle: EmulatorHandle,
    pub kit: Kit,
    /// A token from the default credentials ([`DEFAULTS`]), or "" when the org's
    /// configuration refuses them (tests of other credentials redeem those themselves).
    pub token: String,
}

impl Org {
    pub async fn start() -> Org {
        Self::with(EmulatorConfig::default()).await
    }

    pub async fn with(config: EmulatorConfig) -> Org {
        let handle = spawn(config).await.expect("emulator starts");
        let kit = Kit::new(handle.base_url());
        let r = kit.token_grant(&kit.refresh_form()).await.expect("token");
        let token = if r.status == StatusCode::OK {
            r.body["access_token"].as_str().unwrap_or("").to_string()
        } else {
            String::new()
        };
        Org { handle, kit, token }
    }

    pub fn url(&self, path: &str) -> String {
        self.kit.url(path)
    }

    pub async fn token_grant(&self, form: &[(&str, &str)]) -> Resp {
        self.kit.token_grant(form).await.expect("token request")
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Resp {
        self.kit
            .send(method, path, token, headers, body)
            .await
            .expect("request")
    }

    /// An authenticated REST call under [`V`].
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.kit
            .rest_with(&self.token, method, path, body.as_ref())
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a record and returns its id.
    pub async fn create(&self, object: &str, body: Value) -> String {
        let r = self.post(&format!("/sobjects/{object}"), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "create failed: {}", r.body);
        r.body["id"].as_str().expect("id").to_string()
    }

    /// A control call; `path` is absolute (`/__emulator/reset`).
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let path = path.strip_prefix("/__emulator/").unwrap_or(path);
        self.kit
            .control(method, path, body.as_ref())
            .await
            .expect("control request")
    }

    pub async fn stats(&self) -> Value {
        self.kit.stats_json().await.expect("stats")
    }
}

/// The one-element Salesforce error array.
pub fn err(code: &str, message: &str) -> Value {
    json!([{"errorCode": code, "message": message}])
}

pub fn dml_err(code: &str, message: &str, fields: &[&str]) -> Value {
    json!([{"errorCode": code, "message": message, "fields": fields}])
}

/// An org whose Contacts have `SCIM_Key__c`, a Text(255) External ID + Unique
/// (case-insensitive) field: the bridge's per-connection key.
pub async fn key_org() -> Org {
    Org::with(EmulatorConfig {
        custom_fields: vec![salesforce_emulator::CustomField::external_id(
            "Contact",
            "SCIM_Key__c",
            255,
        )],
        ..EmulatorConfig::default()
    })
    .await
}

/// The 15-character form of an id, as `DUPLICATE_VALUE` messages name records.
pub fn id15(id: &str) -> &str {
    &id[..15]
}

/// Salesforce's `DUPLICATE_VALUE` body for a unique field.
pub fn duplicate_value(field: &str, other: &str) -> Value {
    dml_err(
        "DUPLICATE_VALUE",
        &format!(
            "duplicate value found: {field} duplicates value on record with id: {}",
            id15(other)
        ),
        &[],
    )
}

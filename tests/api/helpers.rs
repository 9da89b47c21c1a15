//! `TestApp`: an emulator and a bridge on port 0, with helpers to call both.
// Not every test module uses every helper.
#![allow(dead_code)]

use std::net::TcpListener;

use reqwest::{Method, Response};
use salesforce_emulator::{EmulatorConfig, EmulatorHandle};
use scim_bridge::config::{self, Config};
use scim_bridge::demo;
use scim_bridge::startup::Application;
use serde_json::{json, Value};

pub const TOKEN: &str = demo::DEFAULT_TOKEN;
pub const ADMIN_TOKEN: &str = demo::ADMIN_TOKEN;
pub const SCIM: &str = "application/scim+json";

/// Logs show only with `TEST_LOG=1`.
fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_test_writer()
            .try_init();
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT` of the bridge.
    pub address: String,
    pub sf: EmulatorHandle,
    pub http: reqwest::Client,
    bridge: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// The demo setup: `contacts` (Contact) and `leads` (Lead) with default mapping and policy.
    pub async fn spawn() -> TestApp {
        Self::spawn_custom(demo::emulator_config(), |t| t).await
    }

    /// The demo setup with its TOML edited first (e.g. a policy table appended).
    pub async fn spawn_with(edit: impl FnOnce(String) -> String) -> TestApp {
        Self::spawn_custom(demo::emulator_config(), edit).await
    }

    /// A custom emulator and an edited configuration.
    pub async fn spawn_custom(
        emulator: EmulatorConfig,
        edit: impl FnOnce(String) -> String,
    ) -> TestApp {
        init_logs();
        let sf = salesforce_emulator::spawn(emulator)
            .await
            .expect("emulator starts");
        let text = edit(demo::demo_config_text("127.0.0.1:0", sf.base_url(), TOKEN));
        let cfg: Config = Config::from_raw(config::parse_raw(&text).expect("toml parses"))
            .unwrap_or_else(|e| panic!("test config is invalid: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let app = Application::build(&cfg, listener, Some(1)).expect("bridge builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let bridge = app.handle();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            sf,
            http: reqwest::Client::new(),
            bridge,
        }
    }

    pub async fn stop(self) {
        self.bridge.stop(false).await;
        self.sf.stop().await;
    }

    /// `http://…/scim/v2/{conn}`.
    pub fn scim(&self, conn: &str) -> String {
        format!("{}/scim/v2/{conn}", self.address)
    }

    /// A SCIM request with the connection's bearer token; `path` is relative to the
    /// connection's base URL (`/Users`, `/Users/{id}`).
    pub async fn call(
        &self,
        method: Method,
        conn: &str,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.scim(conn)))
            .bearer_auth(TOKEN)
            .header("Accept", SCIM);
        if let Some(b) = body {
            req = req.header("Content-Type", SCIM).body(b.to_string());
        }
        req.send().await.expect("bridge answers")
    }

    pub async fn get(&self, conn: &str, path: &str) -> Response {
        self.call(Method::GET, conn, path, None).await
    }
    pub async fn post(&self, conn: &str, path: &str, body: Value) -> Response {
        self.call(Method::POST, conn, path, Some(body)).await
    }
    pub async fn put(&self, conn: &str, path: &str, body: Value) -> Response {
        self.call(Method::PUT, conn, path, Some(body)).await
    }
    pub async fn patch(&self, conn: &str, path: &str, body: Value) -> Response {
        self.call(Method::PATCH, conn, path, Some(body)).await
    }
    pub async fn delete(&self, conn: &str, path: &str) -> Response {
        self.call(Method::DELETE, conn, path, None).await
    }

    /// `GET /Users?filter=…` with the filter URL-encoded.
    pub async fn filter(&self, conn: &str, filter: &str) -> Value {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/Users", self.scim(conn)),
            &[("filter", filter)],
        )
        .expect("url");
        let res = self
            .http
            .get(url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("bridge answers");
        assert_eq!(res.status(), 200, "filter {filter} failed");
        res.json().await.expect("json")
    }

    /// Creates a user through the bridge and returns its SCIM id.
    pub async fn create_user(&self, conn: &str, body: Value) -> String {
        let res = self.post(conn, "/Users", body).await;
        let status = res.status();
        let json: Value = res.json().await.expect("json");
        assert_eq!(status, 201, "create failed: {json}");
        json["id"].as_str().expect("id").to_string()
    }

    // ---- Salesforce side (the emulator, with its default credentials) ----

    /// An access token for direct Salesforce calls.
    pub async fn sf_token(&self) -> String {
        let d = EmulatorConfig::default();
        let res: Value = self
            .http
            .post(format!("{}/services/oauth2/token", self.sf.base_url()))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", d.client_id.as_str()),
                ("client_secret", d.client_secret.as_str()),
                ("refresh_token", d.refresh_token.as_str()),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token json");
        res["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    fn sf_rest(&self, path: &str) -> String {
        format!("{}/services/data/v62.0{path}", self.sf.base_url())
    }

    /// Runs SOQL directly against Salesforce and returns the records.
    pub async fn sf_query(&self, soql: &str) -> Vec<Value> {
        let token = self.sf_token().await;
        let res: Value = self
            .http
            .get(self.sf_rest("/query"))
            .query(&[("q", soql)])
            .bearer_auth(token)
            .send()
            .await
            .expect("query")
            .json()
            .await
            .expect("query json");
        res["records"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("query failed: {res}"))
    }

    /// Reads one record directly from Salesforce (`None` if missing or deleted).
    pub async fn sf_get(&self, object: &str, id: &str) -> Option<Value> {
        let token = self.sf_token().await;
        let res = self
            .http
            .get(self.sf_rest(&format!("/sobjects/{object}/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        if res.status() == 200 {
            Some(res.json().await.expect("json"))
        } else {
            None
        }
    }

    /// Creates a record directly in Salesforce (as if it existed before the bridge).
    pub async fn sf_create(&self, object: &str, fields: Value) -> String {
        let token = self.sf_token().await;
        let res: Value = self
            .http
            .post(self.sf_rest(&format!("/sobjects/{object}")))
            .bearer_auth(token)
            .json(&fields)
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        res["id"]
            .as_str()
            .unwrap_or_else(|| panic!("create failed: {res}"))
            .to_string()
    }

    /// `POST /__emulator/{path}` on the emulator's control API.
    pub async fn sf_control(&self, path: &str, body: Value) -> Value {
        let res = self
            .http
            .post(format!("{}/__emulator/{path}", self.sf.base_url()))
            .json(&body)
            .send()
            .await
            .expect("control");
        assert!(
            res.status().is_success(),
            "control {path} failed: {}",
            res.status()
        );
        res.json().await.unwrap_or(Value::Null)
    }

    /// The emulator's request counters.
    pub async fn sf_stats(&self) -> Value {
        self.http
            .get(format!("{}/__emulator/stats", self.sf.base_url()))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json")
    }

    /// Counted Salesforce API requests so far.
    pub async fn api_requests(&self) -> u64 {
        self.sf_stats().await["api_requests_total"]
            .as_u64()
            .expect("counter")
    }
}

/// A typical SCIM User body.
pub fn user(email: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": email, "type": "work", "primary": true}],
        "active": true
    })
}

/// A typical Lead body (with the organisation that feeds Company).
pub fn lead_user(email: &str, given: &str, family: &str, company: &str) -> Value {
    let mut u = user(email, given, family);
    u["schemas"] = json!([
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ]);
    u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
        json!({"organization": company});
    u
}

/// Asserts a SCIM error body: status (as a string), scimType (if given), and a detail.
pub async fn assert_scim_error(res: Response, status: u16, scim_type: Option<&str>) -> Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(ct.starts_with(SCIM), "error content type was {ct}");
    let body: Value = res.json().await.expect("error body is JSON");
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], json!(status.to_string()));
    if let Some(t) = scim_type {
        assert_eq!(body["scimType"], json!(t), "body: {body}");
    }
    assert!(
        body["detail"].as_str().is_some_and(|d| d.len() > 10),
        "detail missing: {body}"
    );
    body
}

// ---- shared by several test modules ----

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// One connection of the demo setup and the Salesforce object behind it.
#[derive(Clone, Copy)]
pub struct Kind {
    pub conn: &'static str,
    pub object: &'static str,
}

pub const CONTACTS: Kind = Kind {
    conn: "contacts",
    object: "Contact",
};

pub const LEADS: Kind = Kind {
    conn: "leads",
    object: "Lead",
};

impl Kind {
    /// A user body; Leads carry the organisation that feeds Company.
    pub fn body(self, email: &str, given: &str, family: &str) -> Value {
        match self.object {
            "Lead" => lead_user(email, given, family, "US Navy"),
            _ => user(email, given, family),
        }
    }

    /// Whether Salesforce holds the record as disabled (Contact `Active__c`, Lead `Status`).
    pub fn is_disabled(self, record: &Value) -> bool {
        match self.object {
            "Lead" => record["Status"] == "Closed - Not Converted",
            _ => record["Active__c"] == false,
        }
    }

    pub fn id_prefix(self) -> &'static str {
        match self.object {
            "Lead" => "00Q",
            _ => "003",
        }
    }

    /// The fields a person already has in Salesforce before the bridge sees them.
    pub fn existing(self, email: &str) -> Value {
        let mut f = json!({
            "FirstName": "Johnny",
            "LastName": "Smith",
            "Email": email,
            "Title": "Sales Rep",
            "Description": "Met at Dreamforce"
        });
        if self.object == "Lead" {
            f["Company"] = json!("Old Co");
        }
        f
    }

    /// The TOML edit that puts `on_existing = "conflict"` inside this connection's table.
    pub fn conflict(self) -> impl FnOnce(String) -> String {
        let object = self.object;
        move |toml: String| {
            let from = format!("record_type = \"{object}\"");
            toml.replace(&from, &format!("{from}\non_existing = \"conflict\""))
        }
    }
}

/// An edit for `TestApp::spawn_with` that appends a policy table to one connection.
pub fn with_policy(conn: &'static str, keys: &'static str) -> impl FnOnce(String) -> String {
    move |toml| format!("{toml}\n[connections.{conn}.policy]\n{keys}\n")
}

/// A PatchOp request body with the given operations.
pub fn patch_ops(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// The policy notice of a response, if any.
pub fn notice(res: &Response) -> Option<String> {
    res.headers()
        .get("x-scim-bridge-notice")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

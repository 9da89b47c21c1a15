//! `TestApp`: an emulator and a bridge on port 0, with helpers to call both (the Salesforce side
//! through `salesforce_emulator::testkit`), and the request bodies and checks several test
//! modules share.
// Not every test module uses every helper.
#![allow(dead_code)]

use std::net::TcpListener;

use reqwest::{Method, Response, StatusCode};
use salesforce_emulator::testkit::{FaultId, Kit};
use salesforce_emulator::{EmulatorConfig, EmulatorHandle};
use scim_bridge::config::{self, Config};
use scim_bridge::demo;
use scim_bridge::salesforce::DEFAULT_API_VERSION;
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
    /// Direct access to Salesforce (the emulator) with `EmulatorConfig::default()` credentials,
    /// at the bridge's API version.
    pub kit: Kit,
    pub http: reqwest::Client,
    bridge: actix_web::dev::ServerHandle,
    /// The `metrics_listen` port, when the configuration sets one.
    pub metrics_port: Option<u16>,
}

impl TestApp {
    /// The demo's connections: `contacts` (Contact) and `leads` (Lead) with default mapping and
    /// policy, without the demo's promotion (see `promotion.rs`, which adds it).
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
        Self::spawn_tuned(emulator, edit, |_| {}).await
    }

    /// As [`Self::spawn_custom`], with the validated configuration changed before the bridge
    /// starts (for settings that are not configuration keys, such as the token back-off).
    pub async fn spawn_tuned(
        emulator: EmulatorConfig,
        edit: impl FnOnce(String) -> String,
        tune: impl FnOnce(&mut Config),
    ) -> TestApp {
        init_logs();
        let sf = salesforce_emulator::spawn(emulator)
            .await
            .expect("emulator starts");
        let text = edit(demo::connections_text("127.0.0.1:0", sf.base_url(), TOKEN));
        let mut cfg: Config = Config::from_raw(config::parse_raw(&text).expect("toml parses"))
            .unwrap_or_else(|e| panic!("test config is invalid: {e}"));
        tune(&mut cfg);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let app = Application::build(&cfg, listener, Some(1)).expect("bridge builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let bridge = app.handle();
        let metrics_port = app.metrics_port();
        tokio::spawn(app.run_until_stopped());
        let kit = Kit::new(sf.base_url()).with_api_version(DEFAULT_API_VERSION);
        TestApp {
            address,
            sf,
            kit,
            http: reqwest::Client::new(),
            bridge,
            metrics_port,
        }
    }

    pub async fn stop(self) {
        self.bridge.stop(false).await;
        self.sf.stop().await;
    }

    /// A second bridge replica on the same Salesforce (the demo configuration): its
    /// `http://127.0.0.1:PORT` and its handle (stop it before [`Self::stop`]).
    pub async fn second_bridge(&self) -> (String, actix_web::dev::ServerHandle) {
        self.another_bridge(|t| t).await
    }

    /// Another bridge on the same Salesforce, its configuration edited first (for settings
    /// that name records this Salesforce holds): its `http://127.0.0.1:PORT` and handle.
    pub async fn another_bridge(
        &self,
        edit: impl FnOnce(String) -> String,
    ) -> (String, actix_web::dev::ServerHandle) {
        let text = edit(demo::connections_text(
            "127.0.0.1:0",
            self.sf.base_url(),
            TOKEN,
        ));
        let cfg: Config = Config::from_raw(config::parse_raw(&text).expect("toml parses"))
            .unwrap_or_else(|e| panic!("test config is invalid: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let app = Application::build(&cfg, listener, Some(1)).expect("bridge builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        (address, handle)
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

    // ---- Salesforce side (the emulator through its testkit, default credentials) ----

    /// An access token for direct Salesforce calls (a new one each call).
    pub async fn sf_token(&self) -> String {
        self.kit.token().await.expect("token")
    }

    /// The URL of a Salesforce REST path at the bridge's API version (`/composite/sobjects`).
    pub fn sf_rest_url(&self, path: &str) -> String {
        self.kit.rest_url(path)
    }

    /// Runs SOQL directly against Salesforce and returns the records.
    pub async fn sf_query(&self, soql: &str) -> Vec<Value> {
        self.kit.query(soql).await.expect("query")
    }

    /// How many live Contacts Salesforce holds: all, or those with this Email.
    pub async fn contact_count(&self, email: Option<&str>) -> u64 {
        let condition = email.map(|e| format!("Email = '{e}'"));
        self.kit
            .count("Contact", condition.as_deref())
            .await
            .expect("count")
    }

    /// Reads one record directly from Salesforce (`None` if missing or deleted).
    pub async fn sf_get(&self, object: &str, id: &str) -> Option<Value> {
        self.kit.record(object, id).await.expect("read")
    }

    /// A record as Salesforce holds it; panics if it is missing.
    pub async fn sf_record(&self, kind: Kind, id: &str) -> Value {
        self.sf_get(kind.object, id)
            .await
            .unwrap_or_else(|| panic!("{} {id} is not in Salesforce", kind.object))
    }

    /// Creates a record directly in Salesforce (as if it existed before the bridge).
    pub async fn sf_create(&self, object: &str, fields: Value) -> String {
        self.kit.create(object, &fields).await.expect("create")
    }

    /// Updates a record directly in Salesforce, as an admin would in the Salesforce UI.
    pub async fn sf_update(&self, object: &str, id: &str, fields: Value) {
        self.kit.update(object, id, &fields).await.expect("update");
    }

    /// Deletes a record directly in Salesforce (into the Recycle Bin), behind the bridge's back.
    pub async fn sf_delete(&self, object: &str, id: &str) {
        self.kit.delete(object, id).await.expect("delete");
    }

    /// `POST /__emulator/{path}` on the emulator's control API; the answer's body.
    pub async fn sf_control(&self, path: &str, body: Value) -> Value {
        let res = self
            .kit
            .control(Method::POST, path, Some(&body))
            .await
            .expect("control");
        assert!(
            res.status.is_success(),
            "control {path} failed: {} {}",
            res.status,
            res.body
        );
        res.body
    }

    /// Injects a fault (the emulator README's spec); assert it fired with [`Self::sf_fired`].
    pub async fn sf_fault(&self, spec: Value) -> FaultId {
        self.kit.inject_fault(&spec).await.expect("fault")
    }

    /// How often a fault fired so far.
    pub async fn sf_fired(&self, fault: FaultId) -> u64 {
        self.kit.fired(fault).await.expect("stats")
    }

    /// Drops every injected fault.
    pub async fn sf_clear_faults(&self) {
        self.kit.clear_faults().await.expect("clear faults");
    }

    /// The emulator's counters, as served (`GET /__emulator/stats`).
    pub async fn sf_stats(&self) -> Value {
        self.kit.stats_json().await.expect("stats")
    }

    /// Counted Salesforce API requests so far.
    pub async fn api_requests(&self) -> u64 {
        self.kit.stats().await.expect("stats").api_requests_total
    }

    /// Token requests Salesforce has answered so far.
    pub async fn token_requests(&self) -> u64 {
        self.kit.stats().await.expect("stats").token_requests
    }

    // ---- the bridge's admin API ----

    /// `GET /metrics` with the admin token, parsed as Prometheus parses it.
    pub async fn metrics(&self) -> prometheus_parse::Scrape {
        let res = self
            .http
            .get(format!("{}/metrics", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("bridge answers");
        assert_eq!(res.status(), 200, "GET /metrics");
        let text = res.text().await.expect("body");
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
            .unwrap_or_else(|e| panic!("/metrics is not the text format ({e}):\n{text}"))
    }

    /// `GET /admin/connections/{conn}/{path}` with the admin token.
    pub async fn admin_get(&self, conn: &str, path: &str) -> Value {
        let res = self
            .http
            .get(format!("{}/admin/connections/{conn}/{path}", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("bridge answers");
        assert_eq!(res.status(), 200, "GET /admin/connections/{conn}/{path}");
        res.json().await.expect("JSON")
    }

    /// `POST /admin/connections/{conn}/test`, with `token` as the bearer if given.
    pub async fn admin_test(&self, conn: &str, token: Option<&str>) -> Response {
        let mut req = self
            .http
            .post(format!("{}/admin/connections/{conn}/test", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("bridge answers")
    }
}

/// The value of the sample `name` whose labels include every pair of `labels` (0 when absent:
/// a counter that never moved is not exported).
pub fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

/// Status and JSON body of a response (`Value::Null` for an empty body; panics if not JSON).
pub async fn read(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, body)
}

/// The JSON body of a response (panics if it has none).
pub async fn json_of(res: Response) -> Value {
    res.json().await.expect("JSON body")
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

pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

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

/// An edit for `TestApp::spawn_with` that adds TOML keys to every connection's
/// `[connections.*.salesforce]` table.
pub fn with_salesforce_keys(keys: impl Into<String>) -> impl FnOnce(String) -> String {
    let keys: String = keys.into();
    move |toml| {
        let mut out = String::with_capacity(toml.len() + 4 * keys.len());
        for line in toml.lines() {
            out.push_str(line);
            out.push('\n');
            if line.starts_with("[connections.") && line.ends_with(".salesforce]") {
                out.push_str(&keys);
                out.push('\n');
            }
        }
        out
    }
}

/// An edit that sets `request_deadline_secs` and every connection's `salesforce.timeout_secs`
/// (which the configuration requires to be below the deadline).
pub fn with_timeouts(deadline_secs: u64, timeout_secs: u64) -> impl FnOnce(String) -> String {
    move |toml| {
        let toml = with_salesforce_keys(format!("timeout_secs = {timeout_secs}"))(toml);
        format!("request_deadline_secs = {deadline_secs}\n{toml}")
    }
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

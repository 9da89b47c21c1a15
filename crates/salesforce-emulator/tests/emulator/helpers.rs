//! Test harness: start an emulator, get a token, send REST calls.

use reqwest::{Method, StatusCode};
use salesforce_emulator::{spawn, EmulatorConfig, EmulatorHandle};
use serde_json::{json, Value};

pub const V: &str = "/services/data/v60.0";

pub struct Org {
    pub handle: EmulatorHandle,
    pub http: reqwest::Client,
    pub token: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Org {
    pub async fn start() -> Org {
        Self::with(EmulatorConfig::default()).await
    }

    pub async fn with(config: EmulatorConfig) -> Org {
        let handle = spawn(config).await.expect("emulator starts");
        let http = reqwest::Client::new();
        let mut org = Org {
            handle,
            http,
            token: String::new(),
        };
        let r = org
            .token_grant(&[
                ("grant_type", "refresh_token"),
                ("client_id", "demo-client-id"),
                ("client_secret", "demo-client-secret"),
                ("refresh_token", "demo-refresh-token"),
            ])
            .await;
        if r.status == StatusCode::OK {
            org.token = r.body["access_token"].as_str().unwrap_or("").to_string();
        }
        org
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.handle.base_url(), path)
    }

    pub async fn token_grant(&self, form: &[(&str, &str)]) -> Resp {
        let r = self
            .http
            .post(self.url("/services/oauth2/token"))
            .form(form)
            .send()
            .await
            .expect("token request");
        to_resp(r).await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Resp {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        to_resp(req.send().await.expect("request")).await
    }

    /// An authenticated REST call under /services/data/v60.0.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.raw(
            method,
            &format!("{V}{path}"),
            Some(&self.token.clone()),
            &[],
            body.map(|b| b.to_string()),
        )
        .await
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

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.raw(method, path, None, &[], body.map(|b| b.to_string()))
            .await
    }

    pub async fn stats(&self) -> Value {
        self.control(Method::GET, "/__emulator/stats", None)
            .await
            .body
    }
}

pub async fn to_resp(r: reqwest::Response) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Resp {
        status,
        headers,
        body,
    }
}

/// The one-element Salesforce error array.
pub fn err(code: &str, message: &str) -> Value {
    json!([{"errorCode": code, "message": message}])
}

pub fn dml_err(code: &str, message: &str, fields: &[&str]) -> Value {
    json!([{"errorCode": code, "message": message, "fields": fields}])
}

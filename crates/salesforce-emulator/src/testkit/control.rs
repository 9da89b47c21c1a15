//! The kit's control-API half: faults and how often each fired, reset, token expiry, the daily
//! API limit, Lead conversion, portal users, duplicate rules and `GET /__emulator/stats` (typed
//! as [`Stats`]).

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Kit, KitError, Reply};

/// The id `POST /__emulator/faults` gave a fault; [`Stats::fired`] looks its count up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(pub u64);

/// `GET /__emulator/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Counted API requests since start or reset (what `api-usage` reports).
    pub api_requests_total: u64,
    /// Counted requests by `METHOD /path/{template}`, e.g. `POST /composite`.
    pub by_endpoint: BTreeMap<String, u64>,
    /// Token grants asked for (never counted as API requests).
    pub token_requests: u64,
    /// Firings of any fault since start or reset (a clear does not zero it).
    pub faults_fired: u64,
    /// The faults added since the last reset or clear, in the order they were added.
    pub faults: Vec<FaultStats>,
}

impl Stats {
    /// Requests counted for one endpoint template (0 if none).
    pub fn endpoint(&self, key: &str) -> u64 {
        self.by_endpoint.get(key).copied().unwrap_or(0)
    }

    /// One fault's entry, if it was added since the last reset or clear.
    pub fn fault(&self, id: FaultId) -> Option<&FaultStats> {
        self.faults.iter().find(|f| f.id == id)
    }

    /// How often one fault fired (0 if it never did or is no longer listed).
    pub fn fired(&self, id: FaultId) -> u64 {
        self.fault(id).map_or(0, |f| f.fired)
    }
}

/// One fault in [`Stats::faults`]: its spec as the emulator applies it, and its firings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultStats {
    pub id: FaultId,
    #[serde(rename = "errorCode")]
    pub error_code: Option<String>,
    /// The status an error fault answers (given, or implied by its code).
    pub status: Option<u16>,
    /// The delay of a delay fault (`None` for an error fault).
    pub delay_ms: Option<u64>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub count: Option<u64>,
    pub rate: Option<f64>,
    /// How many requests it hit.
    pub fired: u64,
    /// Firings left (`None` for a rate fault, which never runs out).
    pub remaining: Option<u64>,
}

/// The org's daily API limit and the requests counted against it, as `POST
/// /__emulator/limits` answers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiLimits {
    /// `DailyApiRequests.Max`, the `N` of `api-usage=M/N`.
    pub daily_requests: u64,
    /// Requests counted so far, the `M` of `api-usage=M/N`.
    pub used: u64,
}

impl Kit {
    /// A call under `/__emulator/` (`path` without that prefix, e.g. `faults`), whatever it
    /// answers.
    pub async fn control(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, KitError> {
        let path = format!("/__emulator/{}", path.trim_start_matches('/'));
        self.send(method, &path, None, &[], body.map(Value::to_string))
            .await
    }

    async fn control_ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, KitError> {
        let what = format!("{method} /__emulator/{path}");
        self.control(method, path, body)
            .await?
            .expect_success(&what)
    }

    /// Adds a fault (`POST /__emulator/faults`, spec as the README documents) and returns its id.
    pub async fn inject_fault(&self, spec: &Value) -> Result<FaultId, KitError> {
        let reply = self.control_ok(Method::POST, "faults", Some(spec)).await?;
        match reply.body["id"].as_u64() {
            Some(id) => Ok(FaultId(id)),
            None => Err(KitError::Unexpected {
                what: "POST /__emulator/faults (no id)".into(),
                status: reply.status,
                body: reply.body,
            }),
        }
    }

    /// Drops every fault (`DELETE /__emulator/faults`).
    pub async fn clear_faults(&self) -> Result<(), KitError> {
        self.control_ok(Method::DELETE, "faults", None).await?;
        Ok(())
    }

    /// How often a fault fired so far.
    pub async fn fired(&self, fault: FaultId) -> Result<u64, KitError> {
        Ok(self.stats().await?.fired(fault))
    }

    /// Drops records, Tooling API fields, faults, duplicate rules, counters and cursors, and
    /// restores the configured daily limit; tokens stay valid.
    pub async fn reset(&self) -> Result<(), KitError> {
        self.control_ok(Method::POST, "reset", None).await?;
        Ok(())
    }

    /// Sets the daily API limit and/or its current usage (`POST /__emulator/limits`; `None`
    /// keeps a value as it is) and returns both as they now stand. Once `used` reaches
    /// `daily`, REST calls answer 403 `REQUEST_LIMIT_EXCEEDED`; a reset restores the
    /// configured limit and zero usage.
    pub async fn set_limits(
        &self,
        daily: Option<u64>,
        used: Option<u64>,
    ) -> Result<ApiLimits, KitError> {
        let mut body = serde_json::Map::new();
        if let Some(d) = daily {
            body.insert("daily_requests".into(), json!(d));
        }
        if let Some(u) = used {
            body.insert("used".into(), json!(u));
        }
        let reply = self
            .control_ok(Method::POST, "limits", Some(&Value::Object(body)))
            .await?;
        serde_json::from_value(reply.body.clone()).map_err(|_| KitError::Unexpected {
            what: "POST /__emulator/limits (unexpected shape)".into(),
            status: reply.status,
            body: reply.body,
        })
    }

    /// Expires every access token (and the refresh tokens too if `refresh_tokens`).
    pub async fn expire_tokens(&self, refresh_tokens: bool) -> Result<(), KitError> {
        let body = json!({ "refresh_tokens": refresh_tokens });
        self.control_ok(Method::POST, "tokens/expire", Some(&body))
            .await?;
        Ok(())
    }

    /// Converts a Lead; returns `{"contactId", "accountId"}`.
    pub async fn convert_lead(&self, id: &str) -> Result<Value, KitError> {
        let path = format!("leads/{id}/convert");
        Ok(self.control_ok(Method::POST, &path, None).await?.body)
    }

    /// Gives a Contact a portal user (so deleting it fails with `DELETE_FAILED`).
    pub async fn add_portal_user(&self, contact_id: &str) -> Result<(), KitError> {
        let path = format!("contacts/{contact_id}/portal-user");
        self.control_ok(Method::POST, &path, None).await?;
        Ok(())
    }

    /// Sets an object's Email duplicate rule: `Some("alert")`, `Some("block")`, or `None` (off).
    pub async fn duplicate_rule(&self, object: &str, action: Option<&str>) -> Result<(), KitError> {
        let body = match action {
            Some(a) => json!({"object": object, "enabled": true, "action": a}),
            None => json!({"object": object, "enabled": false}),
        };
        self.control_ok(Method::POST, "duplicate-rules", Some(&body))
            .await?;
        Ok(())
    }

    /// `GET /__emulator/stats` as JSON, exactly as served.
    pub async fn stats_json(&self) -> Result<Value, KitError> {
        Ok(self.control_ok(Method::GET, "stats", None).await?.body)
    }

    /// `GET /__emulator/stats`.
    pub async fn stats(&self) -> Result<Stats, KitError> {
        let body = self.stats_json().await?;
        serde_json::from_value(body.clone()).map_err(|_| KitError::Unexpected {
            what: "GET /__emulator/stats (unexpected shape)".into(),
            status: StatusCode::OK,
            body,
        })
    }
}

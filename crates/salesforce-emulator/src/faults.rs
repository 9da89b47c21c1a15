//! Injected failures for REST calls (`POST /__emulator/faults`): error answers such as
//! UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE or REQUEST_LIMIT_EXCEEDED, and slow answers, each for a
//! number of matching requests or at a rate.

use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use serde::Deserialize;

use crate::error::SfError;

#[derive(Debug, Clone, Deserialize)]
pub struct FaultSpec {
    pub status: Option<u16>,
    #[serde(rename = "errorCode")]
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub count: Option<u64>,
    pub rate: Option<f64>,
    pub delay_ms: Option<u64>,
    pub method: Option<String>,
    pub path: Option<String>,
}

/// What a matching fault does to a request.
#[derive(Debug, Clone)]
pub enum FaultAction {
    Fail(SfError),
    Delay(u64),
}

#[derive(Debug)]
struct Fault {
    spec: FaultSpec,
    remaining: Option<u64>,
}

#[derive(Default)]
pub struct Faults {
    any: AtomicBool,
    list: Mutex<Vec<Fault>>,
}

fn default_message(code: &str) -> String {
    match code {
        "UNABLE_TO_LOCK_ROW" => {
            "unable to obtain exclusive access to this record or 1 records".into()
        }
        "SERVER_UNAVAILABLE" => "Server temporarily unavailable, please try again later".into(),
        "REQUEST_LIMIT_EXCEEDED" => "TotalRequests Limit exceeded.".into(),
        other => format!("Injected fault {other}"),
    }
}

fn leak(code: String) -> &'static str {
    // Error codes are `&'static str`; injected codes come from a small set the tests choose,
    // so known ones are matched and unknown ones are interned once per injection.
    match code.as_str() {
        "UNABLE_TO_LOCK_ROW" => "UNABLE_TO_LOCK_ROW",
        "SERVER_UNAVAILABLE" => "SERVER_UNAVAILABLE",
        "REQUEST_LIMIT_EXCEEDED" => "REQUEST_LIMIT_EXCEEDED",
        "INVALID_SESSION_ID" => "INVALID_SESSION_ID",
        "UNKNOWN_EXCEPTION" => "UNKNOWN_EXCEPTION",
        _ => Box::leak(code.into_boxed_str()),
    }
}

impl Faults {
    /// Validates and adds a fault. Returns a human-readable problem for a bad spec.
    pub fn add(&self, spec: FaultSpec) -> Result<(), String> {
        if spec.delay_ms.is_none() && spec.error_code.is_none() {
            return Err("a fault needs errorCode (with status) or delay_ms".into());
        }
        if let Some(r) = spec.rate {
            if !(0.0..=1.0).contains(&r) {
                return Err("rate must be between 0 and 1".into());
            }
        }
        if spec.count.is_none() && spec.rate.is_none() {
            return Err("a fault needs count or rate".into());
        }
        let remaining = spec.count;
        self.list.lock().push(Fault { spec, remaining });
        self.any.store(true, Ordering::Release);
        Ok(())
    }

    pub fn clear(&self) {
        self.list.lock().clear();
        self.any.store(false, Ordering::Release);
    }

    /// The fault this request triggers, if any (consuming one of its `count`).
    pub fn check(&self, method: &str, path: &str) -> Option<FaultAction> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let mut list = self.list.lock();
        let mut hit = None;
        for f in list.iter_mut() {
            if f.remaining == Some(0) {
                continue;
            }
            if f.spec
                .method
                .as_deref()
                .is_some_and(|m| !m.eq_ignore_ascii_case(method))
            {
                continue;
            }
            if f.spec.path.as_deref().is_some_and(|p| !path.contains(p)) {
                continue;
            }
            if let Some(rate) = f.spec.rate {
                if rand::random::<f64>() >= rate {
                    continue;
                }
            }
            if let Some(r) = f.remaining.as_mut() {
                *r -= 1;
            }
            hit = Some(match (&f.spec.error_code, f.spec.delay_ms) {
                (Some(code), _) => {
                    let message = f
                        .spec
                        .message
                        .clone()
                        .unwrap_or_else(|| default_message(code));
                    let status = f.spec.status.unwrap_or(match code.as_str() {
                        "SERVER_UNAVAILABLE" => 503,
                        "REQUEST_LIMIT_EXCEEDED" => 403,
                        "INVALID_SESSION_ID" => 401,
                        _ => 400,
                    });
                    let mut e = SfError::new(status, leak(code.clone()), message);
                    if code == "UNABLE_TO_LOCK_ROW" {
                        e.fields = Some(Vec::new());
                    }
                    FaultAction::Fail(e)
                }
                (None, Some(ms)) => FaultAction::Delay(ms),
                (None, None) => continue,
            });
            break;
        }
        list.retain(|f| f.remaining != Some(0));
        if list.is_empty() {
            self.any.store(false, Ordering::Release);
        }
        hit
    }
}

//! Injected failures for REST calls (`POST /__emulator/faults`): error answers such as
//! UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE or REQUEST_LIMIT_EXCEEDED, and slow answers, each for a
//! number of matching requests or at a rate, and how often each one fired
//! (`GET /__emulator/stats`), so a test can tell a fault that hit from one that matched nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{json, Value};

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
    /// Matching requests let through untouched before the fault starts firing (the second
    /// Collections call of a request, say).
    pub after: Option<u64>,
}

/// What a matching fault does to a request.
#[derive(Debug, Clone)]
pub enum FaultAction {
    Fail(SfError),
    Delay(u64),
}

#[derive(Debug)]
struct Fault {
    id: u64,
    spec: FaultSpec,
    remaining: Option<u64>,
    fired: u64,
    /// How many more matching requests pass before it fires (`after`).
    passing: u64,
}

impl Fault {
    fn is_spent(&self) -> bool {
        self.remaining == Some(0)
    }

    /// The status an error fault answers with (its own, or the one its code implies).
    fn status(&self) -> Option<u16> {
        let code = self.spec.error_code.as_deref()?;
        Some(self.spec.status.unwrap_or(match code {
            "SERVER_UNAVAILABLE" => 503,
            "REQUEST_LIMIT_EXCEEDED" => 403,
            "INVALID_SESSION_ID" => 401,
            _ => 400,
        }))
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "errorCode": self.spec.error_code,
            "status": self.status(),
            "delay_ms": if self.spec.error_code.is_none() { self.spec.delay_ms } else { None },
            "method": self.spec.method,
            "path": self.spec.path,
            "after": self.spec.after,
            "count": self.spec.count,
            "rate": self.spec.rate,
            "fired": self.fired,
            "remaining": self.remaining,
        })
    }
}

/// The injected faults since the last reset or clear (spent ones included, so their `fired`
/// stays visible) and a total of firings since start or reset.
#[derive(Default)]
pub struct Faults {
    /// Whether any fault can still fire: the fast path for the usual case of none.
    any: AtomicBool,
    list: Mutex<Vec<Fault>>,
    next_id: AtomicU64,
    fired_total: AtomicU64,
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
    /// Validates and adds a fault and returns its id (unique for the emulator's lifetime).
    /// Returns a human-readable problem for a bad spec.
    pub fn add(&self, spec: FaultSpec) -> Result<u64, String> {
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
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut list = self.list.lock();
        let passing = spec.after.unwrap_or(0);
        list.push(Fault {
            id,
            spec,
            remaining,
            fired: 0,
            passing,
        });
        self.any
            .store(list.iter().any(|f| !f.is_spent()), Ordering::Release);
        Ok(id)
    }

    /// Drops every fault (`DELETE /__emulator/faults`); `fired_total` keeps counting.
    pub fn clear(&self) {
        self.list.lock().clear();
        self.any.store(false, Ordering::Release);
    }

    /// Drops every fault and zeroes `fired_total` (`POST /__emulator/reset`).
    pub fn reset(&self) {
        self.clear();
        self.fired_total.store(0, Ordering::Relaxed);
    }

    /// How many times any fault fired since start or reset.
    pub fn fired_total(&self) -> u64 {
        self.fired_total.load(Ordering::Relaxed)
    }

    /// Every fault since the last reset or clear, in the order they were added, with how often
    /// each fired and how many firings it has left (`null` for a rate fault).
    pub fn snapshot(&self) -> Vec<Value> {
        self.list.lock().iter().map(Fault::to_json).collect()
    }

    /// The fault this request triggers, if any (consuming one of its `count` and counting it as
    /// fired).
    pub fn check(&self, method: &str, path: &str) -> Option<FaultAction> {
        self.check_for(method, path, true)
    }

    /// The error fault a Composite sub-request triggers, if any. Delays apply to whole requests
    /// only, so delay faults are left for those (neither consumed nor counted here).
    pub fn check_subrequest(&self, method: &str, path: &str) -> Option<SfError> {
        match self.check_for(method, path, false) {
            Some(FaultAction::Fail(e)) => Some(e),
            Some(FaultAction::Delay(_)) | None => None,
        }
    }

    fn check_for(&self, method: &str, path: &str, delays: bool) -> Option<FaultAction> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let mut list = self.list.lock();
        let mut hit = None;
        for f in list.iter_mut() {
            if f.is_spent() || (!delays && f.spec.error_code.is_none()) {
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
            if f.passing > 0 {
                f.passing -= 1;
                continue;
            }
            if let Some(rate) = f.spec.rate {
                if rand::random::<f64>() >= rate {
                    continue;
                }
            }
            let action = match (&f.spec.error_code, f.spec.delay_ms) {
                (Some(code), _) => {
                    let message = f
                        .spec
                        .message
                        .clone()
                        .unwrap_or_else(|| default_message(code));
                    let status = f.status().unwrap_or(400);
                    let mut e = SfError::new(status, leak(code.clone()), message);
                    if code == "UNABLE_TO_LOCK_ROW" {
                        e.fields = Some(Vec::new());
                    }
                    FaultAction::Fail(e)
                }
                (None, Some(ms)) => FaultAction::Delay(ms),
                (None, None) => continue,
            };
            if let Some(r) = f.remaining.as_mut() {
                *r -= 1;
            }
            f.fired += 1;
            self.fired_total.fetch_add(1, Ordering::Relaxed);
            hit = Some(action);
            break;
        }
        if hit.is_some() && list.iter().all(Fault::is_spent) {
            self.any.store(false, Ordering::Release);
        }
        hit
    }
}

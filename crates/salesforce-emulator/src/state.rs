//! Shared server state: configuration, schema, the record store, tokens, API counters, faults
//! and query cursors. Counters are atomics and the store a `RwLock`, so reads never serialise.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::auth::Tokens;
use crate::config::EmulatorConfig;
use crate::faults::Faults;
use crate::rest::Ordered;
use crate::schema::Schema;
use crate::store::Store;

/// A server-side query cursor (`nextRecordsUrl`).
#[derive(Debug)]
pub struct Cursor {
    /// Every record of the result, already in REST form.
    pub records: Vec<Ordered>,
    pub batch: usize,
}

/// Open cursors, oldest first. Beyond `max` the oldest is released, as Salesforce releases a
/// user's oldest of 10.
pub struct Cursors {
    map: HashMap<String, Arc<Cursor>>,
    order: VecDeque<String>,
    max: usize,
}

impl Cursors {
    pub fn new(max: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            max: max.max(1),
        }
    }

    pub fn insert(&mut self, locator: String, cursor: Cursor) {
        while self.order.len() >= self.max {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
        self.order.push_back(locator.clone());
        self.map.insert(locator, Arc::new(cursor));
    }
    pub fn get(&self, locator: &str) -> Option<Arc<Cursor>> {
        self.map.get(locator).cloned()
    }
    pub fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }
}

/// Counted REST requests by `METHOD /path/{template}`.
#[derive(Default)]
pub struct Stats {
    by_endpoint: RwLock<HashMap<(&'static str, &'static str), AtomicU64>>,
    pub token_requests: AtomicU64,
}

impl Stats {
    pub fn record(&self, method: &'static str, template: &'static str) {
        if let Some(c) = self.by_endpoint.read().get(&(method, template)) {
            c.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.by_endpoint
            .write()
            .entry((method, template))
            .or_default()
            .fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = self
            .by_endpoint
            .read()
            .iter()
            .map(|((m, t), c)| (format!("{m} {t}"), c.load(Ordering::Relaxed)))
            .collect();
        v.sort();
        v
    }

    pub fn clear(&self) {
        self.by_endpoint.write().clear();
        self.token_requests.store(0, Ordering::Relaxed);
    }
}

pub struct AppState {
    pub config: EmulatorConfig,
    pub base_url: String,
    /// The records and the schema they follow (which the Tooling API can extend).
    pub store: RwLock<Store>,
    pub tokens: Tokens,
    /// The daily API request limit: `config.daily_request_limit` until `POST
    /// /__emulator/limits` changes it (a reset restores it).
    pub api_limit: AtomicU64,
    pub api_used: AtomicU64,
    pub stats: Stats,
    pub faults: Faults,
    pub cursors: Mutex<Cursors>,
    /// The connected app's consumer secret: `config.client_secret` until an admin resets it
    /// (`POST /__emulator/client-secret`).
    pub client_secret: RwLock<String>,
}

impl AppState {
    pub fn new(config: EmulatorConfig, base_url: String) -> Self {
        let store = RwLock::new(Store::new(Schema::new(&config.custom_fields)));
        let tokens = Tokens::new(&config);
        let cursors = Mutex::new(Cursors::new(config.max_open_cursors));
        let api_limit = AtomicU64::new(config.daily_request_limit);
        let client_secret = RwLock::new(config.client_secret.clone());
        Self {
            client_secret,
            config,
            base_url,
            store,
            tokens,
            api_limit,
            api_used: AtomicU64::new(0),
            stats: Stats::default(),
            faults: Faults::default(),
            cursors,
        }
    }

    /// The schema as it stands now. Objects never change, so this is safe for routing; a
    /// request that reads or writes records takes the schema from the store it locked.
    pub fn schema(&self) -> Arc<Schema> {
        Arc::clone(self.store.read().schema())
    }

    /// Counts one API request, or refuses it once the daily limit is spent.
    pub fn try_count(&self) -> bool {
        let max = self.api_limit.load(Ordering::Acquire);
        self.api_used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                (u < max).then_some(u + 1)
            })
            .is_ok()
    }

    /// The daily limit and the requests counted against it, as `(max, used)`.
    pub fn api_usage(&self) -> (u64, u64) {
        (
            self.api_limit.load(Ordering::Acquire),
            self.api_used.load(Ordering::Acquire),
        )
    }

    /// `Sforce-Limit-Info` value.
    pub fn limit_info(&self) -> String {
        let (max, used) = self.api_usage();
        format!("api-usage={used}/{max}")
    }
}

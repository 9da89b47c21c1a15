//! Back-off for repeated authentication failures at `POST /oauth/token`: after
//! [`Backoff::max_failures`] wrong secrets for one client id within [`Backoff::window`], that
//! client id is refused for a whole window without its secret being checked, so a guesser gets a
//! handful of tries a minute instead of thousands a second.
//!
//! In memory, per replica (each replica counts its own failures; behind a load balancer a
//! guesser gets `max_failures` tries per replica and window), and bounded: at most
//! [`CAPACITY`] client ids are tracked. Ids are kept as a keyed hash, so a long id costs no more
//! memory than a short one. When the table is full, an id that is not configured anywhere makes
//! room by evicting another unconfigured one, so flooding the table with made-up ids never wipes
//! the count of a real client. Unconfigured ids are counted like real ones, so the answers do not
//! tell which client ids exist.
//!
//! The price: anyone who knows a client id can keep that client from obtaining *new* tokens by
//! sending wrong secrets (tokens already issued stay valid for their lifetime, and the IdP is
//! told when to retry). The remote address is not used: behind a load balancer every request
//! comes from the balancer, and a forwarded-for header is the caller's to choose.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many client ids are tracked at most (a few hundred kilobytes).
pub const CAPACITY: usize = 10_000;

/// When a client id is refused after failed attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures within one window that block the client id.
    pub max_failures: u32,
    /// The window failures are counted in, and how long a block lasts.
    pub window: Duration,
}

impl Default for Backoff {
    /// Five failures a minute, then a minute's wait.
    fn default() -> Self {
        Backoff {
            max_failures: 5,
            window: Duration::from_secs(60),
        }
    }
}

struct Entry {
    /// The first failure of the current window.
    since: Instant,
    failures: u32,
    /// Set once `failures` reached the limit: refused until then.
    blocked_until: Option<Instant>,
    /// Whether the id is a configured client (never evicted for an unconfigured one).
    configured: bool,
}

impl Entry {
    fn expired(&self, now: Instant, window: Duration) -> bool {
        match self.blocked_until {
            Some(until) => now >= until,
            None => now.saturating_duration_since(self.since) >= window,
        }
    }
}

/// Failed authentications per client id.
pub struct FailureThrottle {
    backoff: Backoff,
    capacity: usize,
    hasher: RandomState,
    entries: Mutex<HashMap<u64, Entry>>,
}

impl std::fmt::Debug for FailureThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailureThrottle")
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl FailureThrottle {
    pub fn new(backoff: Backoff) -> Self {
        Self::with_capacity(backoff, CAPACITY)
    }

    fn with_capacity(backoff: Backoff, capacity: usize) -> Self {
        FailureThrottle {
            backoff,
            capacity: capacity.max(1),
            hasher: RandomState::new(),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, client_id: &str) -> u64 {
        self.hasher.hash_one(client_id)
    }

    // A poisoned lock only means a thread panicked holding it; the counts stay usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(wait)` while `client_id` is blocked: how long until it may try again.
    pub fn check(&self, client_id: &str, now: Instant) -> Result<(), Duration> {
        let key = self.key(client_id);
        let mut entries = self.lock();
        let Some(entry) = entries.get(&key) else {
            return Ok(());
        };
        if entry.expired(now, self.backoff.window) {
            entries.remove(&key);
            return Ok(());
        }
        match entry.blocked_until {
            Some(until) => Err(until.saturating_duration_since(now)),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt for `client_id` (`configured`: whether it is a real client).
    pub fn failed(&self, client_id: &str, configured: bool, now: Instant) {
        let key = self.key(client_id);
        let window = self.backoff.window;
        let mut entries = self.lock();
        if entries.get(&key).is_some_and(|e| e.expired(now, window)) {
            entries.remove(&key);
        }
        if !entries.contains_key(&key) && entries.len() >= self.capacity {
            entries.retain(|_, e| !e.expired(now, window));
            if entries.len() >= self.capacity {
                // The oldest unconfigured id makes room; real clients' counts are never lost.
                let victim = entries
                    .iter()
                    .filter(|(_, e)| !e.configured)
                    .min_by_key(|(_, e)| e.since)
                    .map(|(k, _)| *k);
                match victim {
                    Some(k) => {
                        entries.remove(&k);
                    }
                    None => return,
                }
            }
        }
        let entry = entries.entry(key).or_insert(Entry {
            since: now,
            failures: 0,
            blocked_until: None,
            configured,
        });
        entry.configured |= configured;
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= self.backoff.max_failures && entry.blocked_until.is_none() {
            entry.blocked_until = Some(now + window);
            tracing::warn!(
                failures = entry.failures,
                window_secs = window.as_secs(),
                "too many failed token requests for one client id; refusing it for a while"
            );
        }
    }

    /// Forgets the failures of `client_id` after it authenticated.
    pub fn succeeded(&self, client_id: &str) {
        let key = self.key(client_id);
        self.lock().remove(&key);
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    fn throttle() -> FailureThrottle {
        FailureThrottle::new(Backoff::default())
    }

    #[test]
    fn the_fifth_failure_within_a_minute_blocks_the_client_id_for_a_minute() {
        let t = throttle();
        let start = Instant::now();
        for i in 0..4 {
            t.failed("pingone", true, start + Duration::from_secs(i));
            assert_eq!(t.check("pingone", start + Duration::from_secs(i)), Ok(()));
        }
        let fifth = start + Duration::from_secs(10);
        t.failed("pingone", true, fifth);
        assert_eq!(t.check("pingone", fifth), Err(WINDOW));
        assert_eq!(
            t.check("pingone", fifth + Duration::from_secs(45)),
            Err(Duration::from_secs(15))
        );
        // Another client id is not affected.
        assert_eq!(t.check("okta", fifth), Ok(()));
        // After the block, the client id starts afresh.
        let later = fifth + WINDOW;
        assert_eq!(t.check("pingone", later), Ok(()));
        t.failed("pingone", true, later);
        assert_eq!(t.check("pingone", later), Ok(()));
    }

    #[test]
    fn failures_spread_over_more_than_a_window_never_block() {
        let t = throttle();
        let start = Instant::now();
        for i in 0..20 {
            let at = start + Duration::from_secs(20 * i);
            t.failed("pingone", true, at);
            assert_eq!(t.check("pingone", at), Ok(()), "failure {i}");
        }
    }

    #[test]
    fn a_success_forgets_earlier_failures() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..4 {
            t.failed("pingone", true, now);
        }
        t.succeeded("pingone");
        t.failed("pingone", true, now);
        assert_eq!(t.check("pingone", now), Ok(()));
    }

    #[test]
    fn made_up_client_ids_never_push_a_real_client_out_of_a_full_table() {
        let t = FailureThrottle::with_capacity(Backoff::default(), 3);
        let now = Instant::now();
        for _ in 0..5 {
            t.failed("pingone", true, now);
        }
        for i in 0..100 {
            t.failed(&format!("made-up-{i}"), false, now);
        }
        assert_eq!(t.tracked(), 3);
        assert!(t.check("pingone", now).is_err());
        // Unconfigured ids are blocked like real ones (the answers do not tell them apart).
        for _ in 0..5 {
            t.failed("made-up-x", false, now);
        }
        assert!(t.check("made-up-x", now).is_err());
    }
}

//! The budget guard: the org's daily API allowance is shared by every integration in the org,
//! and when it is gone they all stop (`REQUEST_LIMIT_EXCEEDED`). Every answer's
//! `Sforce-Limit-Info: api-usage=used/limit` ("API Usage", REST API Developer Guide) updates
//! what the client knows; once what is left falls to the reserve (a share of the limit, 20 % by
//! default), calls are refused locally ([`Refusal::Reserve`]) instead of being sent.
//!
//! The allowance is a rolling 24-hour window that recovers as old requests age out, and only an
//! answer tells the bridge how much is left: while refusing, one call per [`PROBE_INTERVAL`] is
//! let through as a probe. Its answer carries the new usage; the others get `Retry-After` = the
//! time to the next probe.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::{Refusal, SfError};

/// How often a call is let through while the reserve is reached, to learn whether the allowance
/// recovered.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(60);

/// What the client knows of the allowance.
#[derive(Debug, Default)]
struct State {
    /// The latest (used, limit) seen.
    usage: Option<(u64, u64)>,
    /// When a probe was last let through while refusing.
    last_probe: Option<Instant>,
}

/// The allowance and the reserve, shared by every call of one client.
#[derive(Debug)]
pub(super) struct Budget {
    reserve_percent: u8,
    state: Mutex<State>,
}

/// Used, limit and reserve, as the admin API shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Allowance {
    pub used: u64,
    pub limit: u64,
    /// Requests kept for the rest of the org.
    pub reserve: u64,
}

impl Allowance {
    /// Requests the bridge may still spend before the reserve.
    pub fn available(&self) -> u64 {
        self.limit
            .saturating_sub(self.reserve)
            .saturating_sub(self.used)
    }
}

impl Budget {
    pub fn new(reserve_percent: u8) -> Self {
        Budget {
            reserve_percent: reserve_percent.min(100),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records what an answer's `Sforce-Limit-Info` said.
    pub fn observe(&self, used: u64, limit: u64) {
        self.lock().usage = Some((used, limit));
    }

    /// The allowance as last seen.
    pub fn allowance(&self) -> Option<Allowance> {
        self.lock().usage.map(|(used, limit)| Allowance {
            used,
            limit,
            reserve: limit.saturating_mul(u64::from(self.reserve_percent)) / 100,
        })
    }

    /// Whether a call may be sent now: yes while above the reserve (or before anything is
    /// known); at the reserve, only one probe per [`PROBE_INTERVAL`].
    pub fn admit(&self) -> Result<(), SfError> {
        let Some(a) = self.allowance() else {
            return Ok(());
        };
        if a.used.saturating_add(a.reserve) < a.limit {
            return Ok(());
        }
        let mut state = self.lock();
        let now = Instant::now();
        let wait = match state.last_probe {
            Some(at) if now.duration_since(at) < PROBE_INTERVAL => {
                PROBE_INTERVAL - now.duration_since(at)
            }
            _ => {
                state.last_probe = Some(now);
                return Ok(());
            }
        };
        Err(SfError::Refused(Refusal::Reserve {
            used: a.used,
            limit: a.limit,
            reserve: a.reserve,
            retry_after: wait.as_secs().max(1),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_pass_until_the_reserve_and_then_one_probe_per_interval() {
        let b = Budget::new(20);
        assert!(b.admit().is_ok(), "nothing known yet");
        b.observe(79, 100);
        assert!(b.admit().is_ok());
        b.observe(80, 100);
        assert!(
            b.admit().is_ok(),
            "the first call at the reserve is a probe"
        );
        match b.admit() {
            Err(SfError::Refused(Refusal::Reserve {
                used: 80,
                limit: 100,
                reserve: 20,
                retry_after,
            })) => assert!((1..=60).contains(&retry_after)),
            other => panic!("{other:?}"),
        }
        b.observe(50, 100);
        assert!(b.admit().is_ok(), "the allowance recovered");
        assert_eq!(b.allowance().unwrap().available(), 30);
    }

    #[test]
    fn a_zero_reserve_refuses_only_when_the_allowance_is_gone() {
        let b = Budget::new(0);
        b.observe(99, 100);
        assert!(b.admit().is_ok());
        b.observe(100, 100);
        assert!(b.admit().is_ok(), "probe");
        assert!(b.admit().is_err());
    }
}

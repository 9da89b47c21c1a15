//! The removal guard: a brake on mass removals, in the spirit of Entra ID's accidental-deletion
//! threshold. Deleting a PingOne rule with "Deprovision on Rule Deletion" on, or scoping a group
//! wrongly, makes the IdP send a removal for every person; without a brake the bridge would
//! disable or delete thousands of Salesforce records at full speed.
//!
//! A removal is a DELETE, or a PUT/PATCH that turns an active person inactive. Up to
//! `max_removals` of them are carried out within any `window`; the next one trips the guard.
//! From then on every removal is **held**: answered 429 with `Retry-After`, so IdPs pause and
//! retry rather than fail (Entra honours `Retry-After`), and listed for an admin, who either
//! **releases** them (each one goes through on the IdP's next retry, without counting against
//! the window) or **discards** them (forgotten: a retry is held again, which is what a mistake
//! fixed at the IdP no longer sends). The guard stays tripped while anything is held, so a mass
//! removal waits for a person however slowly it arrives.
//!
//! The state lives in this replica's memory (Salesforce stays the only store of people):
//! behind a load balancer each replica counts and holds its own removals, so the org-wide
//! threshold is at most replicas × `max_removals`, and an admin releases on each replica.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// How long an IdP is asked to wait before retrying a held removal. Short, so that a release
/// takes effect within a minute.
pub const RETRY_AFTER_SECS: u64 = 60;

/// Held removals listed at most: beyond, removals are still held (429), but not listed one by
/// one, so an IdP cannot grow this replica's memory without bound.
const MAX_LISTED: usize = 10_000;

/// A connection's threshold: at most `max_removals` within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardSpec {
    pub max_removals: u32,
    pub window: Duration,
}

impl Default for GuardSpec {
    /// 100 removals an hour: a day of ordinary leavers in a large org, far below a rule
    /// deletion's thousands.
    fn default() -> Self {
        GuardSpec {
            max_removals: 100,
            window: Duration::from_secs(3600),
        }
    }
}

/// What kind of removal was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RemovalKind {
    /// `DELETE /Users/{id}`.
    Delete,
    /// A PUT or PATCH setting `active` to false.
    Deactivate,
}

/// One held removal, as the admin API lists it: no personal data, only the SCIM id.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldRemoval {
    pub id: String,
    pub kind: RemovalKind,
    pub first_held: DateTime<Utc>,
    pub last_attempt: DateTime<Utc>,
    pub attempts: u32,
}

/// The guard's state for the admin API.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardStatus {
    pub enabled: bool,
    pub max_removals: Option<u32>,
    pub window_secs: Option<u64>,
    /// Removals carried out within the current window.
    pub removals_in_window: usize,
    pub tripped: bool,
    /// Held removals, including any beyond the listed ones.
    pub held_count: usize,
    pub held: Vec<HeldRemoval>,
    /// Released removals whose retry has not arrived yet.
    pub released_pending: usize,
}

/// Why a removal was not carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub removals_in_window: usize,
    pub max_removals: u32,
    pub window: Duration,
}

#[derive(Default)]
struct State {
    /// When each removal within the window was carried out, oldest first.
    carried_out: VecDeque<Instant>,
    held: BTreeMap<String, HeldRemoval>,
    /// Held removals beyond [`MAX_LISTED`].
    unlisted: usize,
    released: HashSet<String>,
}

/// One connection's guard; `None` spec: configured off.
#[derive(Default)]
pub struct RemovalGuard {
    spec: Option<GuardSpec>,
    state: Mutex<State>,
}

impl RemovalGuard {
    pub fn new(spec: Option<GuardSpec>) -> Self {
        RemovalGuard {
            spec,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks to carry out a removal of `id` now: `Ok` when it may go ahead (and it is counted),
    /// `Err` when it is held.
    pub fn admit(&self, id: &str, kind: RemovalKind, now: Instant) -> Result<(), Held> {
        let Some(spec) = self.spec else {
            return Ok(());
        };
        let mut state = self.lock();
        if state.released.remove(id) {
            return Ok(());
        }
        while state
            .carried_out
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= spec.window)
        {
            state.carried_out.pop_front();
        }
        let tripped = !state.held.is_empty() || state.unlisted > 0;
        let room = state.carried_out.len() < spec.max_removals as usize;
        if !tripped && room {
            state.carried_out.push_back(now);
            return Ok(());
        }
        let held = Held {
            removals_in_window: state.carried_out.len(),
            max_removals: spec.max_removals,
            window: spec.window,
        };
        let at = Utc::now();
        if let Some(h) = state.held.get_mut(id) {
            h.last_attempt = at;
            h.attempts = h.attempts.saturating_add(1);
        } else if state.held.len() < MAX_LISTED {
            state.held.insert(
                id.to_string(),
                HeldRemoval {
                    id: id.to_string(),
                    kind,
                    first_held: at,
                    last_attempt: at,
                    attempts: 1,
                },
            );
        } else {
            state.unlisted = state.unlisted.saturating_add(1);
        }
        Err(held)
    }

    /// Answers `Err` at once when a removal of `id` is held, before anything is read from
    /// Salesforce: an IdP retrying thousands of held removals every minute spends nothing of
    /// the org's API allowance. Every write to a held person waits with the removal, so an
    /// update sent after it is never applied before it.
    pub fn check_held(&self, id: &str) -> Result<(), Held> {
        let Some(spec) = self.spec else {
            return Ok(());
        };
        let mut state = self.lock();
        let removals_in_window = state.carried_out.len();
        match state.held.get_mut(id) {
            Some(h) => {
                h.last_attempt = Utc::now();
                h.attempts = h.attempts.saturating_add(1);
                Err(Held {
                    removals_in_window,
                    max_removals: spec.max_removals,
                    window: spec.window,
                })
            }
            None => Ok(()),
        }
    }

    /// Releases the held removals named in `ids` (all when `None`): each goes through on its
    /// next attempt. Answers the ids released.
    pub fn release(&self, ids: Option<&[String]>) -> Vec<String> {
        let mut state = self.lock();
        let taken = take(&mut state, ids);
        state.released.extend(taken.iter().cloned());
        taken
    }

    /// Forgets the held removals named in `ids` (all when `None`). Answers the ids discarded.
    pub fn discard(&self, ids: Option<&[String]>) -> Vec<String> {
        take(&mut self.lock(), ids)
    }

    pub fn status(&self, now: Instant) -> GuardStatus {
        let state = self.lock();
        let removals_in_window = self.spec.map_or(0, |spec| {
            state
                .carried_out
                .iter()
                .filter(|t| now.saturating_duration_since(**t) < spec.window)
                .count()
        });
        GuardStatus {
            enabled: self.spec.is_some(),
            max_removals: self.spec.map(|s| s.max_removals),
            window_secs: self.spec.map(|s| s.window.as_secs()),
            removals_in_window,
            tripped: !state.held.is_empty() || state.unlisted > 0,
            held_count: state.held.len() + state.unlisted,
            held: state.held.values().cloned().collect(),
            released_pending: state.released.len(),
        }
    }
}

/// Takes the named held removals (all, and the unlisted count, when `ids` is `None`).
fn take(state: &mut State, ids: Option<&[String]>) -> Vec<String> {
    match ids {
        None => {
            state.unlisted = 0;
            std::mem::take(&mut state.held).into_keys().collect()
        }
        Some(ids) => ids
            .iter()
            .filter_map(|id| state.held.remove(id).map(|h| h.id))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(max: u32, secs: u64) -> RemovalGuard {
        RemovalGuard::new(Some(GuardSpec {
            max_removals: max,
            window: Duration::from_secs(secs),
        }))
    }

    #[test]
    fn removals_up_to_the_threshold_pass_and_the_next_is_held() {
        let g = guard(2, 60);
        let t = Instant::now();
        assert!(g.admit("a", RemovalKind::Delete, t).is_ok());
        assert!(g.admit("b", RemovalKind::Deactivate, t).is_ok());
        let held = g.admit("c", RemovalKind::Delete, t).unwrap_err();
        assert_eq!((held.removals_in_window, held.max_removals), (2, 2));
        let s = g.status(t);
        assert!(s.tripped);
        assert_eq!(s.held.len(), 1);
        assert_eq!(s.held[0].id, "c");
    }

    #[test]
    fn a_tripped_guard_holds_everything_until_an_admin_decides_even_after_the_window() {
        let g = guard(1, 10);
        let t = Instant::now();
        g.admit("a", RemovalKind::Delete, t).unwrap();
        g.admit("b", RemovalKind::Delete, t).unwrap_err();
        let later = t + Duration::from_secs(3600);
        assert!(g.admit("c", RemovalKind::Delete, later).is_err());
        assert!(g.admit("b", RemovalKind::Delete, later).is_err());
        let s = g.status(later);
        assert_eq!(s.held_count, 2);
        assert_eq!(s.held.iter().find(|h| h.id == "b").unwrap().attempts, 2);
        // Discarding clears the trip; the window has passed, so removals flow again.
        assert_eq!(g.discard(None).len(), 2);
        assert!(g.admit("d", RemovalKind::Delete, later).is_ok());
    }

    #[test]
    fn a_released_removal_passes_once_without_counting() {
        let g = guard(1, 60);
        let t = Instant::now();
        g.admit("a", RemovalKind::Delete, t).unwrap();
        g.admit("b", RemovalKind::Delete, t).unwrap_err();
        g.admit("c", RemovalKind::Delete, t).unwrap_err();
        assert_eq!(g.release(Some(&["b".to_string()])), vec!["b"]);
        assert!(g.admit("b", RemovalKind::Delete, t).is_ok());
        // c is still held, so the guard is still tripped.
        assert!(g.admit("c", RemovalKind::Delete, t).is_err());
        assert!(g.admit("b", RemovalKind::Delete, t).is_err());
        assert_eq!(g.status(t).removals_in_window, 1);
    }

    #[test]
    fn a_held_person_is_known_without_asking_again() {
        let g = guard(0, 60);
        let t = Instant::now();
        assert!(g.check_held("a").is_ok());
        g.admit("a", RemovalKind::Delete, t).unwrap_err();
        assert!(g.check_held("a").is_err());
        assert!(g.check_held("b").is_ok());
        assert_eq!(g.status(t).held[0].attempts, 2);
        g.release(None);
        assert!(g.check_held("a").is_ok());
    }

    #[test]
    fn the_window_slides() {
        let t = Instant::now();
        let g = guard(1, 10);
        g.admit("a", RemovalKind::Delete, t).unwrap();
        assert!(g
            .admit("b", RemovalKind::Delete, t + Duration::from_secs(5))
            .is_err());
        let g = guard(1, 10);
        g.admit("a", RemovalKind::Delete, t).unwrap();
        assert_eq!(g.status(t + Duration::from_secs(10)).removals_in_window, 0);
        assert!(g
            .admit("b", RemovalKind::Delete, t + Duration::from_secs(10))
            .is_ok());
    }

    #[test]
    fn a_guard_configured_off_admits_everything() {
        let g = RemovalGuard::new(None);
        for i in 0..1000 {
            assert!(g
                .admit(&i.to_string(), RemovalKind::Delete, Instant::now())
                .is_ok());
        }
        assert!(!g.status(Instant::now()).enabled);
    }

    #[test]
    fn the_held_list_is_bounded() {
        let g = guard(0, 60);
        let t = Instant::now();
        for i in 0..MAX_LISTED + 5 {
            let _ = g.admit(&i.to_string(), RemovalKind::Delete, t);
        }
        let s = g.status(t);
        assert_eq!(s.held.len(), MAX_LISTED);
        assert_eq!(s.held_count, MAX_LISTED + 5);
        assert_eq!(g.release(None).len(), MAX_LISTED);
        assert_eq!(g.status(t).held_count, 0);
    }
}

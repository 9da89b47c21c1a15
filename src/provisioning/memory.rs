//! A short memory of look-ups, for IdPs that send one request at a time: Entra, Okta and
//! PingOne look a person up with `userName eq "…"` and then POST them. The filter's query also
//! gathers what the POST's own check would ask Salesforce (the record holding that key, and
//! records without a key whose email is the userName), so the POST that follows within
//! [`FRESH`] uses that answer instead of asking again: a new person costs two requests, not three.
//!
//! A stale memory costs at most a 409, never a duplicate person: the key field is unique in
//! Salesforce, so a create for a key someone took meanwhile is refused (`DUPLICATE_VALUE`). The
//! one thing the memory can miss is a record without a key that sales entered in the [`FRESH`]
//! seconds between the filter and the POST: it is then created anew instead of adopted. An entry
//! serves one create and is forgotten by every write of its person.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::salesforce::Record;

/// How long a look-up's answer may stand in for the create's own.
pub const FRESH: Duration = Duration::from_secs(2);

/// Entries kept at most; older ones are dropped first.
const CAPACITY: usize = 4096;

#[derive(Clone)]
struct Entry {
    at: Instant,
    /// The lower-cased email the look-up also searched adoptable records for.
    adoptable_email: Option<String>,
    found: Vec<Record>,
}

/// Look-ups by lower-cased userName.
#[derive(Default)]
pub struct LookupMemory {
    entries: Mutex<HashMap<String, Entry>>,
}

impl LookupMemory {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers what a look-up of `user_name` (and of keyless records with `adoptable_email`)
    /// found.
    pub fn remember(&self, user_name: &str, adoptable_email: Option<&str>, found: Vec<Record>) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.at.elapsed() < FRESH);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            user_name.to_ascii_lowercase(),
            Entry {
                at: Instant::now(),
                adoptable_email: adoptable_email.map(str::to_ascii_lowercase),
                found,
            },
        );
    }

    /// The remembered answer for a create of `user_name` that may adopt by `adoptable_email`,
    /// when it is fresh and covers that email; it is used up.
    pub fn take(&self, user_name: &str, adoptable_email: Option<&str>) -> Option<Vec<Record>> {
        let entry = self.lock().remove(&user_name.to_ascii_lowercase())?;
        let covers = match adoptable_email {
            None => true,
            Some(e) => entry.adoptable_email.as_deref() == Some(e.to_ascii_lowercase().as_str()),
        };
        (entry.at.elapsed() < FRESH && covers).then_some(entry.found)
    }

    /// Forgets `user_name` (it was just written).
    pub fn forget(&self, user_name: &str) {
        self.lock().remove(&user_name.to_ascii_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_serves_one_create_of_the_same_person_and_email() {
        let m = LookupMemory::default();
        m.remember("Ada@Example.com", Some("ada@example.com"), Vec::new());
        assert!(m
            .take("ada@example.com", Some("other@example.com"))
            .is_none());
        m.remember("Ada@Example.com", Some("ada@example.com"), Vec::new());
        assert_eq!(
            m.take("ada@example.com", Some("ADA@example.com")),
            Some(Vec::new())
        );
        assert!(
            m.take("ada@example.com", Some("ada@example.com")).is_none(),
            "used up"
        );
    }

    #[test]
    fn a_write_forgets_the_person() {
        let m = LookupMemory::default();
        m.remember("jsmith", None, Vec::new());
        m.forget("JSMITH");
        assert!(m.take("jsmith", None).is_none());
    }
}

/// How long a list's query cursor is kept for its next page (Salesforce keeps an idle cursor
/// about 15 minutes).
pub const CURSOR_FRESH: Duration = Duration::from_secs(10 * 60);

/// Cursors kept at most (Salesforce allows 10 open per user; older ones are released anyway).
const CURSOR_CAPACITY: usize = 64;

/// Where a list's next page starts: the query cursor (`nextRecordsUrl`) left at the end of the
/// page this replica served, so an IdP walking every page costs one request per page however
/// deep. Another replica, or an expired cursor, walks from the start as before.
#[derive(Default)]
pub struct CursorMemory {
    entries: Mutex<Cursors>,
}

/// (SOQL, page size, offset) → (when, `nextRecordsUrl`).
type Cursors = HashMap<(String, u64, u64), (Instant, String)>;

impl CursorMemory {
    fn lock(&self) -> std::sync::MutexGuard<'_, Cursors> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers that rows of `soql` from `offset` on (in pages of `count`) start at `next`.
    pub fn remember(&self, soql: &str, count: u64, offset: u64, next: String) {
        let mut entries = self.lock();
        entries.retain(|_, (at, _)| at.elapsed() < CURSOR_FRESH);
        if entries.len() >= CURSOR_CAPACITY {
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert((soql.to_string(), count, offset), (Instant::now(), next));
    }

    /// The cursor for the page of `soql` at `offset`, if this replica left one there.
    pub fn take(&self, soql: &str, count: u64, offset: u64) -> Option<String> {
        let (at, next) = self.lock().remove(&(soql.to_string(), count, offset))?;
        (at.elapsed() < CURSOR_FRESH).then_some(next)
    }
}

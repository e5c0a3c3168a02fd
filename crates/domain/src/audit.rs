//! Which reads the audit log records.
//!
//! A leader in a 1:1 reloads the conversation page many times in minutes;
//! one entry per reload would bury the entries that matter in the author's
//! list, and would make every page view a database write. So an identical
//! read (same person, same data, same detail) within [`READ_WINDOW_SECS`] of
//! one already recorded is folded into it: the first read is always
//! recorded, and a read of anything new or different is recorded at once.

use std::collections::HashMap;
use std::hash::Hash;

/// Span within which an identical read is recorded once (seconds).
pub const READ_WINDOW_SECS: i64 = 300;

/// Reads remembered at most; past this, reads are simply recorded each
/// time, which costs writes but never loses an entry.
pub const MAX_REMEMBERED: usize = 10_000;

/// The reads recorded in the last [`READ_WINDOW_SECS`], by key.
#[derive(Debug)]
pub struct RecentReads<K> {
    at: HashMap<K, i64>,
}

impl<K> Default for RecentReads<K> {
    fn default() -> Self {
        RecentReads { at: HashMap::new() }
    }
}

impl<K: Hash + Eq> RecentReads<K> {
    /// Whether a read like `key` was recorded less than the window before `now`.
    pub fn covers(&self, key: &K, now: i64) -> bool {
        self.at.get(key).is_some_and(|&t| now >= t && now - t < READ_WINDOW_SECS)
    }

    /// Notes that a read like `key` was recorded at `now`. Forgets expired
    /// reads when the map is full, and remembers nothing new while it
    /// stays full.
    pub fn recorded(&mut self, key: K, now: i64) {
        if self.at.len() >= MAX_REMEMBERED && !self.at.contains_key(&key) {
            self.at.retain(|_, t| now >= *t && now - *t < READ_WINDOW_SECS);
            if self.at.len() >= MAX_REMEMBERED {
                return;
            }
        }
        self.at.insert(key, now);
    }

    /// How many reads are remembered.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identical_read_is_covered_within_the_window_only() {
        let mut r = RecentReads::default();
        assert!(!r.covers(&"kelly reads priya", 1_000), "nothing recorded yet");
        r.recorded("kelly reads priya", 1_000);
        assert!(r.covers(&"kelly reads priya", 1_000));
        assert!(r.covers(&"kelly reads priya", 1_000 + READ_WINDOW_SECS - 1));
        assert!(!r.covers(&"kelly reads priya", 1_000 + READ_WINDOW_SECS), "the window has passed");
        assert!(!r.covers(&"kelly reads marco", 1_001), "another read is its own");
        // A clock that went back does not hide a read.
        assert!(!r.covers(&"kelly reads priya", 999));
    }

    #[test]
    fn a_new_record_restarts_the_window() {
        let mut r = RecentReads::default();
        r.recorded(1, 0);
        r.recorded(1, READ_WINDOW_SECS);
        assert!(r.covers(&1, READ_WINDOW_SECS + 10));
    }

    #[test]
    fn a_full_memory_forgets_expired_reads_then_stops_remembering() {
        let mut r = RecentReads::default();
        for k in 0..MAX_REMEMBERED {
            r.recorded(k, 0);
        }
        assert_eq!(r.len(), MAX_REMEMBERED);
        // Still full of live reads: the new one is not remembered, so it is recorded each time.
        r.recorded(MAX_REMEMBERED, 10);
        assert!(!r.covers(&MAX_REMEMBERED, 11));
        assert_eq!(r.len(), MAX_REMEMBERED);
        // Once the old ones expire they make room.
        r.recorded(MAX_REMEMBERED, READ_WINDOW_SECS);
        assert_eq!(r.len(), 1);
        assert!(r.covers(&MAX_REMEMBERED, READ_WINDOW_SECS + 1));
    }
}

//! What a store remembers between requests: only values that a stamp read
//! with every request proves current (a plan's themes, steps and check-ins
//! by its version) or that never change once written (the questions a
//! conversation was scheduled with). Nothing here is ever told of a write,
//! so each replica's memory is correct on its own.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Entries kept at most; past this the memory starts afresh.
const MAX_ENTRIES: usize = 1024;

/// Values by key, each with the stamp it belongs to, shared by a store's
/// clones and bounded in size.
#[derive(Debug)]
pub(crate) struct Memory<K, S, V>(Mutex<HashMap<K, (S, Arc<V>)>>);

impl<K, S, V> Default for Memory<K, S, V> {
    fn default() -> Self {
        Memory(Mutex::default())
    }
}

impl<K: Eq + Hash, S: PartialEq + PartialOrd, V> Memory<K, S, V> {
    /// The value kept for `key` at exactly `stamp`.
    pub(crate) fn get(&self, key: &K, stamp: &S) -> Option<Arc<V>> {
        let map = self.0.lock().ok()?;
        map.get(key).filter(|(s, _)| s == stamp).map(|(_, v)| v.clone())
    }

    /// Keeps `value` for `key` at `stamp`, unless a later stamp is kept
    /// already (a slower reader of an older state must not replace a newer one).
    pub(crate) fn keep(&self, key: K, stamp: S, value: Arc<V>) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
                map.clear();
            }
            if map.get(&key).is_none_or(|(s, _)| *s <= stamp) {
                map.insert(key, (stamp, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_found_only_at_its_stamp_and_the_memory_stays_bounded() {
        let m: Memory<i64, i64, &str> = Memory::default();
        m.keep(1, 5, Arc::new("five"));
        assert_eq!(m.get(&1, &5).as_deref(), Some(&"five"));
        assert!(m.get(&1, &4).is_none() && m.get(&1, &6).is_none() && m.get(&2, &5).is_none());
        m.keep(1, 6, Arc::new("six"));
        m.keep(1, 5, Arc::new("late five"));
        assert_eq!(m.get(&1, &6).as_deref(), Some(&"six"), "an older stamp does not replace a newer one");
        assert!(m.get(&1, &5).is_none());
        for k in 2..=MAX_ENTRIES as i64 {
            m.keep(k, 0, Arc::new("x"));
        }
        assert_eq!(m.0.lock().expect("lock").len(), MAX_ENTRIES);
        m.keep(0, 0, Arc::new("one more"));
        assert_eq!(m.0.lock().expect("lock").len(), 1, "full: started afresh");
        assert_eq!(m.get(&0, &0).as_deref(), Some(&"one more"));
    }
}

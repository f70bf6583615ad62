//! First-wins deduplication by value without a second copy of every value: a 64-bit hash
//! maps to the index of the first indicator that had it, and the rare value whose hash is
//! taken by a different value is kept in an exact set.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::model::Indicator;
use crate::model::hash::value_hash;

/// Passes an already well-mixed `u64` through as its own hash.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = std::str::from_utf8(bytes).map_or(0, value_hash);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Indicators in first-seen order, each value once.
#[derive(Default)]
pub(crate) struct Unique {
    pub(crate) items: Vec<Indicator>,
    first: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    collided: HashSet<String>,
}

impl Unique {
    /// Add `ind` unless its value is already present; true when added.
    pub(crate) fn push(&mut self, ind: Indicator) -> bool {
        let h = value_hash(&ind.value);
        self.push_hashed(ind, h)
    }

    fn push_hashed(&mut self, ind: Indicator, h: u64) -> bool {
        let idx = self.items.len() as u32;
        match self.first.get(&h) {
            None => {
                self.first.insert(h, idx);
            }
            Some(&i) if self.items[i as usize].value == ind.value => return false,
            Some(_) => {
                if !self.collided.insert(ind.value.clone()) {
                    return false;
                }
            }
        }
        self.items.push(ind);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(v: &str) -> Indicator {
        Indicator {
            type_: "domain",
            category: "Network activity",
            value: v.to_owned(),
            to_ids: true,
            comment: String::new(),
            original: None,
        }
    }

    #[test]
    fn first_wins() {
        let mut a = Unique::default();
        assert!(a.push(ind("a.com")));
        assert!(!a.push(ind("a.com")));
        assert!(a.push(ind("b.com")));
        assert!(!a.push(ind("b.com")));
        assert!(a.push(ind("c.com")));
        let vals: Vec<_> = a.items.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(vals, ["a.com", "b.com", "c.com"]);
    }

    #[test]
    fn hash_collisions_fall_back_to_exact_comparison() {
        let mut u = Unique::default();
        // Force a collision: same hash, different values.
        assert!(u.push_hashed(ind("x"), 7));
        assert!(u.push_hashed(ind("y"), 7));
        assert!(!u.push_hashed(ind("y"), 7));
        assert!(!u.push_hashed(ind("x"), 7));
        assert_eq!(u.items.len(), 2);
    }
}

//! Fuzzy search over every value, event title and tag (frizbee: SIMD Smith-Waterman, scored
//! like fzf). The entries are loaded once in the background; each query scores them all on
//! both cores and keeps the best page. (The views' row facts come from the store's index,
//! by exact value; the search itself is fuzzy for every query.)

use crate::store::browse::{Entry, EntryKind};

/// A query that names one value exactly (an address, a network, a hash): looked up in the
/// store's index, not scored against every value. Returns the value as stored.
pub fn exact_form(query: &str) -> Option<String> {
    let q = query.trim();
    if crate::model::ip::ip_key(q).is_some() || crate::model::ip::cidr_key(q).is_some() {
        return Some(q.to_string());
    }
    let hex = q.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && matches!(q.len(), 32 | 40 | 64 | 128)).then(|| q.to_ascii_lowercase())
}

/// Longest query scored; longer ones are cut (a pasted blob is not a fuzzy query).
pub const MAX_QUERY: usize = 64;

pub struct Index {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Into `Index::entries`.
    pub index: usize,
    pub score: u16,
    /// Char positions in the entry's text that matched, for highlighting.
    pub positions: Vec<usize>,
}

fn config() -> frizbee::Config {
    // No typos, as fzf: with one, short queries match half of a big store.
    frizbee::Config::default().max_typos(Some(0))
}

impl Index {
    pub fn new(entries: Vec<Entry>) -> Index {
        Index { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best `limit` entries for `query`, best first, with the matched positions of each.
    /// Returns the hits and how many entries matched in all.
    pub fn search(&self, query: &str, limit: usize) -> (Vec<Hit>, usize) {
        let query: String = query.trim().chars().take(MAX_QUERY).collect();
        if query.is_empty() {
            return (Vec::new(), 0);
        }
        let mut m = frizbee::Matcher::new(query.as_str(), &config());
        let matches = m.match_list_parallel(&self.entries, 2);
        let total = matches.len();
        let hits = matches
            .into_iter()
            .take(limit)
            .map(|mt| {
                let i = mt.index as usize;
                let text = &*self.entries[i].text;
                let positions = m
                    .match_one_indices(text, mt.index)
                    .map(|mi| byte_offsets_to_chars(text, &mi.indices))
                    .unwrap_or_default();
                Hit {
                    index: i,
                    score: mt.score,
                    positions,
                }
            })
            .collect();
        (hits, total)
    }

    pub fn values(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EntryKind::Value)
    }
}

/// frizbee reports byte offsets (each byte of a multi-byte char, newest first); the screen
/// wants char positions, once each, in order.
fn byte_offsets_to_chars(text: &str, offsets: &[u32]) -> Vec<usize> {
    let mut out: Vec<usize> = offsets
        .iter()
        .filter_map(|&b| {
            let b = b as usize;
            (b <= text.len()).then(|| {
                text.char_indices()
                    .take_while(|(i, _)| *i <= b)
                    .count()
                    .saturating_sub(1)
            })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(t: &str) -> Entry {
        Entry {
            text: t.into(),
            kind: EntryKind::Value,
            type_: "domain",
            event: None,
        }
    }

    #[test]
    fn ranks_and_highlights() {
        let idx = Index::new(
            [
                "evil.example",
                "devil-may-cry.test",
                "198.51.100.7",
                "good.example",
                "évil.example",
            ]
            .iter()
            .map(|t| entry(t))
            .collect(),
        );
        let (hits, total) = idx.search("evil", 10);
        assert!(total >= 2, "{hits:?}");
        assert_eq!(&*idx.entries[hits[0].index].text, "evil.example");
        assert_eq!(hits[0].positions, [0, 1, 2, 3]);
        // Multi-byte text highlights whole characters.
        assert_eq!(exact_form(" 192.0.2.1 ").as_deref(), Some("192.0.2.1"));
        assert_eq!(
            exact_form(&"AB".repeat(16)).as_deref(),
            Some(&*"ab".repeat(16))
        );
        assert!(exact_form("evil").is_none() && exact_form("10.12").is_none());
        let (hits, _) = idx.search("évil", 10);
        let top = &hits[0];
        assert_eq!(&*idx.entries[top.index].text, "évil.example");
        assert_eq!(top.positions, [0, 1, 2, 3]);
        assert!(idx.search("   ", 10).0.is_empty());
        // A long or hostile query neither panics nor hangs.
        let long = "x".repeat(10_000);
        let _ = idx.search(&long, 10);
        let _ = idx.search("\u{1b}[2J\u{202e}", 10);
    }
}

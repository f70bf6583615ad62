//! Exports: every live attribute that passes the filters, written as it is read (memory
//! does not grow with the store). TLP is respected: nothing tagged `tlp:red` or
//! `tlp:amber+strict` leaves unless the user names those levels.

pub mod csv_text;
pub mod ecs;
pub mod ids;
pub mod misp;
pub mod misp_feed;
pub mod misp_select;
pub mod rules;
pub mod stix;
pub mod stix_pattern;

use std::collections::HashSet;
use std::io::Write;

use uuid::Uuid;

use crate::correlate::warninglist::Warninglists;
use crate::store::Store;
use crate::store::browse::Holding;

/// Levels that stay in unless named with `--tlp`.
pub const HELD_BACK: &[&str] = &["tlp:red", "tlp:amber+strict"];

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Filters {
    pub types: Vec<String>,
    pub tags: Vec<String>,
    pub sources: Vec<String>,
    pub events: Vec<Uuid>,
    pub min_score: Option<f64>,
    pub ids_only: bool,
    /// Unix seconds: changed or listed at or after / before.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub no_warninglisted: bool,
    pub no_decayed: bool,
    pub no_false_positives: bool,
    /// TLP levels allowed out on top of the default (`red`, `amber+strict`).
    pub allow_tlp: Vec<String>,
    /// `--since 7d`: a window that moves with time (a saved collection or output keeps
    /// meaning "the last 7 days"), in seconds.
    #[serde(default)]
    pub since_age: Option<u64>,
    /// Unix seconds: only what the store wrote at or after this (pushes send what is new).
    #[serde(default)]
    pub stored_since: Option<i64>,
}

/// One attribute as the writers see it.
pub struct Row<'a> {
    pub h: &'a Holding<'a>,
}

/// A format's writer: rows in, text out.
pub trait Sink {
    fn begin(&mut self, out: &mut dyn Write) -> std::io::Result<()>;
    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()>;
    fn end(&mut self, out: &mut dyn Write) -> std::io::Result<()>;
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub written: u64,
    /// Held back by TLP.
    pub withheld_tlp: u64,
    pub filtered: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

fn tlp_blocked(tags: &[&str], allow: &[String]) -> bool {
    tags.iter().any(|t| {
        HELD_BACK.iter().any(|h| t.eq_ignore_ascii_case(h))
            && !allow.iter().any(|a| {
                let a = a.to_ascii_lowercase();
                t.eq_ignore_ascii_case(&a) || t.eq_ignore_ascii_case(&format!("tlp:{a}"))
            })
    })
}

impl Filters {
    /// The cheap checks, on one attribute.
    /// `since` is the filter's, or now minus `since_age`, whichever is later.
    fn passes(&self, h: &Holding, since: Option<i64>) -> bool {
        (self.types.is_empty() || self.types.iter().any(|t| t == h.type_))
            && (self.tags.is_empty()
                || self
                    .tags
                    .iter()
                    .all(|t| h.tags.iter().any(|x| x.eq_ignore_ascii_case(t))))
            && (self.sources.is_empty() || self.sources.iter().any(|s| s == h.source))
            && (self.events.is_empty() || self.events.contains(&h.event))
            && (!self.ids_only || h.to_ids)
            && since.is_none_or(|s| h.seen >= s)
            && self.until.is_none_or(|u| h.seen <= u)
            && self.stored_since.is_none_or(|s| h.stored >= s)
    }

    fn needs_value_facts(&self) -> bool {
        self.min_score.is_some() || self.no_decayed || self.no_false_positives
    }
}

/// What the filters say about one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    /// Held back by TLP.
    Withheld,
    Filtered,
}

/// The filters with what they need to judge attributes one by one: per-value facts
/// (score, false-positive sightings) are looked up once per value.
pub struct Selector<'a> {
    store: &'a Store,
    lists: &'a Warninglists,
    pub filters: &'a Filters,
    now: i64,
    since: Option<i64>,
    judged: std::collections::HashMap<u64, bool>,
}

impl<'a> Selector<'a> {
    pub fn new(store: &'a Store, lists: &'a Warninglists, filters: &'a Filters) -> Self {
        let now = crate::model::time::now();
        let window = filters
            .since_age
            .map(|a| now.saturating_sub(i64::try_from(a).unwrap_or(i64::MAX)));
        Selector {
            store,
            lists,
            filters,
            now,
            since: filters.since.max(window),
            judged: Default::default(),
        }
    }

    pub fn judge(&mut self, h: &Holding) -> Result<Verdict, crate::store::StoreError> {
        let f = self.filters;
        if tlp_blocked(h.tags, &f.allow_tlp) {
            return Ok(Verdict::Withheld);
        }
        if !f.passes(h, self.since)
            || (f.no_warninglisted && !self.lists.matches(h.type_, h.value).is_empty())
        {
            return Ok(Verdict::Filtered);
        }
        if f.needs_value_facts() {
            let key = crate::model::hash::value_hash(h.value);
            let ok = match self.judged.get(&key) {
                Some(ok) => *ok,
                None => {
                    let ok = value_ok(self.store, f, h.value, h.type_, self.now)?;
                    self.judged.insert(key, ok);
                    ok
                }
            };
            if !ok {
                return Ok(Verdict::Filtered);
            }
        }
        Ok(Verdict::Keep)
    }

    /// Whether tags (an event's) hold the whole thing back.
    pub fn withheld(&self, tags: &[&str]) -> bool {
        tlp_blocked(tags, &self.filters.allow_tlp)
    }
}

impl Counts {
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Keep => self.written += 1,
            Verdict::Withheld => self.withheld_tlp += 1,
            Verdict::Filtered => self.filtered += 1,
        }
    }
}

/// Write every attribute passing `filters` to `out` through `sink`.
pub fn run(
    store: &Store,
    lists: &Warninglists,
    filters: &Filters,
    sink: &mut dyn Sink,
    out: &mut dyn Write,
) -> Result<Counts, ExportError> {
    run_with(store, &mut Selector::new(store, lists, filters), sink, out)
}

/// [`run`] with a selector the caller holds.
pub fn run_with(
    store: &Store,
    sel: &mut Selector,
    sink: &mut dyn Sink,
    out: &mut dyn Write,
) -> Result<Counts, ExportError> {
    let mut counts = Counts::default();
    let mut failed: Option<ExportError> = None;
    sink.begin(out)?;
    store.scan_holders(|h| {
        if failed.is_some() {
            return;
        }
        let verdict = match sel.judge(&h) {
            Ok(v) => v,
            Err(e) => {
                failed = Some(e.into());
                return;
            }
        };
        if verdict == Verdict::Keep
            && let Err(e) = sink.row(out, &Row { h: &h })
        {
            failed = Some(e.into());
            return;
        }
        counts.add(verdict);
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    sink.end(out)?;
    out.flush()?;
    Ok(counts)
}

/// The score and sighting filters, for one value.
fn value_ok(
    store: &Store,
    f: &Filters,
    value: &str,
    type_: &str,
    now: i64,
) -> Result<bool, crate::store::StoreError> {
    if f.no_false_positives {
        let s = store.sightings(value)?;
        let last_fp = s.iter().filter(|r| r.kind == 1).map(|r| r.time).max();
        let last_seen = s.iter().filter(|r| r.kind == 0).map(|r| r.time).max();
        if last_fp.is_some_and(|fp| last_seen.is_none_or(|seen| fp >= seen)) {
            return Ok(false);
        }
    }
    if f.min_score.is_some() || f.no_decayed {
        let score = crate::correlate::annotate::value_score(store, value, now)?.unwrap_or(0.0);
        if f.min_score.is_some_and(|m| score < m) {
            return Ok(false);
        }
        if f.no_decayed && score < crate::correlate::score::model_for(type_).threshold {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Distinct values only (text exports list a value once).
pub struct Seen(HashSet<u64>);

impl Seen {
    pub fn new() -> Seen {
        Seen(HashSet::new())
    }

    /// Whether `value` is new.
    pub fn first(&mut self, value: &str) -> bool {
        self.0.insert(crate::model::hash::value_hash(value))
    }
}

impl Default for Seen {
    fn default() -> Self {
        Seen::new()
    }
}

/// Lowercase hex of bytes (digests).
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_is_held_back_unless_named() {
        let none: Vec<String> = Vec::new();
        assert!(tlp_blocked(&["tlp:red"], &none));
        assert!(tlp_blocked(&["TLP:AMBER+STRICT"], &none));
        assert!(!tlp_blocked(&["tlp:amber", "tlp:clear"], &none));
        assert!(!tlp_blocked(&["tlp:red"], &["red".to_string()]));
        assert!(!tlp_blocked(&["tlp:red"], &["tlp:red".to_string()]));
        assert!(tlp_blocked(
            &["tlp:red", "tlp:amber+strict"],
            &["red".to_string()]
        ));
    }
}

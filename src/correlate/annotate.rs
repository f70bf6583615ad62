//! Warninglist flags and decay scores for values the CLI and TUI show.

use crate::store::{Result, SearchHit, Store};

use super::pivot::Graph;
use super::score::{self, Inputs, Sighting, SightingKind};
use super::warninglist::Warninglists;

/// Names of the warninglists `value` is on, for any of the types it is held as.
pub fn flags(lists: &Warninglists, types: &[String], value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in types {
        for name in lists.matches(t, value) {
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// The combined score of `value` across its sources at `now`; None when nothing holds it.
/// An analyst's override is the answer as it stands.
pub fn value_score(store: &Store, value: &str, now: i64) -> Result<Option<f64>> {
    if let Some(pinned) = store.score_override(value)? {
        return Ok(Some(pinned.clamp(0.0, 100.0)));
    }
    let facts = store.score_facts(value)?;
    if facts.is_empty() {
        return Ok(None);
    }
    let sightings: Vec<Sighting> = store
        .sightings(value)?
        .into_iter()
        .map(|s| Sighting {
            kind: SightingKind::from(s.kind()),
            time: s.time,
        })
        .collect();
    // One score per source (its best copy), then combined across sources.
    let mut per_source: Vec<(String, f64)> = Vec::new();
    for f in &facts {
        let tags: Vec<&str> = f.tags.iter().map(String::as_str).collect();
        let s = score::score(
            &Inputs {
                type_: &f.type_,
                tags: &tags,
                timestamp: f.timestamp,
                last_seen: f.last_seen,
                sightings: &sightings,
                overridden: None,
                default_base: f.confidence,
            },
            now,
        )
        .value;
        match per_source.iter_mut().find(|(src, _)| *src == f.source) {
            Some((_, best)) => *best = best.max(s),
            None => per_source.push((f.source.clone(), s)),
        }
    }
    let scores: Vec<f64> = per_source.into_iter().map(|(_, s)| s).collect();
    Ok(Some((score::combined(&scores) * 10.0).round() / 10.0))
}

/// Fill `warninglists` and `score` of search hits.
pub fn search_hits(
    store: &Store,
    lists: &Warninglists,
    hits: &mut [SearchHit],
    now: i64,
) -> Result<()> {
    for h in hits {
        h.warninglists = flags(lists, &h.types, &h.value);
        h.score = value_score(store, &h.value, now)?;
    }
    Ok(())
}

/// Fill `warninglists` and `score` of a pivot graph's value nodes.
pub fn graph(store: &Store, lists: &Warninglists, g: &mut Graph, now: i64) -> Result<()> {
    for n in g.nodes.iter_mut().filter(|n| n.kind == "value") {
        let types: Vec<String> = n.type_.iter().cloned().collect();
        n.warninglists = flags(lists, &types, &n.label);
        // A hub's score would read every one of its holders; hubs are flagged instead, and
        // excluded or unexpanded values are not scored either.
        if n.events.is_some() && !n.over_correlated && !n.excluded {
            n.score = value_score(store, &n.label, now)?;
        }
    }
    Ok(())
}

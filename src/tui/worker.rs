//! The background half of the workbench: requests run on blocking threads against the
//! shared store and the sync engine, and answer with messages. Fuzzy searches run on a
//! thread of their own that always takes the newest query (typing is debounced for free).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::correlate::pivot::{PivotOptions, pivot};
use crate::correlate::warninglist::Warninglists;
use crate::model::time::now;
use crate::store::Store;
use crate::sync::engine::Engine;

use super::fuzzy::Index;
use super::msg::*;

/// Values longer than this are not search targets (they stay visible in event details).
const MAX_ENTRY: usize = 1024;
const DETAIL_ATTRS: usize = 200;
/// Values whose score or warninglists a filter computes at most (each is a store lookup).
const LATE_CAP: usize = 50_000;

pub struct Worker {
    pub store: Arc<Store>,
    pub engine: Engine,
    pub lists: Arc<Warninglists>,
    tx: UnboundedSender<Msg>,
    index: Arc<Mutex<Option<Arc<Index>>>>,
    search: std::sync::mpsc::Sender<(String, u64)>,
    index_lock: Mutex<()>,
    index_again: AtomicBool,
}

/// The answer to a search: an exact value from the store's index when the query names one
/// (an address, a hash), else the fuzzy matcher's best page.
fn search_answer(store: &Store, index: &Arc<Index>, query: &str, generation: u64) -> Msg {
    let t = std::time::Instant::now();
    if let Some(v) = super::fuzzy::exact_form(query)
        && store.holds(&v).unwrap_or(false)
    {
        return Msg::Search {
            generation,
            index: Some(Arc::clone(index)),
            exact: Some(v),
            hits: Vec::new(),
            total: 1,
            millis: t.elapsed().as_millis(),
        };
    }
    let (hits, total) = index.search(query, 200);
    Msg::Search {
        generation,
        index: Some(Arc::clone(index)),
        exact: None,
        hits,
        total,
        millis: t.elapsed().as_millis(),
    }
}

/// What a background job that panicked tells the user (the request kind, not its data).
fn panicked(what: &str, p: &(dyn std::any::Any + Send)) -> String {
    let why = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let kind = what.split(['(', ' ', '{']).next().unwrap_or("");
    format!("internal error in {kind}: {}", super::text::safe(&why))
}

impl Worker {
    /// Must be called inside a tokio runtime.
    pub fn new(
        store: Arc<Store>,
        engine: Engine,
        lists: Warninglists,
        tx: UnboundedSender<Msg>,
    ) -> Worker {
        let index: Arc<Mutex<Option<Arc<Index>>>> = Arc::new(Mutex::new(None));
        let (search, rx) = std::sync::mpsc::channel::<(String, u64)>();
        let (idx, out, store2) = (Arc::clone(&index), tx.clone(), Arc::clone(&store));
        std::thread::spawn(move || {
            let store = store2;
            while let Ok(mut job) = rx.recv() {
                // Only the newest query matters.
                while let Ok(newer) = rx.try_recv() {
                    job = newer;
                }
                let Some(index) = idx.lock().ok().and_then(|g| g.clone()) else {
                    continue;
                };
                let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    search_answer(&store, &index, &job.0, job.1)
                }));
                let Ok(msg) = found else {
                    let _ = out.send(Msg::Error(
                        "the search failed on this query (an internal error)".into(),
                    ));
                    continue;
                };
                if out.send(msg).is_err() {
                    return;
                }
            }
        });
        Worker {
            store,
            engine,
            lists: Arc::new(lists),
            tx,
            index,
            search,
            index_lock: Mutex::new(()),
            index_again: AtomicBool::new(false),
        }
    }

    /// Start `req` in the background; its answer arrives as messages.
    pub fn submit(self: &Arc<Self>, req: Request) {
        if let Request::Search { query, generation } = req {
            let _ = self.search.send((query, generation));
            return;
        }
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let what = format!("{req:?}");
            let msgs = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| me.run(req)))
                .unwrap_or_else(|p| vec![Msg::Error(panicked(&what, p.as_ref()))]);
            for m in msgs {
                let _ = me.tx.send(m);
            }
        });
    }

    /// Do `req` now, on this thread, and return its messages (the tests drive whole
    /// scenarios this way, against a real store).
    pub fn run(&self, req: Request) -> Vec<Msg> {
        match self.try_run(req) {
            Ok(msgs) => msgs,
            Err(e) => vec![Msg::Error(e)],
        }
    }

    fn try_run(&self, req: Request) -> Result<Vec<Msg>, String> {
        let s = &*self.store;
        let e = |e: crate::store::StoreError| e.to_string();
        Ok(match req {
            Request::Stats => vec![Msg::Stats(s.stats().map_err(e)?)],
            Request::Feeds => {
                let t = now();
                let mut rows = Vec::new();
                for feed in s.feeds().map_err(e)? {
                    let runs = s
                        .runs(&feed.name, crate::sync::health::HISTORY)
                        .map_err(e)?;
                    let health = crate::sync::health::health(&feed, &runs, t);
                    let next_run = crate::sync::scheduler::next_run(s, &feed).map_err(e)?;
                    rows.push(FeedRow {
                        feed,
                        health,
                        next_run,
                    });
                }
                vec![Msg::Feeds(rows)]
            }
            Request::Events => vec![Msg::Events(s.events().map_err(e)?)],
            Request::Index => {
                // One rebuild at a time: a request that comes during one makes it run once
                // more at the end, however many came (a burst of syncs costs two scans).
                let mut out = Vec::new();
                loop {
                    let guard = match self.index_lock.try_lock() {
                        Ok(g) => g,
                        // A rebuild that panicked left the lock poisoned, not held.
                        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
                        Err(std::sync::TryLockError::WouldBlock) => {
                            self.index_again.store(true, Ordering::SeqCst);
                            return Ok(out);
                        }
                    };
                    loop {
                        self.index_again.store(false, Ordering::SeqCst);
                        let entries = match s.browse_entries(MAX_ENTRY) {
                            Ok(x) => x,
                            Err(err) => {
                                out.push(Msg::Error(err.to_string()));
                                break;
                            }
                        };
                        // The newest only: two million-entry indexes must not wait together.
                        out.retain(|m| !matches!(m, Msg::Index(_)));
                        let idx = Arc::new(Index::new(entries));
                        if let Ok(mut g) = self.index.lock() {
                            *g = Some(Arc::clone(&idx));
                        }
                        out.push(Msg::Index(idx));
                        if !self.index_again.load(Ordering::SeqCst) {
                            break;
                        }
                    }
                    drop(guard);
                    // A request that came between the last check and the unlock.
                    if !self.index_again.load(Ordering::SeqCst) {
                        break;
                    }
                }
                out
            }
            Request::Search { query, generation } => {
                match self.index.lock().ok().and_then(|g| g.clone()) {
                    Some(idx) => vec![search_answer(s, &idx, &query, generation)],
                    None => Vec::new(),
                }
            }
            Request::Filter { query, generation } => {
                let t = std::time::Instant::now();
                let q = super::query::Query::parse(&query)?;
                let now = now();
                let mut seen = std::collections::HashSet::new();
                let mut values: Vec<(String, String)> = Vec::new();
                s.scan_holders(|h| {
                    if q.matches(&h, now) && seen.insert(crate::model::hash::value_hash(h.value)) {
                        values.push((h.value.to_string(), h.type_.to_string()));
                    }
                })
                .map_err(e)?;
                let mut capped = None;
                if q.needs_score() || q.needs_warninglists() {
                    if values.len() > LATE_CAP {
                        capped = Some(LATE_CAP);
                        values.truncate(LATE_CAP);
                    }
                    let mut kept = Vec::with_capacity(values.len());
                    for (v, t) in values {
                        let score = if q.needs_score() {
                            crate::correlate::annotate::value_score(s, &v, now).map_err(e)?
                        } else {
                            None
                        };
                        let wl = q.needs_warninglists() && !self.lists.matches(&t, &v).is_empty();
                        if q.matches_late(score, wl) {
                            kept.push((v, t));
                        }
                    }
                    values = kept;
                }
                vec![Msg::Filtered(Box::new(Filtered {
                    generation,
                    query,
                    values,
                    capped,
                    millis: t.elapsed().as_millis(),
                }))]
            }
            Request::Rows(values) => {
                let t = now();
                let mut out = Vec::with_capacity(values.len());
                for v in values {
                    // One value the store cannot read shows as unknown; the rest still come.
                    let mut hit = s.lookup_indexed(&v).ok().flatten();
                    if let Some(h) = hit.as_mut() {
                        h.warninglists =
                            crate::correlate::annotate::flags(&self.lists, &h.types, &h.value);
                        h.score =
                            crate::correlate::annotate::value_score(s, &h.value, t).map_err(e)?;
                    }
                    out.push((v, hit));
                }
                vec![Msg::Rows(out)]
            }
            Request::ValueDetail(value) => {
                let mut hit = s.lookup(&value).map_err(e)?;
                let mut warninglists = Vec::new();
                if let Some(h) = hit.as_mut() {
                    warninglists =
                        crate::correlate::annotate::flags(&self.lists, &h.types, &h.value);
                    h.warninglists = warninglists.clone();
                    h.score =
                        crate::correlate::annotate::value_score(s, &h.value, now()).map_err(e)?;
                }
                let sightings = s
                    .sightings(&value)
                    .map_err(e)?
                    .into_iter()
                    .map(|r| {
                        (
                            ["seen", "false positive", "expiration"][usize::from(r.kind.min(2))]
                                .to_string(),
                            r.time,
                        )
                    })
                    .collect();
                vec![Msg::ValueDetail(Box::new(ValueDetail {
                    value,
                    hit,
                    warninglists,
                    sightings,
                }))]
            }
            Request::EventDetail(uuid) => {
                let Some(summary) = s.event_summary(uuid).map_err(e)? else {
                    return Ok(vec![Msg::Error(format!("event {uuid} is gone"))]);
                };
                let attrs = s.event_attributes(uuid).map_err(e)?.unwrap_or_default();
                let more = attrs.len().saturating_sub(DETAIL_ATTRS);
                let attributes = attrs
                    .into_iter()
                    .take(DETAIL_ATTRS)
                    .filter_map(|a| {
                        Some(AttrRow {
                            uuid: a.uuid?,
                            type_: a.type_,
                            value: a.value,
                            comment: a.comment,
                        })
                    })
                    .collect();
                vec![Msg::EventDetail(Box::new(EventDetail {
                    summary,
                    attributes,
                    more,
                }))]
            }
            Request::FeedDetail(name) => {
                let Some(feed) = s.feed(&name).map_err(e)? else {
                    return Ok(vec![Msg::Error(format!("no feed named {name}"))]);
                };
                let runs = s.runs(&name, 50).map_err(e)?;
                vec![Msg::FeedDetail(Box::new(FeedDetail { feed, runs }))]
            }
            Request::Pivot(value) => {
                let opts = PivotOptions {
                    depth: 1,
                    fanout: 40,
                    max_nodes: 400,
                };
                let mut g = pivot(s, &value, opts).map_err(e)?;
                crate::correlate::annotate::graph(s, &self.lists, &mut g, now()).map_err(e)?;
                vec![Msg::Graph(value, Box::new(g))]
            }
            Request::SyncNow(name) => match self.engine.run_now(&name)? {
                Some(_) => vec![],
                None => vec![Msg::Info(format!("{name} is already syncing"))],
            },
            Request::SyncAll => {
                let feeds: Vec<_> = s
                    .feeds()
                    .map_err(e)?
                    .into_iter()
                    .filter(|f| f.enabled)
                    .collect();
                if feeds.is_empty() {
                    return Ok(vec![Msg::Info(
                        "no feed is enabled: select one and press the enable key".into(),
                    )]);
                }
                let n = feeds
                    .into_iter()
                    .filter_map(|f| self.engine.start(f))
                    .count();
                vec![Msg::Info(format!("syncing {n} feed(s)"))]
            }
            Request::Cancel(name) => {
                if self.engine.cancel(&name) {
                    vec![Msg::Info(format!(
                        "cancelling {name}; its previous data stands"
                    ))]
                } else {
                    vec![Msg::Info(format!("{name} is not syncing"))]
                }
            }
            Request::SetEnabled(name, on) => {
                s.set_feed_enabled(&name, on).map_err(e)?;
                vec![
                    Msg::Info(format!(
                        "{name} {}",
                        if on { "enabled" } else { "disabled" }
                    )),
                    Msg::Changed,
                ]
            }
            Request::Sighting {
                value,
                false_positive,
            } => {
                let kind = if false_positive {
                    crate::model::SightingType::FalsePositive
                } else {
                    crate::model::SightingType::Sighting
                };
                s.add_sighting(&value, kind, "threatdeck workbench", now())
                    .map_err(e)?;
                let what = if false_positive {
                    "marked a false positive"
                } else {
                    "sighting recorded"
                };
                vec![
                    Msg::Info(format!("{}: {what}", super::text::safe(&value))),
                    Msg::Changed,
                ]
            }
            Request::LoadSample => {
                let n = super::sample::load(s)?;
                vec![
                    Msg::Info(format!(
                        "sample dataset loaded: {n} attributes (tagged threatdeck:sample)"
                    )),
                    Msg::NewData,
                ]
            }
            Request::EditEvent { event, edit } => {
                s.edit_event(event, &edit).map_err(e)?;
                // Titles and tags are search targets: the index is rebuilt.
                vec![Msg::Info("event saved".into()), Msg::NewData]
            }
            Request::Comment {
                event,
                attr,
                comment,
            } => {
                s.set_attribute_comment(event, attr, &comment).map_err(e)?;
                vec![Msg::Info("comment saved".into()), Msg::Changed]
            }
            Request::EventLinks(uuids) => {
                let mut out = Vec::with_capacity(uuids.len());
                for u in uuids {
                    out.push((u, s.event_links(u, 2000).map_err(e)?));
                }
                vec![Msg::EventLinks(out)]
            }
            Request::Extract { text, generation } => {
                let mut rows = Vec::new();
                for (t, v) in super::save::extract(&text) {
                    let known = s.lookup_indexed(&v).map_err(e)?.is_some();
                    rows.push((t, v, known));
                }
                vec![Msg::Extracted(Extracted { generation, rows })]
            }
            Request::SaveEvent { info, text } => {
                let n = super::save::save(s, &info, &text)?;
                vec![
                    Msg::Info(format!(
                        "saved as a new event with {n} attribute(s), source {}",
                        super::save::SOURCE
                    )),
                    Msg::NewData,
                ]
            }
            Request::AddCatalog => {
                let mut added = 0;
                for f in crate::sync::builtin::feeds(now()) {
                    if s.feed(&f.name).map_err(e)?.is_none() {
                        s.put_feed(&f).map_err(e)?;
                        added += 1;
                    }
                }
                vec![
                    Msg::Info(format!(
                        "{added} catalog feed(s) added, disabled: select one and press the enable key"
                    )),
                    Msg::Changed,
                ]
            }
        })
    }
}

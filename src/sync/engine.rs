//! The sync engine: runs feeds in background tokio tasks and reports typed events on a
//! channel, which the CLI prints and the workbench subscribes to. Background work never
//! touches views.
//!
//! Downloads run side by side, at most `parallel` at once and one at a time per host (a
//! provider sees one connection from us, never a burst); stores land one at a time, each in
//! its own transaction, while readers go on (redb readers never wait for the writer).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

use crate::store::Store;
use crate::store::feeds::{FeedRec, RunRec};

use super::{Reporter, fetch, local_path};

/// Downloads at once, across all hosts.
pub const DEFAULT_PARALLEL: usize = 4;

/// What the engine reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum SyncEvent {
    Started {
        feed: String,
    },
    /// Bytes downloaded (of `total` when the server said) and records parsed so far.
    Progress {
        feed: String,
        bytes: u64,
        total: Option<u64>,
        records: u64,
    },
    Finished {
        feed: String,
        run: RunRec,
    },
    Failed {
        feed: String,
        error: String,
    },
    /// An output pushed after a sync: its report, or why it could not run.
    Pushed {
        output: String,
        report: Result<crate::store::outputs::PushReport, String>,
    },
}

struct Inner {
    store: Arc<Store>,
    events: mpsc::UnboundedSender<SyncEvent>,
    downloads: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    landing: Arc<tokio::sync::Mutex<()>>,
    /// Feeds running now, with the switch that cancels each.
    running: Mutex<HashMap<String, watch::Sender<bool>>>,
    count: watch::Sender<usize>,
    /// One push at a time: two runs finishing together must not send the same data twice.
    pushing: tokio::sync::Mutex<()>,
}

/// A handle on the engine; clones share it.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking task cannot leave these maps half-updated: keep going.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The host a feed downloads from (whatever the scheme or port: one provider); None for a
/// local feed. Redirects to another host are not serialized with it.
fn host_of(feed: &FeedRec) -> Option<String> {
    if local_path(&feed.location).is_some() {
        return None;
    }
    let url = reqwest::Url::parse(&feed.location).ok()?;
    Some(url.host_str().unwrap_or("").to_ascii_lowercase())
}

impl Engine {
    /// Must be created inside a tokio runtime (tasks are spawned on it).
    pub fn new(
        store: Arc<Store>,
        parallel: usize,
        events: mpsc::UnboundedSender<SyncEvent>,
    ) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                store,
                events,
                downloads: Arc::new(Semaphore::new(parallel.max(1))),
                hosts: Mutex::new(HashMap::new()),
                landing: Arc::new(tokio::sync::Mutex::new(())),
                running: Mutex::new(HashMap::new()),
                count: watch::channel(0).0,
                pushing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// Names of the feeds running now.
    pub fn running(&self) -> Vec<String> {
        let mut v: Vec<String> = lock(&self.inner.running).keys().cloned().collect();
        v.sort();
        v
    }

    /// Start a run of `feed` now; None when it is already running (one run per feed at a
    /// time). The handle yields the recorded run, or None when the store failed.
    pub fn start(&self, feed: FeedRec) -> Option<JoinHandle<Option<RunRec>>> {
        let (cancel_tx, cancel_rx) = watch::channel(false);
        {
            // The map and the count change together, so `idle` never sees one without the
            // other.
            let mut running = lock(&self.inner.running);
            if running.contains_key(&feed.name) {
                return None;
            }
            running.insert(feed.name.clone(), cancel_tx);
            self.inner.count.send_modify(|n| *n += 1);
        }
        let inner = Arc::clone(&self.inner);
        Some(tokio::spawn(async move {
            // Undone however the task ends (a panic included), or the feed could never run
            // again and `idle` would wait forever.
            let mut guard = Running {
                inner: Arc::clone(&inner),
                name: feed.name.clone(),
                reported: false,
            };
            let run = run_feed(&inner, feed, cancel_rx).await;
            guard.reported = true;
            // New data goes out to the enabled outputs while the run still counts as
            // running, so `idle` (and `feeds sync`) wait for the push too.
            if run.as_ref().is_some_and(|r| r.ok && !r.not_modified) {
                push_after_sync(&inner).await;
            }
            run
        }))
    }

    /// Run the feed named `name` now (a run-now request), enabled or not.
    pub fn run_now(&self, name: &str) -> Result<Option<JoinHandle<Option<RunRec>>>, String> {
        let feed = self
            .inner
            .store
            .feed(name)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no feed named {name}"))?;
        Ok(self.start(feed))
    }

    /// Cancel a running feed: its download stops and the previous data stands (an import
    /// already under way finishes, whole). Returns whether it was running.
    pub fn cancel(&self, name: &str) -> bool {
        lock(&self.inner.running)
            .get(name)
            .is_some_and(|tx| tx.send(true).is_ok())
    }

    pub fn cancel_all(&self) {
        for tx in lock(&self.inner.running).values() {
            let _ = tx.send(true);
        }
    }

    /// Wait until no feed is running.
    pub async fn idle(&self) {
        let mut rx = self.inner.count.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Start every enabled feed that is due at `now` and not running; returns how many.
    pub fn start_due(&self, now: i64) -> usize {
        match super::scheduler::due(&self.inner.store, now) {
            Ok(feeds) => feeds.into_iter().filter_map(|f| self.start(f)).count(),
            Err(e) => {
                let _ = self.inner.events.send(SyncEvent::Failed {
                    feed: String::new(),
                    error: e.to_string(),
                });
                0
            }
        }
    }
}

async fn push_after_sync(inner: &Arc<Inner>) {
    let _one = inner.pushing.lock().await;
    for (output, report) in crate::push::push_enabled(Arc::clone(&inner.store)).await {
        let _ = inner.events.send(SyncEvent::Pushed {
            output,
            report: report.map_err(|e| e.to_string()),
        });
    }
}

struct Running {
    inner: Arc<Inner>,
    name: String,
    /// The run reported how it ended; if not (it panicked), the guard says it failed, so no
    /// view waits for it forever.
    reported: bool,
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.reported {
            let _ = self.inner.events.send(SyncEvent::Failed {
                feed: self.name.clone(),
                error: "internal error: the run stopped unexpectedly; the previous data stands"
                    .into(),
            });
        }
        let mut running = lock(&self.inner.running);
        running.remove(&self.name);
        self.inner.count.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Running totals of one run, sent with every progress event.
#[derive(Default)]
struct Tally {
    bytes: u64,
    total: Option<u64>,
    records: u64,
}

fn reporter(inner: &Arc<Inner>, name: &str) -> Reporter {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let send = {
        let (events, name) = (inner.events.clone(), name.to_string());
        move |t: &Tally| {
            let _ = events.send(SyncEvent::Progress {
                feed: name.clone(),
                bytes: t.bytes,
                total: t.total,
                records: t.records,
            });
        }
    };
    let (t1, s1) = (Arc::clone(&tally), send.clone());
    let (t2, s2) = (tally, send);
    Reporter {
        bytes: Some(fetch::Progress(Arc::new(move |bytes, total| {
            let mut t = lock(&t1);
            t.bytes = bytes;
            t.total = total.or(t.total);
            s1(&t);
        }))),
        records: Some(crate::pipeline::Progress(Arc::new(move |records| {
            let mut t = lock(&t2);
            t.records = records;
            s2(&t);
        }))),
    }
}

async fn run_feed(
    inner: &Arc<Inner>,
    feed: FeedRec,
    cancel: watch::Receiver<bool>,
) -> Option<RunRec> {
    let name = feed.name.clone();
    let _ = inner.events.send(SyncEvent::Started { feed: name.clone() });
    let report = reporter(inner, &name);
    // Wait for the host, then for a download slot (in that order: runs queued behind one
    // busy host must not hold slots other hosts could use), unless cancelled meanwhile.
    let slots = async {
        let Some(host) = host_of(&feed) else {
            return (None, None);
        };
        let host_lock = Arc::clone(lock(&inner.hosts).entry(host).or_default());
        let host = host_lock.lock_owned().await;
        let permit = Arc::clone(&inner.downloads).acquire_owned().await.ok();
        (Some(host), permit)
    };
    let held = tokio::select! {
        held = slots => Some(held),
        () = super::cancelled(cancel.clone()) => None,
    };
    let (store, f, r, c) = (
        Arc::clone(&inner.store),
        feed.clone(),
        report.clone(),
        cancel.clone(),
    );
    let prepared =
        tokio::task::spawn_blocking(move || super::prepare(&store, &f, &r, Some(c))).await;
    drop(held);
    let result = match prepared {
        Ok(Ok(p)) => {
            let _landing = inner.landing.lock().await;
            // A cancel that came while the run waited to land still counts.
            let p = if *cancel.borrow() { p.cancel() } else { p };
            let store = Arc::clone(&inner.store);
            tokio::task::spawn_blocking(move || {
                let run = super::land(&store, &feed, p, &report)?;
                // Between runs, nothing else writes: reclaim space after a big one. It
                // fails harmlessly while a reader holds a transaction.
                let _ = store.compact_if_worthwhile(run.added);
                Ok::<_, crate::store::StoreError>(run)
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let (event, run) = match result {
        Ok(run) if run.ok => (
            SyncEvent::Finished {
                feed: name,
                run: run.clone(),
            },
            Some(run),
        ),
        Ok(run) => (
            SyncEvent::Failed {
                feed: name,
                error: run.error.clone().unwrap_or_default(),
            },
            Some(run),
        ),
        Err(error) => (SyncEvent::Failed { feed: name, error }, None),
    };
    let _ = inner.events.send(event);
    run
}

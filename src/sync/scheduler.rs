//! The scheduler: which feeds are due, and a loop that syncs them until told to stop.
//! Background work never touches views: it reports typed events on a channel, which the CLI
//! prints and the workbench will subscribe to.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::store::Store;
use crate::store::feeds::{FeedRec, RunRec};

/// What the scheduler reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum SyncEvent {
    Started {
        feed: String,
    },
    /// Bytes downloaded so far (about every MiB).
    Progress {
        feed: String,
        bytes: u64,
    },
    Finished {
        feed: String,
        run: RunRec,
    },
    Failed {
        feed: String,
        error: String,
    },
}

/// Up to a tenth of the interval either way, so feeds set to the same interval (and many
/// threatdeck installs hitting one provider) spread out instead of firing together.
pub fn jittered(interval_secs: u64, seed: u64) -> i64 {
    let spread = interval_secs / 10;
    if spread == 0 {
        return interval_secs.max(1) as i64;
    }
    let offset = (seed % (2 * spread + 1)) as i64 - spread as i64;
    (interval_secs as i64 + offset).max(1)
}

/// Enabled feeds whose next run is due at `now`: never run, or last started more than a
/// (jittered) interval ago.
pub fn due(store: &Store, now: i64) -> crate::store::Result<Vec<FeedRec>> {
    let mut out = Vec::new();
    for f in store.feeds()?.into_iter().filter(|f| f.enabled) {
        let last = store.runs(&f.name, 1)?.first().map(|r| r.started);
        let seed = crate::model::hash::value_hash(&f.name) ^ last.unwrap_or(0) as u64;
        if last.is_none_or(|t| now - t >= jittered(f.interval_secs, seed)) {
            out.push(f);
        }
    }
    Ok(out)
}

/// Sync every due feed, one at a time (the store has one writer), reporting events; stops
/// between feeds once `stop` turns true. Returns how many feeds ran.
pub async fn run_due(
    store: &Arc<Mutex<Store>>,
    events: &mpsc::UnboundedSender<SyncEvent>,
    stop: Option<&watch::Receiver<bool>>,
) -> usize {
    let now = crate::model::time::now();
    let feeds = {
        let Ok(s) = store.lock() else { return 0 };
        match due(&s, now) {
            Ok(f) => f,
            Err(e) => {
                let _ = events.send(SyncEvent::Failed {
                    feed: String::new(),
                    error: e.to_string(),
                });
                return 0;
            }
        }
    };
    let mut n = 0;
    for feed in feeds {
        if stop.is_some_and(|s| *s.borrow()) {
            break;
        }
        n += 1;
        let _ = events.send(SyncEvent::Started {
            feed: feed.name.clone(),
        });
        let store = Arc::clone(store);
        let name = feed.name.clone();
        let (tx, progress_name) = (events.clone(), feed.name.clone());
        let progress = super::fetch::Progress(Arc::new(move |bytes| {
            let _ = tx.send(SyncEvent::Progress {
                feed: progress_name.clone(),
                bytes,
            });
        }));
        // Sync blocks (parsing, the store, its own HTTP runtime): keep it off the async workers.
        let result = tokio::task::spawn_blocking(move || {
            let mut s = store
                .lock()
                .map_err(|_| "store lock poisoned".to_string())?;
            super::sync_reporting(&mut s, &feed, Some(progress)).map_err(|e| e.to_string())
        })
        .await;
        let event = match result {
            Ok(Ok(run)) if run.ok => SyncEvent::Finished { feed: name, run },
            Ok(Ok(run)) => SyncEvent::Failed {
                feed: name,
                error: run.error.unwrap_or_default(),
            },
            Ok(Err(error)) => SyncEvent::Failed { feed: name, error },
            Err(e) => SyncEvent::Failed {
                feed: name,
                error: e.to_string(),
            },
        };
        let _ = events.send(event);
    }
    n
}

/// Run due feeds every `tick` until `stop` turns true (the current feed finishes first).
pub async fn daemon(
    store: Arc<Mutex<Store>>,
    tick: Duration,
    events: mpsc::UnboundedSender<SyncEvent>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        run_due(&store, &events, Some(&stop)).await;
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_tenth() {
        for seed in 0..1000 {
            let j = jittered(3600, seed);
            assert!((3240..=3960).contains(&j), "{j}");
        }
        assert_eq!(jittered(1, 5), 1);
    }
}

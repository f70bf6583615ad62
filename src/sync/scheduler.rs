//! The scheduler: which feeds are due, and a loop that starts them on the engine until told
//! to stop.

use std::time::Duration;

use tokio::sync::watch;

use crate::store::Store;
use crate::store::feeds::FeedRec;

pub use super::engine::{Engine, SyncEvent};

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

/// When an enabled feed runs next (unix seconds): a (jittered) interval after its last
/// start, or at once when it never ran. None for a disabled feed.
pub fn next_run(store: &Store, feed: &FeedRec) -> crate::store::Result<Option<i64>> {
    if !feed.enabled {
        return Ok(None);
    }
    let last = store.runs(&feed.name, 1)?.first().map(|r| r.started);
    let seed = crate::model::hash::value_hash(&feed.name) ^ last.unwrap_or(0) as u64;
    Ok(Some(last.map_or(i64::MIN, |t| {
        t.saturating_add(jittered(feed.interval_secs, seed))
    })))
}

/// Enabled feeds whose next run is due at `now`.
pub fn due(store: &Store, now: i64) -> crate::store::Result<Vec<FeedRec>> {
    let mut out = Vec::new();
    for f in store.feeds()? {
        if next_run(store, &f)?.is_some_and(|t| t <= now) {
            out.push(f);
        }
    }
    Ok(out)
}

/// Start every due feed and wait until all have finished; returns how many ran.
pub async fn run_due(engine: &Engine) -> usize {
    let n = engine.start_due(crate::model::time::now());
    engine.idle().await;
    n
}

/// Start due feeds every `tick` until `stop` turns true; then cancel downloads under way
/// (their previous data stands), let imports under way finish, and return.
pub async fn daemon(engine: Engine, tick: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        engine.start_due(crate::model::time::now());
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            engine.cancel_all();
            engine.idle().await;
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

//! Feed health from the run history: what an analyst must notice before trusting a feed.

use serde::Serialize;

use crate::store::feeds::{FeedRec, RunRec};

/// No change for this long makes an enabled feed stale (lists that stop changing have
/// usually stopped being maintained; SSLBL's IP list has been empty since 2025).
pub const STALE_AFTER_SECS: i64 = 7 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// `ok` when nothing below applies.
    pub status: &'static str,
    /// `never-synced`, `failed`, `failing` (3+ failures in a row), `empty`, `dropped` (under
    /// half the records of the run before), `stale` (no change for the feed's
    /// `stale_after`, a week by default).
    pub flags: Vec<&'static str>,
    pub last_run: Option<RunRec>,
}

/// How many recent runs health looks at (staleness needs more than the last few).
pub const HISTORY: usize = 200;

/// Health of `feed` from its runs, newest first (up to [`HISTORY`]), at `now`.
pub fn health(feed: &FeedRec, all_runs: &[RunRec], now: i64) -> Health {
    let mut flags = Vec::new();
    // A run the user cancelled says nothing about the feed.
    let runs: Vec<RunRec> = all_runs.iter().filter(|r| !r.cancelled).cloned().collect();
    let runs = runs.as_slice();
    let Some(last) = runs.first() else {
        if let Some(last) = all_runs.first() {
            return Health {
                status: "never-synced",
                flags: vec!["never-synced"],
                last_run: Some(last.clone()),
            };
        }
        return Health {
            status: "never-synced",
            flags: vec!["never-synced"],
            last_run: None,
        };
    };
    if !last.ok {
        flags.push("failed");
        if runs.iter().take(3).filter(|r| !r.ok).count() == 3 {
            flags.push("failing");
        }
    }
    // Incremental feeds (TAXII, MISP servers and feeds) bring only what is new each run:
    // few or no records is normal there.
    let incremental = matches!(feed.format.as_str(), "taxii" | "misp-server" | "misp-feed");
    let mut ok_runs = runs.iter().filter(|r| r.ok && !incremental);
    if let Some(good) = ok_runs.next() {
        if good.records == 0 {
            flags.push("empty");
        } else if let Some(before) = ok_runs.next()
            && good.records * 2 < before.records
        {
            flags.push("dropped");
        }
    }
    let last_change = runs
        .iter()
        .filter(|r| r.ok && r.added + r.removed > 0)
        .map(|r| r.finished)
        .max();
    let stale_after = feed
        .stale_after_secs
        .map_or(STALE_AFTER_SECS, |s| s.min(i64::MAX as u64) as i64);
    if feed.enabled
        && last_change.is_none_or(|t| now - t > stale_after)
        && runs.iter().any(|r| r.ok)
    {
        let first_ok = runs
            .iter()
            .filter(|r| r.ok)
            .map(|r| r.started)
            .min()
            .unwrap_or(now);
        if now - first_ok > stale_after {
            flags.push("stale");
        }
    }
    let status = if flags.is_empty() { "ok" } else { flags[0] };
    Health {
        status,
        flags,
        last_run: all_runs.first().cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> FeedRec {
        FeedRec {
            interval_secs: 3600,
            enabled: true,
            ..FeedRec::new("f", "/x", "freetext")
        }
    }

    fn run(ok: bool, records: u64, added: u64, at: i64) -> RunRec {
        RunRec {
            started: at,
            finished: at,
            ok,
            records,
            added,
            ..RunRec::default()
        }
    }

    #[test]
    fn flags() {
        let f = feed();
        assert_eq!(health(&f, &[], 0).status, "never-synced");
        assert_eq!(health(&f, &[run(true, 10, 10, 100)], 100).status, "ok");
        assert_eq!(health(&f, &[run(true, 0, 0, 100)], 100).flags, ["empty"]);
        assert_eq!(
            health(&f, &[run(true, 4, 0, 200), run(true, 10, 10, 100)], 200).flags,
            ["dropped"]
        );
        let cancelled = RunRec {
            cancelled: true,
            ..run(false, 0, 0, 400)
        };
        assert_eq!(
            health(&f, &[cancelled.clone(), run(true, 10, 10, 100)], 400).status,
            "ok",
            "a cancelled run is not a failure"
        );
        assert_eq!(health(&f, &[cancelled], 400).status, "never-synced");
        let failing = [
            run(false, 0, 0, 300),
            run(false, 0, 0, 200),
            run(false, 0, 0, 100),
        ];
        assert_eq!(health(&f, &failing, 300).flags, ["failed", "failing"]);
        let week = STALE_AFTER_SECS + 1;
        let quiet = [run(true, 10, 0, week + 100), run(true, 10, 10, 100)];
        assert_eq!(health(&f, &quiet, week + 100).flags, ["stale"]);
        // Three unchanged runs a day apart for ten days: stale, though each run is recent.
        let day = 86_400;
        let mut long: Vec<RunRec> = (1..=10).rev().map(|d| run(true, 10, 0, d * day)).collect();
        long.push(run(true, 10, 10, 0));
        assert_eq!(health(&f, &long, 10 * day).flags, ["stale"]);
        // A feed that changes every day may say so: two quiet days are stale.
        let mut daily = feed();
        daily.stale_after_secs = Some(2 * day as u64);
        let quiet3: Vec<RunRec> = (1..=3).rev().map(|d| run(true, 10, 0, d * day)).collect();
        let mut quiet3 = quiet3;
        quiet3.push(run(true, 10, 10, 0));
        assert_eq!(health(&daily, &quiet3, 3 * day + 1).flags, ["stale"]);
        assert!(health(&f, &quiet3, 3 * day + 1).flags.is_empty());
        let mut taxii = feed();
        taxii.format = "taxii".into();
        assert!(
            health(&taxii, &[run(true, 1, 1, 200), run(true, 7, 7, 100)], 200)
                .flags
                .is_empty()
        );
    }
}

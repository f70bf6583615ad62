//! Feeds: configuration helpers, the MISP feed catalog, sync runs and their health.
//!
//! A feed's location is a local path (air-gapped users point feeds at a mounted directory) or
//! an HTTP(S) URL; TAXII 2.1 and MISP server pulls and the scheduler come next on the same
//! run record.

pub mod builtin;
pub mod catalog;
pub mod engine;
pub mod fetch;
pub mod headers;
pub mod health;
mod misp_api;
mod remote;
pub mod scheduler;
pub mod secrets;
mod staging;
mod taxii;

use std::path::PathBuf;

use crate::ingest::Format;
use crate::ingest::csv::CsvOptions;
use crate::model::time;
use crate::pipeline::{self, ImportOptions, Progress};
use crate::store::feeds::{FeedRec, RunRec};
use crate::store::{Result, Store, StoreError};

/// `30s`, `15m`, `1h`, `1d`, `1w`, or plain seconds.
pub fn parse_interval(s: &str) -> std::result::Result<u64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not an interval like 30m, 1h or 1d"))?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "{s:?}: unknown unit {unit:?} (use s, m, h, d or w)"
            ));
        }
    };
    n.checked_mul(mult)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("{s:?} is not a usable interval"))
}

/// Whether a feed location is on this machine (a path, or a `file://` URL).
pub fn local_path(location: &str) -> Option<PathBuf> {
    if let Some(p) = location.strip_prefix("file://") {
        return Some(PathBuf::from(p));
    }
    (!location.contains("://")).then(|| PathBuf::from(location))
}

fn format_of(name: &str) -> Option<Format> {
    Some(match name {
        "misp-feed" => Format::MispFeed,
        "misp-event" => Format::MispEvent,
        "csv" => Format::Csv,
        "freetext" => Format::Freetext,
        "stix" | "taxii" => Format::Stix,
        "misp-server" => Format::MispEvent,
        _ => return None,
    })
}

/// Progress callbacks of one run: bytes as they download, records as they parse.
#[derive(Clone, Debug, Default)]
pub struct Reporter {
    pub bytes: Option<fetch::Progress>,
    pub records: Option<Progress>,
}

/// Run one feed now, record the run, and return it. The data lands in one transaction or
/// not at all; a failed run keeps the previous data.
pub fn sync(store: &Store, feed: &FeedRec) -> Result<RunRec> {
    sync_reporting(store, feed, &Reporter::default(), None)
}

/// [`sync`] with progress callbacks; the download stops when `cancel` turns true.
pub fn sync_reporting(
    store: &Store,
    feed: &FeedRec,
    report: &Reporter,
    cancel: Option<Cancel>,
) -> Result<RunRec> {
    let prepared = prepare(store, feed, report, cancel)?;
    land(store, feed, prepared, report)
}

/// A cancellation signal: the download of a run stops when it turns true.
pub type Cancel = tokio::sync::watch::Receiver<bool>;

/// Resolves when `cancel` turns true; never, when its sender is gone (that is not a cancel).
pub async fn cancelled(mut cancel: Cancel) {
    if cancel.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

const CANCELLED: &str = "cancelled; the previous data stands";

/// A run's first half: its data downloaded (or found on disk), not yet stored.
#[derive(Debug)]
pub struct Prepared {
    run: RunRec,
    previous: Option<RunRec>,
    outcome: std::result::Result<Staged, String>,
}

impl Prepared {
    /// Drop what was downloaded: the run lands nothing and is recorded as cancelled.
    pub fn cancel(self) -> Prepared {
        Prepared {
            outcome: Err(CANCELLED.to_string()),
            ..self
        }
    }
}

#[derive(Debug)]
enum Staged {
    NotModified,
    Path(PathBuf),
}

/// Download (or locate) a feed's data. Needs only reads of the store, so downloads of several
/// feeds run side by side; [`land`] then stores one at a time.
pub fn prepare(
    store: &Store,
    feed: &FeedRec,
    report: &Reporter,
    cancel: Option<Cancel>,
) -> Result<Prepared> {
    let mut run = RunRec {
        started: time::now(),
        ..RunRec::default()
    };
    // However many failures came since, the last good run's cursor stands.
    let previous = store.last_good_run(&feed.name)?;
    let outcome = (|| {
        if cancel.as_ref().is_some_and(|c| *c.borrow()) {
            return Err(CANCELLED.to_string());
        }
        format_of(&feed.format)
            .ok_or_else(|| format!("format {} cannot be synced", feed.format))?;
        let path = match local_path(&feed.location) {
            Some(p) => {
                run.bytes = dir_bytes(&p);
                p
            }
            None => match remote::download(
                store,
                feed,
                previous.as_ref(),
                &mut run,
                report.bytes.clone(),
                cancel,
            )? {
                remote::Downloaded::Staged(p) => p,
                remote::Downloaded::NotModified => return Ok(Staged::NotModified),
            },
        };
        if let Some(sentinel) = &feed.sentinel
            && !path.is_dir()
            && !contains(&path, sentinel.as_bytes())
                .map_err(|e| format!("{}: {e}", feed.location))?
        {
            return Err(format!(
                "{}: the body lacks the sentinel {sentinel:?}: not this feed (an error page, or the format changed)",
                feed.location
            ));
        }
        Ok(Staged::Path(path))
    })();
    Ok(Prepared {
        run,
        previous,
        outcome,
    })
}

/// A run's second half: import what [`prepare`] staged in one transaction, and record the run.
pub fn land(
    store: &Store,
    feed: &FeedRec,
    prepared: Prepared,
    report: &Reporter,
) -> Result<RunRec> {
    let Prepared {
        run,
        previous,
        outcome,
    } = prepared;
    let result = outcome.and_then(|staged| match staged {
        // Nothing changed upstream: the last good data and its counts stand.
        Staged::NotModified => {
            let p = previous.unwrap_or_default();
            Ok(RunRec {
                records: p.records,
                unchanged: p.records,
                etag: run.etag.clone().or(p.etag),
                last_modified: run.last_modified.clone().or(p.last_modified),
                not_modified: true,
                ..run.clone()
            })
        }
        Staged::Path(path) => import_staged(store, feed, &path, &run, report),
    });
    let mut run = match result {
        Ok(r) => RunRec { ok: true, ..r },
        Err(e) => RunRec {
            ok: false,
            cancelled: e == CANCELLED,
            error: Some(e),
            ..run
        },
    };
    if local_path(&feed.location).is_none() {
        remote::clear_staging(store, feed);
    }
    run.finished = time::now();
    store.record_run(&feed.name, &run)?;
    Ok(run)
}

fn import_staged(
    store: &Store,
    feed: &FeedRec,
    path: &std::path::Path,
    run: &RunRec,
    report: &Reporter,
) -> std::result::Result<RunRec, String> {
    let format = format_of(&feed.format)
        .ok_or_else(|| format!("format {} cannot be synced", feed.format))?;
    let opts = import_options(feed, format, report.records.clone())?;
    let reports = pipeline::import(store, &[path.to_path_buf()], &opts);
    if let Some(bad) = reports.iter().find(|r| !r.ok) {
        let msg = bad.error.clone().unwrap_or_else(|| "failed".into());
        // Name the feed's location, not the staging file.
        return Err(msg.replace(&path.display().to_string(), &feed.location));
    }
    let mut r = run.clone();
    for rep in &reports {
        match &rep.list {
            Some(l) => {
                r.records += l.added + l.unchanged + l.reappeared;
                r.added += l.added + l.reappeared;
                r.removed += l.vanished;
                r.unchanged += l.unchanged;
            }
            None => {
                r.records += rep.attributes;
                r.added += rep.events_added + rep.events_replaced;
                r.unchanged += rep.events_unchanged;
            }
        }
    }
    Ok(r)
}

/// Whether the file holds `needle`, read in blocks (a feed body can be large).
fn contains(path: &std::path::Path, needle: &[u8]) -> std::io::Result<bool> {
    use std::io::Read;
    if needle.is_empty() {
        return Ok(true);
    }
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; (1 << 16) + needle.len()];
    let mut kept = 0;
    loop {
        let n = f.read(&mut buf[kept..])?;
        if n == 0 {
            return Ok(false);
        }
        let filled = kept + n;
        if buf[..filled].windows(needle.len()).any(|w| w == needle) {
            return Ok(true);
        }
        // Keep the tail: the needle may straddle two blocks.
        kept = (needle.len() - 1).min(filled);
        buf.copy_within(filled - kept..filled, 0);
    }
}

/// How a feed's settings shape its import.
fn import_options(
    feed: &FeedRec,
    format: Format,
    progress: Option<Progress>,
) -> std::result::Result<ImportOptions, String> {
    let exclude = match &feed.exclude {
        Some(re) => {
            Some(regex::Regex::new(re).map_err(|e| format!("the feed's exclude regex: {e}"))?)
        }
        None => None,
    };
    Ok(ImportOptions {
        format,
        source: Some(feed.name.clone()),
        csv: CsvOptions {
            columns: feed.columns.clone(),
            delimiter: feed.delimiter,
        },
        all_or_nothing: true,
        exclude,
        tags: Some(feed.tags.clone()),
        progress,
        ..ImportOptions::default()
    })
}

fn dir_bytes(p: &std::path::Path) -> u64 {
    if p.is_dir() {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    } else {
        std::fs::metadata(p).map_or(0, |m| m.len())
    }
}

/// Feeds by name, or every enabled feed.
pub fn select(store: &Store, name: Option<&str>) -> Result<Vec<FeedRec>> {
    match name {
        Some(n) => {
            Ok(vec![store.feed(n)?.ok_or_else(|| {
                StoreError::NotFound(format!("no feed named {n}"))
            })?])
        }
        None => Ok(store.feeds()?.into_iter().filter(|f| f.enabled).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1h"), Ok(3600));
        assert_eq!(parse_interval("90"), Ok(90));
        assert_eq!(parse_interval("2d"), Ok(172_800));
        assert!(parse_interval("0").is_err());
        assert!(parse_interval("1y").is_err());
        assert!(parse_interval("h").is_err());
        assert!(parse_interval("99999999999999999999w").is_err());
    }

    #[test]
    fn sentinel_found_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("body");
        let mut body = vec![b'x'; (1 << 16) - 3];
        body.extend_from_slice(b"# abuse.ch banner");
        std::fs::write(&p, &body).unwrap();
        assert!(contains(&p, b"abuse.ch").unwrap());
        assert!(!contains(&p, b"feodo").unwrap());
        assert!(contains(&p, b"").unwrap());
    }

    #[test]
    fn locations() {
        assert_eq!(
            local_path("/mnt/feeds/x.txt"),
            Some(PathBuf::from("/mnt/feeds/x.txt"))
        );
        assert_eq!(local_path("file:///mnt/x"), Some(PathBuf::from("/mnt/x")));
        assert_eq!(local_path("https://example.org/x"), None);
    }
}

//! Configured feeds and the record of every run (`feeds add/list/show/sync`).

use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::{Result, Store, StoreError};

// Feed configuration and runs are stored as JSON: they are few and small, and settings grow
// with new fields (`#[serde(default)]`) without a store migration each time.
pub(super) fn encode<T: Serialize>(rec: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(rec).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))
}

pub(super) fn decode<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{what} record: {e}")))
}

/// feed name -> `FeedRec`.
pub const FEEDS: TableDefinition<&str, &[u8]> = TableDefinition::new("feeds");
/// (feed name, run number) -> `RunRec`.
pub const FEED_RUNS: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("feed_runs");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRec {
    pub name: String,
    pub provider: String,
    /// A URL, or a local path (air-gapped users point feeds at a mounted directory).
    pub location: String,
    /// `misp-feed`, `csv`, `freetext`, `stix`, `taxii`, `misp-server`.
    pub format: String,
    pub columns: Option<Vec<usize>>,
    pub delimiter: Option<u8>,
    pub interval_secs: u64,
    pub enabled: bool,
    pub created: i64,
    /// Largest body accepted (default 1 GiB).
    pub max_bytes: Option<u64>,
    /// Longest silence between reads before a download is abandoned (default 30 s).
    pub timeout_secs: Option<u64>,
    /// TAXII: the collection (id or title) when the location does not name one.
    pub collection: Option<String>,
    /// A string every good copy of the feed contains (its banner); a run whose body lacks it
    /// fails and keeps the previous data: an error page is not an empty list.
    pub sentinel: Option<String>,
    /// Extra request headers. A value `env:NAME` is read from the environment at fetch
    /// time; secrets never live in the store (see `sync::headers`).
    pub headers: Vec<(String, String)>,
    /// List values (CSV, freetext) matching this regex are dropped (MISP `exclude_regex`).
    #[serde(default)]
    pub exclude: Option<String>,
    /// Event tags given to everything the feed brings (`tlp:clear`, an admiralty-scale tag).
    #[serde(default)]
    pub tags: Vec<String>,
    /// How far the feed is trusted, 0..100: the base score of its values when their tags
    /// carry none (the decay models' default is 80).
    #[serde(default)]
    pub confidence: Option<u8>,
    /// No change for this long flags the feed stale (default a week).
    #[serde(default)]
    pub stale_after_secs: Option<u64>,
}

impl FeedRec {
    /// A feed at `location` with every setting at its default: disabled, daily.
    pub fn new(
        name: impl Into<String>,
        location: impl Into<String>,
        format: impl Into<String>,
    ) -> FeedRec {
        FeedRec {
            name: name.into(),
            provider: String::new(),
            location: location.into(),
            format: format.into(),
            columns: None,
            delimiter: None,
            interval_secs: 86_400,
            enabled: false,
            created: crate::model::time::now(),
            max_bytes: None,
            timeout_secs: None,
            collection: None,
            sentinel: None,
            headers: Vec::new(),
            exclude: None,
            tags: Vec::new(),
            confidence: None,
            stale_after_secs: None,
        }
    }
}

/// One sync run of a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRec {
    pub started: i64,
    pub finished: i64,
    pub ok: bool,
    pub error: Option<String>,
    pub bytes: u64,
    /// Indicators or attributes the source yielded this run.
    pub records: u64,
    pub added: u64,
    pub removed: u64,
    pub unchanged: u64,
    /// For network feeds: the last HTTP status, and the validators for the next
    /// conditional GET.
    pub http_status: Option<u16>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// 304 (or no new TAXII objects): nothing new; the counts are the previous run's.
    pub not_modified: bool,
    /// TAXII: `X-TAXII-Date-Added-Last`, where the next run continues.
    pub cursor: Option<String>,
    /// Stopped by the user: not a failure of the feed (health does not count it).
    #[serde(default)]
    pub cancelled: bool,
}

impl Store {
    /// Add a feed, or replace the configuration of one with the same name.
    pub fn put_feed(&self, feed: &FeedRec) -> Result<()> {
        let w = self.writer()?;
        w.txn()
            .open_table(FEEDS)?
            .insert(feed.name.as_str(), encode(feed)?.as_slice())?;
        w.commit().map(|_| ())
    }

    pub fn feed(&self, name: &str) -> Result<Option<FeedRec>> {
        let txn = self.read()?;
        let t = txn.open_table(FEEDS)?;
        t.get(name)?.map(|v| decode("feed", v.value())).transpose()
    }

    pub fn feeds(&self) -> Result<Vec<FeedRec>> {
        let txn = self.read()?;
        let mut out = Vec::new();
        for item in txn.open_table(FEEDS)?.iter()? {
            out.push(decode("feed", item?.1.value())?);
        }
        Ok(out)
    }

    /// Remove a feed and its run history (the data it imported stays, as its source).
    pub fn remove_feed(&self, name: &str) -> Result<bool> {
        let w = self.writer()?;
        let found = w.txn().open_table(FEEDS)?.remove(name)?.is_some();
        {
            let mut runs = w.txn().open_table(FEED_RUNS)?;
            let keys: Vec<u64> = runs
                .range((name, 0u64)..=(name, u64::MAX))?
                .map(|r| r.map(|(k, _)| k.value().1))
                .collect::<Result<_, _>>()?;
            for k in keys {
                runs.remove((name, k))?;
            }
        }
        w.commit()?;
        Ok(found)
    }

    pub fn set_feed_enabled(&self, name: &str, enabled: bool) -> Result<()> {
        let mut feed = self
            .feed(name)?
            .ok_or_else(|| StoreError::NotFound(format!("no feed named {name}")))?;
        feed.enabled = enabled;
        self.put_feed(&feed)
    }

    pub fn record_run(&self, name: &str, run: &RunRec) -> Result<()> {
        let w = self.writer()?;
        {
            let mut runs = w.txn().open_table(FEED_RUNS)?;
            let next = runs
                .range((name, 0u64)..=(name, u64::MAX))?
                .next_back()
                .transpose()?
                .map_or(1, |(k, _)| k.value().1 + 1);
            runs.insert((name, next), encode(run)?.as_slice())?;
        }
        w.commit().map(|_| ())
    }

    /// The newest run that succeeded: it carries the validators and cursor for the next one.
    pub fn last_good_run(&self, name: &str) -> Result<Option<RunRec>> {
        let txn = self.read()?;
        let t = txn.open_table(FEED_RUNS)?;
        for item in t.range((name, 0u64)..=(name, u64::MAX))?.rev() {
            let run: RunRec = decode("feed run", item?.1.value())?;
            if run.ok {
                return Ok(Some(run));
            }
        }
        Ok(None)
    }

    /// The newest `limit` runs of a feed, newest first.
    pub fn runs(&self, name: &str, limit: usize) -> Result<Vec<RunRec>> {
        let txn = self.read()?;
        let t = txn.open_table(FEED_RUNS)?;
        let mut out = Vec::new();
        for item in t.range((name, 0u64)..=(name, u64::MAX))?.rev().take(limit) {
            out.push(decode("feed run", item?.1.value())?);
        }
        Ok(out)
    }
}

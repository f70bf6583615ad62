//! Outputs: where indicators are pushed (Splunk HEC, Elasticsearch `_bulk`, a webhook),
//! configured like feeds and stored as JSON beside them. Secrets stay references
//! (`secret:NAME`, `env:VAR`), resolved when a push runs.

use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::feeds::{decode, encode};
use super::{Result, Store, StoreError};
use crate::export::Filters;

/// output name -> `OutputRec`.
pub const OUTPUTS: TableDefinition<&str, &[u8]> = TableDefinition::new("outputs");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputRec {
    pub name: String,
    /// `splunk-hec`, `elasticsearch`, `webhook`.
    pub kind: String,
    /// The service's base URL (HEC: `https://splunk:8088`; Elasticsearch:
    /// `https://es:9200`); a webhook's full URL.
    pub url: String,
    /// HEC token, Elasticsearch `ApiKey`/basic credentials, or the webhook's HMAC key, as a
    /// reference: `secret:NAME` or `env:VAR` (`basic:USER:secret:NAME` for Elasticsearch).
    pub credential: Option<String>,
    /// HEC index, or the Elasticsearch data stream / index written to.
    pub index: Option<String>,
    /// Events or documents per request.
    pub batch: usize,
    pub enabled: bool,
    /// Which indicators go out (TLP held back as for exports).
    pub filters: Filters,
    /// Where the next push continues: the start of the last one that ran to the end (unix
    /// seconds).
    pub cursor: Option<i64>,
    pub last: Option<PushReport>,
}

/// What one push did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReport {
    pub started: i64,
    pub finished: i64,
    /// Indicators accepted by the receiver.
    pub sent: u64,
    /// Indicators refused or never delivered; each reason below (the first ones).
    pub failed: u64,
    pub failures: Vec<String>,
    /// Requests sent, retries included.
    pub requests: u64,
    pub withheld_tlp: u64,
    /// Of types the receiver has no field for (ECS has none for a `text` attribute).
    pub skipped: u64,
    /// Why the push stopped early, if it did.
    pub error: Option<String>,
}

impl PushReport {
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.error.is_none()
    }
}

impl Store {
    pub fn put_output(&self, out: &OutputRec) -> Result<()> {
        let w = self.writer()?;
        w.txn()
            .open_table(OUTPUTS)?
            .insert(out.name.as_str(), encode(out)?.as_slice())?;
        w.commit().map(|_| ())
    }

    pub fn output(&self, name: &str) -> Result<Option<OutputRec>> {
        let txn = self.read()?;
        let t = txn.open_table(OUTPUTS)?;
        t.get(name)?
            .map(|v| decode("output", v.value()))
            .transpose()
    }

    pub fn outputs(&self) -> Result<Vec<OutputRec>> {
        let txn = self.read()?;
        let mut out = Vec::new();
        for item in txn.open_table(OUTPUTS)?.iter()? {
            out.push(decode("output", item?.1.value())?);
        }
        Ok(out)
    }

    pub fn remove_output(&self, name: &str) -> Result<bool> {
        let w = self.writer()?;
        let found = w.txn().open_table(OUTPUTS)?.remove(name)?.is_some();
        w.commit()?;
        Ok(found)
    }

    /// Record a push: the report always; the cursor unless the push stopped early (what
    /// was refused for good is in the report, not sent again).
    pub fn record_push(&self, name: &str, report: &PushReport) -> Result<()> {
        let mut out = self
            .output(name)?
            .ok_or_else(|| StoreError::NotFound(format!("no output named {name}")))?;
        if report.error.is_none() {
            out.cursor = Some(report.started);
        }
        out.last = Some(report.clone());
        self.put_output(&out)
    }
}

//! The filters exports, pushes and TAXII collections share.

use crate::export::Filters;

#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only these attribute types (repeatable).
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,
    /// Only attributes carrying this tag, on them or their event (repeatable: all of them).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Only from this source or feed (repeatable).
    #[arg(long = "source", value_name = "NAME")]
    sources: Vec<String>,
    /// Only from this event (repeatable).
    #[arg(long = "event", value_name = "UUID")]
    events: Vec<uuid::Uuid>,
    /// Only values scoring at least this (0-100).
    #[arg(long)]
    min_score: Option<f64>,
    /// Only attributes flagged for detection (to_ids).
    #[arg(long)]
    ids: bool,
    /// Only what changed or was listed within this long (7d, 12h) or since this date.
    #[arg(long, value_name = "AGE|DATE")]
    since: Option<String>,
    /// Only what changed or was listed up to this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Leave out values on a warninglist.
    #[arg(long)]
    no_warninglisted: bool,
    /// Leave out values whose score has decayed below their model's threshold.
    #[arg(long)]
    no_decayed: bool,
    /// Leave out values whose latest verdict is a false-positive sighting.
    #[arg(long)]
    no_false_positives: bool,
    /// Let this TLP level out too (red, amber+strict are held back by default; repeatable).
    #[arg(long = "tlp", value_name = "LEVEL")]
    tlp: Vec<String>,
}

/// A date's midnight (UTC), or a window (`7d`) in seconds.
fn when(s: &str) -> anyhow::Result<(Option<i64>, Option<u64>)> {
    if let Some(t) = crate::model::time::parse_date(s) {
        return Ok((Some(t), None));
    }
    let secs = crate::sync::parse_interval(s).map_err(anyhow::Error::msg)?;
    Ok((None, Some(secs)))
}

impl FilterArgs {
    pub fn filters(self) -> anyhow::Result<Filters> {
        let (since, since_age) = match self.since.as_deref() {
            Some(s) => when(s).map_err(|e| anyhow::anyhow!("--since: {e}"))?,
            None => (None, None),
        };
        if self.min_score.is_some_and(|s| !(0.0..=100.0).contains(&s)) {
            anyhow::bail!("--min-score is 0 to 100");
        }
        Ok(Filters {
            types: self.types,
            tags: self.tags,
            sources: self.sources,
            events: self.events,
            min_score: self.min_score,
            ids_only: self.ids,
            since,
            since_age,
            until: self
                .until
                .as_deref()
                .map(|s| {
                    crate::model::time::parse_date(s)
                        .map(|t| t + 86_399)
                        .ok_or_else(|| {
                            anyhow::anyhow!("--until: {s:?} is not a date like 2026-12-31")
                        })
                })
                .transpose()?,
            no_warninglisted: self.no_warninglisted,
            no_decayed: self.no_decayed,
            no_false_positives: self.no_false_positives,
            allow_tlp: self.tlp,
            stored_since: None,
        })
    }
}

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

/// `7d` ago, or a date's midnight (UTC).
fn when(s: &str, now: i64) -> anyhow::Result<i64> {
    if let Some(t) = crate::model::time::parse_date(s) {
        return Ok(t);
    }
    let secs = crate::sync::parse_interval(s).map_err(anyhow::Error::msg)?;
    Ok(now.saturating_sub(i64::try_from(secs).unwrap_or(i64::MAX)))
}

impl FilterArgs {
    pub fn filters(self) -> anyhow::Result<Filters> {
        let now = crate::model::time::now();
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
            since: self
                .since
                .as_deref()
                .map(|s| when(s, now))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--since: {e}"))?,
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

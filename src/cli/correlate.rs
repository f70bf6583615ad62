use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::safe_text::inert;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recompute every correlation index from the stored attributes.
    #[arg(long)]
    rebuild: bool,
    /// Over-correlation threshold: values in more events are flagged, not linked (MISP: 20).
    #[arg(long)]
    limit: Option<u64>,
    /// Exclude values matching PATTERN from correlation (MISP wildcards: %x%, x%, %x).
    #[arg(long, value_name = "PATTERN")]
    exclude: Option<String>,
    /// Why (stored with --exclude).
    #[arg(long, default_value = "")]
    comment: String,
    /// Remove an exclusion.
    #[arg(long, value_name = "PATTERN")]
    unexclude: Option<String>,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Settings {
    limit: u64,
    exclusions: Vec<Exclusion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rebuilt_attributes: Option<u64>,
}

#[derive(Serialize)]
struct Exclusion {
    pattern: String,
    comment: String,
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(dir)?;
    if let Some(l) = args.limit {
        store.set_correlation_limit(l)?;
    }
    if let Some(p) = &args.exclude {
        store.set_exclusion(p, Some(&args.comment))?;
    }
    if let Some(p) = &args.unexclude
        && !store.set_exclusion(p, None)?
    {
        anyhow::bail!("no exclusion {p}");
    }
    let rebuilt = if args.rebuild {
        Some(store.rebuild_correlations()?)
    } else {
        None
    };
    let s = Settings {
        limit: store.correlation_limit()?,
        exclusions: store
            .exclusions()?
            .into_iter()
            .map(|(pattern, comment)| Exclusion { pattern, comment })
            .collect(),
        rebuilt_attributes: rebuilt,
    };
    if args.json {
        super::print_json(&s)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(n) = rebuilt {
        println!("rebuilt the correlation index from {n} attribute(s)");
    }
    println!("over-correlation limit: {} events", s.limit);
    if s.exclusions.is_empty() {
        println!("no exclusions");
    }
    for e in &s.exclusions {
        println!("excluded: {}  {}", inert(&e.pattern), inert(&e.comment));
    }
    Ok(ExitCode::SUCCESS)
}

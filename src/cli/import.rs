use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use serde::Serialize;

use crate::ingest::{
    Format,
    csv::{CsvOptions, parse_delimiter},
};
use crate::pipeline::{self, FileReport, ImportOptions};
use crate::safe_text::inert;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or MISP feed directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// Source name; CSV and freetext from one source live in one event, re-imports merge.
    /// Default: the file's absolute path.
    #[arg(long)]
    source: Option<String>,
    /// CSV value columns, 1-based (default: all).
    #[arg(long, value_delimiter = ',')]
    columns: Option<Vec<usize>>,
    /// CSV delimiter: one character, or \t for tab (default: sniffed).
    #[arg(long)]
    delimiter: Option<String>,
    /// Store the values without linking them to others (MISP's per-feed disable_correlation):
    /// for noisy lists you keep for lookups only.
    #[arg(long)]
    no_correlation: bool,
    /// Parse and show what would be stored; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: &'a [FileReport],
    ok: usize,
    failed: usize,
    events_added: u64,
    events_replaced: u64,
    events_unchanged: u64,
    attributes: u64,
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.columns.as_ref().is_some_and(|c| c.contains(&0)) {
        bail!("--columns are 1-based: 0 is not a column");
    }
    let delimiter = match &args.delimiter {
        Some(d) => Some(parse_delimiter(d).map_err(|e| anyhow::anyhow!("--delimiter: {e}"))?),
        None => None,
    };
    let opts = ImportOptions {
        format: args.format,
        source: args.source.clone(),
        no_correlation: args.no_correlation,
        all_or_nothing: false,
        csv: CsvOptions {
            columns: args.columns.clone(),
            delimiter,
        },
        ..ImportOptions::default()
    };
    let reports = if args.dry_run {
        let (rows, reports) = pipeline::preview(&args.paths, &opts);
        if args.json {
            super::print_json(&rows)?;
        } else {
            for r in &rows {
                println!(
                    "{:<16} {:<20} {}{}",
                    inert(&r.type_),
                    inert(&r.category),
                    inert(&r.value),
                    if r.to_ids { "  [ids]" } else { "" }
                );
            }
            println!("{} indicator(s); nothing stored (dry run)", rows.len());
        }
        reports
    } else {
        let store = super::open_store(dir)?;
        let mut reports = pipeline::import(&store, &args.paths, &opts);
        pipeline::compact_after(&store, &mut reports);
        if args.json {
            super::print_json(&summary(&reports))?;
        } else {
            for r in &reports {
                print_report(r);
            }
            if reports.len() > 1 {
                let t = summary(&reports);
                println!(
                    "total: {} input(s) ok, {} failed; {} event(s) added, {} replaced, {} unchanged; {} attribute(s) written",
                    t.ok,
                    t.failed,
                    t.events_added,
                    t.events_replaced,
                    t.events_unchanged,
                    t.attributes
                );
            }
        }
        reports
    };
    let failed: Vec<&FileReport> = reports.iter().filter(|r| !r.ok).collect();
    for r in &failed {
        eprintln!("error: {}", inert(r.error.as_deref().unwrap_or("failed")));
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} of {} input(s) failed; nothing from them was stored",
            failed.len(),
            reports.len()
        );
        Ok(ExitCode::from(1))
    }
}

fn summary(reports: &[FileReport]) -> Summary<'_> {
    Summary {
        files: reports,
        ok: reports.iter().filter(|r| r.ok).count(),
        failed: reports.iter().filter(|r| !r.ok).count(),
        events_added: reports.iter().map(|r| r.events_added).sum(),
        events_replaced: reports.iter().map(|r| r.events_replaced).sum(),
        events_unchanged: reports.iter().map(|r| r.events_unchanged).sum(),
        attributes: reports.iter().map(|r| r.attributes).sum(),
    }
}

fn print_report(r: &FileReport) {
    if !r.ok {
        return;
    }
    let what = match &r.list {
        Some(l) => format!(
            "{} added, {} unchanged, {} vanished, {} back",
            l.added, l.unchanged, l.vanished, l.reappeared
        ),
        None => format!(
            "{} event(s) added, {} replaced, {} unchanged; {} attribute(s) written",
            r.events_added, r.events_replaced, r.events_unchanged, r.attributes
        ),
    };
    println!("{} ({}): {what}", inert(&r.path), r.format);
    for w in &r.warnings {
        println!("  warning: {}", inert(w));
    }
}

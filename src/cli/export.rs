//! `threatdeck export`: stream the store's attributes out in a format other tools read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::export::{self, Filters, Sink};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// One value per line, each once (block lists).
    Text,
    /// MISP's attribute CSV columns.
    Csv,
    /// A Zeek Intel framework file.
    Zeek,
    /// NDJSON documents with Elastic Common Schema `threat.indicator.*` fields.
    Ecs,
    /// Suricata rules (addresses, DNS names, URLs); sids stable across runs.
    Suricata,
    /// A DNS response-policy zone (names with their subdomains, IPv4 addresses).
    Rpz,
    /// A STIX 2.1 bundle: indicators, observables, reports for events, sightings, TLP 2.0.
    Stix21,
    /// MISP event JSON, restSearch-shaped: `{"response": [{"Event": …}, …]}`.
    MispEvent,
    /// A MISP feed directory (manifest.json, <uuid>.json per event, hashes.csv); needs --out.
    MispFeed,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    format: Format,
    /// Write here (whole or not at all) instead of standard output.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
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
    /// Suricata: the first sid of the million the rules use.
    #[arg(long, default_value_t = 1_000_000)]
    sid_base: u64,
    /// With --out: print the counts as JSON.
    #[arg(long, requires = "out")]
    json: bool,
}

/// `7d` ago, or a date's midnight (UTC).
fn when(s: &str, now: i64) -> anyhow::Result<i64> {
    if let Some(t) = crate::model::time::parse_date(s) {
        return Ok(t);
    }
    let secs = crate::sync::parse_interval(s).map_err(anyhow::Error::msg)?;
    Ok(now.saturating_sub(i64::try_from(secs).unwrap_or(i64::MAX)))
}

pub fn run(dir: &Path, lists: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let now = crate::model::time::now();
    if args.min_score.is_some_and(|s| !(0.0..=100.0).contains(&s)) {
        anyhow::bail!("--min-score is 0 to 100");
    }
    let filters = Filters {
        types: args.types,
        tags: args.tags,
        sources: args.sources,
        events: args.events,
        min_score: args.min_score,
        ids_only: args.ids,
        since: args
            .since
            .as_deref()
            .map(|s| when(s, now))
            .transpose()
            .map_err(|e| anyhow::anyhow!("--since: {e}"))?,
        until: args
            .until
            .as_deref()
            .map(|s| {
                crate::model::time::parse_date(s)
                    .map(|t| t + 86_399)
                    .ok_or_else(|| anyhow::anyhow!("--until: {s:?} is not a date like 2026-12-31"))
            })
            .transpose()?,
        no_warninglisted: args.no_warninglisted,
        no_decayed: args.no_decayed,
        no_false_positives: args.no_false_positives,
        allow_tlp: args.tlp,
    };
    let store = super::open_store(dir)?;
    let lists = super::warninglists(lists);
    let mut sel = export::Selector::new(&store, &lists, &filters);
    if let Format::MispFeed = args.format {
        let Some(path) = &args.out else {
            anyhow::bail!("--format misp-feed writes a directory: give it with --out DIR");
        };
        let counts = export::misp_feed::write_feed(&store, &mut sel, path)?;
        if args.json {
            super::print_json(&counts)?;
        } else {
            eprintln!(
                "exported {} event(s) with {} attribute(s) to {}; {} held back by TLP (name a level with --tlp to let it out), {} filtered, {} old event file(s) removed",
                counts.events,
                counts.attributes.written,
                path.display(),
                counts.attributes.withheld_tlp,
                counts.attributes.filtered,
                counts.removed
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut write = |out: &mut dyn Write| -> Result<export::Counts, export::ExportError> {
        let mut sink: Box<dyn Sink> = match args.format {
            Format::Text => Box::new(export::csv_text::Text::default()),
            Format::Csv => Box::new(export::csv_text::Csv),
            Format::Zeek => Box::new(export::rules::Zeek::default()),
            Format::Ecs => Box::new(export::ecs::Ecs::default()),
            Format::Suricata => Box::new(export::ids::Suricata::new(args.sid_base)),
            Format::Rpz => Box::new(export::ids::Rpz::default()),
            Format::Stix21 => Box::new(export::stix::Stix::new(&store)?),
            Format::MispEvent => return export::misp::write_events(&store, &mut sel, out),
            Format::MispFeed => unreachable!("handled above"),
        };
        export::run_with(&store, &mut sel, sink.as_mut(), out)
    };
    let counts = match &args.out {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            write(&mut out)?
        }
        Some(path) => {
            // A sibling temporary file, moved in place when complete: a reader never sees
            // half an export, and a failed one leaves the old file.
            let tmp = path.with_extension(format!("partial-{}", std::process::id()));
            let result = (|| {
                let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
                let counts = write(&mut out)?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                std::fs::rename(&tmp, path)?;
                Ok::<_, anyhow::Error>(counts)
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
    };
    if args.json {
        super::print_json(&counts)?;
    } else {
        let mut err = std::io::stderr();
        let _ = writeln!(
            err,
            "exported {} attribute(s); {} held back by TLP (name a level with --tlp to let it out), {} filtered",
            counts.written, counts.withheld_tlp, counts.filtered
        );
    }
    Ok(ExitCode::SUCCESS)
}

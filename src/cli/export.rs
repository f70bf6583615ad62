//! `threatdeck export`: stream the store's attributes out in a format other tools read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::export::{self, Sink};

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
    /// Snort 2 rules (addresses, DNS names in wire form, URLs); sids stable across runs.
    Snort,
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
    #[command(flatten)]
    filters: super::filters::FilterArgs,
    /// Suricata: the first sid of the million the rules use.
    #[arg(long, default_value_t = 1_000_000)]
    sid_base: u64,
    /// With --out: print the counts as JSON.
    #[arg(long, requires = "out")]
    json: bool,
}

pub fn run(dir: &Path, lists: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let filters = args.filters.filters()?;
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
            Format::Snort => Box::new(export::ids::Suricata::snort(args.sid_base)),
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
                let mut out =
                    std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
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

//! Command-line interface: one file per subcommand, each calling the library.

mod bundle;
mod correlate;
mod daemon;
mod export;
mod feeds;
mod feeds_secret;
mod feeds_sync;
mod filters;
mod home;
mod import;
mod log;
mod outputs;
mod pivot;
mod score;
mod search;
mod serve;
mod sighting;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "threatdeck",
    version,
    about = "A terminal workbench for threat intelligence"
)]
pub struct Cli {
    /// Where the store lives (default: the XDG data directory).
    #[arg(long, global = true, env = "THREATDECK_DATA", value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// MISP warninglists to flag values with (e.g. a checkout of MISP/misp-warninglists),
    /// on top of the built-in lists.
    #[arg(
        long,
        global = true,
        env = "THREATDECK_WARNINGLISTS",
        value_name = "DIR"
    )]
    pub warninglists: Option<PathBuf>,
    /// Workbench colours: none, 16, 256 or truecolor (default: from NO_COLOR, COLORTERM and
    /// TERM; SSH does not pass COLORTERM on).
    #[arg(long, global = true, value_enum, value_name = "DEPTH")]
    pub color: Option<crate::tui::theme::Depth>,
    /// Workbench theme: default, 256, dark, light, or one in the config directory's themes/.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Draw the workbench with ASCII only (default when the locale is not UTF-8).
    #[arg(long, global = true)]
    pub ascii: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import MISP feed directories, MISP event JSON, CSV, freetext and STIX 2.1 files.
    Import(import::Args),
    /// Counts of what the store holds.
    Stats(stats::Args),
    /// Find values: exact, prefix, then substring matches.
    Search(search::Args),
    /// The audit log: every change, with time, user, source and counts.
    Log(log::Args),
    /// The correlation neighbourhood of a value: events, sources, linked values.
    Pivot(pivot::Args),
    /// Correlation settings: over-correlation limit, exclusions, rebuild.
    Correlate(correlate::Args),
    /// Record that a value was seen (or is a false positive, or expired).
    Sighting(sighting::Args),
    /// A value's decay score; pin or clear an analyst's score.
    Score(score::Args),
    /// Sources and feeds.
    Feeds(feeds::Args),
    /// Sync enabled feeds on their intervals, headless (or --once for cron).
    Daemon(daemon::Args),
    /// Stream attributes out as a block list or MISP CSV, filtered; TLP:RED and
    /// TLP:AMBER+STRICT stay in unless named with --tlp.
    Export(export::Args),
    /// Push indicators to Splunk HEC, Elasticsearch/OpenSearch or a signed webhook.
    Outputs(outputs::Args),
    /// Serve the store's indicators over TAXII 2.1 (read-only).
    Serve(serve::Args),
    /// The TAXII collections `serve` publishes: saved filters.
    Collections(serve::CollectionArgs),
    /// Offline bundles for air-gapped work: export, verify, import, keygen.
    Bundle(bundle::Args),
}

/// The data directory: `--data-dir`, `THREATDECK_DATA`, or the platform data dir.
pub fn data_dir(cli_value: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = cli_value {
        return Ok(p);
    }
    directories::ProjectDirs::from("", "", "threatdeck")
        .map(|d| d.data_dir().to_path_buf())
        .context("no home directory to put the store in; pass --data-dir or set THREATDECK_DATA")
}

pub(crate) fn open_store(dir: &std::path::Path) -> anyhow::Result<Store> {
    Ok(Store::open(dir)?)
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let dir = data_dir(cli.data_dir)?;
    // The flag (or its variable) wins over config.toml.
    let cfg = match (&cli.warninglists, crate::config::default_path()) {
        (None, Some(path)) => crate::config::load(&path)?,
        _ => crate::config::Config::default(),
    };
    let lists = cli.warninglists.as_deref().or(cfg.warninglists.as_deref());
    match cli.command {
        None => {
            use std::io::IsTerminal;
            // The workbench needs a terminal; piped, the first-run text says what is there.
            if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
                let store = Store::open_with_cache(&dir, crate::tui::CACHE_BYTES)?;
                let opts = crate::tui::Options {
                    color: cli.color,
                    theme: cli.theme,
                    ascii: cli.ascii,
                };
                crate::tui::open(store, warninglists(lists), &opts)?;
                Ok(ExitCode::SUCCESS)
            } else {
                home::run(&dir)
            }
        }
        Some(Command::Import(args)) => import::run(&dir, args),
        Some(Command::Stats(args)) => stats::run(&dir, args),
        Some(Command::Search(args)) => search::run(&dir, lists, args),
        Some(Command::Log(args)) => log::run(&dir, args),
        Some(Command::Pivot(args)) => pivot::run(&dir, lists, args),
        Some(Command::Correlate(args)) => correlate::run(&dir, args),
        Some(Command::Sighting(args)) => sighting::run(&dir, args),
        Some(Command::Score(args)) => score::run(&dir, args),
        Some(Command::Feeds(args)) => feeds::run(&dir, args),
        Some(Command::Daemon(args)) => daemon::run(&dir, args),
        Some(Command::Export(args)) => export::run(&dir, lists, args),
        Some(Command::Outputs(args)) => outputs::run(&dir, args),
        Some(Command::Serve(args)) => serve::run(&dir, args),
        Some(Command::Collections(args)) => serve::collections(&dir, args),
        Some(Command::Bundle(args)) => bundle::run(&dir, lists, args),
    }
}

/// The built-in warninglists plus those under `dir`; a list that fails to load is reported
/// on stderr and the rest are used.
pub(crate) fn warninglists(
    dir: Option<&std::path::Path>,
) -> crate::correlate::warninglist::Warninglists {
    let mut lists = crate::correlate::warninglist::Warninglists::builtin();
    if let Some(d) = dir {
        let (more, warnings) = crate::correlate::warninglist::Warninglists::load_dir(d);
        for w in warnings {
            eprintln!("warning: {}", crate::safe_text::inert(&w));
        }
        lists.extend(more);
    }
    lists
}

/// A value an analyst typed, as the store holds it: refanged, typed the way the importer
/// would type it, normalised (`Evil.COM` -> `evil.com`, `1.2.3[.]4:80` -> `1.2.3.4`).
pub(crate) fn canonical(value: &str) -> String {
    let v = value.trim();
    let Some(r) = crate::ingest::freetext::resolve(v) else {
        return v.to_string();
    };
    let n = crate::model::normalize::normalize(r.type_, &r.value).into_owned();
    match n.split_once('|') {
        // The port half never correlates: pivot on the address.
        Some((addr, _)) if crate::model::types::is_port_composite(r.type_) => addr.to_string(),
        _ => n,
    }
}

/// [`canonical`], or its lower-case form when only that is stored (`Evil.EXAMPLE` types as a
/// filename, whose case is kept, but the store may hold the domain).
pub(crate) fn stored_form(store: &Store, value: &str) -> anyhow::Result<String> {
    let c = canonical(value);
    let lower = c.to_lowercase();
    if lower != c && !store.holds(&c)? && store.holds(&lower)? {
        return Ok(lower);
    }
    Ok(c)
}

/// Print one JSON document on stdout.
pub(crate) use daemon::push_line;

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
}

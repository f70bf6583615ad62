//! Command-line interface: one file per subcommand, each calling the library.

mod home;
mod import;
mod log;
mod search;
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
    #[command(subcommand)]
    pub command: Option<Command>,
}

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
    match cli.command {
        None => home::run(&dir),
        Some(Command::Import(args)) => import::run(&dir, args),
        Some(Command::Stats(args)) => stats::run(&dir, args),
        Some(Command::Search(args)) => search::run(&dir, args),
        Some(Command::Log(args)) => log::run(&dir, args),
    }
}

/// Print one JSON document on stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
}

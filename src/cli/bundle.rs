//! `threatdeck bundle`: offline bundles for air-gapped work (see `crate::bundle`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Write events, sightings, annotations and feed definitions (no secrets) to one file.
    Export {
        path: PathBuf,
        /// Sign the manifest with this ed25519 private key (`bundle keygen`).
        #[arg(long, value_name = "KEY")]
        sign_key: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        filters: Box<super::filters::FilterArgs>,
    },
    /// Verify a bundle, then merge it (idempotent: importing it again changes nothing).
    Import {
        path: PathBuf,
        /// Require a signature by the key in this `.pub` file.
        #[arg(long, value_name = "PUBKEY")]
        verify_key: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a bundle's digests (and signature) without importing it.
    Verify {
        path: PathBuf,
        #[arg(long, value_name = "PUBKEY")]
        verify_key: Option<PathBuf>,
    },
    /// Make a signing key pair: PATH (private, mode 0600) and PATH.pub (give this one to the
    /// receiving side).
    Keygen { path: PathBuf },
}

fn trusted(p: Option<&Path>) -> anyhow::Result<Option<ed25519_dalek::VerifyingKey>> {
    Ok(p.map(crate::bundle::keys::load_verifying).transpose()?)
}

pub fn run(dir: &Path, lists: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Cmd::Keygen { path } => {
            let public = crate::bundle::keys::generate(&path)?;
            eprintln!(
                "private key {} (keep it here), public key {} (copy it to the receiving side)",
                path.display(),
                public.display()
            );
        }
        Cmd::Verify { path, verify_key } => {
            let (_, manifest, report) =
                crate::bundle::read::verify(&path, trusted(verify_key.as_deref())?.as_ref())?;
            println!(
                "{}: intact, written {} by {}{}",
                path.display(),
                crate::safe_text::inert(&manifest.created),
                crate::safe_text::inert(&manifest.producer),
                signed(&report.signed_by, report.trusted)
            );
            for p in &manifest.parts {
                println!(
                    "  {:<18} {:>8} record(s) {:>10} bytes  as of {}",
                    crate::safe_text::inert(&p.name),
                    p.records,
                    p.bytes,
                    crate::safe_text::inert(p.as_of.as_deref().unwrap_or("-"))
                );
            }
        }
        Cmd::Export {
            path,
            sign_key,
            json,
            filters,
        } => {
            let key = sign_key
                .as_deref()
                .map(crate::bundle::keys::load_signing)
                .transpose()?;
            let filters = filters.filters()?;
            let store = super::open_store(dir)?;
            let lists = super::warninglists(lists);
            let mut sel = crate::export::Selector::new(&store, &lists, &filters);
            let w = crate::bundle::write::export(&store, &mut sel, &path, key.as_ref())?;
            if json {
                super::print_json(&w)?;
            } else {
                eprintln!(
                    "{}: {} event(s), {} attribute(s), {} sighting(s), {} annotation(s), {} feed definition(s){}; {} attribute(s) held back by TLP (name a level with --tlp to let it out)",
                    path.display(),
                    w.events,
                    w.attributes.written,
                    w.sightings,
                    w.annotations,
                    w.feeds,
                    if w.signed { ", signed" } else { "" },
                    w.attributes.withheld_tlp
                );
            }
        }
        Cmd::Import {
            path,
            verify_key,
            json,
        } => {
            let key = trusted(verify_key.as_deref())?;
            let store = super::open_store(dir)?;
            let r = crate::bundle::read::import(&store, &path, key.as_ref())?;
            if json {
                super::print_json(&r)?;
            } else {
                eprintln!(
                    "{}: {} event(s) added, {} replaced, {} unchanged; {} sighting(s) added, {} known; {} annotation(s) applied; {} feed definition(s) added (disabled){}",
                    path.display(),
                    r.events_added,
                    r.events_replaced,
                    r.events_unchanged,
                    r.sightings_added,
                    r.sightings_known,
                    r.annotations_applied,
                    r.feeds_added,
                    signed(&r.signed_by, r.trusted)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn signed(by: &Option<String>, trusted: bool) -> String {
    match (by, trusted) {
        (Some(k), true) => format!("; signed by trusted key {k}"),
        (Some(k), false) => {
            format!("; signed by key {k} (not checked against a key you trust: pass --verify-key)")
        }
        (None, _) => "; not signed".into(),
    }
}

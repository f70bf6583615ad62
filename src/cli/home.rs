//! `threatdeck` with no subcommand. The TUI lands with its own issue; until then this shows
//! what the store holds and how to get started, which is what a first run needs.

use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let s = store.stats()?;
    println!("threatdeck — store {}", store.path().display());
    if s.events == 0 {
        println!();
        println!("The store is empty. Import something to start:");
        println!(
            "  threatdeck import ./misp-feed-dir           # a MISP feed (manifest.json + events)"
        );
        println!(
            "  threatdeck import report.txt --dry-run --json   # preview indicators in a defanged report"
        );
        println!("  threatdeck import blocklist.csv --source abuse-feodo --columns 2");
        println!("  threatdeck import bundle.json --format stix");
        println!(
            "  threatdeck feeds catalog                   # well-known public feeds, disabled until enabled"
        );
        println!("Then: threatdeck stats | threatdeck search <value> | threatdeck log");
    } else {
        println!(
            "{} events, {} attributes, {} values ({} correlated), {} sources",
            s.events, s.attributes, s.values, s.correlated_values, s.sources
        );
        println!(
            "Try: threatdeck search <value> | threatdeck stats | threatdeck log | threatdeck --help"
        );
    }
    Ok(ExitCode::SUCCESS)
}

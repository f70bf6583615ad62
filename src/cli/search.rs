use std::path::Path;
use std::process::ExitCode;

use crate::model::time::format_date;
use crate::safe_text::inert;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A value, or the start or any part of one.
    query: String,
    /// At most this many values.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let hits = store.search(&args.query, args.limit)?;
    if args.json {
        super::print_json(&hits)?;
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        println!("no value matches {}", inert(&args.query));
    }
    for h in &hits {
        println!(
            "{}  [{}]  {} event(s)  ({})",
            inert(&h.value),
            inert(&h.types.join(",")),
            h.events.len(),
            h.matched
        );
        for s in &h.seen {
            println!(
                "    {}  {} .. {}{}",
                inert(&s.source),
                format_date(s.first_seen),
                format_date(s.last_seen),
                if s.listed { "" } else { "  (no longer listed)" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

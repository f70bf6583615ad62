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

pub fn run(dir: &Path, lists: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let mut hits = store.search(&args.query, args.limit)?;
    crate::correlate::annotate::search_hits(
        &store,
        &super::warninglists(lists),
        &mut hits,
        crate::model::time::now(),
    )?;
    if args.json {
        super::print_json(&hits)?;
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        println!("no value matches {}", inert(&args.query));
    }
    for h in &hits {
        let mut notes = vec![
            format!("{} event(s)", h.events.len()),
            h.matched.to_string(),
        ];
        if h.correlations > 0 {
            notes.push(format!("{} links", h.correlations));
        }
        if h.over_correlated {
            notes.push("over-correlated".into());
        }
        if let Some(s) = h.score {
            notes.push(format!("score {s}"));
        }
        if !h.warninglists.is_empty() {
            notes.push(format!("warninglists: {}", h.warninglists.join(", ")));
        }
        println!(
            "{}  [{}]  {}",
            inert(&h.value),
            inert(&h.types.join(",")),
            inert(&notes.join("; "))
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

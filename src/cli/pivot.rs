use std::path::Path;
use std::process::ExitCode;

use crate::correlate::annotate;
use crate::correlate::pivot::{PivotOptions, pivot};
use crate::safe_text::inert;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The value to start from.
    value: String,
    /// Value -> event -> value hops to follow.
    #[arg(long, default_value_t = 1)]
    depth: u32,
    /// Neighbours shown per node; the rest are counted.
    #[arg(long, default_value_t = 50)]
    fanout: usize,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

pub fn run(dir: &Path, lists: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let opts = PivotOptions {
        depth: args.depth,
        fanout: args.fanout.max(1),
        ..PivotOptions::default()
    };
    let mut g = pivot(&store, &super::stored_form(&store, &args.value)?, opts)?;
    annotate::graph(
        &store,
        &super::warninglists(lists),
        &mut g,
        crate::model::time::now(),
    )?;
    if args.json {
        super::print_json(&g)?;
        return Ok(ExitCode::SUCCESS);
    }
    for n in &g.nodes {
        let mut notes = Vec::new();
        if let Some(e) = n.events {
            notes.push(format!("{e} event(s)"));
        }
        if let Some(s) = n.score {
            notes.push(format!("score {s}"));
        }
        if n.over_correlated {
            notes.push("over-correlated".to_string());
        }
        if n.excluded {
            notes.push("excluded".to_string());
        }
        if n.left_out > 0 {
            notes.push(format!("{} more not shown", n.left_out));
        }
        if !n.warninglists.is_empty() {
            notes.push(format!("warninglists: {}", n.warninglists.join(", ")));
        }
        println!(
            "{:<6} {}  {}",
            n.kind,
            inert(&n.label),
            inert(&notes.join("; "))
        );
    }
    for e in &g.edges {
        println!("  {} -[{}]-> {}", inert(&e.from), e.kind, inert(&e.to));
    }
    if g.truncated {
        println!("(stopped at {} nodes)", g.nodes.len());
    }
    Ok(ExitCode::SUCCESS)
}

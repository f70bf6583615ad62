use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::correlate::annotate::value_score;
use crate::safe_text::inert;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The value to score.
    value: String,
    /// Pin the score (0..100): it sticks and is never recomputed away.
    #[arg(long, value_name = "SCORE")]
    set: Option<f64>,
    /// Remove a pinned score.
    #[arg(long, conflicts_with = "set")]
    clear: bool,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Out<'a> {
    value: &'a str,
    score: Option<f64>,
    overridden: bool,
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let value = super::stored_form(&store, &args.value)?;
    let value = value.as_str();
    if let Some(s) = args.set {
        if !(0.0..=100.0).contains(&s) {
            anyhow::bail!("--set takes a score from 0 to 100");
        }
        store.set_score_override(value, Some(s))?;
    } else if args.clear {
        store.set_score_override(value, None)?;
    }
    let out = Out {
        value,
        score: value_score(&store, value, crate::model::time::now())?,
        overridden: store.score_override(value)?.is_some(),
    };
    if args.json {
        super::print_json(&out)?;
    } else {
        match out.score {
            Some(s) => println!(
                "{}  score {s}{}",
                inert(value),
                if out.overridden { " (pinned)" } else { "" }
            ),
            None => println!("{}: no stored indicator has this value", inert(value)),
        }
    }
    Ok(ExitCode::SUCCESS)
}

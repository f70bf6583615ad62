use std::path::Path;
use std::process::ExitCode;

use crate::safe_text::inert;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: FeedsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum FeedsCommand {
    /// Values shared between every pair of sources, and each source's coverage by the others.
    Overlap {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    match args.command {
        FeedsCommand::Overlap { json } => {
            let o = store.source_overlap()?;
            if json {
                super::print_json(&o)?;
                return Ok(ExitCode::SUCCESS);
            }
            for s in &o.sources {
                println!(
                    "{:>8} values  {:>8} shared  {:>5.1}%  {}",
                    s.values,
                    s.shared,
                    s.coverage * 100.0,
                    inert(&s.source)
                );
            }
            if !o.pairs.is_empty() {
                println!();
            }
            for p in &o.pairs {
                println!(
                    "{:>8} shared  {}  <->  {}",
                    p.shared,
                    inert(&p.a),
                    inert(&p.b)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

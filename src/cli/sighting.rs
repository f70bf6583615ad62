use std::path::Path;
use std::process::ExitCode;

use crate::model::SightingType;
use crate::safe_text::inert;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Kind {
    Seen,
    FalsePositive,
    Expiration,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The value that was seen.
    value: String,
    /// MISP sighting type.
    #[arg(long = "type", value_enum, default_value_t = Kind::Seen)]
    kind: Kind,
    /// Who saw it (a sensor, a team).
    #[arg(long, default_value = "analyst")]
    source: String,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let kind = match args.kind {
        Kind::Seen => SightingType::Sighting,
        Kind::FalsePositive => SightingType::FalsePositive,
        Kind::Expiration => SightingType::Expiration,
    };
    let value = super::stored_form(&store, &args.value)?;
    let value = value.as_str();
    let rec = store.add_sighting(value, kind, &args.source, crate::model::time::now())?;
    if args.json {
        super::print_json(&rec)?;
    } else {
        println!(
            "sighting recorded: {} ({:?}) by {}",
            inert(&rec.value),
            kind,
            inert(&rec.source)
        );
    }
    Ok(ExitCode::SUCCESS)
}

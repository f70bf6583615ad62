use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let s = store.stats()?;
    if args.json {
        super::print_json(&s)?;
    } else {
        println!("store              {}", store.path().display());
        println!("events             {}", s.events);
        println!(
            "attributes         {} ({} deleted)",
            s.attributes, s.deleted_attributes
        );
        println!("values             {}", s.values);
        println!("correlated values  {}", s.correlated_values);
        println!("objects            {}", s.objects);
        println!("tags               {}", s.tags);
        println!("sources            {}", s.sources);
        println!("feeds              {}", s.feeds);
        println!("store size         {} bytes", s.store_bytes);
    }
    Ok(ExitCode::SUCCESS)
}

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::model::time::format_rfc3339;
use crate::safe_text::inert;
use crate::store::AuditEntry;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the newest N entries.
    #[arg(long)]
    limit: Option<usize>,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row {
    seq: u64,
    #[serde(flatten)]
    entry: AuditEntry,
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    let log = store.audit_log(args.limit)?;
    if args.json {
        let rows: Vec<Row> = log
            .into_iter()
            .map(|(seq, entry)| Row { seq, entry })
            .collect();
        super::print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if log.is_empty() {
        println!("the audit log is empty");
    }
    for (seq, e) in log {
        let counts: Vec<String> = e
            .counts
            .iter()
            .filter(|(_, v)| !v.is_number() || v.as_u64() != Some(0))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!(
            "{seq:>6}  {}  {:<10} {:<8} {}  {}",
            format_rfc3339(e.time),
            inert(&e.user),
            e.action,
            inert(e.source.as_deref().unwrap_or("-")),
            counts.join(" ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `threatdeck outputs`: where indicators are pushed (Splunk HEC, Elasticsearch/OpenSearch
//! `_bulk`, a signed webhook), configured like feeds; pushed on demand and after each sync.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::push::wire::Kind;
use crate::safe_text::inert;
use crate::store::outputs::{OutputRec, PushReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Configure an output (replaces one with the same name).
    Add(Box<AddArgs>),
    /// Every output with its last push.
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        name: String,
    },
    /// Push after each sync that changed something.
    Enable {
        name: String,
    },
    /// Push on demand only.
    Disable {
        name: String,
    },
    /// Push what is new since the last complete push (everything with --full).
    Push {
        /// Outputs to push (all enabled ones with --all).
        names: Vec<String>,
        #[arg(long, conflicts_with = "names")]
        all: bool,
        #[arg(long)]
        full: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    name: String,
    /// splunk-hec, elasticsearch (OpenSearch too) or webhook.
    #[arg(long)]
    kind: String,
    /// HEC or Elasticsearch base URL (https://siem:8088), or the webhook's URL.
    #[arg(long)]
    url: String,
    /// HEC token, Elasticsearch API key (or basic:USER:secret:NAME), webhook HMAC key:
    /// always a reference, secret:NAME or env:VARIABLE, never the secret itself.
    #[arg(long, value_name = "REF")]
    credential: Option<String>,
    /// HEC index, or the Elasticsearch data stream or index.
    #[arg(long)]
    index: Option<String>,
    /// Indicators per request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Push after each sync from now on.
    #[arg(long)]
    enable: bool,
    #[command(flatten)]
    filters: super::filters::FilterArgs,
}

/// A credential reference as feed headers take it (`secret:`, `env:`, `basic:USER:…`,
/// `bearer:…`), never the secret itself.
fn is_reference(v: &str) -> bool {
    crate::sync::headers::parse(&format!("Authorization: {v}")).is_ok()
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    match args.command {
        Cmd::Add(a) => {
            let kind = Kind::parse(&a.kind).ok_or_else(|| {
                anyhow::anyhow!(
                    "--kind {:?}: one of splunk-hec, elasticsearch, webhook",
                    a.kind
                )
            })?;
            let url = reqwest::Url::parse(&a.url).map_err(|e| anyhow::anyhow!("--url: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                anyhow::bail!("--url: http or https only");
            }
            if !url.username().is_empty() || url.password().is_some() {
                // Never echo it: the URL carries a credential.
                anyhow::bail!(
                    "--url must not carry a user or password; give them with --credential basic:USER:secret:NAME"
                );
            }
            if let Some(c) = &a.credential
                && !is_reference(c)
            {
                // Never echo it: it may be the secret itself.
                anyhow::bail!(
                    "--credential must be secret:NAME (see `threatdeck feeds secret set`) or env:VARIABLE, not the secret itself"
                );
            }
            if a.batch == 0 || a.batch > 50_000 {
                anyhow::bail!("--batch is 1 to 50000");
            }
            let rec = OutputRec {
                name: a.name.clone(),
                kind: kind.name().to_string(),
                url: a.url,
                credential: a.credential,
                index: a.index,
                batch: a.batch,
                enabled: a.enable,
                filters: a.filters.filters()?,
                cursor: None,
                last: None,
            };
            store.put_output(&rec)?;
            eprintln!(
                "output {} ({}) saved{}",
                inert(&rec.name),
                rec.kind,
                if rec.enabled {
                    "; it pushes after each sync"
                } else {
                    "; `threatdeck outputs push NAME` pushes it"
                }
            );
        }
        Cmd::List { json } => {
            let outs = store.outputs()?;
            if json {
                super::print_json(&outs)?;
            } else if outs.is_empty() {
                println!(
                    "no outputs; add one with `threatdeck outputs add NAME --kind splunk-hec --url URL --credential secret:NAME`"
                );
            } else {
                for o in outs {
                    println!(
                        "{:<20} {:<14} {:<8} {}  {}",
                        inert(&o.name),
                        o.kind,
                        if o.enabled { "enabled" } else { "disabled" },
                        inert(&o.url),
                        o.last.as_ref().map_or("never pushed".to_string(), summary)
                    );
                }
            }
        }
        Cmd::Remove { name } => {
            if !store.remove_output(&name)? {
                anyhow::bail!("no output named {}", inert(&name));
            }
        }
        Cmd::Enable { ref name } | Cmd::Disable { ref name } => {
            let enable = matches!(args.command, Cmd::Enable { .. });
            let name = name.clone();
            let mut o = store
                .output(&name)?
                .ok_or_else(|| anyhow::anyhow!("no output named {}", inert(&name)))?;
            o.enabled = enable;
            store.put_output(&o)?;
        }
        Cmd::Push {
            names,
            all,
            full,
            json,
        } => return push(store, names, all, full, json),
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(r: &PushReport) -> String {
    let mut s = format!(
        "{}: {} sent, {} failed, {} held back by TLP, {} of types it takes no field for, {} request(s)",
        crate::model::time::format_rfc3339(r.finished),
        r.sent,
        r.failed,
        r.withheld_tlp,
        r.skipped,
        r.requests
    );
    if let Some(e) = &r.error {
        s.push_str(&format!("; {}", inert(e)));
    }
    s
}

fn push(
    store: crate::store::Store,
    names: Vec<String>,
    all: bool,
    full: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let outs: Vec<OutputRec> = if all {
        store.outputs()?.into_iter().filter(|o| o.enabled).collect()
    } else {
        if names.is_empty() {
            anyhow::bail!("name the outputs to push, or --all for every enabled one");
        }
        names
            .iter()
            .map(|n| {
                store
                    .output(n)?
                    .ok_or_else(|| anyhow::anyhow!("no output named {}", inert(n)))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let store = Arc::new(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut all_ok = true;
    let mut reports = serde_json::Map::new();
    for o in outs {
        let name = o.name.clone();
        let report = rt.block_on(crate::push::push(Arc::clone(&store), o, full))?;
        all_ok &= report.ok();
        if json {
            reports.insert(name, serde_json::to_value(&report)?);
        } else {
            eprintln!("push {}: {}", inert(&name), summary(&report));
            for f in &report.failures {
                eprintln!("  refused: {}", inert(f));
            }
            if report.failed as usize > report.failures.len() && !report.failures.is_empty() {
                eprintln!(
                    "  … {} more",
                    report.failed as usize - report.failures.len()
                );
            }
        }
    }
    if json {
        super::print_json(&reports)?;
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

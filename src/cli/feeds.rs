use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use crate::model::time::{format_rfc3339, now};
use crate::safe_text::inert;
use crate::store::feeds::{FeedRec, RunRec};
use crate::sync::{self, health::Health};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: FeedsCommand,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FeedFormat {
    MispFeed,
    Csv,
    Freetext,
    Stix,
    Taxii,
    MispServer,
}

impl FeedFormat {
    fn name(self) -> &'static str {
        match self {
            FeedFormat::MispFeed => "misp-feed",
            FeedFormat::Csv => "csv",
            FeedFormat::Freetext => "freetext",
            FeedFormat::Stix => "stix",
            FeedFormat::Taxii => "taxii",
            FeedFormat::MispServer => "misp-server",
        }
    }
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
enum FeedsCommand {
    /// Configured feeds with their health and last run.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One feed: configuration, health and recent runs.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Add (or reconfigure) a feed. It stays disabled unless --enable is given.
    Add {
        name: String,
        /// A URL, or a local path (a file or a MISP feed directory).
        location: String,
        #[arg(long, value_enum)]
        format: FeedFormat,
        /// How often to sync: 30m, 1h, 1d ...
        #[arg(long, default_value = "1d")]
        interval: String,
        /// CSV value columns, 1-based.
        #[arg(long, value_delimiter = ',')]
        columns: Option<Vec<usize>>,
        /// CSV delimiter: one character, or \t.
        #[arg(long)]
        delimiter: Option<String>,
        #[arg(long)]
        provider: Option<String>,
        /// Largest download accepted, in bytes (default 1 GiB).
        #[arg(long)]
        max_size: Option<u64>,
        /// Seconds of silence before a download is abandoned (default 30).
        #[arg(long)]
        timeout: Option<u64>,
        /// A string every good copy of the feed contains; a body without it fails the run.
        #[arg(long)]
        sentinel: Option<String>,
        /// TAXII: the collection (id or title), when the location is a discovery URL or an
        /// API root rather than a collection URL.
        #[arg(long)]
        collection: Option<String>,
        /// A request header, 'Name: value'; secrets as 'Name: secret:NAME' (`feeds secret set`)
        /// or 'Name: env:VARIABLE' (repeatable).
        #[arg(long = "header", value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// Drop list values (CSV, freetext) matching this regex.
        #[arg(long, value_name = "REGEX")]
        exclude: Option<String>,
        /// A tag for everything the feed brings, e.g. tlp:clear (repeatable).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// How far the feed is trusted, 0-100: the base score of its values (default 80).
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
        confidence: Option<u8>,
        /// Flag the feed stale after no change for this long: 12h, 3d ... (default 7d).
        #[arg(long, value_name = "INTERVAL")]
        stale_after: Option<String>,
        #[arg(long)]
        enable: bool,
    },
    /// Remove a feed and its run history; what it imported stays, under its source name.
    Remove {
        name: String,
    },
    Enable {
        name: String,
    },
    Disable {
        name: String,
    },
    /// Sync feeds now (side by side), or every enabled feed.
    Sync {
        names: Vec<String>,
        #[arg(long, conflicts_with = "names")]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Add threatdeck's catalog of well-known public feeds, disabled (enable the ones you want).
    Catalog {
        #[arg(long)]
        json: bool,
    },
    /// Add the feeds of a MISP feed catalog file (MISP's defaults.json format), disabled.
    ImportMisp {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Secrets for feed headers ('secret:NAME'), kept in secrets.toml with mode 0600.
    Secret {
        #[command(subcommand)]
        command: super::feeds_secret::SecretCommand,
    },
    /// Values shared between every pair of sources, and each source's coverage by the others.
    Overlap {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct FeedView {
    #[serde(flatten)]
    feed: FeedRec,
    health: Health,
}

fn view(store: &crate::store::Store, feed: FeedRec) -> anyhow::Result<FeedView> {
    let runs = store.runs(&feed.name, sync::health::HISTORY)?;
    let health = sync::health::health(&feed, &runs, now());
    Ok(FeedView { feed, health })
}

pub(super) fn run_line(r: &RunRec) -> String {
    let what = if r.ok {
        format!(
            "{} records, +{} -{} ={}",
            r.records, r.added, r.removed, r.unchanged
        )
    } else {
        format!("failed: {}", r.error.as_deref().unwrap_or("?"))
    };
    format!("{}  {}", format_rfc3339(r.started), inert(&what))
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    // Secrets live outside the store: no need to open (and lock) it.
    let command = match args.command {
        FeedsCommand::Secret { command } => {
            super::feeds_secret::run(command)?;
            return Ok(ExitCode::SUCCESS);
        }
        other => other,
    };
    let store = super::open_store(dir)?;
    match command {
        FeedsCommand::List { json } => {
            let views = store
                .feeds()?
                .into_iter()
                .map(|f| view(&store, f))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if json {
                super::print_json(&views)?;
            } else if views.is_empty() {
                println!(
                    "no feeds; add one with `threatdeck feeds add NAME URL_OR_PATH --format F`"
                );
            } else {
                for v in &views {
                    println!(
                        "{:<9} {:<13} {:<10} {}  {}",
                        if v.feed.enabled {
                            "enabled"
                        } else {
                            "disabled"
                        },
                        v.health.status,
                        v.feed.format,
                        inert(&v.feed.name),
                        inert(&v.feed.location)
                    );
                }
            }
        }
        FeedsCommand::Show { name, json } => {
            let feed = store
                .feed(&name)?
                .ok_or_else(|| anyhow::anyhow!("no feed named {name}"))?;
            let runs = store.runs(&name, 10)?;
            let v = view(&store, feed)?;
            if json {
                #[derive(Serialize)]
                struct Show<'a> {
                    #[serde(flatten)]
                    view: &'a FeedView,
                    runs: &'a [RunRec],
                }
                super::print_json(&Show {
                    view: &v,
                    runs: &runs,
                })?;
            } else {
                println!(
                    "{}  ({})",
                    inert(&v.feed.name),
                    if v.feed.enabled {
                        "enabled"
                    } else {
                        "disabled"
                    }
                );
                println!("  location  {}", inert(&v.feed.location));
                println!(
                    "  format    {}   every {} s",
                    v.feed.format, v.feed.interval_secs
                );
                println!(
                    "  health    {} {}",
                    v.health.status,
                    v.health.flags.join(",")
                );
                for (k, val) in &v.feed.headers {
                    println!("  header    {}", inert(&sync::headers::shown(k, val)));
                }
                if let Some(re) = &v.feed.exclude {
                    println!("  exclude   {}", inert(re));
                }
                if !v.feed.tags.is_empty() {
                    println!("  tags      {}", inert(&v.feed.tags.join(", ")));
                }
                if let Some(c) = v.feed.confidence {
                    println!("  confidence {c}");
                }
                if let Some(s) = v.feed.stale_after_secs {
                    println!("  stale after {s} s without change");
                }
                for r in &runs {
                    println!("  run       {}", run_line(r));
                }
            }
        }
        FeedsCommand::Add {
            name,
            location,
            format,
            interval,
            columns,
            delimiter,
            provider,
            max_size,
            timeout,
            headers,
            collection,
            sentinel,
            exclude,
            tags,
            confidence,
            stale_after,
            enable,
        } => {
            if let Some(re) = &exclude {
                regex::Regex::new(re).map_err(|e| anyhow::anyhow!("--exclude: {e}"))?;
            }
            let stale_after_secs = stale_after
                .map(|s| sync::parse_interval(&s))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--stale-after: {e}"))?;
            let tags: Vec<String> = tags
                .iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            let headers = headers
                .iter()
                .map(|h| sync::headers::parse(h))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("--header: {e}"))?;
            if name.trim().is_empty() {
                anyhow::bail!("a feed needs a name");
            }
            if let Ok(u) = reqwest::Url::parse(&location)
                && (!u.username().is_empty() || u.password().is_some())
            {
                anyhow::bail!(
                    "credentials do not belong in a feed URL (they would be stored and shown); use --header 'Authorization: secret:NAME' (see `feeds secret set`) or 'Authorization: env:VARIABLE'"
                );
            }
            let interval_secs =
                sync::parse_interval(&interval).map_err(|e| anyhow::anyhow!("--interval: {e}"))?;
            let delimiter = match delimiter {
                Some(d) => Some(
                    crate::ingest::csv::parse_delimiter(&d)
                        .map_err(|e| anyhow::anyhow!("--delimiter: {e}"))?,
                ),
                None => None,
            };
            if columns.as_ref().is_some_and(|c| c.contains(&0)) {
                anyhow::bail!("--columns are 1-based: 0 is not a column");
            }
            let existing = store.feed(&name)?;
            let created = existing.as_ref().map_or(now(), |f| f.created);
            // Pointed somewhere else: the old validators and cursor would skip new data.
            if existing.is_some_and(|f| {
                f.location != location || f.format != format.name() || f.collection != collection
            }) {
                store.remove_feed(&name)?;
            }
            store.put_feed(&FeedRec {
                name: name.clone(),
                provider: provider.unwrap_or_default(),
                location,
                format: format.name().to_string(),
                columns,
                delimiter,
                interval_secs,
                enabled: enable,
                created,
                max_bytes: max_size,
                timeout_secs: timeout.filter(|&t| t > 0),
                collection,
                headers,
                sentinel: sentinel.filter(|s| !s.is_empty()),
                exclude: exclude.filter(|s| !s.is_empty()),
                tags,
                confidence,
                stale_after_secs,
            })?;
            println!(
                "feed {} saved ({})",
                inert(&name),
                if enable { "enabled" } else { "disabled" }
            );
        }
        FeedsCommand::Remove { name } => {
            if !store.remove_feed(&name)? {
                anyhow::bail!("no feed named {name}");
            }
            println!("feed {} removed", inert(&name));
        }
        FeedsCommand::Enable { name } => store.set_feed_enabled(&name, true)?,
        FeedsCommand::Disable { name } => store.set_feed_enabled(&name, false)?,
        FeedsCommand::Sync { names, all, json } => {
            if names.is_empty() && !all {
                anyhow::bail!("name a feed, or pass --all for every enabled feed");
            }
            return super::feeds_sync::run(store, &names, all, json);
        }
        FeedsCommand::ImportMisp { file, json } => {
            let bytes = crate::ingest::read_input(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let (feeds, skipped) = sync::catalog::parse(&bytes, now())
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            add_all(&store, feeds, skipped, json)?;
        }
        FeedsCommand::Catalog { json } => {
            add_all(&store, sync::builtin::feeds(now()), Vec::new(), json)?
        }
        FeedsCommand::Secret { .. } => unreachable!("handled before the store is opened"),
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

/// Add feeds that are not configured yet (disabled, as given); report what was kept.
fn add_all(
    store: &crate::store::Store,
    feeds: Vec<FeedRec>,
    skipped: Vec<String>,
    json: bool,
) -> anyhow::Result<()> {
    let mut added = Vec::new();
    let mut kept = Vec::new();
    for f in feeds {
        if store.feed(&f.name)?.is_some() {
            kept.push(f.name);
        } else {
            store.put_feed(&f)?;
            added.push(f.name);
        }
    }
    if json {
        #[derive(Serialize)]
        struct Out {
            added: Vec<String>,
            already_configured: Vec<String>,
            skipped: Vec<String>,
        }
        super::print_json(&Out {
            added,
            already_configured: kept,
            skipped,
        })?;
    } else {
        println!(
            "{} feed(s) added, disabled; {} already configured",
            added.len(),
            kept.len()
        );
        for s in &skipped {
            println!("  skipped: {}", inert(s));
        }
        if !added.is_empty() {
            println!(
                "enable one with `threatdeck feeds enable NAME`, then `threatdeck feeds sync NAME`"
            );
        }
    }
    Ok(())
}

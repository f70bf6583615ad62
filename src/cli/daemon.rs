use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::safe_text::inert;
use crate::sync::engine::{DEFAULT_PARALLEL, Engine};
use crate::sync::scheduler::{self, SyncEvent};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds between checks for due feeds.
    #[arg(long, default_value_t = 60)]
    tick: u64,
    /// Sync the feeds that are due, then exit (for cron and tests).
    #[arg(long)]
    once: bool,
    /// With --once: print the events as one JSON document.
    #[arg(long, requires = "once")]
    json: bool,
    /// Downloads at once (one per host at a time whatever this says).
    #[arg(long, default_value_t = DEFAULT_PARALLEL)]
    parallel: usize,
    /// Also serve TAXII 2.1 here, from the same store (a separate `serve` process cannot
    /// open the store while the daemon holds it).
    #[arg(long, value_name = "ADDR", conflicts_with = "once")]
    serve: Option<std::net::SocketAddr>,
    #[command(flatten)]
    auth: super::serve::AuthArgs,
}

fn line(e: &SyncEvent) -> String {
    match e {
        SyncEvent::Started { feed } => format!("sync {}: started", inert(feed)),
        SyncEvent::Progress {
            feed,
            bytes,
            records,
            ..
        } => format!("sync {}: {bytes} bytes, {records} records", inert(feed)),
        SyncEvent::Finished { feed, run } => format!(
            "sync {}: {} records, +{} -{}{}",
            inert(feed),
            run.records,
            run.added,
            run.removed,
            if run.not_modified {
                " (not modified)"
            } else {
                ""
            }
        ),
        SyncEvent::Failed { feed, error } => {
            format!("sync {}: failed: {}", inert(feed), inert(error))
        }
        SyncEvent::Pushed { output, report } => push_line(output, report),
    }
}

/// How a push after a sync is reported (daemon log, `feeds sync`).
pub(crate) fn push_line(
    output: &str,
    report: &Result<crate::store::outputs::PushReport, String>,
) -> String {
    match report {
        Ok(r) => format!(
            "push {}: {} sent, {} failed{}",
            inert(output),
            r.sent,
            r.failed,
            r.error
                .as_deref()
                .map(|e| format!(": {}", inert(e)))
                .unwrap_or_default()
        ),
        Err(e) => format!("push {}: failed: {}", inert(output), inert(e)),
    }
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let auth = args.serve.map(|a| args.auth.auth(&a)).transpose()?;
    let store = Arc::new(super::open_store(dir)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = rt.block_on(async { Engine::new(store, args.parallel, tx) });
    if args.once {
        rt.block_on(scheduler::run_due(&engine));
        drop(engine);
        let mut events = Vec::new();
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        if args.json {
            super::print_json(&events)?;
        } else {
            for e in &events {
                println!("{}", line(e));
            }
        }
        let failed = events.iter().any(|e| matches!(e, SyncEvent::Failed { .. }));
        return Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let server = match (args.serve, auth) {
        (Some(addr), Some(auth)) => {
            let state = Arc::new(crate::serve::State::new(Arc::clone(engine.store()), auth));
            let mut stop = stop_rx.clone();
            Some(rt.spawn(async move {
                let shutdown = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                if let Err(e) = super::serve::serve_on(state, addr, shutdown).await {
                    eprintln!("threatdeck daemon: TAXII server: {e:#}");
                }
            }))
        }
        _ => None,
    };
    rt.block_on(async move {
        let worker = tokio::spawn(scheduler::daemon(
            engine,
            Duration::from_secs(args.tick.max(1)),
            stop_rx,
        ));
        let printer = tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                println!("{}", line(&e));
            }
        });
        eprintln!(
            "threatdeck daemon: syncing due feeds every {} s; Ctrl-C to stop",
            args.tick.max(1)
        );
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping: downloads under way are cancelled (their previous data stands)");
        let _ = stop_tx.send(true);
        let _ = worker.await;
        if let Some(s) = server {
            let _ = s.await;
        }
        let _ = printer.await;
    });
    Ok(ExitCode::SUCCESS)
}

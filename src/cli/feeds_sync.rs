//! `feeds sync`: run feeds now on the sync engine, one progress line per feed on a terminal.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;

use crate::safe_text::inert;
use crate::store::Store;
use crate::store::feeds::RunRec;
use crate::sync::engine::{Engine, SyncEvent};

/// Where one feed stands, for its progress line.
#[derive(Default)]
struct Line {
    bytes: u64,
    total: Option<u64>,
    records: u64,
    done: Option<String>,
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
}

fn bar(l: &Line) -> String {
    const W: usize = 20;
    match (l.total, &l.done) {
        (_, Some(d)) => d.clone(),
        (Some(t), None) if t > 0 => {
            let filled = ((l.bytes.min(t) as f64 / t as f64) * W as f64) as usize;
            format!(
                "[{}{}] {} / {}  {} records",
                "#".repeat(filled),
                "-".repeat(W - filled),
                mib(l.bytes),
                mib(t),
                l.records
            )
        }
        _ => format!("[{:^20}] {}  {} records", "...", mib(l.bytes), l.records),
    }
}

/// Redraws the block of progress lines in place on stderr (a terminal only).
struct Bars {
    lines: BTreeMap<String, Line>,
    drawn: usize,
    last: std::time::Instant,
}

impl Bars {
    fn draw(&mut self, force: bool) {
        if !force && self.last.elapsed() < std::time::Duration::from_millis(100) {
            return;
        }
        self.last = std::time::Instant::now();
        let mut err = std::io::stderr().lock();
        if self.drawn > 0 {
            let _ = write!(err, "\x1b[{}A", self.drawn);
        }
        for (name, l) in &self.lines {
            let _ = writeln!(err, "\x1b[2K{:<24} {}", inert(name), bar(l));
        }
        self.drawn = self.lines.len();
        let _ = err.flush();
    }
}

pub(super) fn run(
    store: Store,
    names: &[String],
    all: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let feeds = if all {
        crate::sync::select(&store, None)?
    } else {
        names
            .iter()
            .map(|n| crate::sync::select(&store, Some(n)).map(|mut v| v.remove(0)))
            .collect::<Result<Vec<_>, _>>()?
    };
    let store = Arc::new(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tty = !json && std::io::stderr().is_terminal();
    let results: Vec<(String, Option<RunRec>)> = rt.block_on(async {
        let engine = Engine::new(
            Arc::clone(&store),
            crate::sync::engine::DEFAULT_PARALLEL,
            tx,
        );
        let handles: Vec<_> = feeds
            .iter()
            .map(|f| (f.name.clone(), engine.start(f.clone())))
            .collect();
        drop(engine);
        let mut bars = Bars {
            lines: BTreeMap::new(),
            drawn: 0,
            last: std::time::Instant::now(),
        };
        while let Some(e) = rx.recv().await {
            if let SyncEvent::Pushed { output, report } = &e {
                eprintln!("{}", super::daemon::push_line(output, report));
                continue;
            }
            if !tty {
                continue;
            }
            let (feed, force) = match &e {
                SyncEvent::Pushed { .. } => continue,
                SyncEvent::Started { feed } => (feed, true),
                SyncEvent::Progress { feed, .. } => (feed, false),
                SyncEvent::Finished { feed, .. } | SyncEvent::Failed { feed, .. } => (feed, true),
            };
            let l = bars.lines.entry(feed.clone()).or_default();
            match e {
                SyncEvent::Progress {
                    bytes,
                    total,
                    records,
                    ..
                } => {
                    (l.bytes, l.total, l.records) = (bytes, total, records);
                }
                SyncEvent::Finished { .. } => l.done = Some("done".into()),
                SyncEvent::Failed { .. } => l.done = Some("failed".into()),
                SyncEvent::Started { .. } | SyncEvent::Pushed { .. } => {}
            }
            bars.draw(force);
        }
        let mut out = Vec::new();
        for (name, h) in handles {
            let run = match h {
                Some(h) => h.await.ok().flatten(),
                None => None,
            };
            out.push((name, run));
        }
        out
    });
    let mut failed = false;
    if json {
        #[derive(Serialize)]
        struct Out {
            feed: String,
            #[serde(flatten)]
            run: RunRec,
        }
        let out: Vec<Out> = results
            .iter()
            .map(|(feed, run)| Out {
                feed: feed.clone(),
                run: run.clone().unwrap_or_else(|| RunRec {
                    error: Some("the run could not be recorded".into()),
                    ..RunRec::default()
                }),
            })
            .collect();
        failed = out.iter().any(|o| !o.run.ok);
        super::print_json(&out)?;
    } else {
        for (name, run) in &results {
            match run {
                Some(r) => {
                    failed |= !r.ok;
                    println!("{}  {}", inert(name), super::feeds::run_line(r));
                }
                None => {
                    failed = true;
                    println!("{}  failed: the run could not be recorded", inert(name));
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

//! Workbench bench on a store of about 1,000,000 distinct values:
//! - start-up: the first frame, and the fuzzy index loaded, in a child process whose peak
//!   RSS is taken (targets: first frame <= 200 ms, RSS <= 200 MB);
//! - fuzzy search: the first ranked page of 50 for several queries, beside
//!   `fzf --filter` on the same values when fzf is installed (target <= 50 ms);
//! - key-to-screen while a 1M-line feed is imported into the same store (target <= 100 ms).
//!
//! Run: `cargo bench --bench tui` (`-- --keep` keeps the generated store under target/).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use threatdeck::store::Store;
use threatdeck::tui::app::App;
use threatdeck::tui::fuzzy::Index;
use threatdeck::tui::keymap::Keymap;
use threatdeck::tui::run::{Screen, run_loop};
use threatdeck::tui::text::Glyphs;
use threatdeck::tui::theme::{Depth, Theme};
use threatdeck::tui::worker::Worker;

const LINES: usize = 1_000_000;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_threatdeck"))
}

fn app() -> App {
    App::new(
        Keymap::load(None).unwrap(),
        Theme::load("default", None, Depth::Ansi16).unwrap(),
        Glyphs::UNICODE,
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A screen that notes when each frame was drawn.
struct Timed {
    term: Terminal<TestBackend>,
    frames: Arc<std::sync::Mutex<Vec<Instant>>>,
}

impl Screen for Timed {
    fn frame(&mut self, app: &mut App, store: &str) -> std::io::Result<()> {
        self.term.frame(app, store)?;
        self.frames.lock().unwrap().push(Instant::now());
        Ok(())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn worker(
    store: &Arc<Store>,
    tx: tokio::sync::mpsc::UnboundedSender<threatdeck::tui::msg::Msg>,
) -> Arc<Worker> {
    let (stx, _srx) = tokio::sync::mpsc::unbounded_channel();
    let engine = threatdeck::sync::engine::Engine::new(Arc::clone(store), 2, stx);
    Arc::new(Worker::new(
        Arc::clone(store),
        engine,
        threatdeck::correlate::warninglist::Warninglists::builtin(),
        tx,
    ))
}

/// The child: open the store, draw the first frame, then wait for the fuzzy index as the
/// workbench does in the background; prints the two times.
fn startup_child(dir: &Path) {
    let t0 = Instant::now();
    let store = Arc::new(Store::open_with_cache(dir, threatdeck::tui::CACHE_BYTES).unwrap());
    let rt = runtime();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let w = worker(&store, tx);
        let mut app = app();
        let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
        term.frame(&mut app, "bench").unwrap();
        let first = t0.elapsed();
        threatdeck::tui::run::dispatch(&mut app, &w);
        while app.index.is_none() {
            let m = rx.recv().await.unwrap();
            app.on_msg(m);
        }
        app.run(threatdeck::tui::command::Command::ShowIndicators);
        term.frame(&mut app, "bench").unwrap();
        let indexed = t0.elapsed();
        println!(
            "{:.1} {:.1} {}",
            ms(first),
            ms(indexed),
            app.index.as_ref().unwrap().len()
        );
    });
}

fn main() {
    if let Ok(dir) = std::env::var("TD_BENCH_STARTUP") {
        startup_child(Path::new(&dir));
        return;
    }
    let keep = std::env::args().any(|a| a == "--keep");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-tui");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let input = root.join("values.txt");
    common::gen_freetext(&input, LINES, 42).unwrap();
    let data = root.join("store");
    let imp = common::measure(
        Command::new(bin())
            .args(["--data-dir"])
            .arg(&data)
            .args(["import", "--source", "bench", "--json"])
            .arg(&input),
    );
    println!(
        "threatdeck workbench bench: store of {LINES} freetext lines imported in {:.1} s",
        imp.seconds
    );

    // Start-up, in a child so its peak RSS is its own.
    let exe = std::env::current_exe().unwrap();
    let run = common::measure(Command::new(exe).env("TD_BENCH_STARTUP", &data));
    let out = String::from_utf8_lossy(&run.stdout);
    let f: Vec<&str> = out.split_whitespace().collect();
    println!(
        "start-up          : first frame {} ms (target <= 200), fuzzy index of {} entries ready at {} ms, peak RSS {} MB (target <= 200)",
        f.first().unwrap_or(&"?"),
        f.get(2).unwrap_or(&"?"),
        f.get(1).unwrap_or(&"?"),
        run.max_rss_kb / 1024
    );

    // Fuzzy search, in process, beside fzf on the same strings.
    let store = Arc::new(Store::open(&data).unwrap());
    let idx = Index::new(store.browse_entries(1024).unwrap());
    let values = root.join("index.txt");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&values).unwrap());
        for e in &idx.entries {
            w.write_all(e.text.as_bytes()).unwrap();
            w.write_all(b"\n").unwrap();
        }
    }
    let fzf = Command::new("fzf")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    println!(
        "fuzzy search over {} entries (values, event titles, tags), first page of 50:",
        idx.len()
    );
    for q in ["evil", "10.12", "c2pnl", "a1b2c3", "login.micro"] {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let (hits, n) = idx.search(q, 50);
            times.push(ms(t.elapsed()));
            total = n;
            std::hint::black_box(hits);
        }
        times.sort_by(f64::total_cmp);
        let ours = times[times.len() / 2];
        let theirs = if fzf {
            let mut ft = Vec::new();
            let mut n = 0;
            for _ in 0..3 {
                let t = Instant::now();
                let o = Command::new("fzf")
                    .env_remove("FZF_DEFAULT_OPTS")
                    .args(["--filter", q])
                    .stdin(std::fs::File::open(&values).unwrap())
                    .output()
                    .unwrap();
                ft.push(ms(t.elapsed()));
                n = o.stdout.iter().filter(|&&b| b == b'\n').count();
            }
            ft.sort_by(f64::total_cmp);
            format!(
                "fzf --filter {:>7.1} ms ({n} matches, reading the file included)",
                ft[1]
            )
        } else {
            "fzf not installed".to_string()
        };
        println!("  {q:<12} threatdeck {ours:>6.1} ms ({total} matches)   {theirs}");
    }
    drop(store);

    // Key-to-screen while a second 1M-line list is imported into the same store.
    let feed = root.join("feed.txt");
    common::gen_freetext(&feed, LINES, 7).unwrap();
    let store = Arc::new(Store::open_with_cache(&data, threatdeck::tui::CACHE_BYTES).unwrap());
    let rt = runtime();
    let (lat, import_s) = rt.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let w = worker(&store, tx);
        let mut app = app();
        let frames = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut screen = Timed {
            term: Terminal::new(TestBackend::new(160, 48)).unwrap(),
            frames: Arc::clone(&frames),
        };
        let (ktx, krx) = tokio::sync::mpsc::unbounded_channel::<Event>();
        let input = Box::pin(futures_util::stream::unfold(krx, |mut r| async move {
            r.recv().await.map(|e| (Ok(e), r))
        }));
        let st = Arc::clone(&store);
        let importer = std::thread::spawn(move || {
            let t = Instant::now();
            let opts = threatdeck::pipeline::ImportOptions {
                format: threatdeck::ingest::Format::Freetext,
                source: Some("bench-feed".into()),
                ..Default::default()
            };
            let r = threatdeck::pipeline::import(&st, &[feed], &opts);
            assert!(r.iter().all(|x| x.ok));
            t.elapsed()
        });
        let sent = Arc::new(std::sync::Mutex::new(Vec::<Instant>::new()));
        let s2 = Arc::clone(&sent);
        let keys = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let _ = ktx.send(Event::Key(KeyEvent::new(
                KeyCode::Char('3'),
                KeyModifiers::NONE,
            )));
            for i in 0..120 {
                tokio::time::sleep(Duration::from_millis(40)).await;
                let c = if i % 10 < 7 { 'j' } else { 'k' };
                s2.lock().unwrap().push(Instant::now());
                let _ = ktx.send(Event::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )));
            }
            let _ = ktx.send(Event::Key(KeyEvent::new(
                KeyCode::Char('q'),
                KeyModifiers::NONE,
            )));
        });
        run_loop(&mut screen, input, rx, &mut app, &w, "bench")
            .await
            .unwrap();
        keys.await.unwrap();
        let import = importer.join().unwrap();
        let frames = frames.lock().unwrap().clone();
        let mut lat: Vec<f64> = sent
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| frames.iter().find(|f| *f >= s).map(|f| ms(*f - *s)))
            .collect();
        lat.sort_by(f64::total_cmp);
        (lat, import.as_secs_f64())
    });
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    println!(
        "key-to-screen     : {} keys while importing {LINES} lines ({import_s:.1} s): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target <= 100)",
        lat.len(),
        pct(0.5),
        pct(0.95),
        lat.last().copied().unwrap_or(0.0)
    );
    if !keep {
        let _ = std::fs::remove_dir_all(&root);
    }
}

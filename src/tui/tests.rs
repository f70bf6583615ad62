//! Whole scenarios, headless: a real store, the real worker, keys in, ratatui's TestBackend
//! out. Snapshots of every view at 80x24 and 160x48 live in src/tui/snapshots/; run with
//! UPDATE_SNAPSHOTS=1 to rewrite them after a deliberate change.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Tab};
use super::keymap::Keymap;
use super::msg::Request;
use super::text::Glyphs;
use super::theme::{Depth, Theme};
use super::worker::Worker;
use crate::store::Store;

pub struct Harness {
    pub app: App,
    pub worker: Arc<Worker>,
    pub store: Arc<Store>,
    /// What the sync engine reports, fed to the app by `pump`.
    sync: tokio::sync::mpsc::UnboundedReceiver<crate::sync::engine::SyncEvent>,
    _rt: tokio::runtime::Runtime,
    pub _dir: tempfile::TempDir,
}

impl Harness {
    pub fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let _g = rt.enter();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let (stx, srx) = tokio::sync::mpsc::unbounded_channel();
        let engine = crate::sync::engine::Engine::new(Arc::clone(&store), 2, stx);
        let worker = Arc::new(Worker::new(
            Arc::clone(&store),
            engine,
            crate::correlate::warninglist::Warninglists::builtin(),
            tx,
        ));
        let app = App::new(
            Keymap::load(None).unwrap(),
            Theme::load("default", None, Depth::Ansi16).unwrap(),
            Glyphs::UNICODE,
        );
        let mut h = Harness {
            app,
            worker,
            store,
            sync: srx,
            _rt: rt,
            _dir: dir,
        };
        h.pump();
        h
    }

    /// Run every pending request on this thread until none is left (feed syncs included:
    /// it waits for the engine and hands the app its events).
    pub fn pump(&mut self) {
        for _ in 0..50 {
            self._rt.block_on(self.worker.engine.idle());
            while let Ok(e) = self.sync.try_recv() {
                self.app.on_msg(super::msg::Msg::Sync(e));
            }
            let mut reqs = self.app.take_requests();
            let wanted = std::mem::take(&mut self.app.indicators.wanted);
            if !wanted.is_empty() {
                reqs.push(Request::Rows(wanted));
            }
            let events = std::mem::take(&mut self.app.events.wanted);
            if !events.is_empty() {
                reqs.push(Request::EventLinks(events));
            }
            if reqs.is_empty() {
                return;
            }
            for r in reqs {
                let _g = self._rt.enter();
                for m in self.worker.run(r) {
                    self.app.on_msg(m);
                }
            }
        }
        panic!("requests never settled");
    }

    /// Type `keys`: characters, or `<Name>` for Enter, Esc, Backspace, Down, Up, Tab.
    pub fn keys(&mut self, keys: &str) {
        let mut rest = keys;
        while !rest.is_empty() {
            let (code, n) = if let Some(r) = rest.strip_prefix('<')
                && let Some(end) = r.find('>')
            {
                let code = match &r[..end] {
                    "Enter" => KeyCode::Enter,
                    "Esc" => KeyCode::Esc,
                    "Backspace" => KeyCode::Backspace,
                    "Down" => KeyCode::Down,
                    "Up" => KeyCode::Up,
                    "Tab" => KeyCode::Tab,
                    other => panic!("key {other}"),
                };
                (code, end + 2)
            } else {
                let c = rest.chars().next().unwrap();
                (KeyCode::Char(c), c.len_utf8())
            };
            rest = &rest[n..];
            self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
            // Draw between keys, as the terminal would: views ask for what they show.
            self.screen(80, 24);
            self.pump();
        }
    }

    pub fn screen(&mut self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| super::ui::draw(f, &mut self.app, "STORE"))
            .unwrap();
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Dates and timings change from run to run: they are masked in snapshots.
fn mask(s: &str) -> String {
    let re = regex::Regex::new(r"\d{4}-\d{2}-\d{2}").unwrap();
    let s = re.replace_all(s, "YYYY-MM-DD");
    // Timings, too: any "<digits> ms" depends on the machine's speed.
    let ms = regex::Regex::new(r"\b\d+ ms\b").unwrap();
    ms.replace_all(&s, "N ms").into_owned()
}

pub fn snapshot(name: &str, got: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/tui/snapshots")
        .join(format!("{name}.txt"));
    let got = mask(got);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(
        got, want,
        "snapshot {name} differs; UPDATE_SNAPSHOTS=1 rewrites it\n{got}"
    );
}

#[test]
fn first_run_welcome_then_sample_then_views() {
    let mut h = Harness::new();
    assert!(h.app.welcome());
    for (w, ht) in [(80, 24), (160, 48)] {
        snapshot(&format!("welcome-{w}x{ht}"), &h.screen(w, ht));
    }
    h.keys("l");
    assert!(!h.app.welcome(), "the sample fills the store");
    assert_eq!(h.app.stats.as_ref().unwrap().events, 2);
    for (tab, key) in [("feeds", "1"), ("events", "2"), ("indicators", "3")] {
        h.keys(key);
        for (w, ht) in [(80, 24), (160, 48)] {
            snapshot(&format!("{tab}-{w}x{ht}"), &h.screen(w, ht));
        }
    }
}

#[test]
fn search_pivot_twice_back_and_mark_a_false_positive() {
    let mut h = Harness::new();
    h.keys("l");
    // Search by typing; the shared C2 comes first, Enter pivots to it.
    h.keys("/203.0.113.45");
    let shown = h.screen(80, 24);
    // An address goes to the store's index, not the fuzzy matcher: one exact row.
    assert!(shown.contains("exact          203.0.113.45"), "{shown}");
    assert!(shown.contains("Search 1 of 1"), "{shown}");
    h.keys("<Enter>");
    assert_eq!(h.app.tab, Tab::Graph);
    assert_eq!(h.app.graph.current().as_deref(), Some("203.0.113.45"));
    for (w, ht) in [(80, 24), (160, 48)] {
        snapshot(&format!("graph-{w}x{ht}"), &h.screen(w, ht));
    }
    // Pivot to a value sharing an event with it, then to another, then back.
    h.keys("G<Enter>");
    let second = h.app.graph.current().unwrap();
    assert_ne!(second, "203.0.113.45");
    h.keys("G<Enter>");
    let third = h.app.graph.current().unwrap();
    assert_ne!(third, second);
    let crumb = h.screen(160, 48);
    let short: String = third.chars().take(20).collect();
    assert!(
        crumb.contains(&format!("203.0.113.45 › {second} › {short}")),
        "{crumb}"
    );
    h.keys("<Backspace>");
    assert_eq!(h.app.graph.current().as_deref(), Some(second.as_str()));
    h.keys("<Backspace>");
    assert_eq!(h.app.graph.current().as_deref(), Some("203.0.113.45"));
    // Mark the centre a false positive: its score drops to 0, a sighting is stored.
    h.keys("3");
    let row = (0..20)
        .find(|_| {
            let v = h.app.selected_value();
            if v.as_deref() == Some("203.0.113.45") {
                return true;
            }
            h.keys("j");
            false
        })
        .expect("the value is listed");
    let _ = row;
    h.keys("!");
    assert!(
        h.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("false positive"),
        "{}",
        h.app.status.as_ref().unwrap().text
    );
    let score = crate::correlate::annotate::value_score(
        &h.store,
        "203.0.113.45",
        crate::model::time::now(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(score, 0.0);
    h.keys("q");
    assert!(h.app.quit);
}

#[test]
fn hostile_values_are_shown_inert() {
    let mut h = Harness::new();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.csv");
    // A value with an escape sequence and a bidi override, as a feed might carry.
    std::fs::write(&p, "value\nevil\u{1b}[31m\u{202e}moc.example\n").unwrap();
    let opts = crate::pipeline::ImportOptions {
        format: crate::ingest::Format::Csv,
        source: Some("hostile".into()),
        csv: crate::ingest::csv::CsvOptions {
            columns: Some(vec![1]),
            delimiter: None,
        },
        ..Default::default()
    };
    let reports = crate::pipeline::import(&h.store, &[p], &opts);
    assert!(reports.iter().all(|r| r.ok), "{reports:?}");
    h.app.run(super::command::Command::Refresh);
    h.pump();
    h.keys("3");
    for (w, ht) in [(80, 24), (160, 48)] {
        let s = h.screen(w, ht);
        assert!(!s.contains('\u{1b}') && !s.contains('\u{202e}'), "{s}");
    }
}

#[test]
fn the_help_overlay_lists_every_key_of_the_view() {
    let mut h = Harness::new();
    h.keys("l1?");
    let s = h.screen(160, 48);
    for needle in ["Sync the selected feed now", "j, <Down>", "Quit threatdeck"] {
        assert!(s.contains(needle), "{needle}\n{s}");
    }
    h.keys("<Esc>:sync-all<Enter>");
    assert!(h.app.overlay.is_none());
}

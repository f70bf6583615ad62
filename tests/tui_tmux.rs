//! The workbench in a real terminal: tmux runs it, keys go in with send-keys, the screen
//! comes back with capture-pane. Skipped (with a message) where tmux is not installed;
//! `.ci/run` installs it.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Td, misp_event};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Start `threatdeck` on `td`'s store in a detached `w`x`h` session.
    fn start(td: &Td, name: &str, w: u16, h: u16) -> Tmux {
        Tmux::start_env(td, name, w, h, "")
    }

    fn start_env(td: &Td, name: &str, w: u16, h: u16, env: &str) -> Tmux {
        let socket = format!("td-{name}-{}", std::process::id());
        let cmd = format!(
            "env XDG_CONFIG_HOME={cfg} LANG=C.UTF-8 {env} {bin} --data-dir {data}; echo EXITED $?; sleep 60",
            cfg = td.dir.path().join("config").display(),
            bin = env!("CARGO_BIN_EXE_threatdeck"),
            data = td.data().display(),
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
            ])
            .args(["-x", &w.to_string(), "-y", &h.to_string(), &cmd])
            .status()
            .expect("tmux");
        assert!(ok.success());
        let _ = Command::new("tmux")
            .args(["-L", &socket, "set", "-s", "escape-time", "0"])
            .status();
        Tmux { socket }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "t"])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let ok = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "t", k])
                .status()
                .expect("send-keys");
            assert!(ok.success());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Wait until the screen shows `needle`; panics with the screen after 10 s.
    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("waited for {needle:?}; the screen shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn search_a_value_pivot_and_quit_with_the_terminal_restored() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let td = Td::new();
    let a = td.file(
        "a.json",
        misp_event(
            "11111111-1111-4111-8111-111111111111",
            1_764_000_000,
            &[("ip-dst", "198.51.100.77"), ("domain", "c2.example")],
        ),
    );
    let b = td.file(
        "b.json",
        misp_event(
            "22222222-2222-4222-8222-222222222222",
            1_764_000_000,
            &[("ip-dst", "198.51.100.77"), ("domain", "drop.example")],
        ),
    );
    let out = td.run(["import".as_ref(), a.as_os_str(), b.as_os_str()]);
    assert!(out.status.success());
    let t = Tmux::start(&td, "pivot", 100, 30);
    t.wait_for("1 Feeds");
    t.keys(&["/"]);
    t.wait_for("Search");
    t.keys(&["198.51.100.77"]);
    // An address is looked up in the store's index: one exact row.
    t.wait_for("exact          198.51.100.77");
    t.keys(&["Enter"]);
    let s = t.wait_for("exact · event (2)");
    assert!(s.contains("198.51.100.77  ip-dst"), "{s}");
    // Pivot along: the last neighbour shares an event with the address.
    t.keys(&["G", "Enter"]);
    let s = t.wait_for("198.51.100.77 › ");
    assert!(s.contains("Graph"), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("EXITED 0");
    // The alternate screen is gone: nothing of the workbench is left on the terminal.
    assert!(!s.contains("1 Feeds") && !s.contains("Graph"), "{s}");
}

#[test]
fn first_run_at_80x24_loads_the_sample_and_survives_a_resize() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let td = Td::new();
    let t = Tmux::start(&td, "first", 80, 24);
    t.wait_for("Welcome to threatdeck");
    t.keys(&["l"]);
    t.wait_for("2 events");
    t.keys(&["3"]);
    t.wait_for("Indicators (15");
    t.keys(&["?"]);
    t.wait_for("Keys: indicators");
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));
    let _ = Command::new("tmux")
        .args([
            "-L",
            &t.socket,
            "resize-window",
            "-t",
            "t",
            "-x",
            "160",
            "-y",
            "48",
        ])
        .status();
    let s = t.wait_for("Value");
    assert!(
        s.contains("Indicators (15"),
        "the view and its detail side by side:\n{s}"
    );
    t.keys(&["q"]);
    let s = t.wait_for("EXITED 0");
    assert!(!s.contains("Indicators"), "{s}");
}

#[test]
fn a_panic_restores_the_terminal_and_says_why() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let td = Td::new();
    // Debug builds panic on this key (see `tui::run::test_panic`).
    let t = Tmux::start_env(
        &td,
        "panic",
        80,
        24,
        "RUST_BACKTRACE=0 THREATDECK_TEST_PANIC_KEY=Z",
    );
    t.wait_for("Welcome to threatdeck");
    t.keys(&["Z"]);
    let s = t.wait_for("EXITED");
    assert!(
        s.contains("test panic on key Z"),
        "the panic message is shown: {s}"
    );
    assert!(
        !s.contains("Welcome to threatdeck"),
        "the alternate screen is gone: {s}"
    );
    // Raw mode is off: the terminal echoes typed text again (in raw mode it would not).
    t.keys(&["typed-after"]);
    t.wait_for("typed-after");
}

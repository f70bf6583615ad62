//! Feed sync bench: a 1,000,000-line list served from a loopback HTTP server, synced end to
//! end by the release binary (download, parse, store, correlate), then re-synced unchanged
//! (a 304), beside curl downloading the same file.
//!
//! Run: `cargo bench --bench sync` (`-- --quick`: 100,000 lines).
//! Targets: 1M lines in <= 8 s with peak RSS <= 300 MB; an unchanged re-sync <= 50 ms.

mod common;
#[path = "../tests/common/http.rs"]
mod http;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use common::{gen_freetext, measure};
use http::{Resp, Server};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let lines = if quick { 100_000 } else { 1_000_000 };
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_threatdeck"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sync-bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("bench dir");
    let input = work.join("feed.txt");
    gen_freetext(&input, lines, 11).expect("generate");
    let body = Arc::new(std::fs::read(&input).expect("read feed"));
    let served = Arc::clone(&body);
    let srv = Server::start(move |req| {
        if req.headers.get("if-none-match").map(String::as_str) == Some("\"b1\"") {
            return Resp::status(304);
        }
        Resp::ok(served.as_ref().clone()).header("ETag", "\"b1\"")
    });
    let url = srv.url("/feed.txt");
    let store = work.join("store");
    let td = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.arg("--data-dir").arg(&store).args(args);
        c
    };
    let add = td(&["feeds", "add", "bench", &url, "--format", "freetext"])
        .output()
        .expect("feeds add");
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );

    let curl = measure(Command::new("curl").args(["-s", "-o", "/dev/null", &url]));
    let first = measure(&mut td(&["feeds", "sync", "bench", "--json"]));
    let runs: serde_json::Value = serde_json::from_slice(&first.stdout).expect("sync --json");
    let again = measure(&mut td(&["feeds", "sync", "bench", "--json"]));
    let rerun: serde_json::Value = serde_json::from_slice(&again.stdout).expect("sync --json");

    let mb = body.len() as f64 / 1e6;
    println!(
        "threatdeck feed sync bench — {lines} lines, {:.1} MB, served from 127.0.0.1",
        mb
    );
    println!(
        "curl download only      : {:>7.3} s  ({:.0} MB/s)",
        curl.seconds,
        mb / curl.seconds
    );
    println!(
        "sync (fetch+parse+store): {:>7.3} s  ({:.0} MB/s, {:.0} indicators/s), peak RSS {:.0} MB, {} added  (target <= 8 s, <= 300 MB)",
        first.seconds,
        mb / first.seconds,
        runs[0]["added"].as_f64().unwrap_or(0.0) / first.seconds,
        first.max_rss_kb as f64 / 1024.0,
        runs[0]["added"]
    );
    println!(
        "unchanged re-sync (304) : {:>7.3} s  not_modified={}  (target <= 0.05 s)",
        again.seconds, rerun[0]["not_modified"]
    );
    let _ = std::fs::remove_dir_all(&work);
}

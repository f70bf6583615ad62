//! Import bench: seeded synthetic freetext and CSV inputs at 100k and 1M lines, imported by
//! the release `threatdeck` binary into fresh stores, next to `LC_ALL=C sort -u` on the same
//! file (the floor for deduplication).
//!
//! Run: `cargo bench --bench import` (add `-- --quick` for the 100k inputs only, `-- --keep`
//! to keep the generated inputs and stores).
//! Targets (2-core machine): 1M mixed freetext lines at >= 250,000 indicators/s end to end,
//! peak RSS <= 300 MB, store <= 3x the input size.

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Rng, Run, gen_freetext, indicator_line, measure};

/// A URLhaus-style CSV: comment header, quoted fields, the value in column 3.
fn gen_csv(path: &Path, lines: usize, seed: u64) -> std::io::Result<()> {
    let mut r = Rng(seed);
    let mut w = BufWriter::new(File::create(path)?);
    writeln!(w, "# synthetic feed (threatdeck bench)")?;
    writeln!(w, "# id,dateadded,url,url_status,threat")?;
    let mut ind = String::new();
    for i in 0..lines {
        ind.clear();
        indicator_line(&mut r, &mut ind);
        let status = if r.below(3) == 0 { "offline" } else { "online" };
        writeln!(
            w,
            "\"{}\",\"2024-{:02}-{:02} {:02}:{:02}:00\",\"{ind}\",\"{status}\",\"malware_download\"",
            1_000_000 + i,
            1 + r.below(12),
            1 + r.below(28),
            r.below(24),
            r.below(60)
        )?;
    }
    w.flush()
}

fn import(bin: &Path, input: &Path, extra: &[&str], store: &Path) -> (Run, u64, u64) {
    let _ = std::fs::remove_dir_all(store);
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(store)
        .arg("import")
        .arg(input)
        .args(extra)
        .args(["--source", "bench", "--json"]);
    let run = measure(&mut cmd);
    let summary: serde_json::Value =
        serde_json::from_slice(&run.stdout).expect("import --json output");
    let indicators = summary["attributes"].as_u64().expect("attributes count");
    let store_bytes = std::fs::metadata(store.join("threatdeck.redb"))
        .map(|m| m.len())
        .unwrap_or(0);
    (run, indicators, store_bytes)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_threatdeck"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("import-bench");
    std::fs::create_dir_all(&work).expect("bench dir");
    let sizes: &[usize] = if quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "threatdeck import bench — {cores} cores; binary {}",
        bin.display()
    );
    println!(
        "peer: LC_ALL=C sort -u on the same file (dedup floor); MISP took 126 s for one 43,000-attribute event (MISP.md §8)"
    );
    println!(
        "{:<9} {:>9} {:>11} {:>10} {:>8} {:>12} {:>8} {:>11} {:>8} {:>7} {:>9}",
        "input",
        "lines",
        "bytes",
        "indicators",
        "secs",
        "ind/s",
        "rss MB",
        "store",
        "B/ind",
        "store/in",
        "sort -u s"
    );
    for &lines in sizes {
        for (kind, extra) in [
            ("freetext", &["--format", "freetext"][..]),
            ("csv", &["--format", "csv", "--columns", "3"][..]),
        ] {
            let input = work.join(format!("{kind}-{lines}.txt"));
            if kind == "freetext" {
                gen_freetext(&input, lines, 42).expect("generate");
            } else {
                gen_csv(&input, lines, 43).expect("generate");
            }
            let in_bytes = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
            let (run, indicators, store_bytes) = import(
                &bin,
                &input,
                extra,
                &work.join(format!("store-{kind}-{lines}")),
            );
            let sort = measure(
                Command::new("sort")
                    .env("LC_ALL", "C")
                    .arg("-u")
                    .arg(&input)
                    .arg("-o")
                    .arg(work.join("sorted.txt")),
            );
            println!(
                "{:<9} {:>9} {:>11} {:>10} {:>8.2} {:>12.0} {:>8.1} {:>11} {:>8.1} {:>7.2}x {:>9.2}",
                kind,
                lines,
                in_bytes,
                indicators,
                run.seconds,
                indicators as f64 / run.seconds,
                run.max_rss_kb as f64 / 1024.0,
                store_bytes,
                store_bytes as f64 / indicators.max(1) as f64,
                store_bytes as f64 / in_bytes.max(1) as f64,
                sort.seconds
            );
        }
    }
    if std::env::args().any(|a| a == "--keep") {
        println!("inputs and stores kept in {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
}

//! Correlation bench (the issue's three figures), on this machine:
//! 1. storage growth: 2,000 events x 100 attributes all holding one value (MISP's "TLP
//!    string" explosion) against the same shape with unique values;
//! 2. importing 100,000 new indicators into a store that already holds 2,000,000, with
//!    correlation and with `--no-correlation`;
//! 3. `pivot` at depth 2 from a hub value and from an ordinary linked value.
//!
//! Run: `cargo bench --bench correlate` (`-- --quick`: a 200k base store instead of 2M).

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{gen_freetext, measure};
use threatdeck::correlate::pivot::{PivotOptions, pivot};
use threatdeck::store::Store;

/// A MISP feed directory of `events` events with `attrs` `text` attributes each; `value(e, a)`
/// gives each attribute's value.
fn feed_dir(dir: &Path, events: usize, attrs: usize, value: impl Fn(usize, usize) -> String) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("feed dir");
    let mut manifest = String::from("{");
    for e in 0..events {
        let uuid = format!("5f1b7c2e-0000-4000-8000-{:012x}", e + 1);
        let mut body = format!(
            r#"{{"Event":{{"uuid":"{uuid}","info":"event {e}","date":"2024-01-01","timestamp":"1700000000","Attribute":["#
        );
        for a in 0..attrs {
            if a > 0 {
                body.push(',');
            }
            let _ = write!(
                body,
                r#"{{"uuid":"5f1b7c2e-{:04x}-4000-8000-{:012x}","type":"text","category":"Other","value":"{}","timestamp":"1700000000"}}"#,
                a,
                e + 1,
                value(e, a)
            );
        }
        body.push_str("]}}");
        std::fs::write(dir.join(format!("{uuid}.json")), body).expect("event file");
        if e > 0 {
            manifest.push(',');
        }
        let _ = write!(
            manifest,
            r#""{uuid}":{{"timestamp":1700000000,"info":"event {e}"}}"#
        );
    }
    manifest.push('}');
    std::fs::write(dir.join("manifest.json"), manifest).expect("manifest");
}

fn store_bytes(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("threatdeck.redb")).map_or(0, |m| m.len())
}

fn import(bin: &Path, store: &Path, args: &[&str]) -> f64 {
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(store)
        .arg("import")
        .args(args)
        .arg("--json");
    measure(&mut cmd).seconds
}

fn copy_store(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("store dir");
    std::fs::copy(from.join("threatdeck.redb"), to.join("threatdeck.redb")).expect("copy store");
}

fn time_pivot(store: &Store, value: &str) -> (f64, usize) {
    let opts = PivotOptions {
        depth: 2,
        ..PivotOptions::default()
    };
    let mut nodes = 0;
    let runs = 20;
    let start = Instant::now();
    for _ in 0..runs {
        nodes = pivot(store, value, opts).expect("pivot").nodes.len();
    }
    (
        start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs),
        nodes,
    )
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_threatdeck"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("correlate-bench");
    std::fs::create_dir_all(&work).expect("bench dir");
    println!("threatdeck correlation bench — binary {}", bin.display());

    // 1. Storage growth with one value everywhere vs unique values (same lengths).
    let shared_dir = work.join("feed-shared");
    let unique_dir = work.join("feed-unique");
    feed_dir(&shared_dir, 2000, 100, |_, _| {
        "TLP:GREEN-000000000".to_string()
    });
    feed_dir(&unique_dir, 2000, 100, |e, a| {
        format!("TLP:GREEN-{:09}", e * 100 + a)
    });
    let (s_store, u_store) = (work.join("store-shared"), work.join("store-unique"));
    let _ = std::fs::remove_dir_all(&s_store);
    let _ = std::fs::remove_dir_all(&u_store);
    let ts = import(&bin, &s_store, &[shared_dir.to_str().expect("utf-8 path")]);
    let tu = import(&bin, &u_store, &[unique_dir.to_str().expect("utf-8 path")]);
    let (bs, bu) = (store_bytes(&s_store), store_bytes(&u_store));
    println!("\n1. 2,000 events x 100 attributes (200,000), MISP feed directory import");
    println!("   one shared value : {bs:>11} bytes  {ts:.2} s");
    println!("   unique values    : {bu:>11} bytes  {tu:.2} s");
    println!(
        "   ratio shared/unique: {:.2}x (target <= 1.5x; MISP would store 2,000*1,999/2 = 1,999,000 correlation rows for the shared value)",
        bs as f64 / bu.max(1) as f64
    );

    // 2. 100k new indicators into a store of 2M.
    let base_n = if quick { 200_000 } else { 2_000_000 };
    let base_in = work.join("base.txt");
    let new_in = work.join("new.txt");
    gen_freetext(&base_in, base_n, 7).expect("generate");
    gen_freetext(&new_in, 100_000, 8).expect("generate");
    let base = work.join("store-base");
    let _ = std::fs::remove_dir_all(&base);
    let tb = import(
        &bin,
        &base,
        &[
            base_in.to_str().expect("utf-8"),
            "--source",
            "base",
            "--format",
            "freetext",
        ],
    );
    println!(
        "\n2. base store: {base_n} lines imported in {tb:.2} s ({} bytes)",
        store_bytes(&base)
    );
    for (label, extra) in [
        ("with correlation", None),
        ("without (--no-correlation)", Some("--no-correlation")),
    ] {
        let target = work.join("store-plus");
        copy_store(&base, &target);
        let mut args = vec![
            new_in.to_str().expect("utf-8"),
            "--source",
            "new",
            "--format",
            "freetext",
        ];
        args.extend(extra);
        let t = import(&bin, &target, &args);
        println!("   +100,000 lines {label:<27}: {t:.2} s (target <= 3 s with correlation)");
    }

    // 3. pivot at depth 2.
    let store = Store::open(&s_store).expect("open");
    let (ms, nodes) = time_pivot(&store, "TLP:GREEN-000000000");
    println!(
        "\n3. pivot --depth 2 from the hub value (2,000 events): {ms:.2} ms, {nodes} node(s) (target <= 50 ms)"
    );
    drop(store);
    let unique = Store::open(&u_store).expect("open");
    let (ms, nodes) = time_pivot(&unique, "TLP:GREEN-000012345");
    println!(
        "   pivot --depth 2 from an ordinary value (its event's 100 values): {ms:.2} ms, {nodes} node(s)"
    );
    drop(unique);
    if std::env::args().any(|a| a == "--keep") {
        println!("kept in {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
}

//! Import bench: seeded synthetic freetext and CSV inputs at 100k and 1M lines, imported by
//! the release `threatdeck` binary into fresh stores, next to `LC_ALL=C sort -u` on the same
//! file (the floor for deduplication).
//!
//! Run: `cargo bench --bench import` (add `-- --quick` for the 100k inputs only, `-- --keep`
//! to keep the generated inputs and stores).
//! Targets (2-core machine): 1M mixed freetext lines at >= 250,000 indicators/s end to end,
//! peak RSS <= 300 MB, store <= 3x the input size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// splitmix64: small, seeded, the same stream on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
    fn word(&mut self) -> String {
        const SYL: [&str; 16] = [
            "ka", "lo", "mi", "ne", "ro", "ta", "vi", "zu", "sec", "net", "up", "dat", "cor",
            "lin", "fo", "x",
        ];
        let n = 2 + self.below(3);
        (0..n).map(|_| SYL[self.below(16) as usize]).collect()
    }
    fn tld(&mut self) -> &'static str {
        const TLDS: [&str; 10] = [
            "com", "net", "org", "ru", "cn", "xyz", "top", "info", "io", "de",
        ];
        TLDS[self.below(10) as usize]
    }
}

/// One line holding one indicator, in the mix a blocklist or report dump has: IPs (some with
/// ports), domains, hostnames, URLs, hashes, emails, IPv6; about a tenth defanged.
fn indicator_line(r: &mut Rng, out: &mut String) {
    let defang = r.below(10) == 0;
    let dot = if defang { "[.]" } else { "." };
    match r.below(100) {
        0..=21 => out.push_str(&format!(
            "{}.{}.{}.{}",
            1 + r.below(222),
            r.below(256),
            r.below(256),
            1 + r.below(254)
        )),
        22..=26 => out.push_str(&format!(
            "{}.{}.{}.{}:{}",
            1 + r.below(222),
            r.below(256),
            r.below(256),
            1 + r.below(254),
            1024 + r.below(60000)
        )),
        27..=41 => out.push_str(&format!("{}{}{}{}", r.word(), r.below(1000), dot, r.tld())),
        42..=51 => out.push_str(&format!(
            "{}{dot}{}{}{dot}{}",
            r.word(),
            r.word(),
            r.below(1000),
            r.tld()
        )),
        52..=66 => {
            let scheme = if defang {
                "hxxp"
            } else if r.below(2) == 0 {
                "http"
            } else {
                "https"
            };
            out.push_str(&format!(
                "{scheme}://{}{}{dot}{}/{}/{}.php?id={}",
                r.word(),
                r.below(1000),
                r.tld(),
                r.word(),
                r.word(),
                r.below(100_000)
            ));
        }
        67..=76 => out.push_str(&r.hex(32)),
        77..=84 => out.push_str(&r.hex(64)),
        85..=89 => out.push_str(&r.hex(40)),
        90..=94 => out.push_str(&format!(
            "{}{}@{}{dot}{}",
            r.word(),
            r.below(100),
            r.word(),
            r.tld()
        )),
        _ => out.push_str(&format!(
            "2001:db8:{:x}:{:x}::{:x}",
            r.below(65536),
            r.below(65536),
            1 + r.below(65535)
        )),
    }
}

fn gen_freetext(path: &Path, lines: usize, seed: u64) -> std::io::Result<()> {
    let mut r = Rng(seed);
    let mut w = BufWriter::new(File::create(path)?);
    let mut line = String::new();
    for _ in 0..lines {
        line.clear();
        indicator_line(&mut r, &mut line);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()
}

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

struct Run {
    seconds: f64,
    max_rss_kb: i64,
    stdout: Vec<u8>,
}

/// Run a command and take its own peak RSS from wait4 (not the bench's, not other children's).
/// The child is reaped by wait4 itself, so std's wait is not used.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout {
        std::io::Read::read_to_end(&mut out, &mut stdout).expect("read stdout");
    }
    let mut status = 0;
    // SAFETY: plain libc call on our own child's pid with valid out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4 failed");
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed with status {status}"
    );
    Run {
        seconds,
        max_rss_kb: usage.ru_maxrss,
        stdout,
    }
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

//! Export bench: a store holding 1,000,000 indicators (a generated list feed) exported to
//! STIX 2.1 by the release binary (time, peak RSS), beside misp-stix converting a sample of
//! the same data when it is installed; then pages of 1,000 objects from the TAXII server.
//!
//! Run: `cargo bench --bench export` (`-- --quick`: 100,000 indicators).
//! Targets: 1M indicators to STIX in <= 10 s with peak RSS <= 200 MB; a TAXII page of
//! 1,000 objects in <= 50 ms.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{gen_freetext, measure};

/// GET over a fresh connection: (status, body).
fn get(addr: &str, path: &str) -> (u16, Vec<u8>) {
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/taxii+json;version=2.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut body = raw[(split + 4).min(raw.len())..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    (status, body)
}

fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 2 + n + 2..];
    }
    out
}

fn misp_stix(work: &Path, bin: &Path, store: &Path) {
    let venv =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("judges-venv/bin/misp_stix_converter");
    let conv = which("misp_stix_converter").or(venv.exists().then_some(venv));
    let Some(conv) = conv else {
        println!("misp-stix               : not installed (pip install misp-stix) — no comparison");
        return;
    };
    // misp-stix converts MISP events; give it the same data as one event of 10,000 values.
    let sample = work.join("sample-events.json");
    let out = Command::new(bin)
        .arg("--data-dir")
        .arg(store)
        .args(["export", "--format", "misp-event", "--out"])
        .arg(&sample)
        .output()
        .expect("misp-event export");
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sample).unwrap()).unwrap();
    let mut ev = doc["response"][0].clone();
    let n = 10_000;
    if let Some(a) = ev["Event"]["Attribute"].as_array_mut() {
        a.truncate(n);
    }
    let one = work.join("one-event.json");
    std::fs::write(&one, ev.to_string()).unwrap();
    let t = Instant::now();
    let st = Command::new(&conv)
        .args(["export", "-v", "2.1", "-f"])
        .arg(&one)
        .arg("-o")
        .arg(work.join("misp-stix.json"))
        .arg("--overwrite")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let secs = t.elapsed().as_secs_f64();
    match st {
        Ok(s) if s.success() => println!(
            "misp-stix 2026.10.12    : {secs:>7.3} s for {n} attributes ({:.0}/s; 1M would take ~{:.0} s)",
            n as f64 / secs,
            secs * 1_000_000.0 / n as f64
        ),
        _ => println!("misp-stix               : failed on the sample"),
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let lines = if quick { 100_000 } else { 1_000_000 };
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_threatdeck"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("export-bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("bench dir");
    let input = work.join("list.txt");
    gen_freetext(&input, lines, 23).expect("generate");
    let store = work.join("store");
    let td = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.arg("--data-dir").arg(&store).args(args);
        c
    };
    let imp = td(&[
        "import",
        "--format",
        "freetext",
        "--source",
        "bench",
        input.to_str().unwrap(),
    ])
    .output()
    .expect("import");
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );

    let out = work.join("bundle.stix.json");
    let stix = measure(&mut td(&[
        "export",
        "--format",
        "stix21",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]));
    let counts: serde_json::Value = serde_json::from_slice(&stix.stdout).expect("--json counts");
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!(
        "threatdeck export bench — a store of {lines} generated list indicators (IPs, domains, URLs, hashes)"
    );
    println!(
        "stix21 export           : {:>7.3} s for {} indicators ({:.0}/s), {size:.0} MB bundle, peak RSS {:.0} MB  (target <= 10 s, <= 200 MB)",
        stix.seconds,
        counts["written"],
        counts["written"].as_f64().unwrap_or(0.0) / stix.seconds,
        stix.max_rss_kb as f64 / 1024.0
    );
    let feed = work.join("feed");
    let mf = measure(&mut td(&[
        "export",
        "--format",
        "misp-feed",
        "--json",
        "--out",
        feed.to_str().unwrap(),
    ]));
    println!(
        "misp-feed export        : {:>7.3} s, peak RSS {:.0} MB (one list event of every value, streamed)",
        mf.seconds,
        mf.max_rss_kb as f64 / 1024.0
    );
    misp_stix(&work, &bin, &store);

    // TAXII: the first page builds the collection's catalog; later pages are what clients wait for.
    let mut server = td(&["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(server.stderr.take().unwrap())
        .read_line(&mut line)
        .expect("serve's first line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split("/taxii2/").next())
        .expect("address")
        .to_string();
    let base = "/api1/collections/indicators/objects/?limit=1000";
    let t = Instant::now();
    let (status, body) = get(&addr, base);
    let first = t.elapsed().as_secs_f64();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let mut page: serde_json::Value = serde_json::from_slice(&body).expect("envelope");
    let mut times = Vec::new();
    for _ in 0..30 {
        let Some(next) = page["next"].as_str().map(str::to_string) else {
            break;
        };
        let t = Instant::now();
        let (status, body) = get(&addr, &format!("{base}&next={next}"));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200);
        page = serde_json::from_slice(&body).expect("envelope");
        assert_eq!(page["objects"].as_array().map_or(0, Vec::len), 1000);
    }
    let _ = server.kill();
    let _ = server.wait();
    times.sort_by(f64::total_cmp);
    let p = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    println!("TAXII first page        : {first:>7.3} s (builds the catalog of {lines} entries)");
    println!(
        "TAXII page of 1,000     : p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {} pages  (target <= 50 ms)",
        p(0.5),
        p(0.95),
        p(1.0),
        times.len()
    );
    let _ = std::fs::remove_dir_all(&work);
}

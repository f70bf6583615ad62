//! Shared by the benches: a seeded generator of indicator lines and a child-process runner
//! that reads the child's own peak RSS.

#![allow(dead_code)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// splitmix64: small, seeded, the same stream on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
    pub fn word(&mut self) -> String {
        const SYL: [&str; 16] = [
            "ka", "lo", "mi", "ne", "ro", "ta", "vi", "zu", "sec", "net", "up", "dat", "cor",
            "lin", "fo", "x",
        ];
        let n = 2 + self.below(3);
        (0..n).map(|_| SYL[self.below(16) as usize]).collect()
    }
    pub fn tld(&mut self) -> &'static str {
        const TLDS: [&str; 10] = [
            "com", "net", "org", "ru", "cn", "xyz", "top", "info", "io", "de",
        ];
        TLDS[self.below(10) as usize]
    }
}

/// One line holding one indicator, in the mix a blocklist or report dump has: IPs (some with
/// ports), domains, hostnames, URLs, hashes, emails, IPv6; about a tenth defanged.
pub fn indicator_line(r: &mut Rng, out: &mut String) {
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

pub fn gen_freetext(path: &Path, lines: usize, seed: u64) -> std::io::Result<()> {
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

pub struct Run {
    pub seconds: f64,
    pub max_rss_kb: i64,
    pub stdout: Vec<u8>,
}

/// Run a command and take its own peak RSS from wait4 (not the bench's, not other children's).
/// The child is reaped by wait4 itself, so std's wait is not used.
#[allow(clippy::zombie_processes)]
pub fn measure(cmd: &mut Command) -> Run {
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

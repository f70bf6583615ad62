//! Helpers for CLI tests: run the real binary against a store in a temp dir.

#![allow(dead_code)]

pub mod http;
pub mod judges;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Td {
    pub dir: tempfile::TempDir,
}

impl Td {
    pub fn new() -> Td {
        Td {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Write a fixture file under the temp dir.
    pub fn file(&self, name: &str, body: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, body).expect("write fixture");
        p
    }

    /// The config directory the runs see (never the developer's own).
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config").join("threatdeck")
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_threatdeck"));
        c.env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env_remove("THREATDECK_SECRETS");
        c
    }

    /// Run with `input` on standard input.
    pub fn run_stdin<I, S>(&self, input: &str, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        use std::io::Write;
        let mut child = self
            .command()
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run threatdeck");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }

    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command()
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .output()
            .expect("run threatdeck")
    }

    /// Run with extra environment variables (feed secrets, for instance).
    pub fn run_env<I, S>(&self, env: &[(&str, &str)], args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command()
            .envs(env.iter().copied())
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .output()
            .expect("run threatdeck")
    }

    /// Run and parse stdout as JSON; panics with stderr on a non-zero exit.
    pub fn json<I, S>(&self, args: I) -> serde_json::Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("stdout is JSON")
    }

    pub fn stats(&self) -> serde_json::Value {
        self.json(["stats", "--json"])
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// ../shared/corpus beside the project, when present (optional tests skip without it).
pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.is_dir().then_some(p)
}

/// A minimal MISP event document.
pub fn misp_event(uuid: &str, ts: u64, attrs: &[(&str, &str)]) -> String {
    let attrs: Vec<String> = attrs
        .iter()
        .enumerate()
        .map(|(i, (t, v))| {
            format!(
                r#"{{"uuid":"{}","type":"{t}","category":"Network activity","value":"{v}","to_ids":true,"timestamp":"{ts}"}}"#,
                attr_uuid(uuid, i)
            )
        })
        .collect();
    format!(
        r#"{{"Event":{{"uuid":"{uuid}","info":"test event","date":"2024-01-02","timestamp":"{ts}","analysis":"2","threat_level_id":"3","published":true,"Orgc":{{"name":"ACME","uuid":"55f6ea5e-2c60-40e5-964f-47a8950d210f"}},"Tag":[{{"name":"tlp:green"}}],"Attribute":[{}]}}}}"#,
        attrs.join(",")
    )
}

fn attr_uuid(event: &str, i: usize) -> String {
    format!("{}{:04}", &event[..32], i)
}

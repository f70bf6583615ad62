//! TAXII 2.1 against the OASIS reference server, medallion, on loopback. The test installs
//! medallion (PyPI) into a venv under target/ on first use, writes its own collection data,
//! and pulls it with paging, then incrementally.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Td, stderr};

const COLLECTION: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
/// `user1:Password1`, base64.
const BASIC: &str = "Basic dXNlcjE6UGFzc3dvcmQx";

fn medallion() -> PathBuf {
    common::judges::bin().join("medallion")
}

fn indicator(i: usize) -> serde_json::Value {
    serde_json::json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--5f1b7c2e-0000-4000-8000-{i:012}"),
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
        "pattern": format!("[ipv4-addr:value = '198.51.100.{i}']")
    })
}

fn write_data(dir: &Path, port: u16, n: usize) -> PathBuf {
    let objects: Vec<serde_json::Value> = (1..=n).map(indicator).collect();
    let manifest: Vec<serde_json::Value> = (1..=n)
        .map(|i| {
            serde_json::json!({"id": format!("indicator--5f1b7c2e-0000-4000-8000-{i:012}"),
                "date_added": format!("2024-01-01T00:00:{i:02}.000000Z"),
                "version": "2024-01-01T00:00:00.000Z", "media_type": "application/stix+json;version=2.1"})
        })
        .collect();
    let root = format!("http://127.0.0.1:{port}/api1/");
    let data = serde_json::json!({
        "/discovery": {"title": "loopback", "default": root, "api_roots": [root]},
        "api1": {
            "information": {"title": "root", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 9765625},
            "status": [],
            "collections": [{"id": COLLECTION, "title": "Indicators", "can_read": true, "can_write": true,
                "media_types": ["application/stix+json;version=2.1"], "objects": objects, "manifest": manifest}]
        }
    });
    std::fs::write(dir.join("data.json"), data.to_string()).unwrap();
    let config = serde_json::json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": dir.join("data.json")},
        "users": {"user1": "Password1"},
        // Small pages, so one pull walks several.
        "taxii": {"max_page_size": 2}
    });
    let path = dir.join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A raw HTTP request on loopback (no client crate in the tests); returns the status line.
fn http(port: u16, method: &str, path: &str, body: &str) -> String {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new(); // not listening yet
    };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {BASIC}\r\nAccept: application/taxii+json;version=2.1\r\n\
         Content-Type: application/taxii+json;version=2.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or_default().to_string()
}

#[test]
fn pulls_a_collection_with_paging_then_only_new_objects() {
    let bin = medallion();
    let td = Td::new();
    let port = free_port();
    let config = write_data(td.dir.path(), port, 7);
    let _server = Running(
        Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start medallion"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http(port, "GET", "/taxii2/", "").contains("200") {
        assert!(Instant::now() < deadline, "medallion did not come up");
        std::thread::sleep(Duration::from_millis(200));
    }

    let discovery = format!("http://127.0.0.1:{port}/taxii2/");
    let out = td.run([
        "feeds",
        "add",
        "tx",
        &discovery,
        "--format",
        "taxii",
        "--collection",
        "Indicators",
        "--header",
        // The password from the environment; threatdeck builds the Basic header.
        "Authorization: basic:user1:env:TD_TAXII_PASSWORD",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sync = || {
        let out = Command::new(env!("CARGO_BIN_EXE_threatdeck"))
            .env("TD_TAXII_PASSWORD", "Password1")
            .arg("--data-dir")
            .arg(td.data())
            .args(["feeds", "sync", "tx", "--json"])
            .output()
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
        v[0].clone()
    };
    let first = sync();
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(
        first["records"], 7,
        "all 7 objects over 4 pages of 2: {first}"
    );
    assert!(
        first["cursor"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-01T00:00:07"),
        "{first}"
    );
    assert_eq!(
        td.json(["search", "198.51.100.5", "--json"])[0]["value"],
        "198.51.100.5"
    );

    let second = sync();
    assert_eq!(
        second["not_modified"], true,
        "nothing added after the cursor: {second}"
    );

    // One more object arrives; the next pull fetches only it.
    let new = serde_json::json!({"objects": [indicator(8)]}).to_string();
    let status = http(
        port,
        "POST",
        &format!("/api1/collections/{COLLECTION}/objects/"),
        &new,
    );
    assert!(status.contains("202"), "{status}");
    let third = sync();
    assert_eq!(
        (third["ok"].as_bool(), third["records"].as_u64()),
        (Some(true), Some(1)),
        "{third}"
    );
    assert_eq!(
        td.json(["search", "198.51.100.8", "--json"])[0]["value"],
        "198.51.100.8"
    );
}

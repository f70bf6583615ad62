//! `threatdeck serve`: our TAXII 2.1 server walked by the OASIS reference client,
//! taxii2-client (discovery, collections, paging, manifest, added_after, one object, its
//! versions), the objects it serves judged by stix2-validator, and its refusals.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{Td, judges, stderr};

struct Serving {
    child: Child,
    base: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(td: &Td, extra: &[&str]) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threatdeck"))
        .arg("--data-dir")
        .arg(td.data())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("TD_TAXII_PASS", "pa55word")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .expect("serve says where it listens");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split("/taxii2/").next())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string();
    Serving {
        child,
        base: format!("http://{addr}"),
    }
}

fn fixture(td: &Td) {
    let attr = |t: &str, v: &str, tags: &[&str]| {
        let tags: Vec<serde_json::Value> = tags
            .iter()
            .map(|t| serde_json::json!({"name": t}))
            .collect();
        serde_json::json!({"type": t, "category": "Network activity", "value": v, "to_ids": true,
                           "timestamp": "1764000000", "Tag": tags})
    };
    let mut attrs = vec![
        attr("ip-src", "203.0.113.9", &["tlp:red"]),
        attr("text", "no pattern", &[]),
    ];
    for i in 1..=7 {
        attrs.push(attr("ip-dst", &format!("198.51.100.{i}"), &[]));
        attrs.push(attr("domain", &format!("c2-{i}.example"), &["tlp:amber"]));
    }
    let ev = serde_json::json!({"Event": {"uuid": "dddddddd-0000-4000-8000-000000000001", "info": "served",
        "date": "2026-11-24", "timestamp": "1764000000", "Tag": [{"name": "tlp:green"}], "Attribute": attrs}});
    let f = td.file("ev.json", ev.to_string());
    assert!(td.run(["import".as_ref(), f.as_os_str()]).status.success());
}

/// A bare HTTP/1.1 request: (status, response head).
fn raw(s: &Serving, method: &str, path: &str, accept: &str) -> (u16, String) {
    raw_as(s, None, method, path, accept)
}

fn raw_as(
    s: &Serving,
    name: Option<&str>,
    method: &str,
    path: &str,
    accept: &str,
) -> (u16, String) {
    let (status, head, _) = request(s, name, method, path, accept);
    (status, head)
}

/// A bare HTTP/1.1 request: (status, head, body).
fn request(
    s: &Serving,
    name: Option<&str>,
    method: &str,
    path: &str,
    accept: &str,
) -> (u16, String, String) {
    use std::io::{Read, Write};
    let host = s.base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    let name = name.unwrap_or(host);
    write!(conn, "{method} {path} HTTP/1.1\r\nHost: {name}\r\nAccept: {accept}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).unwrap();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, head.to_string(), body.to_string())
}

fn walk(s: &Serving, td: &Td, password: &str) -> (bool, serde_json::Value, String) {
    let bundle = td.dir.path().join("served.json");
    let out = Command::new(judges::bin().join("python"))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/judges/taxii_walk.py"
        ))
        .args([&s.base, "reader", password])
        .arg(&bundle)
        .output()
        .expect("run taxii2-client");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.success(), v, said)
}

#[test]
fn taxii2_client_walks_our_server() {
    let td = Td::new();
    fixture(&td);
    let s = serve(
        &td,
        &["--user", "reader", "--password", "env:TD_TAXII_PASS"],
    );
    let (ok, v, said) = walk(&s, &td, "pa55word");
    assert!(ok, "taxii2-client failed:\n{said}");
    let c = &v["collections"]["indicators"];
    // 14 indicators (TLP:RED held back, `text` has no pattern) + identity + 5 TLP markings.
    assert_eq!(c["objects"], 20, "{v}");
    assert_eq!(c["pages"], 7, "pages of 3: {v}");
    assert_eq!(c["ids_unique"], true);
    assert_eq!(
        c["first_plus_rest"], 20,
        "added_after continues exactly after a page: {v}"
    );
    assert_eq!(c["identities"], 1);
    assert_eq!(
        (c["one"].as_u64(), c["version_is_modified"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(c["can_write"], false);
    assert!(!v.to_string().contains("203.0.113.9"), "TLP:RED served");
    assert_eq!(v["versions"][0], "application/taxii+json;version=2.1");

    let out = std::process::Command::new(judges::bin().join("stix2_validator"))
        .args(["--version", "2.1", "--strict"])
        .arg(td.dir.path().join("served.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("STIX JSON: Valid"),
        "{text}"
    );

    let (ok, _, said) = walk(&s, &td, "wrong");
    assert!(
        !ok && said.contains("401"),
        "a wrong password got in:\n{said}"
    );
}

#[test]
fn collections_are_saved_filters_and_refusals_are_clear() {
    let td = Td::new();
    fixture(&td);
    let out = td.run([
        "collections",
        "add",
        "domains",
        "--type",
        "domain",
        "--description",
        "C2 names",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = serve(&td, &[]);
    let (ok, v, said) = walk(&s, &td, "");
    assert!(ok, "{said}");
    let c = &v["collections"]["domains"];
    assert_eq!(c["objects"], 13, "7 domains + identity + 5 markings: {v}");
    assert!(
        c["values"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.as_str().unwrap().contains("domain-name"))
    );
    assert!(
        v["collections"].get("indicators").is_none(),
        "a defined collection replaces the default"
    );

    let id = c["id"].as_str().unwrap();
    let taxii = "application/taxii+json;version=2.1";
    assert_eq!(raw(&s, "GET", "/taxii2/", "application/json").0, 406);
    assert_eq!(
        raw(
            &s,
            "POST",
            &format!("/api1/collections/{id}/objects/"),
            taxii
        )
        .0,
        403
    );
    let (status, head) = raw(
        &s,
        "GET",
        &format!("/api1/collections/{id}/objects/?next=garbage"),
        taxii,
    );
    assert_eq!(status, 400);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/taxii+json;version=2.1"),
        "{head}"
    );

    // DNS rebinding: a foreign name for our loopback address gets nothing.
    assert_eq!(
        raw_as(&s, Some("evil.example:80"), "GET", "/taxii2/", taxii).0,
        403
    );
    assert_eq!(
        raw_as(&s, Some("localhost:9"), "GET", "/taxii2/", taxii).0,
        200
    );
    let many: Vec<String> = (0..101)
        .map(|i| format!("indicator--00000000-0000-4000-8000-{i:012}"))
        .collect();
    let q = format!(
        "/api1/collections/{id}/objects/?match[id]={}",
        many.join(",")
    );
    assert_eq!(raw(&s, "GET", &q, taxii).0, 400);

    // Beyond loopback, no auth, no server.
    let out = td.run(["serve", "--listen", "0.0.0.0:0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--token"), "{}", stderr(&out));
    let out = td.run(["serve", "--token", "plaintext"]);
    assert!(!out.status.success() && !stderr(&out).contains("plaintext"));
}

#[test]
fn the_daemon_serves_what_it_syncs() {
    let td = Td::new();
    let list = td.file("list.txt", "198.51.100.77\n198.51.100.78\n");
    let out = td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "local".as_ref(),
        list.as_os_str(),
        "--format".as_ref(),
        "freetext".as_ref(),
        "--enable".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut child = Command::new(env!("CARGO_BIN_EXE_threatdeck"))
        .arg("--data-dir")
        .arg(td.data())
        .args(["daemon", "--tick", "1", "--serve", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let l = lines
            .next()
            .expect("the daemon says where it serves")
            .unwrap();
        if let Some(rest) = l.split("http://").nth(1) {
            break format!("http://{}", rest.split("/taxii2/").next().unwrap());
        }
    };
    let s = Serving { child, base };
    let taxii = "application/taxii+json;version=2.1";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, head) = raw(
            &s,
            "GET",
            "/api1/collections/indicators/objects/?match[type]=indicator",
            taxii,
        );
        assert_eq!(status, 200, "{head}");
        let (_, _, body) = request(
            &s,
            None,
            "GET",
            "/api1/collections/indicators/objects/?match[type]=indicator",
            taxii,
        );
        if body.contains("198.51.100.77") && body.contains("198.51.100.78") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the synced values never showed: {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

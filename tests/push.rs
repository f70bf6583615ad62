//! `outputs push`: Splunk HEC and Elasticsearch `_bulk` against the validating loopback
//! receiver from ../shared/tools/judges (wire format, auth, ECS fields), and the error
//! paths against a scripted server: partial `_bulk` failures, 5xx with retry, a signed
//! webhook, and a push after a sync.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::http::{Resp, Server};
use common::{Td, judges, stderr};

const TOKEN: &str = "11111111-2222-3333-4444-555555555555";

fn event(uuid: &str, tlp: &str, values: &[&str]) -> String {
    let attrs: Vec<serde_json::Value> = values
        .iter()
        .map(|v| {
            serde_json::json!({"type": "ip-dst", "category": "Network activity", "value": v,
                                    "to_ids": true, "timestamp": "1764000000"})
        })
        .collect();
    serde_json::json!({"Event": {"uuid": uuid, "info": "push test", "date": "2026-11-24",
        "timestamp": "1764000000", "Tag": [{"name": tlp}], "Attribute": attrs}})
    .to_string()
}

fn store_with(values: &[&str]) -> Td {
    let td = Td::new();
    let green = td.file(
        "green.json",
        event("cccccccc-0000-4000-8000-000000000001", "tlp:green", values),
    );
    let red = td.file(
        "red.json",
        event(
            "cccccccc-0000-4000-8000-000000000002",
            "tlp:red",
            &["203.0.113.66"],
        ),
    );
    assert!(
        td.run(["import".as_ref(), green.as_os_str(), red.as_os_str()])
            .status
            .success()
    );
    // Pushes are at-least-once at a one-second grain: what was stored in the second a push
    // starts goes again next time. Tests step past that second to count exactly.
    std::thread::sleep(Duration::from_millis(1100));
    td
}

struct Siem {
    child: Child,
    port: u16,
    out: std::path::PathBuf,
}

impl Drop for Siem {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn siem(td: &Td) -> Siem {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = td.dir.path().join("received.jsonl");
    let child = Command::new("python3")
        .arg(judges::script("mock_siem.py"))
        .args([
            "--port",
            &port.to_string(),
            "--hec-token",
            TOKEN,
            "--ecs",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mock_siem.py");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "mock_siem.py did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    Siem { child, port, out }
}

fn received(s: &Siem, sink: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&s.out)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["sink"] == sink)
        .collect()
}

fn push_json(td: &Td, name: &str, env: &[(&str, &str)]) -> (bool, serde_json::Value) {
    let out = td.run_env(env, ["outputs", "push", name, "--json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("no JSON: {}", stderr(&out)));
    (out.status.success(), v[name].clone())
}

#[test]
fn hec_and_bulk_pushes_pass_the_validating_receiver() {
    let td = store_with(&["198.51.100.1", "198.51.100.2", "198.51.100.3"]);
    let s = siem(&td);
    let base = format!("http://127.0.0.1:{}", s.port);
    let add = td.run([
        "outputs",
        "add",
        "splunk",
        "--kind",
        "splunk-hec",
        "--url",
        &base,
        "--credential",
        "env:TD_HEC",
        "--batch",
        "2",
        "--index",
        "threat",
    ]);
    assert!(add.status.success(), "{}", stderr(&add));
    assert!(
        td.run([
            "outputs",
            "add",
            "es",
            "--kind",
            "elasticsearch",
            "--url",
            &base,
            "--index",
            "logs-ti-default"
        ])
        .status
        .success()
    );
    // A secret typed in place of a reference is refused without being echoed.
    let bad = td.run([
        "outputs",
        "add",
        "x",
        "--kind",
        "webhook",
        "--url",
        &base,
        "--credential",
        "hunter2",
    ]);
    assert!(!bad.status.success() && !stderr(&bad).contains("hunter2"));

    let (ok, r) = push_json(&td, "splunk", &[("TD_HEC", TOKEN)]);
    assert!(ok, "{r}");
    assert_eq!(
        (
            r["sent"].as_u64(),
            r["failed"].as_u64(),
            r["withheld_tlp"].as_u64()
        ),
        (Some(3), Some(0), Some(1))
    );
    assert_eq!(r["requests"], 2, "batches of 2");
    let hec = received(&s, "hec");
    assert_eq!(hec.len(), 3);
    assert!(hec.iter().all(|e| e.to_string().contains("threat")));
    assert!(
        !hec.iter().any(|e| e.to_string().contains("203.0.113.66")),
        "TLP:RED went out"
    );

    let (ok, r) = push_json(&td, "es", &[]);
    assert!(ok, "{r}");
    assert_eq!(r["sent"], 3);
    let docs = received(&s, "es");
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0]["op"], "create");
    assert_eq!(docs[0]["index"], "logs-ti-default");

    // Nothing new: nothing sent.
    let (ok, r) = push_json(&td, "splunk", &[("TD_HEC", TOKEN)]);
    assert!(ok && r["sent"] == 0 && r["requests"] == 0, "{r}");

    // A wrong token: refused, reported, and the next push still has everything to send.
    let (ok, r) = push_json(
        &td,
        "splunk",
        &[("TD_HEC", "00000000-0000-0000-0000-000000000000")],
    );
    assert!(ok, "nothing new, nothing sent: {r}");
    let out = td.run_env(
        &[("TD_HEC", "00000000-0000-0000-0000-000000000000")],
        ["outputs", "push", "splunk", "--full"],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("credentials refused"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("00000000-0000-0000-0000-000000000000"),
        "the token was printed"
    );
    let list = td.json(["outputs", "list", "--json"]);
    assert_eq!(list[1]["last"]["failed"], 3);
}

#[test]
fn bulk_item_failures_are_reported_and_5xx_is_retried() {
    let td = store_with(&["198.51.100.1", "198.51.100.2"]);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let server = Server::start(move |req| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            return Resp::status(503).header("Retry-After", "1");
        }
        assert!(req.body.ends_with('\n'), "_bulk bodies end with a newline");
        assert_eq!(
            req.headers.get("content-type").map(String::as_str),
            Some("application/x-ndjson")
        );
        assert_eq!(
            req.headers.get("authorization").map(String::as_str),
            Some("ApiKey k3y")
        );
        Resp::ok(
            r#"{"took":3,"errors":true,"items":[{"create":{"status":201}},
            {"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [threat.indicator.ip]"}}}]}"#,
        )
    });
    assert!(
        td.run([
            "outputs",
            "add",
            "es",
            "--kind",
            "elasticsearch",
            "--url",
            &server.url("/"),
            "--credential",
            "env:TD_ES"
        ])
        .status
        .success()
    );
    let (ok, r) = push_json(&td, "es", &[("TD_ES", "k3y")]);
    assert!(!ok, "a partial failure is not success");
    assert_eq!(
        (
            r["sent"].as_u64(),
            r["failed"].as_u64(),
            r["requests"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    assert!(
        r["failures"][0]
            .as_str()
            .unwrap()
            .contains("document_parsing_exception"),
        "{r}"
    );
    // A refusal for good is reported once, not sent again and again.
    let (_, r) = push_json(&td, "es", &[("TD_ES", "k3y")]);
    assert_eq!(
        (r["sent"].as_u64(), r["failed"].as_u64()),
        (Some(0), Some(0)),
        "{r}"
    );
}

#[test]
fn a_receiver_that_stays_down_keeps_the_cursor() {
    let td = store_with(&["198.51.100.1", "198.51.100.2"]);
    let up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let u = Arc::clone(&up);
    let server = Server::start(move |req| {
        if !u.load(Ordering::SeqCst) {
            return Resp::status(503);
        }
        assert!(
            req.body.contains(r#"{"index":{"_id":"#) || req.body.contains(r#""index":{"#),
            "{}",
            req.body
        );
        Resp::ok(r#"{"errors":false,"items":[]}"#)
    });
    assert!(
        td.run([
            "outputs",
            "add",
            "es",
            "--kind",
            "elasticsearch",
            "--url",
            &server.url("/")
        ])
        .status
        .success()
    );
    let (ok, r) = push_json(&td, "es", &[]);
    assert!(!ok, "{r}");
    assert_eq!(
        (
            r["sent"].as_u64(),
            r["failed"].as_u64(),
            r["requests"].as_u64()
        ),
        (Some(0), Some(2), Some(4)),
        "{r}"
    );
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("gave up after 4 attempts"),
        "{r}"
    );
    up.store(true, Ordering::SeqCst);
    let (ok, r) = push_json(&td, "es", &[]);
    assert!(
        ok && r["sent"] == 2,
        "what did not arrive goes with the next push: {r}"
    );
    // A URL carrying a password is refused, and not echoed.
    let out = td.run([
        "outputs",
        "add",
        "x",
        "--kind",
        "elasticsearch",
        "--url",
        "https://elastic:hunter2@es.example:9200",
    ]);
    assert!(!out.status.success() && !stderr(&out).contains("hunter2"));
}

#[test]
fn webhooks_are_signed_and_fire_after_a_sync() {
    use hmac::{Hmac, Mac};
    let td = store_with(&["198.51.100.1"]);
    let bodies = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let b = Arc::clone(&bodies);
    let server = Server::start(move |req| {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(b"s3cret").unwrap();
        mac.update(req.body.as_bytes());
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect();
        let got = req
            .headers
            .get("x-threatdeck-signature")
            .cloned()
            .unwrap_or_default();
        if got != format!("sha256={want}") {
            return Resp::status(401);
        }
        b.lock().unwrap().push(req.body.clone());
        Resp::ok("{}")
    });
    assert!(
        td.run([
            "outputs",
            "add",
            "soar",
            "--kind",
            "webhook",
            "--url",
            &server.url("/hook"),
            "--credential",
            "env:TD_HOOK",
            "--enable"
        ])
        .status
        .success()
    );
    let (ok, r) = push_json(&td, "soar", &[("TD_HOOK", "s3cret")]);
    assert!(ok && r["sent"] == 1, "{r}");
    let doc: serde_json::Value = serde_json::from_str(&bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(doc["indicators"][0]["value"], "198.51.100.1");

    // A feed sync that brings new values pushes them to the enabled output.
    let list = td.file("list.txt", "192.0.2.77\n");
    assert!(
        td.run([
            "feeds".as_ref(),
            "add".as_ref(),
            "local".as_ref(),
            list.as_os_str(),
            "--format".as_ref(),
            "freetext".as_ref()
        ])
        .status
        .success()
    );
    let out = td.run_env(&[("TD_HOOK", "s3cret")], ["feeds", "sync", "local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("push soar: 1 sent, 0 failed"),
        "{}",
        stderr(&out)
    );
    let last: serde_json::Value =
        serde_json::from_str(bodies.lock().unwrap().last().unwrap()).unwrap();
    assert_eq!(last["indicators"].as_array().unwrap().len(), 1);
    assert_eq!(last["indicators"][0]["value"], "192.0.2.77");
}

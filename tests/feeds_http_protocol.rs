//! HTTP details of feed downloads: the redirect limit, Last-Modified, Retry-After as a date,
//! proxies from the environment, TAXII servers without X-TAXII-Date-Added-Last, MISP servers
//! over REST.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::http::{Resp, Server};
use common::{Td, stderr};

fn add(td: &Td, name: &str, url: &str, format: &str) {
    let out = td.run(["feeds", "add", name, url, "--format", format]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn sync_env(td: &Td, env: &[(&str, &str)], name: &str) -> serde_json::Value {
    let out = td.run_env(env, ["feeds", "sync", name, "--json"]);
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", stderr(&out)))[0]
        .clone()
}

fn sync(td: &Td, name: &str) -> serde_json::Value {
    sync_env(td, &[], name)
}

/// `/hop/N` redirects to `/hop/N-1`; `/hop/0` is the list.
fn hops() -> Server {
    Server::start(|req| {
        let n: u32 = req
            .path
            .strip_prefix("/hop/")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if n == 0 {
            Resp::ok("198.51.100.60\n")
        } else {
            Resp::status(302).header("Location", &format!("/hop/{}", n - 1))
        }
    })
}

#[test]
fn five_redirects_are_followed_and_a_sixth_is_refused() {
    let srv = hops();
    let td = Td::new();
    add(&td, "five", &srv.url("/hop/5"), "freetext");
    let r = sync(&td, "five");
    assert_eq!(r["ok"], true, "{r}");
    add(&td, "six", &srv.url("/hop/6"), "freetext");
    let r = sync(&td, "six");
    assert_eq!(r["ok"], false, "{r}");
    let e = r["error"].as_str().unwrap();
    assert!(e.contains("redirect"), "{e}");
}

#[test]
fn last_modified_makes_an_unchanged_resync_a_304() {
    const STAMP: &str = "Wed, 02 Dec 2026 10:00:00 GMT";
    let srv = Server::start(|req| {
        if req.headers.get("if-modified-since").map(String::as_str) == Some(STAMP) {
            return Resp::status(304);
        }
        Resp::ok("198.51.100.61\n").header("Last-Modified", STAMP)
    });
    let td = Td::new();
    add(&td, "lm", &srv.url("/l"), "freetext");
    let first = sync(&td, "lm");
    assert_eq!(
        (first["ok"].as_bool(), first["added"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(first["last_modified"], STAMP);
    let second = sync(&td, "lm");
    assert_eq!(
        (
            second["http_status"].as_u64(),
            second["not_modified"].as_bool()
        ),
        (Some(304), Some(true)),
        "{second}"
    );
    assert_eq!(second["records"], 1, "the last good data stands");
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let srv = Server::start(move |_| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            // Two seconds from now, as an IMF-fixdate.
            let at = std::time::SystemTime::now() + Duration::from_secs(2);
            let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
            Resp::status(503).header("Retry-After", &http_date(secs))
        } else {
            Resp::ok("198.51.100.62\n")
        }
    });
    let td = Td::new();
    add(&td, "ra", &srv.url("/l"), "freetext");
    let start = std::time::Instant::now();
    let r = sync(&td, "ra");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // The date has one-second resolution: at least one second was waited.
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = threatdeck::model::time::format_rfc3339(secs);
    let (y, m, d) = (&iso[0..4], &iso[5..7], &iso[8..10]);
    format!(
        "{}, {d} {} {y} {} GMT",
        DAYS[secs.div_euclid(86_400).rem_euclid(7) as usize],
        MONTHS[m.parse::<usize>().unwrap() - 1],
        &iso[11..19]
    )
}

#[test]
fn the_proxy_from_the_environment_carries_the_download() {
    // The loopback server plays the proxy: it sees the absolute URL of a host that does not
    // exist, so the list can only have come through it.
    let srv = Server::start(|req| {
        if req.path == "http://feed.invalid/list.txt" {
            Resp::ok("198.51.100.63\n")
        } else {
            Resp::status(502)
        }
    });
    let td = Td::new();
    add(&td, "px", "http://feed.invalid/list.txt", "freetext");
    let proxy = format!("http://{}", srv.addr);
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("NO_PROXY", ""),
        ("no_proxy", ""),
    ];
    let r = sync_env(&td, &env, "px");
    assert_eq!(
        (r["ok"].as_bool(), r["added"].as_u64()),
        (Some(true), Some(1)),
        "{r}"
    );
    assert_eq!(srv.hits(), ["http://feed.invalid/list.txt"]);
}

#[test]
fn a_taxii_server_without_date_added_last_continues_from_its_date() {
    const DATE: &str = "Thu, 03 Dec 2026 12:00:00 GMT";
    let indicator = serde_json::json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.64']", "pattern_type": "stix",
        "valid_from": "2026-12-01T00:00:00Z"
    });
    let queries = Arc::new(std::sync::Mutex::new(Vec::new()));
    let q = Arc::clone(&queries);
    let srv = Server::start(move |req| {
        q.lock().unwrap().push(req.path.clone());
        let objects = if req.path.contains("added_after") {
            vec![]
        } else {
            vec![indicator.clone()]
        };
        Resp::ok(serde_json::json!({"more": false, "objects": objects}).to_string())
            .header("Content-Type", "application/taxii+json;version=2.1")
            .header("Date", DATE)
    });
    let td = Td::new();
    add(&td, "tx", &srv.url("/api1/collections/c1/"), "taxii");
    let first = sync(&td, "tx");
    assert_eq!(
        (first["ok"].as_bool(), first["added"].as_u64()),
        (Some(true), Some(1)),
        "{first}"
    );
    assert_eq!(first["cursor"], "2026-12-03T12:00:00Z", "{first}");
    let second = sync(&td, "tx");
    assert_eq!(second["ok"], true, "{second}");
    let last = queries.lock().unwrap().last().unwrap().clone();
    assert!(
        last.contains("added_after=2026-12-03T12%3A00%3A00Z"),
        "the second pull asks from the server's date: {last}"
    );
}

fn misp_server(n: usize, bump: Arc<AtomicUsize>) -> Server {
    Server::start(move |req| {
        if req.method != "POST" || req.path != "/events/restSearch" {
            return Resp::status(404);
        }
        if req.headers.get("authorization").map(String::as_str) != Some("misp-key-1") {
            return Resp::status(403);
        }
        let q: serde_json::Value = serde_json::from_str(&req.body).unwrap_or_default();
        let (limit, page) = (
            q["limit"].as_u64().unwrap_or(100) as usize,
            q["page"].as_u64().unwrap_or(1) as usize,
        );
        let since: i64 = q["timestamp"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let extra = bump.load(Ordering::SeqCst) as i64;
        let events: Vec<serde_json::Value> = (1..=n)
            .map(|i| {
                let ts = 1_700_000_000 + i as i64 + if i == 1 { extra * 10_000 } else { 0 };
                serde_json::json!({"Event": {
                    "uuid": format!("5f1b7c2e-0000-4000-8000-{i:012}"), "info": format!("event {i}"),
                    "timestamp": ts.to_string(), "date": "2024-01-01",
                    "Attribute": [{"type": "ip-dst", "category": "Network activity", "value": format!("10.77.{}.{}", i / 256, i % 256), "timestamp": ts.to_string()}]
                }})
            })
            .filter(|e| e["Event"]["timestamp"].as_str().unwrap().parse::<i64>().unwrap() >= since)
            .collect();
        let pageful: Vec<_> = events
            .into_iter()
            .skip((page - 1) * limit)
            .take(limit)
            .collect();
        Resp::ok(serde_json::json!({"response": pageful}).to_string())
            .header("Content-Type", "application/json")
    })
}

#[test]
fn a_misp_server_is_pulled_in_pages_then_incrementally() {
    let bump = Arc::new(AtomicUsize::new(0));
    let srv = misp_server(150, Arc::clone(&bump));
    let td = Td::new();
    let out = td.run([
        "feeds",
        "add",
        "misp",
        &srv.url(""),
        "--format",
        "misp-server",
        "--header",
        "Authorization: env:TD_MISP_KEY",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pull = || {
        let out = td.run_env(
            &[("TD_MISP_KEY", "misp-key-1")],
            ["feeds", "sync", "misp", "--json"],
        );
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
        v[0].clone()
    };
    let first = pull();
    assert_eq!(
        (first["ok"].as_bool(), first["added"].as_u64()),
        (Some(true), Some(150)),
        "two pages of 100: {first}"
    );
    assert_eq!(td.stats()["events"], 150);
    let second = pull();
    assert_eq!(
        second["added"], 0,
        "nothing newer (the cursor's own second comes again, unchanged): {second}"
    );
    bump.store(1, Ordering::SeqCst);
    let third = pull();
    assert_eq!(third["added"], 1, "only the edited event: {third}");
    assert_eq!(td.stats()["events"], 150);
}

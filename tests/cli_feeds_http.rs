//! Feeds synced over HTTP from a real server on loopback.

mod common;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::http::{Resp, Server};
use common::{Td, stderr};

fn add(td: &Td, name: &str, url: &str, extra: &[&str]) {
    let mut args = vec!["feeds", "add", name, url, "--format", "freetext"];
    args.extend(extra);
    let out = td.run(args);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn sync(td: &Td, name: &str) -> serde_json::Value {
    let out = td.run(["feeds", "sync", name, "--json"]);
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", stderr(&out)))[0]
        .clone()
}

#[test]
fn etag_makes_an_unchanged_resync_a_304() {
    let srv = Server::start(|req| {
        if req.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
            return Resp::status(304);
        }
        Resp::ok("198.51.100.1\nbad.example\n").header("ETag", "\"v1\"")
    });
    let td = Td::new();
    add(&td, "f", &srv.url("/list.txt"), &[]);
    let r = sync(&td, "f");
    assert_eq!(
        (
            r["ok"].as_bool(),
            r["added"].as_u64(),
            r["http_status"].as_u64()
        ),
        (Some(true), Some(2), Some(200))
    );
    let r = sync(&td, "f");
    assert_eq!(
        (
            r["not_modified"].as_bool(),
            r["http_status"].as_u64(),
            r["records"].as_u64()
        ),
        (Some(true), Some(304), Some(2))
    );
    let show = td.json(["feeds", "show", "f", "--json"]);
    assert_eq!(
        show["health"]["status"], "ok",
        "a 304 is not an empty feed: {show}"
    );
    assert_eq!(td.stats()["attributes"], 2);
}

#[test]
fn gzip_files_and_redirects() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"203.0.113.50\n203.0.113.51\n").unwrap();
    let body = gz.finish().unwrap();
    let srv = Server::start(move |req| match req.path.as_str() {
        "/old" => Resp::status(302).header("Location", "/list.txt.gz"),
        _ => Resp::ok(body.clone()).header("Content-Type", "application/gzip"),
    });
    let td = Td::new();
    add(&td, "g", &srv.url("/old"), &[]);
    let r = sync(&td, "g");
    assert_eq!(
        (r["ok"].as_bool(), r["added"].as_u64()),
        (Some(true), Some(2)),
        "{r}"
    );
    assert_eq!(srv.hits(), ["/old", "/list.txt.gz"]);
}

#[test]
fn rate_limits_are_retried_after_the_asked_wait() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let srv = Server::start(move |_| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            Resp::status(429).header("Retry-After", "1")
        } else {
            Resp::ok("192.0.2.77\n")
        }
    });
    let td = Td::new();
    add(&td, "r", &srv.url("/l"), &[]);
    let start = std::time::Instant::now();
    let r = sync(&td, "r");
    assert_eq!(r["ok"], true, "{r}");
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn failures_keep_the_last_good_data() {
    let mode = Arc::new(AtomicUsize::new(0));
    let m = Arc::clone(&mode);
    let srv = Server::start(move |_| match m.load(Ordering::SeqCst) {
        0 => Resp::ok("192.0.2.1\n192.0.2.2\n"),
        1 => Resp::status(500).header("Retry-After", "0"),
        2 => Resp {
            cut_at: Some(5),
            ..Resp::ok("192.0.2.3\n192.0.2.4\n")
        },
        3 => Resp::ok(vec![b'x'; 4096]),
        _ => Resp {
            delay: Duration::from_secs(3),
            ..Resp::ok("192.0.2.9\n")
        },
    });
    let td = Td::new();
    add(
        &td,
        "flaky",
        &srv.url("/l"),
        &["--max-size", "1024", "--timeout", "1"],
    );
    assert_eq!(sync(&td, "flaky")["added"], 2);
    for (m, why) in [(1, "HTTP 500"), (2, ""), (3, "limit"), (4, "timed out")] {
        mode.store(m, Ordering::SeqCst);
        let out = td.run(["feeds", "sync", "flaky", "--json"]);
        assert_eq!(out.status.code(), Some(1), "mode {m}");
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(r[0]["ok"], false, "mode {m}: {r}");
        assert!(
            r[0]["error"].as_str().unwrap().contains(why),
            "mode {m}: {r}"
        );
        assert_eq!(
            td.stats()["deleted_attributes"],
            0,
            "mode {m}: nothing vanished"
        );
        assert_eq!(td.stats()["attributes"], 2, "mode {m}");
    }
    let show = td.json(["feeds", "show", "flaky", "--json"]);
    assert!(
        show["health"]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "failing"),
        "{show}"
    );
}

#[test]
fn api_keys_come_from_the_environment_and_are_never_shown() {
    let srv = Server::start(|req| {
        if req.headers.get("x-api-key").map(String::as_str) == Some("s3cret-value") {
            Resp::ok("192.0.2.200\n")
        } else {
            Resp::status(401)
        }
    });
    let td = Td::new();
    let literal = td.run([
        "feeds",
        "add",
        "k",
        &srv.url("/l"),
        "--format",
        "freetext",
        "--header",
        "X-API-Key: s3cret-value",
    ]);
    assert_eq!(literal.status.code(), Some(1));
    assert!(stderr(&literal).contains("env:"), "{}", stderr(&literal));
    add(
        &td,
        "k",
        &srv.url("/l"),
        &["--header", "X-API-Key: env:TD_FEED_KEY"],
    );
    let out = td.run_env(
        &[("TD_FEED_KEY", "s3cret-value")],
        ["feeds", "sync", "k", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Without the variable the run fails naming the variable, not a value.
    let r = sync(&td, "k");
    assert!(r["error"].as_str().unwrap().contains("TD_FEED_KEY"), "{r}");
    for args in [
        vec!["feeds", "show", "k", "--json"],
        vec!["feeds", "list", "--json"],
        vec!["log", "--json"],
    ] {
        let out = td.run(args);
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("s3cret"),
            "a secret leaked"
        );
    }
}

#[test]
fn api_keys_from_the_0600_secrets_file() {
    let srv = Server::start(|req| {
        if req.headers.get("x-api-key").map(String::as_str) == Some("f1le-s3cret") {
            Resp::ok("192.0.2.201\n")
        } else {
            Resp::status(401)
        }
    });
    let td = Td::new();
    add(
        &td,
        "k",
        &srv.url("/l"),
        &["--header", "X-API-Key: secret:FEED_KEY"],
    );
    // Not stored yet: the run fails naming the secret and how to add it.
    let r = sync(&td, "k");
    let e = r["error"].as_str().unwrap();
    assert!(
        e.contains("FEED_KEY") && e.contains("feeds secret set"),
        "{r}"
    );

    let out = td.run_stdin("f1le-s3cret\n", ["feeds", "secret", "set", "FEED_KEY"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = td.config().join("secrets.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let r = sync(&td, "k");
    assert_eq!(
        (r["ok"].as_bool(), r["records"].as_u64()),
        (Some(true), Some(1)),
        "{r}"
    );
    assert_eq!(
        td.json(["feeds", "secret", "list", "--json"]),
        serde_json::json!(["FEED_KEY"])
    );
    for args in [
        vec!["feeds", "show", "k", "--json"],
        vec!["feeds", "list", "--json"],
        vec!["feeds", "secret", "list"],
        vec!["log", "--json"],
    ] {
        let out = td.run(args);
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("f1le"),
            "a secret leaked"
        );
    }
    // A file others can read is refused, and the run says how to fix it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let r = sync(&td, "k");
        let e = r["error"].as_str().unwrap();
        assert!(e.contains("chmod 600") && !e.contains("f1le"), "{r}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = td.run(["feeds", "secret", "remove", "FEED_KEY"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        td.json(["feeds", "secret", "list", "--json"]),
        serde_json::json!([])
    );
}

#[test]
fn daemon_once_syncs_only_due_enabled_feeds() {
    let srv = Server::start(|_| Resp::ok("192.0.2.150\n"));
    let td = Td::new();
    let list = td.file("local.txt", "192.0.2.151\n");
    add(
        &td,
        "web",
        &srv.url("/l"),
        &["--enable", "--interval", "1h"],
    );
    let out = td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "disk".as_ref(),
        list.as_os_str(),
        "--format".as_ref(),
        "freetext".as_ref(),
        "--enable".as_ref(),
    ]);
    assert!(out.status.success());
    add(&td, "off", &srv.url("/never"), &[]);
    let events = td.json(["daemon", "--once", "--json"]);
    let finished: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "finished")
        .map(|e| e["feed"].as_str().unwrap())
        .collect();
    assert_eq!(finished, ["disk", "web"], "{events}");
    assert!(!srv.hits().contains(&"/never".to_string()));
    let again = td.json(["daemon", "--once", "--json"]);
    assert!(
        again.as_array().unwrap().is_empty(),
        "nothing is due within the hour: {again}"
    );
}

#[test]
fn daemon_runs_until_interrupted() {
    use std::io::BufRead;
    let td = Td::new();
    let list = td.file("local.txt", "192.0.2.160\n");
    td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "disk".as_ref(),
        list.as_os_str(),
        "--format".as_ref(),
        "freetext".as_ref(),
        "--enable".as_ref(),
    ]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_threatdeck"))
        .arg("--data-dir")
        .arg(td.data())
        .args(["daemon", "--tick", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first_done = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("sync disk: 1 records"));
    assert!(first_done.is_some(), "the daemon synced the due feed");
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A MISP server's restSearch: `n` events (uuid i, timestamp `base + i`), paged and filtered
/// the way MISP does it; only with the right API key.
#[test]
fn a_body_without_the_sentinel_fails_and_keeps_the_data() {
    let mode = Arc::new(AtomicUsize::new(0));
    let m = Arc::clone(&mode);
    let srv = Server::start(move |_| match m.load(Ordering::SeqCst) {
        0 => Resp::ok("# My Blocklist v2\n192.0.2.90\n"),
        _ => Resp::ok("<html>Maintenance: try 10.0.0.1 later</html>"),
    });
    let td = Td::new();
    add(&td, "s", &srv.url("/l"), &["--sentinel", "My Blocklist"]);
    assert_eq!(sync(&td, "s")["added"], 1);
    mode.store(1, Ordering::SeqCst);
    let r = sync(&td, "s");
    assert!(r["error"].as_str().unwrap().contains("sentinel"), "{r}");
    assert_eq!(td.stats()["deleted_attributes"], 0);
    assert!(
        td.json(["search", "10.0.0.1", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_builtin_catalog_installs_disabled() {
    let td = Td::new();
    let r = td.json(["feeds", "catalog", "--json"]);
    assert!(r["added"].as_array().unwrap().len() >= 10);
    let feeds = td.json(["feeds", "list", "--json"]);
    assert!(
        feeds
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["enabled"] == false)
    );
    // Nothing is due: disabled feeds never sync.
    assert!(
        td.json(["daemon", "--once", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let again = td.json(["feeds", "catalog", "--json"]);
    assert!(again["added"].as_array().unwrap().is_empty());
}

#[test]
fn a_zip_archive_yields_its_first_file() {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.add_directory("export/", opts).unwrap();
        z.start_file("export/full.csv", opts).unwrap();
        z.write_all(b"\"2024-01-01\",\"203.0.113.88\"\n").unwrap();
        z.start_file("export/other.csv", opts).unwrap();
        z.write_all(b"\"2024-01-01\",\"203.0.113.89\"\n").unwrap();
        z.finish().unwrap();
    }
    let body = buf.into_inner();
    let srv =
        Server::start(move |_| Resp::ok(body.clone()).header("Content-Type", "application/zip"));
    let td = Td::new();
    let out = td.run([
        "feeds",
        "add",
        "z",
        &srv.url("/full.zip"),
        "--format",
        "csv",
        "--columns",
        "2",
    ]);
    assert!(out.status.success());
    let r = sync(&td, "z");
    assert_eq!(
        (r["ok"].as_bool(), r["added"].as_u64()),
        (Some(true), Some(1)),
        "{r}"
    );
    assert!(
        td.json(["search", "203.0.113.89", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn keys_stay_on_the_feed_origin_and_urls_hold_no_credentials() {
    let other = Server::start(|_| Resp::ok("192.0.2.201\n"));
    let target = other.url("/elsewhere");
    let srv = Server::start(move |_| Resp::status(302).header("Location", &target));
    let td = Td::new();
    add(
        &td,
        "k",
        &srv.url("/l"),
        &["--header", "X-API-Key: env:TD_KEY2"],
    );
    let out = td.run_env(&[("TD_KEY2", "k3y")], ["feeds", "sync", "k", "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r[0]["ok"], false, "{r}");
    assert!(
        other.hits().is_empty(),
        "the key never reached another origin"
    );
    let cred = td.run([
        "feeds",
        "add",
        "c",
        "https://user:pw@feeds.example/list",
        "--format",
        "freetext",
    ]);
    assert_eq!(cred.status.code(), Some(1));
    assert!(!stderr(&cred).contains("pw@"), "{}", stderr(&cred));
}

#[test]
fn pointing_a_feed_elsewhere_forgets_its_validators() {
    let srv = Server::start(|req| {
        if req.headers.contains_key("if-none-match") {
            return Resp::status(304);
        }
        Resp::ok(format!(
            "192.0.2.{}\n",
            if req.path == "/a" { 1 } else { 2 }
        ))
        .header("ETag", "\"same\"")
    });
    let td = Td::new();
    add(&td, "f", &srv.url("/a"), &[]);
    assert_eq!(sync(&td, "f")["added"], 1);
    add(&td, "f", &srv.url("/b"), &[]);
    let r = sync(&td, "f");
    assert_eq!(
        (r["not_modified"].as_bool(), r["added"].as_u64()),
        (Some(false), Some(1)),
        "{r}"
    );
}

#[test]
fn the_daemon_reports_download_progress() {
    let mut body = String::new();
    for i in 0..200_000u32 {
        body.push_str(&format!(
            "10.{}.{}.{}\n",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ));
    }
    assert!(body.len() > 2 << 20);
    let body_len = body.len();
    let srv = Server::start(move |_| Resp::ok(body.clone()));
    let td = Td::new();
    add(&td, "big", &srv.url("/l"), &["--enable"]);
    let events = td.json(["daemon", "--once", "--json"]);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"started"), "{kinds:?}");
    assert!(kinds.contains(&"progress"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"finished"), "{kinds:?}");
    let progress: Vec<&serde_json::Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "progress")
        .collect();
    // Bytes as they download, of the length the server announced; then the records parsed.
    let len = body_len as u64;
    assert!(progress.iter().all(|p| p["total"] == len), "{progress:?}");
    assert!(
        progress
            .iter()
            .any(|p| p["bytes"].as_u64().unwrap() >= 1 << 20)
    );
    assert_eq!(progress.last().unwrap()["records"], 200_000);
}

//! Optional tests over ../shared/corpus (real feeds); each skips when the corpus is absent.

mod common;

use std::path::Path;

use common::{Td, corpus, stderr};

/// Count attributes (object attributes included) in a MISP event file, independently of the
/// importer.
fn count_attributes(path: &Path) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let e = &v["Event"];
    let direct = e["Attribute"].as_array().map_or(0, |a| a.len());
    let in_objects: usize = e["Object"].as_array().map_or(0, |objs| {
        objs.iter()
            .map(|o| o["Attribute"].as_array().map_or(0, |a| a.len()))
            .sum()
    });
    (direct + in_objects) as u64
}

#[test]
fn anssi_feed_gives_13_events_and_every_attribute() {
    let Some(c) = corpus() else { return };
    let dir = c.join("misp-feed-anssi");
    let td = Td::new();
    let r = td.json(["import".as_ref(), dir.as_os_str(), "--json".as_ref()]);
    assert_eq!(r["events_added"], 13, "{r}");
    let expected: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("manifest.json"))
        .map(|p| count_attributes(&p))
        .sum();
    let s = td.stats();
    assert_eq!(s["events"], 13);
    assert_eq!(s["attributes"].as_u64(), Some(expected));
    let again = td.json(["import".as_ref(), dir.as_os_str(), "--json".as_ref()]);
    assert_eq!(again["events_added"], 0);
    assert_eq!(again["attributes"], 0);
    assert_eq!(td.stats()["attributes"].as_u64(), Some(expected));
}

#[test]
fn every_misp_event_file_imports_or_names_file_and_line() {
    let Some(c) = corpus() else { return };
    for sub in ["misp-events-eset", "misp-events-pymisp"] {
        for entry in std::fs::read_dir(c.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let td = Td::new();
            let out = td.run([
                "import".as_ref(),
                path.as_os_str(),
                "--format".as_ref(),
                "misp-event".as_ref(),
            ]);
            match out.status.code() {
                Some(0) => {}
                Some(1) => {
                    let err = stderr(&out);
                    let name = path.file_name().unwrap().to_string_lossy();
                    assert!(
                        err.contains(&*name) && err.contains("line "),
                        "{}: {err}",
                        path.display()
                    );
                    let s = td.stats();
                    assert_eq!(
                        (s["events"].as_u64(), s["attributes"].as_u64()),
                        (Some(0), Some(0)),
                        "{}",
                        path.display()
                    );
                }
                other => panic!("{}: exit {other:?}: {}", path.display(), stderr(&out)),
            }
        }
    }
}

#[test]
fn every_csv_and_text_file_imports_without_panic() {
    let Some(c) = corpus() else { return };
    let mut files = Vec::new();
    for sub in [
        "abusech",
        "blocklists-misc",
        "csv-vendor-iocs",
        "freetext-defanged",
        "ipsum",
        "maltrail",
        "spamhaus-drop",
        "loki-iocs",
    ] {
        let Ok(rd) = std::fs::read_dir(c.join(sub)) else {
            continue;
        };
        files.extend(rd.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    assert!(!files.is_empty());
    let td = Td::new();
    for path in &files {
        let out = td.run(["import".as_ref(), path.as_os_str()]);
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(1)),
            "{}: exit {code:?}: {}",
            path.display(),
            stderr(&out)
        );
        if code == Some(1) {
            let err = stderr(&out);
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(err.contains(&*name), "{}: {err}", path.display());
        }
    }
    assert!(td.stats()["attributes"].as_u64().unwrap() > 1000);
}

#[test]
fn defanged_reports_dry_run_to_refanged_indicators() {
    let Some(c) = corpus() else { return };
    let Ok(rd) = std::fs::read_dir(c.join("freetext-defanged")) else {
        return;
    };
    let td = Td::new();
    for path in rd.map(|e| e.unwrap().path()) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.contains("[.]") {
            continue;
        }
        let rows = td.json([
            "import".as_ref(),
            path.as_os_str(),
            "--format".as_ref(),
            "freetext".as_ref(),
            "--dry-run".as_ref(),
            "--json".as_ref(),
        ]);
        let rows = rows.as_array().unwrap();
        assert!(!rows.is_empty(), "{}", path.display());
        for r in rows {
            let v = r["value"].as_str().unwrap();
            assert!(
                !v.contains("[.]") && !v.starts_with("hxxp"),
                "{}: still defanged: {v}",
                path.display()
            );
        }
    }
}

#[test]
fn pivot_on_a_value_in_two_event_files_lists_both_events() {
    let Some(c) = corpus() else { return };
    let td = Td::new();
    let dir = c.join("misp-events-pymisp");
    let _ = td.run(["import".as_ref(), dir.as_os_str()]);
    // `.reloc` is a PE section name in two of PyMISP's test events.
    let g = td.json(["pivot", ".reloc", "--json"]);
    let events = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "event")
        .count();
    assert!(events >= 2, "{g}");
}

#[test]
fn real_list_feeds_overlap() {
    let Some(c) = corpus() else { return };
    let td = Td::new();
    for sub in ["ipsum", "maltrail"] {
        let dir = c.join(sub);
        let _ = td.run(["import".as_ref(), dir.as_os_str()]);
    }
    let o = td.json(["feeds", "overlap", "--json"]);
    let pairs = o["pairs"].as_array().unwrap();
    assert!(
        pairs
            .iter()
            .any(|p| p["a"].as_str().unwrap().contains("ipsum")
                != p["b"].as_str().unwrap().contains("ipsum")
                && p["shared"].as_u64().unwrap() > 0),
        "ipsum and maltrail share addresses: {o}"
    );
}

#[test]
fn the_anssi_feed_directory_syncs_as_a_local_feed() {
    let Some(c) = corpus() else { return };
    let td = Td::new();
    let dir = c.join("misp-feed-anssi");
    let out = td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "anssi".as_ref(),
        dir.as_os_str(),
        "--format".as_ref(),
        "misp-feed".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = td.json(["feeds", "sync", "anssi", "--json"]);
    assert_eq!(
        (r[0]["ok"].as_bool(), r[0]["added"].as_u64()),
        (Some(true), Some(13))
    );
    let again = td.json(["feeds", "sync", "anssi", "--json"]);
    assert_eq!(
        (again[0]["added"].as_u64(), again[0]["unchanged"].as_u64()),
        (Some(0), Some(13))
    );
    assert_eq!(td.stats()["events"], 13);
}

#[test]
fn the_anssi_feed_served_over_http_syncs_then_fetches_only_the_manifest() {
    let Some(c) = corpus() else { return };
    let dir = c.join("misp-feed-anssi");
    let srv = common::http::Server::start(move |req| {
        let name = req.path.trim_start_matches("/feed/");
        if name.contains('/') || name.contains("..") {
            return common::http::Resp::status(404);
        }
        match std::fs::read(dir.join(name)) {
            Ok(body)
                if req.headers.get("if-none-match").map(String::as_str) == Some("\"m1\"")
                    && name == "manifest.json" =>
            {
                let _ = body;
                common::http::Resp::status(304)
            }
            Ok(body) => common::http::Resp::ok(body).header("ETag", "\"m1\""),
            Err(_) => common::http::Resp::status(404),
        }
    });
    let td = Td::new();
    let out = td.run([
        "feeds",
        "add",
        "anssi",
        &srv.url("/feed/"),
        "--format",
        "misp-feed",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = td.json(["feeds", "sync", "anssi", "--json"]);
    assert_eq!(
        (r[0]["ok"].as_bool(), r[0]["added"].as_u64()),
        (Some(true), Some(13)),
        "{r}"
    );
    let local = Td::new();
    let d = c.join("misp-feed-anssi");
    local.json(["import".as_ref(), d.as_os_str(), "--json".as_ref()]);
    for k in ["events", "attributes", "values", "correlated_values"] {
        assert_eq!(
            td.stats()[k],
            local.stats()[k],
            "{k}: same events as a local import"
        );
    }
    let before = srv.hits().len();
    let again = td.json(["feeds", "sync", "anssi", "--json"]);
    assert_eq!(again[0]["not_modified"], true, "{again}");
    assert_eq!(srv.hits()[before..], ["/feed/manifest.json"]);
}

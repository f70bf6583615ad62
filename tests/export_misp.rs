//! `export --format misp-feed|misp-event`: the ANSSI feed survives a round trip through our
//! feed format, our hashes.csv equals the real feed's, PyMISP's own feed generator agrees
//! with our manifest and hashes, and TLP:RED stays home.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Td, corpus, judges, stderr};
use threatdeck::store::Store;

/// Every event and its attributes, keyed by uuid, without where they came from.
fn contents(data: &Path) -> BTreeMap<String, serde_json::Value> {
    let store = Store::open(data).expect("open store");
    let mut out = BTreeMap::new();
    for e in store.events().expect("events") {
        let mut attrs = store
            .event_attributes(e.event.uuid)
            .expect("attributes")
            .expect("event exists");
        // `original` is how the source spelled a value; an export carries the value.
        for a in &mut attrs {
            a.original = None;
        }
        attrs.sort_by_key(|a| a.uuid);
        out.insert(
            e.event.uuid.to_string(),
            serde_json::json!({"event": e.event, "attributes": attrs,
                               "objects": e.object_count}),
        );
    }
    out
}

fn lines(p: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_to_string(p)
        .expect("read")
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_anssi_feed_round_trips_and_pymisp_agrees() {
    let Some(corpus) = corpus() else {
        eprintln!("skipped: ../shared/corpus is not beside the project");
        return;
    };
    let anssi = corpus.join("misp-feed-anssi");
    let a = Td::new();
    assert!(
        a.run(["import".as_ref(), anssi.as_os_str()])
            .status
            .success()
    );
    let feed = a.dir.path().join("feed");
    let out = a.run([
        "export".as_ref(),
        "--format".as_ref(),
        "misp-feed".as_ref(),
        "--out".as_ref(),
        feed.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts["events"], 13);

    // The same hashes MISP itself published for this feed.
    assert_eq!(
        lines(&feed.join("hashes.csv")),
        lines(&anssi.join("hashes.csv"))
    );

    let b = Td::new();
    let out = b.run(["import".as_ref(), feed.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (want, got) = (contents(&a.data()), contents(&b.data()));
    assert_eq!(want.len(), 13);
    for (uuid, ev) in &want {
        assert_eq!(
            Some(ev),
            got.get(uuid),
            "event {uuid} differs after the round trip"
        );
    }
    assert_eq!(want.len(), got.len());

    let (ok, said) = judges::run_script("check_misp_feed.py", &[feed.as_os_str()]);
    assert!(ok && said.contains("[VALID]"), "PyMISP disagrees:\n{said}");
}

fn event(uuid: &str, tlp: &str, value: &str) -> String {
    serde_json::json!({"Event": {"uuid": uuid, "info": format!("{tlp} event"), "date": "2026-11-24",
        "timestamp": "1764000000", "threat_level_id": "2", "analysis": "1",
        "Orgc": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
        "Tag": [{"name": tlp}],
        "Attribute": [{"type": "ip-dst", "category": "Network activity", "value": value,
                       "to_ids": true, "timestamp": "1764000000", "Tag": [{"name": "kill-chain:c2"}]},
                      {"type": "domain|ip", "category": "Network activity",
                       "value": format!("c2.example|{value}"), "to_ids": true, "timestamp": "1764000000"}]}})
    .to_string()
}

#[test]
fn tlp_red_stays_home_and_a_feed_directory_is_kept_in_step() {
    let td = Td::new();
    let red = td.file(
        "red.json",
        event(
            "aaaaaaaa-0000-4000-8000-00000000000a",
            "tlp:red",
            "198.51.100.1",
        ),
    );
    let green = td.file(
        "green.json",
        event(
            "aaaaaaaa-0000-4000-8000-00000000000b",
            "tlp:green",
            "192.0.2.1",
        ),
    );
    assert!(
        td.run(["import".as_ref(), red.as_os_str(), green.as_os_str()])
            .status
            .success()
    );
    let feed = td.dir.path().join("feed");
    let export = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "export".as_ref(),
            "--format".as_ref(),
            "misp-feed".as_ref(),
            "--out".as_ref(),
            feed.as_os_str(),
        ];
        args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        let out = td.run(args);
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    let said = export(&["--tlp", "red"]);
    assert!(said.contains("2 event(s)"), "{said}");
    let said = export(&[]);
    assert!(
        said.contains("1 event(s)") && said.contains("2 held back by TLP"),
        "{said}"
    );
    assert!(said.contains("1 old event file(s) removed"), "{said}");
    assert!(
        !feed
            .join("aaaaaaaa-0000-4000-8000-00000000000a.json")
            .exists()
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(feed.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest.as_object().unwrap().len(), 1);
    assert_eq!(
        manifest["aaaaaaaa-0000-4000-8000-00000000000b"]["threat_level_id"],
        2
    );
    let hashes = std::fs::read_to_string(feed.join("hashes.csv")).unwrap();
    assert_eq!(
        hashes.lines().count(),
        3,
        "ip, then domain|ip hashed per part:\n{hashes}"
    );
    assert!(!hashes.contains("00000000000a"));
    let (ok, said) = judges::run_script("check_misp_feed.py", &[feed.as_os_str()]);
    assert!(ok, "PyMISP disagrees:\n{said}");

    // A directory holding other things is not overwritten.
    let other = td.file("other/notes.txt", "mine");
    let out = td.run([
        "export".as_ref(),
        "--format".as_ref(),
        "misp-feed".as_ref(),
        "--out".as_ref(),
        other.parent().unwrap().as_os_str(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("threatdeck did not write"),
        "{}",
        stderr(&out)
    );
    let out = td.run(["export", "--format", "misp-feed"]);
    assert!(!out.status.success() && stderr(&out).contains("--out DIR"));
}

#[test]
fn misp_event_json_is_what_pymisp_loads() {
    let td = Td::new();
    let green = td.file(
        "green.json",
        event(
            "aaaaaaaa-0000-4000-8000-00000000000b",
            "tlp:green",
            "192.0.2.1",
        ),
    );
    assert!(
        td.run(["import".as_ref(), green.as_os_str()])
            .status
            .success()
    );
    let path = td.dir.path().join("events.json");
    let out = td.run([
        "export".as_ref(),
        "--format".as_ref(),
        "misp-event".as_ref(),
        "--out".as_ref(),
        path.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ev = &doc["response"][0]["Event"];
    assert_eq!(ev["Attribute"][0]["Tag"][0]["name"], "kill-chain:c2");
    assert_eq!(ev["Tag"][0]["name"], "tlp:green");
    let (ok, said) = judges::run_script("check_misp.py", &[path.as_os_str()]);
    assert!(ok && said.contains("[VALID]"), "PyMISP disagrees:\n{said}");
}

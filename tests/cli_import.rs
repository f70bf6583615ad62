//! `threatdeck import` end to end on small fixtures the tests write.

mod common;

use common::{Td, misp_event, stderr};

const EV1: &str = "5f1b7c2e-0000-4000-8000-000000000001";
const EV2: &str = "5f1b7c2e-0000-4000-8000-000000000002";

#[test]
fn dry_run_refangs_a_defanged_report_and_stores_nothing() {
    let td = Td::new();
    let report = td.file(
        "report.txt",
        "The actor used hxxps://evil[.]example[.]com/gate.php and 198.51.100[.]7:8443.\n\
         Mail came from bad[@]phish[.]test; dropper 44d88612fea8a8f36de82e1278abb02f.\n\
         Also CVE-2021-44228 and evil(dot)example(dot)org.\n",
    );
    let rows = td.json([
        "import".as_ref(),
        report.as_os_str(),
        "--dry-run".as_ref(),
        "--json".as_ref(),
    ]);
    let rows = rows.as_array().expect("array");
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["type"].as_str().unwrap(), r["value"].as_str().unwrap()))
        .collect();
    for want in [
        ("url", "https://evil.example.com/gate.php"),
        ("ip-dst|port", "198.51.100.7|8443"),
        ("email-src", "bad@phish.test"),
        ("md5", "44d88612fea8a8f36de82e1278abb02f"),
        ("vulnerability", "CVE-2021-44228"),
        ("hostname", "evil.example.org"),
    ] {
        assert!(pairs.contains(&want), "missing {want:?} in {pairs:?}");
    }
    for r in rows {
        for key in ["type", "category", "value", "to_ids", "comment"] {
            assert!(r.get(key).is_some(), "row lacks {key}: {r}");
        }
    }
    assert!(
        !td.data().join("threatdeck.redb").exists(),
        "dry run must not create a store"
    );
}

#[test]
fn misp_event_import_is_idempotent_and_replaced_when_newer() {
    let td = Td::new();
    let f = td.file(
        "e1.json",
        misp_event(
            EV1,
            100,
            &[("ip-dst", "203.0.113.5"), ("domain", "Evil.Example")],
        ),
    );
    let first = td.json(["import".as_ref(), f.as_os_str(), "--json".as_ref()]);
    assert_eq!(first["events_added"], 1);
    assert_eq!(first["attributes"], 2);
    let before = td.stats();
    let again = td.json(["import".as_ref(), f.as_os_str(), "--json".as_ref()]);
    assert_eq!(again["events_unchanged"], 1);
    assert_eq!(again["attributes"], 0);
    let after = td.stats();
    for k in ["events", "attributes", "values"] {
        assert_eq!(before[k], after[k], "{k} changed on re-import");
    }
    // Normalised: the domain is stored lower-case and found either way.
    let hits = td.json(["search", "evil.example", "--json"]);
    assert_eq!(hits[0]["value"], "evil.example");
    assert_eq!(hits[0]["events"][0], EV1);

    let newer = td.file(
        "e1b.json",
        misp_event(EV1, 200, &[("ip-dst", "203.0.113.9")]),
    );
    let r = td.json(["import".as_ref(), newer.as_os_str(), "--json".as_ref()]);
    assert_eq!(r["events_replaced"], 1);
    let s = td.stats();
    assert_eq!(
        (s["events"].as_u64(), s["attributes"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn a_broken_file_names_file_and_line_and_the_rest_imports() {
    let td = Td::new();
    let good = td.file(
        "good.json",
        misp_event(EV1, 100, &[("ip-dst", "203.0.113.5")]),
    );
    // A trailing comma on line 3.
    let bad = td.file("bad.json", "{\"Event\": {\n  \"uuid\": \"5f1b7c2e-0000-4000-8000-000000000002\",\n  \"info\": \"x\",\n}}\n");
    let out = td.run(["import".as_ref(), bad.as_os_str(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.json") && err.contains("line 4"), "{err}");
    assert!(err.contains("1 of 2 input(s) failed"), "{err}");
    assert_eq!(td.stats()["events"], 1, "the good file is stored");
}

#[test]
fn invalid_utf8_names_the_line() {
    let td = Td::new();
    let f = td.file(
        "list.txt",
        b"1.2.3.4\nevil.example\nbad\xff\xfe.example\n".as_slice(),
    );
    let out = td.run([
        "import".as_ref(),
        f.as_os_str(),
        "--format".as_ref(),
        "freetext".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("list.txt") && err.contains("line 3") && err.contains("UTF-8"),
        "{err}"
    );
    assert_eq!(td.stats()["attributes"], 0, "nothing partially stored");
}

#[test]
fn csv_source_merges_deltas_into_one_event() {
    let td = Td::new();
    let v1 = td.file("feed.csv", "# first_seen,ip,port\n\"2024-01-01\", \"192.0.2.1\", \"443\"\n\"2024-01-01\", \"192.0.2.2\", \"80\"\n");
    let args = |p: &std::path::Path| {
        vec![
            "import".into(),
            p.as_os_str().to_owned(),
            "--source".into(),
            "feodo".into(),
            "--columns".into(),
            "2".into(),
            "--json".into(),
        ]
    };
    let r1 = td.json(args(&v1));
    assert_eq!(r1["files"][0]["list"]["added"], 2);
    let v2 = td.file("feed.csv", "# first_seen,ip,port\n\"2024-01-02\", \"192.0.2.2\", \"80\"\n\"2024-01-02\", \"192.0.2.3\", \"80\"\n");
    let r2 = td.json(args(&v2));
    let list = &r2["files"][0]["list"];
    assert_eq!(
        (
            list["added"].as_u64(),
            list["unchanged"].as_u64(),
            list["vanished"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let s = td.stats();
    assert_eq!(s["events"], 1, "one fixed event per source");
    assert_eq!(s["attributes"], 3);
    assert_eq!(s["deleted_attributes"], 1);
    let hits = td.json(["search", "192.0.2.3", "--json"]);
    assert_eq!(hits[0]["sources"][0], "feodo");
}

#[test]
fn tab_delimited_with_header_and_crlf() {
    let td = Td::new();
    let f = td.file(
        "iocs.tsv",
        "indicator\ttype\r\nevil.example\tdomain\r\n10.9.8.7\tip\r\n",
    );
    let r = td.json([
        "import".as_ref(),
        f.as_os_str(),
        "--delimiter".as_ref(),
        "\\t".as_ref(),
        "--columns".as_ref(),
        "1".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(r["files"][0]["list"]["added"], 2, "{r}");
}

#[test]
fn misp_feed_directory_imports_once() {
    let td = Td::new();
    let manifest = format!(
        r#"{{"{EV1}": {{"timestamp": "100", "info": "a", "date": "2024-01-02", "Orgc": {{"name": "ACME"}}}},
            "{EV2}": {{"timestamp": 100, "info": "b", "date": "2024-01-02"}}}}"#
    );
    td.file("feed/manifest.json", manifest);
    td.file(
        &format!("feed/{EV1}.json"),
        misp_event(EV1, 100, &[("ip-dst", "203.0.113.5")]),
    );
    td.file(
        &format!("feed/{EV2}.json"),
        misp_event(
            EV2,
            100,
            &[("ip-dst", "203.0.113.5"), ("url", "http://x.test/a")],
        ),
    );
    let dir = td.dir.path().join("feed");
    let r = td.json(["import".as_ref(), dir.as_os_str(), "--json".as_ref()]);
    assert_eq!(r["events_added"], 2);
    assert_eq!(r["attributes"], 3);
    let s = td.stats();
    assert_eq!(s["correlated_values"], 1, "203.0.113.5 is in both events");
    let again = td.json(["import".as_ref(), dir.as_os_str(), "--json".as_ref()]);
    assert_eq!(
        (
            again["events_added"].as_u64(),
            again["events_unchanged"].as_u64()
        ),
        (Some(0), Some(2))
    );
}

#[test]
fn second_process_gets_a_one_line_error() {
    let td = Td::new();
    let _held = threatdeck::store::Store::open(&td.data()).expect("open");
    let out = td.run(["stats"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("threatdeck.redb") && err.contains("in use"),
        "{err}"
    );
}

#[test]
fn log_records_imports_with_user_and_counts() {
    let td = Td::new();
    let f = td.file(
        "e1.json",
        misp_event(EV1, 100, &[("ip-dst", "203.0.113.5")]),
    );
    td.json([
        "import".as_ref(),
        f.as_os_str(),
        "--source".as_ref(),
        "ticket-42".as_ref(),
        "--json".as_ref(),
    ]);
    let log = td.json(["log", "--json"]);
    let e = &log.as_array().unwrap()[0];
    assert_eq!(e["action"], "import");
    assert_eq!(e["source"], "ticket-42");
    assert_eq!(e["counts"]["events_added"], 1);
    assert!(e["user"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(e["time"].as_i64().unwrap() > 1_600_000_000);
}

#[test]
fn stats_and_search_json_shapes() {
    let td = Td::new();
    let s = td.stats();
    for k in [
        "events",
        "attributes",
        "values",
        "correlated_values",
        "feeds",
    ] {
        assert_eq!(s[k], 0, "{k}");
    }
    let f = td.file(
        "e1.json",
        misp_event(EV1, 100, &[("domain", "evil.example")]),
    );
    td.json(["import".as_ref(), f.as_os_str(), "--json".as_ref()]);
    let hits = td.json(["search", "evil", "--limit", "5", "--json"]);
    let h = &hits[0];
    for k in ["value", "type", "events", "sources"] {
        assert!(h.get(k).is_some(), "hit lacks {k}");
    }
    assert_eq!(h["type"], "domain");
}

const BUNDLE: &str = r#"{"type": "bundle", "id": "bundle--6f1b7c2e-0000-4000-8000-000000000001", "objects": [
 {"type": "identity", "spec_version": "2.1", "id": "identity--6f1b7c2e-0000-4000-8000-000000000002", "name": "ACME CERT",
  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--6f1b7c2e-0000-4000-8000-000000000003",
  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-02T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
  "pattern_type": "stix", "pattern": "[domain-name:value = 'C2.Example.net'] OR [ipv4-addr:value = '198.51.100.9']",
  "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--6f1b7c2e-0000-4000-8000-000000000004",
  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-02T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
  "pattern_type": "stix", "pattern": "[url:value LIKE '%/gate.php']"},
 {"type": "report", "spec_version": "2.1", "id": "report--6f1b7c2e-0000-4000-8000-000000000005", "name": "C2 report",
  "published": "2024-01-02T00:00:00Z", "created_by_ref": "identity--6f1b7c2e-0000-4000-8000-000000000002",
  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-02T00:00:00Z",
  "object_refs": ["indicator--6f1b7c2e-0000-4000-8000-000000000003", "indicator--6f1b7c2e-0000-4000-8000-000000000004"]}
]}"#;

#[test]
fn stix_bundle_imports_report_as_event_and_keeps_unsupported_patterns() {
    let td = Td::new();
    let f = td.file("bundle.json", BUNDLE);
    let rows = td.json([
        "import".as_ref(),
        f.as_os_str(),
        "--dry-run".as_ref(),
        "--json".as_ref(),
    ]);
    let pairs: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap(), r["value"].as_str().unwrap()))
        .collect();
    assert!(pairs.contains(&("domain", "c2.example.net")), "{pairs:?}");
    assert!(pairs.contains(&("ip-dst", "198.51.100.9")), "{pairs:?}");
    assert!(
        pairs.contains(&("stix2-pattern", "[url:value LIKE '%/gate.php']")),
        "{pairs:?}"
    );
    let r = td.json(["import".as_ref(), f.as_os_str(), "--json".as_ref()]);
    assert_eq!(r["files"][0]["format"], "stix");
    assert_eq!(r["events_added"], 1);
    let again = td.json(["import".as_ref(), f.as_os_str(), "--json".as_ref()]);
    assert_eq!(again["events_unchanged"], 1);
    let hit = &td.json(["search", "198.51.100.9", "--json"])[0];
    assert_eq!(hit["events"][0], "6f1b7c2e-0000-4000-8000-000000000005");
}

#[test]
fn data_dir_comes_from_the_environment() {
    let td = Td::new();
    let f = td.file(
        "e1.json",
        misp_event(EV1, 100, &[("ip-dst", "203.0.113.5")]),
    );
    let env_dir = td.dir.path().join("from-env");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threatdeck"))
        .env("THREATDECK_DATA", &env_dir)
        .arg("import")
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env_dir.join("threatdeck.redb").exists());
}

#[test]
fn control_characters_from_feeds_never_reach_the_terminal() {
    let td = Td::new();
    let f = td.file(
        "e1.json",
        misp_event(EV1, 100, &[("domain", "evil\\u001b[2J.example")]),
    );
    td.json(["import".as_ref(), f.as_os_str(), "--json".as_ref()]);
    let out = td.run(["search", "evil"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("\\u{1b}"), "{text:?}");
    // Types and categories are feed text too (unknown types are kept as given).
    let odd = td.file(
        "e2.json",
        misp_event(EV2, 100, &[("\\u001b]0;x\\u0007", "odd.example")]),
    );
    for args in [
        vec!["import".as_ref(), odd.as_os_str(), "--dry-run".as_ref()],
        vec!["import".as_ref(), odd.as_os_str()],
    ] {
        let out = td.run(args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    }
    let out = td.run(["search", "odd.example"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("odd.example") && !text.contains('\u{1b}'),
        "{text:?}"
    );
}

#[test]
fn list_files_of_one_source_merge_together() {
    let td = Td::new();
    let a = td.file("a.txt", "198.51.100.1\nevil.example\n");
    let b = td.file("b.csv", "ip\n198.51.100.2\n");
    let args = |extra: &[&std::path::Path]| {
        let mut v: Vec<std::ffi::OsString> = vec!["import".into()];
        v.extend(extra.iter().map(|p| p.as_os_str().to_owned()));
        v.extend(["--source".into(), "intel".into(), "--json".into()]);
        v
    };
    let r = td.json(args(&[&a, &b]));
    assert_eq!(r["files"][0]["list"]["added"], 3, "{r}");
    // Again: nothing vanishes, nothing is added.
    let r = td.json(args(&[&a, &b]));
    let l = &r["files"][0]["list"];
    assert_eq!(
        (
            l["added"].as_u64(),
            l["vanished"].as_u64(),
            l["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(3)),
        "{r}"
    );
    assert_eq!(td.stats()["deleted_attributes"], 0);
}

#[test]
fn an_empty_list_does_not_vanish_what_the_source_holds() {
    let td = Td::new();
    let full = td.file("list.txt", "198.51.100.1\nevil.example\n");
    td.json([
        "import".as_ref(),
        full.as_os_str(),
        "--source".as_ref(),
        "s".as_ref(),
        "--json".as_ref(),
    ]);
    let empty = td.file("empty.txt", "# nothing today\n");
    let r = td.json([
        "import".as_ref(),
        empty.as_os_str(),
        "--source".as_ref(),
        "s".as_ref(),
        "--json".as_ref(),
    ]);
    assert!(
        r["files"][0]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("nothing merged"),
        "{r}"
    );
    assert_eq!(td.stats()["deleted_attributes"], 0);
}

#[test]
fn a_broken_file_of_a_source_stops_the_whole_merge() {
    let td = Td::new();
    let good = td.file("good.txt", "198.51.100.1\n");
    let bad = td.file("bad.csv", "a,b\n\"1.2.3.4,x\n");
    let out = td.run([
        "import".as_ref(),
        good.as_os_str(),
        bad.as_os_str(),
        "--source".as_ref(),
        "s".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.csv") && err.contains("line 2"), "{err}");
    assert!(err.contains("good.txt: not stored"), "{err}");
    assert_eq!(td.stats()["attributes"], 0);
}

#[test]
fn a_plain_directory_imports_its_files() {
    let td = Td::new();
    td.file("batch/a.txt", "198.51.100.1\n");
    td.file(
        "batch/b.json",
        misp_event(EV1, 100, &[("ip-dst", "203.0.113.5")]),
    );
    td.file("batch/.hidden", "198.51.100.99\n");
    let dir = td.dir.path().join("batch");
    let r = td.json(["import".as_ref(), dir.as_os_str(), "--json".as_ref()]);
    assert_eq!(r["ok"], 2, "{r}");
    assert_eq!(r["events_added"], 1);
    assert!(
        td.json(["search", "198.51.100.99", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

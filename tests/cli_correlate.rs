//! `pivot`, `correlate`, `sighting`, `score`, `feeds overlap` and search annotations.

mod common;

use common::{Td, misp_event, stderr};

const EV1: &str = "7f1b7c2e-0000-4000-8000-000000000001";
const EV2: &str = "7f1b7c2e-0000-4000-8000-000000000002";

fn setup() -> Td {
    let td = Td::new();
    let a = td.file(
        "a.json",
        misp_event(
            EV1,
            100,
            &[("ip-dst", "198.51.100.20"), ("domain", "shared.example")],
        ),
    );
    let b = td.file(
        "b.json",
        misp_event(
            EV2,
            100,
            &[("domain", "shared.example"), ("ip-dst", "10.1.2.3")],
        ),
    );
    td.json([
        "import".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "--json".as_ref(),
    ]);
    td
}

#[test]
fn pivot_json_lists_both_events_with_edge_kinds() {
    let td = setup();
    let g = td.json(["pivot", "shared.example", "--json"]);
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&format!("event:{EV1}").as_str()), "{ids:?}");
    assert!(ids.contains(&format!("event:{EV2}").as_str()), "{ids:?}");
    assert!(
        ids.contains(&"value:198.51.100.20"),
        "siblings at depth 1: {ids:?}"
    );
    assert!(
        g["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"].is_string())
    );
    assert_eq!(g["root"], "value:shared.example");
}

#[test]
fn search_reports_links_score_and_warninglists() {
    let td = setup();
    let hit = &td.json(["search", "shared.example", "--json"])[0];
    assert_eq!(hit["correlations"], 2);
    assert!(hit["score"].is_number(), "{hit}");
    let private = &td.json(["search", "10.1.2.3", "--json"])[0];
    let lists = private["warninglists"].as_array().unwrap();
    assert!(
        lists
            .iter()
            .any(|l| l.as_str().unwrap().contains("threatdeck:")),
        "{private}"
    );
}

#[test]
fn warninglists_load_from_a_directory() {
    let td = setup();
    td.file(
        "wl/mine/list.json",
        r#"{"name": "Our partners", "version": 1, "description": "x", "type": "hostname",
        "list": ["example"], "matching_attributes": ["domain", "hostname"]}"#,
    );
    td.file("wl/broken/list.json", "{ nope");
    let dir = td.dir.path().join("wl");
    let out = td.run([
        "--warninglists".as_ref(),
        dir.as_os_str(),
        "search".as_ref(),
        "shared.example".as_ref(),
        "--json".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("broken"),
        "a bad list is named: {}",
        stderr(&out)
    );
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lists = hits[0]["warninglists"].as_array().unwrap();
    assert!(lists.iter().any(|l| l == "Our partners"), "{hits}");
}

#[test]
fn correlate_settings_exclusions_and_rebuild() {
    let td = setup();
    let s = td.json([
        "correlate",
        "--limit",
        "1",
        "--exclude",
        "%.example",
        "--comment",
        "lab",
        "--json",
    ]);
    assert_eq!(s["limit"], 1);
    assert_eq!(s["exclusions"][0]["pattern"], "%.example");
    let g = td.json(["pivot", "shared.example", "--json"]);
    assert_eq!(g["nodes"][0]["excluded"], true);
    td.json(["correlate", "--unexclude", "%.example", "--json"]);
    let g = td.json(["pivot", "shared.example", "--json"]);
    assert_eq!(g["nodes"][0]["over_correlated"], true, "2 events > limit 1");
    let r = td.json(["correlate", "--rebuild", "--json"]);
    assert_eq!(r["rebuilt_attributes"], 4);
    let out = td.run(["correlate", "--unexclude", "nothing-like-this"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sightings_and_pinned_scores() {
    let td = setup();
    let s = td.json([
        "sighting",
        "198.51.100.20",
        "--type",
        "false-positive",
        "--source",
        "soc",
        "--json",
    ]);
    assert_eq!(s["kind"], 1);
    let sc = td.json(["score", "198.51.100.20", "--json"]);
    assert_eq!(sc["score"], 0.0);
    let sc = td.json(["score", "198.51.100.20", "--set", "42", "--json"]);
    assert_eq!(
        (sc["score"].as_f64(), sc["overridden"].as_bool()),
        (Some(42.0), Some(true))
    );
    let sc = td.json(["score", "198.51.100.20", "--clear", "--json"]);
    assert_eq!(sc["overridden"], false);
    let out = td.run(["sighting", "never.stored.example"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no stored indicator"),
        "{}",
        stderr(&out)
    );
    let log = td.json(["log", "--json"]);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "sighting")
    );
}

#[test]
fn feeds_overlap_between_lists() {
    let td = Td::new();
    let a = td.file("a.txt", "198.51.100.1\n198.51.100.2\nevil.example\n");
    let b = td.file("b.txt", "198.51.100.2\nevil.example\nother.example\n");
    td.json([
        "import".as_ref(),
        a.as_os_str(),
        "--source".as_ref(),
        "a".as_ref(),
        "--json".as_ref(),
    ]);
    td.json([
        "import".as_ref(),
        b.as_os_str(),
        "--source".as_ref(),
        "b".as_ref(),
        "--json".as_ref(),
    ]);
    let o = td.json(["feeds", "overlap", "--json"]);
    assert_eq!(o["pairs"][0]["shared"], 2);
    let a = o["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "a")
        .unwrap()
        .clone();
    assert_eq!(
        (a["values"].as_u64(), a["shared"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(td.stats()["correlated_values"], 2);
}

#[test]
fn a_source_imported_without_correlation_links_nothing() {
    let td = setup();
    let list = td.file("noisy.txt", "shared.example\n198.51.100.20\n");
    td.json([
        "import".as_ref(),
        list.as_os_str(),
        "--no-correlation".as_ref(),
        "--json".as_ref(),
    ]);
    let hit = &td.json(["search", "198.51.100.20", "--json"])[0];
    assert_eq!(hit["attributes"], 2, "stored: {hit}");
    assert_eq!(hit["correlations"], 0, "but not linked: {hit}");
    assert_eq!(
        td.json(["search", "shared.example", "--json"])[0]["correlations"],
        2
    );
}

#[test]
fn warninglists_directory_from_config_toml() {
    let td = setup();
    td.file(
        "wl/mine/list.json",
        r#"{"name": "From config", "version": 1, "description": "x", "type": "string",
        "list": ["shared.example"], "matching_attributes": []}"#,
    );
    td.file(
        "xdg/threatdeck/config.toml",
        "warninglists = \"../../wl\"\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threatdeck"))
        .env("XDG_CONFIG_HOME", td.dir.path().join("xdg"))
        .env_remove("THREATDECK_WARNINGLISTS")
        .arg("--data-dir")
        .arg(td.data())
        .args(["search", "shared.example", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        hits[0]["warninglists"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "From config"),
        "{hits}"
    );
}

#[test]
fn typed_values_are_canonicalised_like_imports() {
    let td = setup();
    let g = td.json(["pivot", "Shared.EXAMPLE", "--json"]);
    assert_eq!(g["root"], "value:shared.example");
    assert!(
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "event")
    );
    let s = td.json(["sighting", "198.51.100[.]20:443", "--json"]);
    assert_eq!(s["value"], "198.51.100.20");
}

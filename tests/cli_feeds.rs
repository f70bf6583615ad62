//! `feeds add/list/show/sync/enable/disable/remove/import-misp` on local feeds.

mod common;

use common::{Td, stderr};

#[test]
fn a_local_list_feed_syncs_records_runs_and_health() {
    let td = Td::new();
    let list = td.file(
        "mnt/blocklist.txt",
        "198.51.100.1\n198.51.100.2\nbad.example\n",
    );
    let out = td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "block".as_ref(),
        list.as_os_str(),
        "--format".as_ref(),
        "freetext".as_ref(),
        "--interval".as_ref(),
        "1h".as_ref(),
        "--enable".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let feeds = td.json(["feeds", "list", "--json"]);
    assert_eq!(feeds[0]["health"]["status"], "never-synced");
    assert_eq!(feeds[0]["interval_secs"], 3600);

    let r = td.json(["feeds", "sync", "--all", "--json"]);
    assert_eq!(
        (
            r[0]["ok"].as_bool(),
            r[0]["added"].as_u64(),
            r[0]["records"].as_u64()
        ),
        (Some(true), Some(3), Some(3))
    );
    let hit = &td.json(["search", "bad.example", "--json"])[0];
    assert_eq!(hit["sources"][0], "block", "the feed name is the source");

    // The list shrinks: one value gone, and the health sees the drop.
    td.file("mnt/blocklist.txt", "198.51.100.1\n");
    let r = td.json(["feeds", "sync", "block", "--json"]);
    assert_eq!(
        (r[0]["removed"].as_u64(), r[0]["records"].as_u64()),
        (Some(2), Some(1))
    );
    let show = td.json(["feeds", "show", "block", "--json"]);
    assert!(
        show["health"]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "dropped"),
        "{show}"
    );
    assert_eq!(show["runs"].as_array().unwrap().len(), 2);
}

#[test]
fn a_failed_run_keeps_the_previous_data_and_is_recorded() {
    let td = Td::new();
    let list = td.file("feed.csv", "ip\n192.0.2.10\n");
    td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "c".as_ref(),
        list.as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert!(td.run(["feeds", "sync", "c"]).status.success());
    td.file("feed.csv", "ip\n\"192.0.2.11\n");
    let out = td.run(["feeds", "sync", "c"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        td.json(["search", "192.0.2.10", "--json"])[0]["seen"][0]["listed"],
        true
    );
    let show = td.json(["feeds", "show", "c", "--json"]);
    assert_eq!(show["health"]["status"], "failed");
    assert!(
        show["runs"][0]["error"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{show}"
    );
}

#[test]
fn enable_disable_remove() {
    let td = Td::new();
    td.run(["feeds", "add", "x", "/nonexistent", "--format", "freetext"]);
    assert!(td.run(["feeds", "enable", "x"]).status.success());
    assert_eq!(td.json(["feeds", "list", "--json"])[0]["enabled"], true);
    assert!(td.run(["feeds", "disable", "x"]).status.success());
    assert_eq!(td.json(["feeds", "list", "--json"])[0]["enabled"], false);
    assert_eq!(td.stats()["feeds"], 1);
    assert!(td.run(["feeds", "remove", "x"]).status.success());
    assert_eq!(td.run(["feeds", "remove", "x"]).status.code(), Some(1));
    assert_eq!(td.stats()["feeds"], 0);
    assert_eq!(td.run(["feeds", "enable", "x"]).status.code(), Some(1));
    let bad = td.run([
        "feeds",
        "add",
        "y",
        "/x",
        "--format",
        "csv",
        "--interval",
        "soon",
    ]);
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn misp_catalog_import_adds_disabled_feeds() {
    let td = Td::new();
    let cat = td.file(
        "defaults.json",
        r#"[{"Feed": {"name": "CIRCL OSINT", "provider": "CIRCL", "url": "https://www.circl.lu/doc/misp/feed-osint", "source_format": "misp", "settings": ""}},
            {"Feed": {"name": "Feodo", "provider": "abuse.ch", "url": "https://feodotracker.abuse.ch/downloads/ipblocklist.csv", "source_format": "csv",
                      "settings": "{\"csv\":{\"value\":\"2\",\"delimiter\":\",\"}}"}}]"#,
    );
    let r = td.json([
        "feeds".as_ref(),
        "import-misp".as_ref(),
        cat.as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(r["added"].as_array().unwrap().len(), 2);
    let feeds = td.json(["feeds", "list", "--json"]);
    assert!(
        feeds
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["enabled"] == false)
    );
    let feodo = feeds
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Feodo")
        .unwrap();
    assert_eq!(feodo["columns"][0], 2);
    let again = td.json([
        "feeds".as_ref(),
        "import-misp".as_ref(),
        cat.as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(again["already_configured"].as_array().unwrap().len(), 2);
}

#[test]
fn feed_settings_exclude_tag_and_weigh_what_the_feed_brings() {
    let td = Td::new();
    let list = td.file(
        "mnt/mixed.txt",
        "203.0.113.7\n10.1.2.3\nevil.example\nnoise.example\n",
    );
    let out = td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "mixed".as_ref(),
        list.as_os_str(),
        "--format".as_ref(),
        "freetext".as_ref(),
        "--exclude".as_ref(),
        r"^10\.|^noise\.".as_ref(),
        "--tag".as_ref(),
        "tlp:clear".as_ref(),
        "--tag".as_ref(),
        "feed:mixed".as_ref(),
        "--confidence".as_ref(),
        "40".as_ref(),
        "--stale-after".as_ref(),
        "2d".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let show = td.json(["feeds", "show", "mixed", "--json"]);
    assert_eq!(show["tags"], serde_json::json!(["tlp:clear", "feed:mixed"]));
    assert_eq!(
        (
            show["confidence"].as_u64(),
            show["stale_after_secs"].as_u64()
        ),
        (Some(40), Some(172_800))
    );
    let r = td.json(["feeds", "sync", "mixed", "--json"]);
    assert_eq!(r[0]["records"], 2, "{r}");
    assert!(
        td.json(["search", "10.1.2.3", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        td.json(["search", "noise.example", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Confidence 40 is the base score of the feed's values (fresh: not decayed yet).
    let hit = &td.json(["search", "evil.example", "--json"])[0];
    assert_eq!(hit["score"], 40.0, "{hit}");
    // The feed's event carries its tags.
    let store = threatdeck::store::Store::open(&td.data()).unwrap();
    let ev = store
        .events()
        .unwrap()
        .into_iter()
        .find(|e| e.source == "mixed")
        .unwrap();
    let tags: Vec<&str> = ev.event.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["tlp:clear", "feed:mixed"]);
    drop(store);
    // The feed is re-tagged: its list follows, the old TLP does not linger.
    let out = td.run([
        "feeds".as_ref(),
        "add".as_ref(),
        "mixed".as_ref(),
        list.as_os_str(),
        "--format".as_ref(),
        "freetext".as_ref(),
        "--tag".as_ref(),
        "tlp:amber".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    td.json(["feeds", "sync", "mixed", "--json"]);
    let store = threatdeck::store::Store::open(&td.data()).unwrap();
    let ev = store
        .events()
        .unwrap()
        .into_iter()
        .find(|e| e.source == "mixed")
        .unwrap();
    let tags: Vec<&str> = ev.event.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["tlp:amber"]);
    drop(store);

    // Bad settings are refused when the feed is added, naming the option.
    for (flag, bad) in [
        ("--exclude", "(unclosed"),
        ("--confidence", "101"),
        ("--stale-after", "soon"),
    ] {
        let out = td.run([
            "feeds".as_ref(),
            "add".as_ref(),
            "bad".as_ref(),
            list.as_os_str(),
            "--format".as_ref(),
            "freetext".as_ref(),
            flag.as_ref(),
            bad.as_ref(),
        ]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(flag), "{}", stderr(&out));
    }
}

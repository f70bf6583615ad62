//! Store behaviour: locking, schema guard, event add/replace rules, list delta merge.

use uuid::Uuid;

use super::*;
use crate::model::{Attribute, Event, Indicator, ParsedEvent, Tag};

fn attr(t: &str, v: &str) -> Attribute {
    Attribute {
        type_: t.to_string(),
        category: "Network activity".to_string(),
        value: v.to_string(),
        to_ids: true,
        ..Default::default()
    }
}

fn event(uuid: u128, ts: i64, attrs: Vec<Attribute>) -> ParsedEvent {
    ParsedEvent {
        event: Event {
            uuid: Uuid::from_u128(uuid),
            info: "test".into(),
            date: "2024-01-01".into(),
            timestamp: ts,
            tags: vec![Tag::named("tlp:green")],
            ..Default::default()
        },
        attributes: attrs,
        ..Default::default()
    }
}

fn ind(t: &'static str, v: &str) -> Indicator {
    Indicator {
        type_: t,
        category: "Network activity",
        value: v.to_string(),
        to_ids: true,
        comment: String::new(),
        original: None,
    }
}

#[test]
fn second_open_is_refused_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path())
        .err()
        .expect("second open must fail");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::InUse(_)), "{msg}");
    assert!(
        msg.contains("threatdeck.redb") && msg.contains("in use"),
        "{msg}"
    );
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let txn = store.db().begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .insert(KEY_SCHEMA, SCHEMA_VERSION + 1)
            .unwrap();
        txn.commit().unwrap();
    }
    let err = Store::open(dir.path()).err().expect("must refuse");
    assert!(err.to_string().contains("newer threatdeck"), "{err}");
}

#[test]
fn events_add_replace_and_keep_by_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let put = |pe: &ParsedEvent| {
        let mut w = store.writer().unwrap();
        let src = w.source("s", "misp-event", 1).unwrap();
        let out = w.put_event(pe, &src, 1).unwrap();
        w.commit().unwrap();
        out
    };
    let v1 = event(
        7,
        100,
        vec![
            attr("ip-dst", "1.2.3.4"),
            attr("domain|ip", "a.example|5.6.7.8"),
        ],
    );
    assert_eq!(put(&v1), EventOutcome::Added);
    assert_eq!(put(&v1), EventOutcome::Unchanged);
    let older = event(7, 50, vec![attr("ip-dst", "9.9.9.9")]);
    assert_eq!(put(&older), EventOutcome::Unchanged);
    let s = store.stats().unwrap();
    assert_eq!((s.events, s.attributes, s.values), (1, 2, 3));

    let v2 = event(7, 200, vec![attr("ip-dst", "9.9.9.9")]);
    assert_eq!(put(&v2), EventOutcome::Replaced);
    let s = store.stats().unwrap();
    assert_eq!(
        (s.events, s.attributes, s.values),
        (1, 1, 1),
        "old index entries removed"
    );
    assert!(store.search("1.2.3.4", 10).unwrap().is_empty());
    assert_eq!(store.search("9.9.9.9", 10).unwrap().len(), 1);
}

#[test]
fn correlated_values_span_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut w = store.writer().unwrap();
    let src = w.source("s", "misp-event", 1).unwrap();
    w.put_event(
        &event(
            1,
            1,
            vec![attr("ip-dst", "1.1.1.1"), attr("ip-dst", "2.2.2.2")],
        ),
        &src,
        1,
    )
    .unwrap();
    w.put_event(
        &event(2, 1, vec![attr("ip-dst|port", "1.1.1.1|443")]),
        &src,
        1,
    )
    .unwrap();
    w.commit().unwrap();
    let s = store.stats().unwrap();
    assert_eq!(s.values, 2, "the port is not indexed");
    assert_eq!(s.correlated_values, 1);
    let hit = &store.search("1.1.1.1", 5).unwrap()[0];
    assert_eq!(hit.events.len(), 2);
    assert_eq!(hit.sources, vec!["s".to_string()]);
    assert_eq!(hit.matched, "exact");
}

#[test]
fn list_merge_adds_vanishes_and_brings_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let merge = |items: Vec<Indicator>, now: i64| {
        let mut w = store.writer().unwrap();
        let mut src = w.source("list", "freetext", now).unwrap();
        let out = w.merge_list(&mut src, &items, now, true).unwrap();
        src.last_import = now;
        w.save_source(&src).unwrap();
        w.commit().unwrap();
        out
    };
    let a = merge(
        vec![ind("ip-dst", "1.1.1.1"), ind("domain", "a.example")],
        100,
    );
    assert_eq!((a.added, a.vanished), (2, 0));
    let same = merge(
        vec![ind("ip-dst", "1.1.1.1"), ind("domain", "a.example")],
        200,
    );
    assert_eq!(
        same,
        ListOutcome {
            unchanged: 2,
            ..Default::default()
        }
    );
    let b = merge(
        vec![ind("ip-dst", "1.1.1.1"), ind("domain", "b.example")],
        300,
    );
    assert_eq!((b.added, b.unchanged, b.vanished), (1, 1, 1));
    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.events, stats.attributes, stats.deleted_attributes),
        (1, 3, 1)
    );
    let ev = store.sources().unwrap()[0].fixed_event.unwrap();
    let attrs = store.event_attributes(ev).unwrap().unwrap();
    let gone = attrs.iter().find(|a| a.value == "a.example").unwrap();
    assert!(gone.deleted);
    // Per-source history: listed at 100 and 200, gone at 300; 1.1.1.1 listed throughout.
    let seen = |v: &str| store.search(v, 1).unwrap()[0].seen.clone();
    assert_eq!(
        seen("a.example"),
        vec![SeenBy {
            source: "list".into(),
            first_seen: 100,
            last_seen: 200,
            listed: false
        }]
    );
    assert_eq!(
        seen("1.1.1.1"),
        vec![SeenBy {
            source: "list".into(),
            first_seen: 100,
            last_seen: 300,
            listed: true
        }]
    );
    let c = merge(
        vec![
            ind("ip-dst", "1.1.1.1"),
            ind("domain", "a.example"),
            ind("domain", "b.example"),
        ],
        400,
    );
    assert_eq!((c.added, c.reappeared, c.unchanged), (0, 1, 2));
    assert_eq!(store.stats().unwrap().deleted_attributes, 0);
}

#[test]
fn dropped_writer_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    {
        let mut w = store.writer().unwrap();
        let src = w.source("s", "misp-event", 1).unwrap();
        w.put_event(&event(1, 1, vec![attr("ip-dst", "1.1.1.1")]), &src, 1)
            .unwrap();
    }
    let s = store.stats().unwrap();
    assert_eq!((s.events, s.attributes, s.sources), (0, 0, 0));
}

#[test]
fn audit_log_appends() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for i in 0..3 {
        let mut w = store.writer().unwrap();
        w.audit(&AuditEntry {
            time: i,
            user: "alice".into(),
            action: "import".into(),
            source: None,
            inputs: vec![],
            counts: Default::default(),
        })
        .unwrap();
        w.commit().unwrap();
    }
    let log = store.audit_log(None).unwrap();
    assert_eq!(
        log.iter().map(|(s, e)| (*s, e.time)).collect::<Vec<_>>(),
        vec![(1, 0), (2, 1), (3, 2)]
    );
    assert_eq!(store.audit_log(Some(1)).unwrap()[0].0, 3);
}

#[test]
fn search_prefix_and_substring() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut w = store.writer().unwrap();
    let src = w.source("s", "misp-event", 1).unwrap();
    w.put_event(
        &event(
            1,
            1,
            vec![
                attr("domain", "evil.example"),
                attr("domain", "evilcorp.test"),
                attr("url", "http://x.test/evil"),
            ],
        ),
        &src,
        1,
    )
    .unwrap();
    w.commit().unwrap();
    let hits = store.search("evil", 10).unwrap();
    let got: Vec<(&str, &str)> = hits.iter().map(|h| (h.value.as_str(), h.matched)).collect();
    assert_eq!(
        got,
        vec![
            ("evil.example", "prefix"),
            ("evilcorp.test", "prefix"),
            ("http://x.test/evil", "substring")
        ]
    );
    assert_eq!(
        store.search("EVIL.example", 10).unwrap()[0].matched,
        "exact"
    );
    assert_eq!(store.search("evil", 1).unwrap().len(), 1);
}

#[test]
fn a_replaced_event_keeps_when_values_were_first_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let put = |pe: &ParsedEvent, now: i64| {
        let mut w = store.writer().unwrap();
        let mut src = w.source("s", "misp-event", now).unwrap();
        w.put_event(pe, &src, now).unwrap();
        src.last_import = now;
        w.save_source(&src).unwrap();
        w.commit().unwrap();
    };
    put(&event(9, 10, vec![attr("ip-dst", "1.1.1.1")]), 1000);
    put(
        &event(
            9,
            20,
            vec![attr("ip-dst", "1.1.1.1"), attr("ip-dst", "2.2.2.2")],
        ),
        2000,
    );
    let seen = |v: &str| store.search(v, 1).unwrap()[0].seen[0].clone();
    assert_eq!(
        (seen("1.1.1.1").first_seen, seen("1.1.1.1").last_seen),
        (1000, 2000)
    );
    assert_eq!(seen("2.2.2.2").first_seen, 2000);
}

#[test]
fn deleted_counts_follow_events_and_replacements() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let put = |pe: &ParsedEvent| {
        let mut w = store.writer().unwrap();
        let src = w.source("s", "misp-event", 1).unwrap();
        w.put_event(pe, &src, 1).unwrap();
        w.commit().unwrap();
    };
    let mut gone = attr("ip-dst", "2.2.2.2");
    gone.deleted = true;
    put(&event(3, 10, vec![attr("ip-dst", "1.1.1.1"), gone]));
    assert_eq!(store.stats().unwrap().deleted_attributes, 1);
    put(&event(3, 20, vec![attr("ip-dst", "1.1.1.1")]));
    assert_eq!(store.stats().unwrap().deleted_attributes, 0);
}

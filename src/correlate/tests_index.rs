//! Correlation on a real store, continued: replacement and rebuild, address families,
//! values without correlation, batch changes, pivot caps.

use uuid::Uuid;

use super::annotate::value_score;
use super::pivot::{PivotOptions, pivot};
use super::tests::{attr, links, put, store};
use crate::model::{Attribute, Event, Indicator, ParsedEvent, SightingType};
use crate::store::Store;

fn put_at(store: &Store, uuid: u128, ts: i64, attrs: Vec<Attribute>) -> crate::store::Changes {
    let pe = ParsedEvent {
        event: Event {
            uuid: Uuid::from_u128(uuid),
            info: "e".into(),
            timestamp: ts,
            ..Default::default()
        },
        attributes: attrs,
        ..Default::default()
    };
    let mut w = store.writer().unwrap();
    let src = w.source("ev", "misp-event", 1).unwrap();
    w.put_event(&pe, &src, 1).unwrap();
    w.commit().unwrap()
}

#[test]
fn rebuild_matches_after_replacements_deletions_and_disabled_values() {
    let (_d, mut s) = store();
    let mut gone = attr("ip-dst", "10.9.9.9");
    gone.deleted = true;
    let mut quiet = attr("domain", "quiet.example");
    quiet.disable_correlation = true;
    put_at(
        &s,
        1,
        10,
        vec![
            attr("ip-dst", "10.0.0.1"),
            attr("ip-dst", "10.0.0.0/8"),
            gone,
            quiet,
        ],
    );
    put_at(
        &s,
        1,
        20,
        vec![
            attr("ip-dst", "10.0.0.2"),
            attr("domain|ip", "x.example|10.0.0.3"),
        ],
    );
    put_at(&s, 2, 10, vec![attr("ip-dst", "10.0.0.2")]);
    let mut w = s.writer().unwrap();
    let mut src = w.source("noisy", "freetext", 1).unwrap();
    let items = vec![Indicator {
        type_: "ip-dst",
        category: "Network activity",
        value: "10.0.0.2".into(),
        to_ids: true,
        comment: String::new(),
        original: None,
    }];
    w.merge_list(&mut src, &items, 1, false).unwrap();
    w.commit().unwrap();
    assert_eq!(
        links(&s, "10.0.0.2"),
        2,
        "the no-correlation list does not link"
    );
    assert_eq!(links(&s, "10.0.0.1"), 0, "replaced away");
    let incremental = s.index_snapshot().unwrap();
    s.rebuild_correlations().unwrap();
    assert_eq!(s.index_snapshot().unwrap(), incremental);
}

#[test]
fn ipv6_networks_do_not_swallow_ipv4_hosts() {
    let (_d, s) = store();
    put(
        &s,
        "a",
        1,
        vec![
            attr("ip-dst", "::/0"),
            attr("ip-dst", "0.0.0.0/0"),
            attr("ip-dst", "192.0.2.0/31"),
            attr("ip-dst", "2001:db8::/127"),
        ],
    );
    put(
        &s,
        "b",
        2,
        vec![attr("ip-dst", "192.0.2.1"), attr("ip-dst", "2001:db8::1")],
    );
    let nets = |ip: &str| -> Vec<String> {
        let mut v: Vec<String> = s
            .cidrs_containing(ip, 10)
            .unwrap()
            .0
            .into_iter()
            .map(|h| h.value)
            .collect();
        v.sort();
        v
    };
    assert_eq!(nets("192.0.2.1"), ["0.0.0.0/0", "192.0.2.0/31"]);
    assert_eq!(nets("2001:db8::1"), ["2001:db8::/127", "::/0"]);
    let (inside, total) = s.ips_in("::/0", 10).unwrap();
    assert_eq!((inside.len(), total), (1, 1), "only the IPv6 host");
    let (_, total) = s.ips_in("0.0.0.0/0", 10).unwrap();
    assert_eq!(total, 1);
}

#[test]
fn values_without_correlation_can_still_be_sighted_and_scored() {
    let (_d, s) = store();
    let mut quiet = attr("ip-dst", "198.51.100.77");
    quiet.disable_correlation = true;
    put(&s, "a", 1, vec![quiet, attr("comment", "a note")]);
    assert!(
        s.add_sighting("198.51.100.77", SightingType::Sighting, "ids", 2000)
            .is_ok()
    );
    assert!(value_score(&s, "198.51.100.77", 2000).unwrap().is_some());
}

#[test]
fn changes_name_only_values_that_had_links() {
    let (_d, s) = store();
    put_at(
        &s,
        5,
        10,
        vec![attr("ip-dst", "192.0.2.9"), attr("comment", "words")],
    );
    let c = put_at(&s, 5, 20, vec![attr("comment", "other words")]);
    assert_eq!(c.unlinked, ["192.0.2.9"]);
    assert!(c.linked.is_empty());
}

#[test]
fn pivot_caps_fanout_and_nodes_and_says_so() {
    let (_d, s) = store();
    for i in 0..10u128 {
        put(
            &s,
            "f",
            i,
            vec![
                attr("domain", "common.example"),
                attr("ip-dst", &format!("192.0.2.{i}")),
            ],
        );
    }
    s.set_correlation_limit(100).unwrap();
    let g = pivot(
        &s,
        "common.example",
        PivotOptions {
            depth: 3,
            fanout: 4,
            max_nodes: 1000,
        },
    )
    .unwrap();
    assert_eq!(g.nodes.iter().filter(|n| n.kind == "event").count(), 4);
    assert_eq!(g.nodes[0].left_out, 6);
    let g = pivot(
        &s,
        "common.example",
        PivotOptions {
            depth: 3,
            fanout: 50,
            max_nodes: 5,
        },
    )
    .unwrap();
    assert!(g.truncated);
    assert_eq!(g.nodes.len(), 5);
}

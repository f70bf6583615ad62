//! Correlation end to end on a real store: every link kind, composite halves, ports,
//! non-correlating types, CIDR both ways, exclusions, over-correlation, rebuild == incremental.

use uuid::Uuid;

use super::annotate::value_score;
use super::pivot::{Graph, PivotOptions, pivot};
use crate::model::{Attribute, Event, Indicator, ParsedEvent, SightingType};
use crate::store::Store;

pub(super) fn attr(t: &str, v: &str) -> Attribute {
    Attribute {
        type_: t.to_string(),
        category: "Network activity".to_string(),
        value: v.to_string(),
        to_ids: true,
        timestamp: 1000,
        ..Default::default()
    }
}

pub(super) fn put(store: &Store, source: &str, uuid: u128, attrs: Vec<Attribute>) {
    let pe = ParsedEvent {
        event: Event {
            uuid: Uuid::from_u128(uuid),
            info: format!("event {uuid}"),
            timestamp: 10,
            ..Default::default()
        },
        attributes: attrs,
        ..Default::default()
    };
    let mut w = store.writer().unwrap();
    let src = w.source(source, "misp-event", 1).unwrap();
    w.put_event(&pe, &src, 1).unwrap();
    w.commit().unwrap();
}

pub(super) fn list(store: &Store, source: &str, values: &[(&'static str, &str)]) {
    let items: Vec<Indicator> = values
        .iter()
        .map(|(t, v)| Indicator {
            type_: t,
            category: "Network activity",
            value: v.to_string(),
            to_ids: true,
            comment: String::new(),
            original: None,
        })
        .collect();
    let mut w = store.writer().unwrap();
    let mut src = w.source(source, "freetext", 1).unwrap();
    w.merge_list(&mut src, &items, 1, true).unwrap();
    src.last_import = 1;
    w.save_source(&src).unwrap();
    w.commit().unwrap();
}

pub(super) fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    (dir, s)
}

pub(super) fn links(store: &Store, v: &str) -> u64 {
    store
        .search(v, 1)
        .unwrap()
        .first()
        .map_or(0, |h| h.correlations)
}

pub(super) fn edge_kinds(g: &Graph, to: &str) -> Vec<&'static str> {
    g.edges
        .iter()
        .filter(|e| e.to == format!("value:{to}") || e.from == format!("value:{to}"))
        .map(|e| e.kind)
        .collect()
}

#[test]
fn exact_links_count_events_and_list_feeds() {
    let (_d, s) = store();
    for feed in ["feed-a", "feed-b", "feed-c"] {
        list(&s, feed, &[("ip-dst", "203.0.113.7")]);
    }
    put(&s, "incident", 1, vec![attr("ip-dst", "203.0.113.7")]);
    assert_eq!(links(&s, "203.0.113.7"), 4);
    assert_eq!(s.stats().unwrap().correlated_values, 1);
    let overlap = s.source_overlap().unwrap();
    assert!(overlap.pairs.iter().all(|p| p.shared == 1));
    assert_eq!(overlap.pairs.len(), 6);
}

#[test]
fn composite_halves_correlate_ports_never() {
    let (_d, s) = store();
    put(
        &s,
        "a",
        1,
        vec![
            attr("domain|ip", "c2.example|198.51.100.5"),
            attr("ip-dst|port", "192.0.2.1|8080"),
        ],
    );
    put(
        &s,
        "b",
        2,
        vec![
            attr("domain", "c2.example"),
            attr("ip-dst", "198.51.100.5"),
            attr("text", "8080"),
        ],
    );
    assert_eq!(links(&s, "c2.example"), 2);
    assert_eq!(links(&s, "198.51.100.5"), 2);
    assert_eq!(links(&s, "8080"), 0, "the port half never correlates");
    let g = pivot(&s, "c2.example", PivotOptions::default()).unwrap();
    assert!(
        g.edges.iter().any(|e| e.kind == "composite"),
        "{:?}",
        g.edges
    );
}

#[test]
fn non_correlating_types_and_disabled_attributes_do_not_link() {
    let (_d, s) = store();
    let mut quiet = attr("ip-dst", "192.0.2.50");
    quiet.disable_correlation = true;
    put(
        &s,
        "a",
        1,
        vec![
            attr("comment", "same words"),
            quiet,
            attr("ip-dst", "192.0.2.51"),
        ],
    );
    put(
        &s,
        "b",
        2,
        vec![
            attr("comment", "same words"),
            attr("ip-dst", "192.0.2.50"),
            attr("ip-dst", "192.0.2.51"),
        ],
    );
    assert_eq!(links(&s, "same words"), 0);
    assert_eq!(links(&s, "192.0.2.50"), 0);
    assert_eq!(links(&s, "192.0.2.51"), 2);
}

#[test]
fn cidr_containment_both_ways_v4_and_v6() {
    let (_d, s) = store();
    put(
        &s,
        "a",
        1,
        vec![
            attr("ip-dst", "10.20.0.0/16"),
            attr("ip-src", "2001:db8:aa::/48"),
        ],
    );
    put(
        &s,
        "b",
        2,
        vec![
            attr("ip-dst", "10.20.30.40"),
            attr("ip-dst|port", "2001:db8:aa::9|443"),
            attr("ip-dst", "10.21.0.1"),
        ],
    );
    let held: Vec<String> = s
        .cidrs_containing("10.20.30.40", 10)
        .unwrap()
        .0
        .into_iter()
        .map(|h| h.value)
        .collect();
    assert_eq!(held, ["10.20.0.0/16"]);
    assert!(s.cidrs_containing("10.21.0.1", 10).unwrap().0.is_empty());
    let (inside, total) = s.ips_in("10.20.0.0/16", 10).unwrap();
    assert_eq!((inside.len(), total), (1, 1));
    let v6: Vec<String> = s
        .cidrs_containing("2001:db8:aa::9", 10)
        .unwrap()
        .0
        .into_iter()
        .map(|h| h.value)
        .collect();
    assert_eq!(v6, ["2001:db8:aa::/48"]);
    let g = pivot(&s, "10.20.30.40", PivotOptions::default()).unwrap();
    assert_eq!(edge_kinds(&g, "10.20.0.0/16"), ["cidr"]);
    let g = pivot(&s, "2001:db8:aa::/48", PivotOptions::default()).unwrap();
    assert!(
        edge_kinds(&g, "2001:db8:aa::9").contains(&"cidr"),
        "{:?}",
        g.edges
    );
}

#[test]
fn url_host_and_parent_domain_links() {
    let (_d, s) = store();
    put(
        &s,
        "a",
        1,
        vec![
            attr("url", "https://login.evil.co.uk/x.php"),
            attr("domain", "evil.co.uk"),
        ],
    );
    put(&s, "b", 2, vec![attr("hostname", "login.evil.co.uk")]);
    let g = pivot(
        &s,
        "https://login.evil.co.uk/x.php",
        PivotOptions::default(),
    )
    .unwrap();
    assert!(
        edge_kinds(&g, "login.evil.co.uk").contains(&"url-host"),
        "{:?}",
        g.edges
    );
    let g = pivot(&s, "login.evil.co.uk", PivotOptions::default()).unwrap();
    assert!(
        edge_kinds(&g, "evil.co.uk").contains(&"parent-domain"),
        "{:?}",
        g.edges
    );
}

#[test]
fn exclusions_and_over_correlation() {
    let (_d, s) = store();
    for i in 1..=4u128 {
        put(
            &s,
            "feed",
            i,
            vec![
                attr("domain", "cdn.example.net"),
                attr("ip-dst", &format!("192.0.2.{i}")),
            ],
        );
    }
    put(&s, "other", 9, vec![attr("ip-dst", "192.0.2.1")]);
    s.set_correlation_limit(3).unwrap();
    let g = pivot(&s, "cdn.example.net", PivotOptions::default()).unwrap();
    let root = &g.nodes[0];
    assert!(root.over_correlated);
    assert_eq!(root.left_out, 4);
    assert!(
        !g.nodes.iter().any(|n| n.kind == "event"),
        "a hub is counted, not expanded"
    );
    assert!(s.search("cdn.example.net", 1).unwrap()[0].over_correlated);
    s.set_exclusion("192.0.2.%", Some("test range")).unwrap();
    let g = pivot(&s, "192.0.2.1", PivotOptions::default()).unwrap();
    assert!(g.nodes[0].excluded);
    assert_eq!(g.nodes.len(), 1);
    assert!(s.set_exclusion("192.0.2.%", None).unwrap());
    let g = pivot(&s, "192.0.2.1", PivotOptions::default()).unwrap();
    assert_eq!(g.nodes.iter().filter(|n| n.kind == "event").count(), 2);
}

#[test]
fn pivot_depth_two_reaches_siblings_of_siblings() {
    let (_d, s) = store();
    put(
        &s,
        "a",
        1,
        vec![
            attr("ip-dst", "198.51.100.1"),
            attr("domain", "one.example"),
        ],
    );
    put(
        &s,
        "b",
        2,
        vec![attr("domain", "one.example"), attr("domain", "two.example")],
    );
    let d1 = pivot(
        &s,
        "198.51.100.1",
        PivotOptions {
            depth: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!d1.nodes.iter().any(|n| n.label == "two.example"));
    let d2 = pivot(
        &s,
        "198.51.100.1",
        PivotOptions {
            depth: 2,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(d2.nodes.iter().any(|n| n.label == "two.example"));
}

#[test]
fn sightings_and_overrides_drive_the_score() {
    let (_d, s) = store();
    let mut a = attr("ip-dst", "203.0.113.99");
    a.timestamp = 1_000_000;
    put(&s, "a", 1, vec![a]);
    // Long after the NIDS lifetime the score has decayed to 0; a sighting resets the clock.
    let later = 1_000_000 + 400 * 86_400;
    assert_eq!(value_score(&s, "203.0.113.99", later).unwrap(), Some(0.0));
    s.add_sighting("203.0.113.99", SightingType::Sighting, "ids", later)
        .unwrap();
    assert_eq!(value_score(&s, "203.0.113.99", later).unwrap(), Some(80.0));
    s.add_sighting(
        "203.0.113.99",
        SightingType::FalsePositive,
        "analyst",
        later + 1,
    )
    .unwrap();
    assert_eq!(
        value_score(&s, "203.0.113.99", later + 1).unwrap(),
        Some(0.0)
    );
    s.set_score_override("203.0.113.99", Some(55.0)).unwrap();
    assert_eq!(
        value_score(&s, "203.0.113.99", later + 1).unwrap(),
        Some(55.0)
    );
    assert!(
        s.add_sighting("not.stored.example", SightingType::Sighting, "x", 1)
            .is_err()
    );
    assert_eq!(value_score(&s, "not.stored.example", 1).unwrap(), None);
}

/// A small deterministic shuffle (xorshift), so the test is repeatable.
pub(super) fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[test]
fn rebuild_gives_exactly_the_incremental_index() {
    for seed in [1u64, 7, 42] {
        let (_d, mut s) = store();
        let mut ops: Vec<u32> = (0..40).collect();
        shuffle(&mut ops, seed);
        for op in ops {
            let i = op % 10;
            match op % 4 {
                0 => put(
                    &s,
                    "ev",
                    u128::from(i),
                    vec![
                        attr("ip-dst", &format!("10.0.{i}.1")),
                        attr("domain|ip", &format!("d{i}.example|10.0.{i}.1")),
                    ],
                ),
                1 => put(
                    &s,
                    "ev",
                    u128::from(i) + 100,
                    vec![
                        attr("ip-dst", &format!("10.0.{i}.0/24")),
                        attr("comment", "x"),
                    ],
                ),
                2 => list(
                    &s,
                    "list",
                    &[("ip-dst", "10.0.0.1"), ("domain", &format!("d{i}.example"))],
                ),
                _ => list(
                    &s,
                    &format!("list{i}"),
                    &[("url", &format!("http://d{i}.example/a"))],
                ),
            }
        }
        let incremental = s.index_snapshot().unwrap();
        assert!(
            !incremental.0.is_empty() && !incremental.1.is_empty() && !incremental.2.is_empty()
        );
        s.rebuild_correlations().unwrap();
        assert_eq!(s.index_snapshot().unwrap(), incremental, "seed {seed}");
    }
}

#[test]
fn each_batch_reports_which_values_changed() {
    let (_d, s) = store();
    let items = |vals: &[&str]| -> Vec<Indicator> {
        vals.iter()
            .map(|v| Indicator {
                type_: "domain",
                category: "Network activity",
                value: v.to_string(),
                to_ids: true,
                comment: String::new(),
                original: None,
            })
            .collect()
    };
    let mut w = s.writer().unwrap();
    let mut src = w.source("l", "freetext", 1).unwrap();
    w.merge_list(&mut src, &items(&["a.example", "b.example"]), 1, true)
        .unwrap();
    w.save_source(&src).unwrap();
    let c = w.commit().unwrap();
    assert_eq!((c.linked.len(), c.unlinked.len()), (2, 0));
    let mut w = s.writer().unwrap();
    let mut src = w.source("l", "freetext", 2).unwrap();
    w.merge_list(&mut src, &items(&["b.example", "c.example"]), 2, true)
        .unwrap();
    let c = w.commit().unwrap();
    assert_eq!(c.linked, ["c.example"]);
    assert_eq!(c.unlinked, ["a.example"]);
    assert_eq!((c.linked_total, c.unlinked_total), (1, 1));
}

#[test]
fn stats_count_correlated_excluded_and_over_correlated_values() {
    let (_d, s) = store();
    for i in 1..=3u128 {
        put(
            &s,
            "f",
            i,
            vec![
                attr("domain", "hub.example"),
                attr("domain", "pair.example"),
                attr("domain", "lab.internal"),
            ],
        );
    }
    let st = s.stats().unwrap();
    assert_eq!(
        (st.values, st.correlated_values, st.over_correlated_values),
        (3, 3, 0)
    );
    s.set_correlation_limit(2).unwrap();
    s.set_exclusion("%.internal", Some("lab")).unwrap();
    let st = s.stats().unwrap();
    assert_eq!((st.correlated_values, st.over_correlated_values), (2, 2));
}

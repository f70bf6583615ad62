//! Bundle-level tests with small inline fixtures; an optional run over the shared corpus.

mod corpus;
mod events;

use serde_json::{Value, json};
use uuid::Uuid;

use super::parse;
use crate::model::{Attribute, ParsedEvent};

const IDENTITY: &str = "identity--611d9d41-dba5-4e13-9b29-e22488058ffc";
const IND1: &str = "indicator--33fe3b22-0201-47cf-85d0-97c02164528d";
const IND2: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const REPORT: &str = "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3";
const BUNDLE: &str = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d";
const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

fn uuid_of(id: &str) -> Uuid {
    id.rsplit_once("--")
        .and_then(|(_, u)| Uuid::parse_str(u).ok())
        .unwrap_or_default()
}

fn run(v: Value) -> super::StixImport {
    match parse(v.to_string().as_bytes()) {
        Ok(r) => r,
        Err(e) => panic!("parse failed: {e}"),
    }
}

fn indicator(id: &str, pattern: &str) -> Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
        "name": "C2", "description": "Feodo C2", "pattern": pattern, "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z", "valid_until": "2024-02-01T00:00:00.5Z",
        "labels": ["malicious-activity"]})
}

fn bundle(objects: Vec<Value>) -> Value {
    json!({"type": "bundle", "id": BUNDLE, "objects": objects})
}

fn only_event(r: &super::StixImport) -> &ParsedEvent {
    assert_eq!(r.events.len(), 1, "events: {:#?}", r.events);
    &r.events[0]
}

fn tv(a: &Attribute) -> (String, String) {
    (a.type_.clone(), a.value.clone())
}

fn tag_names(tags: &[crate::model::Tag]) -> Vec<&str> {
    tags.iter().map(|t| t.name.as_str()).collect()
}

#[test]
fn orphan_indicator_goes_to_the_bundle_event() {
    let r = run(bundle(vec![indicator(
        IND1,
        "[ipv4-addr:value = '198.51.100.7']",
    )]));
    let ev = only_event(&r);
    assert_eq!(ev.event.uuid, uuid_of(BUNDLE));
    assert_eq!(ev.event.info, format!("STIX bundle {BUNDLE}"));
    assert_eq!(ev.event.timestamp, 1_704_153_600);
    assert_eq!(ev.event.date, "2024-01-02");
    let a = &ev.attributes[0];
    assert_eq!(tv(a), ("ip-dst".into(), "198.51.100.7".into()));
    assert_eq!(a.uuid, Some(uuid_of(IND1)));
    assert!(a.to_ids);
    assert_eq!(a.category, "Network activity");
    assert_eq!(a.comment, "C2: Feodo C2");
    assert_eq!(a.timestamp, 1_704_153_600);
    assert_eq!(a.first_seen, Some(1_704_067_200_000_000));
    assert_eq!(a.last_seen, Some(1_706_745_600_500_000));
    assert_eq!(tag_names(&a.tags), ["malicious-activity"]);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn or_pattern_gives_stable_uuids() {
    let p = "[domain-name:value = 'Evil.example.com' OR ipv4-addr:value = '1.2.3.4']";
    let r = run(bundle(vec![indicator(IND1, p)]));
    let attrs = &only_event(&r).attributes;
    assert_eq!(
        attrs.iter().map(tv).collect::<Vec<_>>(),
        [
            ("domain".to_string(), "evil.example.com".to_string()),
            ("ip-dst".to_string(), "1.2.3.4".to_string())
        ]
    );
    assert_eq!(attrs[0].original.as_deref(), Some("Evil.example.com"));
    assert_eq!(attrs[0].uuid, Some(uuid_of(IND1)));
    let second = Uuid::new_v5(&uuid_of(IND1), b"1");
    assert_eq!(attrs[1].uuid, Some(second));
    // Same input, same uuids.
    let again = run(bundle(vec![indicator(IND1, p)]));
    assert_eq!(again.events[0].attributes[1].uuid, Some(second));
}

#[test]
fn composite_and_escaped_patterns() {
    let r = run(bundle(vec![
        indicator(
            IND1,
            "[file:name = 'a.exe' AND file:hashes.'SHA-256' = 'AB01']",
        ),
        indicator(IND2, r"[windows-registry-key:key = 'HKLM\\Run\\it\'s']"),
        indicator(
            "indicator--00000000-0000-4000-8000-000000000003",
            "[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = 443]",
        ),
    ]));
    let got: Vec<_> = only_event(&r).attributes.iter().map(tv).collect();
    assert_eq!(
        got,
        [
            ("filename|sha256".to_string(), "a.exe|ab01".to_string()),
            ("regkey".to_string(), r"HKLM\Run\it's".to_string()),
            ("ip-dst|port".to_string(), "1.2.3.4|443".to_string()),
        ]
    );
}

#[test]
fn unsupported_shapes_are_kept_whole() {
    let like = "[domain-name:value LIKE '%.evil.example']";
    let seq =
        "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [url:value = 'http://x/'] WITHIN 600 SECONDS";
    let broken = "[ipv4-addr:value = '1.2.3.4'";
    let r = run(bundle(vec![
        indicator(IND1, like),
        indicator(IND2, seq),
        indicator("indicator--00000000-0000-4000-8000-000000000003", broken),
        indicator(
            "indicator--00000000-0000-4000-8000-000000000004",
            "[process:command_line = 'x']",
        ),
    ]));
    let attrs = &only_event(&r).attributes;
    assert!(attrs.iter().all(|a| a.type_ == "stix2-pattern" && a.to_ids));
    let values: Vec<&str> = attrs.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(values, [like, seq, broken, "[process:command_line = 'x']"]);
    // Only the pattern that does not parse is worth a warning.
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("indicator--00000000-0000-4000-8000-000000000003"));
    assert!(r.warnings[0].contains("field pattern"));
}

#[test]
fn oversized_pattern_is_kept_with_a_warning() {
    let p = format!("[file:name = '{}']", "a".repeat(70_000));
    let r = run(bundle(vec![indicator(IND1, &p)]));
    assert_eq!(only_event(&r).attributes[0].type_, "stix2-pattern");
    assert!(
        r.warnings.iter().any(|w| w.contains("longer than")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn rule_pattern_types() {
    let mut yara = indicator(IND1, "[rule x { condition: true }]");
    yara["pattern_type"] = json!("yara");
    let mut sigma = indicator(IND2, "title: t\ndetection: {}");
    sigma["pattern_type"] = json!("sigma");
    let mut pcre = indicator("indicator--00000000-0000-4000-8000-000000000003", "/evil/");
    pcre["pattern_type"] = json!("pcre");
    let r = run(bundle(vec![yara, sigma, pcre]));
    let got: Vec<_> = only_event(&r).attributes.iter().map(tv).collect();
    assert_eq!(
        got,
        [
            ("yara".to_string(), "rule x { condition: true }".to_string()),
            ("sigma".to_string(), "title: t\ndetection: {}".to_string()),
            ("other".to_string(), "/evil/".to_string()),
        ]
    );
    assert!(r.warnings.iter().any(|w| w.contains("pcre")));
}

#[test]
fn envelopes_arrays_and_bom() {
    let objs = vec![indicator(IND1, "[url:value = 'http://x/']")];
    let env = json!({"more": false, "objects": objs});
    let a = run(env.clone());
    let b = run(Value::Array(objs));
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(env.to_string().as_bytes());
    let c = parse(&with_bom).unwrap_or_default();
    for r in [&a, &b, &c] {
        assert_eq!(only_event(r).attributes.len(), 1);
        assert_eq!(r.events[0].event.info, "STIX objects");
    }
    // No bundle id: the uuid comes from the bytes, so it is stable and differs per input.
    assert_eq!(a.events[0].event.uuid, c.events[0].event.uuid);
    assert_ne!(a.events[0].event.uuid, b.events[0].event.uuid);
    assert_ne!(a.events[0].event.uuid, Uuid::nil());
}

#[test]
fn bad_json_reports_its_line() {
    let err = parse(b"{\"type\": \"bundle\",\n \"objects\": [\n  {\"type\": \"indicator\",}\n]}")
        .unwrap_err();
    assert_eq!(err.line, Some(3));
    assert!(err.message.starts_with("invalid JSON"), "{err}");
    let err = parse(b"\"just a string\"").unwrap_err();
    assert!(err.message.contains("not a STIX bundle"), "{err}");
    let err = parse(br#"{"type": "bundle", "objects": {"a": 1}}"#).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("objects"));
    let err = parse(br#"{"hello": "world"}"#).unwrap_err();
    assert!(err.message.contains("not a STIX bundle"), "{err}");
}

#[test]
fn malformed_objects_are_skipped_with_a_warning() {
    let r = run(bundle(vec![
        json!({"type": "indicator", "id": "indicator--not-a-uuid", "pattern": "[url:value = 'http://a/']"}),
        json!({"type": "indicator", "pattern": "[url:value = 'http://b/']"}),
        json!({"id": "indicator--00000000-0000-4000-8000-000000000009"}),
        json!(42),
        json!({"type": "indicator", "spec_version": "2.1", "id": IND2, "modified": "2024-01-01T00:00:00.000Z"}),
        json!({"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000008",
            "relationship_type": "related-to", "source_ref": "bogus", "target_ref": IND2}),
        indicator(IND1, "[url:value = 'http://c/']"),
    ]));
    let ev = only_event(&r);
    assert_eq!(ev.attributes.len(), 1);
    let w = r.warnings.join("\n");
    for want in [
        "object 1 (indicator): field id: \"indicator--not-a-uuid\" is not type--uuid; skipped",
        "object 2: field id: missing; skipped",
        "object 3: field type: missing; skipped",
        "object 4: not a JSON object; skipped",
        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: field pattern: missing; skipped",
        "relationship--00000000-0000-4000-8000-000000000008: field source_ref/target_ref",
    ] {
        assert!(w.contains(want), "missing {want:?} in\n{w}");
    }
}

#[test]
fn many_bad_objects_make_one_warning() {
    let r = run(Value::Array((0..81).map(|i| json!({"title": i})).collect()));
    assert!(r.events.is_empty());
    assert_eq!(
        r.warnings,
        [
            "objects 1, 2, 3, 4, 5 … (81 in all): field type: missing; skipped",
            "no reports, groupings, indicators or observables: nothing imported"
        ]
    );
}

#[test]
fn newest_version_wins_and_revoked_is_skipped() {
    let mut old = indicator(IND1, "[url:value = 'http://old/']");
    old["modified"] = json!("2023-01-01T00:00:00.000Z");
    let new = indicator(IND1, "[url:value = 'http://new/']");
    let mut revoked = indicator(IND2, "[url:value = 'http://revoked/']");
    revoked["revoked"] = json!(true);
    let r = run(bundle(vec![new, old, revoked]));
    let values: Vec<&str> = only_event(&r)
        .attributes
        .iter()
        .map(|a| a.value.as_str())
        .collect();
    assert_eq!(values, ["http://new/"]);
    assert!(r.warnings.iter().any(|w| w.contains("1 revoked")));
}

#[test]
fn nothing_to_import_is_said() {
    let r = run(bundle(vec![
        json!({"type": "malware", "spec_version": "2.1",
        "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", "name": "x", "is_family": true,
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"}),
    ]));
    assert!(r.events.is_empty());
    assert!(r.warnings.iter().any(|w| w.contains("nothing imported")));
}

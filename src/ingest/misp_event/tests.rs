use std::path::PathBuf;

use uuid::Uuid;

use super::parse;
use crate::ingest::ParseError;
use crate::model::ParsedEvent;

const EV: &str = "5eeb348a-cb74-40eb-9678-7c1d0aba047c";
const EV2: &str = "11111111-2222-4333-8444-555555555555";
const A1: &str = "3b1a0eaf-f0bc-4b23-9064-05957d4e5a08";
const OBJ: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

fn one(json: &str) -> ParsedEvent {
    let mut evs = parse(json.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(evs.len(), 1, "{evs:?}");
    evs.remove(0)
}

fn err(json: &str) -> ParseError {
    match parse(json.as_bytes()) {
        Ok(evs) => panic!("expected an error, got {evs:?}"),
        Err(e) => e,
    }
}

fn u(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

#[test]
fn event_wrapper_with_string_numbers_and_bool_variants() {
    let ev = one(&format!(
        r##"{{"Event": {{
            "uuid": "{EV}", "info": "Dridex", "date": "2020-05-28",
            "timestamp": "1677666893", "publish_timestamp": 1677666900, "published": "1",
            "analysis": "2", "threat_level_id": 1, "distribution": "3",
            "extends_uuid": "", "Orgc": {{"name": "CERT-FR", "uuid": "56bdf779-46f8-4353-bdf9-2bb95bce2212"}},
            "Tag": [{{"name": "tlp:clear", "colour": "#ffffff", "local": 0}},
                    {{"name": "internal", "local": "1"}}],
            "Attribute": [
                {{"uuid": "{A1}", "type": "ip-dst", "category": "Network activity", "value": "1.2.3.4",
                  "to_ids": 0, "deleted": "0", "disable_correlation": true, "timestamp": 1592472714,
                  "distribution": "0", "comment": "c2", "data": "UEsDBAoAAAAAAA=="}},
                {{"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": "1",
                  "uuid": "not-a-uuid", "deleted": 1}}
            ]}}}}"##
    ));
    let e = &ev.event;
    assert_eq!(e.uuid, u(EV));
    assert_eq!(e.info, "Dridex");
    assert_eq!(e.date, "2020-05-28");
    assert_eq!((e.timestamp, e.publish_timestamp), (1677666893, 1677666900));
    assert!(e.published);
    assert_eq!((e.analysis, e.threat_level_id, e.distribution), (2, 1, 3));
    assert_eq!(e.extends_uuid, None);
    let orgc = e.orgc.as_ref().unwrap();
    assert_eq!(orgc.name, "CERT-FR");
    assert_eq!(orgc.uuid, Some(u("56bdf779-46f8-4353-bdf9-2bb95bce2212")));
    assert_eq!(e.tags.len(), 2);
    assert_eq!(e.tags[0].colour.as_deref(), Some("#ffffff"));
    assert!(!e.tags[0].local && e.tags[1].local);

    let [a, b] = &ev.attributes[..] else {
        panic!("{:?}", ev.attributes)
    };
    assert_eq!(a.uuid, Some(u(A1)));
    assert_eq!((a.type_.as_str(), a.value.as_str()), ("ip-dst", "1.2.3.4"));
    assert!(!a.to_ids && !a.deleted && a.disable_correlation);
    assert_eq!(
        (a.timestamp, a.distribution, a.comment.as_str()),
        (1592472714, 0, "c2")
    );
    assert_eq!(a.object_uuid, None);
    // Invalid attribute uuid: left for the store to derive.
    assert_eq!(b.uuid, None);
    assert!(b.to_ids && b.deleted);
    // Missing category and timestamp: the type's default and the event's timestamp.
    assert_eq!(b.category, "Payload delivery");
    assert_eq!((b.timestamp, b.distribution), (1677666893, 5));
}

#[test]
fn defaults_from_type_table_and_timestamp() {
    let ev = one(&format!(
        r#"{{"uuid": "{EV}", "info": "bare", "timestamp": 1709164800,
            "Attribute": [{{"type": "domain", "value": "example.com"}},
                          {{"type": "comment", "value": 42}},
                          {{"type": "no-such-type", "value": 1.5}}]}}"#
    ));
    assert_eq!(ev.event.date, "2024-02-29");
    assert_eq!((ev.event.analysis, ev.event.threat_level_id), (0, 4));
    let a = &ev.attributes;
    assert_eq!(
        (a[0].category.as_str(), a[0].to_ids),
        ("Network activity", true)
    );
    assert_eq!((a[1].category.as_str(), a[1].to_ids), ("Other", false));
    assert_eq!(a[1].value, "42");
    assert_eq!(
        (a[2].type_.as_str(), a[2].category.as_str()),
        ("no-such-type", "Other")
    );
    assert_eq!(a[2].value, "1.5");
}

#[test]
fn response_list_single_and_bare_lists() {
    let ev = |uuid: &str| format!(r#"{{"uuid": "{uuid}", "info": "x"}}"#);
    let shapes = [
        format!(
            r#"{{"response": [{{"Event": {}}}, {{"Event": {}}}]}}"#,
            ev(EV),
            ev(EV2)
        ),
        format!(r#"[{{"Event": {}}}, {{"Event": {}}}]"#, ev(EV), ev(EV2)),
        format!(r#"[{}, {}]"#, ev(EV), ev(EV2)),
        format!(r#"{{"response": [{}, {{"Event": {}}}]}}"#, ev(EV), ev(EV2)),
    ];
    for json in &shapes {
        let evs = parse(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"));
        let uuids: Vec<Uuid> = evs.iter().map(|e| e.event.uuid).collect();
        assert_eq!(uuids, [u(EV), u(EV2)], "{json}");
    }
    let single = one(&format!(r#"{{"response": {{"Event": {}}}}}"#, ev(EV)));
    assert_eq!(single.event.uuid, u(EV));
    assert!(parse(br#"{"response": []}"#).unwrap().is_empty());
    assert!(parse(b"[]").unwrap().is_empty());
}

#[test]
fn galaxies_become_tags_without_duplicates() {
    let ev = one(&format!(
        r#"{{"Event": {{"uuid": "{EV}", "info": "g",
            "Tag": [{{"name": "misp-galaxy:threat-actor=\"Sofacy\""}}],
            "Galaxy": [{{"type": "threat-actor", "GalaxyCluster": [
                {{"tag_name": "misp-galaxy:threat-actor=\"Sofacy\"", "value": "Sofacy"}},
                {{"value": "Turla"}}]}},
              {{"type": "tool", "GalaxyCluster": [{{"type": "mitre-tool", "value": "Mimikatz"}}, {{}}]}}],
            "Attribute": [{{"type": "ip-dst", "value": "1.2.3.4",
                "Galaxy": [{{"type": "malpedia", "GalaxyCluster": [{{"tag_name": "misp-galaxy:malpedia=\"X\""}}]}}]}}]
        }}}}"#
    ));
    let names: Vec<&str> = ev.event.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            r#"misp-galaxy:threat-actor="Sofacy""#,
            r#"misp-galaxy:threat-actor="Turla""#,
            r#"misp-galaxy:mitre-tool="Mimikatz""#,
        ]
    );
    assert!(ev.event.tags.iter().all(|t| t.is_galaxy()));
    assert_eq!(ev.attributes[0].tags[0].name, r#"misp-galaxy:malpedia="X""#);
}

#[test]
fn object_attributes_are_flattened_with_relation_and_references() {
    let ev = one(&format!(
        r#"{{"Event": {{"uuid": "{EV}", "info": "o", "timestamp": 100,
            "Attribute": [{{"type": "ip-dst", "value": "1.2.3.4", "uuid": "{A1}"}}],
            "Object": [
              {{"uuid": "{OBJ}", "name": "file", "meta-category": "file", "description": "a file",
                "template_uuid": "688c46fb-5edb-40a3-8273-1af7923e2215", "template_version": 23,
                "timestamp": "200", "deleted": false, "first_seen": "2021-01-01T00:00:00Z",
                "Attribute": [
                  {{"type": "filename", "object_relation": "filename", "value": "a.exe"}},
                  {{"type": "sha256", "object_relation": "sha256", "value": "AB", "timestamp": 300}}],
                "ObjectReference": [{{"uuid": "{EV2}", "object_uuid": "{EV2}",
                  "referenced_uuid": "{A1}", "relationship_type": "connects-to", "timestamp": "250"}}]}},
              {{"name": "domain-ip", "Attribute": [{{"type": "domain", "object_relation": "domain", "value": "x.org"}}]}}
            ]}}}}"#
    ));
    assert_eq!(ev.attributes.len(), 4);
    assert_eq!(ev.attributes[0].object_uuid, None);
    let o = &ev.objects[0];
    assert_eq!(
        (o.uuid, o.name.as_str(), o.meta_category.as_str()),
        (u(OBJ), "file", "file")
    );
    assert_eq!((o.template_version.as_str(), o.timestamp), ("23", 200));
    assert_eq!(o.first_seen, Some(1_609_459_200_000_000));
    let fa = &ev.attributes[1];
    assert_eq!(fa.object_uuid, Some(u(OBJ)));
    assert_eq!(fa.object_relation.as_deref(), Some("filename"));
    assert_eq!(fa.timestamp, 200, "object's timestamp stands in");
    assert_eq!(
        (ev.attributes[2].value.as_str(), ev.attributes[2].timestamp),
        ("AB", 300)
    );
    // An object without uuid gets a stable derived one.
    let derived = ev.objects[1].uuid;
    assert_eq!(ev.attributes[3].object_uuid, Some(derived));
    assert_eq!(one_again_uuid(), derived);
    let r = &ev.references[0];
    assert_eq!((r.object_uuid, r.referenced_uuid), (u(OBJ), u(A1)));
    assert_eq!((r.uuid, r.timestamp), (Some(u(EV2)), 250));
    assert_eq!(r.relationship_type, "connects-to");
}

fn one_again_uuid() -> Uuid {
    let json = format!(
        r#"{{"uuid": "{EV}", "info": "o", "Object": [{{"uuid": "{OBJ}"}}, {{"name": "domain-ip"}}]}}"#
    );
    one(&json).objects[1].uuid
}

#[test]
fn first_seen_forms() {
    let ev = one(&format!(
        r#"{{"uuid": "{EV}", "Attribute": [
            {{"type": "ip-dst", "value": "1", "first_seen": 1700000000123456, "last_seen": "2016-04-06T20:03:48.5Z"}},
            {{"type": "ip-dst", "value": "2", "first_seen": "garbage", "last_seen": null}}]}}"#
    ));
    let a = &ev.attributes;
    assert_eq!(a[0].first_seen, Some(1_700_000_000_123_456));
    assert_eq!(a[0].last_seen, Some(1_459_973_028_500_000));
    assert_eq!((a[1].first_seen, a[1].last_seen), (None, None));
}

#[test]
fn missing_event_uuid_is_derived_from_the_content() {
    let doc = "{\"Event\": {\n\"info\": \"no uuid\", \"Attribute\": [{\"type\": \"ip-dst\", \"value\": \"1.2.3.4\"}]\n}\n}";
    let a = parse(doc.as_bytes()).unwrap();
    let b = parse(doc.as_bytes()).unwrap();
    assert!(!a[0].event.uuid.is_nil());
    assert_eq!(a[0].event.uuid, b[0].event.uuid, "stable across re-imports");
    let other = parse(doc.replace("1.2.3.4", "1.2.3.5").as_bytes()).unwrap();
    assert_ne!(a[0].event.uuid, other[0].event.uuid);
}

#[test]
fn invalid_event_uuid_names_the_field() {
    let e = err("{\"info\": \"bare\", \"uuid\": \"1234\"}");
    assert_eq!(e.field.as_deref(), Some("Event.uuid"), "{e}");
    assert!(e.message.contains("not a UUID"), "{e}");
}

#[test]
fn missing_attribute_fields_name_the_path_and_line() {
    let json = format!(
        "{{\"Event\": {{\"uuid\": \"{EV}\", \"info\": \"x\",\n\"Attribute\": [\n\
         {{\"type\": \"ip-dst\", \"value\": \"1.2.3.4\"}},\n\
         {{\"type\": \"ip-dst\",\n\"comment\": \"no value\"}}\n]}}}}"
    );
    let e = err(&json);
    assert_eq!(e.field.as_deref(), Some("Event.Attribute[1].value"), "{e}");
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.contains("missing required field `value`"), "{e}");

    let json = format!(
        r#"[{{"uuid": "{EV}", "Object": [{{"Attribute": [{{"type": "ip-dst", "value": "1"}}, {{"value": "2"}}]}}]}}]"#
    );
    let e = err(&json);
    assert_eq!(
        e.field.as_deref(),
        Some("[0].Event.Object[0].Attribute[1].type"),
        "{e}"
    );
    assert_eq!(e.line, Some(1));

    let json = format!(
        r#"{{"uuid": "{EV}", "Object": [{{"ObjectReference": [{{"relationship_type": "x"}}]}}]}}"#
    );
    let e = err(&json);
    assert_eq!(
        e.field.as_deref(),
        Some("Event.Object[0].ObjectReference[0].referenced_uuid")
    );

    let e = err(&format!(
        r##"{{"uuid": "{EV}", "Tag": [{{"colour": "#fff"}}]}}"##
    ));
    assert_eq!(e.field.as_deref(), Some("Event.Tag[0].name"), "{e}");
}

#[test]
fn wrong_types_report_element_and_line() {
    let json = format!(
        "{{\"uuid\": \"{EV}\",\n\"Attribute\": [{{\"type\": \"ip-dst\", \"value\": \"1\"}},\n{{\"type\": \"ip-dst\", \"to_ids\": \"maybe\", \"value\": \"2\"}}]}}"
    );
    let e = err(&json);
    assert_eq!(e.field.as_deref(), Some("Event.Attribute[1]"), "{e}");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("expected a boolean"), "{e}");
    assert!(!e.message.contains("invalid JSON"), "{e}");
    let e = err(&format!(r#"{{"uuid": "{EV}", "analysis": 300}}"#));
    assert!(e.message.contains("out of range"), "{e}");
}

#[test]
fn trailing_comma_gives_its_line() {
    let json = format!(
        "{{\"Event\": {{\n  \"uuid\": \"{EV}\",\n  \"Attribute\": [\n    {{\"type\": \"ip-dst\", \"value\": \"1\"}},\n  ]\n}}}}"
    );
    let e = err(&json);
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.starts_with("invalid JSON"), "{e}");
    let e = err(&format!("{{\"Event\": {{\"uuid\": \"{EV}\","));
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("EOF"), "{e}");
}

#[test]
fn bom_and_bad_utf8() {
    let json = format!("\u{feff}{{\"Event\": {{\"uuid\": \"{EV}\", \"info\": \"bom\"}}}}");
    assert_eq!(one(&json).event.info, "bom");
    let e = parse(b"{\"Event\": {\n\"info\": \"\xff\"}}").unwrap_err();
    assert_eq!(e.line, Some(2));
}

#[test]
fn not_an_event_is_rejected() {
    for json in [
        "{}",
        r#"{"uuid": "5eeb348a-cb74-40eb-9678-7c1d0aba047c", "GalaxyCluster": []}"#,
        "42",
        r#""x""#,
    ] {
        let e = err(json);
        assert_eq!(e.line, Some(1), "{json}: {e}");
    }
    let e = err("[{\"name\": \"sharing group\"}]");
    assert_eq!(e.field.as_deref(), Some("[0].Event.info"), "{e}");
}

#[test]
fn oversized_value_is_rejected_and_data_is_dropped() {
    let blob = "A".repeat(super::de::MAX_VALUE_BYTES + 1);
    let ok = one(&format!(
        r#"{{"uuid": "{EV}", "Attribute": [{{"type": "malware-sample", "value": "a.exe|d41d8cd98f00b204e9800998ecf8427e", "data": "{blob}"}}]}}"#
    ));
    assert_eq!(ok.attributes[0].value.len(), 38);
    let e = err(&format!(
        r#"{{"uuid": "{EV}", "Attribute": [{{"type": "text", "value": "x"}}, {{"type": "text", "value": "{blob}"}}]}}"#
    ));
    assert_eq!(e.field.as_deref(), Some("Event.Attribute[1].value"), "{e}");
    assert!(e.message.contains("1 MiB"), "{e}");
}

#[test]
fn errors_do_not_leak_into_the_next_parse() {
    let _ = err(&format!(
        r#"{{"uuid": "{EV}", "Attribute": [{{"value": "x"}}]}}"#
    ));
    let e = err("{\"Event\": {\"info\": 1,}}");
    assert_eq!(e.field.as_deref(), Some("Event"), "{e}");
}

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Every MISP event file of the corpus parses, or fails with a line.
#[test]
fn corpus_event_files_parse_or_fail_with_a_line() {
    let Some(corpus) = corpus() else {
        eprintln!("corpus absent, skipped");
        return;
    };
    let mut parsed = 0;
    for sub in ["misp-events-eset", "misp-events-pymisp"] {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            match parse(&bytes) {
                Ok(evs) => {
                    parsed += 1;
                    let attrs: usize = evs.iter().map(|e| e.attributes.len()).sum();
                    eprintln!(
                        "ok   {}: {} events, {attrs} attributes",
                        f.display(),
                        evs.len()
                    );
                }
                Err(e) => {
                    eprintln!("fail {}: {e}", f.display());
                    assert!(e.line.is_some(), "{}: {e}", f.display());
                }
            }
        }
    }
    // All 19 ESET files are well-formed MISP responses.
    assert!(parsed >= 19, "{parsed}");
}

#[test]
fn a_tower_of_wrappers_is_refused_not_overflowed() {
    let depth = 120;
    let doc = format!(
        "{}{{\"info\": \"x\"}}{}",
        "{\"Event\": ".repeat(depth),
        "}".repeat(depth)
    );
    let e = err(&doc);
    assert!(e.message.contains("nested too deep"), "{e}");
    let ok = format!("{{\"response\": [{{\"Event\": {{\"uuid\": \"{EV}\", \"info\": \"x\"}}}}]}}");
    assert_eq!(parse(ok.as_bytes()).unwrap().len(), 1);
}

#[test]
fn event_level_disable_correlation_reaches_every_attribute() {
    let doc = format!(
        "{{\"Event\": {{\"uuid\": \"{EV}\", \"info\": \"x\", \"disable_correlation\": \"1\",
          \"Attribute\": [{{\"type\": \"ip-dst\", \"value\": \"1.2.3.4\"}}],
          \"Object\": [{{\"name\": \"file\", \"Attribute\": [{{\"type\": \"md5\", \"value\": \"ab\"}}]}}]}}}}"
    );
    let ev = &parse(doc.as_bytes()).unwrap()[0];
    assert_eq!(ev.attributes.len(), 2);
    assert!(ev.attributes.iter().all(|a| a.disable_correlation));
}

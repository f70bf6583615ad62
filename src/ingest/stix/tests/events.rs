//! Reports, groupings, observables, relationships and STIX 2.0 input.

use serde_json::json;
use uuid::Uuid;

use super::*;

#[test]
fn report_event_with_orgc_tlp_galaxies_and_relationship() {
    let mut ind = indicator(IND1, "[url:value = 'http://evil.example/a']");
    ind["object_marking_refs"] =
        json!(["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]);
    let r = run(bundle(vec![
        json!({"type": "identity", "spec_version": "2.1", "id": IDENTITY, "created": "2017-04-14T13:07:49.812Z",
            "modified": "2017-04-14T13:07:49.812Z", "name": "Stark Industries", "identity_class": "organization"}),
        json!({"type": "marking-definition", "spec_version": "2.1", "id": TLP2_AMBER,
            "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
            "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                {"extension_type": "property-extension", "tlp_2_0": "amber"}}}),
        json!({"type": "report", "spec_version": "2.1", "id": REPORT, "created_by_ref": IDENTITY,
            "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-05T10:00:00.000Z",
            "name": "Evil campaign", "published": "2024-03-04T00:00:00Z", "labels": ["threat-report"],
            "object_marking_refs": [TLP2_AMBER],
            "object_refs": [IND1, "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
                "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0062",
                "relationship--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0063",
                "attack-pattern--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0099"]}),
        ind,
        json!({"type": "malware", "spec_version": "2.1", "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "name": "Poison \"Ivy\"", "is_family": true}),
        json!({"type": "vulnerability", "spec_version": "2.1", "id": "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0062",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "cve-2021-44228"}),
        json!({"type": "relationship", "spec_version": "2.1", "id": "relationship--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0063",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-03T00:00:00.000Z",
            "relationship_type": "indicates", "source_ref": IND1,
            "target_ref": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"}),
    ]));
    let ev = only_event(&r);
    let e = &ev.event;
    assert_eq!(e.uuid, uuid_of(REPORT));
    assert_eq!(e.info, "Evil campaign");
    assert_eq!(e.date, "2024-03-04");
    assert_eq!(e.timestamp, 1_709_632_800);
    let org = e.orgc.as_ref().map(|o| (o.name.as_str(), o.uuid));
    assert_eq!(org, Some(("Stark Industries", Some(uuid_of(IDENTITY)))));
    assert_eq!(
        tag_names(&e.tags),
        [
            "threat-report",
            "tlp:amber",
            "misp-galaxy:mitre-malware=\"Poison 'Ivy'\""
        ]
    );
    let got: Vec<_> = ev.attributes.iter().map(tv).collect();
    assert_eq!(
        got,
        [
            ("url".to_string(), "http://evil.example/a".to_string()),
            ("vulnerability".to_string(), "CVE-2021-44228".to_string()),
        ]
    );
    assert_eq!(
        tag_names(&ev.attributes[0].tags),
        [
            "malicious-activity",
            "tlp:green",
            "misp-galaxy:mitre-malware=\"Poison 'Ivy'\""
        ]
    );
    assert!(!ev.attributes[1].to_ids);
    assert_eq!(ev.references.len(), 1);
    let rel = &ev.references[0];
    assert_eq!(
        rel.uuid,
        Some(uuid_of(
            "relationship--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0063"
        ))
    );
    assert_eq!(
        (rel.object_uuid, rel.referenced_uuid),
        (
            uuid_of(IND1),
            uuid_of("malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061")
        )
    );
    assert_eq!(rel.relationship_type, "indicates");
    assert_eq!(rel.timestamp, 1_704_240_000);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains(REPORT) && w.contains("1 ids not in the bundle")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn object_in_two_reports_is_copied_and_orphans_stay_apart() {
    let report = |id: &str, refs: &[&str]| {
        json!({"type": "grouping", "spec_version": "2.1", "id": id, "context": "unspecified",
            "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-01T00:00:00.000Z", "object_refs": refs})
    };
    let r = run(bundle(vec![
        report("grouping--00000000-0000-4000-8000-0000000000a1", &[IND1]),
        report("grouping--00000000-0000-4000-8000-0000000000a2", &[IND1]),
        indicator(IND1, "[mutex:name = 'm1']"),
        indicator(IND2, "[mutex:name = 'm2']"),
    ]));
    assert_eq!(r.events.len(), 3);
    let values: Vec<Vec<&str>> = r
        .events
        .iter()
        .map(|e| e.attributes.iter().map(|a| a.value.as_str()).collect())
        .collect();
    assert_eq!(values, [vec!["m1"], vec!["m1"], vec!["m2"]]);
    assert_eq!(
        r.events[0].event.info,
        "STIX grouping grouping--00000000-0000-4000-8000-0000000000a1"
    );
    assert_eq!(r.events[0].event.date, "2024-03-01");
    assert_eq!(r.events[2].event.uuid, uuid_of(BUNDLE));
}

#[test]
fn scos_are_observables_and_addresses_are_not_repeated() {
    let od = "observed-data--00000000-0000-4000-8000-0000000000d1";
    let r = run(bundle(vec![
        json!({"type": "observed-data", "spec_version": "2.1", "id": od,
            "created": "2020-10-25T16:22:00.000Z", "modified": "2020-11-25T16:22:00.000Z",
            "first_observed": "2020-10-25T16:22:00Z", "last_observed": "2020-11-25T16:22:00Z",
            "number_observed": 1,
            "object_refs": ["network-traffic--00000000-0000-4000-8000-0000000000e1",
                "ipv4-addr--00000000-0000-4000-8000-0000000000e2"]}),
        json!({"type": "network-traffic", "spec_version": "2.1", "id": "network-traffic--00000000-0000-4000-8000-0000000000e1",
            "dst_ref": "ipv4-addr--00000000-0000-4000-8000-0000000000e2", "dst_port": 5678, "protocols": ["tcp"]}),
        json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--00000000-0000-4000-8000-0000000000e2", "value": "5.6.7.8"}),
        json!({"type": "domain-name", "spec_version": "2.1", "id": "domain-name--00000000-0000-4000-8000-0000000000e3", "value": "circl.lu",
            "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}),
        json!({"type": "file", "id": "file--00000000-0000-4000-8000-0000000000e4", "name": "resume.pdf", "size": 83968,
            "hashes": {"MD5": "1717B7FFF97D37A1E1A0029D83492DE1", "x-custom": "zz"}}),
    ]));
    let ev = only_event(&r);
    let got: Vec<_> = ev.attributes.iter().map(tv).collect();
    assert_eq!(
        got,
        [
            ("ip-dst|port".to_string(), "5.6.7.8|5678".to_string()),
            ("domain".to_string(), "circl.lu".to_string()),
            (
                "filename|md5".to_string(),
                "resume.pdf|1717b7fff97d37a1e1a0029d83492de1".to_string()
            ),
        ]
    );
    assert!(ev.attributes.iter().all(|a| !a.to_ids));
    let nt = &ev.attributes[0];
    assert_eq!(
        nt.uuid,
        Some(uuid_of(
            "network-traffic--00000000-0000-4000-8000-0000000000e1"
        ))
    );
    assert_eq!(nt.first_seen, Some(1_603_642_920_000_000));
    assert_eq!(nt.timestamp, 1_606_321_320);
    assert_eq!(tag_names(&ev.attributes[1].tags), ["tlp:clear"]);
    // SCOs carry no time; the event's is the observed-data's.
    assert_eq!(ev.attributes[1].timestamp, 1_606_321_320);
}

#[test]
fn stix20_bundle_warns_and_expands_embedded_objects() {
    let r = run(
        json!({"type": "bundle", "id": BUNDLE, "spec_version": "2.0", "objects": [
            {"type": "indicator", "id": IND1, "created": "2024-02-06T19:00:00.001Z", "modified": "2024-02-06T19:00:00.001Z",
             "labels": ["malicious-activity"], "pattern": "[file:hashes.'SHA-256' = '12d5c8201d462576f38a2c1cf62eb3f9f09c3799b4212325d33509ef1253f4e7']",
             "valid_from": "2024-01-18T17:58:24.001Z"},
            {"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-0000000000d1",
             "created": "2017-01-01T00:00:00.000Z", "modified": "2017-01-01T00:00:00.000Z",
             "first_observed": "2017-01-01T00:00:00Z", "last_observed": "2017-01-01T00:00:00Z", "number_observed": 1,
             "objects": {"0": {"type": "ipv4-addr", "value": "10.0.0.1"},
                         "1": {"type": "network-traffic", "dst_ref": "0", "dst_port": 80},
                         "2": {"type": "domain-name", "value": "x.example"}}}
        ]}),
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.starts_with("STIX 2.0 bundle: imported as 2.1")),
        "{:?}",
        r.warnings
    );
    let ev = only_event(&r);
    let got: Vec<_> = ev.attributes.iter().map(tv).collect();
    assert_eq!(
        got,
        [
            (
                "sha256".to_string(),
                "12d5c8201d462576f38a2c1cf62eb3f9f09c3799b4212325d33509ef1253f4e7".to_string()
            ),
            ("ip-dst|port".to_string(), "10.0.0.1|80".to_string()),
            ("domain".to_string(), "x.example".to_string()),
        ]
    );
    let od = uuid_of("observed-data--00000000-0000-4000-8000-0000000000d1");
    assert_eq!(ev.attributes[1].uuid, Some(Uuid::new_v5(&od, b"1")));
    assert_eq!(tag_names(&ev.attributes[0].tags), ["malicious-activity"]);
}

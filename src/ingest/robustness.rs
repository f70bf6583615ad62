//! Hostile-input checks: every parser sees every prefix of a realistic document and
//! single-byte corruptions of it, and must answer Ok or Err, never panic or hang.

use super::{csv, freetext, misp_event, misp_feed, stix};
use crate::model::normalize::normalize;
use crate::model::types::all_types;

const MISP_EVENT: &str = r#"{"Event":{"uuid":"5f1b7c2e-0000-4000-8000-000000000001","info":"x ☃","date":"2024-01-02","timestamp":"1700000000","Orgc":{"name":"A"},"Tag":[{"name":"tlp:green"}],"Galaxy":[{"type":"threat-actor","GalaxyCluster":[{"value":"APT","tag_name":"misp-galaxy:threat-actor=\"APT\""}]}],"Attribute":[{"type":"ip-dst|port","value":"1.2.3.4|80","to_ids":"1","first_seen":"2024-01-01T00:00:00Z"}],"Object":[{"name":"file","uuid":"5f1b7c2e-0000-4000-8000-0000000000aa","Attribute":[{"type":"sha256","object_relation":"sha256","value":"ab"}],"ObjectReference":[{"referenced_uuid":"5f1b7c2e-0000-4000-8000-000000000001","relationship_type":"rel"}]}]}}"#;

const MANIFEST: &str = r#"{"5f1b7c2e-0000-4000-8000-000000000001":{"timestamp":"1","info":"a","Orgc":{"name":"A"},"Tag":[{"name":"t"}]}}"#;

const STIX: &str = r#"{"type":"bundle","id":"bundle--5f1b7c2e-0000-4000-8000-000000000009","objects":[
{"type":"identity","spec_version":"2.1","id":"identity--5f1b7c2e-0000-4000-8000-000000000002","name":"ACME","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z"},
{"type":"indicator","spec_version":"2.1","id":"indicator--5f1b7c2e-0000-4000-8000-000000000003","created":"2024-01-01T00:00:00Z","modified":"2024-01-02T00:00:00Z","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '1.2.3.4'] OR [file:name = 'a\\'b.exe' AND file:hashes.'SHA-256' = 'aa'] OR [url:value LIKE '%x%']","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]},
{"type":"report","spec_version":"2.1","id":"report--5f1b7c2e-0000-4000-8000-000000000004","name":"r","published":"2024-01-02T00:00:00Z","created_by_ref":"identity--5f1b7c2e-0000-4000-8000-000000000002","object_refs":["indicator--5f1b7c2e-0000-4000-8000-000000000003"],"created":"2024-01-01T00:00:00Z","modified":"2024-01-02T00:00:00Z"},
{"type":"relationship","spec_version":"2.1","id":"relationship--5f1b7c2e-0000-4000-8000-000000000005","relationship_type":"indicates","source_ref":"indicator--5f1b7c2e-0000-4000-8000-000000000003","target_ref":"identity--5f1b7c2e-0000-4000-8000-000000000002","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z"}]}"#;

const CSV: &str = "# id,url,status\r\n\"1\", \"hxxp://evil[.]com/a\", \"online\"\r\n2\t10.0.0.1:8080\t\"x\"\"y\"\n\"3\",\"unterminated\n";

const FREETEXT: &str = "Seen: hxxps://bad[.]example(dot)com:8443/x?a=b, 2001:db8::1, [1.2.3.4]:80\n\
    mail bad[@]x[.]org; CVE-2024-1234 AS1234 filename.exe|d41d8cd98f00b204e9800998ecf8427e \"quoted 8.8.8.8\"\n\
    {\"k\": [\"1.1.1.1\", {\"n\": \"evil.top\"}]}\n";

/// Run `f` on every prefix and on corruptions of `doc` at every position.
fn hammer(doc: &str, f: impl Fn(&[u8])) {
    let bytes = doc.as_bytes();
    for end in 0..=bytes.len() {
        f(&bytes[..end]);
    }
    for i in 0..bytes.len() {
        for b in [b'"', b'{', b']', b'\\', b'|', b':', b'\n', 0x00, 0xff, 0xc3] {
            let mut m = bytes.to_vec();
            m[i] = b;
            f(&m);
        }
    }
}

#[test]
fn misp_event_parser_never_panics() {
    hammer(MISP_EVENT, |b| {
        let _ = misp_event::parse(b);
    });
}

#[test]
fn manifest_parser_never_panics() {
    hammer(MANIFEST, |b| {
        let _ = misp_feed::parse_manifest(b);
    });
}

#[test]
fn stix_parser_never_panics() {
    hammer(STIX, |b| {
        let _ = stix::parse(b);
    });
}

#[test]
fn csv_parser_never_panics() {
    let opts = [
        csv::CsvOptions {
            columns: None,
            delimiter: None,
        },
        csv::CsvOptions {
            columns: Some(vec![2, 9]),
            delimiter: Some(b'\t'),
        },
    ];
    hammer(CSV, |b| {
        if let Ok(text) = super::decode_text(b) {
            for o in &opts {
                let _ = csv::parse(text, o);
            }
        }
    });
}

#[test]
fn freetext_parser_and_normaliser_never_panic() {
    let types: Vec<&str> = all_types().map(|t| t.name).collect();
    hammer(FREETEXT, |b| {
        let text = String::from_utf8_lossy(b);
        for t in &types {
            let _ = normalize(t, &text);
        }
        for ind in freetext::parse(&text) {
            for t in &types {
                let _ = normalize(t, &ind.value);
            }
        }
    });
}

//! `export --format stix21`, judged by OASIS's stix2-validator in strict mode and by the
//! stix2 library (object model, deterministic observable ids, references resolve).

mod common;

use std::path::Path;

use common::{Td, corpus, judges, stderr};

fn validate(bundle: &Path) -> (bool, String) {
    let out = std::process::Command::new(judges::bin().join("stix2_validator"))
        .args(["--version", "2.1", "--strict"])
        .arg(bundle)
        .output()
        .expect("run stix2_validator");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (
        out.status.success() && text.contains("STIX JSON: Valid"),
        text,
    )
}

fn fixture() -> String {
    let attr = |t: &str, v: &str, tags: &[&str]| {
        let tags: Vec<serde_json::Value> = tags
            .iter()
            .map(|t| serde_json::json!({"name": t}))
            .collect();
        serde_json::json!({"type": t, "category": "Network activity", "value": v, "to_ids": true,
                           "timestamp": "1764000000", "comment": "seen in \"phish\"", "Tag": tags})
    };
    serde_json::json!({"Event": {"uuid": "bbbbbbbb-0000-4000-8000-000000000001", "info": "Mixed types",
        "date": "2026-11-24", "timestamp": "1764000000", "Tag": [{"name": "tlp:green"}],
        "Attribute": [
            attr("ip-dst|port", "198.51.100.7|443", &[]),
            attr("domain|ip", "c2.example|198.51.100.7", &[]),
            attr("filename|sha256", "a b.exe|aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", &[]),
            attr("url", "http://evil.example/it's\\here", &["tlp:amber", "kill-chain:delivery"]),
            attr("AS", "AS14061", &[]),
            attr("email-src", "bad@example.com", &[]),
            attr("yara", "rule x { condition: true }", &[]),
            attr("text", "not an indicator", &[]),
            attr("ip-src", "203.0.113.9", &["tlp:red"]),
        ]}})
    .to_string()
}

#[test]
fn the_bundle_passes_the_strict_validator_and_the_stix2_library() {
    let td = Td::new();
    let f = td.file("mixed.json", fixture());
    let mut inputs = vec![f.into_os_string()];
    if let Some(c) = corpus() {
        inputs.push(c.join("misp-feed-anssi").into_os_string());
    }
    let mut args = vec!["import".into()];
    args.extend(inputs);
    assert!(td.run(args).status.success());
    assert!(td.run(["sighting", "198.51.100.7"]).status.success());
    let bundle = td.dir.path().join("out.json");
    let out = td.run([
        "export".as_ref(),
        "--format".as_ref(),
        "stix21".as_ref(),
        "--out".as_ref(),
        bundle.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 held back by TLP"),
        "{}",
        stderr(&out)
    );

    let (ok, said) = validate(&bundle);
    assert!(ok, "stix2-validator --strict:\n{said}");
    let (ok, said) = judges::run_script(
        "check_stix.py",
        &[
            "--strict".as_ref(),
            "--enforce-refs".as_ref(),
            bundle.as_os_str(),
        ],
    );
    assert!(ok && said.contains("[VALID]"), "check_stix.py:\n{said}");

    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let objects = doc["objects"].as_array().unwrap();
    let of = |t: &'static str| objects.iter().filter(move |o| o["type"] == t);
    let pattern = |needle: &str| {
        of("indicator")
            .find(|o| o["pattern"].as_str().unwrap().contains(needle))
            .cloned()
            .unwrap_or_else(|| panic!("no indicator with {needle}"))
    };
    assert!(
        pattern("network-traffic:dst_port = 443")["pattern"]
            .as_str()
            .unwrap()
            .contains("dst_ref.value = '198.51.100.7'")
    );
    let url = pattern("url:value");
    assert_eq!(
        url["pattern"],
        r"[url:value = 'http://evil.example/it\'s\\here']"
    );
    // The strictest TLP of event and attribute, and the other tags as labels.
    assert_eq!(
        url["object_marking_refs"][0],
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    );
    assert!(
        url["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "kill-chain:delivery")
    );
    assert_eq!(pattern("rule x")["pattern_type"], "yara");
    assert!(
        !objects
            .iter()
            .any(|o| o.to_string().contains("203.0.113.9")),
        "TLP:RED left"
    );
    assert!(of("sighting").any(|s| s["count"] == 1));
    let report = of("report")
        .find(|r| r["name"] == "Mixed types")
        .expect("a report for the event");
    assert_eq!(
        report["object_refs"].as_array().unwrap().len(),
        7,
        "one per exportable attribute"
    );
    assert_eq!(of("marking-definition").count(), 5);

    // The same store exports the same ids: consumers update, not duplicate.
    let again = td.dir.path().join("again.json");
    assert!(
        td.run([
            "export".as_ref(),
            "--format".as_ref(),
            "stix21".as_ref(),
            "--out".as_ref(),
            again.as_os_str()
        ])
        .status
        .success()
    );
    let ids = |p: &Path| -> Vec<String> {
        let d: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        d["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&bundle), ids(&again));

    // The judge is not a rubber stamp: a broken pattern fails it.
    let broken = td.file(
        "broken.json",
        std::fs::read_to_string(&bundle).unwrap().replacen(
            "[ipv4-addr:value = ",
            "[ipv4-addr:value = = ",
            1,
        ),
    );
    assert!(
        !validate(&broken).0,
        "the validator accepted a broken pattern"
    );
}

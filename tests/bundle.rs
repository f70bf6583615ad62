//! Offline bundles: a signed round trip, idempotent re-import, tamper and truncation
//! refused with nothing stored, and sightings and edits made on the air-gapped side
//! travelling back.

mod common;

use std::io::{Read, Write};
use std::path::Path;

use common::{Td, stderr};
use threatdeck::store::Store;

fn event(uuid: &str, tlp: &str, values: &[&str]) -> String {
    let attrs: Vec<serde_json::Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| serde_json::json!({"uuid": format!("eeeeeeee-0000-4000-8000-{:012}", i + 1 + 100 * tlp.len()),
            "type": "ip-dst", "category": "Network activity", "value": v, "to_ids": true, "timestamp": "1764000000"}))
        .collect();
    serde_json::json!({"Event": {"uuid": uuid, "info": "bundle test", "date": "2026-11-24",
        "timestamp": "1764000000", "Tag": [{"name": tlp}], "Attribute": attrs}})
    .to_string()
}

const GREEN: &str = "eeeeeeee-0000-4000-8000-000000000001";

fn origin() -> Td {
    let td = Td::new();
    let g = td.file(
        "g.json",
        event(GREEN, "tlp:green", &["198.51.100.1", "198.51.100.2"]),
    );
    let r = td.file(
        "r.json",
        event(
            "eeeeeeee-0000-4000-8000-000000000002",
            "tlp:red",
            &["203.0.113.5"],
        ),
    );
    assert!(
        td.run(["import".as_ref(), g.as_os_str(), r.as_os_str()])
            .status
            .success()
    );
    assert!(td.run(["sighting", "198.51.100.1"]).status.success());
    assert!(
        td.run(["score", "198.51.100.2", "--set", "12"])
            .status
            .success(),
        "score override"
    );
    assert!(
        td.run(["correlate", "--exclude", "10.%", "--comment", "lab"])
            .status
            .success()
    );
    let out = td.run([
        "feeds",
        "add",
        "vendor",
        "https://feeds.example/list.txt",
        "--format",
        "freetext",
        "--header",
        "X-Api-Key: secret:VENDOR_KEY",
        "--enable",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    td
}

fn keys(td: &Td) -> (std::path::PathBuf, std::path::PathBuf) {
    let k = td.dir.path().join("signing.key");
    assert!(
        td.run(["bundle".as_ref(), "keygen".as_ref(), k.as_os_str()])
            .status
            .success()
    );
    (k.clone(), td.dir.path().join("signing.key.pub"))
}

fn json(td: &Td, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = td.run(args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// Rewrite one entry of a zip (a careful attacker keeps the zip itself consistent).
fn rezip(src: &Path, dst: &Path, name: &str, change: impl Fn(Vec<u8>) -> Vec<u8>) {
    let mut a = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..a.len() {
        let mut f = a.by_index(i).unwrap();
        let n = f.name().unwrap().to_string();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        let body = if n == name { change(body) } else { body };
        w.start_file(n, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&body).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn signed_round_trip_is_idempotent_and_tampering_is_refused() {
    let a = origin();
    let (key, public) = keys(&a);
    let bundle = a.dir.path().join("out.tdb");
    let w = json(
        &a,
        &[
            os("bundle"),
            os("export"),
            bundle.as_os_str(),
            os("--sign-key"),
            key.as_os_str(),
            os("--json"),
        ],
    );
    assert_eq!(
        (
            w["events"].as_u64(),
            w["sightings"].as_u64(),
            w["signed"].as_bool()
        ),
        (Some(1), Some(1), Some(true)),
        "{w}"
    );
    assert_eq!(w["attributes"]["withheld_tlp"], 1, "TLP:RED stays home");

    let b = Td::new();
    let imp = |td: &Td, path: &Path| {
        td.run([
            os("bundle"),
            os("import"),
            path.as_os_str(),
            os("--verify-key"),
            public.as_os_str(),
            os("--json"),
        ])
    };
    let out = imp(&b, &bundle);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            r["events_added"].as_u64(),
            r["sightings_added"].as_u64(),
            r["annotations_applied"].as_u64(),
            r["feeds_added"].as_u64()
        ),
        (Some(1), Some(1), Some(2), Some(1)),
        "{r}"
    );
    assert_eq!(r["trusted"], true);
    let feeds = b.json(["feeds", "list", "--json"]);
    let feed = &feeds.as_array().unwrap()[0];
    assert_eq!(
        feed["enabled"], false,
        "imported feeds wait for the user: {feed}"
    );
    // A planted definition cannot send this side's secrets anywhere.
    assert!(!feed.to_string().contains("secret:VENDOR_KEY"), "{feed}");
    assert_eq!(r["feed_headers_dropped"], 1, "{r}");
    assert_eq!(b.stats()["events"], 1, "the TLP:RED event stayed home");

    // Again: nothing changes.
    let r: serde_json::Value = serde_json::from_slice(&imp(&b, &bundle).stdout).unwrap();
    assert_eq!(
        (
            r["events_added"].as_u64(),
            r["events_unchanged"].as_u64(),
            r["sightings_added"].as_u64(),
            r["sightings_known"].as_u64(),
            r["annotations_applied"].as_u64(),
            r["feeds_added"].as_u64()
        ),
        (Some(0), Some(1), Some(0), Some(1), Some(0), Some(0)),
        "{r}"
    );

    // Tampering: a value changed with the zip kept consistent; then the manifest fixed to
    // match; an unsigned copy where a signature is required; a cut file; a stowaway.
    let fresh = Td::new();
    let tampered = a.dir.path().join("tampered.tdb");
    rezip(&bundle, &tampered, "events.jsonl", |b| {
        String::from_utf8(b)
            .unwrap()
            .replace("198.51.100.2", "198.51.100.9")
            .into_bytes()
    });
    let out = imp(&fresh, &tampered);
    assert!(
        !out.status.success() && stderr(&out).contains("events.jsonl does not match its digest"),
        "{}",
        stderr(&out)
    );
    let forged = a.dir.path().join("forged.tdb");
    let digest = |p: &Path, name: &str| {
        use sha2::Digest;
        let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
        let mut body = Vec::new();
        z.by_name(name).unwrap().read_to_end(&mut body).unwrap();
        sha2::Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (old, new) = (
        digest(&bundle, "events.jsonl"),
        digest(&tampered, "events.jsonl"),
    );
    rezip(&tampered, &forged, "manifest.json", |m| {
        String::from_utf8(m)
            .unwrap()
            .replace(&old, &new)
            .into_bytes()
    });
    let out = imp(&fresh, &forged);
    assert!(
        !out.status.success() && stderr(&out).contains("signature does not match"),
        "{}",
        stderr(&out)
    );
    let unsigned = a.dir.path().join("unsigned.tdb");
    assert!(
        a.run([os("bundle"), os("export"), unsigned.as_os_str()])
            .status
            .success()
    );
    let out = imp(&fresh, &unsigned);
    assert!(
        !out.status.success() && stderr(&out).contains("not signed"),
        "{}",
        stderr(&out)
    );
    let cut = a.dir.path().join("cut.tdb");
    let bytes = std::fs::read(&bundle).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = imp(&fresh, &cut);
    assert!(
        !out.status.success() && stderr(&out).contains("truncated"),
        "{}",
        stderr(&out)
    );
    let stowaway = a.dir.path().join("stowaway.tdb");
    {
        let mut z = zip::ZipWriter::new_append(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open({
                    std::fs::copy(&bundle, &stowaway).unwrap();
                    &stowaway
                })
                .unwrap(),
        )
        .unwrap();
        z.start_file("run-me.sh", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"echo hi").unwrap();
        z.finish().unwrap();
    }
    let out = imp(&fresh, &stowaway);
    assert!(
        !out.status.success() && stderr(&out).contains("run-me.sh"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fresh.stats()["events"],
        0,
        "nothing of a refused bundle is stored"
    );
}

#[test]
fn sightings_and_edits_travel_back_from_the_air_gapped_side() {
    let main = origin();
    let there = a_bundle(&main, "to.tdb");
    let gap = Td::new();
    assert!(
        gap.run([os("bundle"), os("import"), there.as_os_str()])
            .status
            .success()
    );
    // The reviewer's work on the air-gapped laptop.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(
        gap.run(["sighting", "198.51.100.2", "--source", "laptop"])
            .status
            .success()
    );
    {
        let store = Store::open(&gap.data()).unwrap();
        let ev = uuid::Uuid::parse_str(GREEN).unwrap();
        let attr = store.event_attributes(ev).unwrap().unwrap()[0]
            .uuid
            .unwrap();
        store
            .set_attribute_comment(ev, attr, "seen beaconing from the lab")
            .unwrap();
    }
    let back = a_bundle(&gap, "back.tdb");
    let out = main.run([os("bundle"), os("import"), back.as_os_str(), os("--json")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["events_replaced"].as_u64(), r["sightings_added"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    let store = Store::open(&main.data()).unwrap();
    let attrs = store
        .event_attributes(uuid::Uuid::parse_str(GREEN).unwrap())
        .unwrap()
        .unwrap();
    assert!(
        attrs
            .iter()
            .any(|a| a.comment == "seen beaconing from the lab")
    );
    let s = store.sightings("198.51.100.2").unwrap();
    assert!(s.iter().any(|s| s.source == "laptop"), "{s:?}");
}

fn a_bundle(td: &Td, name: &str) -> std::path::PathBuf {
    let p = td.dir.path().join(name);
    let out = td.run([os("bundle"), os("export"), p.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    p
}

#[test]
fn a_filtered_bundle_merges_without_losing_what_it_left_out() {
    let main = origin();
    let gap = Td::new();
    let full = a_bundle(&main, "full.tdb");
    assert!(
        gap.run([os("bundle"), os("import"), full.as_os_str()])
            .status
            .success()
    );
    // Main renames the event, then sends only part of it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    {
        let store = Store::open(&main.data()).unwrap();
        let edit = threatdeck::store::edit::EventEdit {
            info: Some("renamed on main".into()),
            tags: None,
        };
        store
            .edit_event(uuid::Uuid::parse_str(GREEN).unwrap(), &edit)
            .unwrap();
    }
    let some = main.dir.path().join("some.tdb");
    // Score filter: the value pinned at 12 stays behind.
    let w = json(
        &main,
        &[
            os("bundle"),
            os("export"),
            some.as_os_str(),
            os("--min-score"),
            os("50"),
            os("--json"),
        ],
    );
    assert_eq!(
        (w["attributes"]["written"].as_u64(), w["events"].as_u64()),
        (Some(1), Some(1)),
        "{w}"
    );
    let out = gap.run([os("bundle"), os("import"), some.as_os_str(), os("--json")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["events_replaced"], 1, "{r}");
    let store = Store::open(&gap.data()).unwrap();
    let ev = uuid::Uuid::parse_str(GREEN).unwrap();
    assert_eq!(
        store.event_summary(ev).unwrap().unwrap().event.info,
        "renamed on main"
    );
    let values: Vec<String> = store
        .event_attributes(ev)
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|a| a.value)
        .collect();
    assert!(
        values.contains(&"198.51.100.1".to_string())
            && values.contains(&"198.51.100.2".to_string()),
        "{values:?}"
    );
}

//! `threatdeck export --format text|csv`: filters, TLP held back, quoting, whole-or-nothing
//! output files.

mod common;

use common::{Td, stderr};

fn event(uuid: &str, tlp: &str, attrs: &[(&str, &str, &str, bool)]) -> String {
    let attrs: Vec<serde_json::Value> = attrs
        .iter()
        .map(|(t, v, c, ids)| {
            serde_json::json!({"type": t, "category": "Network activity", "value": v,
                               "comment": c, "to_ids": ids, "timestamp": "1764000000"})
        })
        .collect();
    serde_json::json!({"Event": {"uuid": uuid, "info": format!("{tlp} event"), "date": "2026-11-24",
        "timestamp": "1764000000", "Tag": [{"name": tlp}], "Attribute": attrs}})
    .to_string()
}

fn setup() -> Td {
    let td = Td::new();
    let red = td.file(
        "red.json",
        event(
            "aaaaaaaa-0000-4000-8000-000000000001",
            "tlp:red",
            &[("ip-dst", "198.51.100.1", "", true)],
        ),
    );
    let green = td.file(
        "green.json",
        event(
            "aaaaaaaa-0000-4000-8000-000000000002",
            "tlp:green",
            &[
                ("domain", "evil-export.example", "said \"hi\"", true),
                ("ip-dst", "192.0.2.1", "", true),
                ("url", "http://x.example/a,b", "", false),
            ],
        ),
    );
    let list = td.file("list.txt", "45.153.160.2\nevil-export.example\n");
    let out = td.run(["import".as_ref(), red.as_os_str(), green.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = td.run([
        "import".as_ref(),
        list.as_os_str(),
        "--source".as_ref(),
        "blocklist".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    td
}

fn lines(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn text_lists_each_value_once_and_holds_tlp_red_back() {
    let td = setup();
    let out = td.run(["export", "--format", "text"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut got = lines(&out);
    got.sort();
    assert_eq!(
        got,
        [
            "192.0.2.1",
            "45.153.160.2",
            "evil-export.example",
            "http://x.example/a,b"
        ]
    );
    assert!(
        stderr(&out).contains("1 held back by TLP"),
        "{}",
        stderr(&out)
    );
    // Named, red goes out.
    let out = td.run(["export", "--format", "text", "--tlp", "red"]);
    assert!(lines(&out).contains(&"198.51.100.1".to_string()));
    // Filters combine.
    let out = td.run([
        "export",
        "--format",
        "text",
        "--type",
        "ip-dst",
        "--no-warninglisted",
    ]);
    assert_eq!(lines(&out), ["45.153.160.2"]);
    let out = td.run([
        "export",
        "--format",
        "text",
        "--ids",
        "--source",
        "green.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = td.run(["export", "--format", "text", "--tag", "tlp:green", "--ids"]);
    let mut got = lines(&out);
    got.sort();
    assert_eq!(got, ["192.0.2.1", "evil-export.example"]);
    let out = td.run(["export", "--format", "text", "--until", "2000-01-01"]);
    assert!(lines(&out).is_empty());
    // A false-positive sighting takes a value out when asked.
    let out = td.run([
        "sighting",
        "evil-export.example",
        "--type",
        "false-positive",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = td.run(["export", "--format", "text", "--no-false-positives"]);
    assert!(!lines(&out).contains(&"evil-export.example".to_string()));
}

#[test]
fn csv_has_misp_columns_and_quotes() {
    let td = setup();
    let out = td.run([
        "export",
        "--format",
        "csv",
        "--source",
        "blocklist",
        "--type",
        "ip-dst",
    ]);
    let l = lines(&out);
    assert_eq!(l[0], threatdeck::export::csv_text::CSV_HEADER);
    assert_eq!(l.len(), 2);
    assert!(l[1].contains(",ip-dst,45.153.160.2,"), "{}", l[1]);
    let out = td.run([
        "export", "--format", "csv", "--type", "url", "--type", "domain",
    ]);
    let body = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(body.contains(",\"http://x.example/a,b\","), "{body}");
    assert!(body.contains(",\"said \"\"hi\"\"\","), "{body}");
    // Every row has the header's 13 columns (a real CSV reader's view).
    for row in body.lines().skip(1) {
        let mut cols = 1;
        let mut quoted = false;
        for c in row.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => cols += 1,
                _ => {}
            }
        }
        assert_eq!(cols, 13, "{row}");
    }
}

#[test]
fn an_output_file_is_written_whole() {
    let td = setup();
    let path = td.dir.path().join("block.txt");
    let out = td.run([
        "export".as_ref(),
        "--format".as_ref(),
        "text".as_ref(),
        "--out".as_ref(),
        path.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts["withheld_tlp"], 1);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 4);
    // Into a directory that does not exist: an error naming the path, nothing left behind.
    let bad = td.dir.path().join("nope/block.txt");
    let out = td.run([
        "export".as_ref(),
        "--format".as_ref(),
        "text".as_ref(),
        "--out".as_ref(),
        bad.as_os_str(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope/block.txt"), "{}", stderr(&out));
    // Bad filters are refused naming the flag.
    let out = td.run(["export", "--format", "text", "--since", "soon"]);
    assert!(stderr(&out).contains("--since"), "{}", stderr(&out));
    let out = td.run(["export", "--format", "text", "--min-score", "200"]);
    assert!(stderr(&out).contains("--min-score"), "{}", stderr(&out));
}

#[test]
fn zeek_intel_and_ecs_documents() {
    let td = setup();
    let out = td.run(["export", "--format", "zeek"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let l = lines(&out);
    assert_eq!(
        l[0],
        "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url"
    );
    assert!(
        l.iter()
            .any(|r| r.starts_with("45.153.160.2\tIntel::ADDR\tblocklist\t")),
        "{l:?}"
    );
    assert!(
        l.iter()
            .any(|r| r.starts_with("x.example/a,b\tIntel::URL\t")),
        "{l:?}"
    );
    assert!(
        l.iter()
            .any(|r| r.starts_with("evil-export.example\tIntel::DOMAIN\t")),
        "{l:?}"
    );
    // Every record has the header's five fields.
    assert!(
        l.iter().skip(1).all(|r| r.split('\t').count() == 5),
        "{l:?}"
    );
    assert!(
        !l.iter().any(|r| r.contains("198.51.100.1")),
        "TLP:RED held back"
    );

    let out = td.run(["export", "--format", "ecs", "--type", "domain"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!(d["event"]["kind"], "enrichment");
    assert_eq!(d["threat"]["indicator"]["type"], "domain-name");
    assert_eq!(
        d["threat"]["indicator"]["url"]["domain"],
        "evil-export.example"
    );
    assert_eq!(d["threat"]["indicator"]["marking"]["tlp"], "GREEN");
    assert_eq!(d["threat"]["indicator"]["description"], "said \"hi\"");
    assert!(d["@timestamp"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn suricata_rules_and_an_rpz_zone() {
    let td = setup();
    let out = td.run(["export", "--format", "suricata"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rules: Vec<String> = lines(&out)
        .into_iter()
        .filter(|l| l.starts_with("alert "))
        .collect();
    assert!(
        rules
            .iter()
            .any(|r| r.starts_with("alert ip $HOME_NET any -> [45.153.160.2] any (msg:")),
        "{rules:?}"
    );
    assert!(
        rules.iter().any(|r| r
            .contains("dns.query; dotprefix; content:\".evil-export.example\"; endswith; nocase;")),
        "{rules:?}"
    );
    assert!(
        rules.iter().any(|r| r.contains(
            "http.host; content:\"x.example\"; endswith; http.uri; content:\"/a,b\"; bsize:4;"
        )),
        "{rules:?}"
    );
    // sids: unique, in the local range, the same on the next run.
    let sids: Vec<&str> = rules
        .iter()
        .map(|r| r.split("sid:").nth(1).unwrap().split(';').next().unwrap())
        .collect();
    let unique: std::collections::HashSet<_> = sids.iter().collect();
    assert_eq!(unique.len(), sids.len());
    let again = td.run(["export", "--format", "suricata"]);
    assert_eq!(again.stdout, out.stdout, "stable across runs");
    // `suricata -T` checks them where Suricata is installed.
    if std::process::Command::new("suricata")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let rules_file = td.file("td.rules", &out.stdout);
        let check = std::process::Command::new("suricata")
            .args(["-T", "-S"])
            .arg(&rules_file)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    } else {
        eprintln!("skipped `suricata -T`: suricata is not installed (Debian backports has it)");
    }

    let out = td.run(["export", "--format", "rpz"]);
    let l = lines(&out);
    assert!(l[0] == "$TTL 300" && l[1].starts_with("@ IN SOA "), "{l:?}");
    assert!(l.contains(&"evil-export.example CNAME .".to_string()));
    assert!(l.contains(&"*.evil-export.example CNAME .".to_string()));
    assert!(
        l.contains(&"32.2.160.153.45.rpz-ip CNAME .".to_string()),
        "{l:?}"
    );
}

use std::fs;
use std::path::{Path, PathBuf};

use super::matcher::{host_of, pcre_to_rust};
use super::*;

fn one(name: &str, kind: Kind, types: &[&str], entries: &[&str]) -> Warninglists {
    let (list, warnings) =
        Warninglist::new(name, kind, types.iter().copied(), entries.iter().copied());
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut lists = Warninglists::default();
    lists.push(list);
    lists
}

fn hit(lists: &Warninglists, ty: &str, value: &str) -> bool {
    !lists.matches(ty, value).is_empty()
}

/// A fresh per-process scratch directory (plain std; nothing else needed for a unit test).
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threatdeck-wl-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn string_exact_and_case_by_type() {
    let l = one(
        "s",
        Kind::String,
        &[],
        &["d41d8cd98f00b204e9800998ecf8427e", "COM", "Evil.exe"],
    );
    assert!(hit(&l, "md5", "d41d8cd98f00b204e9800998ecf8427e"));
    assert!(hit(&l, "md5", "D41D8CD98F00B204E9800998ECF8427E"));
    assert!(!hit(&l, "md5", "d41d8cd98f00b204e9800998ecf8427"));
    // Upper-case entries (MISP's tlds.json) hit lower-case domains.
    assert!(hit(&l, "domain", "com"));
    // Filenames are case-sensitive.
    assert!(hit(&l, "filename", "Evil.exe"));
    assert!(!hit(&l, "filename", "evil.exe"));
}

#[test]
fn substring() {
    let l = one(
        "sub",
        Kind::Substring,
        &["url", "domain"],
        &["virustotal.com", "  "],
    );
    assert!(hit(&l, "url", "https://www.virustotal.com/gui/file/x"));
    assert!(hit(&l, "domain", "WWW.VIRUSTOTAL.COM"));
    assert!(!hit(&l, "url", "https://example.com/"));
    // The blank entry was dropped rather than matching everything.
    assert!(!hit(&l, "domain", "anything.org"));
}

#[test]
fn hostname_subdomain_walk_and_urls() {
    let l = one(
        "h",
        Kind::Hostname,
        &[],
        &["example.com", ".bit.ly", "*.Wild.org."],
    );
    assert!(hit(&l, "domain", "example.com"));
    assert!(hit(&l, "hostname", "a.b.example.com"));
    assert!(hit(&l, "hostname", "A.B.EXAMPLE.COM."));
    assert!(!hit(&l, "domain", "notexample.com"));
    assert!(!hit(&l, "domain", "example.com.evil.net"));
    assert!(hit(&l, "domain", "bit.ly"));
    assert!(hit(&l, "domain", "x.wild.org"));
    assert!(hit(&l, "url", "https://user:pw@bit.ly:443/abc?q=1#f"));
    assert!(hit(&l, "url", "hxxp://x.example.com/path"));
    assert!(!hit(&l, "url", "https://evil.net/r?u=http://example.com/"));
    assert!(hit(&l, "email-src", "someone@mail.example.com"));
    assert!(!hit(&l, "domain", ""));
}

#[test]
fn host_extraction() {
    assert_eq!(
        host_of("HTTPS://Www.Example.com:8443/a/b"),
        "www.example.com"
    );
    assert_eq!(host_of("//cdn.example.com/x"), "cdn.example.com");
    assert_eq!(host_of("example.com/path?u=http://other"), "example.com");
    assert_eq!(host_of("http://[2001:db8::1]:80/"), "2001:db8::1");
    assert_eq!(host_of("2001:db8::1"), "2001:db8::1");
    assert_eq!(host_of("host.example.com."), "host.example.com");
}

#[test]
fn cidr_v4_v6_ports_and_networks() {
    let l = one(
        "c",
        Kind::Cidr,
        &[],
        &[
            "10.0.0.0/8",
            "192.168.1.7",
            "2001:db8::/32",
            "::1",
            "172.16.5.4/12",
            "nonsense",
        ][..5],
    );
    assert!(hit(&l, "ip-dst", "10.1.2.3"));
    assert!(hit(&l, "ip-dst", "10.0.0.0/16"));
    assert!(
        !hit(&l, "ip-dst", "10.0.0.0/7"),
        "a wider network is not contained"
    );
    assert!(hit(&l, "ip-dst", "192.168.1.7"));
    assert!(!hit(&l, "ip-dst", "192.168.1.8"));
    assert!(
        hit(&l, "ip-dst", "172.31.255.255"),
        "host bits of an entry are masked"
    );
    assert!(!hit(&l, "ip-dst", "172.32.0.0"));
    assert!(hit(&l, "ip-src", "2001:DB8:1::5"));
    assert!(hit(&l, "ip-src", "2001:db8::/48"));
    assert!(!hit(&l, "ip-src", "2001:db9::1"));
    assert!(hit(&l, "ip-src", "::1"));
    assert!(
        hit(&l, "ip-src", "::ffff:10.9.9.9"),
        "v4-mapped v6 hits the v4 entry"
    );
    assert!(hit(&l, "ip-dst|port", "10.1.1.1|443"));
    assert!(hit(&l, "ip-dst|port", "10.1.1.1:443"));
    assert!(hit(&l, "ip-dst|port", "[2001:db8::1]:443"));
    assert!(!hit(&l, "ip-dst", "8.8.8.8"));
    assert!(!hit(&l, "ip-dst", "not an ip"));
    assert!(!hit(&l, "ip-dst", "10.0.0.1/33"));

    let (_, warnings) = Warninglist::new(
        "bad",
        Kind::Cidr,
        Vec::<String>::new(),
        ["1.2.3.4/40", "x", "::/0"],
    );
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("2 entries"), "{warnings:?}");
}

#[test]
fn cidr_zero_prefix_matches_everything_of_its_family() {
    let l = one("all4", Kind::Cidr, &[], &["0.0.0.0/0"]);
    assert!(hit(&l, "ip-dst", "203.0.113.9"));
    assert!(!hit(&l, "ip-dst", "2001:db8::1"));
}

#[test]
fn regex_delimiters_and_flags() {
    assert_eq!(pcre_to_rust("/^foo$/i").unwrap(), "(?i)^foo$");
    assert_eq!(pcre_to_rust("#a/b#").unwrap(), "a/b");
    assert_eq!(pcre_to_rust("{x}A").unwrap(), "^(?:x)");
    assert_eq!(pcre_to_rust("/x/g").unwrap(), "x");
    assert_eq!(pcre_to_rust("bare.*").unwrap(), "bare.*");
    assert!(pcre_to_rust("/x/e").is_err());
    assert!(pcre_to_rust("/x").is_err());

    let (list, warnings) = Warninglist::new(
        "r",
        Kind::Regex,
        ["email-src"],
        [
            r"/^(security|noc|soc|abuse)\@.*\..*$/i",
            r"/(?<=a)b/",
            "/unclosed",
        ],
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("(?<=a)b")));
    let mut l = Warninglists::default();
    l.push(list);
    assert!(hit(&l, "email-src", "Abuse@example.com"));
    assert!(!hit(&l, "email-src", "alice@example.com"));
    assert!(
        !hit(&l, "email-dst", "abuse@example.com"),
        "type not in matching_attributes"
    );
}

#[test]
fn matching_attributes_filter() {
    let l = one("ips only", Kind::String, &["IP-DST"], &["1.2.3.4"]);
    assert!(hit(&l, "ip-dst", "1.2.3.4"));
    assert!(!hit(&l, "ip-src", "1.2.3.4"));
    assert!(!hit(&l, "", "1.2.3.4"));
    let all = one("all", Kind::String, &[], &["1.2.3.4"]);
    assert!(hit(&all, "text", "1.2.3.4"));
}

#[test]
fn composite_halves() {
    // Applies through the half's own type.
    let hashes = one(
        "h",
        Kind::String,
        &["md5"],
        &["d41d8cd98f00b204e9800998ecf8427e"],
    );
    assert!(hit(
        &hashes,
        "filename|md5",
        "empty.txt|d41d8cd98f00b204e9800998ecf8427e"
    ));
    assert!(hit(
        &hashes,
        "malware-sample",
        "empty.txt|d41d8cd98f00b204e9800998ecf8427e"
    ));
    assert!(!hit(
        &hashes,
        "filename|sha1",
        "empty.txt|d41d8cd98f00b204e9800998ecf8427e"
    ));
    // `domain|ip`'s "ip" half counts as ip-dst/ip-src.
    let ips = one("i", Kind::Cidr, &["ip-dst"], &["10.0.0.0/8"]);
    assert!(hit(&ips, "domain|ip", "intranet.corp|10.2.3.4"));
    assert!(hit(&ips, "ip-dst|port", "10.2.3.4|8080"));
    assert!(!hit(&ips, "ip-src|port", "10.2.3.4|8080"));
    // Applies through the composite type: both halves are checked (MISP).
    let doms = one("d", Kind::Hostname, &["domain|ip"], &["example.com"]);
    assert!(hit(&doms, "domain|ip", "www.example.com|8.8.8.8"));
    assert!(!hit(&doms, "domain", "www.example.com"));
    // A half's own type must not drag in the other half: a filename list never sees the hash.
    let names = one(
        "n",
        Kind::String,
        &["filename"],
        &["d41d8cd98f00b204e9800998ecf8427e"],
    );
    assert!(!hit(
        &names,
        "filename|md5",
        "a.txt|d41d8cd98f00b204e9800998ecf8427e"
    ));
}

#[test]
fn builtin_lists() {
    let b = Warninglists::builtin();
    assert_eq!(b.len(), 4);
    assert!(b.iter().all(|l| l.name.starts_with("threatdeck:")));
    let names = |ty: &str, v: &str| b.matches(ty, v).len();
    assert_eq!(names("ip-dst", "192.168.0.1"), 1);
    assert_eq!(names("ip-src", "100.64.1.1"), 1);
    assert_eq!(names("ip-src", "fd12::1"), 1);
    assert_eq!(names("ip-src", "fe80::1"), 1);
    assert_eq!(names("ip-src", "ff02::1"), 1);
    assert_eq!(names("ip-src", "::"), 1);
    assert_eq!(names("ip-dst", "8.8.8.8"), 1);
    assert_eq!(names("ip-dst|port", "2606:4700:4700::1111|53"), 1);
    assert_eq!(names("ip-dst", "8.8.8.9"), 0);
    assert_eq!(names("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"), 1);
    assert_eq!(
        names(
            "filename|sha256",
            "x|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ),
        1
    );
    assert_eq!(names("domain", "www.example.org"), 1);
    assert_eq!(names("hostname", "printer.local"), 1);
    assert_eq!(names("url", "http://localhost:8080/x"), 1);
    assert_eq!(names("domain", "example.co"), 0);
    assert_eq!(names("domain", "abc.onion"), 0);
}

#[test]
fn json_forms_and_broken_files() {
    let dir = scratch("load");
    fs::create_dir_all(dir.join("lists/good")).unwrap();
    fs::create_dir_all(dir.join("lists/comments")).unwrap();
    fs::create_dir_all(dir.join("lists/broken")).unwrap();
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(
        dir.join("lists/good/list.json"),
        r#"{"name":"Good","version":1,"description":"d","type":"cidr","list":["10.0.0.0/8","bogus"],"matching_attributes":["ip-dst"]}"#,
    )
    .unwrap();
    fs::write(
        dir.join("lists/comments/list.json"),
        r#"{"name":"With comments","version":1,"description":"d","type":"string","list":{"a.example":"why","b.example":""},"matching_attributes":null}"#,
    )
    .unwrap();
    fs::write(
        dir.join("lists/broken/list.json"),
        r#"{"name":"Broken","type":"string","list":["#,
    )
    .unwrap();
    fs::write(
        dir.join("lists/weird.json"),
        r#"{"name":"Weird","type":"bloom","list":[]}"#,
    )
    .unwrap();
    fs::write(dir.join("schema.json"), r#"{"type":"object"}"#).unwrap();
    fs::write(dir.join(".git/x.json"), "not json").unwrap();
    fs::write(dir.join("README.md"), "# not a list").unwrap();

    let (lists, warnings) = Warninglists::load_dir(&dir);
    let names: Vec<_> = lists.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["With comments", "Good"],
        "path order: comments < good"
    );
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("broken/list.json") && w.contains("invalid list JSON"))
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("weird.json") && w.contains("unknown list type"))
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("good/list.json") && w.contains("bogus"))
    );
    assert_eq!(lists.matches("ip-dst", "10.1.1.1"), ["Good"]);
    assert_eq!(lists.matches("text", "b.example"), ["With comments"]);

    let mut all = Warninglists::builtin();
    all.extend(lists);
    assert_eq!(all.len(), 6);
    assert_eq!(
        all.matches("ip-dst", "10.1.1.1"),
        [
            "threatdeck: RFC 1918 and other reserved IPv4/IPv6 ranges",
            "Good"
        ]
    );

    let (none, warnings) = Warninglists::load_dir(&dir.join("missing"));
    assert!(none.is_empty() && warnings.len() == 1);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn garbage_never_panics() {
    for bytes in [
        &b""[..],
        b"[]",
        b"null",
        b"{\"name\":1}",
        b"\xff\xfe",
        b"{\"name\":\"x\",\"type\":\"regex\",\"list\":[1,null,\"/[/\"]}",
    ] {
        let _ = Warninglist::from_json(bytes);
    }
    let b = Warninglists::builtin();
    for v in [
        "",
        "|",
        "||",
        "[",
        "[::1",
        "::ffff:",
        "1.2.3.4/",
        "/8",
        "\u{0}",
        "a..b",
        ".",
        "://",
        "@",
        "é.example.com",
    ] {
        for t in ["ip-dst", "domain|ip", "url", "md5", "", "malware-sample"] {
            let _ = b.matches(t, v);
        }
    }
}

#[test]
fn large_hostname_list_is_hashed() {
    let entries: Vec<String> = (0..200_000)
        .map(|i| format!("site{i}.example-{}.net", i % 97))
        .collect();
    let body = serde_json::json!({
        "name": "top200k", "version": 1, "description": "generated", "type": "hostname",
        "list": entries, "matching_attributes": ["domain", "hostname", "url"],
    });
    let (list, warnings) = Warninglist::from_json(body.to_string().as_bytes()).unwrap();
    assert!(warnings.is_empty());
    let mut l = Warninglists::default();
    l.push(list);
    let hits = (0..200_000)
        .step_by(7)
        .filter(|i| {
            hit(
                &l,
                "hostname",
                &format!("www.site{i}.example-{}.net", i % 97),
            )
        })
        .count();
    assert_eq!(hits, 200_000usize.div_ceil(7));
    let misses = (0..20_000)
        .filter(|i| {
            hit(
                &l,
                "domain",
                &format!("site{i}.example-{}.net", (i + 1) % 97),
            )
        })
        .count();
    assert_eq!(misses, 0);
}

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/misp/warninglists")
}

#[test]
fn misp_reference_lists() {
    let dir = reference_dir();
    if !dir.is_dir() {
        eprintln!("skipped: {} absent", dir.display());
        return;
    }
    let (lists, warnings) = Warninglists::load_dir(&dir);
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert!(lists.len() >= 9, "{}", lists.len());
    let has = |ty: &str, v: &str, name: &str| lists.matches(ty, v).contains(&name);
    assert!(has(
        "ip-dst",
        "192.168.10.1",
        "List of RFC 1918 CIDR blocks"
    ));
    assert!(has(
        "ip-src|port",
        "172.20.0.1|22",
        "List of RFC 1918 CIDR blocks"
    ));
    assert!(has(
        "md5",
        "d41d8cd98f00b204e9800998ecf8427e",
        "List of known hashes for empty files"
    ));
    assert!(has(
        "filename|sha1",
        "x|da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "List of known hashes for empty files"
    ));
    assert!(has(
        "url",
        "https://bit.ly/3abcDEF",
        "List of known URL Shorteners domains"
    ));
    assert!(has("domain", "com", "TLDs as known by IANA"));
    assert!(has(
        "email-src",
        "abuse@example.org",
        "Common contact e-mail addresses"
    ));
    assert!(has(
        "phone-number",
        "+15555501234",
        "Unattributed phone number."
    ));
    assert!(has(
        "url",
        "https://app.any.run/tasks/1",
        "List of known domains used by automated malware analysis services & security vendors"
    ));
    assert!(lists.matches("ip-dst", "93.184.216.34").is_empty());
}

//! Cases beyond MISP's vectors: refanging, ports, IPv6, composites, a defanged report, JSON,
//! large input, odd input and the shared corpus.

use super::*;

fn one(token: &str) -> Resolved {
    resolve(token).unwrap_or_else(|| panic!("{token} did not resolve"))
}

#[test]
fn refanged_tokens_resolve() {
    for (raw, value, type_) in [
        ("hxxp://evil[.]com/a", "http://evil.com/a", "url"),
        ("hxxps://evil[.]com/a", "https://evil.com/a", "url"),
        ("evil(dot)example[dot]com", "evil.example.com", "hostname"),
        ("bad[@]evil[.]com", "bad@evil.com", "email-src"),
        ("bad[at]evil.com", "bad@evil.com", "email-src"),
        ("http[:]//evil.com[/]x", "http://evil.com/x", "url"),
        ("1.2.3[.]4", "1.2.3.4", "ip-dst"),
        ("evil.xyz", "evil.xyz", "domain"),
        ("cdn.evil.online", "cdn.evil.online", "hostname"),
    ] {
        let r = one(raw);
        assert_eq!((r.value.as_str(), r.type_), (value, type_), "{raw}");
    }
    let got = parse("hxxp://evil[.]com/a");
    assert_eq!(got[0].original.as_deref(), Some("hxxp://evil[.]com/a"));
    assert_eq!(parse("evil.com")[0].original, None);
}

#[test]
fn ports_go_to_the_comment_or_the_composite() {
    let r = one("10.0.0.1:4444");
    assert_eq!(
        (r.type_, r.value.as_str(), r.comment.as_str()),
        ("ip-dst|port", "10.0.0.1|4444", "On port 4444")
    );
    let r = one("c2.evil.com:8080");
    assert_eq!(
        (r.type_, r.value.as_str(), r.comment.as_str()),
        ("hostname", "c2.evil.com", "On port 8080")
    );
    // MISP drops a port at the very end of a URL into the comment too.
    let r = one("http://evil.com:8080");
    assert_eq!(
        (r.type_, r.value.as_str(), r.comment.as_str()),
        ("url", "http://evil.com", "On port 8080")
    );
    // One digit or six are not a port.
    assert!(resolve("10.0.0.1:4").is_none());
    assert!(resolve("10.0.0.1:444444").is_none());
    let ind = &parse("10.0.0.1:4444")[0];
    assert_eq!(
        (ind.comment.as_str(), ind.category, ind.to_ids),
        ("On port 4444", "Network activity", true)
    );
}

#[test]
fn ipv6_forms() {
    assert_eq!(one("::1").type_, "ip-dst");
    assert_eq!(one("2001:db8::/32").value, "2001:db8::/32");
    let r = one("[2001:db8::1]:443");
    assert_eq!(
        (r.type_, r.value.as_str()),
        ("ip-dst|port", "2001:db8::1|443")
    );
    assert_eq!(one("::ffff:10.0.0.1").type_, "ip-dst");
    assert!(resolve("2001:db8:::1").is_none());
}

#[test]
fn composites_hashes_and_identifiers() {
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let r = one(&format!("evil.exe|{sha256}"));
    assert_eq!(r.type_, "filename|sha256");
    assert_eq!(
        r.types,
        [
            "filename|sha256",
            "filename|authentihash",
            "filename|sha512/256"
        ]
    );
    assert_eq!(one("setup.msi|3:abc:def").type_, "filename|ssdeep");
    assert_eq!(one(&"a".repeat(128)).type_, "sha512");
    assert_eq!(one(&"a".repeat(96)).type_, "sha384");
    assert!(resolve(&"a".repeat(33)).is_none_or(|r| r.type_ != "md5"));
    let r = one("CVE-2021-44228");
    assert_eq!(
        (r.type_, r.value.as_str()),
        ("vulnerability", "CVE-2021-44228")
    );
    assert_eq!(one("as13335").value, "AS13335");
    assert_eq!(one("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy").type_, "btc");
    assert_eq!(one("+1-202-555-0143").type_, "phone-number");
    assert!(resolve("2024-01-01").is_none());
    let ind = &parse("CVE-2021-44228")[0];
    assert_eq!((ind.category, ind.to_ids), ("External analysis", false));
}

#[test]
fn hostnames_domains_and_filenames() {
    assert_eq!(one("evil.com").type_, "domain");
    assert_eq!(
        one("www.evil.com").types,
        ["hostname", "domain", "url", "filename"]
    );
    assert_eq!(one("foo.co.uk").type_, "hostname");
    assert_eq!(one("invoice.pdf.exe").type_, "filename");
    assert_eq!(one("report.zip").type_, "filename");
    assert_eq!(one("payload.dll").type_, "filename");
    assert_eq!(one("evil.exe").type_, "filename");
    assert_eq!(one("a-b.c-d.example").type_, "filename");
    assert_eq!(one("evil.com/path?q=1").type_, "url");
    assert_eq!(one("https://www.virustotal.com/gui/file/abc").type_, "link");
    assert!(!parse("https://app.any.run/tasks/1")[0].to_ids);
}

#[test]
fn defanged_multiline_report() {
    let report = "Threat report 2024-03-01\r\n\
        The actor used hxxps://login-micros0ft[.]com/auth and 185.220.101[.]4:443 (C2).\n\
        Payload: \"invoice.pdf.exe\" (SHA256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855),\n\
        dropped by update[.]evil[.]xyz; contact: ops[at]evil[.]xyz.\n\
        Exploits CVE-2023-23397, AS64496. Again: 185.220.101.4:443 and login-micros0ft.com\n";
    let got: Vec<_> = parse(report)
        .into_iter()
        .map(|i| (i.type_, i.value))
        .collect();
    let want = [
        ("url", "https://login-micros0ft.com/auth"),
        ("ip-dst|port", "185.220.101.4|443"),
        ("filename", "invoice.pdf.exe"),
        (
            "sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("hostname", "update.evil.xyz"),
        ("email-src", "ops@evil.xyz"),
        ("vulnerability", "CVE-2023-23397"),
        ("AS", "AS64496"),
        ("domain", "login-micros0ft.com"),
    ];
    let want: Vec<_> = want.iter().map(|(t, v)| (*t, v.to_string())).collect();
    assert_eq!(got, want);
}

#[test]
fn json_input_is_walked_in_document_order() {
    let got =
        parse(r#"{"z": "9.9.9.9", "a": ["see 1.1.1.1 and evil.com", 7, true, "0"], "n": null}"#);
    let values: Vec<_> = got.iter().map(|i| i.value.as_str()).collect();
    // MISP also tries each whole string; this one passes its filename rule (a dot, "com").
    assert_eq!(
        values,
        ["9.9.9.9", "see 1.1.1.1 and evil.com", "1.1.1.1", "evil.com"]
    );
    // Not JSON after all: parsed as text.
    assert_eq!(parse("{ 1.2.3.4")[0].value, "1.2.3.4");
}

#[test]
fn large_input_keeps_order_and_dedup() {
    let mut text = String::new();
    let mut i = 0u32;
    while text.len() < (1 << 20) + 1000 {
        text.push_str(&format!(
            "10.{}.{}.{}\n",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ));
        i += 1;
    }
    // Duplicates of first-half values in the second half, and one value only in the second half.
    text.push_str("10.0.0.0\n10.0.0.1\nevil.com\n10.0.0.2\n");
    let got = parse(&text);
    assert_eq!(got.len(), i as usize + 1);
    assert_eq!(got[0].value, "10.0.0.0");
    assert_eq!(got[got.len() - 1].value, "evil.com");
}

#[test]
fn never_panics_on_odd_input() {
    let long = "a".repeat(5000);
    let inputs = [
        "[",
        "]",
        "[é]",
        "é:80",
        "[::1",
        "::1]:80",
        "http://[",
        "http://é.com/",
        "a@",
        "@a",
        "\\",
        "C:",
        "a|b|c",
        "\u{feff}1.2.3.4",
        "hxxp",
        "h[tt]p",
        "{",
        "{\"a\":",
        "\"",
        "\"\"\"",
        "1:",
        ":1",
        "[]",
        "%",
        "ab:cd:ef",
        "http://u@:80",
        "http://:80",
        "x.y:99999",
        "\u{10FFFF}.com",
        long.as_str(),
    ];
    for s in inputs {
        let _ = parse(s);
        let _ = resolve(s);
        let _ = refang(s);
    }
    assert!(
        resolve(&format!("{long}.com")).is_none(),
        "tokens over 4096 bytes are ignored"
    );
}

/// Every freetext file of the shared corpus parses without a panic. Skips without the corpus.
#[test]
fn corpus_freetext_files_parse() {
    let Some(files) = crate::ingest::corpus_texts(&["txt", "text", "data", "adoc", "csv"]) else {
        return;
    };
    assert!(!files.is_empty());
    for (_, text) in files {
        let _ = parse(&text);
    }
}

#[test]
fn sloppy_defang_with_doubled_dot_is_still_a_domain() {
    let r = super::resolve("zloojq[.].com").unwrap();
    assert_eq!((r.type_, r.value.as_str()), ("domain", "zloojq.com"));
    // Undefanged text keeps MISP's behaviour.
    assert!(super::resolve("a..b").is_none_or(|r| r.type_ != "domain"));
}

//! MISP's ComplexTypeTool conformance vectors (app/Test/ComplexTypeToolTest.php @ 2.5.1, as
//! extracted in reference/misp/complextypetool-test-vectors.json), written out here.

use super::*;
use crate::ingest::csv::{self, CsvOptions};

/// (test, input, expected count, expected values by index, expected default types by index)
type FreetextVector = (
    &'static str,
    &'static str,
    usize,
    &'static [(usize, &'static str)],
    &'static [(usize, &'static str)],
);

#[rustfmt::skip]
const FREETEXT_VECTORS: &[FreetextVector] = &[
    ("testCheckFreeTextIpv4", "127.0.0.1", 1, &[(0, "127.0.0.1")], &[(0, "ip-dst")]),
    ("testCheckFreeTextIpv4Bracket", "we also saw an IP address (8.8.8.8).", 1, &[(0, "8.8.8.8")], &[(0, "ip-dst")]),
    ("testCheckFreeTextIpv4WithPort", "127.0.0.1:8080", 1, &[(0, "127.0.0.1|8080")], &[(0, "ip-dst|port")]),
    ("testCheckFreeTextIpv4Cidr", "127.0.0.1/32", 1, &[(0, "127.0.0.1/32")], &[(0, "ip-dst")]),
    ("testCheckFreeTextIpv6", "2a00:1450:4005:80a::2003", 1, &[(0, "2a00:1450:4005:80a::2003")], &[(0, "ip-dst")]),
    ("testCheckFreeTextIpv6Invalid", "fe80:0000:f2cd:7d80:3f37:52c6", 0, &[], &[]),
    ("testCheckFreeTextIpv6Cidr", "2a00:1450:4005:80a::2003/128", 1, &[(0, "2a00:1450:4005:80a::2003/128")], &[(0, "ip-dst")]),
    ("testCheckFreeTextIpv6WithPort", "[1fff:0:a88:85a3::ac1f]:8001", 1, &[(0, "1fff:0:a88:85a3::ac1f|8001")], &[(0, "ip-dst|port")]),
    ("testCheckFreeTextDomain", "example.com", 1, &[(0, "example.com")], &[(0, "domain")]),
    ("testCheckFreeTextDomainThirdLevel", "example.example.com", 1, &[(0, "example.example.com")], &[(0, "hostname")]),
    ("testCheckFreeTextDomainDot", "example.com.", 1, &[(0, "example.com")], &[(0, "domain")]),
    ("testCheckFreeTextDomainNotExistsTld", "example.example", 1, &[(0, "example.example")], &[(0, "filename")]),
    ("testCheckFreeTextFilenameMultipleExt", "example.txt.zip", 1, &[(0, "example.txt.zip")], &[(0, "filename")]),
    ("testCheckFreeTextFilenameWithPathUnix", "/var/log/example.txt.zip", 1, &[(0, "/var/log/example.txt.zip")], &[(0, "filename")]),
    ("testCheckFreeTextFilenameWithPathWindows", "C:\\example.txt.zip", 1, &[(0, "C:\\example.txt.zip")], &[(0, "filename")]),
    ("testCheckFreeTextRegkey", "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion", 1, &[(0, "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion")], &[(0, "regkey")]),
    ("testCheckFreeTextDomainWithPort", "example.com:80", 1, &[(0, "example.com")], &[(0, "domain")]),
    ("testCheckFreeTextDomainUppercase", "EXAMPLE.COM", 1, &[(0, "EXAMPLE.COM")], &[(0, "domain")]),
    ("testCheckFreeTextIdnDomain", "háčkyčárky.cz", 1, &[(0, "háčkyčárky.cz")], &[(0, "domain")]),
    ("testCheckFreeTextPunycode", "xn--ghq549cb2anjl2suxo.com", 1, &[(0, "xn--ghq549cb2anjl2suxo.com")], &[(0, "domain")]),
    ("testCheckFreeTextPunycodeTld", "xn--lbrs59br5a.xn--fiqs8s", 1, &[(0, "xn--lbrs59br5a.xn--fiqs8s")], &[(0, "domain")]),
    ("testCheckFreeTextDate", "2018-08-21", 0, &[], &[]),
    ("testCheckFreeTextEmail", "test@example.com", 1, &[(0, "test@example.com")], &[(0, "email-src")]),
    ("testCheckFreeTextEmailBracket", "test[@]example.com", 1, &[(0, "test@example.com")], &[(0, "email-src")]),
    ("testCheckFreeTextEmailBracketAt", "test[at]example.com", 1, &[(0, "test@example.com")], &[(0, "email-src")]),
    ("testCheckFreeTextUrlHttp", "http://example.com", 1, &[(0, "http://example.com")], &[(0, "url")]),
    ("testCheckFreeTextUrlHttps", "https://example.com", 1, &[(0, "https://example.com")], &[(0, "url")]),
    ("testCheckFreeTextUrlWithPort", "https://github.com:443/MISP/MISP", 1, &[(0, "https://github.com:443/MISP/MISP")], &[(0, "url")]),
    ("testCheckFreeTextUrlWithoutProtocol", "github.com/MISP/MISP", 1, &[(0, "github.com/MISP/MISP")], &[(0, "url")]),
    ("testCheckFreeTextUrlVirusTotal", "https://www.virustotal.com/example https://virustotal.com/example", 2, &[(0, "https://www.virustotal.com/example"), (1, "https://virustotal.com/example")], &[(0, "link"), (1, "link")]),
    ("testCheckFreeTextUrlHybridAnalysis", "https://www.hybrid-analysis.com/example", 1, &[(0, "https://www.hybrid-analysis.com/example")], &[(0, "link")]),
    ("testCheckFreeTextBtc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", 1, &[(0, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")], &[(0, "btc")]),
    ("testCheckFreeTextSsdeep", "24:VGXGP7L5e/Ixt3af/WKPPaYpzg4m3XWMCsXNCRs0:kYDxcfPZpelCs9Cm0", 1, &[(0, "24:VGXGP7L5e/Ixt3af/WKPPaYpzg4m3XWMCsXNCRs0:kYDxcfPZpelCs9Cm0")], &[(0, "ssdeep")]),
    ("testCheckFreeTextCve", "CVE-2019-16202", 1, &[(0, "CVE-2019-16202")], &[(0, "vulnerability")]),
    ("testCheckFreeTextCveLowercase", "cve-2019-16202", 1, &[(0, "CVE-2019-16202")], &[(0, "vulnerability")]),
    ("testCheckFreeTextAs", "as0 AS0", 1, &[(0, "AS0")], &[(0, "AS")]),
    ("testCheckFreeTextMd5", "9e107d9d372bb6826bd81d3542a419d6", 1, &[(0, "9e107d9d372bb6826bd81d3542a419d6")], &[(0, "md5")]),
    ("testCheckFreeTextMd5Uppercase", "9E107D9D372BB6826BD81D3542A419D6", 1, &[(0, "9E107D9D372BB6826BD81D3542A419D6")], &[(0, "md5")]),
    ("testCheckFreeTextSha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", 1, &[(0, "da39a3ee5e6b4b0d3255bfef95601890afd80709")], &[(0, "sha1")]),
    ("testCheckFreeTextFilenameWithMd5", "ahoj.txt|9e107d9d372bb6826bd81d3542a419d6", 1, &[(0, "ahoj.txt|9e107d9d372bb6826bd81d3542a419d6")], &[(0, "filename|md5")]),
    ("testCheckFreeTextRandomString", "cK753n3MVw", 0, &[], &[]),
    ("testCheckFreeTextEmpty", "", 0, &[], &[]),
    ("testCheckFreeTextQuoted", "=\"127.0.0.1\",=\"127.0.0.2\",\"\",\"1\"", 2, &[(0, "127.0.0.1")], &[(0, "ip-dst")]),
    ("testCheckFreeTextRemoveDuplicates", "1.2.3.4 1.2.3.4", 1, &[], &[]),
];

fn run_freetext_vectors() -> usize {
    for (name, input, count, values, types) in FREETEXT_VECTORS {
        let got = parse(input);
        assert_eq!(got.len(), *count, "{name}: {got:?}");
        for (i, v) in values.iter() {
            assert_eq!(got[*i].value, *v, "{name}");
        }
        for (i, t) in types.iter() {
            assert_eq!(got[*i].type_, *t, "{name}");
        }
    }
    FREETEXT_VECTORS.len()
}

/// One value and type for every input of a group.
fn each(name: &str, inputs: &[&str], value: Option<&str>, type_: &str) {
    for input in inputs {
        let got = parse(input);
        assert_eq!(got.len(), 1, "{name}: {input}: {got:?}");
        assert_eq!(got[0].value, value.unwrap_or(input), "{name}: {input}");
        assert_eq!(got[0].type_, type_, "{name}: {input}");
    }
}

fn csv_values(text: &str, columns: Option<Vec<usize>>, delimiter: Option<u8>) -> Vec<Indicator> {
    csv::parse(text, &CsvOptions { columns, delimiter })
        .expect("valid CSV")
        .indicators
}

/// The 15 `other_vectors` groups, in file order; returns how many ran.
fn run_other_vectors() -> usize {
    let mut groups = 0;
    let mut group = |f: &dyn Fn()| {
        f();
        groups += 1;
    };
    group(&|| {
        let inputs = [
            "hxxp://example.com",
            "hxtp://example.com",
            "htxp://example.com",
        ];
        each(
            "testCheckFreeTextUrlReplace",
            &inputs,
            Some("http://example.com"),
            "url",
        );
    });
    group(&|| {
        let inputs = [
            "hxxps://example.com",
            "hxtps://example.com",
            "htxps://example.com",
        ];
        each(
            "testCheckFreeTextUrlReplaceHttps",
            &inputs,
            Some("https://example.com"),
            "url",
        );
    });
    group(&|| {
        let inputs = [
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
            "BC1SW50QA3JX3S",
            "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
            "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        ];
        each("testCheckFreeTextBtcBech32", &inputs, None, "btc");
    });
    group(&|| {
        for input in [
            "|", "&", "$", "0", ":80", "1.2", "[]:80", "\\.", ".", ":", "a:b", "a:b:c",
        ] {
            assert!(
                parse(input).is_empty(),
                "testCheckFreeTextEmptyValues: {input}"
            );
        }
    });
    for (name, inputs) in [
        (
            "testCheckFreeTextNonBreakableSpace",
            ["127.0.0.1\u{a0}127.0.0.2", "127.0.0.1\u{a0}\u{a0}127.0.0.2"],
        ),
        (
            "testCheckFreeTextControlCharToSpace",
            ["127.0.0.1\u{1d}127.0.0.2", "127.0.0.1\u{1d}\u{1d}127.0.0.2"],
        ),
    ] {
        group(&|| {
            for input in inputs {
                let got = parse(input);
                assert_eq!(got.len(), 2, "{name}");
                assert_eq!(
                    (got[0].value.as_str(), got[0].type_),
                    ("127.0.0.1", "ip-dst"),
                    "{name}"
                );
            }
        });
    }
    group(&|| {
        for input in ["meow://example.com", "h[tt]p://example.com"] {
            assert_eq!(refang(input), "http://example.com", "testRefangValueUrl");
        }
    });
    group(&|| {
        for input in [
            "127.0.0.1",
            "127[.]0.0.1",
            "127[.]0[.]0[.]1",
            "127[dot]0[dot]0[dot]1",
            "127(dot)0(dot)0(dot)1",
        ] {
            assert_eq!(refang(input), "127.0.0.1", "testRefangValueDot");
        }
    });
    group(&|| {
        let text = "http://googlechromeupdater.twilightparadox.com/html?DVXNSTHORF=fd6f240590734406be3bd35ca3622ea0;GRIBOOZ0LN=a3bf23855b0b40dda08f709fabb60d32;\\..\\..\\..\\./mshtml,RunHTMLApplication";
        assert_eq!(refang(text), text, "testRefangKeepBackslashes");
    });
    group(&|| {
        for input in [
            "admin@admin[.]test",
            "admin[@]admin[.]test",
            "admin[at]admin[dot]test",
        ] {
            assert_eq!(refang(input), "admin@admin.test", "testRefangEmailBrackets");
        }
    });
    group(&|| {
        let text = "# LAST 1000 # UTC UPDATE 2020-07-13 08:15:00\n127.0.0.1,(127.0.0.2),  <127.0.0.3>; \"127.0.0.4\" \"'127.0.0.5'\"";
        let got = parse(text);
        let values: Vec<_> = got.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "127.0.0.1",
                "127.0.0.2",
                "127.0.0.3",
                "127.0.0.4",
                "127.0.0.5"
            ],
            "testCheckFreeTextHeader"
        );
        assert!(got.iter().all(|i| i.type_ == "ip-dst"));
    });
    group(&|| {
        let text = "# Downloaded from 1.1.1.1\n\n127.0.0.1\n\"127.0.0.2\"";
        assert_eq!(csv_values(text, None, None).len(), 2, "testCheckCSV");
    });
    group(&|| {
        let text = "#####\n# Downloaded from 1.1.1.1\n#####\n127.0.0.1\t127.0.0.3\n\"127.0.0.2\"\n   58.214.25.190\n   58.214.239.53";
        assert_eq!(
            csv_values(text, None, Some(b'\t')).len(),
            5,
            "testCheckCSVTabulator"
        );
    });
    group(&|| {
        let got = csv_values(
            "127.0.0.1\t127.0.0.2\n127.0.0.3\t127.0.0.4",
            Some(vec![1]),
            Some(b'\t'),
        );
        let values: Vec<_> = got.iter().map(|i| (i.value.as_str(), i.type_)).collect();
        assert_eq!(
            values,
            [("127.0.0.1", "ip-dst"), ("127.0.0.3", "ip-dst")],
            "testCheckCSVValues"
        );
    });
    group(&|| {
        assert!(
            csv_values(",,,\t\n,,,,,", None, None).is_empty(),
            "testCheckCSVEmptyLines"
        );
    });
    groups
}

#[test]
fn misp_complextypetool_vectors() {
    let ran = run_freetext_vectors() + run_other_vectors();
    assert_eq!(ran, 59, "44 freetext vectors + 15 other groups");
}

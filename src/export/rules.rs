//! `zeek`: the Intel framework's input file (`#fields` header, tab-separated, `-` for
//! empty), with each MISP type mapped to its `Intel::` type; values Zeek cannot match are
//! left out and counted.

use std::io::Write;

use super::{Row, Seen, Sink};

/// The Intel type for a MISP type and the value to give it (URLs without their scheme, as
/// Zeek's HTTP matching sees them; composites by their matching half).
fn intel(type_: &str, value: &str) -> Option<(&'static str, String)> {
    let half = |i: usize| value.split('|').nth(i).unwrap_or("").to_string();
    Some(match type_ {
        "ip-src" | "ip-dst" if value.contains('/') => ("Intel::SUBNET", value.to_string()),
        "ip-src" | "ip-dst" => ("Intel::ADDR", value.to_string()),
        "ip-src|port" | "ip-dst|port" => ("Intel::ADDR", half(0)),
        "domain" | "hostname" => ("Intel::DOMAIN", value.to_string()),
        "domain|ip" => ("Intel::DOMAIN", half(0)),
        "hostname|port" => ("Intel::DOMAIN", half(0)),
        "url" | "uri" => {
            let v = value
                .split_once("://")
                .map_or(value, |(_, rest)| rest)
                .to_string();
            ("Intel::URL", v)
        }
        "email" | "email-src" | "email-dst" => ("Intel::EMAIL", value.to_string()),
        "md5" | "sha1" | "sha256" | "sha512" => ("Intel::FILE_HASH", value.to_string()),
        "filename|md5" | "filename|sha1" | "filename|sha256" => ("Intel::FILE_HASH", half(1)),
        "filename" => ("Intel::FILE_NAME", value.to_string()),
        "x509-fingerprint-sha1" => (
            "Intel::CERT_HASH",
            value.to_ascii_lowercase().replace(':', ""),
        ),
        "user-agent" => ("Intel::SOFTWARE", value.to_string()),
        _ => return None,
    })
}

/// Tabs and line breaks would split a record: they become spaces; an empty field is `-`.
fn clean(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let s = s.trim().to_string();
    if s.is_empty() { "-".into() } else { s }
}

#[derive(Default)]
pub struct Zeek {
    seen: Seen,
    /// Values of types Zeek has no Intel type for.
    pub skipped: u64,
}

impl Sink for Zeek {
    fn begin(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url"
        )
    }

    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()> {
        let h = row.h;
        let Some((kind, value)) = intel(h.type_, h.value) else {
            self.skipped += 1;
            return Ok(());
        };
        if value.is_empty() || value.chars().any(char::is_control) {
            self.skipped += 1;
            return Ok(());
        }
        if !self.seen.first(&format!("{kind}\t{value}")) {
            return Ok(());
        }
        let desc = if h.comment.is_empty() {
            h.event_info
        } else {
            h.comment
        };
        writeln!(
            out,
            "{value}\t{kind}\t{}\t{}\t-",
            clean(h.source),
            clean(desc)
        )
    }

    fn end(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::intel;

    #[test]
    fn types_map_to_intel() {
        assert_eq!(intel("ip-dst", "192.0.2.1").unwrap().0, "Intel::ADDR");
        assert_eq!(intel("ip-dst", "192.0.2.0/24").unwrap().0, "Intel::SUBNET");
        assert_eq!(
            intel("ip-dst|port", "192.0.2.1|443").unwrap(),
            ("Intel::ADDR", "192.0.2.1".into())
        );
        assert_eq!(
            intel("url", "https://evil.example/a?b").unwrap(),
            ("Intel::URL", "evil.example/a?b".into())
        );
        assert_eq!(
            intel("filename|sha256", "a.exe|abcd").unwrap(),
            ("Intel::FILE_HASH", "abcd".into())
        );
        assert_eq!(intel("x509-fingerprint-sha1", "AA:BB").unwrap().1, "aabb");
        assert!(intel("mutex", "Global\\x").is_none());
    }
}

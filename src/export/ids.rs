//! `suricata` rules (from the templates `suricata -T` 7 accepts, reference/STANDARDS.md §4) and
//! `rpz`, a DNS response-policy zone. Rule sids are stable across runs: derived from the
//! value, in a base's million (default 1,000,000, the local range).

use std::collections::HashSet;
use std::io::Write;

use super::{Row, Seen, Sink};

/// Escape what may not stand in a rule's quoted text.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ';' => out.push_str("|3B|"),
            '"' => out.push_str("|22|"),
            '\\' => out.push_str("|5C|"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A DNS name as it travels in a query: each label after its length (`|04|evil|07|example|00|`),
/// or None when a label is empty or too long for DNS.
fn wire_name(name: &str) -> Option<String> {
    let mut out = String::new();
    for label in name.trim_end_matches('.').to_ascii_lowercase().split('.') {
        if label.is_empty()
            || label.len() > 63
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        out.push_str(&format!("|{:02x}|{label}", label.len()));
    }
    out.push_str("|00|");
    Some(out)
}

/// `msg` text: plain characters only.
fn msg(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() && !matches!(c, ';' | '"' | '\\'))
        .take(120)
        .collect()
}

pub struct Suricata {
    pub base: u64,
    /// Snort 2 syntax (content modifiers, DNS names in wire form) instead of Suricata's
    /// sticky buffers; Suricata loads both.
    snort: bool,
    used: HashSet<u64>,
    seen: Seen,
    pub skipped: u64,
}

impl Suricata {
    pub fn new(base: u64) -> Suricata {
        Suricata {
            base,
            snort: false,
            used: HashSet::new(),
            seen: Seen::new(),
            skipped: 0,
        }
    }

    pub fn snort(base: u64) -> Suricata {
        Suricata {
            snort: true,
            ..Suricata::new(base)
        }
    }

    /// The value's own sid within the base's million (the next free one on a clash).
    fn sid(&mut self, key: &str) -> u64 {
        let mut n = crate::model::hash::value_hash(key) % 1_000_000;
        while !self.used.insert(n) {
            n = (n + 1) % 1_000_000;
        }
        self.base + n
    }
}

impl Sink for Suricata {
    fn begin(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "# threatdeck {} rules; sids {}..{}",
            if self.snort { "Snort 2" } else { "Suricata" },
            self.base,
            self.base + 999_999
        )
    }

    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()> {
        let h = row.h;
        if h.value.chars().any(char::is_control)
            || !self.seen.first(&format!("{}|{}", h.type_, h.value))
        {
            return Ok(());
        }
        let ip = |v: &str| {
            v.parse::<std::net::IpAddr>().is_ok() || crate::model::ip::cidr_key(v).is_some()
        };
        let body = match h.type_ {
            "ip-dst" if ip(h.value) => format!("ip $HOME_NET any -> [{}] any", h.value),
            "ip-src" if ip(h.value) => format!("ip [{}] any -> $HOME_NET any", h.value),
            "domain" | "hostname" if self.snort => match wire_name(h.value) {
                // A query (flags: one question) naming it or any subdomain.
                Some(name) => format!(
                    "udp $HOME_NET any -> any 53 (content:\"|01 00 00 01|\"; offset:2; depth:4; content:\"{name}\"; nocase; distance:0;"
                ),
                None => {
                    self.skipped += 1;
                    return Ok(());
                }
            },
            "domain" | "hostname" => format!(
                "dns $HOME_NET any -> any any (dns.query; dotprefix; content:\".{}\"; endswith; nocase;",
                quoted(&h.value.to_ascii_lowercase())
            ),
            "url" => {
                let rest = h.value.split_once("://").map_or(h.value, |(_, r)| r);
                let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
                if host.is_empty() {
                    self.skipped += 1;
                    return Ok(());
                }
                if self.snort {
                    let mut r = format!(
                        "tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (flow:established,to_server; content:\"{}\"; http_header; nocase;",
                        quoted(&host)
                    );
                    if !path.is_empty() && path != "/" {
                        r.push_str(&format!(" content:\"{}\"; http_uri;", quoted(path)));
                    }
                    r
                } else {
                    let mut r = format!(
                        "http $HOME_NET any -> any any (flow:established,to_server; http.host; content:\"{}\"; endswith;",
                        quoted(&host)
                    );
                    if !path.is_empty() && path != "/" {
                        r.push_str(&format!(
                            " http.uri; content:\"{}\"; bsize:{};",
                            quoted(path),
                            path.len()
                        ));
                    }
                    r
                }
            }
            _ => {
                self.skipped += 1;
                return Ok(());
            }
        };
        let sid = self.sid(&format!("{}|{}", h.type_, h.value));
        let text = msg(&format!("threatdeck {} {}", h.type_, h.value));
        // Address rules have no options yet: open them here.
        let body = if body.contains('(') {
            format!("{body} ")
        } else {
            format!("{body} (")
        };
        writeln!(
            out,
            "alert {body}msg:\"{text}\"; classtype:trojan-activity; sid:{sid}; rev:1;)"
        )
    }

    fn end(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

/// A response-policy zone: listed names (and their subdomains) and addresses answer
/// NXDOMAIN (`CNAME .`).
#[derive(Default)]
pub struct Rpz {
    seen: Seen,
    pub skipped: u64,
}

/// `rpz-ip` owner name of an address or network: prefix length, then the octets reversed.
fn rpz_ip(v: &str) -> Option<String> {
    let (addr, len) = match v.split_once('/') {
        Some((a, l)) => (a, l.parse::<u8>().ok()?),
        None => (v, 32),
    };
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    if len > 32 {
        return None;
    }
    let o = ip.octets();
    Some(format!("{len}.{}.{}.{}.{}.rpz-ip", o[3], o[2], o[1], o[0]))
}

fn dns_name(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 253
        && v.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl Sink for Rpz {
    fn begin(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        let serial = crate::model::time::now();
        writeln!(out, "$TTL 300")?;
        writeln!(
            out,
            "@ IN SOA localhost. hostmaster.localhost. ({serial} 3600 600 86400 300)"
        )?;
        writeln!(out, "  IN NS localhost.")
    }

    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()> {
        let h = row.h;
        let owners: Vec<String> = match h.type_ {
            "domain" | "hostname" if dns_name(h.value) => {
                let n = h.value.to_ascii_lowercase();
                vec![n.clone(), format!("*.{n}")]
            }
            "ip-dst" | "ip-src" => match rpz_ip(h.value) {
                Some(o) => vec![o],
                None => {
                    self.skipped += 1;
                    return Ok(());
                }
            },
            _ => {
                self.skipped += 1;
                return Ok(());
            }
        };
        for o in owners {
            if self.seen.first(&o) {
                writeln!(out, "{o} CNAME .")?;
            }
        }
        Ok(())
    }

    fn end(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpz_owner_names() {
        assert_eq!(rpz_ip("192.0.2.1").as_deref(), Some("32.1.2.0.192.rpz-ip"));
        assert_eq!(rpz_ip("10.0.0.0/8").as_deref(), Some("8.0.0.0.10.rpz-ip"));
        assert!(rpz_ip("2001:db8::1").is_none() && rpz_ip("1.2.3.4/40").is_none());
        assert!(dns_name("evil.example") && !dns_name("evil..example") && !dns_name("a b.example"));
    }

    #[test]
    fn rule_text_cannot_break_out() {
        assert_eq!(quoted("a;b\"c\\d\u{1b}"), "a|3B|b|22|c|5C|d");
        assert_eq!(msg("x\";alert"), "xalert");
        let mut s = Suricata::new(1_000_000);
        let a = s.sid("ip-dst|192.0.2.1");
        assert!((1_000_000..2_000_000).contains(&a));
        let mut t = Suricata::new(1_000_000);
        assert_eq!(t.sid("ip-dst|192.0.2.1"), a, "stable across runs");
        assert_ne!(s.sid("ip-dst|192.0.2.1"), a, "unique within one");
    }

    #[test]
    fn dns_names_in_wire_form() {
        assert_eq!(
            wire_name("Evil.example.").unwrap(),
            "|04|evil|07|example|00|"
        );
        assert!(wire_name("a..b").is_none());
        assert!(wire_name(&"x".repeat(64)).is_none());
        assert!(wire_name("a\"b.example").is_none());
    }
}

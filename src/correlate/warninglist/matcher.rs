//! Compiled matchers, one per list kind. Lookups cost O(labels) / O(prefix lengths) / one
//! `RegexSet` pass, independent of the list size — except `Substring`, which is a plain scan
//! (no Aho-Corasick crate here; MISP's substring lists have tens of entries).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use regex::{RegexBuilder, RegexSet, RegexSetBuilder};

use super::Kind;

/// Compiled `RegexSet`s may get large for lists with many patterns; the crate's default
/// (10 MiB) is too small for some, and a list that does not fit is skipped with a warning.
const REGEX_SET_SIZE_LIMIT: usize = 64 << 20;

pub(super) enum Matcher {
    String(ExactSet),
    Substring {
        exact: Vec<String>,
        folded: Vec<String>,
    },
    Hostname(HashSet<String>),
    Cidr(CidrSet),
    Regex(Option<RegexSet>),
}

impl Matcher {
    /// Compiles `entries`; returns warnings for entries (or the whole set) that were skipped.
    pub(super) fn build(
        kind: Kind,
        entries: impl IntoIterator<Item = String>,
    ) -> (Self, Vec<String>) {
        // Empty entries are dropped everywhere: an empty substring or regex would hit everything.
        let entries = entries
            .into_iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty());
        let mut warnings = Vec::new();
        let matcher = match kind {
            Kind::String => {
                let mut set = ExactSet::default();
                for e in entries {
                    let lower = e.to_lowercase();
                    if lower != e {
                        set.folded_extra.insert(lower);
                    }
                    set.exact.insert(e);
                }
                Matcher::String(set)
            }
            Kind::Substring => {
                let exact: Vec<String> = entries.collect();
                let folded = exact.iter().map(|e| e.to_lowercase()).collect();
                Matcher::Substring { exact, folded }
            }
            Kind::Hostname => Matcher::Hostname(
                entries
                    .map(|e| {
                        let e = e.to_lowercase();
                        // `*.example.com` and `.example.com` both mean "example.com and below".
                        let e = e.strip_prefix("*.").unwrap_or(&e);
                        e.trim_matches('.').to_string()
                    })
                    .filter(|e| !e.is_empty())
                    .collect(),
            ),
            Kind::Cidr => {
                let mut v4: HashMap<u8, HashSet<u32>> = HashMap::new();
                let mut v6: HashMap<u8, HashSet<u128>> = HashMap::new();
                let mut bad = Vec::new();
                for e in entries {
                    match parse_net(&e) {
                        Some(Net::V4(a, l)) => _ = v4.entry(l).or_default().insert(a),
                        Some(Net::V6(a, l)) => _ = v6.entry(l).or_default().insert(a),
                        None => bad.push(e),
                    }
                }
                if let Some(first) = bad.first() {
                    warnings.push(format!(
                        "{} entries are not IP addresses or CIDR networks (first: {first:?})",
                        bad.len()
                    ));
                }
                let mut set = CidrSet {
                    v4: v4.into_iter().collect(),
                    v6: v6.into_iter().collect(),
                };
                set.v4.sort_unstable_by_key(|(l, _)| *l);
                set.v6.sort_unstable_by_key(|(l, _)| *l);
                Matcher::Cidr(set)
            }
            Kind::Regex => {
                let mut good = Vec::new();
                for e in entries {
                    let compiled = pcre_to_rust(&e).and_then(|p| {
                        RegexBuilder::new(&p)
                            .build()
                            .map(|_| p)
                            .map_err(|err| err.to_string())
                    });
                    match compiled {
                        Ok(p) => good.push(p),
                        Err(err) => warnings.push(format!("regex {e:?} skipped: {err}")),
                    }
                }
                let set = RegexSetBuilder::new(&good)
                    .size_limit(REGEX_SET_SIZE_LIMIT)
                    .build();
                match set {
                    Ok(set) => Matcher::Regex(Some(set)),
                    Err(err) => {
                        warnings.push(format!("regex list skipped: {err}"));
                        Matcher::Regex(None)
                    }
                }
            }
        };
        (matcher, warnings)
    }

    /// Does this single (already split) value hit? `fold` says whether case is insignificant
    /// for the value's type; hostname lists always fold (DNS is case-insensitive) and regex
    /// lists follow their own flags.
    pub(super) fn hit(&self, value: &str, fold: bool) -> bool {
        let value = value.trim();
        if value.is_empty() {
            return false;
        }
        match self {
            Matcher::String(set) => set.contains(value, fold),
            Matcher::Substring { exact, folded } => {
                if fold {
                    let v = value.to_lowercase();
                    folded.iter().any(|e| v.contains(e.as_str()))
                } else {
                    exact.iter().any(|e| value.contains(e.as_str()))
                }
            }
            Matcher::Hostname(set) => {
                let host = host_of(value);
                // Walk the parent domains: a.b.example.com, b.example.com, example.com, com.
                let mut h = host.as_str();
                while !h.is_empty() {
                    if set.contains(h) {
                        return true;
                    }
                    match h.find('.') {
                        Some(i) => h = &h[i + 1..],
                        None => break,
                    }
                }
                false
            }
            Matcher::Cidr(set) => parse_value_net(value).is_some_and(|n| set.contains(n)),
            Matcher::Regex(set) => set.as_ref().is_some_and(|s| s.is_match(value)),
        }
    }
}

/// A case-sensitive set that can also answer case-insensitively without storing every entry
/// twice: only entries that are not already lower-case get a folded copy.
#[derive(Default)]
pub(super) struct ExactSet {
    exact: HashSet<String>,
    folded_extra: HashSet<String>,
}

impl ExactSet {
    fn contains(&self, v: &str, fold: bool) -> bool {
        if self.exact.contains(v) {
            return true;
        }
        if !fold {
            return false;
        }
        let lower = if v.chars().any(char::is_uppercase) {
            Cow::Owned(v.to_lowercase())
        } else {
            Cow::Borrowed(v)
        };
        self.exact.contains(lower.as_ref()) || self.folded_extra.contains(lower.as_ref())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

/// Networks bucketed by prefix length (ascending): a lookup masks the value once per length
/// present, so at most 33 (IPv4) or 129 (IPv6) hash probes whatever the list size.
pub(super) struct CidrSet {
    v4: Vec<(u8, HashSet<u32>)>,
    v6: Vec<(u8, HashSet<u128>)>,
}

impl CidrSet {
    /// A value network hits when it lies inside a list network, i.e. its prefix is at least as
    /// long as the entry's (MISP's CidrTool rule) and the addresses agree on the entry's bits.
    fn contains(&self, net: Net) -> bool {
        match net {
            Net::V4(a, l) => self.contains_v4(a, l),
            Net::V6(a, l) => {
                let hit = self
                    .v6
                    .iter()
                    .take_while(|(len, _)| *len <= l)
                    .any(|(len, set)| set.contains(&mask6(a, *len)));
                // ::ffff:a.b.c.d is an IPv4 address on the wire; lists write it as IPv4.
                hit || (a >> 32 == 0xffff && l >= 96 && self.contains_v4(a as u32, l - 96))
            }
        }
    }

    fn contains_v4(&self, a: u32, l: u8) -> bool {
        self.v4
            .iter()
            .take_while(|(len, _)| *len <= l)
            .any(|(len, set)| set.contains(&mask4(a, *len)))
    }
}

fn mask4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - u32::from(len.min(32))))
    }
}

fn mask6(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - u32::from(len.min(128))))
    }
}

/// `addr` or `addr/len`; host bits of entries like `10.1.2.3/8` are masked off.
fn parse_net(s: &str) -> Option<Net> {
    let s = s.trim();
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a.trim(), Some(l.trim().parse::<u8>().ok()?)),
        None => (s, None),
    };
    if let Ok(a) = addr.parse::<Ipv4Addr>() {
        let l = len.unwrap_or(32);
        (l <= 32).then(|| Net::V4(mask4(u32::from(a), l), l))
    } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
        let l = len.unwrap_or(128);
        (l <= 128).then(|| Net::V6(mask6(u128::from(a), l), l))
    } else {
        None
    }
}

/// Values: an address, a CIDR, `ip|port`, `[v6]:port` or `v4:port` (the last two only out of
/// leniency; the importer normalises to `ip|port`).
fn parse_value_net(v: &str) -> Option<Net> {
    let v = v.split_once('|').map_or(v, |(a, _)| a).trim();
    if let Some(n) = parse_net(v) {
        return Some(n);
    }
    if let Some(rest) = v.strip_prefix('[') {
        return parse_net(rest.split_once(']')?.0);
    }
    let (addr, port) = v.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    addr.parse::<Ipv4Addr>().ok()?;
    parse_net(addr)
}

/// The host a hostname list is matched against (shared with the correlation's URL links).
pub(super) fn host_of(value: &str) -> String {
    crate::model::url::host(value)
}

/// MISP stores PHP PCRE literals (`/^foo$/i`): strip the delimiters and turn the modifiers into
/// inline flags. Flags with no effect on a yes/no match (`u`, `D`, `S`, `X`, and the
/// JavaScript-ism `g` that some MISP lists carry) are ignored rather than rejected: PHP itself
/// rejects `g` ("Unknown modifier"), so in MISP such patterns never match — we follow the
/// author's evident intent instead. A pattern with no delimiter is taken as a bare pattern.
pub(super) fn pcre_to_rust(p: &str) -> Result<String, String> {
    let p = p.trim();
    let Some(open) = p.chars().next() else {
        return Err("empty pattern".into());
    };
    if open.is_alphanumeric() || open == '\\' {
        return Ok(p.to_string());
    }
    let close = match open {
        '(' => ')',
        '{' => '}',
        '[' => ']',
        '<' => '>',
        c => c,
    };
    let rest = &p[open.len_utf8()..];
    let end = rest
        .rfind(close)
        .ok_or_else(|| format!("no closing delimiter {close:?}"))?;
    let (body, flags) = (&rest[..end], &rest[end + close.len_utf8()..]);
    let mut inline = String::new();
    let mut anchored = false;
    for f in flags.chars() {
        match f {
            'i' | 'm' | 's' | 'x' | 'U' => inline.push(f),
            'A' => anchored = true,
            // Rust's `$` (without `m`) already matches only at the very end, like PCRE's `D`.
            'u' | 'D' | 'S' | 'X' | 'g' => {}
            c if c.is_whitespace() => {}
            c => return Err(format!("unsupported PCRE modifier {c:?}")),
        }
    }
    let mut out = String::with_capacity(body.len() + 12);
    if !inline.is_empty() {
        out.push_str("(?");
        out.push_str(&inline);
        out.push(')');
    }
    if anchored {
        out.push_str("^(?:");
        out.push_str(body);
        out.push(')');
    } else {
        out.push_str(body);
    }
    Ok(out)
}

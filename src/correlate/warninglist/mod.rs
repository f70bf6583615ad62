//! MISP warninglists: lists of known-benign or known-special values (reserved ranges, public
//! resolvers, empty-file hashes, top domains …) that flag an indicator as a likely false
//! positive. Pure: bytes and values in, list names out; the store never sees this module.
//!
//! Semantics follow MISP's `Warninglist::checkValue` (reference/MISP.md §5.1); where we
//! differ, the reason is written next to the code.

mod builtin;
mod matcher;
#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use matcher::Matcher;

/// A single list file larger than this is skipped (the biggest MISP lists are ~40 MiB).
pub const MAX_LIST_BYTES: u64 = 256 << 20;

/// Directory depth at which `load_dir` stops descending (MISP checkouts need 2).
const MAX_DEPTH: usize = 16;

/// The five MISP match types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    String,
    Substring,
    Hostname,
    Cidr,
    Regex,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "string" => Kind::String,
            "substring" => Kind::Substring,
            "hostname" => Kind::Hostname,
            "cidr" => Kind::Cidr,
            "regex" => Kind::Regex,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Substring => "substring",
            Kind::Hostname => "hostname",
            Kind::Cidr => "cidr",
            Kind::Regex => "regex",
        }
    }
}

/// One compiled warninglist.
pub struct Warninglist {
    pub name: String,
    pub kind: Kind,
    /// Attribute types the list applies to (lower-case); empty means every type.
    pub matching_attributes: Vec<String>,
    matcher: Matcher,
}

impl fmt::Debug for Warninglist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Warninglist")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("matching_attributes", &self.matching_attributes)
            .finish_non_exhaustive()
    }
}

impl Warninglist {
    /// Compiles a list; the warnings name entries that were skipped (bad CIDRs, regexes the
    /// `regex` crate cannot compile).
    pub fn new(
        name: impl Into<String>,
        kind: Kind,
        matching_attributes: impl IntoIterator<Item = impl Into<String>>,
        entries: impl IntoIterator<Item = impl Into<String>>,
    ) -> (Self, Vec<String>) {
        let (matcher, warnings) = Matcher::build(kind, entries.into_iter().map(Into::into));
        let matching_attributes = matching_attributes
            .into_iter()
            .map(|t| t.into().trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        let list = Warninglist {
            name: name.into(),
            kind,
            matching_attributes,
            matcher,
        };
        (list, warnings)
    }

    /// Parses a MISP `list.json` (`list` may be an array or MISP's `{value: comment}` object).
    /// `version`/`description` are not needed for matching and are not required.
    pub fn from_json(bytes: &[u8]) -> Result<(Self, Vec<String>), String> {
        let raw: RawList =
            serde_json::from_slice(bytes).map_err(|e| format!("invalid list JSON: {e}"))?;
        let kind =
            Kind::parse(&raw.kind).ok_or_else(|| format!("unknown list type {:?}", raw.kind))?;
        if raw.name.trim().is_empty() {
            return Err("list has an empty name".into());
        }
        let (list, mut warnings) = Warninglist::new(
            raw.name.trim(),
            kind,
            raw.matching_attributes.unwrap_or_default(),
            raw.list.entries,
        );
        if raw.list.skipped > 0 {
            warnings.push(format!("{} non-string entries skipped", raw.list.skipped));
        }
        Ok((list, warnings))
    }

    /// Whether the list applies to attribute type `type_` (case-insensitive).
    pub fn applies_to(&self, type_: &str) -> bool {
        self.matching_attributes.is_empty()
            || self
                .matching_attributes
                .iter()
                .any(|t| t.eq_ignore_ascii_case(type_))
    }
}

/// An ordered collection of lists; `matches` reports hits in this order.
#[derive(Debug, Default)]
pub struct Warninglists {
    lists: Vec<Warninglist>,
}

impl Warninglists {
    /// threatdeck's own small lists, named `threatdeck: …`.
    pub fn builtin() -> Self {
        Warninglists {
            lists: builtin::lists(),
        }
    }

    /// Loads every `*.json` under `dir`, recursively, in path order (MISP checkouts keep
    /// `lists/<name>/list.json`). A file that fails is skipped and named in the warnings with
    /// the reason; the rest still load. `schema.json` (the MISP JSON schema shipped beside the
    /// lists) and hidden directories (`.git`) are skipped silently.
    pub fn load_dir(dir: &Path) -> (Self, Vec<String>) {
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        if !dir.is_dir() {
            warnings.push(format!("{}: not a directory", dir.display()));
            return (Self::default(), warnings);
        }
        collect_json(dir, 0, &mut files, &mut warnings);
        files.sort();
        let mut lists = Vec::with_capacity(files.len());
        for path in files {
            match load_file(&path) {
                Ok((list, list_warnings)) => {
                    warnings.extend(
                        list_warnings
                            .into_iter()
                            .map(|w| format!("{} ({}): {w}", path.display(), list.name)),
                    );
                    lists.push(list);
                }
                Err(e) => warnings.push(format!("{}: skipped: {e}", path.display())),
            }
        }
        (Warninglists { lists }, warnings)
    }

    /// Appends `other`'s lists after ours.
    pub fn extend(&mut self, other: Warninglists) {
        self.lists.extend(other.lists);
    }

    pub fn push(&mut self, list: Warninglist) {
        self.lists.push(list);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Warninglist> {
        self.lists.iter()
    }

    /// Names of the lists that `value` (of attribute type `type_`) hits, in load order, each
    /// once. Composite values (`domain|ip`, `filename|md5`, `malware-sample` …) are split and
    /// each half checked — as MISP does — against the lists that apply to the composite type
    /// *or* to the half's own type. The second part is our addition: a list written for
    /// `ip-dst` should also flag the address in an `ip-dst|port` even when its author forgot to
    /// name the composite, and it never checks the wrong half (the port against an IP list).
    pub fn matches(&self, type_: &str, value: &str) -> Vec<&str> {
        let ty = type_.trim().to_ascii_lowercase();
        let parts = split(&ty, value);
        self.lists
            .iter()
            .filter(|l| {
                parts.iter().any(|p| {
                    p.types.iter().any(|t| l.applies_to(t)) && l.matcher.hit(p.value, p.fold)
                })
            })
            .map(|l| l.name.as_str())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.lists.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

/// One value to check, the types a list may name to apply to it, and whether case matters.
struct Part<'a> {
    types: Vec<&'a str>,
    value: &'a str,
    fold: bool,
}

fn split<'a>(ty: &'a str, value: &'a str) -> Vec<Part<'a>> {
    let halves = if ty == "malware-sample" {
        Some(("filename", "md5"))
    } else {
        ty.split_once('|')
    };
    let Some((t1, t2)) = halves else {
        return vec![Part {
            types: vec![ty],
            value,
            fold: folds_case(ty),
        }];
    };
    let part = |half: &'a str, value: &'a str| {
        let mut types = vec![ty];
        // `domain|ip` says "ip", which no list names; its half is an address either way.
        if half == "ip" {
            types.extend(["ip-dst", "ip-src"]);
        } else {
            types.push(half);
        }
        Part {
            types,
            value,
            fold: folds_case(half),
        }
    };
    match value.split_once('|') {
        Some((v1, v2)) => vec![part(t1, v1), part(t2, v2)],
        // Not split by the importer (e.g. `1.2.3.4:80`): treat it as the first half only.
        None => vec![part(t1, value)],
    }
}

/// Types whose values are case-insensitive by nature (DNS names, e-mail addresses, addresses,
/// hex digests). MISP's string match is case-sensitive everywhere; we fold only where case
/// cannot carry meaning, so `tlds.json`'s upper-case entries still hit `com`, while e.g.
/// filenames, user-agents, ssdeep (base64) and URL paths stay exact.
fn folds_case(ty: &str) -> bool {
    matches!(
        ty,
        "domain"
            | "hostname"
            | "email"
            | "email-src"
            | "email-dst"
            | "email-reply-to"
            | "target-email"
            | "whois-registrant-email"
            | "dns-soa-email"
            | "ip"
            | "ip-src"
            | "ip-dst"
            | "mac-address"
            | "mac-eui-64"
            | "md5"
            | "sha1"
            | "sha224"
            | "sha256"
            | "sha384"
            | "sha512"
            | "sha512/224"
            | "sha512/256"
            | "sha3-224"
            | "sha3-256"
            | "sha3-384"
            | "sha3-512"
            | "imphash"
            | "authentihash"
            | "pehash"
            | "tlsh"
            | "cdhash"
            | "telfhash"
            | "ja3-fingerprint-md5"
            | "jarm-fingerprint"
            | "hassh-md5"
            | "hasshserver-md5"
            | "x509-fingerprint-md5"
            | "x509-fingerprint-sha1"
            | "x509-fingerprint-sha256"
    )
}

fn collect_json(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, warnings: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!("{}: cannot read directory: {e}", dir.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        // Symlinked directories are not followed (loops); symlinked files are.
        if file_type.is_dir() {
            if name.starts_with('.') {
                continue;
            }
            if depth + 1 >= MAX_DEPTH {
                warnings.push(format!("{}: too deep, not searched", path.display()));
                continue;
            }
            collect_json(&path, depth + 1, files, warnings);
        } else if name.to_ascii_lowercase().ends_with(".json")
            && !name.eq_ignore_ascii_case("schema.json")
            && path.is_file()
        {
            files.push(path);
        }
    }
}

fn load_file(path: &Path) -> Result<(Warninglist, Vec<String>), String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let len = file
        .metadata()
        .map_err(|e| format!("cannot stat: {e}"))?
        .len();
    if len > MAX_LIST_BYTES {
        return Err(format!(
            "{len} bytes exceeds the {MAX_LIST_BYTES}-byte limit"
        ));
    }
    // `take` guards against a file that grows between the stat and the read.
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_LIST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_LIST_BYTES {
        return Err(format!("exceeds the {MAX_LIST_BYTES}-byte limit"));
    }
    Warninglist::from_json(&bytes)
}

#[derive(Deserialize)]
struct RawList {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    list: RawEntries,
    matching_attributes: Option<Vec<String>>,
}

/// `list` as an array of strings, or MISP's "with comments" object `{value: comment}`.
/// Hand-written so a 100k-entry list streams into one `Vec` without an intermediate tree.
struct RawEntries {
    entries: Vec<String>,
    skipped: usize,
}

impl<'de> Deserialize<'de> for RawEntries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings or an object {value: comment}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawEntries, A::Error> {
                let mut out = RawEntries {
                    entries: Vec::new(),
                    skipped: 0,
                };
                while let Some(v) = seq.next_element::<serde_json::Value>()? {
                    match v {
                        serde_json::Value::String(s) => out.entries.push(s),
                        _ => out.skipped += 1,
                    }
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntries, A::Error> {
                let mut out = RawEntries {
                    entries: Vec::new(),
                    skipped: 0,
                };
                while let Some((k, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    out.entries.push(k);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

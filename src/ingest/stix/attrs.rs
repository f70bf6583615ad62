//! Indicators, observables and vulnerabilities → MISP attributes (and x509 objects).

use uuid::Uuid;

use super::map::{Item, Mapped, map_facts, pattern_facts};
use super::pattern::{self, MAX_PATTERN_LEN, simple_groups};
use super::{Obj, Warnings};
use crate::model::normalize::normalize;
use crate::model::types::{category_allows, type_info};
use crate::model::{Attribute, Object, Tag};

/// MISP's x509 object template (misp-objects `x509`, as misp-stix emits it).
const X509_TEMPLATE: &str = "d1ab756a-26b5-4349-9f43-765630f0911c";
const X509_TEMPLATE_VERSION: &str = "14";

/// What the attributes of one STIX object share.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The STIX object's uuid: the first attribute's uuid and the seed of the others.
    pub uuid: Uuid,
    pub to_ids: bool,
    pub comment: String,
    pub timestamp: i64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub tags: Vec<Tag>,
    /// misp-stix's `misp:type="…"` / `misp:category="…"` labels.
    pub type_hint: Option<String>,
    pub category_hint: Option<String>,
}

#[derive(Debug, Default)]
pub struct Out {
    pub attributes: Vec<Attribute>,
    pub objects: Vec<Object>,
}

/// The n-th attribute of one STIX object: its own uuid for the first, then UUIDv5s of it, so
/// re-importing the same object gives the same attributes.
fn nth_uuid(base: Uuid, n: usize) -> Uuid {
    if n == 0 {
        base
    } else {
        Uuid::new_v5(&base, n.to_string().as_bytes())
    }
}

/// Types misp-stix exports the same way, so its `misp:type` label may pick among them.
const SAME_PATTERN: &[&[&str]] = &[
    &["domain", "hostname"],
    &["ip-dst", "ip-src"],
    &["email-src", "email-dst", "email"],
    &["ip-dst|port", "ip-src|port"],
];

fn hinted_type(mapped: &'static str, hint: Option<&str>) -> &'static str {
    let Some(hint) = hint else { return mapped };
    SAME_PATTERN
        .iter()
        .find(|set| set.contains(&mapped))
        .and_then(|set| set.iter().find(|t| **t == hint))
        .copied()
        .unwrap_or(mapped)
}

pub fn from_items(origin: &Origin, items: Vec<Item>) -> Out {
    let mut out = Out::default();
    let single = items.len() == 1;
    let mut n = 0;
    for item in items {
        match item {
            Item::Attr(m) => {
                let t = if single {
                    hinted_type(m.type_, origin.type_hint.as_deref())
                } else {
                    m.type_
                };
                out.attributes
                    .push(attribute(origin, nth_uuid(origin.uuid, n), t, &m.value));
                n += 1;
            }
            Item::X509(parts) => {
                let object_uuid = Uuid::new_v5(&origin.uuid, b"x509");
                out.objects.push(Object {
                    uuid: object_uuid,
                    name: "x509".into(),
                    meta_category: "network".into(),
                    description: "x509 object describing a X.509 certificate".into(),
                    template_uuid: Uuid::parse_str(X509_TEMPLATE).ok(),
                    template_version: X509_TEMPLATE_VERSION.into(),
                    timestamp: origin.timestamp,
                    comment: origin.comment.clone(),
                    deleted: false,
                    first_seen: origin.first_seen,
                    last_seen: origin.last_seen,
                });
                for (relation, Mapped { type_, value }) in parts {
                    let mut a = attribute(origin, nth_uuid(origin.uuid, n), type_, &value);
                    a.object_uuid = Some(object_uuid);
                    a.object_relation = Some(relation.to_string());
                    out.attributes.push(a);
                    n += 1;
                }
            }
        }
    }
    out
}

fn attribute(origin: &Origin, uuid: Uuid, type_: &str, raw: &str) -> Attribute {
    let info = type_info(type_);
    let category = match &origin.category_hint {
        Some(c) if category_allows(c, type_) => c.clone(),
        _ => info.map_or("Other", |i| i.default_category).to_string(),
    };
    let value = normalize(type_, raw).into_owned();
    Attribute {
        uuid: Some(uuid),
        type_: type_.to_string(),
        category,
        original: (value != raw).then(|| raw.to_string()),
        value,
        to_ids: origin.to_ids,
        comment: origin.comment.clone(),
        timestamp: origin.timestamp,
        // 5: inherit the event's distribution.
        distribution: 5,
        first_seen: origin.first_seen,
        last_seen: origin.last_seen,
        tags: origin.tags.clone(),
        ..Attribute::default()
    }
}

/// Labels → tags, except misp-stix's type/category hints, which go to `origin`.
pub fn labels(obj: &Obj, origin: &mut Origin) {
    for l in obj.refs("labels").map(str::trim).filter(|l| !l.is_empty()) {
        let quoted = |p: &str| l.strip_prefix(p).map(|v| v.trim_matches('"').to_string());
        if let Some(t) = quoted("misp:type=") {
            origin.type_hint = Some(t);
        } else if let Some(c) = quoted("misp:category=") {
            origin.category_hint = Some(c);
        } else if !l.starts_with("misp:to_ids=") {
            origin.tags.push(Tag::named(l));
        }
    }
}

/// `name: description`, or whichever is present.
pub fn comment(obj: &Obj) -> String {
    match (obj.str("name"), obj.str("description")) {
        (Some(n), Some(d)) if n != d => format!("{n}: {d}"),
        (Some(n), _) => n.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) => String::new(),
    }
}

/// An indicator's attributes. `origin` already holds tags and times.
pub fn indicator(obj: &Obj, origin: &Origin, w: &mut Warnings) -> Out {
    let Some(pattern) = obj.str("pattern") else {
        w.push(format!("{}: field pattern: missing; skipped", obj.id));
        return Out::default();
    };
    let pattern_type = obj
        .str("pattern_type")
        .unwrap_or("stix")
        .to_ascii_lowercase();
    let items = match pattern_type.as_str() {
        "stix" => stix_items(obj.id, pattern, w),
        t @ ("sigma" | "snort" | "suricata" | "yara" | "zeek") => {
            // misp-stix wraps these in `[…]` like a STIX pattern; a rule never starts with `[`.
            let rule = pattern.trim();
            let rule = rule
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or(rule);
            vec![Item::Attr(Mapped {
                type_: type_info(t).map_or("other", |i| i.name),
                value: rule.to_string(),
            })]
        }
        other => {
            w.push(format!(
                "{}: pattern_type {other:?} has no MISP type; kept as `other`",
                obj.id
            ));
            vec![Item::Attr(Mapped {
                type_: "other",
                value: pattern.to_string(),
            })]
        }
    };
    from_items(origin, items)
}

/// A STIX pattern's items, or the whole pattern as one `stix2-pattern` attribute.
fn stix_items(id: &str, pattern: &str, w: &mut Warnings) -> Vec<Item> {
    let keep = || {
        vec![Item::Attr(Mapped {
            type_: "stix2-pattern",
            value: pattern.to_string(),
        })]
    };
    if pattern.len() > MAX_PATTERN_LEN {
        w.push(format!(
            "{id}: field pattern: longer than {MAX_PATTERN_LEN} bytes; kept whole, not parsed"
        ));
        return keep();
    }
    let expr = match pattern::parse(pattern) {
        Ok(e) => e,
        Err(e) => {
            w.push(format!(
                "{id}: field pattern: {e}; kept whole as stix2-pattern"
            ));
            return keep();
        }
    };
    let Some(groups) = simple_groups(&expr) else {
        return keep();
    };
    let mut items = Vec::new();
    for g in &groups {
        match pattern_facts(g).and_then(|(t, facts)| map_facts(t, &facts)) {
            Some(mapped) => items.extend(mapped),
            None => return keep(),
        }
    }
    items
}

/// `CVE-YYYY-NNNN…` (any case).
pub fn looks_like_cve(s: &str) -> bool {
    let mut parts = s.trim().splitn(3, '-');
    let (Some(c), Some(y), Some(n)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    c.eq_ignore_ascii_case("cve")
        && y.len() == 4
        && y.bytes().all(|b| b.is_ascii_digit())
        && n.len() >= 4
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// A vulnerability's CVE id: its name, or a `cve` external reference.
pub fn cve_of(obj: &Obj) -> Option<String> {
    if let Some(n) = obj.str("name").filter(|n| looks_like_cve(n)) {
        return Some(n.trim().to_string());
    }
    obj.map
        .get("external_references")?
        .as_array()?
        .iter()
        .filter(|r| r.get("source_name").and_then(|s| s.as_str()) == Some("cve"))
        .filter_map(|r| r.get("external_id")?.as_str())
        .find(|id| looks_like_cve(id))
        .map(|id| id.trim().to_string())
}

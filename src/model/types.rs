//! MISP attribute types and categories (describeTypes), with lookups.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::types_table::{CATEGORIES, CATEGORY_TYPES, TYPES};

/// What MISP says about one attribute type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeInfo {
    pub name: &'static str,
    pub default_category: &'static str,
    pub to_ids: bool,
    index: u16,
}

fn by_name() -> &'static HashMap<&'static str, u16> {
    static MAP: OnceLock<HashMap<&'static str, u16>> = OnceLock::new();
    MAP.get_or_init(|| {
        TYPES
            .iter()
            .enumerate()
            .map(|(i, t)| (t.0, i as u16))
            .collect()
    })
}

/// Look a type up by its MISP name (`ip-dst`, `filename|sha256`, ...).
pub fn type_info(name: &str) -> Option<TypeInfo> {
    by_name().get(name).map(|&i| info_at(i))
}

fn info_at(i: u16) -> TypeInfo {
    let (name, cat, to_ids) = TYPES[i as usize];
    TypeInfo {
        name,
        default_category: CATEGORIES[cat as usize],
        to_ids,
        index: i,
    }
}

/// Index of a type in the table (a compact on-disk id).
pub fn type_index(name: &str) -> Option<u16> {
    by_name().get(name).copied()
}

/// The type at a table index.
pub fn type_at(index: u16) -> Option<TypeInfo> {
    ((index as usize) < TYPES.len()).then(|| info_at(index))
}

/// Every known type, in describeTypes order.
pub fn all_types() -> impl Iterator<Item = TypeInfo> {
    (0..TYPES.len() as u16).map(info_at)
}

/// The 16 MISP categories.
pub fn categories() -> &'static [&'static str] {
    &CATEGORIES
}

/// True when `category` is one MISP allows for `type_name`.
pub fn category_allows(category: &str, type_name: &str) -> bool {
    let (Some(ci), Some(t)) = (
        CATEGORIES.iter().position(|c| *c == category),
        type_info(type_name),
    ) else {
        return false;
    };
    CATEGORY_TYPES[ci].binary_search(&t.index).is_ok()
}

/// MISP `NON_CORRELATING_TYPES`: values of these types never link.
pub const NON_CORRELATING_TYPES: &[&str] = &[
    "comment",
    "http-method",
    "aba-rtn",
    "gender",
    "counter",
    "integer",
    "float",
    "port",
    "nationality",
    "cortex",
    "boolean",
    "anonymised",
];

/// Whether values of this type take part in correlation.
pub fn correlates(type_name: &str) -> bool {
    !NON_CORRELATING_TYPES.contains(&type_name)
}

/// Composite types hold two values joined by `|` (MISP splits them into value1/value2).
/// `malware-sample` is stored as `filename|md5` too.
pub fn is_composite(type_name: &str) -> bool {
    type_name.contains('|') || type_name == "malware-sample"
}

/// Types whose second part is a port: only the first part is an indicator worth indexing.
pub fn is_port_composite(type_name: &str) -> bool {
    type_name.ends_with("|port")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_describe_types() {
        assert_eq!(all_types().count(), 194);
        assert_eq!(categories().len(), 16);
        let ip = type_info("ip-dst").unwrap();
        assert_eq!(ip.default_category, "Network activity");
        assert!(ip.to_ids);
        let fs = type_info("filename|sha256").unwrap();
        assert_eq!(fs.default_category, "Payload delivery");
        assert!(type_info("no-such-type").is_none());
        assert!(!type_info("comment").unwrap().to_ids);
    }

    #[test]
    fn category_membership() {
        assert!(category_allows("Network activity", "ip-dst"));
        assert!(category_allows("Payload delivery", "md5"));
        assert!(!category_allows("Person", "md5"));
        assert!(!category_allows("Nope", "md5"));
    }

    #[test]
    fn non_correlating() {
        assert!(!correlates("comment"));
        assert!(!correlates("port"));
        assert!(correlates("ip-dst"));
    }

    #[test]
    fn composites() {
        assert!(is_composite("domain|ip"));
        assert!(is_composite("malware-sample"));
        assert!(!is_composite("domain"));
        assert!(is_port_composite("ip-dst|port"));
    }
}

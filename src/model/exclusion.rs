//! Correlation exclusions (MISP `correlation_exclusions`): values that never link.

/// MISP correlation exclusion patterns: `%x%` contains, `x%` starts with, `%x` ends with,
/// otherwise exact (case-sensitive, as in MISP).
pub fn excluded(patterns: &[String], value: &str) -> bool {
    patterns.iter().any(|p| {
        let (starts, ends) = (p.starts_with('%'), p.ends_with('%') && p.len() > 1);
        let core = p.trim_start_matches('%').trim_end_matches('%');
        match (starts, ends) {
            (true, true) => value.contains(core),
            (false, true) => value.starts_with(core),
            (true, false) => value.ends_with(core),
            (false, false) => value == p,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_wildcards() {
        let p = vec![
            "%google%".to_string(),
            "10.%".to_string(),
            "%.local".to_string(),
            "exact".to_string(),
        ];
        assert!(excluded(&p, "www.google.com"));
        assert!(excluded(&p, "10.1.2.3"));
        assert!(excluded(&p, "printer.local"));
        assert!(excluded(&p, "exact"));
        assert!(!excluded(&p, "exactly"));
        assert!(!excluded(&p, "110.1.2.3"));
        assert!(!excluded(&[], "x"));
    }
}

//! MISP's feed catalog format (`app/files/feed-metadata/defaults.json`): a list of
//! `{"Feed": {...}, "Tag": {...}}` whose `settings` and `rules` are JSON strings (one entry is
//! even encoded twice).

use serde::Deserialize;
use serde_json::Value;

use crate::ingest::ParseError;
use crate::store::feeds::FeedRec;

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "Feed")]
    feed: RawFeed,
}

#[derive(Deserialize)]
struct RawFeed {
    name: String,
    #[serde(default)]
    provider: String,
    url: String,
    #[serde(default)]
    source_format: String,
    #[serde(default)]
    settings: Value,
}

/// A string that may hold JSON, possibly JSON of a JSON string, as an object.
fn settings_object(v: &Value) -> Value {
    let mut v = v.clone();
    for _ in 0..3 {
        match v {
            Value::String(s) => v = serde_json::from_str(&s).unwrap_or(Value::Null),
            _ => break,
        }
    }
    v
}

/// MISP writes exclude regexes PHP-style, `/body/flags`; ours are Rust regexes, flags inline.
/// An empty one means none; one that does not compile is dropped (the feed still imports).
pub fn php_regex(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let re = match s.strip_prefix('/').and_then(|r| r.rsplit_once('/')) {
        Some((body, flags)) if flags.chars().all(|c| "imsx".contains(c)) => {
            if flags.is_empty() {
                body.to_string()
            } else {
                format!("(?{flags}){body}")
            }
        }
        _ => s.to_string(),
    };
    regex::Regex::new(&re).is_ok().then_some(re)
}

/// The feeds of a MISP catalog file, all disabled: nothing touches the network until the
/// user enables a feed. Entries of formats threatdeck cannot sync are skipped with a reason.
pub fn parse(bytes: &[u8], now: i64) -> Result<(Vec<FeedRec>, Vec<String>), ParseError> {
    let text = crate::ingest::decode_text(bytes)?;
    let entries: Vec<Entry> = serde_json::from_str(text).map_err(|e| ParseError::json(&e))?;
    let mut feeds = Vec::new();
    let mut skipped = Vec::new();
    for e in entries {
        let f = e.feed;
        let format = match f.source_format.as_str() {
            "misp" => "misp-feed",
            "csv" => "csv",
            "freetext" => "freetext",
            other => {
                skipped.push(format!(
                    "{}: source format {other:?} is not supported",
                    f.name
                ));
                continue;
            }
        };
        let settings = settings_object(&f.settings);
        let csv = &settings["csv"];
        let columns = csv["value"]
            .as_str()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.split(',')
                    .filter_map(|c| c.trim().parse::<usize>().ok())
                    .filter(|&c| c > 0)
                    .collect::<Vec<_>>()
            })
            .filter(|c| !c.is_empty());
        let delimiter = csv["delimiter"]
            .as_str()
            .filter(|d| !d.is_empty() && *d != ",")
            .and_then(|d| crate::ingest::csv::parse_delimiter(d).ok());
        feeds.push(FeedRec {
            provider: f.provider,
            columns,
            delimiter,
            created: now,
            exclude: settings["common"]["excluderegex"]
                .as_str()
                .and_then(php_regex),
            // MISP's default cron fetch is daily, as `FeedRec::new`.
            ..FeedRec::new(f.name, f.url, format)
        });
    }
    Ok((feeds, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_regexes_become_rust_ones() {
        assert_eq!(php_regex(""), None);
        assert_eq!(php_regex("/^#.*/i").as_deref(), Some("(?i)^#.*"));
        assert_eq!(
            php_regex(r"/^http:\/\/www.phishtank.com/i").as_deref(),
            Some(r"(?i)^http:\/\/www.phishtank.com")
        );
        let re = regex::Regex::new(&php_regex("/^#.*|Threatview.*/i").unwrap()).unwrap();
        assert!(re.is_match("threatview.io list") && !re.is_match("1.2.3.4"));
        assert_eq!(php_regex("/(/"), None);
    }

    #[test]
    fn settings_strings_and_double_encoding() {
        let doc = r#"[
          {"Feed": {"name": "A", "provider": "p", "url": "https://a.example/list.csv", "source_format": "csv",
                    "settings": "{\"csv\":{\"value\":\"2,3\",\"delimiter\":\";\"},\"common\":{\"excluderegex\":\"\"}}"}},
          {"Feed": {"name": "B", "url": "https://b.example/", "source_format": "misp",
                    "settings": "\"{\\\"csv\\\":{\\\"value\\\":\\\"\\\",\\\"delimiter\\\":\\\",\\\"}}\""}},
          {"Feed": {"name": "C", "url": "x", "source_format": "weird"}}
        ]"#;
        let (feeds, skipped) = parse(doc.as_bytes(), 1).unwrap();
        assert_eq!(feeds.len(), 2);
        assert_eq!(feeds[0].columns, Some(vec![2, 3]));
        assert_eq!(feeds[0].delimiter, Some(b';'));
        assert_eq!(feeds[1].format, "misp-feed");
        assert_eq!(feeds[1].columns, None);
        assert!(feeds.iter().all(|f| !f.enabled));
        assert_eq!(skipped.len(), 1);
        assert!(parse(b"[{", 1).unwrap_err().line.is_some());
    }

    #[test]
    fn misp_default_catalog_when_present() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/misp/feed-defaults.json");
        let Ok(bytes) = std::fs::read(p) else { return };
        let (feeds, skipped) = parse(&bytes, 1).unwrap();
        assert!(
            feeds.len() >= 80,
            "{} feeds, skipped {skipped:?}",
            feeds.len()
        );
    }
}

//! Parsers: bytes in, model records out. They know nothing of the store.
//!
//! Every parser is pure and returns a [`ParseError`] naming the line (and field where it
//! applies) on bad input; the caller adds the file name.

pub mod csv;
pub mod freetext;
pub mod misp_event;
pub mod misp_feed;
pub mod stix;
mod text;

#[cfg(test)]
mod robustness;

use std::fmt;
use std::path::Path;

pub use text::{MAX_INPUT_BYTES, decode_text, read_input};

/// Input formats `threatdeck import` understands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    #[default]
    Auto,
    MispFeed,
    MispEvent,
    Csv,
    Freetext,
    Stix,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::MispFeed => "misp-feed",
            Format::MispEvent => "misp-event",
            Format::Csv => "csv",
            Format::Freetext => "freetext",
            Format::Stix => "stix",
        }
    }
}

/// A parse failure inside one input. `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            line: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn at_line(line: u64, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            field: None,
            message: message.into(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// A serde_json error, with its line.
    pub fn json(e: &serde_json::Error) -> Self {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; keep the message without it.
        let message = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        let line = if e.line() > 0 {
            Some(e.line() as u64)
        } else {
            None
        };
        ParseError {
            line,
            field: None,
            message: format!("invalid JSON: {message}"),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field {field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Guess the format of a path: a directory with manifest.json is a MISP feed; JSON is a
/// STIX bundle (`"type": "bundle"`) or a MISP event; `.csv`/`.tsv` is CSV; anything else is
/// freetext. `head` is the start of the file (empty for directories).
pub fn detect(path: &Path, head: &[u8]) -> Format {
    if path.is_dir() {
        return Format::MispFeed;
    }
    let head = String::from_utf8_lossy(head);
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        // Bundles, TAXII envelopes and bare arrays of STIX objects (2.0 objects carry no
        // spec_version, but their ids are `type--uuid`).
        const STIX_MARKS: [&str; 5] = [
            "\"type\":\"bundle\"",
            "\"spec_version\":\"2.",
            "\"id\":\"indicator--",
            "\"id\":\"report--",
            "\"id\":\"identity--",
        ];
        if STIX_MARKS.iter().any(|m| compact.contains(m))
            || (compact.contains("\"objects\":[") && compact.contains("--"))
        {
            return Format::Stix;
        }
        if compact.contains("\"Event\"")
            || compact.contains("\"response\"")
            || compact.starts_with('[')
        {
            return Format::MispEvent;
        }
    }
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") | Some("tsv") => Format::Csv,
        Some("json") => Format::MispEvent,
        _ => Format::Freetext,
    }
}

/// Test helper: the decoded text of every corpus file (one level below
/// `../shared/corpus`) whose extension is in `exts`; None when the corpus is absent.
#[cfg(test)]
pub(crate) fn corpus_texts(exts: &[&str]) -> Option<Vec<(std::path::PathBuf, String)>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let dirs = std::fs::read_dir(&root).ok()?;
    let mut out = Vec::new();
    for f in dirs
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
    {
        let path = f.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !exts.contains(&ext) {
            continue;
        }
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(text) = decode_text(&bytes)
        {
            out.push((path, text.to_string()));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_from_content() {
        let p = Path::new("x.json");
        assert_eq!(
            detect(p, br#"{"type": "bundle", "objects": []}"#),
            Format::Stix
        );
        assert_eq!(
            detect(p, br#"[{"type":"indicator","id":"indicator--1"}]"#),
            Format::Stix
        );
        assert_eq!(
            detect(
                p,
                br#"{"more": false, "objects": [{"id": "ipv4-addr--x"}]}"#
            ),
            Format::Stix
        );
        assert_eq!(detect(p, b"\xEF\xBB\xBF{\"Event\": {}}"), Format::MispEvent);
        assert_eq!(detect(p, br#"{"response": []}"#), Format::MispEvent);
        assert_eq!(detect(Path::new("a.csv"), b"ip,port\n"), Format::Csv);
        assert_eq!(detect(Path::new("a.txt"), b"1.2.3.4\n"), Format::Freetext);
    }
}

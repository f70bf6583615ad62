//! CSV lists: MISP `ComplexTypeTool::checkCSV` (reference/MISP.md §1.3). Every selected cell
//! is trimmed and typed by the freetext resolver; unresolved cells are dropped; values are
//! deduplicated, first wins.
//!
//! The splitter is hand-written rather than the `csv` crate because that crate accepts an
//! unclosed quote silently (the rest of the file becomes one field); here it is an error naming
//! the line where the record starts. Beyond RFC 4180 it accepts what feeds actually send:
//! whitespace before an opening quote (abuse.ch's `"a", "b"`), CRLF, ragged rows, quotes
//! inside unquoted fields (kept as text), and `#` comment lines anywhere.

use std::borrow::Cow;

use super::ParseError;
use super::freetext::{Unique, indicator, resolve};
use crate::model::Indicator;

/// What to read from a CSV input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// 1-based value columns; `None` reads every column.
    pub columns: Option<Vec<usize>>,
    /// `None` sniffs among `,` tab `;` `|`.
    pub delimiter: Option<u8>,
}

/// The indicators of a CSV input and how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOutput {
    pub indicators: Vec<Indicator>,
    /// The first non-comment row was a header (nothing in it resolved; cells look like names).
    pub header_skipped: bool,
    /// Data rows read (comments, blank lines and the header not counted).
    pub rows: usize,
    /// The delimiter used (given or sniffed).
    pub delimiter: u8,
    /// Non-empty selected cells that were no indicator.
    pub unresolved: usize,
}

/// Characters MISP trims from a cell (`trim($element, " \t\n\r\0\x0B\"'")`).
const CELL_TRIM: &[u8] = b" \t\n\r\0\x0B\"'";

/// Parse a `--delimiter` value: one ASCII character, or `\t` / `tab` for a tab (MISP converts
/// the literal two-character `\t`).
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    let d = match s {
        "\\t" | "tab" | "TAB" => b'\t',
        _ if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
        _ => {
            return Err(format!(
                "delimiter must be one ASCII character or \\t, not {s:?}"
            ));
        }
    };
    if matches!(d, b'"' | b'\n' | b'\r') {
        return Err(format!("{:?} cannot be a delimiter", char::from(d)));
    }
    Ok(d)
}

/// Read `text` (already decoded, byte-order mark removed) as a CSV list.
pub fn parse(text: &str, opts: &CsvOptions) -> Result<CsvOutput, ParseError> {
    if let Some(cols) = &opts.columns
        && cols.contains(&0)
    {
        return Err(ParseError::new("column numbers start at 1").with_field("columns"));
    }
    let delimiter = match opts.delimiter {
        Some(d) if matches!(d, b'"' | b'\n' | b'\r') || !d.is_ascii() => {
            return Err(ParseError::new(format!(
                "invalid delimiter {:?}",
                char::from(d)
            )));
        }
        Some(d) => d,
        None => sniff_delimiter(text),
    };
    let selected = |i: usize| opts.columns.as_ref().is_none_or(|c| c.contains(&(i + 1)));

    let mut reader = Records {
        text,
        pos: 0,
        line: 1,
        delimiter,
    };
    let mut out = Unique::default();
    let mut cells = Vec::new();
    let (mut rows, mut unresolved, mut header_skipped, mut first_row) = (0, 0, false, true);
    while reader.next_record(&mut cells)? {
        let (mut resolved_here, mut unresolved_here) = (0, 0);
        for (i, cell) in cells.iter().enumerate() {
            if !selected(i) {
                continue;
            }
            let cell = trim_cell(cell);
            if cell.is_empty() || cell == "0" || cell.len() > 4096 {
                continue;
            }
            match resolve(cell) {
                Some(r) => {
                    resolved_here += 1;
                    out.push(indicator(r, cell));
                }
                None => unresolved_here += 1,
            }
        }
        if std::mem::take(&mut first_row) && resolved_here == 0 && looks_like_header(&cells) {
            header_skipped = true;
            continue;
        }
        rows += 1;
        unresolved += unresolved_here;
    }
    Ok(CsvOutput {
        indicators: out.items,
        header_skipped,
        rows,
        delimiter,
        unresolved,
    })
}

/// MISP's trim, plus invisible format characters at the ends (vendor sheets leave U+200E
/// marks after URLs).
fn trim_cell(s: &str) -> &str {
    s.trim_matches(|c: char| {
        (c.is_ascii() && CELL_TRIM.contains(&(c as u8)))
            || matches!(
                c,
                '\u{a0}' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}'
            )
    })
}

/// A header row: some non-empty cell, and every non-empty cell a short name
/// (`first_seen_utc`, `dst_ip`, `Indicator type`, `SHA1`).
fn looks_like_header(cells: &[Cow<'_, str>]) -> bool {
    let mut names = 0;
    for cell in cells {
        let c = trim_cell(cell);
        if c.is_empty() {
            continue;
        }
        let ok = c.len() <= 64
            && c.starts_with(|ch: char| ch.is_alphabetic())
            && c.chars()
                .all(|ch| ch.is_alphanumeric() || " _-./()#:".contains(ch));
        if !ok {
            return false;
        }
        names += 1;
    }
    names > 0
}

/// Pick the candidate delimiter that splits the most sample lines into the same number of
/// fields; `,` when none splits anything. Ties go to the earlier of `,` tab `;` `|`.
fn sniff_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];
    let sample: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(50)
        .collect();
    let mut best = (0, b',');
    for d in CANDIDATES {
        let mut counts: Vec<usize> = sample
            .iter()
            .map(|l| {
                let mut in_quotes = false;
                l.bytes()
                    .filter(|&b| {
                        if b == b'"' {
                            in_quotes = !in_quotes;
                        }
                        b == d && !in_quotes
                    })
                    .count()
            })
            .collect();
        counts.sort_unstable();
        // The most frequent count, and how many lines have it.
        let (mut mode, mut freq) = (0, 0);
        for run in counts.chunk_by(|a, b| a == b) {
            if run.len() > freq {
                (mode, freq) = (run[0], run.len());
            }
        }
        if mode > 0 && freq > best.0 {
            best = (freq, d);
        }
    }
    best.1
}

/// Record reader over the whole text; tracks physical line numbers.
struct Records<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
    delimiter: u8,
}

impl<'a> Records<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or_default()
    }

    /// Skip comment and blank lines, then read one record into `cells`. False at the end.
    fn next_record(&mut self, cells: &mut Vec<Cow<'a, str>>) -> Result<bool, ParseError> {
        cells.clear();
        let b = self.bytes();
        loop {
            if self.pos >= b.len() {
                return Ok(false);
            }
            let eol = b[self.pos..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |i| self.pos + i);
            let line = self
                .slice(self.pos, eol)
                .trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r');
            if line.is_empty() || line.starts_with('#') {
                self.pos = eol + 1;
                self.line += 1;
                continue;
            }
            break;
        }
        let start_line = self.line;
        loop {
            let (cell, more) = self.field(start_line, cells.len() + 1)?;
            cells.push(cell);
            if !more {
                return Ok(true);
            }
        }
    }

    /// One field; the bool says whether another field follows on this record.
    fn field(
        &mut self,
        start_line: u64,
        column: usize,
    ) -> Result<(Cow<'a, str>, bool), ParseError> {
        let b = self.bytes();
        let d = self.delimiter;
        let start = self.pos;
        let mut i = start;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') && b[i] != d {
            i += 1;
        }
        if b.get(i) != Some(&b'"') {
            // Unquoted: up to the delimiter or the end of the line; quotes inside are text.
            let end = b[start..]
                .iter()
                .position(|&c| c == d || c == b'\n')
                .map_or(b.len(), |n| start + n);
            let cell = Cow::Borrowed(self.slice(start, end));
            return Ok((cell, self.end_field(end)));
        }
        let open = i;
        let mut owned: Option<String> = None;
        let mut from = open + 1;
        let mut j = open + 1;
        loop {
            let Some(q) = b[j..].iter().position(|&c| c == b'"').map(|n| j + n) else {
                let msg = "quoted field is never closed";
                return Err(
                    ParseError::at_line(start_line, msg).with_field(format!("column {column}"))
                );
            };
            self.line += b[j..q].iter().filter(|&&c| c == b'\n').count() as u64;
            if b.get(q + 1) == Some(&b'"') {
                // `""` is one quote.
                owned
                    .get_or_insert_with(String::new)
                    .push_str(self.slice(from, q + 1));
                from = q + 2;
                j = q + 2;
                continue;
            }
            let cell = match owned {
                Some(mut s) => {
                    s.push_str(self.slice(from, q));
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(self.slice(open + 1, q)),
            };
            let mut k = q + 1;
            while k < b.len() && matches!(b[k], b' ' | b'\t' | b'\r') && b[k] != d {
                k += 1;
            }
            if k < b.len() && b[k] != d && b[k] != b'\n' {
                let msg = format!(
                    "unexpected {:?} after a closing quote",
                    self.text
                        .get(k..)
                        .and_then(|t| t.chars().next())
                        .unwrap_or('?')
                );
                return Err(
                    ParseError::at_line(start_line, msg).with_field(format!("column {column}"))
                );
            }
            return Ok((cell, self.end_field(k)));
        }
    }

    /// Move past the delimiter or line end at `at`; true when it was a delimiter.
    fn end_field(&mut self, at: usize) -> bool {
        let b = self.bytes();
        match b.get(at) {
            Some(&c) if c == self.delimiter => {
                self.pos = at + 1;
                true
            }
            Some(_) => {
                self.pos = at + 1;
                self.line += 1;
                false
            }
            None => {
                self.pos = at;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(out: &CsvOutput) -> Vec<&str> {
        out.indicators.iter().map(|i| i.value.as_str()).collect()
    }

    fn run(text: &str, columns: Option<Vec<usize>>, delimiter: Option<u8>) -> CsvOutput {
        parse(text, &CsvOptions { columns, delimiter }).unwrap()
    }

    #[test]
    fn tab_delimiter_sniffed_and_given() {
        let text = "1.1.1.1\tevil.com\tx\n2.2.2.2\twww.evil.com\ty\n";
        let out = run(text, None, None);
        assert_eq!(out.delimiter, b'\t');
        assert_eq!(
            values(&out),
            ["1.1.1.1", "evil.com", "2.2.2.2", "www.evil.com"]
        );
        assert_eq!((out.rows, out.unresolved), (2, 2));
        assert_eq!(values(&run(text, None, Some(b'\t'))).len(), 4);
        assert_eq!(parse_delimiter("\\t"), Ok(b'\t'));
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert!(parse_delimiter("ab").is_err() && parse_delimiter("\"").is_err());
    }

    #[test]
    fn columns_select_cells_and_missing_columns_are_empty() {
        let text = "evil.com,1.1.1.1,http://a.com/x\nbad.com\n";
        let out = run(text, Some(vec![2, 3]), Some(b','));
        assert_eq!(values(&out), ["1.1.1.1", "http://a.com/x"]);
        assert_eq!(out.indicators[1].type_, "url");
        assert_eq!(out.rows, 2);
        assert!(
            parse(
                text,
                &CsvOptions {
                    columns: Some(vec![0]),
                    delimiter: None
                }
            )
            .is_err()
        );
    }

    #[test]
    fn header_and_comment_rows_are_skipped() {
        let text = "# generated 2024-01-01, by 9.9.9.9\n\"first_seen_utc\",\"dst_ip\",\"dst_port\"\n\
                    \"2024-01-01 00:00:00\",\"1.2.3.4\",\"443\"\n  # indented comment, 8.8.8.8\n";
        let out = run(text, None, None);
        assert!(out.header_skipped);
        assert_eq!(values(&out), ["1.2.3.4"]);
        assert_eq!(out.rows, 1);
        // A first row that resolves is data.
        assert!(!run("1.2.3.4,name\n", None, None).header_skipped);
    }

    #[test]
    fn crlf_and_abuse_ch_comma_space_quotes() {
        let text = "\"2024-01-01 00:00:00\", \"1.2.3.4\", \"online\"\r\n\"2024-01-02 00:00:00\", \"evil.com, mirror\", \"5.6.7.8\"\r\n";
        let out = run(text, None, None);
        assert_eq!(out.delimiter, b',');
        assert_eq!(values(&out), ["1.2.3.4", "5.6.7.8"]);
        assert_eq!(out.rows, 2);
        let out = run("a.com,\"http://b.com/x\"\r\n", None, None);
        assert_eq!(values(&out), ["a.com", "http://b.com/x"]);
    }

    #[test]
    fn quoted_fields_span_lines_and_escape_quotes() {
        let text = "\"multi\nline 1.1.1.1\",\"say \"\"2.2.2.2\"\"\"\n3.3.3.3\n";
        let out = run(text, None, None);
        // MISP trims quotes from the cell, so `say "2.2.2.2"` stays one unresolved value.
        assert_eq!(values(&out), ["3.3.3.3"]);
        assert_eq!(out.rows, 2);
    }

    #[test]
    fn broken_quote_names_the_line_where_the_record_starts() {
        let text = "1.1.1.1,a\n2.2.2.2,\"open\n3.3.3.3,b\n4.4.4.4,c\n";
        let e = parse(text, &CsvOptions::default()).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.field.as_deref(), Some("column 2"));
        let text = "1.1.1.1\n\"a\nb\",x\n\"5.5.5.5\"junk,y\n";
        let e = parse(text, &CsvOptions::default()).unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
    }

    #[test]
    fn dedup_first_wins_and_original_kept() {
        let out = run(
            "'1.2.3.4',x\n1.2.3.4,y\nhxxp://evil[.]com/a,z\n",
            Some(vec![1]),
            None,
        );
        assert_eq!(values(&out), ["1.2.3.4", "http://evil.com/a"]);
        assert_eq!(
            out.indicators[1].original.as_deref(),
            Some("hxxp://evil[.]com/a")
        );
        assert_eq!(out.indicators[0].original, None);
    }

    #[test]
    fn empty_inputs() {
        for text in ["", "\n\n", "# only a comment\n", ",,,\t\n,,,,,"] {
            let out = run(text, None, None);
            assert!(out.indicators.is_empty() && out.rows <= 2, "{text:?}");
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for text in [
            "\"",
            "\"\"",
            "a,\"",
            "é,\"é\"é",
            "\r",
            "\"a\"\r",
            ",",
            "\u{200e}",
            "a\"b,c\"d\n",
        ] {
            let _ = parse(text, &CsvOptions::default());
            let _ = parse(
                text,
                &CsvOptions {
                    columns: Some(vec![5]),
                    delimiter: Some(b' '),
                },
            );
        }
    }

    /// Every CSV of the shared corpus parses (no panic, no error). Skips without the corpus.
    #[test]
    fn corpus_csv_files_parse() {
        let Some(files) = crate::ingest::corpus_texts(&["csv"]) else {
            return;
        };
        assert!(!files.is_empty());
        for (path, text) in files {
            let out = parse(&text, &CsvOptions::default());
            let out = out.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                out.rows > 0 || out.indicators.is_empty(),
                "{}",
                path.display()
            );
        }
    }
}

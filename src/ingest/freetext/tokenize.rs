//! MISP `parseFreetext`: `\p{C}` characters and NBSP become spaces, the text is split on
//! whitespace `,` `<` `>` `;`, and every double-quoted substring is a further candidate.
//! Tokens are borrowed from the input; nothing is allocated per token.

use std::borrow::Cow;

/// Characters MISP's trim removes from both ends of a token (custom set + PHP's default).
const TRIM: &[u8] = b"'\".,() \t\n\r\0\x0B";

/// Tokens longer than this are not indicators (and would only cost time to resolve).
pub(super) const MAX_TOKEN: usize = 4096;

/// Byte classes for ASCII: true for a separator. Every ASCII control character is `\p{Cc}`
/// and becomes a space, so it separates like whitespace does.
static ASCII_SEP: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i <= 0x20 {
        t[i] = true;
        i += 1;
    }
    t[0x7F] = true;
    t[b',' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b';' as usize] = true;
    t
};

/// Unicode "other" (`\p{C}`: control, format, private use) or NBSP. Unassigned code points
/// (`Cn`) are not tracked: they change with every Unicode release.
pub(super) fn is_other(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x1F | 0x7F..=0xA0 | 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891
        | 0x8E2 | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F | 0xE000..=0xF8FF | 0xF0000..=0xFFFFD
        | 0x100000..=0x10FFFD)
}

/// PHP `trim($s, TRIM)`. Trimmed bytes are ASCII, so the slice stays on char boundaries.
pub(super) fn trim_token(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && TRIM.contains(&(c as u8)))
}

/// Call `f` with every split token of `text`, trimmed, non-empty, in order.
pub(super) fn for_each_split_token<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let b = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut emit = |from: usize, to: usize| {
        if let Some(tok) = text.get(from..to) {
            let tok = trim_token(tok);
            if !tok.is_empty() {
                f(tok);
            }
        }
    };
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if ASCII_SEP[c as usize] {
                emit(start, i);
                start = i + 1;
            }
            i += 1;
        } else {
            let ch = text.get(i..).and_then(|r| r.chars().next());
            let len = ch.map_or(1, char::len_utf8);
            if ch.is_some_and(is_other) {
                emit(start, i);
                start = i + len;
            }
            i += len;
        }
    }
    emit(start, b.len());
}

/// Call `f` with every `"([^"]+)"` match of `text`, with `\p{C}` runs turned into one space as
/// MISP does before matching, trimmed and non-empty.
pub(super) fn for_each_quoted<'a>(text: &'a str, mut f: impl FnMut(Cow<'a, str>)) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(open) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'"')) {
        let open = i + open;
        let Some(close) = b[open + 1..].iter().position(|&c| c == b'"') else {
            return;
        };
        let close = open + 1 + close;
        if close == open + 1 {
            // `""`: the second quote may open the next match.
            i = close;
            continue;
        }
        if let Some(inner) = text.get(open + 1..close) {
            let inner = squash_other(inner);
            let t = trim_token(&inner);
            if !t.is_empty() {
                f(match inner {
                    Cow::Borrowed(s) => Cow::Borrowed(trim_token(s)),
                    Cow::Owned(ref s) => Cow::Owned(trim_token(s).to_owned()),
                });
            }
        }
        i = close + 1;
    }
}

/// `preg_replace('/\p{C}+|\xc2\xa0/u', ' ')` on a quoted substring.
fn squash_other(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_other) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for c in s.chars() {
        if c == '\u{a0}' {
            out.push(' ');
            in_run = false;
        } else if is_other(c) {
            if !in_run {
                out.push(' ');
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        for_each_split_token(s, |t| v.push(t));
        v
    }

    fn quoted(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        for_each_quoted(s, |t| v.push(t.into_owned()));
        v
    }

    #[test]
    fn splits_on_misp_separators_and_trims() {
        assert_eq!(
            split("a,(b),  <c>; \"d\" \"'e'\"\r\nf\u{a0}g\u{1d}h\u{200b}i\tj."),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        );
        assert!(split(" ,;<>()..''").is_empty());
        // Other Unicode spaces are not separators in MISP (its \s is ASCII-only).
        assert_eq!(split("a\u{2003}b"), ["a\u{2003}b"]);
    }

    #[test]
    fn quoted_substrings_follow_the_regex() {
        // The third match is `","`, which trims to nothing.
        assert_eq!(
            quoted("=\"127.0.0.1\",=\"127.0.0.2\",\"\",\"1\""),
            ["127.0.0.1", "127.0.0.2"]
        );
        assert_eq!(quoted("\"a\nb\" \"unclosed"), ["a b"]);
        assert_eq!(quoted("\"é\""), ["é"]);
    }
}

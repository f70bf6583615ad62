//! Making untrusted text inert before it reaches a terminal.

use std::borrow::Cow;

/// Longest value shown in human output; the full value is in `--json`.
pub const MAX_SHOWN: usize = 512;

fn is_dangerous(c: char) -> bool {
    c.is_control()
        // Bidi overrides/isolates and zero-width marks reorder or hide text.
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Escape control characters (ESC, CR, bidi overrides ...) as `\u{..}` and cap the length,
/// so feed text cannot move the cursor, recolour or spoof a terminal.
pub fn inert(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_SHOWN && !s.chars().any(is_dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(MAX_SHOWN) + 8);
    for c in s.chars() {
        if out.len() >= MAX_SHOWN {
            out.push('…');
            break;
        }
        if is_dangerous(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Escape what `inert` escapes, without its length cap (text an analyst pasted and edits).
/// Newlines and tabs stay.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_dangerous(c) && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(inert("evil.com"), "evil.com");
        assert_eq!(inert("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(inert("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(inert("line\r\nnext"), "line\\u{d}\\u{a}next");
    }

    #[test]
    fn caps_length() {
        let long = "a".repeat(10_000);
        let shown = inert(&long);
        assert!(shown.len() <= MAX_SHOWN + 4);
        assert!(shown.ends_with('…'));
    }
}

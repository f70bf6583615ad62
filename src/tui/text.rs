//! Text for the screen: feed text made inert (controls, escapes and bidi overrides shown
//! escaped), cut to a width with a marker, and the glyph set (Unicode or ASCII when the
//! locale is not UTF-8).

use std::borrow::Cow;

/// Box-drawing and marker characters, Unicode or plain ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    pub ascii: bool,
    pub ellipsis: &'static str,
    pub branch: &'static str,
    pub last_branch: &'static str,
    pub pipe: &'static str,
    pub arrow: &'static str,
    pub bar_full: char,
    pub bar_empty: char,
    pub selected: &'static str,
}

impl Glyphs {
    pub const UNICODE: Glyphs = Glyphs {
        ascii: false,
        ellipsis: "…",
        branch: "├─ ",
        last_branch: "└─ ",
        pipe: "│  ",
        arrow: " › ",
        bar_full: '█',
        bar_empty: '░',
        selected: "▶ ",
    };
    pub const ASCII: Glyphs = Glyphs {
        ascii: true,
        ellipsis: "...",
        branch: "|- ",
        last_branch: "`- ",
        pipe: "|  ",
        arrow: " > ",
        bar_full: '#',
        bar_empty: '-',
        selected: "> ",
    };

    /// Unicode when the locale's character set is UTF-8 (LC_ALL, then LC_CTYPE, then LANG).
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Glyphs {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| env(k).filter(|v| !v.is_empty()))
            .unwrap_or_default();
        let norm = locale.to_ascii_lowercase().replace('-', "");
        if norm.contains("utf8") {
            Glyphs::UNICODE
        } else {
            Glyphs::ASCII
        }
    }
}

/// Feed text made safe to print: see `safe_text::inert`.
pub fn safe(s: &str) -> Cow<'_, str> {
    crate::safe_text::inert(s)
}

/// `s` made inert and cut to `width` columns (one per char: feed text is mostly ASCII, and
/// wide characters only shorten what is shown), ending in the ellipsis when cut.
pub fn fit(s: &str, width: usize, g: &Glyphs) -> String {
    let s = safe(s);
    if s.chars().count() <= width {
        return s.into_owned();
    }
    let marker = g.ellipsis.chars().count();
    if width <= marker {
        return s.chars().take(width).collect();
    }
    let mut out: String = s.chars().take(width - marker).collect();
    out.push_str(g.ellipsis);
    out
}

/// A compact age: `42s`, `5m`, `3h`, `2d`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert_and_cut() {
        let g = Glyphs::UNICODE;
        let evil = "evil\u{1b}[2J\u{202e}moc.com";
        let shown = fit(evil, 80, &g);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown}"
        );
        assert!(shown.contains("\\u{1b}") && shown.contains("\\u{202e}"));
        assert_eq!(fit("abcdefgh", 5, &g), "abcd…");
        assert_eq!(fit("abcdefgh", 5, &Glyphs::ASCII), "ab...");
        assert_eq!(fit("abc", 5, &g), "abc");
        assert_eq!(fit("abcdef", 1, &g), "a");
    }

    #[test]
    fn locale_decides_the_glyphs() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(!Glyphs::detect(&env(&[("LANG", "en_US.UTF-8")])).ascii);
        assert!(!Glyphs::detect(&env(&[("LC_ALL", "C.utf8"), ("LANG", "C")])).ascii);
        assert!(Glyphs::detect(&env(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")])).ascii);
        assert!(Glyphs::detect(&env(&[])).ascii);
        assert!(Glyphs::detect(&env(&[("LANG", "POSIX")])).ascii);
    }
}

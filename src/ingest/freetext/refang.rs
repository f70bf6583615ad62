//! MISP `__refangInput`: every rule of `REFANG_REGEX_TABLE` in order, then `rtrim('.')`, then
//! any bracketed single character `[x]` becomes `x`.

use std::borrow::Cow;

/// Scheme prefixes (case-insensitive, start of the value only) that mean `http`.
const HTTP_ALIASES: [&str; 5] = ["hxxp", "hxtp", "htxp", "meow", "h[tt]p"];

/// Refang `s`, borrowing when nothing but trailing dots changes (the common case).
pub(super) fn refang_cow(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let alias = HTTP_ALIASES.iter().find(|a| {
        b.get(..a.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(a.as_bytes()))
    });
    let bracketed = b.iter().any(|&c| c == b'[' || c == b'(');
    if alias.is_none() && !bracketed {
        return Cow::Borrowed(s.trim_end_matches('.'));
    }
    let mut out = match alias {
        Some(a) => format!("http{}", s.get(a.len()..).unwrap_or_default()),
        None => s.to_owned(),
    };
    if bracketed {
        // Each table rule is its own global, left-to-right pass, as preg_replace does.
        for (from, to) in [
            ("[.]", "."),
            ("[dot]", "."),
            ("(dot)", "."),
            ("[hxxp://]", "http://"),
            ("[@]", "@"),
            ("[at]", "@"),
            ("[:]", ":"),
        ] {
            if out.contains(from) {
                out = out.replace(from, to);
            }
        }
    }
    let trimmed = out.trim_end_matches('.').len();
    out.truncate(trimmed);
    if out.contains('[') {
        out = unbracket(&out);
    }
    Cow::Owned(out)
}

/// `preg_replace_callback('/\[.\]/', trim($m, '[]'))`: `[x]` → `x` for one non-newline byte.
/// `[` `]` are ASCII, so a match is always a single ASCII character and the output stays UTF-8.
fn unbracket(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while i + 2 < b.len() {
        if b[i] == b'[' && b[i + 2] == b']' && b[i + 1] != b'\n' && b[i + 1].is_ascii() {
            out.push_str(s.get(last..i).unwrap_or_default());
            // trim('[]') strips the brackets from the match; a bracket inside is lost too.
            if b[i + 1] != b'[' && b[i + 1] != b']' {
                out.push(char::from(b[i + 1]));
            }
            i += 3;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(s.get(last..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::refang_cow as refang;

    #[test]
    fn refang_table() {
        assert_eq!(refang("hxxp://a.com"), "http://a.com");
        // Only the prefix is replaced, so the case of the rest stays.
        assert_eq!(refang("HXXPS://a.com"), "httpS://a.com");
        assert_eq!(refang("h[tt]ps://a.com"), "https://a.com");
        assert_eq!(refang("meow://a.com"), "http://a.com");
        assert_eq!(refang("a[.]b(dot)c[dot]d"), "a.b.c.d");
        assert_eq!(refang("[hxxp://]a.com"), "http://a.com");
        assert_eq!(refang("a[@]b.c a[at]b.c"), "a@b.c a@b.c");
        assert_eq!(refang("http[:]//a.com[/]x"), "http://a.com/x");
        assert_eq!(refang("a.com..."), "a.com");
        // Only the listed spellings: MISP's table is case-sensitive for these.
        assert_eq!(refang("a[DOT]com"), "a[DOT]com");
        assert_eq!(refang("a[[]b[]]c[é]"), "abc[é]");
        assert_eq!(refang("x\\..\\y"), "x\\..\\y");
    }
}

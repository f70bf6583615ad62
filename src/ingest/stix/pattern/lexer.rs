//! Tokens of a STIX pattern. Object paths are one token, so `[*]` list steps and quoted hash
//! keys never reach the parser.

use super::{Path, Step};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    /// `=`, `!=`, `<`, `>`, `<=`, `>=`.
    Cmp(&'static str),
    /// Keywords (AND, OR, LIKE, …) and `true`/`false`.
    Word(String),
    Path(Path),
    Str(String),
    Int(i64),
    /// Floats, `t'…'`, `h'…'`, `b'…'`.
    OtherLit,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

pub(super) fn tokenize(s: &str) -> Result<Vec<(Tok, usize)>, String> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).map_or(s.len(), |c| c.0);
    let peek = |i: usize| chars.get(i).map(|c| c.1);
    while let Some(c) = peek(i) {
        let start = at(i);
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            ',' => (Tok::Comma, 1),
            '=' => (Tok::Cmp("="), 1),
            '!' if peek(i + 1) == Some('=') => (Tok::Cmp("!="), 2),
            '<' if peek(i + 1) == Some('=') => (Tok::Cmp("<="), 2),
            '>' if peek(i + 1) == Some('=') => (Tok::Cmp(">="), 2),
            '<' => (Tok::Cmp("<"), 1),
            '>' => (Tok::Cmp(">"), 1),
            '\'' => {
                let (v, n) = string_lit(&chars, i, s.len())?;
                (Tok::Str(v), n)
            }
            't' | 'h' | 'b' if peek(i + 1) == Some('\'') => {
                let (_, n) = string_lit(&chars, i + 1, s.len())?;
                (Tok::OtherLit, n + 1)
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && peek(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let mut j = i + 1;
                while peek(j).is_some_and(|d| d.is_ascii_digit() || d == '.') {
                    j += 1;
                }
                let text = &s[start..at(j)];
                let tok = match text.parse::<i64>() {
                    Ok(n) => Tok::Int(n),
                    Err(_) if text.parse::<f64>().is_ok() => Tok::OtherLit,
                    Err(_) => return Err(format!("bad number {text:?} at {start}")),
                };
                (tok, j - i)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i;
                while peek(j).is_some_and(is_ident) {
                    j += 1;
                }
                let word = &s[start..at(j)];
                if peek(j) == Some(':') {
                    let (steps, n) = path_steps(&chars, j + 1, s)?;
                    let path = Path {
                        object_type: word.to_string(),
                        steps,
                    };
                    (Tok::Path(path), j + 1 + n - i)
                } else {
                    (Tok::Word(word.to_string()), j - i)
                }
            }
            c => return Err(format!("unexpected character {c:?} at {start}")),
        };
        out.push((tok.0, start));
        i += tok.1;
    }
    Ok(out)
}

/// A `'…'` literal starting at `chars[i]`; returns the unescaped value and the chars consumed.
/// Only `\'` and `\\` are legal escapes (STANDARDS.md §1.3).
fn string_lit(chars: &[(usize, char)], i: usize, end: usize) -> Result<(String, usize), String> {
    let start = chars.get(i).map_or(end, |c| c.0);
    let mut v = String::new();
    let mut j = i + 1;
    loop {
        match chars.get(j).map(|c| c.1) {
            None => return Err(format!("unterminated string at {start}")),
            Some('\'') => return Ok((v, j + 1 - i)),
            Some('\\') => match chars.get(j + 1).map(|c| c.1) {
                Some(e @ ('\'' | '\\')) => {
                    v.push(e);
                    j += 2;
                }
                _ => return Err(format!("bad escape in string at {start}")),
            },
            Some(c) => {
                v.push(c);
                j += 1;
            }
        }
    }
}

/// The property path after `type:`: `name`, `hashes.'SHA-256'`, `to_refs[*].value`.
fn path_steps(chars: &[(usize, char)], i: usize, s: &str) -> Result<(Vec<Step>, usize), String> {
    let peek = |j: usize| chars.get(j).map(|c| c.1);
    let at = |j: usize| chars.get(j).map_or(s.len(), |c| c.0);
    let mut steps = Vec::new();
    let mut j = i;
    let mut want_prop = true;
    loop {
        if want_prop {
            if peek(j) == Some('\'') {
                let (v, n) = string_lit(chars, j, s.len())?;
                steps.push(Step::Prop(v));
                j += n;
            } else {
                let k = j;
                while peek(j).is_some_and(is_ident) {
                    j += 1;
                }
                if j == k {
                    return Err(format!("missing property name at {}", at(k)));
                }
                steps.push(Step::Prop(s[at(k)..at(j)].to_string()));
            }
            want_prop = false;
        }
        match peek(j) {
            Some('.') => {
                j += 1;
                want_prop = true;
            }
            // `[*]` / `[0]` index a list; any other `[` belongs to the expression.
            Some('[') => {
                let k = j + 1;
                let mut e = k;
                while peek(e).is_some_and(|c| c.is_ascii_digit() || c == '*') {
                    e += 1;
                }
                if e == k || peek(e) != Some(']') {
                    break;
                }
                let text = &s[at(k)..at(e)];
                let idx = if text == "*" {
                    None
                } else {
                    Some(
                        text.parse::<u64>()
                            .map_err(|_| format!("bad list index at {}", at(k)))?,
                    )
                };
                steps.push(Step::Index(idx));
                j = e + 1;
            }
            _ => break,
        }
    }
    Ok((steps, j - i))
}

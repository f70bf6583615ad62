//! Key notation (`j`, `G`, `<C-d>`, `<Enter>`, `<A-x>`, `<F1>`) to crossterm key events and
//! back, for keymaps.toml and the help overlay.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as keymaps match it: the code and the modifiers that matter (Shift is folded into
/// the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        let mut mods =
            e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match e.code {
            // Terminals send Shift-Tab as BackTab, some with SHIFT set too.
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::Char(c) => {
                // `G` arrives as Char('G') with SHIFT: the character says it already.
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            c => c,
        };
        Key { code, mods }
    }
}

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Space", KeyCode::Char(' ')),
    ("Lt", KeyCode::Char('<')),
];

/// Parse one key: a single character, or `<[C-][A-][S-]Name>`.
pub fn parse(s: &str) -> Result<Key, String> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_control() {
            return Err(format!("{s:?} is not a key"));
        }
        return Ok(Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        });
    }
    let inner = s
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .ok_or_else(|| format!("{s:?} is not a key: write a character or <Name> like <C-d>"))?;
    let mut mods = KeyModifiers::NONE;
    let mut rest = inner;
    loop {
        let (m, r) = match rest.get(..2) {
            Some("C-") => (KeyModifiers::CONTROL, &rest[2..]),
            Some("A-") => (KeyModifiers::ALT, &rest[2..]),
            Some("S-") => (KeyModifiers::SHIFT, &rest[2..]),
            _ => break,
        };
        if r.is_empty() {
            break;
        }
        mods |= m;
        rest = r;
    }
    let code = if let Some(&(_, code)) = NAMED.iter().find(|(n, _)| *n == rest) {
        code
    } else if let Some(n) = rest.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
        if !(1..=12).contains(&n) {
            return Err(format!("{s:?}: function keys are F1 to F12"));
        }
        KeyCode::F(n)
    } else {
        let mut cs = rest.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) if !c.is_control() => KeyCode::Char(c),
            _ => return Err(format!("{s:?}: unknown key name {rest:?}")),
        }
    };
    // Shift on anything but a letter cannot be told apart: terminals send the shifted
    // character itself (`!`, not Shift-1).
    if let KeyCode::Char(c) = code
        && mods.contains(KeyModifiers::SHIFT)
        && !c.is_ascii_alphabetic()
    {
        return Err(format!("{s:?}: write the shifted character itself, not S-"));
    }
    // Shift on a letter is the capital letter.
    let (code, mods) = match code {
        KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() => (
            KeyCode::Char(c.to_ascii_uppercase()),
            mods - KeyModifiers::SHIFT,
        ),
        _ => (code, mods),
    };
    Ok(Key { code, mods })
}

/// How a key is written in keymaps.toml and shown in help.
pub fn show(k: &Key) -> String {
    let mut pre = String::new();
    if k.mods.contains(KeyModifiers::CONTROL) {
        pre.push_str("C-");
    }
    if k.mods.contains(KeyModifiers::ALT) {
        pre.push_str("A-");
    }
    if k.mods.contains(KeyModifiers::SHIFT) {
        pre.push_str("S-");
    }
    let name = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char('<') => "Lt".to_string(),
        KeyCode::Char(c) if pre.is_empty() => return c.to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        code => NAMED
            .iter()
            .find(|(_, c)| *c == code)
            .map_or("?", |(n, _)| n)
            .to_string(),
    };
    format!("<{pre}{name}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "j",
            "G",
            "/",
            "?",
            ":",
            "<C-d>",
            "<Enter>",
            "<A-x>",
            "<F5>",
            "<Space>",
            "<C-A-Up>",
            "<Lt>",
            "<BackTab>",
        ] {
            assert_eq!(show(&parse(s).unwrap()), s, "{s}");
        }
        assert_eq!(parse("<S-g>").unwrap(), parse("G").unwrap());
        for bad in [
            "",
            "jj",
            "<Nope>",
            "<C->",
            "<F13>",
            "<C-d",
            "\u{1b}",
            "<S-1>",
            "<S-Space>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn shifted_letters_match_their_capital() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), parse("G").unwrap());
        let ev = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ev), parse("<C-d>").unwrap());
    }
}

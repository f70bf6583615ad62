//! themes/: embedded themes (16-colour default, 256, dark and light truecolor), user themes
//! in the config directory overriding by name, `inherits` and a palette. Colours are brought
//! down to what the terminal has once, at load (ratatui does not downsample); `NO_COLOR`
//! keeps only bold, reverse and underline.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("256", include_str!("../../themes/256.toml")),
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
];

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Depth {
    #[value(name = "none")]
    Mono,
    #[value(name = "16")]
    Ansi16,
    #[value(name = "256")]
    Ansi256,
    #[value(name = "truecolor")]
    TrueColor,
}

/// `--color` wins; then NO_COLOR (set and not empty), COLORTERM, TERM. SSH does not pass
/// COLORTERM on, hence the flag.
pub fn detect(flag: Option<Depth>, env: &dyn Fn(&str) -> Option<String>) -> Depth {
    if let Some(d) = flag {
        return d;
    }
    if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return Depth::Mono;
    }
    if env("COLORTERM").is_some_and(|v| v == "truecolor" || v == "24bit") {
        return Depth::TrueColor;
    }
    let term = env("TERM").unwrap_or_default();
    if term.ends_with("-direct") {
        Depth::TrueColor
    } else if term.contains("256color") {
        Depth::Ansi256
    } else {
        Depth::Ansi16
    }
}

/// The theme a depth gets when the user names none.
pub fn default_name(depth: Depth) -> &'static str {
    match depth {
        Depth::TrueColor => "dark",
        Depth::Ansi256 => "256",
        Depth::Ansi16 | Depth::Mono => "default",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<String, Style>,
}

/// Style names every theme has (a theme may set any of them; the rest inherit).
pub const STYLES: &[&str] = &[
    "text",
    "dim",
    "title",
    "border",
    "border_focus",
    "selection",
    "tab",
    "tab_active",
    "status",
    "key",
    "error",
    "warn",
    "ok",
    "match",
    "value",
    "event",
    "source",
    "gauge",
];

#[derive(Debug, thiserror::Error)]
#[error("theme {theme}: {message}")]
pub struct ThemeError {
    pub theme: String,
    pub message: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    inherits: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

impl Theme {
    pub fn style(&self, name: &str) -> Style {
        self.styles.get(name).copied().unwrap_or_default()
    }

    /// Load theme `name`: a user file `<dir>/<name>.toml` first, then the embedded ones.
    pub fn load(name: &str, user_dir: Option<&Path>, depth: Depth) -> Result<Theme, ThemeError> {
        let mut chain: Vec<(String, File)> = Vec::new();
        let mut next = Some(name.to_string());
        while let Some(n) = next.take() {
            if chain.iter().any(|(c, _)| *c == n) || chain.len() > 8 {
                return Err(ThemeError {
                    theme: name.into(),
                    message: format!("inherits in a loop through {n}"),
                });
            }
            let (text, origin) = source(&n, user_dir)?;
            let file: File = toml::from_str(&text).map_err(|e| ThemeError {
                theme: n.clone(),
                message: format!(
                    "{origin}:{}: {}",
                    e.span()
                        .map_or(1, |s| text.as_bytes()[..s.start.min(text.len())]
                            .iter()
                            .filter(|&&b| b == b'\n')
                            .count()
                            + 1),
                    e.message()
                ),
            })?;
            next = file.inherits.clone();
            chain.push((n, file));
        }
        // Base first, so each theme overrides the one it inherits.
        chain.reverse();
        let mut palette: BTreeMap<String, String> = BTreeMap::new();
        for (_, f) in &chain {
            palette.extend(f.palette.clone());
        }
        let mut styles = BTreeMap::new();
        for (theme, f) in &chain {
            for (key, spec) in &f.styles {
                if !STYLES.contains(&key.as_str()) {
                    return Err(ThemeError {
                        theme: theme.clone(),
                        message: format!("unknown style {key:?}; styles are {}", STYLES.join(", ")),
                    });
                }
                styles.insert(
                    key.clone(),
                    build(spec, &palette, depth).map_err(|message| ThemeError {
                        theme: theme.clone(),
                        message: format!("{key}: {message}"),
                    })?,
                );
            }
        }
        Ok(Theme {
            name: name.to_string(),
            styles,
        })
    }
}

fn source(name: &str, user_dir: Option<&Path>) -> Result<(String, String), ThemeError> {
    let bad_name = name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bad_name {
        return Err(ThemeError {
            theme: name.into(),
            message: "a theme name is letters, digits, - and _".into(),
        });
    }
    if let Some(dir) = user_dir {
        let p = dir.join(format!("{name}.toml"));
        match std::fs::read_to_string(&p) {
            Ok(t) => return Ok((t, p.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ThemeError {
                    theme: name.into(),
                    message: format!("{}: {e}", p.display()),
                });
            }
        }
    }
    EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, t)| ((*t).to_string(), format!("themes/{n}.toml (built in)")))
        .ok_or_else(|| ThemeError {
            theme: name.into(),
            message: format!(
                "no such theme (built in: {})",
                EMBEDDED
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

fn build(
    spec: &StyleSpec,
    palette: &BTreeMap<String, String>,
    depth: Depth,
) -> Result<Style, String> {
    let color = |c: &Option<String>| -> Result<Option<Color>, String> {
        let Some(c) = c else { return Ok(None) };
        let resolved = palette.get(c).unwrap_or(c);
        let parsed =
            Color::from_str(resolved).map_err(|_| format!("{resolved:?} is not a colour"))?;
        Ok(Some(fit(parsed, depth)))
    };
    let mut style = Style::default();
    if depth != Depth::Mono {
        if let Some(fg) = color(&spec.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = color(&spec.bg)? {
            style = style.bg(bg);
        }
    } else {
        color(&spec.fg)?;
        color(&spec.bg)?;
    }
    for (on, m) in [
        (spec.bold, Modifier::BOLD),
        (spec.italic, Modifier::ITALIC),
        (spec.underlined, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
        (spec.dim, Modifier::DIM),
    ] {
        if on {
            style = style.add_modifier(m);
        }
    }
    // Without colours a selection must still show: one that relied on colour reverses.
    if depth == Depth::Mono && spec.bg.is_some() && !spec.reversed {
        style = style.add_modifier(Modifier::REVERSED);
    }
    Ok(style)
}

const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let i = i - 16;
            (
                CUBE[(i / 36) as usize],
                CUBE[(i / 6 % 6) as usize],
                CUBE[(i % 6) as usize],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2) as u32;
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

fn nearest_256(c: (u8, u8, u8)) -> u8 {
    let level = |v: u8| {
        (0..6)
            .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).abs())
            .unwrap_or(0)
    };
    let (r, g, b) = (level(c.0), level(c.1), level(c.2));
    let cube = 16 + 36 * r as u8 + 6 * g as u8 + b as u8;
    let grey = (232..=255u8)
        .min_by_key(|&i| dist(rgb_of_index(i), c))
        .unwrap_or(232);
    if dist(rgb_of_index(grey), c) < dist(rgb_of_index(cube), c) {
        grey
    } else {
        cube
    }
}

fn nearest_16(c: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| dist(*rgb, c))
        .map_or(Color::Reset, |(col, _)| *col)
}

/// Bring a colour down to the terminal's depth.
pub fn fit(c: Color, depth: Depth) -> Color {
    match (c, depth) {
        (_, Depth::Mono) => Color::Reset,
        (Color::Rgb(r, g, b), Depth::Ansi256) => Color::Indexed(nearest_256((r, g, b))),
        (Color::Rgb(r, g, b), Depth::Ansi16) => nearest_16((r, g, b)),
        (Color::Indexed(i), Depth::Ansi16) if i >= 16 => nearest_16(rgb_of_index(i)),
        (Color::Indexed(i), Depth::Ansi16) => ANSI16[i as usize].0,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn depth_from_flag_and_environment() {
        assert_eq!(
            detect(None, &env(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])),
            Depth::Mono
        );
        assert_eq!(
            detect(None, &env(&[("NO_COLOR", ""), ("TERM", "xterm-256color")])),
            Depth::Ansi256
        );
        assert_eq!(
            detect(None, &env(&[("COLORTERM", "24bit")])),
            Depth::TrueColor
        );
        assert_eq!(detect(None, &env(&[("TERM", "xterm")])), Depth::Ansi16);
        assert_eq!(
            detect(Some(Depth::Ansi256), &env(&[("NO_COLOR", "1")])),
            Depth::Ansi256
        );
    }

    #[test]
    fn every_builtin_theme_loads_at_every_depth() {
        for (name, _) in EMBEDDED {
            for depth in [Depth::Mono, Depth::Ansi16, Depth::Ansi256, Depth::TrueColor] {
                let t = Theme::load(name, None, depth).unwrap();
                for s in STYLES {
                    let st = t.style(s);
                    for c in [st.fg, st.bg].into_iter().flatten() {
                        match depth {
                            Depth::Mono => assert_eq!(c, Color::Reset),
                            Depth::Ansi16 => assert!(
                                !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                                "{name} {s} {c:?}"
                            ),
                            Depth::Ansi256 => assert!(!matches!(c, Color::Rgb(..)), "{name} {s}"),
                            Depth::TrueColor => {}
                        }
                    }
                }
                // A selection shows without colour.
                if depth == Depth::Mono {
                    assert!(
                        t.style("selection")
                            .add_modifier
                            .contains(Modifier::REVERSED),
                        "{name}"
                    );
                }
            }
        }
        let dark = Theme::load("dark", None, Depth::TrueColor).unwrap();
        assert_eq!(
            dark.style("title").fg,
            Some(Color::Rgb(0x7a, 0xa2, 0xf7)),
            "inherited style, own palette"
        );
        assert!(dark.style("title").add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn user_themes_override_by_name_inherit_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            "inherits = \"default\"\n[palette]\naccent = \"#ff0000\"\n",
        )
        .unwrap();
        let t = Theme::load("dark", Some(dir.path()), Depth::TrueColor).unwrap();
        assert_eq!(t.style("title").fg, Some(Color::Rgb(255, 0, 0)));
        std::fs::write(dir.path().join("mine.toml"), "inherits = \"mine\"\n").unwrap();
        assert!(
            Theme::load("mine", Some(dir.path()), Depth::Ansi16)
                .unwrap_err()
                .to_string()
                .contains("loop")
        );
        std::fs::write(
            dir.path().join("bad.toml"),
            "[styles]\ntitle = { fg = \"chartreuse-ish\" }\n",
        )
        .unwrap();
        let e = Theme::load("bad", Some(dir.path()), Depth::Ansi16)
            .unwrap_err()
            .to_string();
        assert!(e.contains("title") && e.contains("not a colour"), "{e}");
        std::fs::write(dir.path().join("typo.toml"), "[styles]\ntitel = {}\n").unwrap();
        assert!(
            Theme::load("typo", Some(dir.path()), Depth::Ansi16)
                .unwrap_err()
                .to_string()
                .contains("unknown style")
        );
        std::fs::write(dir.path().join("broken.toml"), "[styles\n").unwrap();
        let e = Theme::load("broken", Some(dir.path()), Depth::Ansi16)
            .unwrap_err()
            .to_string();
        assert!(e.contains("broken.toml:1"), "{e}");
        assert!(Theme::load("../etc/passwd", Some(dir.path()), Depth::Ansi16).is_err());
        assert!(Theme::load("nope", None, Depth::Ansi16).is_err());
    }

    #[test]
    fn downsampling() {
        assert_eq!(
            fit(Color::Rgb(255, 0, 0), Depth::Ansi256),
            Color::Indexed(196)
        );
        assert_eq!(
            fit(Color::Rgb(128, 128, 128), Depth::Ansi256),
            Color::Indexed(244)
        );
        assert_eq!(fit(Color::Rgb(250, 0, 0), Depth::Ansi16), Color::LightRed);
        assert_eq!(fit(Color::Indexed(21), Depth::Ansi16), Color::Blue);
        assert_eq!(fit(Color::Cyan, Depth::Ansi16), Color::Cyan);
    }
}

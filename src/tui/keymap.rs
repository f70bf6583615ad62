//! keymaps.toml: per-context sections of `{ on, run, desc }`, chords allowed. The defaults
//! are embedded; a user file in the config directory overrides per key (`run = "noop"`
//! unbinds). Unknown commands, duplicate keys and prefix clashes are refused at start with
//! file:line, so a typo never silently loses a binding.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::command::{self, CONTEXTS, Command};
use super::keys::{self, Key};

pub const DEFAULTS: &str = include_str!("../../keymaps.toml");

#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub command: Command,
    pub desc: String,
    /// file:line it came from.
    pub origin: String,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    sections: BTreeMap<String, Vec<Binding>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct KeymapError {
    pub origin: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum On {
    One(String),
    Chord(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    on: On,
    run: String,
    desc: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    keymap: Vec<toml::Spanned<Entry>>,
}

/// What a key sequence means in a context chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Run(Command),
    /// The start of a chord: wait for the next key.
    Pending,
    None,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parse one keymap file into sections, checking each entry against the registry and each
/// section for duplicate keys.
fn parse_file(text: &str, file: &str) -> Result<BTreeMap<String, Vec<Binding>>, KeymapError> {
    let doc: BTreeMap<String, Section> = toml::from_str(text).map_err(|e| KeymapError {
        origin: format!("{file}:{}", e.span().map_or(1, |s| line_of(text, s.start))),
        message: e.message().to_string(),
    })?;
    let mut out = BTreeMap::new();
    for (name, section) in doc {
        if !CONTEXTS.contains(&name.as_str()) {
            return Err(KeymapError {
                origin: format!("{file}:1"),
                message: format!(
                    "unknown section [{name}]; sections are {}",
                    CONTEXTS.join(", ")
                ),
            });
        }
        let mut bindings: Vec<Binding> = Vec::new();
        for entry in section.keymap {
            let origin = format!("{file}:{}", line_of(text, entry.span().start));
            let e = entry.into_inner();
            let err = |message: String| KeymapError {
                origin: origin.clone(),
                message,
            };
            let names = match e.on {
                On::One(k) => vec![k],
                On::Chord(ks) => ks,
            };
            if names.is_empty() || names.len() > 4 {
                return Err(err("`on` needs one to four keys".into()));
            }
            let keys = names
                .iter()
                .map(|k| keys::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            let info = command::by_name(&e.run).ok_or_else(|| {
                err(format!(
                    "unknown command {:?} (see `?` in the workbench)",
                    e.run
                ))
            })?;
            if !info.contexts.contains(&name.as_str()) {
                return Err(err(format!(
                    "{} does not apply in [{name}] (it belongs in {})",
                    info.name,
                    info.contexts.join(", ")
                )));
            }
            if let Some(prev) = bindings.iter().find(|b| b.keys == keys) {
                return Err(err(format!(
                    "{} is bound twice in [{name}] (also at {})",
                    show_keys(&keys),
                    prev.origin
                )));
            }
            bindings.push(Binding {
                keys,
                command: info.command,
                desc: e.desc.unwrap_or_else(|| info.desc.to_string()),
                origin,
            });
        }
        out.insert(name, bindings);
    }
    Ok(out)
}

pub fn show_keys(keys: &[Key]) -> String {
    keys.iter().map(keys::show).collect::<Vec<_>>().join(" ")
}

/// The contexts consulted after `context`, in order.
pub fn chain(context: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = CONTEXTS.iter().copied().filter(|c| *c == context).collect();
    if matches!(
        context,
        "feeds" | "events" | "indicators" | "graph" | "detail"
    ) {
        out.push("list");
    }
    if context != "global" {
        out.push("global");
    }
    out
}

impl Keymap {
    /// The embedded defaults, overridden by the user's file when there is one.
    pub fn load(user: Option<&Path>) -> Result<Keymap, KeymapError> {
        let mut sections = parse_file(DEFAULTS, "keymaps.toml (built in)")?;
        if let Some(p) = user {
            match std::fs::read_to_string(p) {
                Ok(text) => {
                    let theirs = parse_file(&text, &p.display().to_string())?;
                    for (name, bindings) in theirs {
                        let ours = sections.entry(name).or_default();
                        for b in bindings {
                            ours.retain(|o| o.keys != b.keys);
                            // A `noop` stays: it shadows the key in the contexts behind.
                            ours.push(b);
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(KeymapError {
                        origin: p.display().to_string(),
                        message: e.to_string(),
                    });
                }
            }
        }
        let km = Keymap { sections };
        km.check_prefixes()?;
        Ok(km)
    }

    /// A chord whose first keys are another binding can never be typed: refuse it, within
    /// a section and along every context chain (equal keys in a narrower context shadow on
    /// purpose and are fine).
    fn check_prefixes(&self) -> Result<(), KeymapError> {
        for ctx in CONTEXTS {
            let all: Vec<&Binding> = chain(ctx)
                .iter()
                .filter_map(|c| self.sections.get(*c))
                .flatten()
                .collect();
            for a in &all {
                for b in &all {
                    if a.keys.len() < b.keys.len() && b.keys.starts_with(&a.keys) {
                        return Err(KeymapError {
                            origin: b.origin.clone(),
                            message: format!(
                                "{} can never be typed: {} ({}) is bound at {}",
                                show_keys(&b.keys),
                                show_keys(&a.keys),
                                command::info(a.command).name,
                                a.origin
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// What `pending` (the keys typed so far) means in `context`.
    pub fn lookup(&self, context: &str, pending: &[Key]) -> Lookup {
        let mut prefix = false;
        for c in chain(context) {
            for b in self.sections.get(c).into_iter().flatten() {
                if b.keys == pending {
                    return Lookup::Run(b.command);
                }
                prefix |= b.keys.starts_with(pending);
            }
        }
        if prefix {
            Lookup::Pending
        } else {
            Lookup::None
        }
    }

    /// The bindings in force in `context` (shadowed and unbound ones left out), for help.
    pub fn bindings(&self, context: &str) -> Vec<&Binding> {
        let mut out: Vec<&Binding> = Vec::new();
        for c in chain(context) {
            for b in self.sections.get(c).into_iter().flatten() {
                if !out.iter().any(|o| o.keys == b.keys) {
                    out.push(b);
                }
            }
        }
        out.retain(|b| b.command != Command::Noop);
        out
    }

    /// Help rows for the current context: (keys, description), one row per command, from
    /// the keymap and the registry, so help can never drift from what the keys do.
    pub fn help_rows(&self, context: &str) -> Vec<(String, String)> {
        by_command(self.bindings(context))
            .into_iter()
            .map(|(_, ks, d)| (ks.join(", "), d))
            .collect()
    }

    /// The first key sequence bound to `command` in `context`, for hints.
    pub fn key_for(&self, context: &str, command: Command) -> Option<String> {
        self.bindings(context)
            .into_iter()
            .find(|b| b.command == command)
            .map(|b| show_keys(&b.keys))
    }
}

/// Bindings grouped by command, in order: (command, its key sequences, description).
fn by_command<'a>(
    bs: impl IntoIterator<Item = &'a Binding>,
) -> Vec<(Command, Vec<String>, String)> {
    let mut rows: Vec<(Command, Vec<String>, String)> = Vec::new();
    for b in bs {
        let keys = show_keys(&b.keys);
        match rows.iter_mut().find(|(c, _, _)| *c == b.command) {
            Some((_, ks, _)) => ks.push(keys),
            // Parsing filled an empty desc from the registry already.
            None => rows.push((b.command, vec![keys], b.desc.clone())),
        }
    }
    rows
}

/// The default keys as a Markdown table per context, for the README (a test keeps the
/// README's copy equal to this).
pub fn markdown() -> Result<String, KeymapError> {
    let km = Keymap::load(None)?;
    let mut out = String::new();
    for ctx in CONTEXTS {
        let Some(bs) = km.sections.get(*ctx) else {
            continue;
        };
        if bs.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n**{ctx}**\n\n| keys | command | what it does |\n|---|---|---|\n"
        ));
        let rows = by_command(bs);
        for (c, ks, d) in rows {
            let ks: Vec<String> = ks.iter().map(|k| format!("`{k}`")).collect();
            out.push_str(&format!(
                "| {} | {} | {d} |\n",
                ks.join(" "),
                command::info(c).name
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Result<Keymap, KeymapError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keymaps.toml");
        std::fs::write(&p, text).unwrap();
        Keymap::load(Some(&p))
    }

    fn k(s: &str) -> Vec<Key> {
        s.split(' ').map(|x| keys::parse(x).unwrap()).collect()
    }

    #[test]
    fn defaults_load_with_vim_keys_and_arrows() {
        let km = Keymap::load(None).unwrap();
        assert_eq!(km.lookup("feeds", &k("j")), Lookup::Run(Command::Down));
        assert_eq!(km.lookup("feeds", &k("<Down>")), Lookup::Run(Command::Down));
        assert_eq!(km.lookup("indicators", &k("g")), Lookup::Pending);
        assert_eq!(
            km.lookup("indicators", &k("g g")),
            Lookup::Run(Command::Top)
        );
        assert_eq!(km.lookup("graph", &k("G")), Lookup::Run(Command::Bottom));
        assert_eq!(km.lookup("feeds", &k("/")), Lookup::Run(Command::Search));
        assert_eq!(km.lookup("feeds", &k(":")), Lookup::Run(Command::Palette));
        assert_eq!(km.lookup("feeds", &k("?")), Lookup::Run(Command::Help));
        assert_eq!(km.lookup("feeds", &k("q")), Lookup::Run(Command::Quit));
        assert_eq!(km.lookup("feeds", &k("s")), Lookup::Run(Command::SyncNow));
        assert_eq!(km.lookup("feeds", &k("z")), Lookup::None);
        // Every command a view needs has a key.
        for (ctx, c) in [
            ("graph", Command::Back),
            ("indicators", Command::Pivot),
            ("indicators", Command::FalsePositive),
            ("welcome", Command::LoadSample),
        ] {
            assert!(km.key_for(ctx, c).is_some(), "{ctx} {c:?}");
        }
    }

    #[test]
    fn the_readme_lists_the_default_keys() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let start = readme
            .find("<!-- keys:start -->")
            .expect("README keys block")
            + "<!-- keys:start -->".len();
        let end = readme
            .find("<!-- keys:end -->")
            .expect("README keys block end");
        let want = markdown().unwrap();
        assert_eq!(
            readme[start..end].trim(),
            want.trim(),
            "README's key table is out of date; replace it with:\n{want}"
        );
    }

    #[test]
    fn user_files_override_per_key_and_unbind() {
        let km = user(
            "[list]\nkeymap = [\n  { on = \"j\", run = \"up\" },\n  { on = \"<Down>\", run = \"noop\" },\n]\n",
        )
        .unwrap();
        assert_eq!(km.lookup("feeds", &k("j")), Lookup::Run(Command::Up));
        assert_eq!(km.lookup("feeds", &k("<Down>")), Lookup::Run(Command::Noop));
        // Unbinding in a narrower context shadows the wider one.
        let km = user("[feeds]\nkeymap = [ { on = \"j\", run = \"noop\" } ]\n").unwrap();
        assert_eq!(km.lookup("feeds", &k("j")), Lookup::Run(Command::Noop));
        assert_eq!(km.lookup("events", &k("j")), Lookup::Run(Command::Down));
        assert!(
            km.bindings("feeds")
                .iter()
                .all(|b| b.command != Command::Noop)
        );
        assert_eq!(
            km.lookup("feeds", &k("k")),
            Lookup::Run(Command::Up),
            "others stay"
        );
    }

    #[test]
    fn refusals_name_file_and_line() {
        let cases = [
            (
                "[list]\nkeymap = [\n  { on = \"z\", run = \"fly\" },\n]\n",
                ":3: unknown command",
            ),
            (
                "[list]\nkeymap = [\n  { on = \"z\", run = \"up\" },\n  { on = \"z\", run = \"down\" },\n]\n",
                ":4: z is bound twice",
            ),
            (
                "[global]\nkeymap = [\n  { on = [\"q\", \"q\"], run = \"quit\" },\n]\n",
                ":3: q q can never be typed",
            ),
            (
                "[feeds]\nkeymap = [\n  { on = \"y\", run = \"pivot\" },\n]\n",
                ":3: pivot does not apply",
            ),
            ("[nowhere]\nkeymap = []\n", ":1: unknown section"),
            (
                "[list]\nkeymap = [\n  { on = \"<Hyper-x>\", run = \"up\" },\n]\n",
                ":3:",
            ),
            (
                "[list]\nkeymap = [ { on = \"j\", run = \"up\", colour = 1 } ]\n",
                ":2:",
            ),
            ("[list\n", ":1:"),
        ];
        for (text, want) in cases {
            let e = user(text).unwrap_err().to_string();
            assert!(
                e.contains("keymaps.toml") && e.contains(want.split(' ').next().unwrap()),
                "{e} / {want}"
            );
            let rest = want.split_once(' ').map_or("", |x| x.1);
            assert!(e.contains(rest), "{e} / {want}");
        }
    }
}

//! Feed secrets kept in a file of their own, `secrets.toml` beside `config.toml`, created
//! with mode 0600: `NAME = "value"` lines. A header says `secret:NAME` to use one. The file
//! is refused when anyone but its owner may read it, like ssh refuses a loose key.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `THREATDECK_SECRETS`, else `secrets.toml` in the platform config directory.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("THREATDECK_SECRETS") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "threatdeck")
        .map(|d| d.config_dir().join("secrets.toml"))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The secrets in the file at `p` (none when it does not exist). Errors name the file, never
/// a value.
fn load(p: &Path) -> Result<BTreeMap<String, String>, String> {
    let shown = p.display();
    let text = match std::fs::read_to_string(p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = std::fs::metadata(p)
            .map_err(|e| format!("{shown}: {e}"))?
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{shown}: others may read it (mode {:o}); run chmod 600 on it",
                mode & 0o777
            ));
        }
    }
    // toml's errors can quote the offending line, which may be a secret: say where only.
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| {
            let end = s.start.min(text.len());
            text.as_bytes()[..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        });
        format!(
            "{shown}: not NAME = \"value\" lines{}",
            line.map(|l| format!(" (line {l})")).unwrap_or_default()
        )
    })?;
    table
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(s) => Ok((k, s)),
            _ => Err(format!("{shown}: {k} is not a string")),
        })
        .collect()
}

/// The secret called `name`.
pub fn get(name: &str) -> Result<String, String> {
    let p = path().ok_or("no config directory for secrets.toml")?;
    load(&p)?.remove(name).ok_or_else(|| {
        format!(
            "secret {name} is not in {}; add it with `threatdeck feeds secret set {name}`",
            p.display()
        )
    })
}

/// Names of the stored secrets (never their values).
pub fn names() -> Result<Vec<String>, String> {
    let p = path().ok_or("no config directory for secrets.toml")?;
    Ok(load(&p)?.into_keys().collect())
}

/// Store (or replace) a secret; the file is written whole, mode 0600, then moved in place.
pub fn set(name: &str, value: &str) -> Result<PathBuf, String> {
    if !valid_name(name) {
        return Err(format!(
            "{name:?}: a secret name is letters, digits, - and _"
        ));
    }
    let p = path().ok_or("no config directory for secrets.toml")?;
    let _lock = lock(&p)?;
    let mut all = load(&p)?;
    all.insert(name.to_string(), value.to_string());
    save(&p, &all)?;
    Ok(p)
}

/// Remove a secret; returns whether it was there.
pub fn remove(name: &str) -> Result<bool, String> {
    let p = path().ok_or("no config directory for secrets.toml")?;
    let _lock = lock(&p)?;
    let mut all = load(&p)?;
    let found = all.remove(name).is_some();
    if found {
        save(&p, &all)?;
    }
    Ok(found)
}

fn private_file() -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts
}

/// Hold an exclusive lock on `secrets.toml.lock` while reading, changing and writing the
/// file, so two `feeds secret set` at once cannot lose one another's change.
fn lock(p: &Path) -> Result<std::fs::File, String> {
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let lp = p.with_extension("toml.lock");
    let f = private_file()
        .create(true)
        .truncate(false)
        .open(&lp)
        .map_err(|e| format!("{}: {e}", lp.display()))?;
    f.lock().map_err(|e| format!("{}: {e}", lp.display()))?;
    Ok(f)
}

fn save(p: &Path, all: &BTreeMap<String, String>) -> Result<(), String> {
    let shown = p.display();
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = toml::to_string(all).map_err(|e| format!("{shown}: {e}"))?;
    // A name of its own: a stale or concurrent temporary file is never reused.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = p.with_extension(format!("toml.{}.{nanos}.new", std::process::id()));
    let mut f = private_file()
        .create_new(true)
        .open(&tmp)
        .map_err(|e| format!("{shown}: {e}"))?;
    let written = f
        .write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, p));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{shown}: {e}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_files_are_refused_and_values_never_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secrets.toml");
        let mut all = BTreeMap::new();
        all.insert("MISP_KEY".to_string(), "s3cr3t-value".to_string());
        save(&p, &all).unwrap();
        assert_eq!(load(&p).unwrap(), all);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = load(&p).unwrap_err();
            assert!(e.contains("chmod 600") && !e.contains("s3cr3t"), "{e}");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::write(&p, "KEY = s3cr3t-unquoted\n").unwrap();
        let e = load(&p).unwrap_err();
        assert!(e.contains("line 1") && !e.contains("s3cr3t"), "{e}");
        assert!(!valid_name("a b") && valid_name("MISP_KEY-2"));
    }
}

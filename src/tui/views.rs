//! Named views: query lines saved by name in `views.toml` in the config directory, so a
//! team's usual filters (`c2 = "type:ip-dst tag:malware:* score:>50"`) are one `@c2` away.

use std::collections::BTreeMap;
use std::path::Path;

pub fn load(path: &Path) -> Result<BTreeMap<String, String>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => toml::from_str(&t).map_err(|e| format!("{}: {}", path.display(), e.message())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

pub fn save(path: &Path, name: &str, query: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!("{name:?}: a view name is letters, digits, - and _"));
    }
    let mut all = load(path)?;
    all.insert(name.to_string(), query.to_string());
    let text = toml::to_string(&all).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("toml.new");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("views.toml");
        assert!(super::load(&p).unwrap().is_empty());
        super::save(&p, "c2", "type:ip-dst score:>50").unwrap();
        super::save(&p, "fresh", "since:1d").unwrap();
        let v = super::load(&p).unwrap();
        assert_eq!(v["c2"], "type:ip-dst score:>50");
        assert_eq!(v.len(), 2);
        assert!(super::save(&p, "../x", "a").is_err());
        std::fs::write(&p, "c2 = [").unwrap();
        assert!(super::load(&p).unwrap_err().contains("views.toml"));
    }
}

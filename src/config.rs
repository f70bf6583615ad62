//! `config.toml` in the platform config directory (`~/.config/threatdeck/` on Linux).
//! Later issues add feeds; for now it names where MISP warninglists live.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A directory of MISP warninglists (e.g. a checkout of MISP/misp-warninglists).
    pub warninglists: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// Where the config file is looked for.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "threatdeck").map(|d| d.config_dir().join("config.toml"))
}

/// Read the config file at `path`; a missing file is an empty config, a broken one an error
/// naming the file, line and column.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            return Err(ConfigError::Invalid {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    let mut cfg: Config = toml::from_str(&text).map_err(|e| {
        let line_col = e.span().map(|sp| {
            let before = &text[..sp.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {col}: ")
        });
        ConfigError::Invalid {
            path: path.display().to_string(),
            message: format!("{}{}", line_col.unwrap_or_default(), e.message()),
        }
    })?;
    // Relative paths are relative to the config file, not to wherever the command runs.
    if let (Some(w), Some(dir)) = (&cfg.warninglists, path.parent())
        && w.is_relative()
    {
        cfg.warninglists = Some(dir.join(w));
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_empty_and_relative_paths_follow_the_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            load(&dir.path().join("none.toml")).unwrap(),
            Config::default()
        );
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "warninglists = \"lists\"\n").unwrap();
        assert_eq!(
            load(&p).unwrap().warninglists,
            Some(dir.path().join("lists"))
        );
    }

    #[test]
    fn broken_config_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "# ok\nwarninglists = [\n").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("config.toml") && e.contains("line 2"), "{e}");
        std::fs::write(&p, "colour = 1\n").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("colour"));
    }
}

//! Feed request headers. Secrets (API keys, tokens, passwords) are never stored: a sensitive
//! header must say `env:NAME` (an environment variable) or `secret:NAME` (an entry of the
//! 0600 secrets file, see `sync::secrets`), resolved when the feed is fetched, and is never
//! printed.

/// Header names whose values are credentials.
fn sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || ["key", "token", "secret", "auth", "password", "cookie"]
            .iter()
            .any(|s| n.contains(s))
}

/// Parse a `--header 'Name: value'` argument; refuses a literal credential.
pub fn parse(arg: &str) -> Result<(String, String), String> {
    let (name, value) = arg
        .split_once(':')
        // The argument may hold a secret typed by mistake: never echo it.
        .ok_or_else(|| "expected 'Name: value'".to_string())?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!("{name:?} is not a header name"));
    }
    if sensitive(name) && !value.starts_with("env:") && !value.starts_with("secret:") {
        return Err(format!(
            "{name} carries a secret: store it with `threatdeck feeds secret set NAME` and pass '{name}: secret:NAME', or pass '{name}: env:VARIABLE'"
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

/// How a header is shown: references as written, other values as given (never a secret).
pub fn shown(name: &str, value: &str) -> String {
    format!("{name}: {value}")
}

/// The headers to send, with `env:` and `secret:` references resolved; a missing one is an
/// error that names the reference, not a value.
pub fn resolve(headers: &[(String, String)]) -> Result<Vec<(String, String)>, String> {
    headers
        .iter()
        .map(|(k, v)| {
            if let Some(var) = v.strip_prefix("env:") {
                std::env::var(var)
                    .map(|val| (k.clone(), val))
                    .map_err(|_| format!("header {k}: environment variable {var} is not set"))
            } else if let Some(name) = v.strip_prefix("secret:") {
                super::secrets::get(name)
                    .map(|val| (k.clone(), val))
                    .map_err(|e| format!("header {k}: {e}"))
            } else {
                Ok((k.clone(), v.clone()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_must_come_from_the_environment() {
        assert_eq!(
            parse("Accept: text/plain").unwrap(),
            ("Accept".into(), "text/plain".into())
        );
        assert!(
            parse("Authorization: Bearer abc")
                .unwrap_err()
                .contains("env:")
        );
        assert!(parse("X-API-Key: abc").is_err());
        assert_eq!(parse("X-API-Key: env:FEED_KEY").unwrap().1, "env:FEED_KEY");
        assert_eq!(parse("X-API-Key: secret:FEED").unwrap().1, "secret:FEED");
        assert!(parse("no colon").is_err());
        assert!(parse("Bad Name: x").is_err());
    }

    #[test]
    fn references_resolve_at_fetch_time() {
        let h = vec![
            ("Accept".to_string(), "x".to_string()),
            ("X-Key".to_string(), "env:TD_TEST_MISSING_VAR".to_string()),
        ];
        let e = resolve(&h).unwrap_err();
        assert!(e.contains("TD_TEST_MISSING_VAR"), "{e}");
        assert_eq!(resolve(&h[..1]).unwrap(), h[..1]);
    }
}

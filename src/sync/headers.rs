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
    if let Some(rest) = value
        .strip_prefix("basic:")
        .or_else(|| value.strip_prefix("bearer:"))
    {
        let reference = if value.starts_with("basic:") {
            match rest.split_once(':') {
                Some((user, r)) if !user.is_empty() => r,
                _ => return Err(format!("{name}: write basic:USER:secret:NAME")),
            }
        } else {
            rest
        };
        if !is_reference(reference) {
            return Err(format!(
                "{name}: the password or token must be secret:NAME or env:VARIABLE"
            ));
        }
        return Ok((name.to_string(), value.to_string()));
    }
    if sensitive(name) && !is_reference(value) {
        return Err(format!(
            "{name} carries a secret: store it with `threatdeck feeds secret set NAME` and pass '{name}: secret:NAME', or pass '{name}: env:VARIABLE'"
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

/// `env:NAME` or `secret:NAME`: how every secret is named, never given.
pub fn is_reference(v: &str) -> bool {
    v.strip_prefix("env:")
        .or_else(|| v.strip_prefix("secret:"))
        .is_some_and(|n| !n.is_empty())
}

/// The value an `env:` or `secret:` reference stands for.
fn lookup(header: &str, reference: &str, env: &Env) -> Result<String, String> {
    if let Some(var) = reference.strip_prefix("env:") {
        env(var).ok_or_else(|| format!("header {header}: environment variable {var} is not set"))
    } else if let Some(name) = reference.strip_prefix("secret:") {
        super::secrets::get(name).map_err(|e| format!("header {header}: {e}"))
    } else {
        Ok(reference.to_string())
    }
}

/// How a header is shown: references as written, other values as given (never a secret).
pub fn shown(name: &str, value: &str) -> String {
    format!("{name}: {value}")
}

/// The headers to send, with `env:` and `secret:` references resolved; a missing one is an
/// error that names the reference, not a value.
pub fn resolve(headers: &[(String, String)]) -> Result<Vec<(String, String)>, String> {
    resolve_with(headers, &|var| std::env::var(var).ok())
}

type Env = dyn Fn(&str) -> Option<String>;

fn resolve_with(headers: &[(String, String)], env: &Env) -> Result<Vec<(String, String)>, String> {
    use base64::Engine as _;
    headers
        .iter()
        .map(|(k, v)| {
            let value = if let Some(rest) = v.strip_prefix("basic:") {
                // basic:USER:REF, as TAXII servers and MISP proxies ask (RFC 7617).
                let (user, reference) = rest.split_once(':').unwrap_or((rest, ""));
                let pass = lookup(k, reference, env)?;
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                format!("Basic {token}")
            } else if let Some(reference) = v.strip_prefix("bearer:") {
                format!("Bearer {}", lookup(k, reference, env)?)
            } else {
                lookup(k, v, env)?
            };
            Ok((k.clone(), value))
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
        assert!(parse("Authorization: basic:alice:env:TD_PW").is_ok());
        assert!(parse("Authorization: bearer:secret:TAXII").is_ok());
        for bad in [
            "Authorization: basic:alice:hunter2",
            "Authorization: basic::env:X",
            "Authorization: bearer:tok",
            "X-Key: env:",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
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
        let env = |v: &str| (v == "PW").then(|| "open sesame".to_string());
        let auth = resolve_with(
            &[
                ("Authorization".into(), "basic:Aladdin:env:PW".into()),
                ("X-Token".into(), "bearer:env:PW".into()),
            ],
            &env,
        )
        .unwrap();
        // RFC 7617's example.
        assert_eq!(auth[0].1, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(auth[1].1, "Bearer open sesame");
    }
}

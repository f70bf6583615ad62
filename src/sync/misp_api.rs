//! MISP servers over REST: `/events/restSearch` with the API key, paged, incremental by
//! event timestamp. The pages are staged as one `{"response": [...]}` document, so a pull
//! lands in one transaction like any other feed run.

use std::path::Path;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use super::fetch::FetchOptions;

const PAGE: usize = 100;
const MAX_PAGES: usize = 10_000;

pub struct Pulled {
    pub events: usize,
    pub bytes: u64,
    /// The newest event timestamp seen; the next pull asks from there.
    pub cursor: Option<String>,
}

fn ts(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Pull events changed since `since` (a unix timestamp) from the MISP server at `base`.
pub async fn pull(
    client: &reqwest::Client,
    base: &str,
    since: Option<&str>,
    opts: &FetchOptions,
    dest: &Path,
) -> Result<Pulled, String> {
    let url = format!("{}/events/restSearch", base.trim_end_matches('/'));
    let mut events = super::staging::ArrayFile::create(dest, "response")?;
    let mut budget = opts.max_bytes;
    let mut newest: Option<i64> = since.and_then(|s| s.parse().ok());
    let mut complete = false;
    for page in 1..=MAX_PAGES {
        let mut query = json!({"returnFormat": "json", "limit": PAGE, "page": page});
        // Inclusive, like MISP's filter: events edited in the cursor's second come again,
        // and re-importing them changes nothing (same timestamp), so nothing is skipped.
        if let Some(s) = since.and_then(|s| s.parse::<i64>().ok()) {
            query["timestamp"] = json!(s.to_string());
        }
        let body = query.to_string();
        let make = || {
            let mut req = client
                .post(&url)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, "application/json");
            for (k, v) in &opts.headers {
                req = req.header(k.as_str(), v.as_str());
            }
            req.body(body.clone())
        };
        let resp = super::fetch::send(make, &url, opts).await?;
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{url}: {}", super::fetch::describe(&e)))?
        {
            budget = budget.saturating_sub(chunk.len() as u64);
            if budget == 0 {
                return Err(format!(
                    "{url}: more than the {} byte limit",
                    opts.max_bytes
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let doc: Value =
            serde_json::from_slice(&body).map_err(|e| format!("{url}: not MISP JSON: {e}"))?;
        // MISP answers {"response": [...]}; some versions a bare list.
        let got = match doc {
            Value::Object(mut o) => match o.remove("response") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            },
            Value::Array(a) => a,
            _ => Vec::new(),
        };
        let n = got.len();
        for e in &got {
            if let Some(t) = ts(&e["Event"]["timestamp"]) {
                newest = Some(newest.map_or(t, |m| m.max(t)));
            }
        }
        for e in &got {
            events.push(e)?;
        }
        if let Some(p) = &opts.progress {
            (p.0)(opts.max_bytes - budget, None);
        }
        if n < PAGE {
            complete = true;
            break;
        }
    }
    if !complete {
        return Err(format!(
            "{url}: more than {MAX_PAGES} pages; stopped without moving the cursor"
        ));
    }
    Ok(Pulled {
        events: events.finish()?,
        bytes: opts.max_bytes - budget,
        cursor: newest.map(|t| t.to_string()),
    })
}

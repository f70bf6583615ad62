//! TAXII 2.1 collections: discovery -> API root -> collection -> objects, paged with `limit`
//! and `next`, incremental with `added_after` from the last run's
//! `X-TAXII-Date-Added-Last`. Pages are staged as one envelope for the STIX importer.

use std::path::Path;

use reqwest::header::{ACCEPT, HeaderMap};
use serde_json::Value;

use super::fetch::FetchOptions;

const TAXII: &str = "application/taxii+json;version=2.1";
const PAGE: usize = 500;
/// A runaway `more: true` must end somewhere.
const MAX_PAGES: usize = 10_000;

pub struct Pulled {
    pub objects: usize,
    pub bytes: u64,
    /// `X-TAXII-Date-Added-Last` of the last page that had objects.
    pub cursor: Option<String>,
}

async fn get_json(
    client: &reqwest::Client,
    url: &str,
    opts: &FetchOptions,
    budget: &mut u64,
) -> Result<(Value, HeaderMap), String> {
    let make = || {
        let mut req = client.get(url).header(ACCEPT, TAXII);
        for (k, v) in &opts.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        req
    };
    let resp = super::fetch::send(make, url, opts).await?;
    let headers = resp.headers().clone();
    let mut resp = resp;
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("{url}: {}", super::fetch::describe(&e)))?
    {
        *budget = budget.saturating_sub(chunk.len() as u64);
        if *budget == 0 {
            return Err(format!(
                "{url}: more than the {} byte limit",
                opts.max_bytes
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let v = serde_json::from_slice(&body).map_err(|e| format!("{url}: not TAXII JSON: {e}"))?;
    Ok((v, headers))
}

fn slash(u: &str) -> String {
    if u.ends_with('/') {
        u.to_string()
    } else {
        format!("{u}/")
    }
}

/// The objects URL of the feed's collection. `location` is a collection URL
/// (`…/collections/<id>/`), an API root, or a discovery URL; `collection` picks a collection
/// by id or title when the location does not name one.
async fn objects_url(
    client: &reqwest::Client,
    location: &str,
    collection: Option<&str>,
    opts: &FetchOptions,
    budget: &mut u64,
) -> Result<String, String> {
    let loc = slash(location);
    if loc.contains("/collections/") {
        return Ok(format!("{loc}objects/"));
    }
    let (first, _) = get_json(client, &loc, opts, budget).await?;
    let root = match first.get("api_roots") {
        // A discovery document: its default root, else its first.
        Some(roots) => slash(
            first["default"]
                .as_str()
                .or_else(|| {
                    roots
                        .as_array()
                        .and_then(|r| r.first())
                        .and_then(Value::as_str)
                })
                .ok_or_else(|| format!("{location}: discovery lists no API root"))?,
        ),
        None => loc.clone(),
    };
    // The credentials configured for this feed go only to the origin it names.
    let origin = |u: &str| {
        reqwest::Url::parse(u)
            .map(|u| u.origin().ascii_serialization())
            .ok()
    };
    if !opts.headers.is_empty() && origin(&root) != origin(&loc) {
        return Err(format!(
            "{location}: the API root {root} is on another origin; its credentials are not sent there"
        ));
    }
    let (cols, _) = get_json(client, &format!("{root}collections/"), opts, budget).await?;
    let list = cols["collections"].as_array().cloned().unwrap_or_default();
    let readable: Vec<&Value> = list
        .iter()
        .filter(|c| c["can_read"].as_bool().unwrap_or(false))
        .collect();
    let pick = match collection {
        Some(want) => readable
            .iter()
            .find(|c| c["id"] == want || c["title"] == want),
        None if readable.len() == 1 => readable.first(),
        None => None,
    };
    // Server-controlled: it goes into a path, so only a plain identifier will do.
    let id = pick.and_then(|c| c["id"].as_str()).filter(|id| {
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let id = id.ok_or_else(|| {
        let names: Vec<String> = readable
            .iter()
            .map(|c| {
                format!(
                    "{} ({})",
                    c["title"].as_str().unwrap_or("?"),
                    c["id"].as_str().unwrap_or("?")
                )
            })
            .collect();
        format!(
            "{root}: name a readable collection with --collection; there are: {}",
            names.join(", ")
        )
    })?;
    Ok(format!("{root}collections/{id}/objects/"))
}

/// Pull new objects into `dest` as one envelope `{"objects": [...]}`.
pub async fn pull(
    client: &reqwest::Client,
    location: &str,
    collection: Option<&str>,
    after: Option<&str>,
    opts: &FetchOptions,
    dest: &Path,
) -> Result<Pulled, String> {
    let mut budget = opts.max_bytes;
    let base = objects_url(client, location, collection, opts, &mut budget).await?;
    let mut objects = super::staging::ArrayFile::create(dest, "objects")?;
    let mut cursor = None;
    let mut server_time = None;
    let mut seen_any = false;
    let mut complete = false;
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url = reqwest::Url::parse(&base).map_err(|e| format!("{base}: {e}"))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("limit", &PAGE.to_string());
            if let Some(a) = after {
                q.append_pair("added_after", a);
            }
            if let Some(n) = &next {
                q.append_pair("next", n);
            }
        }
        let (page, headers) = get_json(client, url.as_str(), opts, &mut budget).await?;
        // A server that omits X-TAXII-Date-Added-Last: the time it answered the first page
        // stands in. What was added before then is in this pull; what came after has a later
        // date_added and comes next time (at worst twice, which re-imports as unchanged).
        if server_time.is_none() {
            server_time = headers
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::model::time::parse_http_date);
        }
        let got = page["objects"].as_array().cloned().unwrap_or_default();
        if !got.is_empty()
            && let Some(last) = headers
                .get("x-taxii-date-added-last")
                .and_then(|v| v.to_str().ok())
        {
            cursor = Some(last.to_string());
        }
        seen_any |= !got.is_empty();
        for o in &got {
            objects.push(o)?;
        }
        if let Some(p) = &opts.progress {
            (p.0)(opts.max_bytes - budget, None);
        }
        // Servers may keep one `next` token for a whole paging session (medallion does), so
        // a repeated token is fine; a page with nothing on it that claims more is a loop.
        let token = page["next"].as_str().map(str::to_string);
        if page["more"].as_bool().unwrap_or(false)
            && page["objects"].as_array().is_none_or(|a| a.is_empty())
        {
            return Err(format!(
                "{base}: an empty page claims more objects; stopped"
            ));
        }
        next = token;
        if !page["more"].as_bool().unwrap_or(false) || next.is_none() {
            complete = true;
            break;
        }
    }
    // Only a pull that reached the end may stand on the server's date: objects still
    // unpulled were added before it and would be skipped for good.
    if cursor.is_none() && seen_any && complete {
        cursor = server_time.map(crate::model::time::format_rfc3339);
    }
    Ok(Pulled {
        objects: objects.finish()?,
        bytes: opts.max_bytes - budget,
        cursor,
    })
}

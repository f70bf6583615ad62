//! TAXII 2.1 endpoints (reference/STANDARDS.md §2): discovery, API root, collections,
//! objects and manifest with `added_after`, `limit`, `next` and `match[...]`, one object,
//! its versions. Read-only: writes are refused with 403.

// An early-return `Err(Response)` is how axum handlers refuse; the size is axum's.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::catalog::{Catalog, Entry, format_added, version_of};
use super::{API_ROOT, MAX_PAGE, MEDIA_TYPE, STIX_MEDIA_TYPE, State};
use crate::store::collections::CollectionRec;

type Shared = Arc<State>;

/// Most ids one `match[id]` may name.
const MAX_IDS: usize = 100;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route(&format!("/{API_ROOT}/"), get(api_root))
        .route(&format!("/{API_ROOT}/collections/"), get(collections))
        .route(&format!("/{API_ROOT}/collections/{{id}}/"), get(collection))
        .route(
            &format!("/{API_ROOT}/collections/{{id}}/objects/"),
            get(objects).post(read_only),
        )
        .route(
            &format!("/{API_ROOT}/collections/{{id}}/manifest/"),
            get(manifest),
        )
        .route(
            &format!("/{API_ROOT}/collections/{{id}}/objects/{{object}}/"),
            get(object).delete(read_only),
        )
        .route(
            &format!("/{API_ROOT}/collections/{{id}}/objects/{{object}}/versions/"),
            get(versions),
        )
        .fallback(not_found)
        .with_state(state)
}

fn taxii(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    r
}

fn error(status: StatusCode, title: &str, description: &str) -> Response {
    let mut r = taxii(
        status,
        &json!({"title": title, "description": description, "http_status": status.as_u16().to_string()}),
    );
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"threatdeck TAXII\""),
        );
    }
    r
}

/// Auth, then content negotiation: the checks every endpoint makes first.
fn guard(s: &State, headers: &HeaderMap) -> Result<(), Response> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !s.auth.allows(auth) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "credentials required",
        ));
    }
    // Without credentials the server listens on loopback only; a page that rebinds its own
    // name to 127.0.0.1 must not read it through a visitor's browser.
    if matches!(s.auth, super::Auth::None) && !loopback_host(headers) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "without credentials, only localhost names are served",
        ));
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*")
        .to_ascii_lowercase()
        .replace(' ', "");
    let ok = accept.split(',').any(|a| {
        a.starts_with("*/*")
            || a == "application/taxii+json"
            || a.starts_with("application/taxii+json;version=2.1")
    });
    if !ok {
        return Err(error(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable",
            &format!("this server speaks {MEDIA_TYPE}"),
        ));
    }
    Ok(())
}

fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

async fn discovery(AxState(s): AxState<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let root = format!("{}/{API_ROOT}/", base_url(&headers));
    taxii(
        StatusCode::OK,
        &json!({"title": "threatdeck", "description": "Indicators from a threatdeck store",
                "default": root, "api_roots": [root]}),
    )
}

async fn api_root(AxState(s): AxState<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    taxii(
        StatusCode::OK,
        &json!({"title": "threatdeck", "versions": [MEDIA_TYPE], "max_content_length": 0}),
    )
}

fn collection_json(c: &CollectionRec) -> Value {
    json!({"id": c.id, "title": c.name, "description": c.description,
           "can_read": true, "can_write": false, "media_types": [STIX_MEDIA_TYPE]})
}

/// Run store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Response> + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            &e.to_string(),
        ))
    })
}

fn store_error(e: crate::store::StoreError) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Store error",
        &e.to_string(),
    )
}

async fn collections(AxState(s): AxState<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    match blocking(move || s.collections().map_err(store_error)).await {
        Ok(cs) => taxii(
            StatusCode::OK,
            &json!({"collections": cs.iter().map(collection_json).collect::<Vec<_>>()}),
        ),
        Err(r) => r,
    }
}

fn find(s: &State, id: &str) -> Result<CollectionRec, Response> {
    s.collections()
        .map_err(store_error)?
        .into_iter()
        .find(|c| c.id.to_string().eq_ignore_ascii_case(id) || c.name == id)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "Not Found", "no such collection"))
}

async fn collection(
    AxState(s): AxState<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    match blocking(move || find(&s, &id)).await {
        Ok(c) => taxii(StatusCode::OK, &collection_json(&c)),
        Err(r) => r,
    }
}

async fn read_only(AxState(s): AxState<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "collections here are read-only",
    )
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", "no such TAXII endpoint")
}

/// The query parameters TAXII defines.
#[derive(Default)]
struct Query {
    added_after: Option<i64>,
    limit: Option<usize>,
    next: Option<(i64, u64)>,
    types: Vec<String>,
    ids: std::collections::HashSet<u128>,
    version: Option<String>,
    spec_ok: bool,
}

fn parse_query(raw: Option<&str>) -> Result<Query, Response> {
    let bad = |what: &str| error(StatusCode::BAD_REQUEST, "Bad Request", what);
    let mut q = Query {
        spec_ok: true,
        ..Query::default()
    };
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "added_after" => {
                q.added_after = Some(
                    crate::model::time::parse_rfc3339_micros(&v)
                        .ok_or_else(|| bad("added_after is not a timestamp"))?,
                );
            }
            "limit" => {
                let n: usize = v.parse().map_err(|_| bad("limit is not a number"))?;
                if n == 0 {
                    return Err(bad("limit must be at least 1"));
                }
                q.limit = Some(n);
            }
            "next" => {
                let (a, k) = v
                    .split_once('.')
                    .and_then(|(a, k)| Some((a.parse().ok()?, k.parse().ok()?)))
                    .ok_or_else(|| bad("next is not a token this server gave"))?;
                q.next = Some((a, k));
            }
            "match[type]" => q.types.extend(v.split(',').map(|t| t.trim().to_string())),
            "match[id]" => {
                for id in v.split(',') {
                    if q.ids.len() >= MAX_IDS {
                        return Err(bad("match[id] names too many objects (100 at most)"));
                    }
                    q.ids.insert(
                        id.trim()
                            .split_once("--")
                            .and_then(|(_, u)| uuid::Uuid::parse_str(u).ok())
                            .map_or(0, |u| u.as_u128()),
                    );
                }
            }
            "match[version]" => q.version = Some(v.into_owned()),
            "match[spec_version]" => q.spec_ok = v.split(',').any(|s| s.trim() == "2.1"),
            _ => {}
        }
    }
    Ok(q)
}

/// One page of entries: (entries, more).
fn page(cat: &Catalog, q: &Query) -> (Vec<Entry>, bool) {
    if !q.spec_ok {
        return (Vec::new(), false);
    }
    let start = match (q.next, q.added_after) {
        (Some((added, key)), _) => cat
            .entries
            .partition_point(|e| (e.added, e.key) <= (added, key)),
        (None, Some(after)) => cat.entries.partition_point(|e| e.added <= after),
        (None, None) => 0,
    };
    let limit = q.limit.unwrap_or(1_000).min(MAX_PAGE);
    let wanted = |e: &&Entry| {
        (q.types.is_empty() || q.types.iter().any(|t| t == cat.type_of(e)))
            && (q.ids.is_empty() || q.ids.contains(&e.id))
    };
    let mut it = cat.entries[start..].iter().filter(wanted);
    let out: Vec<Entry> = it.by_ref().take(limit).copied().collect();
    let more = out.len() == limit && it.next().is_some();
    (out, more)
}

/// The objects (or manifest records) of one page, with TAXII's paging and date headers.
async fn listing(
    s: Shared,
    headers: HeaderMap,
    id: String,
    raw: Option<String>,
    manifest: bool,
) -> Response {
    if let Err(r) = guard(&s, &headers) {
        return r;
    }
    let q = match parse_query(raw.as_deref()) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let result = blocking(move || {
        let c = find(&s, &id)?;
        let cat = s.catalog(&c).map_err(store_error)?;
        let (entries, more) = page(&cat, &q);
        let mut objs = cat.objects(&s.store, &entries).map_err(store_error)?;
        if let Some(v) = q
            .version
            .as_deref()
            .filter(|v| !matches!(*v, "last" | "first" | "all"))
        {
            objs.retain(|(_, o)| v.split(',').any(|v| v.trim() == version_of(o)));
        }
        Ok((objs, more, entries.last().copied()))
    })
    .await;
    let (objs, more, last) = match result {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut body = json!({"more": more});
    if more && let Some(e) = last {
        body["next"] = json!(format!("{}.{}", e.added, e.key));
    }
    if !objs.is_empty() {
        body["objects"] = if manifest {
            Value::Array(
                objs.iter()
                    .map(|(e, o)| {
                        json!({"id": o["id"], "date_added": format_added(e.added),
                               "version": version_of(o), "media_type": STIX_MEDIA_TYPE})
                    })
                    .collect(),
            )
        } else {
            Value::Array(objs.iter().map(|(_, o)| o.clone()).collect())
        };
    }
    let mut r = taxii(StatusCode::OK, &body);
    if let (Some((first, _)), Some((last, _))) = (objs.first(), objs.last()) {
        for (name, e) in [
            ("x-taxii-date-added-first", first),
            ("x-taxii-date-added-last", last),
        ] {
            if let Ok(v) = HeaderValue::from_str(&format_added(e.added)) {
                r.headers_mut().insert(name, v);
            }
        }
    }
    r
}

async fn objects(
    AxState(s): AxState<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    listing(s, headers, id, q, false).await
}

async fn manifest(
    AxState(s): AxState<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    listing(s, headers, id, q, true).await
}

/// One object by id: (collection, object).
async fn one(
    s: Shared,
    headers: &HeaderMap,
    id: String,
    object: String,
) -> Result<Option<(Entry, Value)>, Response> {
    guard(&s, headers)?;
    blocking(move || {
        let c = find(&s, &id)?;
        let cat = s.catalog(&c).map_err(store_error)?;
        let want = object
            .split_once("--")
            .and_then(|(_, u)| uuid::Uuid::parse_str(u).ok())
            .map(|u| u.as_u128());
        let Some(e) = want
            .and_then(|w| cat.entries.iter().find(|e| e.id == w))
            .copied()
        else {
            return Ok(None);
        };
        Ok(cat.objects(&s.store, &[e]).map_err(store_error)?.pop())
    })
    .await
}

async fn object(
    AxState(s): AxState<Shared>,
    headers: HeaderMap,
    Path((id, object)): Path<(String, String)>,
) -> Response {
    match one(s, &headers, id, object).await {
        Ok(Some((_, o))) => taxii(StatusCode::OK, &json!({"more": false, "objects": [o]})),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "no such object in this collection",
        ),
        Err(r) => r,
    }
}

async fn versions(
    AxState(s): AxState<Shared>,
    headers: HeaderMap,
    Path((id, object)): Path<(String, String)>,
) -> Response {
    match one(s, &headers, id, object).await {
        Ok(Some((_, o))) => taxii(
            StatusCode::OK,
            &json!({"more": false, "versions": [version_of(&o)]}),
        ),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "no such object in this collection",
        ),
        Err(r) => r,
    }
}

//! Pushes: indicators sent to the SOC's tools, on demand (`outputs push`) and after each
//! sync that changed something. Selection streams from the store on a blocking thread into
//! batches; batches go out one at a time with retries on 429/5xx (Retry-After honoured).
//! Refused items are counted and reported, never dropped silently. The cursor moves unless
//! the push stopped (receiver down, credentials refused): items refused for good (a mapping
//! error) are reported, not sent again and again. Delivery is
//! at least once: what the store wrote in the second a push started goes again with the
//! next one (Elasticsearch drops those as `create` conflicts on the same `_id`).

pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::export::{Selector, Verdict};
use crate::store::Store;
use crate::store::outputs::{OutputRec, PushReport};
use wire::{Item, Kind};

/// Failure reasons kept per push (the count is always whole).
const MAX_REASONS: usize = 20;
const ATTEMPTS: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("output {0}: unknown kind {1:?} (splunk-hec, elasticsearch, webhook)")]
    Kind(String, String),
    #[error("output {0}: {1}")]
    Credential(String, String),
    #[error("{0}")]
    Client(String),
}

/// What the selection thread sends: a batch, or its totals at the end.
enum Chunk {
    Batch(Vec<Item>),
    Done { withheld: u64, skipped: u64 },
    Failed(String),
}

fn endpoint(kind: Kind, url: &str) -> String {
    let base = url.trim_end_matches('/');
    match kind {
        Kind::Hec if !base.contains("/services/collector") => {
            format!("{base}/services/collector/event")
        }
        Kind::Elastic if !base.ends_with("/_bulk") => format!("{base}/_bulk"),
        _ => base.to_string(),
    }
}

/// The Authorization header (HEC, Elasticsearch) or the HMAC key (webhook).
fn credential(out: &OutputRec, kind: Kind) -> Result<Option<String>, PushError> {
    let Some(reference) = &out.credential else {
        return Ok(None);
    };
    let resolved = crate::sync::headers::resolve(&[("credential".into(), reference.clone())])
        .map_err(|e| PushError::Credential(out.name.clone(), e))?
        .remove(0)
        .1;
    Ok(Some(match kind {
        Kind::Hec => format!("Splunk {resolved}"),
        Kind::Elastic if reference.starts_with("basic:") || reference.starts_with("bearer:") => {
            resolved
        }
        Kind::Elastic => format!("ApiKey {resolved}"),
        Kind::Webhook => resolved,
    }))
}

/// Push what is new since the output's cursor (everything with `full`) and record the push.
pub async fn push(store: Arc<Store>, out: OutputRec, full: bool) -> Result<PushReport, PushError> {
    let kind = Kind::parse(&out.kind)
        .ok_or_else(|| PushError::Kind(out.name.clone(), out.kind.clone()))?;
    let cred = credential(&out, kind)?;
    // No redirects: one would turn the POST into a GET, and the data would not arrive.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("threatdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PushError::Client(e.to_string()))?;
    let url = endpoint(kind, &out.url);
    // The cursor this push earns: its start, or earlier if a write is in flight (it may
    // store older times and land after the push has read).
    let now = crate::model::time::now();
    let mut report = PushReport {
        started: store.oldest_write().map_or(now, |w| w.min(now)),
        ..PushReport::default()
    };
    let (tx, mut rx) = mpsc::channel::<Chunk>(2);
    let select_store = Arc::clone(&store);
    let (filters, batch, index) = {
        let mut f = out.filters.clone();
        f.stored_since = if full { None } else { out.cursor };
        (f, out.batch.max(1), out.index.clone())
    };
    let selecting = tokio::task::spawn_blocking(move || {
        select(&select_store, &filters, kind, index.as_deref(), batch, &tx)
    });
    while let Some(chunk) = rx.recv().await {
        match chunk {
            Chunk::Batch(items) if report.error.is_some() => {
                // Stopped: what is left is not delivered, and says so.
                report.failed += items.len() as u64;
            }
            Chunk::Batch(items) => {
                send(&client, kind, &url, cred.as_deref(), items, &mut report).await
            }
            Chunk::Done { withheld, skipped } => {
                report.withheld_tlp = withheld;
                report.skipped = skipped;
            }
            Chunk::Failed(e) => report.error = Some(format!("reading the store: {e}")),
        }
    }
    let _ = selecting.await;
    report.finished = crate::model::time::now();
    let name = out.name.clone();
    let rec = report.clone();
    tokio::task::spawn_blocking(move || store.record_push(&name, &rec))
        .await
        .map_err(|e| PushError::Client(e.to_string()))?
        .map_err(|e| PushError::Client(e.to_string()))?;
    Ok(report)
}

fn select(
    store: &Store,
    filters: &crate::export::Filters,
    kind: Kind,
    index: Option<&str>,
    batch: usize,
    tx: &mpsc::Sender<Chunk>,
) {
    let lists = crate::correlate::warninglist::Warninglists::builtin();
    let mut sel = Selector::new(store, &lists, filters);
    let (mut withheld, mut skipped) = (0, 0);
    let mut current = Vec::with_capacity(batch);
    let mut failed = None;
    let res = store.scan_holders(|h| {
        if failed.is_some() {
            return;
        }
        match sel.judge(&h) {
            Ok(Verdict::Keep) => match wire::item(kind, index, &h) {
                Some(item) => {
                    current.push(item);
                    if current.len() >= batch {
                        let full = std::mem::replace(&mut current, Vec::with_capacity(batch));
                        if tx.blocking_send(Chunk::Batch(full)).is_err() {
                            failed = Some("the push stopped".to_string());
                        }
                    }
                }
                None => skipped += 1,
            },
            Ok(Verdict::Withheld) => withheld += 1,
            Ok(Verdict::Filtered) => {}
            Err(e) => failed = Some(e.to_string()),
        }
    });
    if let Err(e) = res {
        failed = Some(e.to_string());
    }
    if !current.is_empty() {
        let _ = tx.blocking_send(Chunk::Batch(current));
    }
    let _ = match failed {
        Some(e) => tx.blocking_send(Chunk::Failed(e)),
        None => tx.blocking_send(Chunk::Done { withheld, skipped }),
    };
}

fn reason(report: &mut PushReport, why: String) {
    if report.failures.len() < MAX_REASONS {
        report.failures.push(why);
    }
}

/// One batch, retried on transport errors, 429 and 5xx.
async fn send(
    client: &reqwest::Client,
    kind: Kind,
    url: &str,
    cred: Option<&str>,
    items: Vec<Item>,
    report: &mut PushReport,
) {
    let mut items = items;
    let mut last_error = String::new();
    for attempt in 0..ATTEMPTS {
        let body = wire::body(kind, &items);
        let n = items.len() as u64;
        let mut req = client.post(url).body(body.clone());
        req = match kind {
            Kind::Elastic => req.header("Content-Type", "application/x-ndjson"),
            _ => req.header("Content-Type", "application/json"),
        };
        match (kind, cred) {
            (Kind::Webhook, Some(key)) => {
                req = req.header(
                    "X-Threatdeck-Signature",
                    wire::signature(key.as_bytes(), &body),
                );
            }
            (_, Some(auth)) => req = req.header("Authorization", auth),
            _ => {}
        }
        report.requests += 1;
        let mut wait = Duration::from_millis(250 << attempt);
        match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                if let Some(secs) = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                {
                    wait = Duration::from_secs(secs.min(30));
                }
                let answer = resp.bytes().await.unwrap_or_default();
                if status.is_success() {
                    let verdict = wire::accepted(kind, &items, &answer);
                    report.sent += verdict.ok;
                    report.failed += verdict.refused.len() as u64;
                    for r in verdict.refused {
                        reason(report, r);
                    }
                    if verdict.retry.is_empty() {
                        return;
                    }
                    // Items the receiver was too busy for (a per-item 429) go again.
                    last_error = format!("{} item(s) answered 429", verdict.retry.len());
                    let retry: std::collections::HashSet<usize> =
                        verdict.retry.into_iter().collect();
                    items = items
                        .into_iter()
                        .enumerate()
                        .filter_map(|(i, it)| retry.contains(&i).then_some(it))
                        .collect();
                } else {
                    let text: String = String::from_utf8_lossy(&answer).chars().take(200).collect();
                    last_error = format!("HTTP {status}: {}", crate::safe_text::inert(&text));
                    if status.as_u16() == 401 || status.as_u16() == 403 {
                        report.failed += n;
                        report.error = Some(format!("{url}: credentials refused ({last_error})"));
                        return;
                    }
                    if !(status.as_u16() == 429 || status.is_server_error()) {
                        // Refused for good (a redirect included: pushes do not follow one).
                        report.failed += n;
                        reason(report, format!("batch of {n}: {last_error}"));
                        return;
                    }
                }
            }
            Err(e) => last_error = e.to_string(),
        }
        if attempt + 1 < ATTEMPTS {
            tokio::time::sleep(wait).await;
        }
    }
    report.failed += items.len() as u64;
    report.error = Some(format!(
        "{url}: gave up after {ATTEMPTS} attempts: {last_error}"
    ));
}

/// Push every enabled output (after a sync); each one's report, or why it could not run.
pub async fn push_enabled(store: Arc<Store>) -> Vec<(String, Result<PushReport, PushError>)> {
    let outputs = {
        let s = Arc::clone(&store);
        tokio::task::spawn_blocking(move || s.outputs()).await
    };
    let Ok(Ok(outputs)) = outputs else {
        return Vec::new();
    };
    let mut done = Vec::new();
    for o in outputs.into_iter().filter(|o| o.enabled) {
        let name = o.name.clone();
        done.push((name, push(Arc::clone(&store), o, false).await));
    }
    done
}

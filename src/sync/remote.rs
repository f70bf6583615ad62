//! Syncing a feed from the network: download to a staging directory, then import it with the
//! same pipeline as a local file, so a run lands whole or not at all.

use std::path::{Path, PathBuf};

use crate::ingest::misp_feed;
use crate::store::Store;
use crate::store::feeds::{FeedRec, RunRec};

use super::fetch::{FetchOptions, Fetched, client, fetch};

/// Where a feed's downloads are staged: beside the store, so they are on the same disk.
fn staging_dir(store: &Store, feed: &FeedRec) -> PathBuf {
    store
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .join("staging")
        .join(format!(
            "{:016x}",
            crate::model::hash::value_hash(&feed.name)
        ))
}

/// Remove what a run staged (its data is in the store now, or the run failed).
pub fn clear_staging(store: &Store, feed: &FeedRec) {
    let _ = std::fs::remove_dir_all(staging_dir(store, feed));
}

fn staging(store: &Store, feed: &FeedRec) -> std::io::Result<PathBuf> {
    let dir = staging_dir(store, feed);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// What a download produced for the importer.
pub enum Downloaded {
    /// Nothing changed upstream (304); the run keeps the previous counts.
    NotModified,
    /// A file or a MISP feed directory to import.
    Staged(PathBuf),
}

/// The longest a whole download may take: a server trickling a byte just inside the read
/// timeout must still end.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Run a download to its end, its deadline, or its cancellation, whichever comes first.
fn within<T>(
    rt: &tokio::runtime::Runtime,
    cancel: Option<&super::Cancel>,
    fut: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    rt.block_on(async {
        let cancelled = async {
            match cancel {
                Some(c) => super::cancelled(c.clone()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = tokio::time::timeout(DEADLINE, fut) => r.unwrap_or_else(|_| {
                Err(format!("gave up after {} minutes", DEADLINE.as_secs() / 60))
            }),
            () = cancelled => Err(super::CANCELLED.to_string()),
        }
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Download `feed` into its staging area; `run` receives status, bytes and validators.
pub fn download(
    store: &Store,
    feed: &FeedRec,
    previous: Option<&RunRec>,
    run: &mut RunRec,
    progress: Option<super::fetch::Progress>,
    cancel: Option<super::Cancel>,
) -> Result<Downloaded, String> {
    let cancel = cancel.as_ref();
    let dir = staging(store, feed).map_err(|e| format!("staging directory: {e}"))?;
    let rt = runtime()?;
    let defaults = FetchOptions::default();
    let opts = FetchOptions {
        etag: previous.and_then(|p| p.etag.clone()),
        last_modified: previous.and_then(|p| p.last_modified.clone()),
        max_bytes: feed.max_bytes.unwrap_or(defaults.max_bytes),
        read_timeout: feed
            .timeout_secs
            .map_or(defaults.read_timeout, std::time::Duration::from_secs),
        headers: super::headers::resolve(&feed.headers)?,
        progress,
        ..defaults
    };
    let client = client(opts.read_timeout, !opts.headers.is_empty()).map_err(|e| e.to_string())?;
    if feed.format == "misp-feed" {
        return within(
            &rt,
            cancel,
            misp_feed_download(store, &client, feed, &opts, &dir, run),
        );
    }
    if feed.format == "misp-server" {
        let dest = dir.join("events.json");
        let since = previous.and_then(|p| p.cursor.clone());
        let pulled = within(
            &rt,
            cancel,
            super::misp_api::pull(&client, &feed.location, since.as_deref(), &opts, &dest),
        )?;
        run.bytes += pulled.bytes;
        run.http_status = Some(200);
        run.cursor = pulled.cursor.or(since);
        if pulled.events == 0 {
            return Ok(Downloaded::NotModified);
        }
        return Ok(Downloaded::Staged(dest));
    }
    if feed.format == "taxii" {
        let dest = dir.join("objects.json");
        let after = previous.and_then(|p| p.cursor.clone());
        let pulled = within(
            &rt,
            cancel,
            super::taxii::pull(
                &client,
                &feed.location,
                feed.collection.as_deref(),
                after.as_deref(),
                &opts,
                &dest,
            ),
        )?;
        run.bytes += pulled.bytes;
        run.http_status = Some(200);
        run.cursor = pulled.cursor.or(after);
        if pulled.objects == 0 {
            return Ok(Downloaded::NotModified);
        }
        return Ok(Downloaded::Staged(dest));
    }
    let dest = dir.join("body");
    let got = within(&rt, cancel, async {
        fetch(&client, &feed.location, &opts, &dest)
            .await
            .map_err(|e| e.to_string())
    })?;
    Ok(note(got, run, dest))
}

fn note(got: Fetched, run: &mut RunRec, dest: PathBuf) -> Downloaded {
    match got {
        Fetched::NotModified { status } => {
            run.http_status = Some(status);
            Downloaded::NotModified
        }
        Fetched::Body {
            status,
            bytes,
            etag,
            last_modified,
        } => {
            run.http_status = Some(status);
            run.bytes += bytes;
            run.etag = etag;
            run.last_modified = last_modified;
            Downloaded::Staged(dest)
        }
    }
}

fn join_url(base: &str, file: &str) -> String {
    format!("{}/{file}", base.trim_end_matches('/'))
}

/// A MISP feed: the manifest (conditional), then only the events that are new or newer than
/// the stored ones, staged as a feed directory with a manifest of just those.
async fn misp_feed_download(
    store: &Store,
    client: &reqwest::Client,
    feed: &FeedRec,
    opts: &FetchOptions,
    dir: &Path,
    run: &mut RunRec,
) -> Result<Downloaded, String> {
    let manifest_path = dir.join("manifest.full.json");
    let got = fetch(
        client,
        &join_url(&feed.location, "manifest.json"),
        opts,
        &manifest_path,
    )
    .await
    .map_err(|e| e.to_string())?;
    if let Downloaded::NotModified = note(got, run, manifest_path.clone()) {
        return Ok(Downloaded::NotModified);
    }
    let bytes =
        crate::ingest::read_input(&manifest_path).map_err(|e| format!("manifest.json: {e}"))?;
    let entries = misp_feed::parse_manifest(&bytes).map_err(|e| format!("manifest.json: {e}"))?;
    let mut wanted = serde_json::Map::new();
    // Event files count against the run's byte limit together, not each on its own.
    let event_opts = FetchOptions {
        etag: None,
        last_modified: None,
        progress: None,
        ..opts.clone()
    };
    for entry in &entries {
        let stored = store
            .event_timestamp(entry.uuid)
            .map_err(|e| e.to_string())?;
        if stored.is_some_and(|t| t >= entry.timestamp) {
            continue;
        }
        // Manifest keys were validated as uuids: safe as file names.
        let file = format!("{}.json", entry.uuid);
        let over = || {
            format!(
                "{}: this run's downloads passed the {} byte limit",
                feed.location, opts.max_bytes
            )
        };
        let left = opts.max_bytes.checked_sub(run.bytes).ok_or_else(over)?;
        let capped = FetchOptions {
            max_bytes: left,
            ..event_opts.clone()
        };
        match fetch(
            client,
            &join_url(&feed.location, &file),
            &capped,
            &dir.join(&file),
        )
        .await
        {
            Ok(Fetched::Body { bytes, .. }) => run.bytes += bytes,
            Ok(Fetched::NotModified { .. }) => continue,
            Err(super::fetch::FetchError::TooLarge { .. }) => return Err(over()),
            Err(e) => return Err(e.to_string()),
        }
        if let Some(p) = &opts.progress {
            (p.0)(run.bytes, None);
        }
        wanted.insert(
            entry.uuid.to_string(),
            serde_json::json!({ "timestamp": entry.timestamp, "info": entry.info }),
        );
    }
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::Value::Object(wanted).to_string(),
    )
    .map_err(|e| format!("staging manifest: {e}"))?;
    let _ = std::fs::remove_file(&manifest_path);
    Ok(Downloaded::Staged(dir.to_path_buf()))
}

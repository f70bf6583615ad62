//! Upgrades of older stores, run once when they are opened.

use redb::{ReadableTable, WriteTransaction};
use serde::Deserialize;

use super::Result;
use super::feeds::{FEED_RUNS, FEEDS, FeedRec, RunRec, encode};
use super::records::decode;

/// Schema 1 kept feeds and runs in postcard, which cannot grow fields; schema 2 keeps them as
/// JSON. The layout of a schema-1 feed record:
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct FeedRecV1 {
    name: String,
    provider: String,
    location: String,
    format: String,
    columns: Option<Vec<usize>>,
    delimiter: Option<u8>,
    interval_secs: u64,
    enabled: bool,
    created: i64,
    max_bytes: Option<u64>,
    timeout_secs: Option<u64>,
    collection: Option<String>,
    sentinel: Option<String>,
    headers: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct RunRecV1 {
    started: i64,
    finished: i64,
    ok: bool,
    error: Option<String>,
    bytes: u64,
    records: u64,
    added: u64,
    removed: u64,
    unchanged: u64,
    http_status: Option<u16>,
    etag: Option<String>,
    last_modified: Option<String>,
    not_modified: bool,
    cursor: Option<String>,
}

pub(super) fn v1_to_v2(txn: &WriteTransaction) -> Result<()> {
    let mut feeds = txn.open_table(FEEDS)?;
    let old: Vec<(String, Vec<u8>)> = feeds
        .iter()?
        .map(|r| r.map(|(k, v)| (k.value().to_string(), v.value().to_vec())))
        .collect::<std::result::Result<_, _>>()?;
    for (name, bytes) in old {
        let v1: FeedRecV1 = decode("feed (schema 1)", &bytes)?;
        let feed = FeedRec {
            name: v1.name,
            provider: v1.provider,
            location: v1.location,
            format: v1.format,
            columns: v1.columns,
            delimiter: v1.delimiter,
            interval_secs: v1.interval_secs,
            enabled: v1.enabled,
            created: v1.created,
            max_bytes: v1.max_bytes,
            timeout_secs: v1.timeout_secs,
            collection: v1.collection,
            sentinel: v1.sentinel,
            headers: v1.headers,
            exclude: None,
            tags: Vec::new(),
            confidence: None,
            stale_after_secs: None,
        };
        feeds.insert(name.as_str(), encode(&feed)?.as_slice())?;
    }
    let mut runs = txn.open_table(FEED_RUNS)?;
    let old: Vec<((String, u64), Vec<u8>)> = runs
        .iter()?
        .map(|r| {
            r.map(|(k, v)| {
                let (n, i) = k.value();
                ((n.to_string(), i), v.value().to_vec())
            })
        })
        .collect::<std::result::Result<_, _>>()?;
    for ((name, i), bytes) in old {
        let r: RunRecV1 = decode("feed run (schema 1)", &bytes)?;
        let run = RunRec {
            started: r.started,
            finished: r.finished,
            ok: r.ok,
            error: r.error,
            bytes: r.bytes,
            records: r.records,
            added: r.added,
            removed: r.removed,
            unchanged: r.unchanged,
            http_status: r.http_status,
            etag: r.etag,
            last_modified: r.last_modified,
            not_modified: r.not_modified,
            cursor: r.cursor,
            cancelled: false,
        };
        runs.insert((name.as_str(), i), encode(&run)?.as_slice())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::tables::{KEY_SCHEMA, META};

    #[test]
    fn a_schema_1_store_keeps_its_feeds_and_runs() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let w = store.writer().unwrap();
            let v1 = FeedRecV1 {
                name: "old".into(),
                provider: "p".into(),
                location: "https://example.org/list.txt".into(),
                format: "freetext".into(),
                columns: None,
                delimiter: None,
                interval_secs: 3600,
                enabled: true,
                created: 5,
                max_bytes: Some(10),
                timeout_secs: None,
                collection: None,
                sentinel: Some("#".into()),
                headers: vec![("X-Key".into(), "env:K".into())],
            };
            let run = RunRecV1 {
                started: 1,
                finished: 2,
                ok: true,
                error: None,
                bytes: 0,
                records: 7,
                added: 7,
                removed: 0,
                unchanged: 0,
                http_status: Some(200),
                etag: Some("\"e\"".into()),
                last_modified: None,
                not_modified: false,
                cursor: None,
            };
            w.txn()
                .open_table(FEEDS)
                .unwrap()
                .insert("old", postcard::to_stdvec(&v1).unwrap().as_slice())
                .unwrap();
            w.txn()
                .open_table(FEED_RUNS)
                .unwrap()
                .insert(("old", 1), postcard::to_stdvec(&run).unwrap().as_slice())
                .unwrap();
            w.txn()
                .open_table(META)
                .unwrap()
                .insert(KEY_SCHEMA, 1)
                .unwrap();
            w.commit().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let f = store.feed("old").unwrap().unwrap();
        assert_eq!(f.location, "https://example.org/list.txt");
        assert_eq!(f.headers, [("X-Key".to_string(), "env:K".to_string())]);
        assert_eq!(f.sentinel.as_deref(), Some("#"));
        assert!(f.tags.is_empty() && f.exclude.is_none());
        let runs = store.runs("old", 5).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].records, 7);
        assert_eq!(runs[0].etag.as_deref(), Some("\"e\""));
        drop(store);
        // Opening again does not migrate twice.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.feed("old").unwrap().unwrap().created, 5);
    }
}

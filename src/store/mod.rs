//! The embedded store (redb). The only module that knows redb.
//!
//! One file, `threatdeck.redb`, in the data directory. redb's exclusive lock means a second
//! process gets [`StoreError::InUse`] at once; writes go through one [`Writer`] per batch
//! (one write transaction), reads take short read transactions.

mod audit;
pub mod browse;
pub mod collections;
mod correlation;
pub mod edit;
pub mod events_out;
mod facts;
pub mod feeds;
pub mod holdings;
pub mod index;
mod merge;
mod migrate;
pub mod outputs;
mod read;
pub mod records;
mod search;
mod sighting;
pub mod tables;
mod write;

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable};

pub use audit::{AuditEntry, current_user};
pub use correlation::{DEFAULT_CORRELATION_LIMIT, Holder, Overlap, PairOverlap, SourceCoverage};
pub use facts::ScoreFacts;
pub use index::Changes;
pub use read::{EventSummary, Stats};
pub use search::{SearchHit, SeenBy};
pub use sighting::SightingRec;
pub use write::{EventOutcome, ListOutcome, Writer};

use tables::*;

/// Bumped on any change to tables or records; a store with a higher version is refused.
pub const SCHEMA_VERSION: u64 = 2;
pub const FILE_NAME: &str = "threatdeck.redb";

/// Page cache. redb defaults to 1 GiB; analysts run this on laptops and jump hosts. 128 MiB
/// keeps a 1M-line import from flushing dirty pages mid-transaction (~15% faster than 64).
const CACHE_BYTES: usize = 128 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {0} is in use by another threatdeck process")]
    InUse(PathBuf),
    #[error(
        "store {path} was written by a newer threatdeck (schema {found}; this build reads up to {SCHEMA_VERSION})"
    )]
    TooNew { path: PathBuf, found: u64 },
    #[error("cannot open store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: redb::Error,
    },
    #[error("cannot create data directory {path}: {source}")]
    Dir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("store: {0}")]
    Db(#[from] redb::Error),
    #[error("{0}")]
    NotFound(String),
    /// A change the store refuses (an empty title, say).
    #[error("{0}")]
    Invalid(String),
    #[error("store data is damaged: {0}")]
    Corrupt(String),
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Db(e.into()) }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub struct Store {
    // Transactions take the read side for a moment (they do not borrow the database);
    // compaction takes the write side, so a shared store can still be compacted.
    db: std::sync::RwLock<Database>,
    path: PathBuf,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Writes begun (or waiting to begin) and not yet ended: id -> when they asked.
    writes: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<u64, i64>>>,
    next_write: std::sync::atomic::AtomicU64,
}

/// A write in flight; dropping it (commit or abort) takes it off the list.
pub(crate) struct InFlight {
    writes: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<u64, i64>>>,
    id: u64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl Store {
    fn db(&self) -> std::sync::RwLockReadGuard<'_, Database> {
        self.db
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Open (or create) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Store> {
        Store::open_with_cache(data_dir, CACHE_BYTES)
    }

    /// [`Store::open`] with a page cache of `cache_bytes` (the workbench keeps a smaller one:
    /// it holds only what it shows, and a long session must stay small).
    pub fn open_with_cache(data_dir: &Path, cache_bytes: usize) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Dir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(FILE_NAME);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(path.clone()),
                other => StoreError::Open {
                    path: path.clone(),
                    source: other.into(),
                },
            })?;
        let store = Store {
            db: std::sync::RwLock::new(db),
            path,
            generation: Default::default(),
            writes: Default::default(),
            next_write: Default::default(),
        };
        store.init_schema()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init_schema(&self) -> Result<()> {
        let (found, has_feeds, complete) = {
            let txn = self.db().begin_read()?;
            let found = match txn.open_table(META) {
                Ok(t) => t.get(KEY_SCHEMA)?.map(|v| v.value()),
                Err(redb::TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(e.into()),
            };
            // Tables added within a schema version are created on first open.
            let has = |t: redb::TableDefinition<&str, &[u8]>| match txn.open_table(t) {
                Ok(_) => Ok(true),
                Err(redb::TableError::TableDoesNotExist(_)) => Ok(false),
                Err(e) => Err(e),
            };
            let feeds = match txn.open_table(feeds::FEED_RUNS) {
                Ok(_) => true,
                Err(redb::TableError::TableDoesNotExist(_)) => false,
                Err(e) => return Err(e.into()),
            };
            // The newest table: when it is there, so are all the others.
            (found, feeds, has(collections::COLLECTIONS)?)
        };
        if let Some(v) = found
            && v > SCHEMA_VERSION
        {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: v,
            });
        }
        if found == Some(1) && has_feeds {
            let txn = self.db().begin_write()?;
            migrate::v1_to_v2(&txn)?;
            txn.open_table(META)?.insert(KEY_SCHEMA, 2)?;
            txn.commit()?;
        }
        if found.is_some() && complete {
            return Ok(());
        }
        // Create every table up front so readers never meet a missing table.
        let txn = self.db().begin_write()?;
        {
            txn.open_table(META)?.insert(KEY_SCHEMA, SCHEMA_VERSION)?;
            txn.open_table(EVENTS)?;
            txn.open_table(EVENT_UUIDS)?;
            txn.open_table(ATTRIBUTES)?;
            txn.open_table(OBJECTS)?;
            txn.open_table(REFERENCES)?;
            txn.open_table(TAGS)?;
            txn.open_table(SOURCES)?;
            txn.open_table(VALUES)?;
            txn.open_table(AUDIT)?;
            txn.open_table(IPS)?;
            txn.open_table(CIDRS)?;
            txn.open_table(EXCLUSIONS)?;
            txn.open_table(SIGHTINGS)?;
            txn.open_table(OVERRIDES)?;
            txn.open_table(feeds::FEEDS)?;
            txn.open_table(feeds::FEED_RUNS)?;
            txn.open_table(outputs::OUTPUTS)?;
            txn.open_table(collections::COLLECTIONS)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// How many writes this process has committed: caches built from the store compare it
    /// to know they are stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// When the oldest write still in flight in this process began (a second early), if
    /// any: what it stores may carry that time yet land after a reader looked.
    pub fn oldest_write(&self) -> Option<i64> {
        self.writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .min()
            .copied()
    }

    /// Start a batch of writes: one write transaction, committed by [`Writer::commit`];
    /// dropping the writer aborts it and leaves the store as it was.
    pub fn writer(&self) -> Result<Writer> {
        // Registered before waiting for redb's write lock: a writer's callers take their
        // timestamp just before asking, and may wait behind another write.
        let id = self
            .next_write
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, crate::model::time::now() - 1);
        let in_flight = InFlight {
            writes: std::sync::Arc::clone(&self.writes),
            id,
        };
        Writer::new(
            self.db().begin_write()?,
            std::sync::Arc::clone(&self.generation),
            in_flight,
        )
    }

    fn read(&self) -> Result<redb::ReadTransaction> {
        Ok(self.db().begin_read()?)
    }

    /// Bytes of the file that hold no live data: freed and not-yet-used pages.
    pub fn slack_bytes(&self) -> Result<u64> {
        let txn = self.db().begin_write()?;
        let st = txn.stats()?;
        let used = st.allocated_pages() * st.page_size() as u64;
        drop(txn);
        let file = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(file.saturating_sub(used) + st.fragmented_bytes())
    }

    /// Compact after an import that wrote `written` attributes, when that was at least a
    /// quarter of the store and more than a quarter of a file over 16 MiB is slack: a big
    /// import leaves the file grown ahead of its data. A small import into a big store is
    /// not worth rewriting the whole file for. Returns whether it compacted.
    pub fn compact_if_worthwhile(&self, written: u64) -> Result<bool> {
        let attributes = {
            let txn = self.read()?;
            redb::ReadableTableMetadata::len(&txn.open_table(ATTRIBUTES)?)?
        };
        let file = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if written.saturating_mul(4) < attributes
            || file < (16 << 20)
            || self.slack_bytes()? * 4 < file
        {
            return Ok(false);
        }
        self.compact()?;
        Ok(true)
    }

    /// Reclaim space after a large import (redb files do not shrink on their own). Fails,
    /// harmlessly, while a reader holds a transaction open (the workbench between frames
    /// holds none).
    pub fn compact(&self) -> Result<()> {
        let mut db = self
            .db
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while db
            .compact(redb::CompactionMode::Balanced)
            .map_err(|e| StoreError::Db(e.into()))?
        {}
        Ok(())
    }
}

#[cfg(test)]
mod tests;

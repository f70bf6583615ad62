//! TAXII collections: saved filters the server publishes (`threatdeck collections`).

use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::feeds::{decode, encode};
use super::{Result, Store};
use crate::export::Filters;

/// collection name -> `CollectionRec`.
pub const COLLECTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("collections");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionRec {
    /// Also the collection's title.
    pub name: String,
    /// The TAXII collection id (stable: clients keep it).
    pub id: uuid::Uuid,
    pub description: String,
    pub filters: Filters,
}

impl Store {
    pub fn put_collection(&self, c: &CollectionRec) -> Result<()> {
        let w = self.writer()?;
        w.txn()
            .open_table(COLLECTIONS)?
            .insert(c.name.as_str(), encode(c)?.as_slice())?;
        w.commit().map(|_| ())
    }

    pub fn collections(&self) -> Result<Vec<CollectionRec>> {
        let txn = self.read()?;
        let mut out = Vec::new();
        for item in txn.open_table(COLLECTIONS)?.iter()? {
            out.push(decode("collection", item?.1.value())?);
        }
        Ok(out)
    }

    pub fn remove_collection(&self, name: &str) -> Result<bool> {
        let w = self.writer()?;
        let found = w.txn().open_table(COLLECTIONS)?.remove(name)?.is_some();
        w.commit()?;
        Ok(found)
    }
}

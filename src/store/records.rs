//! On-disk records (postcard). Changing a field here changes the file format: bump
//! `SCHEMA_VERSION` in `store/mod.rs` and add a migration.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::types::{self, TypeInfo};
use crate::model::{Attribute, Event, Indicator, Object, ObjectReference, Org, Tag};

use super::StoreError;

pub fn encode<T: Serialize>(rec: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(rec).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))
}

pub fn decode<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("{what} record: {e}")))
}

/// A type or category: an index into MISP's table, or a name the table does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Named {
    Known(u16),
    Other(String),
}

impl Named {
    pub fn type_of(name: &str) -> Named {
        match types::type_index(name) {
            Some(i) => Named::Known(i),
            None => Named::Other(name.to_string()),
        }
    }

    pub fn category_of(name: &str) -> Named {
        match types::categories().iter().position(|c| *c == name) {
            Some(i) => Named::Known(i as u16),
            None => Named::Other(name.to_string()),
        }
    }

    pub fn type_name(&self) -> &str {
        match self {
            Named::Known(i) => types::type_at(*i).map_or("", |t: TypeInfo| t.name),
            Named::Other(s) => s,
        }
    }

    pub fn category_name(&self) -> &str {
        match self {
            Named::Known(i) => types::categories().get(*i as usize).copied().unwrap_or(""),
            Named::Other(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgRec {
    pub name: String,
    pub uuid: Option<u128>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagRec {
    pub name: String,
    pub local: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRec {
    pub uuid: u128,
    pub info: String,
    pub date: String,
    pub timestamp: i64,
    pub publish_timestamp: i64,
    pub published: bool,
    pub analysis: u8,
    pub threat_level_id: u8,
    pub distribution: u8,
    pub orgc: Option<OrgRec>,
    pub tags: Vec<TagRec>,
    pub extends_uuid: Option<u128>,
    /// The source that last wrote this event.
    pub source_id: u32,
    /// Next free attribute sequence number.
    pub next_attr: u64,
    pub attribute_count: u64,
    /// Of those, soft-deleted ones (so stats need not read every attribute).
    pub deleted_count: u64,
    pub object_count: u64,
    pub reference_count: u64,
    /// When this store first/last stored it.
    pub imported: i64,
    pub updated: i64,
}

/// One attribute. The fields every list value has come first; the rest live in `extra`,
/// absent for most list values (one byte instead of a dozen on millions of records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrRec {
    pub type_: Named,
    pub category: Named,
    pub value: String,
    /// [`TO_IDS`] | [`DELETED`] | [`NO_CORRELATION`].
    pub flags: u8,
    pub timestamp: i64,
    pub distribution: u8,
    pub comment: String,
    pub extra: Option<Box<AttrExtra>>,
}

/// Extras that are all defaults are not stored at all.
fn boxed(extra: AttrExtra) -> Option<Box<AttrExtra>> {
    (extra != AttrExtra::default()).then(|| Box::new(extra))
}

pub const TO_IDS: u8 = 1;
pub const DELETED: u8 = 2;
pub const NO_CORRELATION: u8 = 4;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttrExtra {
    /// None for list values: their uuid is derived from the event uuid and the value on read
    /// ([`derived_uuid`]).
    pub uuid: Option<u128>,
    pub original: Option<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub object_uuid: Option<u128>,
    pub object_relation: Option<String>,
    pub tags: Vec<TagRec>,
    /// When the source first listed this value; None: the attribute's timestamp.
    pub listed_first: Option<i64>,
    /// When the source last listed it; None while it is still listed (then it is the source's
    /// last import time, which saves rewriting every record on each import).
    pub listed_last: Option<i64>,
    /// When a list import found it gone (MISP delta_merge soft delete).
    pub vanished: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectRec {
    pub uuid: u128,
    pub name: String,
    pub meta_category: String,
    pub description: String,
    pub template_uuid: Option<u128>,
    pub template_version: String,
    pub timestamp: i64,
    pub comment: String,
    pub deleted: bool,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefRec {
    pub uuid: Option<u128>,
    pub timestamp: i64,
    pub object_uuid: u128,
    pub referenced_uuid: u128,
    pub relationship_type: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRec {
    pub id: u32,
    pub name: String,
    pub format: String,
    /// The event id of the source's fixed event (CSV/freetext lists).
    pub fixed_event: Option<u64>,
    pub created: i64,
    pub last_import: i64,
    pub imports: u64,
}

/// A stable uuid for an attribute that came without one: UUIDv8 over the event uuid, a salt
/// and the value (two FNV-1a passes; SHA-1 based v5 was a tenth of a 1M-line import).
pub fn derived_uuid(event_uuid: u128, salt: u64, type_name: &str, value: &str) -> Uuid {
    let fnv = |seed: u64| {
        let mut h = seed;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        eat(&event_uuid.to_le_bytes());
        eat(&salt.to_le_bytes());
        eat(type_name.as_bytes());
        eat(&[0]);
        eat(value.as_bytes());
        h
    };
    let hi = fnv(0xcbf2_9ce4_8422_2325);
    let lo = fnv(0x6c62_272e_07bb_0142);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    Uuid::new_v8(bytes)
}

fn tags_rec(tags: &[Tag]) -> Vec<TagRec> {
    tags.iter()
        .map(|t| TagRec {
            name: t.name.clone(),
            local: t.local,
        })
        .collect()
}

fn tags_model(tags: &[TagRec]) -> Vec<Tag> {
    tags.iter()
        .map(|t| Tag {
            name: t.name.clone(),
            colour: None,
            local: t.local,
        })
        .collect()
}

fn u(id: Option<Uuid>) -> Option<u128> {
    id.map(|u| u.as_u128())
}

impl EventRec {
    pub fn from_event(e: &Event, source_id: u32, now: i64) -> Self {
        EventRec {
            uuid: e.uuid.as_u128(),
            info: e.info.clone(),
            date: e.date.clone(),
            timestamp: e.timestamp,
            publish_timestamp: e.publish_timestamp,
            published: e.published,
            analysis: e.analysis,
            threat_level_id: e.threat_level_id,
            distribution: e.distribution,
            orgc: e.orgc.as_ref().map(|o| OrgRec {
                name: o.name.clone(),
                uuid: u(o.uuid),
            }),
            tags: tags_rec(&e.tags),
            extends_uuid: u(e.extends_uuid),
            source_id,
            next_attr: 0,
            attribute_count: 0,
            deleted_count: 0,
            object_count: 0,
            reference_count: 0,
            imported: now,
            updated: now,
        }
    }

    pub fn to_event(&self) -> Event {
        Event {
            uuid: Uuid::from_u128(self.uuid),
            info: self.info.clone(),
            date: self.date.clone(),
            timestamp: self.timestamp,
            publish_timestamp: self.publish_timestamp,
            published: self.published,
            analysis: self.analysis,
            threat_level_id: self.threat_level_id,
            distribution: self.distribution,
            orgc: self.orgc.as_ref().map(|o| Org {
                name: o.name.clone(),
                uuid: o.uuid.map(Uuid::from_u128),
            }),
            tags: tags_model(&self.tags),
            extends_uuid: self.extends_uuid.map(Uuid::from_u128),
        }
    }
}

impl AttrRec {
    fn with_extra(mut self, extra: AttrExtra) -> Self {
        self.extra = boxed(extra);
        self
    }

    fn extra(&self) -> AttrExtra {
        self.extra.as_deref().cloned().unwrap_or_default()
    }

    fn flag(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    pub fn deleted(&self) -> bool {
        self.flag(DELETED)
    }

    pub fn no_correlation(&self) -> bool {
        self.flag(NO_CORRELATION)
    }

    /// When the source first listed the value, and last listed it (None: still listed).
    pub fn listed(&self) -> (i64, Option<i64>) {
        let e = self.extra.as_deref();
        (
            e.and_then(|e| e.listed_first).unwrap_or(self.timestamp),
            e.and_then(|e| e.listed_last),
        )
    }

    pub fn vanished(&self) -> Option<i64> {
        self.extra.as_ref().and_then(|e| e.vanished)
    }

    /// Mark a list value gone (`Some(when)`, last listed at `last_listed`) or back (`None`).
    pub fn set_vanished(&mut self, vanished: Option<(i64, i64)>) {
        let mut extra = self.extra();
        extra.vanished = vanished.map(|v| v.0);
        extra.listed_last = vanished.map(|v| v.1);
        if vanished.is_some() {
            self.flags |= DELETED;
        } else {
            self.flags &= !DELETED;
        }
        self.extra = boxed(extra);
    }

    /// `uuid` is the attribute's own or one the caller derived; `listed` is when the source
    /// first listed the value (now, or earlier for a replaced event).
    pub fn from_attribute(a: &Attribute, uuid: Uuid, listed: i64) -> Self {
        let flags = (if a.to_ids { TO_IDS } else { 0 })
            | (if a.deleted { DELETED } else { 0 })
            | (if a.disable_correlation {
                NO_CORRELATION
            } else {
                0
            });
        AttrRec {
            type_: Named::type_of(&a.type_),
            category: Named::category_of(&a.category),
            value: a.value.clone(),
            flags,
            timestamp: a.timestamp,
            distribution: a.distribution,
            comment: a.comment.clone(),
            extra: None,
        }
        .with_extra(AttrExtra {
            uuid: Some(uuid.as_u128()),
            original: a.original.clone(),
            first_seen: a.first_seen,
            last_seen: a.last_seen,
            object_uuid: u(a.object_uuid),
            object_relation: a.object_relation.clone(),
            tags: tags_rec(&a.tags),
            listed_first: (a.timestamp != listed).then_some(listed),
            listed_last: None,
            vanished: None,
        })
    }

    /// A list value (CSV/freetext) as it is first stored in its source's fixed event.
    pub fn from_indicator(it: &Indicator, now: i64) -> Self {
        AttrRec {
            type_: Named::type_of(it.type_),
            category: Named::category_of(it.category),
            value: it.value.clone(),
            flags: if it.to_ids { TO_IDS } else { 0 },
            timestamp: now,
            distribution: 5,
            comment: it.comment.clone(),
            extra: it.original.as_ref().map(|o| {
                Box::new(AttrExtra {
                    original: Some(o.clone()),
                    ..AttrExtra::default()
                })
            }),
        }
    }

    pub fn uuid(&self, event_uuid: u128) -> Uuid {
        match self.extra.as_ref().and_then(|e| e.uuid) {
            Some(u) => Uuid::from_u128(u),
            None => derived_uuid(event_uuid, 0, self.type_.type_name(), &self.value),
        }
    }

    pub fn to_attribute(&self, event_uuid: u128) -> Attribute {
        let e = self.extra();
        Attribute {
            uuid: Some(self.uuid(event_uuid)),
            type_: self.type_.type_name().to_string(),
            category: self.category.category_name().to_string(),
            value: self.value.clone(),
            original: e.original,
            to_ids: self.flag(TO_IDS),
            comment: self.comment.clone(),
            timestamp: self.timestamp,
            distribution: self.distribution,
            deleted: self.flag(DELETED),
            disable_correlation: self.flag(NO_CORRELATION),
            first_seen: e.first_seen,
            last_seen: e.last_seen,
            object_uuid: e.object_uuid.map(Uuid::from_u128),
            object_relation: e.object_relation,
            tags: tags_model(&e.tags),
        }
    }
}

impl ObjectRec {
    pub fn from_object(o: &Object) -> Self {
        ObjectRec {
            uuid: o.uuid.as_u128(),
            name: o.name.clone(),
            meta_category: o.meta_category.clone(),
            description: o.description.clone(),
            template_uuid: u(o.template_uuid),
            template_version: o.template_version.clone(),
            timestamp: o.timestamp,
            comment: o.comment.clone(),
            deleted: o.deleted,
            first_seen: o.first_seen,
            last_seen: o.last_seen,
        }
    }
}

impl RefRec {
    pub fn from_reference(r: &ObjectReference) -> Self {
        RefRec {
            uuid: u(r.uuid),
            timestamp: r.timestamp,
            object_uuid: r.object_uuid.as_u128(),
            referenced_uuid: r.referenced_uuid.as_u128(),
            relationship_type: r.relationship_type.clone(),
            comment: r.comment.clone(),
        }
    }
}

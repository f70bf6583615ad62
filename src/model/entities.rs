//! Entities with MISP's field names and meanings (MISP core format, reference/MISP.md §3).
//!
//! These are what parsers produce and what views read. The on-disk encoding lives in
//! `store::records`, so changing a view never silently changes the store format.

use serde::Serialize;
use uuid::Uuid;

/// An organisation (MISP `Orgc`, STIX identity).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Org {
    pub name: String,
    pub uuid: Option<Uuid>,
}

/// A tag; galaxy clusters are tags named `misp-galaxy:<type>="<value>"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Tag {
    pub name: String,
    pub colour: Option<String>,
    /// Local tags are never exported (MISP `local`).
    pub local: bool,
}

impl Tag {
    pub fn named(name: impl Into<String>) -> Self {
        Tag {
            name: name.into(),
            ..Tag::default()
        }
    }

    pub fn is_galaxy(&self) -> bool {
        self.name.starts_with("misp-galaxy:")
    }
}

/// MISP event header; its attributes and objects travel beside it in [`ParsedEvent`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Event {
    pub uuid: Uuid,
    pub info: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Last modification, unix seconds; decides add/replace on re-import (MISP's rule).
    pub timestamp: i64,
    pub publish_timestamp: i64,
    pub published: bool,
    /// 0 initial, 1 ongoing, 2 completed.
    pub analysis: u8,
    /// 1 high, 2 medium, 3 low, 4 undefined.
    pub threat_level_id: u8,
    /// 0..4 (5 = inherit is only valid below the event).
    pub distribution: u8,
    pub orgc: Option<Org>,
    pub tags: Vec<Tag>,
    pub extends_uuid: Option<Uuid>,
}

/// An attribute: the indicator.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Attribute {
    /// None when the source gave none; the store derives a stable one.
    pub uuid: Option<Uuid>,
    #[serde(rename = "type")]
    pub type_: String,
    pub category: String,
    /// Normalised value (see `model::normalize`).
    pub value: String,
    /// The value as the source wrote it, when normalisation or refanging changed it.
    pub original: Option<String>,
    pub to_ids: bool,
    pub comment: String,
    pub timestamp: i64,
    pub distribution: u8,
    pub deleted: bool,
    pub disable_correlation: bool,
    /// MISP first_seen/last_seen: microseconds since the epoch.
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Set for attributes inside an object.
    pub object_uuid: Option<Uuid>,
    pub object_relation: Option<String>,
    pub tags: Vec<Tag>,
}

/// A MISP object: a named group of attributes following a template.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Object {
    pub uuid: Uuid,
    pub name: String,
    #[serde(rename = "meta-category")]
    pub meta_category: String,
    pub description: String,
    pub template_uuid: Option<Uuid>,
    pub template_version: String,
    pub timestamp: i64,
    pub comment: String,
    pub deleted: bool,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

/// A typed link from an object (or STIX object) to another object or attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObjectReference {
    pub uuid: Option<Uuid>,
    pub timestamp: i64,
    /// The object the reference starts from.
    pub object_uuid: Uuid,
    pub referenced_uuid: Uuid,
    pub relationship_type: String,
    pub comment: String,
}

/// MISP sighting types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SightingType {
    Sighting = 0,
    FalsePositive = 1,
    Expiration = 2,
}

/// A sighting of an attribute (filled by the correlation issue; modelled here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sighting {
    pub uuid: Uuid,
    pub attribute_uuid: Uuid,
    pub date_sighting: i64,
    pub source: String,
    #[serde(rename = "type")]
    pub type_: SightingType,
    pub org: Option<String>,
}

/// Where data came from: a feed, a directory, a file, a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub name: String,
    /// The format it was imported as (`misp-feed`, `csv`, ...).
    pub format: String,
    /// For CSV/freetext lists: the one event this source's values live in (MISP fixed_event).
    pub fixed_event: Option<Uuid>,
    pub created: i64,
    /// Time of the last import that succeeded.
    pub last_import: i64,
}

/// One event as a parser produces it: header, attributes (object attributes included,
/// with `object_uuid` set), objects and references.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParsedEvent {
    pub event: Event,
    pub attributes: Vec<Attribute>,
    pub objects: Vec<Object>,
    pub references: Vec<ObjectReference>,
}

/// What a list parser (CSV, freetext) yields for one value: MISP's freetext result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub category: &'static str,
    pub value: String,
    pub to_ids: bool,
    pub comment: String,
    /// The token as found in the input (before refanging/normalisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

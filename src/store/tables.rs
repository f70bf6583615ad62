//! Table definitions. Keys are chosen so that the common scans are range scans:
//! an event's attributes are the keys `event_id << 64 ..= event_id << 64 | u64::MAX`.

use redb::TableDefinition;

/// Counters and the schema version.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// event id -> `EventRec`.
pub const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// event uuid -> event id.
pub const EVENT_UUIDS: TableDefinition<u128, u64> = TableDefinition::new("event_uuids");
/// `event_id << 64 | seq` -> `AttrRec`.
pub const ATTRIBUTES: TableDefinition<u128, &[u8]> = TableDefinition::new("attributes");
/// `event_id << 64 | seq` -> `ObjectRec`.
pub const OBJECTS: TableDefinition<u128, &[u8]> = TableDefinition::new("objects");
/// `event_id << 64 | seq` -> `RefRec`.
pub const REFERENCES: TableDefinition<u128, &[u8]> = TableDefinition::new("references");
/// tag name -> colour (empty when none given).
pub const TAGS: TableDefinition<&str, &str> = TableDefinition::new("tags");
/// source name -> `SourceRec`.
pub const SOURCES: TableDefinition<&str, &[u8]> = TableDefinition::new("sources");
/// The value index: (normalised value, attribute key). Composite values are indexed by part.
/// A plain table with a compound key (not a multimap) so that bulk loads insert in one sorted
/// run and a value's attributes are one range scan.
pub const VALUES: TableDefinition<(&str, u128), ()> = TableDefinition::new("values");
/// Append-only audit log: sequence -> JSON `AuditEntry`.
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

pub const KEY_SCHEMA: &str = "schema_version";
pub const KEY_NEXT_EVENT: &str = "next_event_id";
pub const KEY_NEXT_SOURCE: &str = "next_source_id";

/// Key of attribute/object/reference `seq` of event `event_id`.
pub fn child_key(event_id: u64, seq: u64) -> u128 {
    (u128::from(event_id) << 64) | u128::from(seq)
}

pub fn event_of(key: u128) -> u64 {
    (key >> 64) as u64
}

/// All child keys of one event.
pub fn event_range(event_id: u64) -> std::ops::RangeInclusive<u128> {
    child_key(event_id, 0)..=child_key(event_id, u64::MAX)
}

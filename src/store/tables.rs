//! Table definitions. Keys are chosen so that the common scans are range scans: an event's
//! attributes are the keys `event_id << 32 ..= event_id << 32 | u32::MAX`, and a value's
//! attributes are the index keys `hash << 64 ..= hash << 64 | u64::MAX`.

use redb::TableDefinition;

/// Counters and the schema version.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// event id -> `EventRec`.
pub const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// event uuid -> event id.
pub const EVENT_UUIDS: TableDefinition<u128, u64> = TableDefinition::new("event_uuids");
/// `event_id << 32 | seq` -> `AttrRec`.
pub const ATTRIBUTES: TableDefinition<u64, &[u8]> = TableDefinition::new("attributes");
/// `event_id << 32 | seq` -> `ObjectRec`.
pub const OBJECTS: TableDefinition<u64, &[u8]> = TableDefinition::new("objects");
/// `event_id << 32 | seq` -> `RefRec`.
pub const REFERENCES: TableDefinition<u64, &[u8]> = TableDefinition::new("references");
/// tag name -> colour (empty when none given).
pub const TAGS: TableDefinition<&str, &str> = TableDefinition::new("tags");
/// source name -> `SourceRec`.
pub const SOURCES: TableDefinition<&str, &[u8]> = TableDefinition::new("sources");
/// The value index: `value_hash(normalised value) << 64 | attribute key`, no payload.
/// Fixed 16-byte keys instead of the value string keep the index a fifth of the size and let
/// bulk loads insert one sorted run; readers verify the value in the attribute record.
/// Composite values are indexed by part.
pub const VALUES: TableDefinition<u128, ()> = TableDefinition::new("values");
/// Addresses of correlating IP attributes: (address in the IPv6 space, attribute key).
pub const IPS: TableDefinition<(u128, u64), ()> = TableDefinition::new("ips");
/// Networks of correlating CIDR attributes: (prefix length in the IPv6 space, network, key).
pub const CIDRS: TableDefinition<(u8, u128, u64), ()> = TableDefinition::new("cidrs");
/// Correlation exclusion patterns (MISP `%` wildcards) -> comment.
pub const EXCLUSIONS: TableDefinition<&str, &str> = TableDefinition::new("exclusions");
/// Sightings: (value hash, sequence) -> `SightingRec`.
pub const SIGHTINGS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("sightings");
/// Analyst score overrides: value -> score (f64 bits). They stick until cleared.
pub const OVERRIDES: TableDefinition<&str, u64> = TableDefinition::new("score_overrides");
/// Append-only audit log: sequence -> JSON `AuditEntry`.
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

pub const KEY_SCHEMA: &str = "schema_version";
pub const KEY_NEXT_EVENT: &str = "next_event_id";
pub const KEY_NEXT_SOURCE: &str = "next_source_id";

/// Key of attribute/object/reference `seq` of event `event_id` (both below 2^32).
pub fn child_key(event_id: u64, seq: u64) -> u64 {
    // Writers check both bounds first (`next_event_id`, `check_seq`).
    debug_assert!(event_id <= u64::from(u32::MAX) && seq <= u64::from(u32::MAX));
    (event_id << 32) | (seq & 0xffff_ffff)
}

pub fn event_of(key: u64) -> u64 {
    key >> 32
}

/// All child keys of one event.
pub fn event_range(event_id: u64) -> std::ops::RangeInclusive<u64> {
    child_key(event_id, 0)..=child_key(event_id, u32::MAX as u64)
}

/// The index key of attribute `attr_key` under value hash `hash`.
pub fn index_key(hash: u64, attr_key: u64) -> u128 {
    (u128::from(hash) << 64) | u128::from(attr_key)
}

/// (value hash, attribute key) of an index key.
pub fn split_index_key(key: u128) -> (u64, u64) {
    ((key >> 64) as u64, key as u64)
}

/// All index keys of one value hash.
pub fn hash_range(hash: u64) -> std::ops::RangeInclusive<u128> {
    index_key(hash, 0)..=index_key(hash, u64::MAX)
}

/// The store's id of the event `uuid`, from either kind of transaction's table.
pub fn event_id(
    uuids: &impl redb::ReadableTable<u128, u64>,
    uuid: uuid::Uuid,
) -> Result<Option<u64>, redb::StorageError> {
    Ok(uuids.get(uuid.as_u128())?.map(|v| v.value()))
}

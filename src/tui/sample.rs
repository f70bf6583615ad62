//! The built-in sample dataset: two small events written by the project (documentation
//! addresses and `.example` names only), tagged `threatdeck:sample`, so a first run has
//! something to pivot on without touching the network.

use crate::store::Store;

pub const SOURCE: &str = "threatdeck-sample";
const EVENTS: &str = include_str!("../../samples/sample-events.json");

/// Import the sample into `store`; returns the attributes written.
pub fn load(store: &Store) -> Result<u64, String> {
    // Loaded already: loading again must not re-date (and so replace) what is there.
    let first = uuid::Uuid::from_u128(0x5a3e6c1e_0000_4000_8000_5a3e5a3e0001);
    if store
        .event_timestamp(first)
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(0);
    }
    // Dated relative to now, so the sample is fresh (scores decay from these times).
    let t = crate::model::time::now();
    let body = EVENTS
        .replace("\"@T1@\"", &format!("\"{}\"", t - 86_400))
        .replace("\"@T2@\"", &format!("\"{}\"", t - 7200));
    super::save::import_json(store, SOURCE, "sample", &body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sample_loads_and_correlates() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        assert_eq!(super::load(&store).unwrap(), 17);
        let hit = store.lookup("203.0.113.45").unwrap().unwrap();
        assert_eq!(hit.events.len(), 2, "the shared C2 links both events");
        let score = crate::correlate::annotate::value_score(
            &store,
            "203.0.113.45",
            crate::model::time::now(),
        )
        .unwrap()
        .unwrap();
        assert!(score > 30.0, "fresh, not decayed: {score}");
        assert_eq!(
            super::load(&store).unwrap(),
            0,
            "loading twice adds nothing"
        );
    }
}

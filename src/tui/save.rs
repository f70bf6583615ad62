//! Saving pasted indicators as a new event, through the importer like any other change:
//! the freetext rules type and refang them, and the event lands in one transaction under
//! the source `threatdeck-workbench`.

use crate::pipeline::{self, ImportOptions};
use crate::store::Store;

pub const SOURCE: &str = "threatdeck-workbench";

/// The indicators of `text`: (type, value), as the freetext importer finds them.
pub fn extract(text: &str) -> Vec<(String, String)> {
    let items = pipeline::normalize_list(crate::ingest::freetext::parse(text), true);
    items
        .into_iter()
        .map(|i| (i.type_.to_string(), i.value))
        .collect()
}

/// Store the indicators of `text` as a new event titled `info`; returns its attribute count.
pub fn save(store: &Store, info: &str, text: &str) -> Result<u64, String> {
    let items = pipeline::normalize_list(crate::ingest::freetext::parse(text), true);
    if items.is_empty() {
        return Err("no indicators to save".into());
    }
    let now = crate::model::time::now();
    let attrs: Vec<serde_json::Value> = items
        .iter()
        .map(|i| {
            serde_json::json!({
                "type": i.type_, "category": i.category, "value": i.value,
                "to_ids": i.to_ids, "comment": i.comment, "timestamp": now.to_string(),
            })
        })
        .collect();
    let doc = serde_json::json!({"Event": {
        "uuid": uuid::Uuid::new_v4().to_string(),
        "info": info,
        "date": crate::model::time::format_date(now),
        "timestamp": now.to_string(),
        "analysis": "0",
        "threat_level_id": "4",
        "Orgc": {"name": crate::store::current_user()},
        "Attribute": attrs,
    }});
    import_json(store, SOURCE, "pasted", &doc.to_string())
}

/// Import one MISP event document (`body`) under `source` through the importer, from a
/// staging file beside the store; returns the attributes written.
pub(crate) fn import_json(
    store: &Store,
    source: &str,
    name: &str,
    body: &str,
) -> Result<u64, String> {
    let dir = store
        .path()
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("staging");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, body).map_err(|e| format!("{}: {e}", path.display()))?;
    let opts = ImportOptions {
        format: crate::ingest::Format::MispEvent,
        source: Some(source.to_string()),
        ..ImportOptions::default()
    };
    let reports = pipeline::import(store, std::slice::from_ref(&path), &opts);
    let _ = std::fs::remove_file(&path);
    match reports.iter().find(|r| !r.ok) {
        Some(bad) => Err(bad.error.clone().unwrap_or_else(|| "not stored".into())),
        None => Ok(reports.iter().map(|r| r.attributes).sum()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pasted_text_is_refanged_and_saved_as_an_event() {
        let text = "Ticket 4711: callback to hxxps://evil[.]example/gate and 198.51.100[.]7\nsha256 9f2c7d1e5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d";
        let got = super::extract(text);
        let values: Vec<&str> = got.iter().map(|(_, v)| v.as_str()).collect();
        assert!(values.contains(&"https://evil.example/gate"), "{got:?}");
        assert!(values.contains(&"198.51.100.7"), "{got:?}");
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let n = super::save(&store, "Pasted: ticket 4711", text).unwrap();
        assert_eq!(n as usize, got.len());
        let ev = store.events().unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].event.info, "Pasted: ticket 4711");
        assert_eq!(ev[0].source, super::SOURCE);
        assert!(super::save(&store, "x", "nothing here").is_err());
    }
}

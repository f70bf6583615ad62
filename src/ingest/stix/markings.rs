//! Marking definitions → `tlp:<level>` tags (STANDARDS.md §1.5).
//!
//! The well-known TLP 1.0 and 2.0 ids are recognised even when the bundle leaves the
//! marking-definition objects out; `definition_type: tlp` and TLP 2.0 extension objects in the
//! bundle add to them. Statement markings (copyright text) are not tags and are ignored.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::model::Tag;

const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// TLP 1.0 (STIX 2.1 §7.2.1.4) and TLP 2.0 (OASIS common objects) marking ids.
const KNOWN: &[(&str, &str)] = &[
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "white",
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "green",
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "amber",
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "red",
    ),
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "clear",
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "green",
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber",
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "amber+strict",
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        "red",
    ),
];

const LEVELS: &[&str] = &["white", "clear", "green", "amber", "amber+strict", "red"];

/// Marking id (lower-case) → TLP level.
#[derive(Debug, Default)]
pub struct Markings {
    tlp: HashMap<String, String>,
}

impl Markings {
    pub fn new() -> Self {
        let tlp = KNOWN
            .iter()
            .map(|(id, l)| (id.to_string(), l.to_string()))
            .collect();
        Markings { tlp }
    }

    /// Learn a marking-definition object from the bundle. Returns a warning for a TLP marking
    /// whose level is not one of TLP's.
    pub fn learn(&mut self, id: &str, obj: &Map<String, Value>) -> Option<String> {
        let level = tlp_level(obj)?;
        let lower = level.to_ascii_lowercase();
        if !LEVELS.contains(&lower.as_str()) {
            return Some(format!(
                "{id}: unknown TLP level {level:?}; marking ignored"
            ));
        }
        self.tlp.insert(id.to_ascii_lowercase(), lower);
        None
    }

    /// `tlp:<level>` tags for an object's `object_marking_refs`.
    pub fn tags(&self, obj: &Map<String, Value>) -> Vec<Tag> {
        let Some(refs) = obj.get("object_marking_refs").and_then(Value::as_array) else {
            return Vec::new();
        };
        let mut tags: Vec<Tag> = refs
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|r| self.tlp.get(&r.to_ascii_lowercase()))
            .map(|l| Tag::named(format!("tlp:{l}")))
            .collect();
        tags.dedup();
        tags
    }
}

/// The TLP level a marking-definition states, 1.0 or 2.0 style.
fn tlp_level(obj: &Map<String, Value>) -> Option<&str> {
    if obj.get("definition_type").and_then(Value::as_str) == Some("tlp") {
        return obj.get("definition")?.get("tlp")?.as_str();
    }
    obj.get("extensions")?
        .get(TLP2_EXTENSION)?
        .get("tlp_2_0")?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn known_ids_without_definitions() {
        let m = Markings::new();
        let o = obj(json!({"object_marking_refs": [
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            "MARKING-DEFINITION--613F2E26-407D-48C7-9ECA-B8E91DF99DC9",
            "marking-definition--00000000-0000-4000-8000-000000000000",
            42
        ]}));
        let names: Vec<String> = m.tags(&o).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["tlp:amber+strict", "tlp:white"]);
    }

    #[test]
    fn learns_bundle_definitions() {
        let mut m = Markings::new();
        let v1 = obj(json!({"definition_type": "tlp", "definition": {"tlp": "GREEN"}}));
        assert_eq!(
            m.learn(
                "marking-definition--aaaaaaaa-0000-4000-8000-000000000001",
                &v1
            ),
            None
        );
        let v2 = obj(
            json!({"extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "clear"}}}),
        );
        assert_eq!(
            m.learn(
                "marking-definition--aaaaaaaa-0000-4000-8000-000000000002",
                &v2
            ),
            None
        );
        let bad = obj(json!({"definition_type": "tlp", "definition": {"tlp": "purple"}}));
        assert!(
            m.learn(
                "marking-definition--aaaaaaaa-0000-4000-8000-000000000003",
                &bad
            )
            .is_some()
        );
        let statement =
            obj(json!({"definition_type": "statement", "definition": {"statement": "(c) X"}}));
        assert_eq!(
            m.learn(
                "marking-definition--aaaaaaaa-0000-4000-8000-000000000004",
                &statement
            ),
            None
        );
        let o = obj(json!({"object_marking_refs": [
            "marking-definition--aaaaaaaa-0000-4000-8000-000000000001",
            "marking-definition--aaaaaaaa-0000-4000-8000-000000000002",
            "marking-definition--aaaaaaaa-0000-4000-8000-000000000003",
            "marking-definition--aaaaaaaa-0000-4000-8000-000000000004"
        ]}));
        let names: Vec<String> = m.tags(&o).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["tlp:green", "tlp:clear"]);
    }
}

//! MISP feed directories: `manifest.json`, one `<uuid>.json` per event, optional
//! `hashes.csv` (reference/MISP.md §1.2).
//!
//! Events are loaded one at a time, so a feed is never held in memory whole.

use std::collections::HashSet;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use uuid::Uuid;

use super::ParseError;
use super::misp_event::de::{self as lenient, List, clip, path};
use super::misp_event::{self, RawOrg, RawTag};
use crate::model::{Org, ParsedEvent, Tag};

/// One event as the manifest describes it: enough to decide whether to fetch it
/// (`timestamp`) and to filter by tag or organisation without opening the event file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestEntry {
    pub uuid: Uuid,
    pub info: String,
    /// `YYYY-MM-DD` as written (empty when absent).
    pub date: String,
    /// Last modification (unix seconds); 0 when absent, though the RFC requires it.
    pub timestamp: i64,
    pub publish_timestamp: Option<i64>,
    pub analysis: Option<u8>,
    pub threat_level_id: Option<u8>,
    pub orgc: Option<Org>,
    pub tags: Vec<Tag>,
}

/// A feed directory whose manifest has been read.
#[derive(Debug, Clone)]
pub struct FeedDir {
    pub root: PathBuf,
    /// In manifest order.
    pub entries: Vec<ManifestEntry>,
    pub has_hashes_csv: bool,
}

/// Parse `manifest.json`: an object keyed by event UUID.
///
/// Keys become file names, so anything but a canonical UUID (36 characters) is rejected,
/// as is a key given twice.
pub fn parse_manifest(bytes: &[u8]) -> Result<Vec<ManifestEntry>, ParseError> {
    let text = super::decode_text(bytes)?;
    path::reset();
    serde_json::from_str::<Manifest>(text)
        .map(|m| m.0)
        .map_err(|e| misp_event::from_json(&e))
}

/// Read the manifest of a feed directory.
pub fn scan(dir: &Path) -> Result<FeedDir, ParseError> {
    if !dir.is_dir() {
        return Err(ParseError::new(format!(
            "{} is not a directory (a MISP feed is a directory with manifest.json)",
            dir.display()
        )));
    }
    let manifest = dir.join("manifest.json");
    let bytes = super::read_input(&manifest).map_err(|e| match e.kind() {
        ErrorKind::NotFound => ParseError::new(format!(
            "{} has no manifest.json: not a MISP feed directory",
            dir.display()
        )),
        _ => ParseError::new(format!("cannot read {}: {e}", manifest.display())),
    })?;
    let entries = parse_manifest(&bytes)?;
    Ok(FeedDir {
        root: dir.to_path_buf(),
        entries,
        has_hashes_csv: dir.join("hashes.csv").is_file(),
    })
}

/// The file holding a manifest entry's event: `<dir>/<uuid>.json`.
pub fn event_path(dir: &Path, entry: &ManifestEntry) -> PathBuf {
    dir.join(format!("{}.json", entry.uuid.hyphenated()))
}

/// Read and parse the event file of a manifest entry, which must hold exactly that event.
///
/// Parse errors are those of [`misp_event::parse`]; the caller names the file
/// ([`event_path`]).
pub fn load_event(dir: &Path, entry: &ManifestEntry) -> Result<ParsedEvent, ParseError> {
    let file = event_path(dir, entry);
    let name = format!("{}.json", entry.uuid.hyphenated());
    let bytes = super::read_input(&file).map_err(|e| match e.kind() {
        ErrorKind::NotFound => {
            ParseError::new(format!("{name} is listed in manifest.json but missing"))
        }
        _ => ParseError::new(format!("cannot read {}: {e}", file.display())),
    })?;
    let mut events = misp_event::parse(&bytes)?;
    match events.len() {
        1 if events[0].event.uuid == entry.uuid => Ok(events.remove(0)),
        1 => Err(ParseError::new(format!(
            "{name} holds event {}, not the one its name and the manifest give",
            events[0].event.uuid
        ))
        .with_field("Event.uuid")),
        n => Err(ParseError::new(format!(
            "{name} holds {n} events; a feed event file holds exactly one"
        ))),
    }
}

struct Manifest(Vec<ManifestEntry>);

impl<'de> Deserialize<'de> for Manifest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Manifest;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object keyed by event UUID")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Manifest, A::Error> {
                let mut out: Vec<ManifestEntry> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    let uuid = manifest_key(&key).map_err(de::Error::custom)?;
                    if !seen.insert(uuid) {
                        return Err(de::Error::custom(format!(
                            "event {uuid} is listed twice in the manifest"
                        )));
                    }
                    path::push(path::Seg::Entry(key));
                    let raw: RawEntry = map.next_value()?;
                    path::pop();
                    out.push(raw.into_entry(uuid));
                }
                Ok(Manifest(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A manifest key as an event UUID. Only the canonical 8-4-4-4-12 form is accepted: it is
/// what MISP writes, and it makes a safe file name.
fn manifest_key(key: &str) -> Result<Uuid, String> {
    match Uuid::try_parse(key) {
        Ok(uuid) if key.len() == 36 => Ok(uuid),
        _ => Err(format!("manifest key {:?} is not an event UUID", clip(key))),
    }
}

#[derive(Deserialize)]
struct RawEntry {
    #[serde(default, deserialize_with = "lenient::string")]
    info: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    publish_timestamp: Option<i64>,
    #[serde(default, deserialize_with = "lenient::small")]
    analysis: Option<u8>,
    #[serde(default, deserialize_with = "lenient::small")]
    threat_level_id: Option<u8>,
    // MISP accepts the lowercase spelling too (`Feed::__filterEventsIndex`).
    #[serde(rename = "Orgc", alias = "orgc", default)]
    orgc: Option<RawOrg>,
    #[serde(rename = "Tag", default)]
    tags: List<RawTag>,
}

impl RawEntry {
    fn into_entry(self, uuid: Uuid) -> ManifestEntry {
        let mut tags: Vec<Tag> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for t in self.tags.0 {
            let t = t.into_tag();
            if seen.insert(t.name.clone()) {
                tags.push(t);
            }
        }
        ManifestEntry {
            uuid,
            info: self.info.unwrap_or_default(),
            date: self.date.unwrap_or_default(),
            timestamp: self.timestamp.unwrap_or(0),
            publish_timestamp: self.publish_timestamp,
            analysis: self.analysis,
            threat_level_id: self.threat_level_id,
            orgc: self.orgc.and_then(RawOrg::into_org),
            tags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E1: &str = "5eeb348a-cb74-40eb-9678-7c1d0aba047c";
    const E2: &str = "11111111-2222-4333-8444-555555555555";

    fn manifest() -> String {
        format!(
            r##"{{"{E1}": {{"Orgc": {{"name": "CERT-FR", "uuid": "56bdf779-46f8-4353-bdf9-2bb95bce2212"}},
                "Tag": [{{"colour": "#ffffff", "name": "tlp:clear", "relationship_type": ""}}],
                "info": "first", "date": "2022-03-02", "analysis": 0, "threat_level_id": 4,
                "timestamp": 1671006635}},
              "{E2}": {{"orgc": {{"id": "1", "name": "ORGNAME"}}, "info": "second",
                "analysis": "2", "timestamp": "1472638251", "publish_timestamp": "1472638300"}}}}"##
        )
    }

    fn event(uuid: &str) -> String {
        format!(
            r#"{{"Event": {{"uuid": "{uuid}", "info": "x", "Attribute": [{{"type": "ip-dst", "value": "1.2.3.4"}}]}}}}"#
        )
    }

    #[test]
    fn parses_manifest_with_int_and_string_numbers() {
        let entries = parse_manifest(manifest().as_bytes()).unwrap();
        assert_eq!(entries.len(), 2);
        let (a, b) = (&entries[0], &entries[1]);
        assert_eq!(a.uuid, Uuid::parse_str(E1).unwrap());
        assert_eq!(
            (a.info.as_str(), a.date.as_str(), a.timestamp),
            ("first", "2022-03-02", 1671006635)
        );
        assert_eq!((a.analysis, a.threat_level_id), (Some(0), Some(4)));
        assert_eq!(a.orgc.as_ref().unwrap().name, "CERT-FR");
        assert_eq!(a.tags[0].name, "tlp:clear");
        assert_eq!(
            (b.timestamp, b.publish_timestamp, b.analysis),
            (1472638251, Some(1472638300), Some(2))
        );
        assert_eq!(b.orgc.as_ref().map(|o| o.name.as_str()), Some("ORGNAME"));
        assert!(b.tags.is_empty());
        assert!(parse_manifest(b"{}").unwrap().is_empty());
    }

    #[test]
    fn rejects_keys_that_are_not_uuids() {
        for key in [
            "../../etc/passwd",
            "{5eeb348a-cb74-40eb-9678-7c1d0aba047c}",
            "5eeb348acb7440eb96787c1d0aba047c",
            "",
        ] {
            let json =
                format!("{{\"{E1}\": {{\"timestamp\": 1}},\n\"{key}\": {{\"timestamp\": 1}}}}");
            let e = parse_manifest(json.as_bytes()).unwrap_err();
            assert_eq!(e.line, Some(2), "{key}: {e}");
            assert!(e.message.contains("not an event UUID"), "{e}");
        }
        let e =
            parse_manifest(format!("{{\"{E1}\": {{}}, \"{E1}\": {{}}}}").as_bytes()).unwrap_err();
        assert!(e.message.contains("twice"), "{e}");
        let e = parse_manifest(b"[]").unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn truncated_or_wrong_manifest_gives_line_and_entry() {
        let full = manifest();
        let cut = &full[..full.find("\"info\": \"second\"").unwrap()];
        let e = parse_manifest(cut.as_bytes()).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.contains("EOF"), "{e}");
        let e = parse_manifest(format!("{{\"{E1}\": {{\n\"timestamp\": \"soon\"}}}}").as_bytes())
            .unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some(E1)), "{e}");
        let e =
            parse_manifest(format!("{{\"{E1}\": {{\"Tag\": [{{}}]}}}}").as_bytes()).unwrap_err();
        assert_eq!(e.field, Some(format!("{E1}.Tag[0].name")), "{e}");
    }

    #[test]
    fn feed_dir_in_a_tempdir() {
        let dir = tempfile::tempdir().unwrap();
        let e = scan(dir.path()).unwrap_err();
        assert!(e.message.contains("no manifest.json"), "{e}");
        assert!(scan(&dir.path().join("nope")).is_err());

        std::fs::write(dir.path().join("manifest.json"), manifest()).unwrap();
        std::fs::write(dir.path().join(format!("{E1}.json")), event(E1)).unwrap();
        // E2's file holds another event.
        std::fs::write(dir.path().join(format!("{E2}.json")), event(E1)).unwrap();
        let feed = scan(dir.path()).unwrap();
        assert_eq!((feed.entries.len(), feed.has_hashes_csv), (2, false));
        assert_eq!(feed.root, dir.path());

        let ev = load_event(dir.path(), &feed.entries[0]).unwrap();
        assert_eq!(ev.event.uuid, feed.entries[0].uuid);
        assert_eq!(ev.attributes.len(), 1);

        let e = load_event(dir.path(), &feed.entries[1]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("Event.uuid"), "{e}");
        assert!(e.message.contains("not the one"), "{e}");

        let two = format!("[{}, {}]", event(E2), event(E1));
        std::fs::write(dir.path().join(format!("{E2}.json")), two).unwrap();
        let e = load_event(dir.path(), &feed.entries[1]).unwrap_err();
        assert!(e.message.contains("holds 2 events"), "{e}");

        std::fs::remove_file(dir.path().join(format!("{E2}.json"))).unwrap();
        let e = load_event(dir.path(), &feed.entries[1]).unwrap_err();
        assert!(e.message.contains("missing"), "{e}");

        std::fs::write(dir.path().join("hashes.csv"), "").unwrap();
        assert!(scan(dir.path()).unwrap().has_hashes_csv);
    }

    /// The ANSSI feed of the corpus scans and every event loads.
    #[test]
    fn corpus_anssi_feed_loads() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/misp-feed-anssi");
        if !dir.is_dir() {
            eprintln!("corpus absent, skipped");
            return;
        }
        let feed = scan(&dir).unwrap();
        assert_eq!(feed.entries.len(), 13);
        assert!(feed.has_hashes_csv);
        let (mut attrs, mut in_objects, mut objects, mut refs) = (0, 0, 0, 0);
        for entry in &feed.entries {
            let ev = load_event(&dir, entry).unwrap_or_else(|e| panic!("{}: {e}", entry.uuid));
            assert_eq!(ev.event.timestamp, entry.timestamp, "{}", entry.uuid);
            attrs += ev.attributes.len();
            in_objects += ev
                .attributes
                .iter()
                .filter(|a| a.object_uuid.is_some())
                .count();
            objects += ev.objects.len();
            refs += ev.references.len();
        }
        eprintln!(
            "ANSSI: {attrs} attributes ({in_objects} in {objects} objects), {refs} references"
        );
        // 1549 event-level attributes per the corpus MANIFEST.md, plus those in objects.
        assert_eq!((attrs, in_objects, objects, refs), (1913, 364, 90, 0));
    }

    /// 200,000 manifest tags, 1,000 distinct: kept once each, first one wins, in order.
    #[test]
    fn many_duplicate_manifest_tags_are_kept_once() {
        let tags: Vec<String> = (0..200_000)
            .map(|i| format!(r##"{{"name": "t{}", "colour": "#{:06}"}}"##, i % 1000, i))
            .collect();
        let doc = format!(
            r#"{{"{E1}": {{"info": "x", "Tag": [{}]}}}}"#,
            tags.join(",")
        );
        let entries = parse_manifest(doc.as_bytes()).unwrap();
        let tags = &entries[0].tags;
        assert_eq!(tags.len(), 1000);
        assert_eq!(tags[42].name, "t42");
        assert_eq!(tags[42].colour.as_deref(), Some("#000042"));
        assert!(
            tags.iter()
                .enumerate()
                .all(|(i, t)| t.name == format!("t{i}"))
        );
    }
}

//! MISP event JSON as written (serde structs), and its conversion to the model.

use std::collections::HashSet;

use serde::Deserialize;
use uuid::Uuid;

use super::de::{self, Item, List};
use crate::model::time::{format_date, parse_date, parse_rfc3339};
use crate::model::types::type_info;
use crate::model::{Attribute, Event, Object, ObjectReference, Org, ParsedEvent, Tag};

/// MISP's "inherit from the event" distribution, the default below the event.
const INHERIT: u8 = 5;

/// An event object, or a wrapper holding events (`{"Event": ...}`, `{"response": ...}`):
/// one struct for both, so that any object in the document parses in one pass.
#[derive(Deserialize, Default)]
pub(crate) struct RawEvent {
    #[serde(default, deserialize_with = "de::event_uuid")]
    uuid: Option<Uuid>,
    #[serde(default, deserialize_with = "de::string")]
    info: Option<String>,
    #[serde(default, deserialize_with = "de::string")]
    date: Option<String>,
    #[serde(default, deserialize_with = "de::int")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::int")]
    publish_timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::boolean")]
    published: Option<bool>,
    #[serde(default, deserialize_with = "de::small")]
    analysis: Option<u8>,
    #[serde(default, deserialize_with = "de::small")]
    threat_level_id: Option<u8>,
    #[serde(default, deserialize_with = "de::small")]
    distribution: Option<u8>,
    #[serde(rename = "Orgc", default)]
    orgc: Option<RawOrg>,
    #[serde(rename = "Tag", default)]
    tags: List<RawTag>,
    #[serde(rename = "Galaxy", default)]
    galaxies: List<RawGalaxy>,
    #[serde(default, deserialize_with = "de::lenient_uuid")]
    extends_uuid: Option<Uuid>,
    /// MISP: none of the event's attributes correlate.
    #[serde(default, deserialize_with = "de::boolean")]
    disable_correlation: Option<bool>,
    #[serde(rename = "Attribute", default)]
    attributes: Option<List<RawAttribute>>,
    #[serde(rename = "Object", default)]
    objects: Option<List<RawObject>>,
    /// Set when this object is a `{"Event": ...}` wrapper.
    #[serde(rename = "Event", default)]
    pub(crate) wrapped: Option<super::Wrapped>,
    /// Set when this object is a `{"response": ...}` wrapper.
    #[serde(default)]
    pub(crate) response: Option<super::Response>,
}

#[derive(Deserialize)]
pub(crate) struct RawOrg {
    #[serde(default, deserialize_with = "de::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de::lenient_uuid")]
    uuid: Option<Uuid>,
}

impl RawOrg {
    pub(crate) fn into_org(self) -> Option<Org> {
        if self.name.is_none() && self.uuid.is_none() {
            return None;
        }
        Some(Org {
            name: self.name.unwrap_or_default(),
            uuid: self.uuid,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct RawTag {
    #[serde(default, deserialize_with = "de::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de::string")]
    colour: Option<String>,
    #[serde(default, deserialize_with = "de::boolean")]
    local: Option<bool>,
}

impl Item for RawTag {
    const NAME: &'static str = "Tag";
    fn missing(&self) -> Option<&'static str> {
        blank(&self.name).then_some("name")
    }
}

impl RawTag {
    pub(crate) fn into_tag(self) -> Tag {
        Tag {
            name: self.name.unwrap_or_default(),
            colour: self.colour.filter(|c| !c.is_empty()),
            local: self.local.unwrap_or(false),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct RawGalaxy {
    #[serde(rename = "type", default, deserialize_with = "de::string")]
    type_: Option<String>,
    #[serde(rename = "GalaxyCluster", default)]
    clusters: List<RawCluster>,
}

impl Item for RawGalaxy {
    const NAME: &'static str = "Galaxy";
    fn missing(&self) -> Option<&'static str> {
        None
    }
}

#[derive(Deserialize)]
pub(crate) struct RawCluster {
    #[serde(default, deserialize_with = "de::string")]
    tag_name: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "de::string")]
    type_: Option<String>,
    #[serde(default, deserialize_with = "de::string")]
    value: Option<String>,
}

impl Item for RawCluster {
    const NAME: &'static str = "GalaxyCluster";
    fn missing(&self) -> Option<&'static str> {
        None
    }
}

#[derive(Deserialize)]
pub(crate) struct RawAttribute {
    #[serde(default, deserialize_with = "de::lenient_uuid")]
    uuid: Option<Uuid>,
    #[serde(rename = "type", default, deserialize_with = "de::string")]
    type_: Option<String>,
    #[serde(default, deserialize_with = "de::string")]
    category: Option<String>,
    #[serde(default, deserialize_with = "de::value")]
    value: Option<String>,
    #[serde(default, deserialize_with = "de::string")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de::boolean")]
    to_ids: Option<bool>,
    #[serde(default, deserialize_with = "de::int")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::small")]
    distribution: Option<u8>,
    #[serde(default, deserialize_with = "de::boolean")]
    deleted: Option<bool>,
    #[serde(default, deserialize_with = "de::boolean")]
    disable_correlation: Option<bool>,
    #[serde(default, deserialize_with = "de::micros")]
    first_seen: Option<i64>,
    #[serde(default, deserialize_with = "de::micros")]
    last_seen: Option<i64>,
    #[serde(default, deserialize_with = "de::string")]
    object_relation: Option<String>,
    #[serde(rename = "Tag", default)]
    tags: List<RawTag>,
    #[serde(rename = "Galaxy", default)]
    galaxies: List<RawGalaxy>,
}

impl Item for RawAttribute {
    const NAME: &'static str = "Attribute";
    fn missing(&self) -> Option<&'static str> {
        if blank(&self.type_) {
            Some("type")
        } else if self.value.is_none() {
            Some("value")
        } else {
            None
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct RawObject {
    #[serde(default, deserialize_with = "de::lenient_uuid")]
    uuid: Option<Uuid>,
    #[serde(default, deserialize_with = "de::string")]
    name: Option<String>,
    #[serde(rename = "meta-category", default, deserialize_with = "de::string")]
    meta_category: Option<String>,
    #[serde(default, deserialize_with = "de::string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de::lenient_uuid")]
    template_uuid: Option<Uuid>,
    #[serde(default, deserialize_with = "de::string")]
    template_version: Option<String>,
    #[serde(default, deserialize_with = "de::int")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::string")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de::boolean")]
    deleted: Option<bool>,
    #[serde(default, deserialize_with = "de::micros")]
    first_seen: Option<i64>,
    #[serde(default, deserialize_with = "de::micros")]
    last_seen: Option<i64>,
    #[serde(rename = "Attribute", default)]
    attributes: List<RawAttribute>,
    #[serde(rename = "ObjectReference", default)]
    references: List<RawReference>,
}

impl Item for RawObject {
    const NAME: &'static str = "Object";
    fn missing(&self) -> Option<&'static str> {
        None
    }
}

#[derive(Deserialize)]
pub(crate) struct RawReference {
    #[serde(default, deserialize_with = "de::lenient_uuid")]
    uuid: Option<Uuid>,
    #[serde(default, deserialize_with = "de::int")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::referenced_uuid")]
    referenced_uuid: Option<Uuid>,
    #[serde(default, deserialize_with = "de::string")]
    relationship_type: Option<String>,
    #[serde(default, deserialize_with = "de::string")]
    comment: Option<String>,
}

impl Item for RawReference {
    const NAME: &'static str = "ObjectReference";
    fn missing(&self) -> Option<&'static str> {
        self.referenced_uuid.is_none().then_some("referenced_uuid")
    }
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Why a bare object is not an event: the field to blame and the message.
pub(crate) type NotAnEvent = (&'static str, &'static str);

impl RawEvent {
    pub(crate) fn is_wrapper(&self) -> bool {
        self.wrapped.is_some() || self.response.is_some()
    }

    /// Convert a bare event (not a wrapper).
    pub(crate) fn into_event(self) -> Result<ParsedEvent, NotAnEvent> {
        if self.info.is_none() && self.attributes.is_none() && self.objects.is_none() {
            return Err((
                "info",
                "not a MISP event: expected `Event`, `response`, or event fields (`info`, `Attribute`, `Object`)",
            ));
        }
        // MISP gives an event without a uuid a new one. A random one would make every
        // re-import a new event, so it is derived from the content after the build below.
        let given_uuid = self.uuid;
        let timestamp = self.timestamp.unwrap_or(0);
        let date = self
            .date
            .as_deref()
            .and_then(|d| parse_date(d).or_else(|| parse_rfc3339(d)))
            .map_or_else(|| format_date(timestamp), format_date);
        let mut tags = Vec::new();
        add_tags(&mut tags, self.tags, self.galaxies);
        let event = Event {
            uuid: given_uuid.unwrap_or_default(),
            info: self.info.unwrap_or_default(),
            date,
            timestamp,
            publish_timestamp: self.publish_timestamp.unwrap_or(0),
            published: self.published.unwrap_or(false),
            analysis: self.analysis.unwrap_or(0),
            threat_level_id: self.threat_level_id.unwrap_or(4),
            // Absent in feeds (PyMISP drops it); the most restrictive level until the
            // importer applies the feed's own distribution.
            distribution: self.distribution.unwrap_or(0),
            orgc: self.orgc.and_then(RawOrg::into_org),
            tags,
            extends_uuid: self.extends_uuid,
        };
        let mut out = ParsedEvent {
            event,
            ..ParsedEvent::default()
        };
        for a in self.attributes.unwrap_or_default().0 {
            out.attributes.push(a.into_attribute(timestamp, None));
        }
        if given_uuid.is_none() {
            out.event.uuid = content_uuid(&out);
        }
        for (i, o) in self.objects.unwrap_or_default().0.into_iter().enumerate() {
            o.push_into(&mut out, i, timestamp);
        }
        if self.disable_correlation == Some(true) {
            out.attributes
                .iter_mut()
                .for_each(|a| a.disable_correlation = true);
        }
        Ok(out)
    }
}

impl RawAttribute {
    /// `default_ts` stands in for a missing timestamp: the enclosing object's or event's.
    fn into_attribute(self, default_ts: i64, object_uuid: Option<Uuid>) -> Attribute {
        let type_ = self.type_.unwrap_or_default();
        let info = type_info(&type_);
        let category = match self.category.filter(|c| !c.trim().is_empty()) {
            Some(c) => c,
            None => info.map_or("Other", |i| i.default_category).to_string(),
        };
        let mut tags = Vec::new();
        add_tags(&mut tags, self.tags, self.galaxies);
        Attribute {
            uuid: self.uuid,
            category,
            value: self.value.unwrap_or_default(),
            original: None,
            to_ids: self
                .to_ids
                .unwrap_or_else(|| info.is_some_and(|i| i.to_ids)),
            comment: self.comment.unwrap_or_default(),
            timestamp: self.timestamp.unwrap_or(default_ts),
            distribution: self.distribution.unwrap_or(INHERIT),
            deleted: self.deleted.unwrap_or(false),
            disable_correlation: self.disable_correlation.unwrap_or(false),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            object_relation: object_uuid.and(self.object_relation),
            object_uuid,
            tags,
            type_,
        }
    }
}

impl RawObject {
    /// Add this object, its attributes and its references to `out`. `index` is the
    /// object's position in the event, used to derive a stable UUID when it has none.
    fn push_into(self, out: &mut ParsedEvent, index: usize, event_ts: i64) {
        let uuid = self.uuid.unwrap_or_else(|| {
            Uuid::new_v5(&out.event.uuid, format!("Object[{index}]").as_bytes())
        });
        let timestamp = self.timestamp.unwrap_or(event_ts);
        for a in self.attributes.0 {
            out.attributes.push(a.into_attribute(timestamp, Some(uuid)));
        }
        for r in self.references.0 {
            // Checked by `RawReference::missing` while parsing.
            let Some(referenced_uuid) = r.referenced_uuid else {
                continue;
            };
            out.references.push(ObjectReference {
                uuid: r.uuid,
                timestamp: r.timestamp.unwrap_or(timestamp),
                object_uuid: uuid,
                referenced_uuid,
                relationship_type: r.relationship_type.unwrap_or_default(),
                comment: r.comment.unwrap_or_default(),
            });
        }
        out.objects.push(Object {
            uuid,
            name: self.name.unwrap_or_default(),
            meta_category: self.meta_category.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            template_uuid: self.template_uuid,
            template_version: self.template_version.unwrap_or_default(),
            timestamp,
            comment: self.comment.unwrap_or_default(),
            deleted: self.deleted.unwrap_or(false),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
        });
    }
}

/// Tags, then the galaxy clusters as tags; a name already present is not repeated (MISP
/// exports a cluster both in `Galaxy` and as a tag).
pub(crate) fn add_tags(out: &mut Vec<Tag>, tags: List<RawTag>, galaxies: List<RawGalaxy>) {
    // A set of the names so far: a list of many tags is not scanned once per tag.
    let mut seen: HashSet<String> = out.iter().map(|t| t.name.clone()).collect();
    let mut push = |tag: Tag| {
        if seen.insert(tag.name.clone()) {
            out.push(tag);
        }
    };
    for t in tags.0 {
        push(t.into_tag());
    }
    for g in galaxies.0 {
        for c in g.clusters.0 {
            let name = match (c.tag_name.filter(|n| !n.trim().is_empty()), c.value) {
                (Some(name), _) => name,
                (None, Some(value)) => match c.type_.as_deref().or(g.type_.as_deref()) {
                    Some(ty) => format!("misp-galaxy:{ty}=\"{value}\""),
                    None => continue,
                },
                (None, None) => continue,
            };
            push(Tag::named(name));
        }
    }
}

/// A stable uuid for an event that came without one: UUIDv5 over its header and attributes.
fn content_uuid(pe: &ParsedEvent) -> Uuid {
    const NS: Uuid = Uuid::from_u128(0x3b0e_8f6c_2d4a_4c1e_8f7b_6d69_7370_6576);
    let mut text = format!(
        "{}\n{}\n{}\n",
        pe.event.info, pe.event.date, pe.event.timestamp
    );
    for a in &pe.attributes {
        text.push_str(&a.type_);
        text.push('|');
        text.push_str(&a.value);
        text.push('\n');
    }
    Uuid::new_v5(&NS, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    /// 200,000 tags on one attribute, 1,000 distinct: kept once each, first one wins, in order.
    #[test]
    fn many_duplicate_tags_are_kept_once() {
        let mut tags = String::new();
        for i in 0..200_000 {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(
                tags,
                r##"{sep}{{"name": "t{}", "colour": "#{:06}"}}"##,
                i % 1000,
                i
            );
        }
        let doc = format!(
            r#"{{"Event": {{"uuid": "5eeb348a-cb74-40eb-9678-7c1d0aba047c", "info": "x", "Tag": [{tags}],
                "Attribute": [{{"type": "ip-dst", "value": "1.2.3.4", "Tag": [{tags}],
                    "Galaxy": [{{"type": "g", "GalaxyCluster": [{{"tag_name": "t7"}}, {{"value": "v"}}]}}]}}]}}}}"#
        );
        let events = match super::super::parse(doc.as_bytes()) {
            Ok(e) => e,
            Err(e) => panic!("parse failed: {e}"),
        };
        let event_tags = &events[0].event.tags;
        assert_eq!(event_tags.len(), 1000);
        let tags = &events[0].attributes[0].tags;
        assert_eq!(tags.len(), 1001);
        assert_eq!(tags[7].name, "t7");
        assert_eq!(tags[7].colour.as_deref(), Some("#000007"));
        assert_eq!(tags[1000].name, "misp-galaxy:g=\"v\"");
        assert!(
            tags[..1000]
                .iter()
                .enumerate()
                .all(|(i, t)| t.name == format!("t{i}"))
        );
    }
}

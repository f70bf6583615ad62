//! MISP event JSON (MISP core format, reference/MISP.md §1.2 and §3).
//!
//! Accepts every shape MISP and PyMISP write: `{"Event": {...}}`, a `{"response": [...]}`
//! (or single-object) REST answer, a list of either, and a bare event object. Values are
//! kept as written; normalising them is the pipeline's job.

pub(crate) mod de;
mod raw;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};

use super::ParseError;
use crate::model::ParsedEvent;
use de::path::{self, Seg};
use raw::RawEvent;

pub(crate) use raw::{RawOrg, RawTag};

/// Parse a MISP event document into its events, in document order.
///
/// Errors carry the line, and the field path where one applies
/// (`Event.Attribute[3].value`).
pub fn parse(bytes: &[u8]) -> Result<Vec<ParsedEvent>, ParseError> {
    let text = super::decode_text(bytes)?;
    path::reset();
    match serde_json::from_str::<Doc>(text) {
        Ok(doc) => Ok(doc.0),
        Err(e) => Err(from_json(&e)),
    }
}

/// A serde_json error as a [`ParseError`], with the path left by the containers. Also used
/// by the feed manifest parser, which shares the path stack.
pub(crate) fn from_json(e: &serde_json::Error) -> ParseError {
    let field = path::take();
    let mut err = match e.classify() {
        // A well-formed document that is not what we expect: not "invalid JSON".
        serde_json::error::Category::Data => {
            let msg = e.to_string();
            let message = match msg.rfind(" at line ") {
                Some(i) => msg[..i].to_string(),
                None => msg,
            };
            ParseError {
                line: (e.line() > 0).then_some(e.line() as u64),
                field: None,
                message,
            }
        }
        _ => ParseError::json(e),
    };
    err.field = field;
    err
}

/// The whole document: one object, or a list of objects.
struct Doc(Vec<ParsedEvent>);

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Doc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a MISP event object or a list of events")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Doc, A::Error> {
                NodeVisitor.visit_map(map).map(|n| Doc(n.0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Doc, A::Error> {
                nodes_in_seq(seq, Seg::Index).map(Doc)
            }
        }
        d.deserialize_any(V)
    }
}

/// The events of a list, each element a wrapper or a bare event.
fn nodes_in_seq<'de, A: SeqAccess<'de>>(
    mut seq: A,
    seg: impl Fn(usize) -> Seg,
) -> Result<Vec<ParsedEvent>, A::Error> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        path::push(seg(i));
        let Some(node) = seq.next_element::<Node>()? else {
            path::pop();
            return Ok(out);
        };
        path::pop();
        out.extend(node.0);
        i += 1;
    }
}

/// One object of the document, as the events it holds. A wrapper already holds its events;
/// a bare event is checked and converted inside its own object, so that an error names the
/// line of its closing brace.
struct Node(Vec<ParsedEvent>);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a MISP event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Node, A::Error> {
        let node = RawEvent::deserialize(MapAccessDeserializer::new(map))?;
        if node.is_wrapper() {
            let mut out = node.wrapped.map(|w| w.0).unwrap_or_default();
            out.extend(node.response.map(|r| r.0).unwrap_or_default());
            return Ok(Node(out));
        }
        match node.into_event() {
            Ok(ev) => Ok(Node(vec![ev])),
            Err((field, msg)) => {
                path::set_leaf(field);
                Err(serde::de::Error::custom(msg))
            }
        }
    }
}

/// The value of an `Event` key.
pub(crate) struct Wrapped(Vec<ParsedEvent>);

/// Real documents nest at most `response` > `Event`; a deeper tower of wrappers is hostile
/// input, and each level costs a large stack frame.
const MAX_WRAPPERS: usize = 4;

fn too_deep<E: serde::de::Error>() -> Result<(), E> {
    if path::wrapper_depth() >= MAX_WRAPPERS {
        return Err(E::custom("`Event`/`response` wrappers nested too deep"));
    }
    Ok(())
}

impl<'de> Deserialize<'de> for Wrapped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        too_deep()?;
        path::push(Seg::Key("Event"));
        let node = Node::deserialize(d)?;
        path::pop();
        Ok(Wrapped(node.0))
    }
}

/// The value of a `response` key: a list, or a single object.
pub(crate) struct Response(Vec<ParsedEvent>);

impl<'de> Deserialize<'de> for Response {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Response;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of events or an event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Response, A::Error> {
                too_deep()?;
                path::push(Seg::Key("response"));
                let node = NodeVisitor.visit_map(map)?;
                path::pop();
                Ok(Response(node.0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Response, A::Error> {
                too_deep()?;
                nodes_in_seq(seq, |i| Seg::Item("response", i)).map(Response)
            }
        }
        d.deserialize_any(V)
    }
}

//! Lenient field deserializers for MISP JSON, and the path of the element being parsed.
//!
//! MISP and its tools write numbers as ints or strings and booleans as `true`, `1` or `"1"`;
//! these helpers accept all of them. They run inside serde_json, so any error they raise
//! keeps serde_json's line number.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use uuid::Uuid;

use crate::model::time::parse_rfc3339_micros;

/// Longest attribute value accepted; longer ones are almost always a mis-exported blob.
pub(crate) const MAX_VALUE_BYTES: usize = 1 << 20;

/// Where in the document the parser is, so that errors can name a field path
/// (`Event.Attribute[3].value`).
///
/// serde derive cannot hand context down to nested fields, and rebuilding serde_json's
/// errors to prefix a path would lose their exact position; so the containers push and pop
/// segments on a thread-local stack and leave it in place when an error unwinds.
pub(crate) mod path {
    use super::RefCell;

    #[derive(Debug, Clone)]
    pub(crate) enum Seg {
        /// An item of a top-level list.
        Index(usize),
        /// An object-valued key (`Event`, `response`).
        Key(&'static str),
        /// An item of a named list (`Attribute[3]`, `response[0]`).
        Item(&'static str, usize),
        /// A manifest entry, by its key.
        Entry(String),
    }

    #[derive(Default)]
    struct State {
        segs: Vec<Seg>,
        leaf: Option<&'static str>,
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::new(State::default());
    }

    pub(crate) fn reset() {
        STATE.with(|s| *s.borrow_mut() = State::default());
    }

    pub(crate) fn push(seg: Seg) {
        STATE.with(|s| s.borrow_mut().segs.push(seg));
    }

    /// How many wrapper levels (`Event`, `response`) enclose the current element.
    pub(crate) fn wrapper_depth() -> usize {
        STATE.with(|s| {
            s.borrow()
                .segs
                .iter()
                .filter(|g| matches!(g, Seg::Key("Event" | "response") | Seg::Item("response", _)))
                .count()
        })
    }

    /// Called only after the pushed element parsed; on error the stack is left as it is.
    pub(crate) fn pop() {
        STATE.with(|s| {
            s.borrow_mut().segs.pop();
        });
    }

    /// Name the field an error is about, below the current element.
    pub(crate) fn set_leaf(name: &'static str) {
        STATE.with(|s| s.borrow_mut().leaf = Some(name));
    }

    /// Whether a segment holds events (so what follows it is inside an `Event`).
    fn holds_events(seg: Option<&Seg>) -> bool {
        matches!(
            seg,
            None | Some(Seg::Index(_))
                | Some(Seg::Key("response"))
                | Some(Seg::Item("response", _))
        )
    }

    /// The path of the failed element, if any. A bare event is named `Event`, as if it had
    /// been wrapped, so that paths read the same for every input shape.
    pub(crate) fn take() -> Option<String> {
        let state = STATE.with(|s| std::mem::take(&mut *s.borrow_mut()));
        let mut parts: Vec<String> = Vec::new();
        let mut prev: Option<&Seg> = None;
        for seg in &state.segs {
            let container = matches!(seg, Seg::Index(_) | Seg::Key(_) | Seg::Item("response", _));
            if !container && holds_events(prev) && !matches!(seg, Seg::Entry(_)) {
                parts.push("Event".into());
            }
            parts.push(match seg {
                Seg::Index(i) => format!("[{i}]"),
                Seg::Key(k) => (*k).to_string(),
                Seg::Item(k, i) => format!("{k}[{i}]"),
                Seg::Entry(k) => k.clone(),
            });
            prev = Some(seg);
        }
        if let Some(leaf) = state.leaf {
            if holds_events(prev) {
                parts.push("Event".into());
            }
            parts.push(leaf.to_string());
        }
        (!parts.is_empty()).then(|| parts.join("."))
    }
}

/// One element type of a MISP JSON list: its key (for paths) and its required fields.
pub(crate) trait Item: DeserializeOwned {
    const NAME: &'static str;
    /// The first required field that is missing, if any.
    fn missing(&self) -> Option<&'static str>;
}

/// A MISP JSON list (`Attribute`, `Tag`, ...): `null` reads as empty, and each element is
/// checked for its required fields.
pub(crate) struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Item> serde::Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Item> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a list of {}", T::NAME)
            }
            fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<List<T>, D::Error> {
                d.deserialize_seq(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                loop {
                    path::push(path::Seg::Item(T::NAME, out.len()));
                    let Some(Checked(item)) = seq.next_element::<Checked<T>>()? else {
                        path::pop();
                        return Ok(List(out));
                    };
                    path::pop();
                    out.push(item);
                }
            }
        }
        d.deserialize_option(V(PhantomData))
    }
}

/// One list element, checked inside its own object so that an error names the line of the
/// element's closing brace rather than the end of the list.
struct Checked<T>(T);

impl<'de, T: Item> serde::Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Item> Visitor<'de> for V<T> {
            type Value = Checked<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "an {} object", T::NAME)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Checked<T>, A::Error> {
                let item = T::deserialize(MapAccessDeserializer::new(map))?;
                match item.missing() {
                    None => Ok(Checked(item)),
                    Some(field) => {
                        path::set_leaf(field);
                        Err(de::Error::custom(format!(
                            "missing required field `{field}`"
                        )))
                    }
                }
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

macro_rules! null_is_none {
    () => {
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    };
}

/// An integer written as a number or a string; `null` and `""` are absent.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer or a string holding one")
        }
        null_is_none!();
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format!("integer {v} is out of range")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // Some exporters write `1472638251.0`; accept whole numbers only.
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(Some(v as i64))
            } else {
                Err(E::custom(format!("expected an integer, found {v}")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<i64>()
                .map(Some)
                .map_err(|_| E::custom(format!("expected an integer, found {:?}", clip(v))))
        }
    }
    d.deserialize_any(V)
}

/// A small enumeration (`analysis`, `distribution`, ...) as an int or a string.
pub(crate) fn small<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    match int(d)? {
        None => Ok(None),
        Some(v) => u8::try_from(v)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{v} is out of range (0..255)"))),
    }
}

/// A boolean written as `true`/`false`, `0`/`1`, or those in a string.
pub(crate) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean, 0 or 1")
        }
        null_is_none!();
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(E::custom(format!("expected a boolean, found {v}"))),
            }
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim() {
                "" => Ok(None),
                "0" | "false" => Ok(Some(false)),
                "1" | "true" => Ok(Some(true)),
                _ => Err(E::custom(format!(
                    "expected a boolean, found {:?}",
                    clip(v)
                ))),
            }
        }
    }
    d.deserialize_any(V)
}

/// Text, also accepting a number (turned to its decimal form).
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text { limit: None })
}

/// An attribute value: text or a number, at most [`MAX_VALUE_BYTES`].
pub(crate) fn value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text {
        limit: Some(MAX_VALUE_BYTES),
    })
}

struct Text {
    limit: Option<usize>,
}

impl Visitor<'_> for Text {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a number")
    }
    null_is_none!();
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.visit_string(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        match self.limit {
            Some(limit) if v.len() > limit => {
                path::set_leaf("value");
                Err(E::custom(format!(
                    "attribute value is {} bytes, over the {} MiB limit",
                    v.len(),
                    limit >> 20
                )))
            }
            _ => Ok(Some(v)),
        }
    }
}

/// A UUID that may be absent or malformed: both read as `None`.
pub(crate) fn lenient_uuid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    Ok(string(d)?.and_then(|s| Uuid::try_parse(s.trim()).ok()))
}

/// The event's own UUID: absent is checked later; present but malformed is an error here,
/// where the line is known.
pub(crate) fn event_uuid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    strict_uuid(d, "uuid")
}

/// The target of an object reference; without it the reference means nothing.
pub(crate) fn referenced_uuid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    strict_uuid(d, "referenced_uuid")
}

fn strict_uuid<'de, D: Deserializer<'de>>(
    d: D,
    field: &'static str,
) -> Result<Option<Uuid>, D::Error> {
    match string(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => Uuid::try_parse(s.trim()).map(Some).map_err(|_| {
            path::set_leaf(field);
            de::Error::custom(format!("not a UUID: {:?}", clip(&s)))
        }),
    }
}

/// `first_seen`/`last_seen`: an ISO 8601 string or microseconds since the epoch. A string
/// that is not a date reads as absent: MISP drops such a value rather than the attribute.
pub(crate) fn micros<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an ISO 8601 date-time or microseconds since the epoch")
        }
        null_is_none!();
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).ok())
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(t.parse().ok());
            }
            Ok(parse_rfc3339_micros(t))
        }
    }
    d.deserialize_any(V)
}

/// Input text quoted in an error message, cut short: it may be huge or hostile.
pub(crate) fn clip(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

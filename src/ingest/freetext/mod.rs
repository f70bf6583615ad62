//! Freetext lists and reports: a port of MISP's `ComplexTypeTool::checkFreeText`
//! (reference/MISP.md §1.4). Tokens are typed by [`resolve`] (MISP `__resolveType`), values
//! are refanged by [`refang`], and the result is deduplicated by value, first one wins.
//!
//! Values are returned as MISP would store them; `model::normalize` is the pipeline's job.

mod dedup;
mod php;
mod refang;
mod resolve;
mod tlds;
mod tlds_table;
mod tokenize;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::Indicator;
use crate::model::types::type_info;

pub(crate) use dedup::Unique;
pub use resolve::{DEFAULT_TYPES, Resolved, resolve};
use tokenize::{for_each_quoted, for_each_split_token, trim_token};

/// MISP's refang table on one value: `hxxp`/`hxtp`/`htxp`/`meow`/`h[tt]p` → `http`,
/// `[.]` `[dot]` `(dot)` → `.`, `[hxxp://]` → `http://`, `[@]` `[at]` → `@`, `[:]` → `:`, then
/// trailing dots removed and any other bracketed single character unwrapped (`[/]` → `/`).
pub fn refang(s: &str) -> String {
    refang::refang_cow(s).into_owned()
}

/// Turn a resolved token into an indicator: category and `to_ids` are the type's defaults
/// (MISP `Feed::getFreetextFeed`); `original` is the token when it differs from the value.
pub(crate) fn indicator(r: Resolved, token: &str) -> Indicator {
    let (category, to_ids) =
        type_info(r.type_).map_or(("Other", false), |t| (t.default_category, t.to_ids));
    let original = (token != r.value).then(|| token.to_owned());
    Indicator {
        type_: r.type_,
        category,
        value: r.value,
        to_ids,
        comment: r.comment,
        original,
    }
}

/// PHP `empty()` on a string: `""` and `"0"` are skipped before resolving.
fn php_empty(s: &str) -> bool {
    s.is_empty() || s == "0"
}

fn add(out: &mut Unique, token: &str) {
    if php_empty(token) {
        return;
    }
    if let Some(r) = resolve(token) {
        out.push(indicator(r, token));
    }
}

fn split_tokens(text: &str) -> Unique {
    let mut out = Unique::default();
    for_each_split_token(text, |t| add(&mut out, t));
    out
}

/// MISP `checkFreeText`: every indicator in `text`, deduplicated by value, first wins.
pub fn parse(text: &str) -> Vec<Indicator> {
    if text.starts_with('{')
        && let Some(found) = parse_json(text)
    {
        return found;
    }
    // One thread on purpose: splitting a 1M-line input over two threads saved no wall time
    // on 2 cores (the store write dominates) and cost 45 MB of peak memory in the merge.
    let mut out = split_tokens(text);
    // Quoted substrings come after all split tokens, and may span lines (MISP order).
    if text.contains('"') {
        for_each_quoted(text, |q| add(&mut out, &q));
    }
    out.items
}

/// MISP `parseJson`: every non-empty string (and non-zero float) leaf, in document order, is a
/// candidate, followed by its own freetext tokens. `None` when `text` is not JSON.
fn parse_json(text: &str) -> Option<Vec<Indicator>> {
    let mut leaves = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    Leaves(&mut leaves).deserialize(&mut de).ok()?;
    de.end().ok()?;
    let mut out = Unique::default();
    for leaf in &leaves {
        add(&mut out, trim_token(leaf));
        for_each_split_token(leaf, |t| {
            if t != leaf {
                add(&mut out, t)
            }
        });
        for_each_quoted(leaf, |q: Cow<'_, str>| {
            if q != leaf.as_str() {
                add(&mut out, &q)
            }
        });
    }
    Some(out.items)
}

/// Collects JSON leaves in document order (serde_json's `Value` would sort object keys).
struct Leaves<'a>(&'a mut Vec<String>);

impl<'de> DeserializeSeed<'de> for Leaves<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Leaves<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    // PHP skips booleans, integers and empty values.
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        if v != 0.0 {
            self.0.push(v.to_string());
        }
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        if !php_empty(v) {
            self.0.push(v.to_owned());
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Leaves(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Leaves(&mut *self.0))?;
        }
        Ok(())
    }
}

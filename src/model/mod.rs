//! The MISP-compatible data model: events, attributes, objects, tags, sightings, sources.

mod entities;
pub mod exclusion;
pub mod hash;
pub mod ip;
pub mod normalize;
pub mod time;
pub mod types;
mod types_table;
pub mod url;

pub use entities::*;

//! threatdeck: a terminal workbench for threat intelligence.
//!
//! Layers, lower never importing higher: `model` <- `ingest` (parsers), `store` (redb)
//! <- `pipeline` (parse -> normalise -> write) <- `cli`.

pub mod bundle;
pub mod cli;
pub mod config;
pub mod correlate;
pub mod export;
pub mod ingest;
pub mod model;
pub mod pipeline;
pub mod push;
pub mod safe_text;
pub mod serve;
pub mod store;
pub mod sync;
pub mod tui;

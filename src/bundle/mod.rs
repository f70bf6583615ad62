//! Offline bundles for air-gapped work: one zip file holding events (MISP JSON, one per
//! line), sightings, annotations (score overrides, correlation exclusions) and feed
//! definitions (no secrets: only their `secret:`/`env:` references), with a manifest of
//! SHA-256 digests, sizes and as-of times, optionally signed with an ed25519 key.
//!
//! Import verifies everything before it stores anything, then merges in one transaction:
//! events by MISP's rule (a newer timestamp replaces), sightings and annotations once each,
//! so importing the same bundle twice changes nothing, and what the air-gapped side added
//! (sightings, edits) travels back the same way.

pub mod keys;
pub mod read;
pub mod write;

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "threatdeck-bundle";
pub const VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";
pub const EVENTS: &str = "events.jsonl";
pub const SIGHTINGS: &str = "sightings.jsonl";
pub const ANNOTATIONS: &str = "annotations.jsonl";
pub const FEEDS: &str = "feeds.jsonl";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// When the bundle was written (RFC 3339).
    pub created: String,
    pub producer: String,
    /// What was selected.
    pub filters: crate::export::Filters,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub name: String,
    /// Lowercase hex SHA-256 of the part's bytes.
    pub sha256: String,
    pub bytes: u64,
    pub records: u64,
    /// The newest time among the part's records (RFC 3339), when it has any.
    pub as_of: Option<String>,
}

/// `manifest.sig`: an ed25519 signature over the exact bytes of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub algorithm: String,
    /// Base64 of the 32-byte public key.
    pub public_key: String,
    /// Base64 of the 64-byte signature.
    pub signature: String,
}

/// One line of `events.jsonl`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventLine {
    /// The source the event came from on the exporting side.
    pub source: String,
    #[serde(rename = "Event")]
    pub event: Box<serde_json::value::RawValue>,
    /// The exporting side's filters left some of the event out: merge, do not replace.
    #[serde(default)]
    pub partial: bool,
}

/// One line of `annotations.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Annotation {
    ScoreOverride { value: String, score: f64 },
    Exclusion { pattern: String, comment: String },
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
}

pub(crate) use crate::export::hex;

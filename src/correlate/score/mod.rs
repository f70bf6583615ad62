//! Indicator scores: MISP's polynomial decay (reference/MISP.md §6), per-type models, a base
//! score from taxonomy tags, sighting rules, sticky analyst overrides, and a cross-source
//! combination. Pure: no store, no clock (callers pass `now`). All scores are on MISP's 0..100
//! scale; non-finite inputs never panic (NaN is read as 0, infinities are clamped).

use serde::{Deserialize, Serialize};

const DAY_SECS: f64 = 86_400.0;

/// A decay model: MISP's Polynomial parameters (`lifetime`, `decay_speed`, `threshold`,
/// `default_base_score`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Model {
    pub name: &'static str,
    pub lifetime_days: f64,
    pub decay_speed: f64,
    pub threshold: f64,
    pub default_base_score: f64,
}

// Defaults (PEERS.md §7.2/§7.3, reference/misp/decaying-models/*.json). Threshold 30 and default
// base 80 are what every shipped MISP model uses, so our "decayed" flag matches MISP's.
//
// Network: MISP "NIDS Simple" verbatim (120 d, speed 2): drops fast early (72.7 at day 1 for
// base 80), crosses 30 at ~46.9 d. Kept over OpenCTI's IP/URL rule (47 d) so a value scores the
// same here as in the MISP instance it came from.
const NETWORK: Model = Model {
    name: "nids-simple",
    lifetime_days: 120.0,
    decay_speed: 2.0,
    threshold: 30.0,
    default_base_score: 80.0,
};
// Hashes name content, which does not change owner the way IPs do: 365 d is OpenCTI's
// pre-decay File TTL and its fallback lifetime; speed 0.9 is OpenCTI's File/Artifact rule
// (pound 0.3 × factor 3 = MISP δ), i.e. slow at first, crossing 30 only after ~239 d.
const HASH: Model = Model {
    name: "file-hash",
    lifetime_days: 365.0,
    decay_speed: 0.9,
    threshold: 30.0,
    default_base_score: 80.0,
};
// MISP "Phishing model" (3 d, speed 2.3): phishing kits and sender addresses burn in a day.
const PHISHING: Model = Model {
    name: "phishing",
    lifetime_days: 3.0,
    decay_speed: 2.3,
    threshold: 30.0,
    default_base_score: 80.0,
};
// MISP "Vishing model" (10 d, speed 2.3) for phone-number and prtn.
const VISHING: Model = Model {
    name: "vishing",
    lifetime_days: 10.0,
    decay_speed: 2.3,
    threshold: 30.0,
    default_base_score: 80.0,
};
// Everything else: 180 d (OpenCTI's pre-decay URL default), between network churn (120 d) and
// file permanence (365 d); linear (δ = 1) because without knowing the type neither an early
// drop nor a late one is justified.
const GENERIC: Model = Model {
    name: "generic",
    lifetime_days: 180.0,
    decay_speed: 1.0,
    threshold: 30.0,
    default_base_score: 80.0,
};

/// Content hashes, alone or as the second half of `filename|<hash>`.
const HASH_TYPES: &[&str] = &[
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha512/224",
    "sha512/256",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "ssdeep",
    "imphash",
    "impfuzzy",
    "authentihash",
    "pehash",
    "tlsh",
    "vhash",
    "telfhash",
    "cdhash",
];

/// The model for a MISP attribute type (ASCII case-insensitive).
pub fn model_for(type_: &str) -> Model {
    let t = type_.trim().to_ascii_lowercase();
    let t = t.as_str();
    let is_hash = |h: &str| HASH_TYPES.contains(&h);
    match t {
        // NIDS Simple's attribute_types; `uri` added as the path-only sibling of `url`.
        "domain" | "domain|ip" | "hostname" | "hostname|port" | "url" | "uri" | "snort"
        | "suricata" | "zeek" | "bro" => NETWORK,
        _ if t.starts_with("ip-") => NETWORK,
        "phone-number" | "prtn" => VISHING,
        _ if t.starts_with("email") => PHISHING,
        "malware-sample" => HASH,
        _ if t.starts_with("x509-fingerprint-") => HASH,
        _ if is_hash(t) => HASH,
        _ if t.strip_prefix("filename|").is_some_and(is_hash) => HASH,
        _ => GENERIC,
    }
}

/// NaN → 0, then clamp to [0, 100].
fn clamp_score(v: f64) -> f64 {
    if v.is_nan() { 0.0 } else { v.clamp(0.0, 100.0) }
}

/// MISP's Polynomial: `base · (1 − (t/τ)^(1/δ))`, τ = lifetime in seconds, clamped to [0, base].
/// As in MISP, a negative age scores 0 (`score` avoids that by clamping future references).
/// Non-finite inputs: base NaN → 0 (±inf clamped to 0..100); age NaN → 0 (so `base`), age +inf
/// → 0; lifetime NaN or ≤ 0 → 0; decay_speed NaN, ≤ 0 or inf → 1 (linear).
pub fn polynomial(base: f64, age_secs: f64, model: &Model) -> f64 {
    let base = clamp_score(base);
    let age = if age_secs.is_nan() { 0.0 } else { age_secs };
    if age < 0.0 {
        return 0.0;
    }
    let tau = model.lifetime_days * DAY_SECS;
    if tau.is_nan() || tau <= 0.0 || age >= tau {
        return 0.0;
    }
    let speed = model.decay_speed;
    let speed = if speed.is_finite() && speed > 0.0 {
        speed
    } else {
        1.0
    };
    let v = base * (1.0 - (age / tau).powf(1.0 / speed));
    if v.is_nan() { 0.0 } else { v.clamp(0.0, base) }
}

/// Taxonomy tags with a `numerical_value`, copied from misp-taxonomies
/// `admiralty-scale` v5: (tag, MISP base = `namespace:predicate`, value).
/// `tlp` (v10) defines no numerical_value at all, so MISP ignores TLP tags when scoring and so
/// do we: TLP says how far a value may be shared, not how much it is worth.
const NUMERICAL_TAGS: &[(&str, &str, f64)] = &[
    (r#"admiralty-scale:source-reliability="a""#, SR, 100.0),
    (r#"admiralty-scale:source-reliability="b""#, SR, 75.0),
    (r#"admiralty-scale:source-reliability="c""#, SR, 50.0),
    (r#"admiralty-scale:source-reliability="d""#, SR, 25.0),
    (r#"admiralty-scale:source-reliability="e""#, SR, 0.0),
    (r#"admiralty-scale:source-reliability="f""#, SR, 50.0),
    (r#"admiralty-scale:source-reliability="g""#, SR, 0.0),
    (r#"admiralty-scale:information-credibility="1""#, IC, 100.0),
    (r#"admiralty-scale:information-credibility="2""#, IC, 75.0),
    (r#"admiralty-scale:information-credibility="3""#, IC, 50.0),
    (r#"admiralty-scale:information-credibility="4""#, IC, 25.0),
    (r#"admiralty-scale:information-credibility="5""#, IC, 0.0),
    (r#"admiralty-scale:information-credibility="6""#, IC, 50.0),
];
const SR: &str = "admiralty-scale:source-reliability";
const IC: &str = "admiralty-scale:information-credibility";

/// Our `base_score_config` (MISP: weight per tag base). No shipped MISP model weights the
/// admiralty scale; the source's reliability and the claim's credibility count equally.
const WEIGHTS: &[(&str, f64)] = &[(SR, 0.5), (IC, 0.5)];

/// Base score from tags, MISP semantics (`Base::computeBasescore`): each tag base present with a
/// numerical value contributes `value · w / Σ w_present`; unknown tags are ignored; none → the
/// default (NaN → 0, clamped to 0..100). Tags match ASCII case-insensitively. If several tags
/// share a base, the last one wins, so listing event tags before attribute tags reproduces
/// MISP's attribute-overrides-event rule (and avoids MISP summing duplicates past 100).
pub fn base_score(tags: &[&str], default: f64) -> f64 {
    let mut found: [Option<f64>; WEIGHTS.len()] = [None; WEIGHTS.len()];
    for tag in tags {
        let tag = tag.trim();
        let Some(&(_, base, value)) = NUMERICAL_TAGS
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(tag))
        else {
            continue;
        };
        if let Some(i) = WEIGHTS.iter().position(|(b, _)| *b == base) {
            found[i] = Some(value);
        }
    }
    let total: f64 = found
        .iter()
        .zip(WEIGHTS)
        .filter(|(v, _)| v.is_some())
        .map(|(_, (_, w))| w)
        .sum();
    if total <= 0.0 {
        return clamp_score(default);
    }
    let sum: f64 = found
        .iter()
        .zip(WEIGHTS)
        .filter_map(|(v, (_, w))| v.map(|v| v * w / total))
        .sum();
    clamp_score(sum)
}

/// MISP sighting types 0, 1, 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SightingKind {
    Seen,
    FalsePositive,
    Expiration,
}

impl From<crate::model::SightingType> for SightingKind {
    fn from(t: crate::model::SightingType) -> Self {
        use crate::model::SightingType as T;
        match t {
            T::Sighting => Self::Seen,
            T::FalsePositive => Self::FalsePositive,
            T::Expiration => Self::Expiration,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    pub kind: SightingKind,
    /// Unix seconds (MISP `date_sighting`; for an expiration, when the value expires).
    pub time: i64,
}

/// What `score` needs about one attribute (one source's copy of a value).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub type_: &'a str,
    /// Event tags first, then attribute tags (see `base_score`).
    pub tags: &'a [&'a str],
    /// Attribute `timestamp` (last modification).
    pub timestamp: i64,
    pub last_seen: Option<i64>,
    pub sightings: &'a [Sighting],
    /// An analyst's pinned score: returned as-is, never recomputed.
    pub overridden: Option<f64>,
    /// The base score when the tags give none (the feed's confidence); else the model's.
    pub default_base: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    pub value: f64,
    pub base: f64,
    /// `value < model.threshold` (MISP `isDecayed`), whatever the reason.
    pub decayed: bool,
    /// "override", "false-positive", "expired" or "decay".
    pub reason: &'static str,
}

/// The current score of one attribute at `now`. In order:
/// 1. an override wins (NaN → 0, clamped to 0..100);
/// 2. a false-positive sighting not older than the newest seen-sighting zeroes it (a later
///    seen-sighting restores; a tie goes to the false positive, the deliberate verdict);
/// 3. an expiration sighting at or before `now` zeroes it (a declared end of validity: hits after
///    it do not revive the value; an override does);
/// 4. else MISP's polynomial from the last reference: the newest seen-sighting, unless the
///    attribute was modified after it (MISP `computeCurrentScore`), else `last_seen`, else
///    `timestamp`. A reference in the future counts as "now" (age 0 → base), where MISP would
///    score 0: clock skew or a future `last_seen` should not zero a fresh indicator.
pub fn score(inputs: &Inputs, now: i64) -> Score {
    let model = model_for(inputs.type_);
    let base = base_score(
        inputs.tags,
        inputs.default_base.unwrap_or(model.default_base_score),
    );
    let done = |value: f64, reason| Score {
        value,
        base,
        decayed: value < model.threshold,
        reason,
    };
    if let Some(pinned) = inputs.overridden {
        return done(clamp_score(pinned), "override");
    }
    let newest = |kind: SightingKind, not_after: i64| {
        inputs
            .sightings
            .iter()
            .filter(|s| s.kind == kind && s.time <= not_after)
            .map(|s| s.time)
            .max()
    };
    let last_seen_sighting = newest(SightingKind::Seen, i64::MAX);
    if let Some(fp) = newest(SightingKind::FalsePositive, i64::MAX)
        && last_seen_sighting.is_none_or(|seen| fp >= seen)
    {
        return done(0.0, "false-positive");
    }
    if newest(SightingKind::Expiration, now).is_some() {
        return done(0.0, "expired");
    }
    let reference = match last_seen_sighting {
        Some(seen) if inputs.timestamp <= seen => seen,
        _ => inputs.last_seen.unwrap_or(inputs.timestamp),
    };
    let age = now.saturating_sub(reference).max(0);
    done(polynomial(base, age as f64, &model), "decay")
}

/// Combined score of one value across the sources that hold it: noisy-OR,
/// `100 · (1 − Π (1 − s/100))` (PEERS.md §7.7). Independent sources corroborate, so two
/// sources at 60 give 84 rather than 60 (max, MineMeld's rule, ignores corroboration); one source
/// gives itself, zeros add nothing, order does not matter and the result stays within
/// [max, 100]. Pass only sources still counted (zeroed false positives contribute 0 anyway).
/// Each input: NaN → 0, clamped to 0..100. Empty → 0.
pub fn combined(scores: &[f64]) -> f64 {
    let miss: f64 = scores
        .iter()
        .map(|&s| 1.0 - clamp_score(s) / 100.0)
        .product();
    clamp_score(100.0 * (1.0 - miss))
}

#[cfg(test)]
mod tests;

//! Hand-computed expectations for the scoring rules.

use super::*;

const DAY: i64 = 86_400;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn model(lifetime_days: f64, decay_speed: f64) -> Model {
    Model {
        name: "test",
        lifetime_days,
        decay_speed,
        threshold: 30.0,
        default_base_score: 80.0,
    }
}

#[test]
fn polynomial_by_hand() {
    let tau = 100.0 * DAY_SECS;
    // t = 0 → base.
    assert!(close(polynomial(80.0, 0.0, &model(100.0, 2.0)), 80.0));
    // τ/2, δ = 1: 80 · (1 − 0.5) = 40.
    assert!(close(polynomial(80.0, tau / 2.0, &model(100.0, 1.0)), 40.0));
    // τ/2, δ = 2: 80 · (1 − √0.5) = 23.431457505...
    let v = polynomial(80.0, tau / 2.0, &model(100.0, 2.0));
    assert!(close(v, 80.0 * (1.0 - 0.5f64.sqrt())));
    assert!((v - 23.431_457_5).abs() < 1e-6);
    // t ≥ τ → 0.
    assert_eq!(polynomial(80.0, tau, &model(100.0, 2.0)), 0.0);
    assert_eq!(polynomial(80.0, tau * 3.0, &model(100.0, 2.0)), 0.0);
    // Negative age → 0 (MISP).
    assert_eq!(polynomial(80.0, -1.0, &model(100.0, 2.0)), 0.0);
    // PEERS.md §7.2: NIDS base 80 at day 1 ≈ 72.7.
    let nids = model_for("ip-dst");
    assert!((polynomial(80.0, DAY_SECS, &nids) - 72.697).abs() < 1e-3);
}

#[test]
fn polynomial_never_panics() {
    let m = model(100.0, 2.0);
    assert_eq!(polynomial(f64::NAN, 10.0, &m), 0.0);
    assert_eq!(polynomial(f64::INFINITY, 0.0, &m), 100.0);
    assert_eq!(polynomial(-5.0, 0.0, &m), 0.0);
    assert_eq!(polynomial(80.0, f64::NAN, &m), 80.0);
    assert_eq!(polynomial(80.0, f64::INFINITY, &m), 0.0);
    assert_eq!(polynomial(80.0, f64::NEG_INFINITY, &m), 0.0);
    assert_eq!(polynomial(80.0, 10.0, &model(f64::NAN, 2.0)), 0.0);
    assert_eq!(polynomial(80.0, 0.0, &model(0.0, 2.0)), 0.0);
    assert_eq!(polynomial(80.0, 1e9, &model(f64::INFINITY, 2.0)), 80.0);
    // Bad decay_speed → linear.
    let half = 50.0 * DAY_SECS;
    assert!(close(polynomial(80.0, half, &model(100.0, f64::NAN)), 40.0));
    assert!(close(polynomial(80.0, half, &model(100.0, 0.0)), 40.0));
    assert!(close(
        polynomial(80.0, half, &model(100.0, f64::INFINITY)),
        40.0
    ));
}

#[test]
fn base_scores() {
    // TLP alone has no numerical_value → default.
    assert_eq!(base_score(&["tlp:amber"], 80.0), 80.0);
    // Admiralty source reliability only: weight renormalised to 1 → its value.
    assert_eq!(
        base_score(&[r#"admiralty-scale:source-reliability="b""#], 80.0),
        75.0
    );
    assert_eq!(
        base_score(&[r#"admiralty-scale:information-credibility="4""#], 80.0),
        25.0
    );
    // Both bases: 0.5/1.0 · 100 + 0.5/1.0 · 25 = 62.5; TLP alongside changes nothing.
    let both = [
        "tlp:green",
        r#"admiralty-scale:source-reliability="a""#,
        r#"Admiralty-Scale:Information-Credibility="4""#,
    ];
    assert_eq!(base_score(&both, 80.0), 62.5);
    // A zero-valued tag still counts (e = unreliable), it is not "absent".
    assert_eq!(
        base_score(&[r#"admiralty-scale:source-reliability="e""#], 80.0),
        0.0
    );
    // Same base twice: the last (attribute) tag wins.
    let dup = [
        r#"admiralty-scale:source-reliability="d""#,
        r#"admiralty-scale:source-reliability="a""#,
    ];
    assert_eq!(base_score(&dup, 80.0), 100.0);
    // Unknown tags → default; bad defaults are sanitised.
    assert_eq!(base_score(&["foo:bar", "osint"], 55.0), 55.0);
    assert_eq!(base_score(&[], 55.0), 55.0);
    assert_eq!(base_score(&[], f64::NAN), 0.0);
    assert_eq!(base_score(&[], 250.0), 100.0);
}

#[test]
fn models_per_type() {
    assert_eq!(model_for("ip-dst|port").name, "nids-simple");
    assert_eq!(model_for("ip-src").name, "nids-simple");
    assert_eq!(model_for("domain|ip").name, "nids-simple");
    assert_eq!(model_for("hostname|port").name, "nids-simple");
    assert_eq!(model_for("URL").name, "nids-simple");
    assert_eq!(model_for("sha256").name, "file-hash");
    assert_eq!(model_for("filename|sha256").name, "file-hash");
    assert_eq!(model_for("filename").name, "generic");
    assert_eq!(model_for("email-src").name, "phishing");
    assert_eq!(model_for("phone-number").name, "vishing");
    assert_eq!(model_for("mutex").name, "generic");
    assert_eq!(model_for("").name, "generic");
}

fn seen(time: i64) -> Sighting {
    Sighting {
        kind: SightingKind::Seen,
        time,
    }
}
fn fp(time: i64) -> Sighting {
    Sighting {
        kind: SightingKind::FalsePositive,
        time,
    }
}
fn expires(time: i64) -> Sighting {
    Sighting {
        kind: SightingKind::Expiration,
        time,
    }
}

fn inputs<'a>(sightings: &'a [Sighting], overridden: Option<f64>) -> Inputs<'a> {
    Inputs {
        type_: "ip-dst",
        tags: &[],
        timestamp: 1_000 * DAY,
        last_seen: None,
        sightings,
        overridden,
        default_base: None,
    }
}

#[test]
fn decays_from_timestamp_then_last_seen() {
    let t0 = 1_000 * DAY;
    // NIDS (120 d, δ 2), base 80: at 30 d, 80 · (1 − √0.25) = 40.
    let s = score(&inputs(&[], None), t0 + 30 * DAY);
    assert_eq!((s.reason, s.base, s.decayed), ("decay", 80.0, false));
    assert!(close(s.value, 40.0));
    // last_seen 30 d after timestamp: fresh again.
    let with_last_seen = Inputs {
        last_seen: Some(t0 + 30 * DAY),
        ..inputs(&[], None)
    };
    assert!(close(score(&with_last_seen, t0 + 30 * DAY).value, 80.0));
    // Past 46.875 d it is decayed (below 30); at 120 d it is 0.
    assert!(score(&inputs(&[], None), t0 + 47 * DAY).decayed);
    assert_eq!(score(&inputs(&[], None), t0 + 120 * DAY).value, 0.0);
    // A reference in the future counts as now.
    assert_eq!(score(&inputs(&[], None), t0 - DAY).value, 80.0);
}

#[test]
fn sighting_resets_the_clock() {
    let t0 = 1_000 * DAY;
    let now = t0 + 60 * DAY;
    assert!(score(&inputs(&[], None), now).decayed);
    let s = score(&inputs(&[seen(t0 + 30 * DAY)], None), now);
    assert!(close(s.value, 40.0));
    let s = score(&inputs(&[seen(t0 + 5 * DAY), seen(now)], None), now);
    assert!(close(s.value, 80.0));
    // Modified after the sighting (MISP): the attribute's own dates apply again.
    let one = [seen(t0 + 30 * DAY)];
    let later_edit = Inputs {
        timestamp: t0 + 40 * DAY,
        ..inputs(&one, None)
    };
    assert!(close(score(&later_edit, t0 + 40 * DAY).value, 80.0));
}

#[test]
fn false_positive_zeroes_and_a_later_sighting_restores() {
    let t0 = 1_000 * DAY;
    let now = t0 + 30 * DAY;
    let s = score(&inputs(&[seen(t0 + DAY), fp(t0 + 2 * DAY)], None), now);
    assert_eq!(
        (s.value, s.reason, s.decayed),
        (0.0, "false-positive", true)
    );
    assert_eq!(s.base, 80.0);
    // Tie → false positive.
    assert_eq!(score(&inputs(&[seen(now), fp(now)], None), now).value, 0.0);
    let restored = [seen(t0 + DAY), fp(t0 + 2 * DAY), seen(now)];
    let s = score(&inputs(&restored, None), now);
    assert_eq!((s.value, s.reason), (80.0, "decay"));
}

#[test]
fn expiration_past_and_future() {
    let t0 = 1_000 * DAY;
    let now = t0 + 30 * DAY;
    let s = score(&inputs(&[expires(now - 1)], None), now);
    assert_eq!((s.value, s.reason), (0.0, "expired"));
    assert_eq!(score(&inputs(&[expires(now)], None), now).reason, "expired");
    // Seen after expiry: still expired.
    let s = score(&inputs(&[expires(t0 + DAY), seen(now)], None), now);
    assert_eq!(s.reason, "expired");
    // Future expiry: ordinary decay.
    let s = score(&inputs(&[expires(now + 1)], None), now);
    assert_eq!(s.reason, "decay");
    assert!(close(s.value, 40.0));
}

#[test]
fn override_sticks() {
    let t0 = 1_000 * DAY;
    let years = t0 + 3_000 * DAY;
    let all = [seen(t0), fp(t0 + DAY), expires(t0 + 2 * DAY)];
    let s = score(&inputs(&all, Some(65.0)), years);
    assert_eq!((s.value, s.reason, s.decayed), (65.0, "override", false));
    let s = score(&inputs(&[seen(years)], Some(10.0)), years);
    assert_eq!((s.value, s.decayed), (10.0, true));
    assert_eq!(score(&inputs(&[], Some(f64::NAN)), t0).value, 0.0);
    assert_eq!(score(&inputs(&[], Some(1e9)), t0).value, 100.0);
}

#[test]
fn base_flows_into_score() {
    let t0 = 1_000 * DAY;
    let tags = [r#"admiralty-scale:source-reliability="c""#];
    let i = Inputs {
        type_: "sha256",
        tags: &tags,
        ..inputs(&[], None)
    };
    let s = score(&i, t0);
    assert_eq!((s.value, s.base), (50.0, 50.0));
    // A feed's confidence stands in for the model's default base, not for tags.
    let trusted_less = Inputs {
        default_base: Some(40.0),
        ..inputs(&[], None)
    };
    assert_eq!(score(&trusted_less, t0).base, 40.0);
    let tagged = Inputs {
        default_base: Some(40.0),
        ..i
    };
    assert_eq!(score(&tagged, t0).base, 50.0);
    // Hash model: 365 d, δ 0.9; at 365/2 d: 50 · (1 − 0.5^(1/0.9)).
    let half = t0 + (365 * DAY) / 2;
    let want = 50.0 * (1.0 - (0.5f64).powf(1.0 / 0.9));
    assert!((score(&i, half).value - want).abs() < 1e-3);
}

#[test]
fn combined_scores() {
    assert_eq!(combined(&[]), 0.0);
    assert!(close(combined(&[42.0]), 42.0));
    // 1 − 0.4 · 0.4 = 0.84.
    assert!(close(combined(&[60.0, 60.0]), 84.0));
    // 1 − 0.5 · 0.8 · 1.0 = 0.6; order-free.
    assert!(close(combined(&[50.0, 20.0, 0.0]), 60.0));
    assert!(close(combined(&[0.0, 20.0, 50.0]), 60.0));
    assert_eq!(combined(&[100.0, 10.0]), 100.0);
    assert!(close(combined(&[f64::NAN, -3.0, 30.0]), 30.0));
    assert_eq!(combined(&[f64::INFINITY]), 100.0);
}

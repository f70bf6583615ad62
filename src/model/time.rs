//! Unix time <-> civil dates, RFC 3339 parsing. Small enough not to need a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// `YYYY-MM-DD` for a unix time (UTC).
pub fn format_date(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a unix time (UTC).
pub fn format_rfc3339(ts: i64) -> String {
    let secs = ts.rem_euclid(86400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(ts),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: STIX wants created/modified to the millisecond.
pub fn format_rfc3339_millis(ts: i64) -> String {
    format!("{}.000Z", format_rfc3339(ts).trim_end_matches('Z'))
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for microseconds since the epoch (MISP first/last_seen).
pub fn format_rfc3339_micros(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    format!("{}.{frac:06}Z", format_rfc3339(secs).trim_end_matches('Z'))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse `YYYY-MM-DD` to the unix time of its midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let mut it = s.splitn(3, '-');
    let y = num(it.next()?)? as i64;
    let m = num(it.next()?)?;
    let d = num(it.next()?)?;
    // Four-digit years keep every later multiplication far from overflow.
    if y > 9999 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86400)
}

/// Parse an RFC 3339 / ISO 8601 timestamp (`2024-01-02T03:04:05.123Z`, `+02:00` offsets,
/// a space instead of `T`, or a bare date) to microseconds since the epoch.
pub fn parse_rfc3339_micros(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 10 || !s.is_char_boundary(10) {
        return None;
    }
    let day = parse_date(&s[..10])?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(day * 1_000_000);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // Split off the zone: Z, or +hh:mm / -hh:mm, or nothing (taken as UTC).
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0i64)
    } else if let Some(pos) = rest.rfind(['+', '-']) {
        let (c, z) = rest.split_at(pos);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let z = z[1..].replace(':', "");
        if z.len() != 4 || !z.is_ascii() {
            return None;
        }
        let h = num(&z[..2])? as i64;
        let m = num(&z[2..])? as i64;
        (c, sign * (h * 3600 + m * 60))
    } else {
        (rest, 0)
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((a, b)) => (a, b),
        None => (clock, ""),
    };
    let mut parts = hms.split(':');
    let h = num(parts.next()?)? as i64;
    let mi = num(parts.next()?)? as i64;
    let sec = parts.next().map(num).unwrap_or(Some(0))? as i64;
    if parts.next().is_some() || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let micros = if frac.is_empty() {
        0
    } else {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut f = frac.chars().take(6).collect::<String>();
        while f.len() < 6 {
            f.push('0');
        }
        f.parse::<i64>().ok()?
    };
    Some((day + h * 3600 + mi * 60 + sec - offset) * 1_000_000 + micros)
}

/// Like [`parse_rfc3339_micros`], in whole seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    parse_rfc3339_micros(s).map(|us| us.div_euclid(1_000_000))
}

/// Parse an HTTP date in its preferred form, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`,
/// RFC 9110 §5.6.7), to unix seconds. The obsolete forms are not worth the code.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let rest = s.trim().split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [d, mon, y, hms, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| x == mon)? as u32 + 1;
    let day = parse_date(&format!("{y}-{m:02}-{d}"))?;
    let mut t = hms.split(':').map(num);
    let (h, mi, se) = (t.next()??, t.next()??, t.next()??);
    if t.next().is_some() || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(day + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date(" Thu, 03 Dec 2026 16:00:00 GMT "),
            parse_rfc3339("2026-12-03T16:00:00Z")
        );
        for bad in [
            "",
            "120",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800));
        assert_eq!(format_date(1_709_164_800), "2024-02-29");
        assert_eq!(format_rfc3339(1_709_164_800 + 3661), "2024-02-29T01:01:01Z");
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("abcd-01-01"), None);
    }

    #[test]
    fn parses_rfc3339_variants() {
        assert_eq!(
            parse_rfc3339("2016-04-06T20:03:48.000Z"),
            Some(1_459_973_028)
        );
        assert_eq!(
            parse_rfc3339("2016-04-06T22:03:48+02:00"),
            Some(1_459_973_028)
        );
        assert_eq!(parse_rfc3339("2016-04-06 20:03:48"), Some(1_459_973_028));
        assert_eq!(
            parse_rfc3339_micros("2016-04-06T20:03:48.5Z"),
            Some(1_459_973_028_500_000)
        );
        assert_eq!(parse_rfc3339("2016-04-06"), Some(1_459_900_800));
        assert_eq!(parse_rfc3339("garbage"), None);
        assert_eq!(parse_rfc3339("2016-04-06Tab:cd"), None);
        assert_eq!(parse_rfc3339("2016-04-06T20:03:48é"), None);
        assert_eq!(parse_rfc3339("2016-04-06T20:03:48+1é1"), None);
        assert_eq!(parse_rfc3339("999999-1-1"), None);
        assert_eq!(parse_date("99999999999-01-01"), None);
    }
}

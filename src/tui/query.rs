//! The query line: `type:ip-dst tag:tlp:clear source:urlhaus score:>50 since:7d
//! cidr:10.0.0.0/8 -warninglist evil`, terms combined with AND; `-` negates a term; a bare
//! word matches inside the value. Filters run in the background over the whole store.

use crate::model::ip::{cidr_key, ip_key, ip_part, range};
use crate::store::browse::Holding;

#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Type(String),
    Tag(String),
    Source(String),
    /// `score:>50`, `score:<=30`, `score:70`.
    Score(std::cmp::Ordering, bool, f64),
    /// Held by an attribute changed or listed within this many seconds of now.
    Since(i64),
    /// An address inside the network (128-bit key space).
    Cidr(u128, u128),
    Warninglist,
    ToIds,
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub negated: bool,
    pub term: Term,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

impl Query {
    pub fn parse(s: &str) -> Result<Query, String> {
        let mut clauses = Vec::new();
        for word in s.split_whitespace() {
            let (negated, w) = match word.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, word),
            };
            let term = match w.split_once(':') {
                Some(("type", t)) => Term::Type(t.to_ascii_lowercase()),
                Some(("tag", t)) => Term::Tag(t.to_string()),
                Some(("source", t)) => Term::Source(t.to_string()),
                Some(("score", t)) => score(t)
                    .ok_or_else(|| format!("{word}: write score:>50, score:<=30 or score:70"))?,
                Some(("since", t)) => Term::Since(
                    i64::try_from(
                        crate::sync::parse_interval(t).map_err(|e| format!("{word}: {e}"))?,
                    )
                    .map_err(|_| format!("{word}: too long ago"))?,
                ),
                Some(("cidr", t)) => {
                    let (len, net) = cidr_key(t)
                        .or_else(|| ip_key(t).map(|k| (128, k)))
                        .ok_or_else(|| format!("{word}: not a network like 10.0.0.0/8"))?;
                    let (lo, hi) = range(len, net);
                    Term::Cidr(lo, hi)
                }
                _ if w == "warninglist" => Term::Warninglist,
                _ if w == "ids" => Term::ToIds,
                _ => Term::Text(w.to_lowercase()),
            };
            clauses.push(Clause { negated, term });
        }
        Ok(Query { clauses })
    }

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Whether the score is needed (it is the costly fact: computed only for values that
    /// pass every other term).
    pub fn needs_score(&self) -> bool {
        self.clauses
            .iter()
            .any(|c| matches!(c.term, Term::Score(..)))
    }

    pub fn needs_warninglists(&self) -> bool {
        self.clauses
            .iter()
            .any(|c| matches!(c.term, Term::Warninglist))
    }

    /// Every term but score and warninglist, on one holder of a value.
    pub fn matches(&self, f: &Holding, now: i64) -> bool {
        self.clauses.iter().all(|c| {
            let hit = match &c.term {
                Term::Type(t) => f.type_ == t,
                Term::Tag(t) => f.tags.iter().any(|x| x.eq_ignore_ascii_case(t)),
                Term::Source(s) => f.source.eq_ignore_ascii_case(s),
                Term::Since(secs) => f.seen >= now.saturating_sub(*secs),
                // An address inside, or a network wholly inside.
                Term::Cidr(lo, hi) => {
                    ip_part(f.type_, f.value).is_some_and(|ip| match ip_key(ip) {
                        Some(k) => (*lo..=*hi).contains(&k),
                        None => cidr_key(ip).is_some_and(|(len, net)| {
                            let (a, b) = range(len, net);
                            *lo <= a && b <= *hi
                        }),
                    })
                }
                Term::ToIds => f.to_ids,
                Term::Text(t) => f.value.to_lowercase().contains(t.as_str()),
                // Judged later, once per value.
                Term::Score(..) | Term::Warninglist => return true,
            };
            hit != c.negated
        })
    }

    /// The score and warninglist terms, on a value that passed the others.
    pub fn matches_late(&self, score: Option<f64>, on_warninglist: bool) -> bool {
        self.clauses.iter().all(|c| {
            let hit = match c.term {
                Term::Score(ord, or_equal, n) => score.is_some_and(|s| {
                    let o = s.total_cmp(&n);
                    o == ord || (or_equal && o == std::cmp::Ordering::Equal)
                }),
                Term::Warninglist => on_warninglist,
                _ => return true,
            };
            hit != c.negated
        })
    }
}

fn score(t: &str) -> Option<Term> {
    use std::cmp::Ordering::*;
    let (ord, eq, n) = if let Some(n) = t.strip_prefix(">=") {
        (Greater, true, n)
    } else if let Some(n) = t.strip_prefix("<=") {
        (Less, true, n)
    } else if let Some(n) = t.strip_prefix('>') {
        (Greater, false, n)
    } else if let Some(n) = t.strip_prefix('<') {
        (Less, false, n)
    } else {
        (Equal, true, t)
    };
    let n: f64 = n.parse().ok().filter(|v: &f64| v.is_finite())?;
    Some(Term::Score(ord, eq, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(value: &'a str, type_: &'a str, tags: &'a [&'a str]) -> Holding<'a> {
        Holding {
            value,
            type_,
            category: "Network activity",
            comment: "",
            tags,
            source: "urlhaus",
            to_ids: true,
            seen: 1_000_000,
            timestamp: 1_000_000,
            uuid: uuid::Uuid::nil(),
            event: uuid::Uuid::nil(),
            stored: 1_000_000,
            key: 0,
            event_info: "",
        }
    }

    #[test]
    fn terms_combine() {
        let q = Query::parse(
            "type:ip-dst tag:tlp:clear source:URLhaus since:7d cidr:10.0.0.0/8 -warninglist",
        )
        .unwrap();
        assert_eq!(q.clauses.len(), 6);
        let tags = ["tlp:clear"];
        let now = 1_000_000 + 86_400;
        assert!(q.matches(&facts("10.1.2.3", "ip-dst", &tags), now));
        assert!(
            !q.matches(&facts("11.1.2.3", "ip-dst", &tags), now),
            "outside the network"
        );
        assert!(!q.matches(&facts("10.1.2.3", "ip-src", &tags), now));
        assert!(!q.matches(&facts("10.1.2.3", "ip-dst", &["tlp:red"]), now));
        assert!(
            !q.matches(&facts("10.1.2.3", "ip-dst", &tags), now + 8 * 86_400),
            "too old"
        );
        assert!(q.matches_late(None, false) && !q.matches_late(None, true));
        let composite = Query::parse("cidr:192.0.2.0/24").unwrap();
        assert!(composite.matches(&facts("192.0.2.9|443", "ip-dst|port", &[]), 0));
        assert!(
            composite.matches(&facts("192.0.2.0/28", "ip-dst", &[]), 0),
            "a network inside"
        );
        assert!(
            !composite.matches(&facts("192.0.0.0/16", "ip-dst", &[]), 0),
            "a network around"
        );
        let text = Query::parse("Evil -tag:tlp:red").unwrap();
        assert!(text.matches(&facts("www.EVIL.example", "domain", &[]), 0));
        assert!(!text.matches(&facts("www.evil.example", "domain", &["TLP:RED"]), 0));
    }

    #[test]
    fn scores_compare() {
        let q = Query::parse("score:>50").unwrap();
        assert!(q.needs_score());
        assert!(q.matches_late(Some(51.0), false) && !q.matches_late(Some(50.0), false));
        assert!(!q.matches_late(None, false));
        let q = Query::parse("score:<=30").unwrap();
        assert!(q.matches_late(Some(30.0), false) && !q.matches_late(Some(30.1), false));
    }

    #[test]
    fn bad_terms_are_named() {
        for (bad, want) in [
            ("score:>lots", "score:>lots"),
            ("since:soon", "since:soon"),
            ("cidr:10.0.0/8x", "cidr:"),
        ] {
            let e = Query::parse(bad).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        assert!(Query::parse("").unwrap().is_empty());
        assert!(Query::parse("since:9223372036854775808").is_err());
        let q = Query::parse("since:9223372036854775807").unwrap();
        assert!(q.matches(&facts("x", "domain", &[]), i64::MIN + 5));
        assert!(Query::parse("- -- ---").is_ok());
    }
}

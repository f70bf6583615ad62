//! A catalog of well-known public feeds, written from what peers learned parsing them
//! (reference/PEERS.md §6). Installed disabled: nothing touches the network until the user
//! enables a feed.

use crate::store::feeds::FeedRec;

/// (name, provider, URL, format, value columns, delimiter, interval, sentinel)
type Entry = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [usize],
    Option<u8>,
    u64,
    Option<&'static str>,
);

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

static CATALOG: &[Entry] = &[
    // One URL a line; the banner names the feed, so a page that lost it is not the feed.
    (
        "urlhaus-urls",
        "abuse.ch",
        "https://urlhaus.abuse.ch/downloads/text/",
        "freetext",
        &[],
        None,
        HOUR,
        Some("URLhaus"),
    ),
    // Header not commented since 2021; the IP is column 2.
    (
        "feodo-ipblocklist",
        "abuse.ch",
        "https://feodotracker.abuse.ch/downloads/ipblocklist.csv",
        "csv",
        &[2],
        None,
        HOUR,
        None,
    ),
    // Listingdate,SHA1,Listingreason: the certificate SHA1 is column 2.
    (
        "sslbl-certificates",
        "abuse.ch",
        "https://sslbl.abuse.ch/blacklist/sslblacklist.csv",
        "csv",
        &[2],
        None,
        DAY,
        Some("SSL Certificate Blacklist"),
    ),
    // `", "` separators; ioc_value is column 3 (ip:port values are split by type detection).
    (
        "threatfox-recent",
        "abuse.ch",
        "https://threatfox.abuse.ch/export/csv/recent/",
        "csv",
        &[3],
        None,
        HOUR,
        None,
    ),
    // sha256_hash is column 2.
    (
        "malwarebazaar-recent",
        "abuse.ch",
        "https://bazaar.abuse.ch/export/csv/recent/",
        "csv",
        &[2],
        None,
        HOUR,
        None,
    ),
    // `CIDR ; SBLnnnn` lines with `;` comments; networks stay CIDRs, never expanded.
    (
        "spamhaus-drop",
        "Spamhaus",
        "https://www.spamhaus.org/drop/drop.txt",
        "freetext",
        &[],
        None,
        12 * HOUR,
        None,
    ),
    (
        "et-compromised-ips",
        "Proofpoint Emerging Threats",
        "https://rules.emergingthreats.net/blockrules/compromised-ips.txt",
        "freetext",
        &[],
        None,
        DAY,
        None,
    ),
    (
        "blocklist-de-all",
        "blocklist.de",
        "https://lists.blocklist.de/lists/all.txt",
        "freetext",
        &[],
        None,
        12 * HOUR,
        None,
    ),
    (
        "cins-army",
        "CINS Score",
        "https://cinsscore.com/list/ci-badguys.txt",
        "freetext",
        &[],
        None,
        DAY,
        None,
    ),
    // The old openphish.com/feed.txt redirects and intermittently 404s; poll at most hourly.
    (
        "openphish",
        "OpenPhish",
        "https://raw.githubusercontent.com/openphish/public_feed/refs/heads/main/feed.txt",
        "freetext",
        &[],
        None,
        HOUR,
        None,
    ),
    (
        "tor-exit-nodes",
        "The Tor Project",
        "https://check.torproject.org/torbulkexitlist",
        "freetext",
        &[],
        None,
        HOUR,
        None,
    ),
    (
        "circl-osint",
        "CIRCL",
        "https://www.circl.lu/doc/misp/feed-osint",
        "misp-feed",
        &[],
        None,
        DAY,
        None,
    ),
    (
        "botvrij-osint",
        "Botvrij.eu",
        "https://www.botvrij.eu/data/feed-osint",
        "misp-feed",
        &[],
        None,
        DAY,
        None,
    ),
];

/// The built-in feeds, disabled.
pub fn feeds(now: i64) -> Vec<FeedRec> {
    CATALOG
        .iter()
        .map(
            |(name, provider, url, format, columns, delimiter, interval, sentinel)| FeedRec {
                provider: (*provider).to_string(),
                columns: (!columns.is_empty()).then(|| columns.to_vec()),
                delimiter: *delimiter,
                interval_secs: *interval,
                created: now,
                sentinel: sentinel.map(str::to_string),
                ..FeedRec::new(*name, *url, *format)
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn catalog_is_disabled_and_well_formed() {
        let feeds = super::feeds(1);
        assert!(feeds.len() >= 10);
        assert!(
            feeds
                .iter()
                .all(|f| !f.enabled && f.location.starts_with("https://"))
        );
        let mut names: Vec<&str> = feeds.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), feeds.len(), "names are unique");
    }
}

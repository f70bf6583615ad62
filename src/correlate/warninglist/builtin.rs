//! threatdeck's built-in lists, written from the RFCs and resolver operators' published
//! addresses (not copied from MISP), so a fresh install flags the obvious false positives.

use super::{Kind, Warninglist};

const IP_TYPES: &[&str] = &[
    "ip-src",
    "ip-dst",
    "ip-src|port",
    "ip-dst|port",
    "domain|ip",
];

pub(super) fn lists() -> Vec<Warninglist> {
    let specs: [(&str, Kind, &[&str], &[&str]); 4] = [
        (
            "threatdeck: RFC 1918 and other reserved IPv4/IPv6 ranges",
            Kind::Cidr,
            IP_TYPES,
            &[
                "0.0.0.0/8",          // "this network" (RFC 791)
                "10.0.0.0/8",         // private (RFC 1918)
                "100.64.0.0/10",      // carrier-grade NAT (RFC 6598)
                "127.0.0.0/8",        // loopback
                "169.254.0.0/16",     // link-local (RFC 3927)
                "172.16.0.0/12",      // private (RFC 1918)
                "192.0.0.0/24",       // IETF protocol assignments (RFC 6890)
                "192.0.2.0/24",       // TEST-NET-1 (RFC 5737)
                "192.168.0.0/16",     // private (RFC 1918)
                "198.18.0.0/15",      // benchmarking (RFC 2544)
                "198.51.100.0/24",    // TEST-NET-2 (RFC 5737)
                "203.0.113.0/24",     // TEST-NET-3 (RFC 5737)
                "224.0.0.0/4",        // multicast
                "240.0.0.0/4",        // reserved (RFC 1112)
                "255.255.255.255/32", // limited broadcast
                "::1/128",            // loopback
                "::/128",             // unspecified
                "fc00::/7",           // unique local (RFC 4193)
                "fe80::/10",          // link-local
                "2001:db8::/32",      // documentation (RFC 3849)
                "ff00::/8",           // multicast
            ],
        ),
        (
            "threatdeck: Well-known public DNS resolvers",
            Kind::Cidr,
            IP_TYPES,
            &[
                "8.8.8.8",              // Google
                "8.8.4.4",              // Google
                "1.1.1.1",              // Cloudflare
                "1.0.0.1",              // Cloudflare
                "9.9.9.9",              // Quad9
                "149.112.112.112",      // Quad9
                "208.67.222.222",       // OpenDNS
                "208.67.220.220",       // OpenDNS
                "2001:4860:4860::8888", // Google
                "2001:4860:4860::8844", // Google
                "2606:4700:4700::1111", // Cloudflare
                "2606:4700:4700::1001", // Cloudflare
            ],
        ),
        (
            "threatdeck: Hashes of empty files",
            Kind::String,
            &[
                "md5",
                "sha1",
                "sha256",
                "sha512",
                "filename|md5",
                "filename|sha1",
                "filename|sha256",
                "filename|sha512",
                "malware-sample",
            ],
            // Verified with `printf '' | md5sum` (and sha1sum, sha256sum, sha512sum).
            &[
                "d41d8cd98f00b204e9800998ecf8427e",
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            ],
        ),
        (
            "threatdeck: Reserved domains (RFC 2606/6761)",
            Kind::Hostname,
            &[
                "domain",
                "hostname",
                "domain|ip",
                "hostname|port",
                "url",
                "uri",
                "email",
                "email-src",
                "email-dst",
                "target-email",
            ],
            // `.onion` is special-use too (RFC 7686) but names real, reachable services.
            &[
                "example.com",
                "example.net",
                "example.org",
                "example",
                "test",
                "invalid",
                "localhost",
                "local",
            ],
        ),
    ];
    specs
        .into_iter()
        .map(|(name, kind, types, entries)| {
            let (list, warnings) =
                Warninglist::new(name, kind, types.iter().copied(), entries.iter().copied());
            debug_assert!(warnings.is_empty(), "built-in list {name}: {warnings:?}");
            list
        })
        .collect()
}

//! IP addresses and CIDR networks as 128-bit keys (IPv4 mapped into ::ffff:0:0/96), so one
//! ordered table serves both families and containment is a range or a masked lookup.

use std::net::IpAddr;

/// Bits an IPv4 prefix is shifted by in the IPv6 space.
const V4_OFFSET: u8 = 96;

/// IPv4 networks have prefix lengths of at least this in the 128-bit space.
pub const V4_MIN_LEN: u8 = V4_OFFSET;

/// Whether a key is an IPv4 address (mapped into ::ffff:0:0/96).
pub fn is_v4_mapped(key: u128) -> bool {
    key >> 32 == 0xffff
}

fn key_of(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The key of a plain address (`/32` and `/128` count as plain).
pub fn ip_key(s: &str) -> Option<u128> {
    match s.split_once('/') {
        None => s.parse().ok().map(key_of),
        Some((a, p)) => {
            let ip: IpAddr = a.parse().ok()?;
            let full = if ip.is_ipv4() { "32" } else { "128" };
            (p == full).then(|| key_of(ip))
        }
    }
}

/// `(prefix length in the 128-bit space, network)` of a CIDR that is not a single address.
pub fn cidr_key(s: &str) -> Option<(u8, u128)> {
    let (a, p) = s.split_once('/')?;
    let ip: IpAddr = a.parse().ok()?;
    let len: u8 = p.parse().ok()?;
    let (max, offset) = if ip.is_ipv4() {
        (32, V4_OFFSET)
    } else {
        (128, 0)
    };
    if len >= max {
        return None;
    }
    let len = len + offset;
    Some((len, key_of(ip) & mask(len)))
}

/// Network mask of a prefix length in the 128-bit space.
pub fn mask(len: u8) -> u128 {
    match len {
        0 => 0,
        l if l >= 128 => u128::MAX,
        l => u128::MAX << (128 - u32::from(l)),
    }
}

/// The first and last key inside a network.
pub fn range(len: u8, network: u128) -> (u128, u128) {
    (network, network | !mask(len))
}

/// The IP part of an attribute value, for the types that carry one: `ip-src`, `ip-dst`, the
/// address half of `ip-*|port`, the IP half of `domain|ip`.
pub fn ip_part<'a>(type_name: &str, value: &'a str) -> Option<&'a str> {
    match type_name {
        "ip-src" | "ip-dst" => Some(value),
        "ip-src|port" | "ip-dst|port" => value.split_once('|').map(|(ip, _)| ip),
        "domain|ip" => value.split_once('|').map(|(_, ip)| ip),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_networks() {
        let a = ip_key("10.1.2.3").unwrap();
        assert_eq!(ip_key("10.1.2.3/32"), Some(a));
        assert_eq!(ip_key("10.0.0.0/8"), None);
        let (len, net) = cidr_key("10.0.0.0/8").unwrap();
        assert_eq!(len, 104);
        let (lo, hi) = range(len, net);
        assert!(lo <= a && a <= hi);
        assert!(!(lo..=hi).contains(&ip_key("11.0.0.1").unwrap()));
        // A host address with a prefix is masked to its network.
        assert_eq!(cidr_key("10.9.9.9/8"), Some((len, net)));
        assert_eq!(cidr_key("10.0.0.1/32"), None);
        let (l6, n6) = cidr_key("2001:db8::/32").unwrap();
        let (lo6, hi6) = range(l6, n6);
        assert!((lo6..=hi6).contains(&ip_key("2001:db8::1").unwrap()));
        assert!(!(lo6..=hi6).contains(&a), "v4 is not inside a v6 network");
        assert_eq!(cidr_key("1.2.3.4/99"), None);
        assert_eq!(cidr_key("x/8"), None);
        assert_eq!(mask(0), 0);
    }

    #[test]
    fn families_stay_apart() {
        assert!(is_v4_mapped(ip_key("1.2.3.4").unwrap()));
        assert!(!is_v4_mapped(ip_key("2001:db8::1").unwrap()));
        let (len, _) = cidr_key("0.0.0.0/0").unwrap();
        assert_eq!(len, V4_MIN_LEN);
        let (l6, n6) = cidr_key("::/0").unwrap();
        assert_eq!((l6, n6), (0, 0));
        assert!(cidr_key("255.255.255.255/31").is_some());
        assert!(cidr_key("2001:db8::/127").is_some());
    }

    #[test]
    fn ip_parts() {
        assert_eq!(ip_part("ip-dst|port", "1.2.3.4|80"), Some("1.2.3.4"));
        assert_eq!(ip_part("domain|ip", "a.example|1.2.3.4"), Some("1.2.3.4"));
        assert_eq!(ip_part("domain", "a.example"), None);
    }
}

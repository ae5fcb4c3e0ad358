//! Go's `net.ParseCIDR`, as validation of a user's `src` networks applies it.

use std::net::IpAddr;

/// Go's `net.ParseCIDR`: an IPv4 or IPv6 address, `/`, and a prefix length in range.
pub(crate) fn is_valid_cidr(text: &str) -> bool {
    let Some((addr, bits)) = text.split_once('/') else {
        return false;
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return false;
    };
    // Go's dtoi: decimal digits only (leading zeros allowed).
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(bits) = bits.parse::<u32>() else {
        return false;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    bits <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_follow_go() {
        for ok in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "2001:db8::/32",
            "::/0",
            "1.2.3.4/32",
            "10.0.0.0/08",
            "10.0.0.0/0008",
        ] {
            assert!(is_valid_cidr(ok), "{ok}");
        }
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "a/8",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
        ] {
            assert!(!is_valid_cidr(bad), "{bad}");
        }
    }
}

//! The nkey text format: base32 (RFC 4648 alphabet, no padding) of `prefix ‖ key ‖ crc`,
//! where the CRC is CRC-16/XMODEM of the prefix and key, stored little-endian.
//!
//! Unlike Go's nkeys, every decoder here requires the key or seed to be exactly 32 bytes
//! (Go before nkeys PR #86 panics on other lengths) and the prefix byte to be exactly one
//! of the known kinds (Go's `IsValidPublic*Key` masks the low three bits).

use std::borrow::Cow;

use zeroize::Zeroizing;

use super::{KeyError, KeyKind, Secret};

/// The first five bits of a seed's first byte (`S` in base32).
const SEED_PREFIX: u8 = 18 << 3;
const BASE32: data_encoding::Encoding = data_encoding::BASE32_NOPAD;

/// CRC-16/XMODEM (polynomial 0x1021) of each byte value, computed at compile time.
#[allow(
    clippy::indexing_slicing,
    reason = "indexing in a constant is checked when compiling"
)]
const CRC16_TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = (byte as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[byte] = crc;
        byte += 1;
    }
    table
};

/// CRC-16/XMODEM (init 0) of the parts one after the other, as nkeys appends to every key.
#[allow(
    clippy::indexing_slicing,
    reason = "a u8 index is always inside the 256-entry table"
)]
fn crc16(parts: &[&[u8]]) -> u16 {
    parts
        .iter()
        .flat_map(|part| part.iter())
        .fold(0, |crc, &byte| {
            (crc << 8) ^ CRC16_TABLE[usize::from((crc >> 8) as u8 ^ byte)]
        })
}

/// Base32 of `prefix ‖ key ‖ crc`; wiped when dropped, as a seed's text must be.
fn encode_with_prefix(prefix: &[u8], key: &[u8; 32]) -> Zeroizing<String> {
    let crc = crc16(&[prefix, key]);
    let mut raw = Zeroizing::new(Vec::with_capacity(prefix.len() + 34));
    raw.extend_from_slice(prefix);
    raw.extend_from_slice(key);
    raw.extend_from_slice(&crc.to_le_bytes());
    Zeroizing::new(BASE32.encode(&raw))
}

/// Base32-decodes `text`, which must decode to exactly `N` bytes, into `out`.
///
/// The caller owns the buffer: a seed's is wiped on drop, a public key's need not be.
fn decode_exact<const N: usize>(text: &str, out: &mut [u8; N]) -> Result<(), KeyError> {
    let input = text.as_bytes();
    let len = BASE32
        .decode_len(input.len())
        .map_err(|_| KeyError::InvalidEncoding)?;
    let written = if len == N {
        BASE32
            .decode_mut(input, out)
            .map_err(|_| KeyError::InvalidEncoding)?
    } else {
        // Not a key of this size: decoded only to tell bad characters from a bad length.
        Zeroizing::new(
            BASE32
                .decode(input)
                .map_err(|_| KeyError::InvalidEncoding)?,
        )
        .len()
    };
    if written != N {
        // 32 key bytes and N - 32 bytes of prefix and CRC.
        return Err(KeyError::InvalidLength {
            actual: written.saturating_sub(N - 32),
        });
    }
    Ok(())
}

/// The text of the public key of `kind` with these key bytes.
pub(crate) fn encode_public(kind: KeyKind, key: &[u8; 32]) -> String {
    let mut text = encode_with_prefix(&[kind.prefix_byte()], key);
    std::mem::take(&mut *text)
}

/// The kind and key bytes of a public key's text: base32, length, CRC and prefix checked.
pub(crate) fn decode_public(text: &str) -> Result<(KeyKind, [u8; 32]), KeyError> {
    let mut raw = [0u8; 35];
    decode_exact(text, &mut raw)?;
    let [prefix, key @ .., crc_low, crc_high] = raw;
    if crc16(&[&[prefix], &key]) != u16::from_le_bytes([crc_low, crc_high]) {
        return Err(KeyError::ChecksumMismatch);
    }
    let kind = KeyKind::from_prefix_byte(prefix).ok_or(KeyError::InvalidPrefix)?;
    Ok((kind, key))
}

/// Checks that `text` is a public key of `kind`, without building a `PublicKey`.
pub(crate) fn check_public_kind(text: &str, kind: KeyKind) -> Result<(), KeyError> {
    let (found, _) = decode_public(text)?;
    if found != kind {
        return Err(KeyError::WrongKind {
            expected: kind,
            found,
        });
    }
    Ok(())
}

/// True when `text` is a valid public key of `kind` (Go's `IsValidPublic*Key`).
pub(crate) fn is_public_key_of(text: &str, kind: KeyKind) -> bool {
    check_public_kind(text, kind).is_ok()
}

/// The kind and the 32 seed bytes (wiped on drop) of a seed's text (`S` + kind letter).
pub(crate) fn decode_seed(seed: &str) -> Result<(KeyKind, Zeroizing<[u8; 32]>), KeyError> {
    if !seed.starts_with('S') {
        return Err(KeyError::NotASeed);
    }
    let mut raw = Zeroizing::new([0u8; 36]);
    decode_exact(seed, &mut raw)?;
    let [first, second, key @ .., crc_low, crc_high] = *raw;
    let key = Zeroizing::new(key);
    if crc16(&[&[first, second], key.as_slice()]) != u16::from_le_bytes([crc_low, crc_high]) {
        return Err(KeyError::ChecksumMismatch);
    }
    if first & 0xf8 != SEED_PREFIX {
        return Err(KeyError::NotASeed);
    }
    // The kind's prefix byte is spread over the low three bits of the first byte and the
    // high five of the second.
    let kind_byte = ((first & 0x07) << 5) | ((second & 0xf8) >> 3);
    let kind = KeyKind::from_prefix_byte(kind_byte).ok_or(KeyError::InvalidPrefix)?;
    Ok((kind, key))
}

/// `text` with every seed in it replaced by `<redacted seed>`: for messages that repeat
/// what they were given (a JSON parser's "invalid type: string …", a token's `iss`).
#[allow(
    clippy::string_slice,
    clippy::indexing_slicing,
    reason = "seeds start and end at character boundaries: `get` found them there"
)]
pub(crate) fn redact_seeds(text: &str) -> Cow<'_, str> {
    const SEED_LEN: usize = 58;
    let bytes = text.as_bytes();
    let is_base32 = |b: u8| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b);
    // Where each seed starts: a seed is 58 base32 characters, the first `S`.
    let mut starts = Vec::new();
    let mut at = 0;
    while at + SEED_LEN <= bytes.len() {
        let candidate = text
            .get(at..at + SEED_LEN)
            .filter(|c| c.starts_with('S') && c.bytes().all(is_base32) && decode_seed(c).is_ok());
        if candidate.is_some() {
            starts.push(at);
            at += SEED_LEN;
        } else {
            at += 1;
        }
    }
    if starts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for start in starts {
        out.push_str(&text[from..start]);
        out.push_str("<redacted seed>");
        from = start + SEED_LEN;
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
}

/// The seed of `kind` (`S` + kind letter) for 32 seed bytes.
pub(crate) fn encode_seed(kind: KeyKind, bytes: &[u8; 32]) -> Secret {
    let p = kind.prefix_byte();
    let prefix = [SEED_PREFIX | (p >> 5), (p & 0x1f) << 3];
    let mut encoded = encode_with_prefix(&prefix, bytes);
    Secret::new(std::mem::take(&mut *encoded))
}

/// 32 bytes from the operating system's random number generator (wiped on drop).
pub(crate) fn random_bytes() -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(bytes.as_mut_slice()).map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_xmodem_check_value() {
        assert_eq!(crc16(&[b"123456789"]), 0x31c3);
        assert_eq!(crc16(&[b"1234", b"", b"56789"]), 0x31c3);
    }

    /// A key text of `kind` built by hand from raw bytes with a correct CRC.
    fn raw_key(prefix: &[u8], key: &[u8]) -> String {
        let mut raw = prefix.to_vec();
        raw.extend_from_slice(key);
        let crc = crc16(&[&raw]);
        raw.extend_from_slice(&crc.to_le_bytes());
        BASE32.encode(&raw)
    }

    #[test]
    fn wrong_lengths_are_reported_in_key_bytes() {
        let account = [KeyKind::Account.prefix_byte()];
        for (len, expected) in [(31, 31), (33, 33), (0, 0)] {
            assert_eq!(
                decode_public(&raw_key(&account, &vec![7u8; len])),
                Err(KeyError::InvalidLength { actual: expected })
            );
        }
        assert_eq!(
            decode_public(""),
            Err(KeyError::InvalidLength { actual: 0 })
        );
        let seed = raw_key(&[SEED_PREFIX, 0], &[9u8; 33]);
        assert_eq!(
            decode_seed(&seed).map(|(kind, _)| kind),
            Err(KeyError::InvalidLength { actual: 33 })
        );
        // Bad characters are reported before a bad length.
        assert_eq!(decode_public("a!"), Err(KeyError::InvalidEncoding));
    }

    #[test]
    fn prefixes_must_be_exact() {
        // Private-key prefix 'P' in a public key.
        assert_eq!(
            decode_public(&raw_key(&[15 << 3], &[3u8; 32])),
            Err(KeyError::InvalidPrefix)
        );
        // A seed whose kind byte is no known kind.
        assert_eq!(
            decode_seed(&raw_key(&[SEED_PREFIX | 1, 1 << 3], &[3u8; 32])).map(|(k, _)| k),
            Err(KeyError::InvalidPrefix)
        );
    }

    #[test]
    fn seeds_in_messages_are_redacted() {
        let seed = encode_seed(KeyKind::User, &[7u8; 32]);
        let seed = seed.expose();
        let message = format!("invalid type: string \"{seed}\", expected i64 ({seed}x{seed})");
        assert_eq!(
            redact_seeds(&message),
            "invalid type: string \"<redacted seed>\", expected i64 (<redacted seed>x<redacted seed>)"
        );
        // Glued into other base32 text, or after a non-ASCII character, it is still found.
        assert_eq!(redact_seeds(&format!("AB{seed}")), "AB<redacted seed>");
        assert_eq!(redact_seeds(&format!("é{seed}")), "é<redacted seed>");
        // Public keys and text that only looks like a seed stay.
        let public = encode_public(KeyKind::User, &[7u8; 32]);
        assert_eq!(redact_seeds(&public), public);
        let broken = seed.replacen('A', "B", 1);
        assert_eq!(redact_seeds(&broken), broken);
        assert!(matches!(redact_seeds("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn seeds_round_trip_for_every_kind() {
        for kind in KeyKind::ALL {
            let seed = encode_seed(kind, &[5u8; 32]);
            let (found, bytes) = decode_seed(seed.expose()).unwrap();
            assert_eq!((found, *bytes), (kind, [5u8; 32]));
            assert!(seed.expose().starts_with(&format!("S{}", kind.letter())));
            let public = encode_public(kind, &[5u8; 32]);
            assert!(public.starts_with(kind.letter()));
            assert_eq!(decode_public(&public), Ok((kind, [5u8; 32])));
        }
    }
}

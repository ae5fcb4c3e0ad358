//! Bytes that are not UTF-8 inside JSON strings, replaced as Go's `encoding/json` reads
//! them.
//!
//! Go's decoder accepts any byte of 0x80 and above inside a string and decodes the string
//! with `utf8.DecodeRune`, which answers `RuneError` with width 1 for a byte that does not
//! start a valid sequence: each such byte becomes one U+FFFD, and decoding goes on at the
//! next byte. Outside strings such a byte is a syntax error. JavaScript's `btoa` over a
//! JS string gives these payloads: jwt.js writes "José" as `Jos` and the one byte 0xE9.

/// U+FFFD in UTF-8.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// The JSON text Go's decoder reads `json` as, when that differs from `json`: inside every
/// string (member names included), each byte that does not start a valid UTF-8 sequence
/// replaced by U+FFFD. Valid sequences, escapes and every byte outside strings are kept as
/// they are, so what is not JSON stays not JSON (an invalid byte outside a string is a
/// syntax error to Go too).
///
/// `None` when nothing would change: `json` is valid UTF-8, or its only invalid bytes are
/// outside strings. Only called once a parse failed, so valid payloads pay nothing.
pub(crate) fn go_replacement(json: &[u8]) -> Option<Vec<u8>> {
    let valid_up_to = std::str::from_utf8(json).err()?.valid_up_to();
    // Each replacement adds two bytes, and only bytes from the first invalid one on can
    // be replaced.
    let invalid_at_most = json.len().saturating_sub(valid_up_to);
    let mut out = Vec::with_capacity(json.len().saturating_add(invalid_at_most.saturating_mul(2)));
    let mut replaced = false;
    let mut rest = json;
    while let Some(open) = rest.iter().position(|&b| b == b'"') {
        let (outside, string) = rest.split_at(open + 1);
        out.extend_from_slice(outside);
        let (content, after) = string.split_at(string_end(string));
        replaced |= push_replaced(&mut out, content);
        // `after` starts with the closing quote, or is empty for an unterminated string.
        match after.split_first() {
            Some((&quote, tail)) => {
                out.push(quote);
                rest = tail;
            }
            None => rest = after,
        }
    }
    out.extend_from_slice(rest);
    replaced.then_some(out)
}

/// Where the string whose content starts `s` ends: the index of its closing quote, or
/// `s.len()` when it has none. A backslash escapes the byte after it, whatever that is
/// (an escape of a byte JSON does not allow is the parser's error to report).
fn string_end(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'"' => return i,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    s.len()
}

/// Appends a string's content with Go's replacement; true when it replaced a byte.
///
/// Rust's chunks end each invalid sequence at its maximal valid prefix (a lead byte and
/// the continuation bytes that may follow it: `E2 82` of `E2 82 41`), where Go replaces
/// byte by byte. Every byte of such a prefix after its lead is a continuation byte, which
/// starts no sequence, so Go gives one U+FFFD per byte of it: `E2 82 41` is two U+FFFD and
/// `A` (Rust's `from_utf8_lossy` gives one).
fn push_replaced(out: &mut Vec<u8>, content: &[u8]) -> bool {
    let mut replaced = false;
    for chunk in content.utf8_chunks() {
        out.extend_from_slice(chunk.valid().as_bytes());
        for _ in chunk.invalid() {
            out.extend_from_slice(REPLACEMENT);
            replaced = true;
        }
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::json::{UniqueValue, from_json_bytes};

    /// Go's `utf8.DecodeRune`, written from the UTF-8 definition (Unicode table 3-7):
    /// the rune at the start of `s` and its width, `None` and width 1 when invalid.
    fn decode_rune(s: &[u8]) -> (Option<char>, usize) {
        let Some(&b0) = s.first() else {
            return (None, 0);
        };
        let (width, first, second) = match b0 {
            0x00..=0x7F => return (Some(char::from(b0)), 1),
            0xC2..=0xDF => (2, u32::from(b0 & 0x1F), 0x80..=0xBF),
            0xE0 => (3, 0, 0xA0..=0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, u32::from(b0 & 0x0F), 0x80..=0xBF),
            0xED => (3, 0x0D, 0x80..=0x9F),
            0xF0 => (4, 0, 0x90..=0xBF),
            0xF1..=0xF3 => (4, u32::from(b0 & 0x07), 0x80..=0xBF),
            0xF4 => (4, 4, 0x80..=0x8F),
            _ => return (None, 1),
        };
        let mut value = first;
        for i in 1..width {
            let range = if i == 1 { second.clone() } else { 0x80..=0xBF };
            match s.get(i) {
                Some(b) if range.contains(b) => value = value << 6 | u32::from(b & 0x3F),
                _ => return (None, 1),
            }
        }
        (char::from_u32(value), width)
    }

    /// What Go's decoder makes of a string's content: rune by rune.
    fn go_string(mut s: &[u8]) -> String {
        let mut out = String::new();
        while !s.is_empty() {
            let (rune, width) = decode_rune(s);
            out.push(rune.unwrap_or('\u{FFFD}'));
            s = &s[width..];
        }
        out
    }

    /// The string `"<content>"` as the parse of its replacement reads it.
    fn read(content: &[u8]) -> String {
        let json = [b"\"", content, b"\""].concat();
        let repaired = go_replacement(&json).unwrap_or(json);
        from_json_bytes::<String>(&repaired).unwrap()
    }

    #[test]
    fn each_invalid_byte_is_one_replacement() {
        assert_eq!(read(b"Jos\xE9"), "Jos\u{FFFD}");
        assert_eq!(read(b"\xE9\xE9x\xFF"), "\u{FFFD}\u{FFFD}x\u{FFFD}");
        assert_eq!(read(b"\x80\xBF"), "\u{FFFD}\u{FFFD}");
        assert_eq!(read(b"\xF5\xF8\xFE"), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(
            go_replacement(b"{\"name\":\"Jos\xE9\"}").unwrap(),
            "{\"name\":\"Jos\u{FFFD}\"}".as_bytes()
        );
    }

    #[test]
    fn truncated_sequences_give_one_replacement_per_byte() {
        // Rust's `from_utf8_lossy` gives one U+FFFD for `E2 82`; Go gives two.
        assert_eq!(String::from_utf8_lossy(b"\xE2\x82A"), "\u{FFFD}A");
        assert_eq!(read(b"\xE2\x82A"), "\u{FFFD}\u{FFFD}A");
        assert_eq!(read(b"\xE2\x82"), "\u{FFFD}\u{FFFD}");
        assert_eq!(read(b"\xF0\x9F\x98"), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(read(b"\xF0\x9F\x98\xE9"), "\u{FFFD}".repeat(4));
        assert_eq!(read(b"\xC3"), "\u{FFFD}");
    }

    #[test]
    fn overlong_encodings_and_surrogates_are_replaced_byte_by_byte() {
        assert_eq!(read(b"\xC0\x80"), "\u{FFFD}\u{FFFD}");
        assert_eq!(read(b"\xC1\xBF"), "\u{FFFD}\u{FFFD}");
        assert_eq!(read(b"\xE0\x80\x80"), "\u{FFFD}".repeat(3));
        assert_eq!(read(b"\xF0\x80\x80\x80"), "\u{FFFD}".repeat(4));
        // U+D800 and U+DFFF encoded as if they were characters.
        assert_eq!(read(b"\xED\xA0\x80"), "\u{FFFD}".repeat(3));
        assert_eq!(read(b"\xED\xBF\xBF"), "\u{FFFD}".repeat(3));
        // Above U+10FFFF.
        assert_eq!(read(b"\xF4\x90\x80\x80"), "\u{FFFD}".repeat(4));
    }

    #[test]
    fn valid_sequences_are_kept() {
        // U+FFFD itself, and characters of every width, next to an invalid byte.
        let content = "é€😀\u{FFFD}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{10FFFF}".as_bytes();
        let mut with_invalid = content.to_vec();
        with_invalid.push(0xE9);
        let expected = String::from_utf8(content.to_vec()).unwrap() + "\u{FFFD}";
        assert_eq!(read(&with_invalid), expected);
        // Valid UTF-8 needs no replacement at all.
        assert_eq!(go_replacement(br#"{"a":"\u00e9","b":"x"}"#), None);
        assert_eq!(go_replacement("\"é\"".as_bytes()), None);
    }

    #[test]
    fn agrees_with_go_decode_rune_over_short_sequences() {
        // Every sequence of up to three bytes from the bytes where the rules change.
        let bytes: Vec<u8> = vec![
            0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
            0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ];
        let mut checked = 0;
        for &a in &bytes {
            for &b in &bytes {
                for &c in &bytes {
                    for content in [vec![a], vec![a, b], vec![a, b, c], vec![a, b, c, 0x80]] {
                        assert_eq!(read(&content), go_string(&content), "{content:02X?}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 24 * 24 * 24 * 4);
    }

    #[test]
    fn escapes_and_member_names_follow_the_string_bounds() {
        // An escaped quote does not end the string; an escaped backslash does not
        // escape the quote after it.
        assert_eq!(read(b"\\\"\xE9"), "\"\u{FFFD}");
        assert_eq!(read(b"\\\\\xE9\\u00e9"), "\\\u{FFFD}\u{e9}");
        assert_eq!(
            go_replacement(b"[\"a\\\\\",\"\xE9\"]").unwrap(),
            "[\"a\\\\\",\"\u{FFFD}\"]".as_bytes()
        );
        let value: UniqueValue =
            from_json_bytes(&go_replacement(b"{\"k\xE9\":[\"\xE9\",1]}").unwrap()).unwrap();
        assert_eq!(value.0, serde_json::json!({"k\u{FFFD}": ["\u{FFFD}", 1]}));
    }

    #[test]
    fn invalid_bytes_outside_strings_stay_errors() {
        // Nothing inside a string to replace: no replacement, and the parse fails.
        for json in [
            &b"{\"a\":1}\xE9"[..],
            b"\xE9{\"a\":1}",
            b"{\"a\":\xE9}",
            b"{\"a\"\xE9:1}",
            b"[1,\xC3\xA9]",
        ] {
            if std::str::from_utf8(json).is_err() {
                assert_eq!(go_replacement(json), None, "{json:02X?}");
            }
            assert!(from_json_bytes::<UniqueValue>(json).is_err(), "{json:02X?}");
        }
        // With a string replaced too, the byte outside is still there and refused, as
        // Go's syntax error.
        let repaired = go_replacement(b"{\"a\":\"\xE9\"}\xE9").unwrap();
        assert_eq!(repaired, b"{\"a\":\"\xEF\xBF\xBD\"}\xE9");
        let err = from_json_bytes::<UniqueValue>(&repaired).unwrap_err();
        assert!(err.to_string().starts_with("trailing characters"), "{err}");
        // An invalid byte after a backslash is no escape, to Go or here.
        let repaired = go_replacement(b"\"\\\xE9\"").unwrap();
        let err = from_json_bytes::<String>(&repaired).unwrap_err();
        assert!(err.to_string().starts_with("invalid escape"), "{err}");
        // A control character is refused whatever follows it.
        let repaired = go_replacement(b"\"\x01\xE9\"").unwrap();
        let err = from_json_bytes::<String>(&repaired).unwrap_err();
        assert!(err.to_string().starts_with("control character"), "{err}");
    }

    #[test]
    fn unterminated_strings_are_still_errors() {
        let repaired = go_replacement(b"{\"a\":\"\xE9").unwrap();
        assert_eq!(repaired, b"{\"a\":\"\xEF\xBF\xBD");
        let err = from_json_bytes::<UniqueValue>(&repaired).unwrap_err();
        assert!(err.to_string().starts_with("EOF while parsing"), "{err}");
    }
}

//! Go's `strconv.Quote` (the `%q` verb of validation messages), with seeds redacted.

use crate::keys::decode_seed;

/// `text` as a message may show it: a seed pasted where a public key belongs is replaced
/// by `<redacted seed>` (Go prints it).
pub(crate) fn shown(text: &str) -> &str {
    if text.len() == 58 && text.starts_with('S') && decode_seed(text).is_ok() {
        "<redacted seed>"
    } else {
        text
    }
}

/// Go's `strconv.Quote`, which validation messages use for values (`%q`), of [`shown`]`(text)`:
/// Go prints a seed pasted where a key belongs; this crate redacts it.
///
/// Printable characters are kept; Go's `unicode.IsPrint` is approximated without Unicode
/// tables: controls, spaces other than U+0020, format characters, private-use characters
/// and noncharacters are escaped; unassigned code points are kept.
pub(crate) fn quote(text: &str) -> String {
    let text = shown(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if u32::from(c) < 0x80 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`.
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let code = u32::from(c);
    let format_or_private = matches!(
        code,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE000..=0xF8FF
            | 0xF0000..=0x10FFFF
    );
    let noncharacter = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    !format_or_private && !noncharacter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("a b"), r#""a b""#);
        assert_eq!(quote("q\"\\"), r#""q\"\\""#);
        assert_eq!(quote("\0\u{7f}\n\u{7}"), r#""\x00\x7f\n\a""#);
        assert_eq!(quote("\u{a0}\u{200b}é"), "\"\\u00a0\\u200bé\"");
        assert_eq!(quote("\u{10ffff}😀"), "\"\\U0010ffff😀\"");
    }

    #[test]
    fn seeds_are_redacted() {
        let seed = "SUACGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZBOQ";
        assert_eq!(quote(seed), r#""<redacted seed>""#);
        assert_eq!(shown(seed), "<redacted seed>");
        // Not a valid seed (its checksum is off): shown as it is.
        let almost = seed.replace('Q', "A");
        assert_eq!(shown(&almost), almost);
    }
}

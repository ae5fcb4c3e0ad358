//! JSON exactly as Go's `encoding/json` writes and reads the NATS claim structs.
//!
//! Go's output differs from a plain `serde_json` one in ways that change the bytes (and
//! therefore the signature and the `jti`):
//! - strings escape `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`, `\u003e`, `\u0026`,
//!   `\u2028`, `\u2029` ([`GoFormatter`]);
//! - embedded structs are written inline, fields in declaration order, `omitempty` drops
//!   zero values but never a struct ([`GoFields`], the `go_fields!` macro);
//! - numbers decoded into `interface{}` are `float64` and written back as such
//!   ([`GoValue`]).
//!
//! Reading follows Go where it is safe: unknown members are ignored, `null` leaves a
//! field at its initial value, and a payload whose strings hold bytes that are not UTF-8
//! is read as Go reads it, with U+FFFD for each such byte ([`go_replacement`], applied by
//! the claims reader once a parse failed). Unlike Go, a member given twice is an error (Go
//! keeps the last one), also when the two names are equal only after that replacement,
//! and member names match case-sensitively (Go matches case-insensitively, and a member
//! that differs from a known one only in letter case is refused here).

mod fields;
mod read;
mod utf8;
mod value;

use std::collections::BTreeMap;
use std::io;

use serde::Serialize;

pub(crate) use fields::{GoFields, go_fields, go_object};
pub(crate) use read::{
    Key, MergeInto, Seen, TypeMember, UniqueMap, deserialize_fields, fold_eq, from_json_bytes,
    from_json_bytes_seed, read_value, skip_member, unique_map,
};
pub(crate) use utf8::go_replacement;
pub(crate) use value::{UniqueValue, serialize_members};

/// The bytes Go escapes beyond what `serde_json` does (`<`, `>`, `&`) and the lead byte
/// of U+2028 / U+2029: every string of every payload is scanned for them, and a table
/// look-up per byte halves the formatter's cost against comparing each byte four times.
#[allow(
    clippy::indexing_slicing,
    reason = "indexing in a constant is checked when compiling"
)]
const NEEDS_GO_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table[0xE2] = true;
    table
};

/// A `serde_json` formatter that escapes strings the way Go's `encoding/json` does.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    #[allow(
        clippy::indexing_slicing,
        reason = "a u8 indexes the 256-entry table; start <= i < len: start only moves \
                  past bytes already scanned"
    )]
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let bytes = fragment.as_bytes();
        // Most strings (member names, keys, names) hold none of these bytes: one scan,
        // one write. Wildcard subjects (`>`) go on from the first one found.
        let Some(first) = bytes.iter().position(|&b| NEEDS_GO_ESCAPE[usize::from(b)]) else {
            return writer.write_all(bytes);
        };
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate().skip(first) {
            let escape: &[u8] = match b {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                // U+2028 / U+2029 are E2 80 A8 / E2 80 A9 in UTF-8; escape at the lead byte.
                0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                    Some(0xA8) => b"\\u2028",
                    Some(0xA9) => b"\\u2029",
                    _ => continue,
                },
                _ => continue,
            };
            writer.write_all(&bytes[start..i])?;
            writer.write_all(escape)?;
            start = if b == 0xE2 { i + 3 } else { i + 1 };
        }
        writer.write_all(&bytes[start..])
    }
}

/// Serialises `value` as Go's `json.Marshal` would.
#[cfg(test)]
pub(crate) fn to_go_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(256);
    write_go_json(&mut out, value)?;
    Ok(out)
}

/// Appends Go's JSON of `value` to `out`.
pub(crate) fn write_go_json<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), serde_json::Error> {
    let mut ser = serde_json::Serializer::with_formatter(out, GoFormatter);
    value.serialize(&mut ser)
}

/// Go's `omitempty` test: the zero value of the field's type.
pub(crate) trait IsEmpty {
    /// True when Go would leave the member out.
    fn is_empty_value(&self) -> bool;
}

impl IsEmpty for String {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

impl IsEmpty for bool {
    fn is_empty_value(&self) -> bool {
        !*self
    }
}

macro_rules! zero_is_empty {
    ($($t:ty),*) => {$(
        impl IsEmpty for $t {
            fn is_empty_value(&self) -> bool {
                *self == 0
            }
        }
    )*};
}
zero_is_empty!(i64, u64, u8);

impl<T> IsEmpty for Vec<T> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> IsEmpty for BTreeMap<K, V> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

impl<T> IsEmpty for Option<T> {
    fn is_empty_value(&self) -> bool {
        self.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let s = "a<b>&c\u{2028}d\u{2029}e\u{2027}\"\\\n\t\u{1}\u{8}\u{c}\u{7f}é";
        let out = String::from_utf8(to_go_json(s).unwrap()).unwrap();
        assert_eq!(
            out,
            r#""a\u003cb\u003e\u0026c\u2028d\u2029e"#.to_owned()
                + "\u{2027}"
                + r#"\"\\\n\t\u0001\b\f"#
                + "\u{7f}é\""
        );
    }

    #[test]
    fn escapes_past_the_first_chunk() {
        // A character to escape far into a long string, or U+2028 after 63 bytes, must
        // still be found.
        let long = "x".repeat(100) + "<";
        let out = String::from_utf8(to_go_json(&long).unwrap()).unwrap();
        assert_eq!(out, format!("\"{}\\u003c\"", "x".repeat(100)));
        let split = "y".repeat(63) + "\u{2028}z";
        let out = String::from_utf8(to_go_json(&split).unwrap()).unwrap();
        assert_eq!(out, format!("\"{}\\u2028z\"", "y".repeat(63)));
    }

    #[test]
    fn map_keys_are_escaped_and_sorted() {
        let mut m = BTreeMap::new();
        m.insert("b.>".to_owned(), 1);
        m.insert("a".to_owned(), 2);
        let out = String::from_utf8(to_go_json(&m).unwrap()).unwrap();
        assert_eq!(out, r#"{"a":2,"b.\u003e":1}"#);
    }
}

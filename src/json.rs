//! JSON exactly as Go's `encoding/json` writes and reads the NATS claim structs.
//!
//! Go's output differs from a plain `serde_json` one in two ways that change the bytes
//! (and therefore the signature and the `jti`):
//! - strings escape `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`, `\u003e`, `\u0026`,
//!   `\u2028`, `\u2029` ([`GoFormatter`]);
//! - embedded structs are written inline, fields in declaration order, `omitempty` drops
//!   zero values but never a struct ([`GoFields`], the `go_fields!` macro).
//!
//! Reading follows Go where it is safe: unknown members are ignored and `null` leaves a
//! field at its initial value. Unlike Go, a member given twice is an error (Go keeps the
//! last one) and member names match case-sensitively (Go matches case-insensitively).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize};

/// The bytes Go escapes beyond what `serde_json` does (`<`, `>`, `&`) and the lead byte
/// of U+2028 / U+2029; a table look-up per byte is cheaper than four comparisons, and
/// every string of every payload is scanned.
// Indexing in a constant is checked when compiling; it cannot panic at run time.
#[allow(clippy::indexing_slicing)]
static NEEDS_GO_ESCAPE: [bool; 256] = {
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
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let bytes = fragment.as_bytes();
        // Most strings (member names, keys, names) hold none of these bytes: one scan,
        // one write. Wildcard subjects (`>`) go on from the first one found.
        let Some(first) = bytes
            .iter()
            .position(|&b| NEEDS_GO_ESCAPE.get(usize::from(b)) == Some(&true))
        else {
            return writer.write_all(bytes);
        };
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate().skip(first) {
            let escape: Option<&[u8]> = match b {
                b'<' => Some(b"\\u003c"),
                b'>' => Some(b"\\u003e"),
                b'&' => Some(b"\\u0026"),
                // U+2028 / U+2029 are E2 80 A8 / E2 80 A9 in UTF-8; escape at the lead byte.
                0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                    Some(0xA8) => Some(b"\\u2028"),
                    Some(0xA9) => Some(b"\\u2029"),
                    _ => None,
                },
                _ => None,
            };
            if let Some(escape) = escape {
                writer.write_all(bytes.get(start..i).unwrap_or_default())?;
                writer.write_all(escape)?;
                start = if b == 0xE2 { i + 3 } else { i + 1 };
            }
        }
        writer.write_all(bytes.get(start..).unwrap_or_default())
    }
}

/// Serialises `value` as Go's `json.Marshal` would.
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

/// Parses JSON bytes (a token's payload).
///
/// Valid UTF-8, which every payload Go or this crate writes is, is read as a `str`: then
/// `serde_json` does not check each string's UTF-8 again (a tenth of a user token's parse).
/// Other bytes go through `from_slice`; for valid UTF-8 both give the same values and
/// the same errors at the same positions.
pub(crate) fn from_json_bytes<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
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

/// How many member names [`Seen`] holds without allocating: more than any claim object
/// has (operator limits, the largest, has 18 with its embedded structs).
const SEEN_INLINE: usize = 24;

/// Members already read in one JSON object, to refuse duplicates.
///
/// Every object read makes one, so the names live in an inline array: a heap `Vec` here
/// was a quarter of the allocations of a decode.
#[derive(Default)]
pub(crate) struct Seen {
    inline: [&'static str; SEEN_INLINE],
    len: usize,
    /// Names past the inline capacity (not reached by this crate's types).
    more: Vec<&'static str>,
    /// Unknown member names read so far (rare: allocated only when there are some).
    unknown: Vec<String>,
}

impl Seen {
    /// Records `name`; fails when it was already read.
    pub(crate) fn first<E: de::Error>(&mut self, name: &'static str) -> Result<(), E> {
        let inline = self.inline.get(..self.len).unwrap_or_default();
        if inline.contains(&name) || self.more.contains(&name) {
            return Err(E::custom(format_args!("duplicate field `{name}`")));
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = name;
                self.len += 1;
            }
            None => self.more.push(name),
        }
        Ok(())
    }
}

/// A Go struct's members, written inline into the enclosing JSON object.
///
/// Go embeds structs (`ClaimsData`, `Permissions`, `NatsLimits`, `Info`, `GenericFields` …)
/// whose members appear directly in the parent object; this trait lets a Rust struct
/// hold the embedded part as a field and still produce Go's flat JSON.
pub(crate) trait GoFields {
    /// Writes this struct's members, in Go's declaration order.
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;

    /// Reads the member `key` into this struct if it is one of its members (or of an
    /// embedded struct's). Returns `false` for members it does not know.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        seen: &mut Seen,
    ) -> Result<bool, A::Error>;

    /// True when `key` names one of this struct's members (embedded ones included) in
    /// Go's case-insensitive sense.
    fn has_member_folded(&self, key: &str) -> bool;
}

/// Go's `encoding/json` compares member names case-insensitively, folding `ſ` to `s` and
/// the Kelvin sign to `k` too.
pub(crate) fn fold_eq(a: &str, b: &str) -> bool {
    fn fold(c: char) -> char {
        match c {
            '\u{17f}' => 's',
            '\u{212a}' => 'k',
            c => c.to_ascii_lowercase(),
        }
    }
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// Skips the value of an unknown member `key`, refusing a member that Go would read as a
/// known one (`known` tells, case-insensitively): a token saying `sub` and `SUB` would
/// name one user to Go and another here. The value itself is checked as [`Skipped`].
pub(crate) fn skip_member<'de, A: MapAccess<'de>>(
    key: &str,
    map: &mut A,
    seen: &mut Seen,
    known: impl Fn(&str) -> bool,
) -> Result<(), A::Error> {
    if known(key) {
        return Err(de::Error::custom(format_args!(
            "member {} differs from a known member only in letter case",
            crate::validation::go_quote(key)
        )));
    }
    if seen.unknown.iter().any(|k| k == key) {
        return Err(de::Error::custom(format_args!(
            "duplicate member {}",
            crate::validation::go_quote(key)
        )));
    }
    seen.unknown.push(key.to_owned());
    map.next_value::<Skipped>()?;
    Ok(())
}

/// A JSON value read only to be skipped, yet checked as strictly as a kept one: its
/// strings are decoded (no invalid UTF-8, no lone surrogate escapes) and its objects
/// give each member once.
pub(crate) struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ValueVisitor(PhantomData::<Skipped>))
            .map(|_| Skipped)
    }
}

/// A `serde_json::Value` whose objects, at every depth, give each member once.
#[derive(Debug)]
pub(crate) struct UniqueValue(pub(crate) serde_json::Value);

impl<'de> Deserialize<'de> for UniqueValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ValueVisitor(PhantomData::<UniqueValue>))
            .map(UniqueValue)
    }
}

/// Builds [`UniqueValue`]s (or checks [`Skipped`] ones, `B` picks which).
struct ValueVisitor<B>(PhantomData<B>);

impl<'de, B: Deserialize<'de>> Visitor<'de> for ValueVisitor<B> {
    type Value = serde_json::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed(PhantomData::<B>))? {
            items.push(item);
        }
        Ok(items.into())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if members.contains_key(key.as_ref()) {
                return Err(de::Error::custom(format_args!(
                    "duplicate member {}",
                    crate::validation::go_quote(&key)
                )));
            }
            let value = map.next_value_seed(ValueSeed(PhantomData::<B>))?;
            members.insert(key.into_owned(), value);
        }
        Ok(members.into())
    }
}

struct ValueSeed<B>(PhantomData<B>);

impl<'de, B: Deserialize<'de>> de::DeserializeSeed<'de> for ValueSeed<B> {
    type Value = serde_json::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<serde_json::Value, D::Error> {
        d.deserialize_any(ValueVisitor(self.0))
    }
}

/// Reads a JSON object into a map, refusing a key given twice (serde's maps keep the last).
pub(crate) fn unique_map<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct MapVisitor<V>(PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                if out.contains_key(key.as_ref()) {
                    return Err(de::Error::custom(format_args!(
                        "duplicate key {}",
                        crate::validation::go_quote(&key)
                    )));
                }
                let value = map.next_value()?;
                out.insert(key.into_owned(), value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(MapVisitor(PhantomData))
}

/// `Option<BTreeMap>` through [`unique_map`], for reading a map member that may be `null`.
#[derive(Debug)]
pub(crate) struct UniqueMap<V>(pub(crate) BTreeMap<String, V>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        unique_map(deserializer).map(UniqueMap)
    }
}

/// Reads the next map value into `field`, leaving it unchanged for `null` (Go's rule).
pub(crate) fn read_value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    field: &mut T,
) -> Result<(), A::Error> {
    if let Some(value) = map.next_value::<Option<T>>()? {
        *field = value;
    }
    Ok(())
}

/// A map key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Deserialises a JSON object into `initial`, member by member.
pub(crate) fn deserialize_fields<'de, D, T>(deserializer: D, initial: T) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: GoFields,
{
    struct FieldsVisitor<T>(T, PhantomData<fn() -> T>);
    impl<'de, T: GoFields> Visitor<'de> for FieldsVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut value = self.0;
            let mut seen = Seen::default();
            while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                if !value.read_field(&key, &mut map, &mut seen)? {
                    skip_member(&key, &mut map, &mut seen, |k| value.has_member_folded(k))?;
                }
            }
            Ok(value)
        }
    }
    deserializer.deserialize_map(FieldsVisitor(initial, PhantomData))
}

/// Reads a JSON object into an existing value, as Go decodes into a struct that already
/// has values: members present replace, members absent keep theirs, `null` keeps all.
pub(crate) struct MergeInto<T>(pub(crate) T);

impl<'de, T: GoFields> de::DeserializeSeed<'de> for MergeInto<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        struct OptionVisitor<T>(T);
        impl<'de, T: GoFields> Visitor<'de> for OptionVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<T, E> {
                Ok(self.0)
            }
            fn visit_unit<E: de::Error>(self) -> Result<T, E> {
                Ok(self.0)
            }
            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
                deserialize_fields(deserializer, self.0)
            }
        }
        deserializer.deserialize_option(OptionVisitor(self.0))
    }
}

/// Implements [`GoFields`] from a list of members in Go's declaration order.
///
/// Each entry is one of:
/// - `(embed field)`: an embedded struct, written inline;
/// - `(always field "name")`: always written (Go structs under `omitempty`, or no `omitempty`);
/// - `(omitempty field "name")`: left out when zero;
/// - `(uniquemap field "name")`: a map, left out when empty, read refusing a key given twice;
/// - `(merge field "name")`: always written; read into the field's current value (for
///   nested structs whose initial value is not the zero value);
/// - `(constant "name" expr)`: written with a fixed value, ignored on read.
macro_rules! go_fields {
    ($ty:ty => [ $( ( $($entry:tt)* ) )* ]) => {
        impl $crate::json::GoFields for $ty {
            fn write_fields<M: serde::ser::SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $( $crate::json::go_fields!(@write self map $($entry)*); )*
                Ok(())
            }

            fn read_field<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
                seen: &mut $crate::json::Seen,
            ) -> Result<bool, A::Error> {
                $( $crate::json::go_fields!(@read self key map seen $($entry)*); )*
                let _ = (key, map, seen);
                Ok(false)
            }

            fn has_member_folded(&self, key: &str) -> bool {
                $( $crate::json::go_fields!(@folded self key $($entry)*); )*
                false
            }
        }
    };
    (@folded $s:ident $k:ident embed $f:ident) => {
        if $crate::json::GoFields::has_member_folded(&$s.$f, $k) {
            return true;
        }
    };
    (@folded $s:ident $k:ident constant $n:literal $v:expr) => {
        if $crate::json::fold_eq($k, $n) && $k != $n {
            return true;
        }
    };
    (@folded $s:ident $k:ident $mode:ident $f:ident $n:literal) => {
        if $crate::json::fold_eq($k, $n) {
            return true;
        }
    };
    (@write $s:ident $m:ident embed $f:ident) => {
        $crate::json::GoFields::write_fields(&$s.$f, $m)?
    };
    (@write $s:ident $m:ident always $f:ident $n:literal) => {
        $m.serialize_entry($n, &$s.$f)?
    };
    (@write $s:ident $m:ident uniquemap $f:ident $n:literal) => {
        if !$crate::json::IsEmpty::is_empty_value(&$s.$f) {
            $m.serialize_entry($n, &$s.$f)?;
        }
    };
    (@write $s:ident $m:ident merge $f:ident $n:literal) => {
        $m.serialize_entry($n, &$s.$f)?
    };
    (@write $s:ident $m:ident omitempty $f:ident $n:literal) => {
        if !$crate::json::IsEmpty::is_empty_value(&$s.$f) {
            $m.serialize_entry($n, &$s.$f)?;
        }
    };
    (@write $s:ident $m:ident constant $n:literal $v:expr) => {
        $m.serialize_entry($n, $v)?
    };
    (@read $s:ident $k:ident $m:ident $seen:ident embed $f:ident) => {
        if $crate::json::GoFields::read_field(&mut $s.$f, $k, $m, $seen)? {
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident uniquemap $f:ident $n:literal) => {
        if $k == $n {
            $seen.first($n)?;
            if let Some($crate::json::UniqueMap(value)) = $m.next_value::<Option<$crate::json::UniqueMap<_>>>()? {
                $s.$f = value;
            }
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident merge $f:ident $n:literal) => {
        if $k == $n {
            $seen.first($n)?;
            let current = std::mem::take(&mut $s.$f);
            $s.$f = $m.next_value_seed($crate::json::MergeInto(current))?;
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident $mode:ident $f:ident $n:literal) => {
        if $k == $n {
            $seen.first($n)?;
            $crate::json::read_value($m, &mut $s.$f)?;
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident constant $n:literal $v:expr) => {};
}

/// Implements `Serialize` and `Deserialize` for a [`GoFields`] struct, reading into
/// `initial` (its `Default` unless given: Go's zero value).
macro_rules! go_object {
    ($ty:ty) => {
        $crate::json::go_object!($ty, <$ty as Default>::default());
    };
    ($ty:ty, $initial:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                $crate::json::GoFields::write_fields(self, &mut map)?;
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::json::deserialize_fields(deserializer, $initial)
            }
        }
    };
}

pub(crate) use {go_fields, go_object};

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

    #[derive(Default, Debug, PartialEq)]
    struct Inner {
        a: i64,
        b: Vec<String>,
    }
    go_fields!(Inner => [(omitempty a "a") (omitempty b "b")]);

    #[derive(Default, Debug, PartialEq)]
    struct Outer {
        x: String,
        inner: Inner,
        nested: Inner,
        flag: bool,
    }
    go_fields!(Outer => [
        (always x "x")
        (embed inner)
        (always nested "nested")
        (omitempty flag "flag")
        (constant "type" "outer")
    ]);
    go_object!(Inner);
    go_object!(Outer);

    #[test]
    fn embedded_structs_are_inline() {
        let v = Outer {
            x: "<".into(),
            inner: Inner { a: 3, b: vec![] },
            nested: Inner::default(),
            flag: false,
        };
        let json = String::from_utf8(to_go_json(&v).unwrap()).unwrap();
        assert_eq!(json, r#"{"x":"\u003c","a":3,"nested":{},"type":"outer"}"#);
        let back: Outer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn seen_refuses_duplicates_past_its_inline_capacity() {
        const NAMES: [&str; 30] = [
            "n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10", "n11", "n12", "n13",
            "n14", "n15", "n16", "n17", "n18", "n19", "n20", "n21", "n22", "n23", "n24", "n25",
            "n26", "n27", "n28", "n29",
        ];
        let mut seen = Seen::default();
        for name in NAMES {
            seen.first::<serde_json::Error>(name).unwrap();
        }
        for name in ["n3", "n23", "n24", "n29"] {
            let err = seen.first::<serde_json::Error>(name).unwrap_err();
            assert_eq!(err.to_string(), format!("duplicate field `{name}`"));
        }
    }

    #[test]
    fn unknown_members_are_checked_while_skipped() {
        // Letter-case variants of known members, constants included, are refused.
        for json in [
            r#"{"X":"y"}"#,
            r#"{"A":1}"#,
            r#"{"Type":"t"}"#,
            r#"{"NE\u017fTED":{}}"#,
        ] {
            let err = serde_json::from_str::<Outer>(json).unwrap_err();
            assert!(
                err.to_string().contains("only in letter case"),
                "{json}: {err}"
            );
        }
        // The exact name of a constant is skipped, as any unknown member.
        assert!(serde_json::from_str::<Outer>(r#"{"type":"x","other":1}"#).is_ok());
        // Skipped values are still decoded: lone surrogates and duplicates are refused.
        for json in [
            r#"{"zz":"\ud800"}"#,
            r#"{"zz":{"a":1,"a":2}}"#,
            r#"{"zz":[{"b":[],"b":0}]}"#,
        ] {
            assert!(serde_json::from_str::<Outer>(json).is_err(), "{json}");
        }
        assert!(serde_json::from_slice::<Outer>(b"{\"zz\":\"\xff\"}").is_err());
    }

    #[test]
    fn maps_and_values_refuse_duplicate_keys() {
        let ok: UniqueMap<i64> = serde_json::from_str(r#"{"a":1,"b":2}"#).unwrap();
        assert_eq!(ok.0.len(), 2);
        let err = serde_json::from_str::<UniqueMap<i64>>(r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(err.to_string().contains(r#"duplicate key "a""#), "{err}");
        let value: UniqueValue = serde_json::from_str(r#"{"a":[1,{"b":null}],"c":1.5}"#).unwrap();
        assert_eq!(value.0["a"][1]["b"], serde_json::Value::Null);
        assert!(serde_json::from_str::<UniqueValue>(r#"[{"x":1,"x":1}]"#).is_err());
        assert!(fold_eq("\u{212a}ind", "kind"));
        assert!(!fold_eq("kinds", "kind"));
    }

    #[test]
    fn reading_ignores_unknown_and_null_and_refuses_duplicates() {
        let v: Outer =
            serde_json::from_str(r#"{"zzz":[1,{"q":2}],"a":null,"b":["s"],"x":"y"}"#).unwrap();
        assert_eq!(v.inner.b, vec!["s".to_owned()]);
        assert_eq!(v.x, "y");
        let err = serde_json::from_str::<Outer>(r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate field `a`"), "{err}");
        let err = serde_json::from_str::<Outer>(r#"{"nested":{"a":1,"a":2}}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate field `a`"), "{err}");
        assert!(serde_json::from_str::<Outer>("[]").is_err());
    }
}

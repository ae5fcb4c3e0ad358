//! Reading JSON as Go reads it into the claim structs, with the strictness this crate
//! adds: no member twice, no member that Go would read as another in other letter case,
//! no invalid strings (lone surrogate escapes) even in skipped values. Bytes that are not
//! UTF-8 are refused here; the claims reader replaces them as Go does
//! ([`go_replacement`](super::go_replacement)) and reads the result.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::GoFields;
use super::value::Skipped;
use crate::go::quote::quote;

/// Parses JSON bytes (a token's payload).
///
/// Valid UTF-8, which every payload Go or this crate writes is, is read as a `str`: then
/// `serde_json` does not check each string's UTF-8 again (a tenth of a user token's parse).
/// Other bytes go through `from_slice`, which refuses them where it meets them; for valid
/// UTF-8 both give the same values and the same errors at the same positions. Go's reading
/// of such bytes is [`go_replacement`](super::go_replacement)'s, which the caller applies
/// when this fails: the value may borrow from `bytes`, so the replacement, a new buffer,
/// must outlive it.
pub(crate) fn from_json_bytes<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
) -> Result<T, serde_json::Error> {
    from_json_bytes_seed(bytes, PhantomData::<T>)
}

/// [`from_json_bytes`] through a `DeserializeSeed`: the whole input must be one value.
pub(crate) fn from_json_bytes_seed<'a, S: de::DeserializeSeed<'a>>(
    bytes: &'a [u8],
    seed: S,
) -> Result<S::Value, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let value = seed.deserialize(&mut deserializer)?;
            deserializer.end()?;
            Ok(value)
        }
        Err(_) => {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            let value = seed.deserialize(&mut deserializer)?;
            deserializer.end()?;
            Ok(value)
        }
    }
}

/// Members already read in one JSON object, to refuse duplicates.
///
/// Every object read makes one, so the known names live inline: a heap buffer here was a
/// quarter of the allocations of a decode. Each is read once at most, so they never
/// outnumber the object's members, which `go_fields!` checks against the capacity.
#[derive(Default)]
pub(crate) struct Seen {
    /// Known member names read so far: the first `len`.
    known: [&'static str; Seen::CAPACITY],
    len: usize,
    /// Unknown member names read so far (rare: allocated only when there are some).
    unknown: Vec<String>,
}

impl Seen {
    /// Most known members one object has (operator limits, the largest, has 18).
    pub(crate) const CAPACITY: usize = 24;

    /// Records the known member `name`; fails when it was already read.
    #[allow(
        clippy::expect_used,
        reason = "distinct known names are at most an object's members, checked when compiling"
    )]
    pub(crate) fn first<E: de::Error>(&mut self, name: &'static str) -> Result<(), E> {
        let (read, free) = self.known.split_at_mut(self.len);
        if read.contains(&name) {
            return Err(E::custom(format_args!("duplicate field `{name}`")));
        }
        let slot = free
            .first_mut()
            .expect("an object has at most Seen::CAPACITY known members");
        *slot = name;
        self.len += 1;
        Ok(())
    }
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
            quote(key)
        )));
    }
    if seen.unknown.iter().any(|k| k == key) {
        return Err(de::Error::custom(format_args!(
            "duplicate member {}",
            quote(key)
        )));
    }
    seen.unknown.push(key.to_owned());
    map.next_value::<Skipped>()?;
    Ok(())
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
                        quote(&key)
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
pub struct Key<'de>(pub(crate) Cow<'de, str>);

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

/// The `type` member of an object, as a claims body's reader found it: `None` when
/// absent, `Some(None)` for `null`, else the string.
pub(crate) type TypeMember<'de> = Option<Option<Key<'de>>>;

/// Deserialises a JSON object into `initial`, member by member.
///
/// With `type_member`, the object's `type` member is read as a string (or `null`) into
/// it instead of being skipped: a claims body says there which claim type it is.
pub(crate) fn deserialize_fields<'de, D, T>(
    deserializer: D,
    initial: T,
    type_member: Option<&mut TypeMember<'de>>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: GoFields,
{
    struct FieldsVisitor<'t, 'de, T> {
        value: T,
        type_member: Option<&'t mut TypeMember<'de>>,
    }
    impl<'de, T: GoFields> Visitor<'de> for FieldsVisitor<'_, 'de, T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let FieldsVisitor {
                mut value,
                mut type_member,
            } = self;
            let mut seen = Seen::default();
            while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                if let (Some(slot), "type") = (type_member.as_deref_mut(), key.as_ref()) {
                    if slot.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    *slot = Some(map.next_value()?);
                } else if !value.read_field(&key, &mut map, &mut seen)? {
                    skip_member(&key, &mut map, &mut seen, |k| value.has_member_folded(k))?;
                }
            }
            Ok(value)
        }
    }
    deserializer.deserialize_map(FieldsVisitor {
        value: initial,
        type_member,
    })
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
                deserialize_fields(deserializer, self.0, None)
            }
        }
        deserializer.deserialize_option(OptionVisitor(self.0))
    }
}

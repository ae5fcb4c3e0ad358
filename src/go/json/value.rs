//! JSON values as Go holds them in an `interface{}`: read strictly, written back with
//! Go's number text.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::Key;
use crate::go::quote::quote;

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
                    quote(&key)
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

/// Go's text for a JSON number decoded into `float64` (`encoding/json` `floatEncoder`):
/// plain decimals in `[1e-6, 1e21)`, else the exponent form.
#[allow(
    clippy::expect_used,
    reason = "Rust's `{:e}` always writes `<mantissa>e<integer>`"
)]
fn go_float_text(value: f64) -> String {
    let abs = value.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return format!("{value}");
    }
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').expect("`{:e}` has an `e`");
    let exponent: i32 = exponent.parse().expect("`{:e}` has an integer exponent");
    // Go pads a positive exponent to two digits and trims a negative one's leading zero.
    if exponent < 0 {
        format!("{mantissa}e-{}", exponent.unsigned_abs())
    } else {
        format!("{mantissa}e+{exponent:02}")
    }
}

/// Serialises a JSON value the way Go re-encodes an `interface{}` it decoded.
pub(crate) struct GoValue<'a>(pub(crate) &'a Value);

impl Serialize for GoValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => {
                // Go holds every number as a float64; so do serde_json's (without its
                // `arbitrary_precision` feature, which this crate does not use).
                let value = n
                    .as_f64()
                    .ok_or_else(|| serde::ser::Error::custom("a JSON number beyond float64"))?;
                let text = go_float_text(value);
                let raw = serde_json::value::RawValue::from_string(text)
                    .map_err(serde::ser::Error::custom)?;
                raw.serialize(serializer)
            }
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&GoValue(item))?;
                }
                seq.end()
            }
            Value::Object(members) => serialize_members(members, serializer),
        }
    }
}

/// Writes an object's members as Go writes a `map[string]interface{}`: keys sorted.
pub(crate) fn serialize_members<S: Serializer>(
    members: &Map<String, Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(members.len()))?;
    for (key, value) in members {
        map.serialize_entry(key, &GoValue(value))?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_go_writes_them() {
        for (value, text) in [
            (2.0, "2"),
            (1.5, "1.5"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (-3.25, "-3.25"),
            (0.0, "0"),
            (1.2345e-10, "1.2345e-10"),
            (1e100, "1e+100"),
            (12345678901234567890.0, "12345678901234567000"),
        ] {
            assert_eq!(go_float_text(value), text, "{value}");
        }
    }

    #[test]
    fn values_refuse_duplicate_keys_at_every_depth() {
        let value: UniqueValue = serde_json::from_str(r#"{"a":[1,{"b":null}],"c":1.5}"#).unwrap();
        assert_eq!(value.0["a"][1]["b"], Value::Null);
        assert!(serde_json::from_str::<UniqueValue>(r#"[{"x":1,"x":1}]"#).is_err());
    }
}

//! Generic claims: a free-form `nats` object, for custom claim types (and, as Go's
//! `DecodeGeneric`, for reading any token without its typed structure).

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use crate::claims::{load_v1_parts, AnyClaims, ClaimBody, ClaimType, Claims};
use crate::keys::KeyKind;
use crate::validation::ValidationResults;

/// The `nats` body of generic claims: any JSON object, written with sorted keys.
///
/// Numbers are written as Go writes the `float64` it reads them into: integers
/// without a fraction, `1e+21` / `1e-7` outside `[1e-6, 1e21)`, and integers beyond
/// 2^53 rounded. A custom `type` is kept as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Generic {
    /// The members of `nats`.
    pub data: Map<String, Value>,
}

impl Generic {
    /// The `type` member, if it is a string.
    pub fn type_name(&self) -> Option<&str> {
        self.data.get("type").and_then(Value::as_str)
    }
}

/// Go's text for a JSON number decoded into `float64` (`encoding/json` `floatEncoder`).
fn go_float_text(value: f64) -> String {
    let abs = value.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        if exponent < 0 {
            format!("{mantissa}e-{}", -exponent)
        } else {
            format!("{mantissa}e+{exponent:02}")
        }
    } else {
        format!("{value}")
    }
}

/// Serialises a JSON value the way Go re-encodes an `interface{}` it decoded.
struct GoValue<'a>(&'a Value);

impl Serialize for GoValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => {
                let text = go_float_text(n.as_f64().unwrap_or(0.0));
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

fn serialize_members<S: Serializer>(
    members: &Map<String, Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(members.len()))?;
    for (key, value) in members {
        map.serialize_entry(key, &GoValue(value))?;
    }
    map.end()
}

impl Serialize for Generic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_members(&self.data, serializer)
    }
}

impl<'de> Deserialize<'de> for Generic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let members = crate::json::unique_map::<_, crate::json::UniqueValue>(deserializer)?;
        Ok(Generic {
            data: members.into_iter().map(|(k, v)| (k, v.0)).collect(),
        })
    }
}

impl ClaimBody for Generic {
    const CLAIM_TYPE: ClaimType = ClaimType::Generic;
    const ISSUER_KINDS: &'static [KeyKind] = &[];
    const SUBJECT_KIND: Option<KeyKind> = None;

    fn with_defaults() -> Self {
        Generic::default()
    }

    fn version(&self) -> i64 {
        self.data
            .get("version")
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }

    fn set_version(&mut self, version: i64) {
        self.data.insert("version".to_owned(), Value::from(version));
    }

    fn validate_body(_claims: &Claims<Self>, _vr: &mut ValidationResults) {}

    fn load_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        let (mut claims, deleted) = load_v1_parts::<Generic>(payload)?;
        // Go's DecodeGeneric copies v1's top-level type and tags into the data.
        if !deleted.claim_type.is_empty() {
            claims
                .nats
                .data
                .insert("type".to_owned(), Value::from(deleted.claim_type));
        }
        if !deleted.tags.is_empty() {
            let tags: Vec<Value> = deleted.tags.iter().cloned().map(Value::from).collect();
            claims
                .nats
                .data
                .insert("tags".to_owned(), Value::from(tags));
        }
        Ok(claims)
    }

    fn into_any(claims: Claims<Self>) -> AnyClaims {
        AnyClaims::Generic(claims)
    }
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
    fn generic_body_round_trips_with_go_numbers() {
        let g: Generic =
            serde_json::from_str(r#"{"b":[1,2.50,{"z":1e3}],"a":"<x>","version":2}"#).unwrap();
        assert_eq!(g.version(), 2);
        let json = String::from_utf8(crate::json::to_go_json(&g).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"a":"\u003cx\u003e","b":[1,2.5,{"z":1000}],"version":2}"#
        );
    }
}

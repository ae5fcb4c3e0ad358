//! Generic claims: a free-form `nats` object, for custom claim types (and, as Go's
//! `DecodeGeneric`, for reading any token without its typed structure).

use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::body::Rules;
use super::v1::read_v1_parts;
use super::{AnyClaims, ClaimBody, ClaimType, Claims};
use crate::go::json::{Key, TypeMember, UniqueValue, serialize_members, unique_map};
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

impl Serialize for Generic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_members(&self.data, serializer)
    }
}

impl<'de> Deserialize<'de> for Generic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let members = unique_map::<_, UniqueValue>(deserializer)?;
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
}

impl Rules for Generic {
    const ANY_VERSION: bool = true;

    fn set_version(&mut self, version: i64) {
        self.data.insert("version".to_owned(), Value::from(version));
    }

    /// The map, whose `type` and `version` must be what Go's identifier reads: a string
    /// (or `null`) and an integer (or `null`).
    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error> {
        let body = Generic::deserialize(deserializer)?;
        match body.data.get("type") {
            None => {}
            Some(Value::Null) => *type_member = Some(None),
            Some(Value::String(name)) => {
                *type_member = Some(Some(Key(Cow::Owned(name.clone()))));
            }
            Some(_) => return Err(D::Error::custom("nats.type is not a string")),
        }
        match body.data.get("version") {
            None | Some(Value::Null) => {}
            Some(version) if version.is_i64() => {}
            Some(_) => return Err(D::Error::custom("nats.version is not an integer")),
        }
        Ok(body)
    }

    fn validate_body(_claims: &Claims<Self>, _vr: &mut ValidationResults) {}

    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        let (mut claims, deleted) = read_v1_parts::<Generic>(payload)?;
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
    fn generic_body_round_trips_with_go_numbers() {
        let g: Generic =
            serde_json::from_str(r#"{"b":[1,2.50,{"z":1e3}],"a":"<x>","version":2}"#).unwrap();
        assert_eq!(g.version(), 2);
        let json = String::from_utf8(crate::go::json::to_go_json(&g).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"a":"\u003cx\u003e","b":[1,2.5,{"z":1000}],"version":2}"#
        );
    }
}

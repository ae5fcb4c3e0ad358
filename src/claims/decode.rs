//! Reading a token into claims: the payload parsed once, Go's checks in Go's order.
//!
//! Go first reads a payload's claim type and version alone (its `identifier`), then parses
//! it again as that type. Here the typed parse reads the `type` and `version` members on
//! its way, so a token of the expected type is parsed once; when that parse fails, the
//! identifier is read alone to say what Go would say first. Differences from Go's
//! `Decode`, all stricter except the first:
//! - v2 generic and custom-type tokens decode (Go's `Decode` verifies them as v1 and
//!   fails; its `DecodeGeneric` reads them);
//! - the header `alg` must match the payload version (`ed25519-nkey` for v2, `ed25519`
//!   for v1; Go's `Decode` accepts a v2 payload under an `ed25519` header);
//! - a JSON member given twice is refused (Go keeps the last), also when the names are
//!   equal only once invalid UTF-8 is replaced, and member names are case-sensitive (Go's
//!   are not).
//!
//! Bytes that are not UTF-8 inside strings are read as Go reads them: each one is U+FFFD
//! (jwt.js writes Latin-1 bytes for non-ASCII characters). Only a failed parse looks for
//! them, so valid payloads are parsed once, as before.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::body::Rules;
use super::verified::Unverified;
use super::{
    Account, Activation, AnyClaims, AuthorizationRequest, AuthorizationResponse, ClaimBody,
    ClaimType, Claims, ClaimsError, Generic, Operator, User,
};
use crate::go::json::{
    Key, Seen, TypeMember, fold_eq, from_json_bytes, from_json_bytes_seed, go_replacement,
    read_value, skip_member,
};
use crate::jws::{ALGORITHM_V2, Parts};
use crate::keys::redact_seeds;

/// The highest claims version this crate reads, and the one it writes.
pub(crate) const LIBRARY_VERSION: i64 = 2;

/// Runs `$body` with `$T` standing for the body type of the claim type `$claim_type`: the
/// one place a claim type known only at run time selects its body.
macro_rules! for_body {
    ($claim_type:expr, $T:ident => $body:expr) => {
        match $claim_type {
            ClaimType::Operator => {
                type $T = Operator;
                $body
            }
            ClaimType::Account => {
                type $T = Account;
                $body
            }
            ClaimType::User => {
                type $T = User;
                $body
            }
            ClaimType::Activation => {
                type $T = Activation;
                $body
            }
            ClaimType::AuthorizationRequest => {
                type $T = AuthorizationRequest;
                $body
            }
            ClaimType::AuthorizationResponse => {
                type $T = AuthorizationResponse;
                $body
            }
            ClaimType::Generic => {
                type $T = Generic;
                $body
            }
        }
    };
}

/// The claim type and version a payload declares (Go's `identifier`).
#[derive(Debug)]
struct PayloadKind {
    /// The type's name as written (`nats.type`, or `type` in v1).
    name: Cow<'static, str>,
    version: i64,
    v1: bool,
}

impl PayloadKind {
    /// Go's `identifier` rules over the members read: a top-level `type` means v1;
    /// otherwise `nats.type` and `nats.version`.
    fn classify(
        v1_type: Option<Cow<'_, str>>,
        nats_type: Option<Cow<'_, str>>,
        version: i64,
    ) -> Result<PayloadKind, ClaimsError> {
        let (name, version, v1) = match v1_type.filter(|t| !t.is_empty()) {
            Some(name) => (name, 1, true),
            None => (nats_type.unwrap_or_default(), version, false),
        };
        if version > LIBRARY_VERSION {
            return Err(ClaimsError::NewerVersion(version));
        }
        if let "cluster" | "server" = &*name {
            return Err(ClaimsError::UnsupportedClaimType(name.into_owned()));
        }
        // Known names are kept as the type's own constant: no copy for usual tokens.
        let name = match ClaimType::from_name(&name) {
            ClaimType::Generic => Cow::Owned(name.into_owned()),
            known => Cow::Borrowed(known.as_str()),
        };
        Ok(PayloadKind { name, version, v1 })
    }

    fn claim_type(&self) -> ClaimType {
        ClaimType::from_name(&self.name)
    }
}

/// Go's `identifier`, read alone: only when the typed parse failed, to report what Go
/// reports first.
#[derive(Deserialize)]
struct Identifier<'a> {
    #[serde(rename = "type", default, borrow)]
    v1_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    nats: Option<IdentifierNats<'a>>,
}

#[derive(Deserialize)]
struct IdentifierNats<'a> {
    #[serde(rename = "type", default, borrow)]
    claim_type: Option<Cow<'a, str>>,
    #[serde(default)]
    version: Option<i64>,
}

fn identify(payload: &[u8]) -> Result<PayloadKind, ClaimsError> {
    let identifier: Identifier<'_> = from_json_bytes(payload).map_err(ClaimsError::payload)?;
    let (nats_type, version) = identifier
        .nats
        .map_or((None, None), |nats| (nats.claim_type, nats.version));
    PayloadKind::classify(identifier.v1_type, nats_type, version.unwrap_or(0))
}

/// Claims read from a payload in one pass, with the members that say their type.
struct Read<'de, B> {
    claims: Claims<B>,
    v1_type: TypeMember<'de>,
    nats_type: TypeMember<'de>,
}

/// How a claims object's `nats` member is read.
trait ReadNats<'de> {
    type Body: Default;
    fn read<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        nats_type: &mut TypeMember<'de>,
    ) -> Result<Option<Self::Body>, A::Error>;
}

/// A v2 body, which reports its `type` member.
struct TypedBody<T>(PhantomData<T>);

impl<'de, T: ClaimBody> ReadNats<'de> for TypedBody<T> {
    type Body = T;
    fn read<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        nats_type: &mut TypeMember<'de>,
    ) -> Result<Option<T>, A::Error> {
        map.next_value_seed(NatsSeed {
            nats_type,
            body: PhantomData,
        })
    }
}

/// A v1 body, read with its own `Deserialize` (v1 bodies keep `type` as a field).
struct PlainBody<B>(PhantomData<B>);

impl<'de, B: Deserialize<'de> + Default> ReadNats<'de> for PlainBody<B> {
    type Body = B;
    fn read<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        _nats_type: &mut TypeMember<'de>,
    ) -> Result<Option<B>, A::Error> {
        map.next_value::<Option<B>>()
    }
}

/// `nats` as a `T` (`null` keeps the default, as Go's decoding does), its `type` member
/// taken out on the way.
struct NatsSeed<'t, 'de, T> {
    nats_type: &'t mut TypeMember<'de>,
    body: PhantomData<T>,
}

impl<'de, T: ClaimBody> DeserializeSeed<'de> for NatsSeed<'_, 'de, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, T: ClaimBody> Visitor<'de> for NatsSeed<'_, 'de, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claims body or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        T::read_body(deserializer, self.nats_type).map(Some)
    }
}

/// A claims object: the standard members, the top-level `type` (v1) and `nats`.
struct ClaimsSeed<R>(R);

impl<'de, R: ReadNats<'de>> DeserializeSeed<'de> for ClaimsSeed<R> {
    type Value = Read<'de, R::Body>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, R: ReadNats<'de>> Visitor<'de> for ClaimsSeed<R> {
    type Value = Read<'de, R::Body>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claims object")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut read = Read {
            claims: Claims::default(),
            v1_type: None,
            nats_type: None,
        };
        let mut seen = Seen::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if key == "nats" {
                seen.first("nats")?;
                if let Some(body) = self.0.read(&mut map, &mut read.nats_type)? {
                    read.claims.nats = body;
                }
            } else if key == "type" {
                if read.v1_type.is_some() {
                    return Err(de::Error::duplicate_field("type"));
                }
                read.v1_type = Some(map.next_value()?);
            } else if !read_standard(&mut read.claims, &key, &mut map, &mut seen)? {
                skip_member(&key, &mut map, &mut seen, is_top_level_case_variant)?;
            }
        }
        Ok(read)
    }
}

/// Top-level member names Go reads (case-insensitively): the standard ones, `nats`, and
/// `type` (which marks a v1 token).
const TOP_LEVEL_MEMBERS: [&str; 10] = [
    "aud", "exp", "jti", "iat", "iss", "name", "nbf", "sub", "nats", "type",
];

const _: () = assert!(TOP_LEVEL_MEMBERS.len() <= Seen::CAPACITY);

/// True when `key` is not a top-level member name but Go would read it as one.
fn is_top_level_case_variant(key: &str) -> bool {
    TOP_LEVEL_MEMBERS
        .iter()
        .any(|name| fold_eq(key, name) && key != *name)
}

/// Reads one standard member into `claims`; `false` when `key` is not one.
fn read_standard<'de, A: MapAccess<'de>, T>(
    claims: &mut Claims<T>,
    key: &str,
    map: &mut A,
    seen: &mut Seen,
) -> Result<bool, A::Error> {
    match key {
        "aud" => seen
            .first("aud")
            .and_then(|()| read_value(map, &mut claims.audience))?,
        "exp" => seen
            .first("exp")
            .and_then(|()| read_value(map, &mut claims.expires))?,
        "jti" => seen
            .first("jti")
            .and_then(|()| read_value(map, &mut claims.id))?,
        "iat" => seen
            .first("iat")
            .and_then(|()| read_value(map, &mut claims.issued_at))?,
        "iss" => seen
            .first("iss")
            .and_then(|()| read_value(map, &mut claims.issuer))?,
        "name" => seen
            .first("name")
            .and_then(|()| read_value(map, &mut claims.name))?,
        "nbf" => seen
            .first("nbf")
            .and_then(|()| read_value(map, &mut claims.not_before))?,
        "sub" => seen
            .first("sub")
            .and_then(|()| read_value(map, &mut claims.subject))?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Claims with a v1 body `B`, read with the v2 claims reader (v1 migration only).
pub(crate) struct PlainClaims<B>(pub(crate) Claims<B>);

impl<'de, B: Deserialize<'de> + Default> Deserialize<'de> for PlainClaims<B> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ClaimsSeed(PlainBody(PhantomData))
            .deserialize(deserializer)
            .map(|read| PlainClaims(read.claims))
    }
}

/// A payload read as claims of type `T`, with the kind it declares.
struct Reading<'p, T> {
    kind: PayloadKind,
    /// The claims, or why the payload is not `T`'s JSON.
    claims: Result<Claims<T>, serde_json::Error>,
    /// The JSON read: the payload, or the text Go reads it as when it is not UTF-8
    /// ([`go_replacement`]). Any further parse (a v1 migration, another type) reads this.
    json: Cow<'p, [u8]>,
}

/// Reads `payload` as claims of type `T` once; when that fails, reads Go's identifier
/// alone, whose errors come first.
///
/// A payload that is not valid UTF-8 always fails the first parse; when its strings hold
/// the invalid bytes, the text Go reads it as is read instead, and errors are that text's
/// (their columns count each U+FFFD as its three bytes).
fn read_as<T: ClaimBody>(payload: &[u8]) -> Result<Reading<'_, T>, ClaimsError> {
    let error = match from_json_bytes_seed(payload, ClaimsSeed(TypedBody::<T>(PhantomData))) {
        Ok(read) => {
            let (kind, claims) = classified(read)?;
            return Ok(Reading {
                kind,
                claims: Ok(claims),
                json: Cow::Borrowed(payload),
            });
        }
        Err(error) => error,
    };
    let Some(json) = go_replacement(payload) else {
        return Ok(Reading {
            kind: identify(payload)?,
            claims: Err(error),
            json: Cow::Borrowed(payload),
        });
    };
    let (kind, claims) = match from_json_bytes_seed(&json, ClaimsSeed(TypedBody::<T>(PhantomData)))
    {
        Ok(read) => classified(read).map(|(kind, claims)| (kind, Ok(claims)))?,
        Err(error) => (identify(&json)?, Err(error)),
    };
    Ok(Reading {
        kind,
        claims,
        json: Cow::Owned(json),
    })
}

/// The kind that claims read in one pass declare, and the claims.
fn classified<T: ClaimBody>(read: Read<'_, T>) -> Result<(PayloadKind, Claims<T>), ClaimsError> {
    let kind = PayloadKind::classify(
        read.v1_type.flatten().map(|key| key.0),
        read.nats_type.flatten().map(|key| key.0),
        read.claims.nats.version(),
    )?;
    Ok((kind, read.claims))
}

/// The claims of `kind`'s type `T` in Go's loader order: a v1 payload migrated, a v2 one
/// refused at an unsupported version, else the parse (`parse` gives it).
fn load<T: ClaimBody>(
    kind: &PayloadKind,
    payload: &[u8],
    parse: impl FnOnce() -> Result<Claims<T>, serde_json::Error>,
) -> Result<Claims<T>, ClaimsError> {
    if kind.v1 {
        return T::read_v1(payload).map_err(ClaimsError::payload);
    }
    if kind.version != LIBRARY_VERSION && !T::ANY_VERSION {
        return Err(ClaimsError::UnsupportedVersion(kind.version));
    }
    let mut claims = parse().map_err(ClaimsError::payload)?;
    claims.nats.after_read();
    Ok(claims)
}

/// `T`'s claims of a payload whose kind was read as another type's: parsed again as `T`.
fn load_again<T: ClaimBody>(kind: &PayloadKind, payload: &[u8]) -> Result<Claims<T>, ClaimsError> {
    load(kind, payload, || {
        from_json_bytes_seed(payload, ClaimsSeed(TypedBody::<T>(PhantomData))).map(|r| r.claims)
    })
}

/// The header checks that follow the identifier in Go's order: the `alg` must match the
/// payload's version; the signature segment must decode.
fn check_segments(parts: &Parts<'_>, kind: &PayloadKind) -> Result<Vec<u8>, ClaimsError> {
    if parts.header().is_v1() != kind.v1 {
        return Err(ClaimsError::AlgorithmMismatch {
            alg: parts.header().alg().to_owned(),
            version: kind.version,
        });
    }
    Ok(parts.signature()?)
}

/// Decodes a token of claim type `T` without checking its signature.
pub(crate) fn decode_as<T: ClaimBody>(
    token: &str,
) -> Result<Unverified<'_, Claims<T>>, ClaimsError> {
    let parts = Parts::split(token)?;
    let payload = parts.payload()?;
    let reading = read_as::<T>(&payload)?;
    let signature = check_segments(&parts, &reading.kind)?;
    if T::CLAIM_TYPE != ClaimType::Generic && reading.kind.claim_type() != T::CLAIM_TYPE {
        return Err(ClaimsError::WrongClaimType {
            expected: T::CLAIM_TYPE,
            found: redact_seeds(&reading.kind.name).into_owned(),
        });
    }
    let claims = load(&reading.kind, &reading.json, || reading.claims)?;
    Ok(Unverified::new(
        claims,
        reading.kind.version,
        T::ISSUER_KINDS,
        parts,
        payload,
        signature,
    ))
}

/// The claim type a payload probably has: tokens Go and this crate write end with
/// `"type":"<name>","version":2}}`. Only a guess, which the parse then confirms.
fn guess_type(payload: &[u8]) -> ClaimType {
    const MEMBER: &[u8] = b"\"type\":\"";
    let Some(at) = payload.windows(MEMBER.len()).rposition(|w| w == MEMBER) else {
        return ClaimType::Generic;
    };
    let (_, rest) = payload.split_at(at + MEMBER.len());
    let name = rest
        .iter()
        .position(|&b| b == b'"')
        .map_or(rest, |end| rest.split_at(end).0);
    std::str::from_utf8(name).map_or(ClaimType::Generic, ClaimType::from_name)
}

/// Decodes a token of any claim type without checking its signature.
pub(crate) fn decode_any(token: &str) -> Result<Unverified<'_, AnyClaims>, ClaimsError> {
    let parts = Parts::split(token)?;
    let payload = parts.payload()?;
    for_body!(guess_type(&payload), Guess => {
        let reading = read_as::<Guess>(&payload)?;
        let signature = check_segments(&parts, &reading.kind)?;
        let (claims, issuer_kinds) = if reading.kind.claim_type() == Guess::CLAIM_TYPE {
            let claims = load(&reading.kind, &reading.json, || reading.claims)?;
            (Guess::into_any(claims), Guess::ISSUER_KINDS)
        } else {
            for_body!(reading.kind.claim_type(), T => (
                T::into_any(load_again::<T>(&reading.kind, &reading.json)?),
                T::ISSUER_KINDS,
            ))
        };
        Ok(Unverified::new(
            claims,
            reading.kind.version,
            issuer_kinds,
            parts,
            payload,
            signature,
        ))
    })
}

/// Reads a v2 claims payload (the JSON inside a token) into the claims its `nats.type`
/// names. v1 payloads are refused: only tokens are migrated.
pub(crate) fn any_from_json(payload: &str) -> Result<AnyClaims, ClaimsError> {
    let payload = payload.as_bytes();
    let kind = identify(payload)?;
    if kind.v1 {
        return Err(ClaimsError::AlgorithmMismatch {
            alg: ALGORITHM_V2.to_owned(),
            version: 1,
        });
    }
    for_body!(kind.claim_type(), T => Ok(T::into_any(load_again::<T>(&kind, payload)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use crate::UserClaims;
    use crate::jws::HEADER_B64;
    use crate::keys::{KeyKind, KeyPair};

    fn token_of(header_b64: &str, payload: &[u8], signature_b64: &str) -> String {
        format!(
            "{header_b64}.{}.{signature_b64}",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    /// Go's order, step by step: the identifier read alone, the header checks, the
    /// claim type, then the typed parse.
    fn in_gos_order<T: ClaimBody>(token: &str) -> Result<(Claims<T>, i64), ClaimsError> {
        let parts = Parts::split(token)?;
        let payload = parts.payload()?;
        // Go's decoder reads every string with U+FFFD for each invalid byte.
        let payload = go_replacement(&payload).unwrap_or(payload);
        let kind = identify(&payload)?;
        check_segments(&parts, &kind)?;
        if T::CLAIM_TYPE != ClaimType::Generic && kind.claim_type() != T::CLAIM_TYPE {
            return Err(ClaimsError::WrongClaimType {
                expected: T::CLAIM_TYPE,
                found: redact_seeds(&kind.name).into_owned(),
            });
        }
        Ok((load_again::<T>(&kind, &payload)?, kind.version))
    }

    /// The one-pass reading of `token` as `T` answers exactly what Go's order gives.
    fn agree<T: ClaimBody>(token: &str) -> Result<(Claims<T>, i64), ClaimsError> {
        let ours = decode_as::<T>(token).map(|u| {
            let version = u.version();
            (u.unverified_claims().clone(), version)
        });
        assert_eq!(ours, in_gos_order::<T>(token), "{token}");
        ours
    }

    /// Reading any type (from a guess) answers what Go's order gives for the type the
    /// identifier names.
    fn agree_any(token: &str) {
        let ours = decode_any(token).map(|u| (u.unverified_claims().clone(), u.version()));
        let reference = Parts::split(token)
            .map_err(ClaimsError::from)
            .and_then(|parts| Ok((parts.payload()?, parts)))
            .and_then(|(payload, parts)| {
                let payload = go_replacement(&payload).unwrap_or(payload);
                let kind = identify(&payload)?;
                check_segments(&parts, &kind)?;
                for_body!(kind.claim_type(), T => Ok((
                    T::into_any(load_again::<T>(&kind, &payload)?),
                    kind.version,
                )))
            });
        assert_eq!(ours, reference, "{token}");
    }

    #[test]
    fn one_pass_reading_answers_in_gos_order() {
        let account = KeyPair::from_raw_seed(KeyKind::Account, &[2; 32]).unwrap();
        let user = KeyPair::from_raw_seed(KeyKind::User, &[3; 32]).unwrap();
        let mut claims = UserClaims::new(user.public_key().as_str());
        claims.name = "u".into();
        claims.nats.permissions.publish.allow.push("a.>".into());
        let token = claims.encode_at(&account, 1_700_000_000).unwrap();
        let good = String::from_utf8(decode_any(&token).unwrap().payload_json().to_vec()).unwrap();
        assert!(good.ends_with(r#""type":"user","version":2}}"#), "{good}");
        let body = good.trim_end_matches(r#""type":"user","version":2}}"#);
        let with_tail = |tail: &str| format!("{body}{tail}");
        let mut payloads = vec![
            good.clone(),
            with_tail(r#""type":"user","version":2},"type":"user"}"#),
            with_tail(r#""type":"user","version":2},"type":""}"#),
            with_tail(r#""type":"user","version":2},"type":null}"#),
            with_tail(r#""type":"user","version":2},"type":5}"#),
            with_tail(r#""type":"user","version":2},"type":"","type":""}"#),
            with_tail(r#""version":2}}"#),
            with_tail(r#""type":null,"version":2}}"#),
            with_tail(r#""type":5,"version":2}}"#),
            with_tail(r#""type":"user","type":"user","version":2}}"#),
            with_tail(r#""type":"operator","version":2}}"#),
            with_tail(r#""type":"cluster","version":2}}"#),
            with_tail(r#""type":"us\u0065r","version":2}}"#),
            with_tail(r#""typ\u0065":"user","version":2}}"#),
            with_tail(r#""type":"user"}}"#),
            with_tail(r#""type":"user","version":null}}"#),
            with_tail(r#""type":"user","version":1}}"#),
            with_tail(r#""type":"user","version":3}}"#),
            with_tail(r#""type":"user","version":2.0}}"#),
            with_tail(r#""type":"user","version":"2"}}"#),
            with_tail(r#""type":"user","version":2,"version":2}}"#),
            with_tail(r#""type":"user","version":-1}}"#),
            with_tail(r#""type":"user","version":2}} "#),
            with_tail(r#""type":"user","version":2}}x"#),
            with_tail(r#""type":"user","version":2}"#),
            with_tail(r#""type":"user","version":2},"nats":{}}"#),
            good.replace(r#""nats":{"#, r#""n\u0061ts":{"#),
            good.replace(r#""name":"u""#, r#""name":"u","name":"v""#),
            good.replace(r#""name":"u""#, r#""name":"\u00e9<""#),
            good.replace(r#""name":"u""#, r#""name":5"#),
            r#"{"sub":"U","nats":null}"#.to_owned(),
            r#"{"sub":"U","nats":[]}"#.to_owned(),
            r#"{"sub":"U","nats":"user"}"#.to_owned(),
            r#"{"nats":{"type":"user","version":2}}"#.to_owned(),
            r#"[]"#.to_owned(),
            String::new(),
        ];
        // The same subject without Go's escape: still valid JSON.
        payloads.push(good.replace(r"a.\u003e", "a.>"));
        let signature = "A".repeat(86);
        let v1_header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"ed25519"}"#);
        let upper_header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"ED25519-NKEY"}"#);
        let mut successes = 0;
        for payload in &payloads {
            for header in [HEADER_B64, v1_header.as_str(), upper_header.as_str()] {
                for sig in [signature.as_str(), "!"] {
                    let token = token_of(header, payload.as_bytes(), sig);
                    let user = agree::<User>(&token);
                    successes += usize::from(user.is_ok());
                    agree::<Operator>(&token).ok();
                    agree::<Generic>(&token).ok();
                    agree_any(&token);
                }
            }
        }
        assert!(successes > 10, "{successes}");
        // Invalid UTF-8 inside a string is read as Go reads it, whatever the header.
        let invalid = |from: &str, to: &[u8]| {
            let at = good.find(from).unwrap();
            [
                &good.as_bytes()[..at],
                to,
                &good.as_bytes()[at + from.len()..],
            ]
            .concat()
        };
        let latin1 = invalid(r#""name":"u""#, b"\"name\":\"Jos\xE9\"");
        for header in [HEADER_B64, v1_header.as_str(), upper_header.as_str()] {
            let token = token_of(header, &latin1, &signature);
            let result = agree::<User>(&token);
            if header == v1_header {
                assert!(
                    matches!(
                        result,
                        Err(ClaimsError::AlgorithmMismatch { version: 2, .. })
                    ),
                    "{result:?}"
                );
            } else {
                let (claims, version) = result.unwrap();
                assert_eq!((claims.name.as_str(), version), ("Jos\u{FFFD}", 2));
            }
            agree::<Operator>(&token).ok();
            agree::<Generic>(&token).ok();
            agree_any(&token);
        }
        // The payload kept is the one received.
        let token = token_of(HEADER_B64, &latin1, &signature);
        assert_eq!(
            decode_any(&token).unwrap().payload_json(),
            latin1.as_slice()
        );
        // Invalid bytes outside strings, and members whose names are equal once replaced,
        // are refused.
        for (bytes, message) in [
            (
                invalid(r#""name":"u""#, b"\"name\":\"\xE9\"\xE9"),
                "expected `,` or `}` at line 1 column ",
            ),
            (
                invalid(r#""name":"u""#, b"\"name\":\xE9"),
                "expected value at line 1 column ",
            ),
            (
                invalid(r#""name":"u""#, b"\"n\xE9\":1,\"n\xEA\":2"),
                "duplicate member \"n\u{FFFD}\" at line 1 column ",
            ),
            (
                invalid(
                    r#""name":"u""#,
                    "\"n\u{FFFD}\":1,\"n\u{FFFD}\":2".as_bytes(),
                ),
                "duplicate member \"n\u{FFFD}\" at line 1 column ",
            ),
            (
                invalid(r#""name":"u""#, b"\"n\\ufffd\":1,\"n\xE9\":2"),
                "duplicate member \"n\u{FFFD}\" at line 1 column ",
            ),
        ] {
            let token = token_of(HEADER_B64, &bytes, &signature);
            let result = agree::<User>(&token);
            let Err(ClaimsError::PayloadJson(error)) = &result else {
                panic!("{result:?}");
            };
            assert!(error.to_string().starts_with(message), "{error}");
            agree_any(&token);
        }
    }

    #[test]
    fn guesses_the_last_type_member() {
        assert_eq!(
            guess_type(br#"{"nats":{"pub":{},"type":"user","version":2}}"#),
            ClaimType::User
        );
        assert_eq!(
            guess_type(br#"{"nats":{"imports":[{"type":"stream"}],"type":"account"}}"#),
            ClaimType::Account
        );
        assert_eq!(
            guess_type(br#"{"nats":{"type":"custom"}}"#),
            ClaimType::Generic
        );
        assert_eq!(guess_type(br#"{"nats":{"type":"us"#), ClaimType::Generic);
        assert_eq!(guess_type(b""), ClaimType::Generic);
    }
}

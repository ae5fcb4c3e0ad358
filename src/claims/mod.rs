//! Typed claims: the standard JWT fields plus a type-specific `nats` body.
//!
//! [`Claims<T>`] holds the fields Go keeps in `ClaimsData` (`aud`, `exp`, `jti`, `iat`,
//! `iss`, `name`, `nbf`, `sub`) and the body `T` written under `nats`:
//! [`Operator`], [`Account`], [`User`], [`Activation`], [`AuthorizationRequest`],
//! [`AuthorizationResponse`] or [`Generic`]. Each body's fields and serde rules mirror
//! Go's struct so that the JSON is byte for byte the same.

pub mod account;
pub mod activation;
pub mod authorization;
pub mod generic;
pub mod operator;
pub mod user;

use std::fmt;

use serde::de::{DeserializeOwned, MapAccess};
use serde::ser::SerializeMap;
use serde::Serialize;

pub use account::{Account, ExternalAuthorization, MsgTrace};
pub use activation::Activation;
pub use authorization::{
    AuthorizationRequest, AuthorizationResponse, ClientInformation, ClientTls, ConnectOptions,
    ServerId,
};
pub use generic::Generic;
pub use operator::Operator;
pub use user::User;

use crate::clock::{Clock, SystemClock};
use crate::json::{read_value, Seen};
use crate::keys::KeyKind;
use crate::validation::ValidationResults;

/// Operator claims: `Claims<Operator>`.
pub type OperatorClaims = Claims<Operator>;
/// Account claims: `Claims<Account>`.
pub type AccountClaims = Claims<Account>;
/// User claims: `Claims<User>`.
pub type UserClaims = Claims<User>;
/// Activation claims (an import's permission): `Claims<Activation>`.
pub type ActivationClaims = Claims<Activation>;
/// Auth callout request claims (sent by the server): `Claims<AuthorizationRequest>`.
pub type AuthorizationRequestClaims = Claims<AuthorizationRequest>;
/// Auth callout response claims: `Claims<AuthorizationResponse>`.
pub type AuthorizationResponseClaims = Claims<AuthorizationResponse>;
/// Generic claims (free-form `nats` map): `Claims<Generic>`.
pub type GenericClaims = Claims<Generic>;

/// The claim types of NATS JWT v2 (`nats.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ClaimType {
    /// `"operator"`.
    Operator,
    /// `"account"`.
    Account,
    /// `"user"`.
    User,
    /// `"activation"`.
    Activation,
    /// `"authorization_request"`.
    AuthorizationRequest,
    /// `"authorization_response"`.
    AuthorizationResponse,
    /// `"generic"`: anything else.
    Generic,
}

impl ClaimType {
    /// The name written in `nats.type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClaimType::Operator => "operator",
            ClaimType::Account => "account",
            ClaimType::User => "user",
            ClaimType::Activation => "activation",
            ClaimType::AuthorizationRequest => "authorization_request",
            ClaimType::AuthorizationResponse => "authorization_response",
            ClaimType::Generic => "generic",
        }
    }

    /// The concrete type named `name`, or [`ClaimType::Generic`] for any other name
    /// (Go's `IsGenericClaimType`).
    pub fn from_name(name: &str) -> ClaimType {
        match name {
            "operator" => ClaimType::Operator,
            "account" => ClaimType::Account,
            "user" => ClaimType::User,
            "activation" => ClaimType::Activation,
            "authorization_request" => ClaimType::AuthorizationRequest,
            "authorization_response" => ClaimType::AuthorizationResponse,
            _ => ClaimType::Generic,
        }
    }
}

impl fmt::Display for ClaimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The type-specific body of a claim (the `nats` object). Implemented by the body types
/// of this crate only.
pub trait ClaimBody:
    Clone + fmt::Debug + Default + PartialEq + Serialize + DeserializeOwned + sealed::Sealed
{
    /// The claim type this body belongs to.
    const CLAIM_TYPE: ClaimType;

    /// Key kinds allowed to sign (Go's `ExpectedPrefixes`); empty means any.
    const ISSUER_KINDS: &'static [KeyKind];

    /// The kind `sub` must be (checked on encode), if any.
    const SUBJECT_KIND: Option<KeyKind>;

    /// The body Go's `New*Claims` creates (its defaults, e.g. `-1` for no limit).
    fn with_defaults() -> Self;

    /// `nats.version`: 2 after encoding, 1 for a migrated v1 token, 0 for new claims.
    fn version(&self) -> i64;

    /// Sets `nats.version`.
    fn set_version(&mut self, version: i64);

    /// Body rules of Go's `Validate` (time checks are done by [`Claims::validate_with`]).
    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults);

    /// Whether Go's `Validate` of this type includes the time checks.
    fn validates_times() -> bool {
        true
    }

    /// Per-type work before encoding (sorting, URL checks).
    #[doc(hidden)]
    fn prepare_encode(_claims: &mut Claims<Self>) -> Result<(), crate::token::EncodeError> {
        Ok(())
    }

    /// Reads a v1 payload and migrates it to this v2 body, as Go does.
    #[doc(hidden)]
    fn load_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error>;

    /// Reads a v2 payload (Go's `load*` for version 2).
    #[doc(hidden)]
    fn load_v2(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        crate::json::from_json_bytes(payload)
    }

    /// Wraps typed claims in [`AnyClaims`].
    fn into_any(claims: Claims<Self>) -> AnyClaims;
}

/// A NATS JWT's claims: the standard fields and the type-specific `nats` body.
///
/// Empty strings and zero times are "not set" (Go's `omitempty`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims<T> {
    /// Audience (`aud`), a plain string.
    pub audience: String,
    /// Expiry (`exp`), Unix seconds; 0 for none.
    pub expires: i64,
    /// Token id (`jti`); set by encoding.
    pub id: String,
    /// Issue time (`iat`), Unix seconds; set by encoding.
    pub issued_at: i64,
    /// Issuer (`iss`), the signer's public key; set by encoding.
    pub issuer: String,
    /// Name (`name`).
    pub name: String,
    /// Not valid before (`nbf`), Unix seconds; 0 for none.
    pub not_before: i64,
    /// Subject (`sub`): the public key the claims are about.
    pub subject: String,
    /// The type-specific body (`nats`).
    pub nats: T,
}

/// Writes the standard members in Go's `ClaimsData` order.
pub(crate) fn write_standard<M: SerializeMap, T>(
    map: &mut M,
    claims: &Claims<T>,
    include_id: bool,
) -> Result<(), M::Error> {
    if !claims.audience.is_empty() {
        map.serialize_entry("aud", &claims.audience)?;
    }
    if claims.expires != 0 {
        map.serialize_entry("exp", &claims.expires)?;
    }
    if include_id && !claims.id.is_empty() {
        map.serialize_entry("jti", &claims.id)?;
    }
    if claims.issued_at != 0 {
        map.serialize_entry("iat", &claims.issued_at)?;
    }
    if !claims.issuer.is_empty() {
        map.serialize_entry("iss", &claims.issuer)?;
    }
    if !claims.name.is_empty() {
        map.serialize_entry("name", &claims.name)?;
    }
    if claims.not_before != 0 {
        map.serialize_entry("nbf", &claims.not_before)?;
    }
    if !claims.subject.is_empty() {
        map.serialize_entry("sub", &claims.subject)?;
    }
    Ok(())
}

impl<T: Serialize> Serialize for Claims<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        write_standard(&mut map, self, true)?;
        map.serialize_entry("nats", &self.nats)?;
        map.end()
    }
}

impl<'de, T: serde::Deserialize<'de> + Default> serde::Deserialize<'de> for Claims<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ClaimsVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de> + Default> serde::de::Visitor<'de> for ClaimsVisitor<T> {
            type Value = Claims<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claims object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claims<T>, A::Error> {
                let mut claims = Claims::<T>::default();
                let mut seen = Seen::default();
                while let Some(key) = map.next_key::<crate::json::Key<'de>>()? {
                    if key.0 == "nats" {
                        seen.first("nats")?;
                        read_value(&mut map, &mut claims.nats)?;
                    } else if !read_standard(&mut claims, &key.0, &mut map, &mut seen)? {
                        crate::json::skip_member(
                            &key.0,
                            &mut map,
                            &mut seen,
                            is_top_level_case_variant,
                        )?;
                    }
                }
                Ok(claims)
            }
        }
        deserializer.deserialize_map(ClaimsVisitor(std::marker::PhantomData))
    }
}

/// Top-level member names Go reads (case-insensitively): the standard ones, `nats`, and
/// `type` (which marks a v1 token).
const TOP_LEVEL_MEMBERS: [&str; 10] = [
    "aud", "exp", "jti", "iat", "iss", "name", "nbf", "sub", "nats", "type",
];

/// True when `key` is not a top-level member name but Go would read it as one.
pub(crate) fn is_top_level_case_variant(key: &str) -> bool {
    TOP_LEVEL_MEMBERS
        .iter()
        .any(|name| crate::json::fold_eq(key, name) && key != *name)
}

/// Reads one standard member into `claims`; `false` when `key` is not one.
pub(crate) fn read_standard<'de, A: MapAccess<'de>, T>(
    claims: &mut Claims<T>,
    key: &str,
    map: &mut A,
    seen: &mut Seen,
) -> Result<bool, A::Error> {
    let field: &'static str = match key {
        "aud" => "aud",
        "exp" => "exp",
        "jti" => "jti",
        "iat" => "iat",
        "iss" => "iss",
        "name" => "name",
        "nbf" => "nbf",
        "sub" => "sub",
        _ => return Ok(false),
    };
    seen.first(field)?;
    match field {
        "aud" => read_value(map, &mut claims.audience)?,
        "exp" => read_value(map, &mut claims.expires)?,
        "jti" => read_value(map, &mut claims.id)?,
        "iat" => read_value(map, &mut claims.issued_at)?,
        "iss" => read_value(map, &mut claims.issuer)?,
        "name" => read_value(map, &mut claims.name)?,
        "nbf" => read_value(map, &mut claims.not_before)?,
        _ => read_value(map, &mut claims.subject)?,
    }
    Ok(true)
}

impl<T: ClaimBody> Claims<T> {
    /// Claims about `subject` with Go's defaults for the type (`New*Claims`).
    pub fn new(subject: impl Into<String>) -> Self {
        Claims {
            subject: subject.into(),
            nats: T::with_defaults(),
            ..Default::default()
        }
    }

    /// The claim type.
    pub fn claim_type(&self) -> ClaimType {
        T::CLAIM_TYPE
    }

    /// True when `iss == sub`.
    pub fn is_self_signed(&self) -> bool {
        self.issuer == self.subject
    }

    /// Validates with the system clock; see [`Claims::validate_with`].
    pub fn validate(&self) -> ValidationResults {
        self.validate_with(&SystemClock)
    }

    /// Go's `Validate`: the time checks (expired is `now > exp`, not yet valid is
    /// `nbf > now`, no leeway) and the type's rules. Never changes the claims.
    pub fn validate_with(&self, clock: &(impl Clock + ?Sized)) -> ValidationResults {
        let mut vr = ValidationResults::new();
        self.validate_into(clock.now(), &mut vr);
        vr
    }

    /// Validation in Go's order, appending to `vr`, at time `now`.
    pub(crate) fn validate_into(&self, now: i64, vr: &mut ValidationResults) {
        // Go runs the time checks first for most types, last for auth claims.
        let times_first = !matches!(
            T::CLAIM_TYPE,
            ClaimType::AuthorizationRequest | ClaimType::AuthorizationResponse
        );
        if times_first && T::validates_times() {
            self.validate_times(now, vr);
        }
        T::validate_body(self, vr);
        if !times_first {
            self.validate_times(now, vr);
        }
    }

    /// Go's `ClaimsData.Validate`: the expiry and not-before time checks.
    pub fn validate_times(&self, now: i64, vr: &mut ValidationResults) {
        if self.expires > 0 && now > self.expires {
            vr.add_time_check("claim is expired");
        }
        if self.not_before > 0 && self.not_before > now {
            vr.add_time_check("claim is not yet valid");
        }
    }

    /// Go's JSON of the claims (the token payload once encoded).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let bytes = crate::json::to_go_json(self)?;
        String::from_utf8(bytes).map_err(|e| serde::ser::Error::custom(e.to_string()))
    }
}

/// Claims of any type, as [`decode`](crate::decode) returns them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AnyClaims {
    /// Operator claims.
    Operator(OperatorClaims),
    /// Account claims.
    Account(AccountClaims),
    /// User claims.
    User(UserClaims),
    /// Activation claims.
    Activation(ActivationClaims),
    /// Auth callout request claims.
    AuthorizationRequest(AuthorizationRequestClaims),
    /// Auth callout response claims.
    AuthorizationResponse(AuthorizationResponseClaims),
    /// Generic claims: any other `nats.type`, kept as written.
    Generic(GenericClaims),
}

macro_rules! for_each_claims {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            AnyClaims::Operator($c) => $body,
            AnyClaims::Account($c) => $body,
            AnyClaims::User($c) => $body,
            AnyClaims::Activation($c) => $body,
            AnyClaims::AuthorizationRequest($c) => $body,
            AnyClaims::AuthorizationResponse($c) => $body,
            AnyClaims::Generic($c) => $body,
        }
    };
}

impl AnyClaims {
    /// Which kind of claims these are.
    pub fn claim_type(&self) -> ClaimType {
        for_each_claims!(self, c => c.claim_type())
    }

    /// The issuer (`iss`).
    pub fn issuer(&self) -> &str {
        for_each_claims!(self, c => &c.issuer)
    }

    /// The subject (`sub`).
    pub fn subject(&self) -> &str {
        for_each_claims!(self, c => &c.subject)
    }

    /// The name (`name`).
    pub fn name(&self) -> &str {
        for_each_claims!(self, c => &c.name)
    }

    /// The issue time (`iat`).
    pub fn issued_at(&self) -> i64 {
        for_each_claims!(self, c => c.issued_at)
    }

    /// The expiry (`exp`).
    pub fn expires(&self) -> i64 {
        for_each_claims!(self, c => c.expires)
    }

    /// The token id (`jti`).
    pub fn id(&self) -> &str {
        for_each_claims!(self, c => &c.id)
    }

    /// Validates with the system clock.
    pub fn validate(&self) -> ValidationResults {
        for_each_claims!(self, c => c.validate())
    }

    /// Validates with `clock`.
    pub fn validate_with(&self, clock: &(impl Clock + ?Sized)) -> ValidationResults {
        for_each_claims!(self, c => c.validate_with(clock))
    }

    /// Go's JSON of the claims.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        for_each_claims!(self, c => c.to_json())
    }

    /// Signs the claims as issued at `issued_at`; see [`Claims::encode_at`].
    pub fn encode_at<S: crate::keys::Signer + ?Sized>(
        &mut self,
        signer: &S,
        issued_at: i64,
    ) -> Result<String, crate::token::EncodeError> {
        for_each_claims!(self, c => c.encode_at(signer, issued_at))
    }

    /// Signs the claims at the current time.
    pub fn encode<S: crate::keys::Signer + ?Sized>(
        &mut self,
        signer: &S,
    ) -> Result<String, crate::token::EncodeError> {
        for_each_claims!(self, c => c.encode(signer))
    }
}

macro_rules! impl_from_claims {
    ($($variant:ident => $body:ty),*) => {$(
        impl From<Claims<$body>> for AnyClaims {
            fn from(c: Claims<$body>) -> Self {
                AnyClaims::$variant(c)
            }
        }
        impl sealed::Sealed for $body {}
    )*};
}
impl_from_claims!(
    Operator => Operator,
    Account => Account,
    User => User,
    Activation => Activation,
    AuthorizationRequest => AuthorizationRequest,
    AuthorizationResponse => AuthorizationResponse,
    Generic => Generic
);

impl<T> Claims<T> {
    /// The same standard fields with the body changed by `f`.
    pub(crate) fn map_body<U>(self, f: impl FnOnce(T) -> U) -> Claims<U> {
        Claims {
            audience: self.audience,
            expires: self.expires,
            id: self.id,
            issued_at: self.issued_at,
            issuer: self.issuer,
            name: self.name,
            not_before: self.not_before,
            subject: self.subject,
            nats: f(self.nats),
        }
    }
}

/// Top-level members of v1 tokens that v2 moved under `nats`.
#[derive(Debug, Default)]
pub(crate) struct V1Deleted {
    pub(crate) claim_type: String,
    pub(crate) tags: crate::types::TagList,
    pub(crate) issuer_account: String,
}

crate::json::go_fields!(V1Deleted => [
    (omitempty claim_type "type")
    (omitempty tags "tags")
    (omitempty issuer_account "issuer_account")
]);
crate::json::go_object!(V1Deleted);

/// Reads a v1 payload: the claims with the v1 body `B`, and the v1 top-level members.
pub(crate) fn load_v1_parts<B: DeserializeOwned + Default>(
    payload: &[u8],
) -> Result<(Claims<B>, V1Deleted), serde_json::Error> {
    let claims: Claims<B> = crate::json::from_json_bytes(payload)?;
    let deleted: V1Deleted = crate::json::from_json_bytes(payload)?;
    Ok((claims, deleted))
}

//! [`ClaimBody`]: what each claim type adds under `nats`, and what differs between types.

use std::fmt;

use serde::{Deserializer, Serialize};

use super::{AnyClaims, ClaimType, Claims, ClaimsError};
use crate::go::json::TypeMember;
use crate::keys::KeyKind;
use crate::validation::ValidationResults;

/// The type-specific body of a claim (the `nats` object): [`Operator`](super::Operator),
/// [`Account`](super::Account), [`User`](super::User), [`Activation`](super::Activation),
/// [`AuthorizationRequest`](super::AuthorizationRequest),
/// [`AuthorizationResponse`](super::AuthorizationResponse) or
/// [`Generic`](super::Generic). Implemented by this crate's bodies only.
pub trait ClaimBody: Clone + fmt::Debug + Default + PartialEq + Serialize + Rules {
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
}

/// What differs between claim types inside the crate; a supertrait of [`ClaimBody`]
/// that only this crate can name, so that no other type can be a claim body.
pub trait Rules: Sized {
    /// Go runs the time checks after the body's rules (auth callout types) instead of
    /// before them.
    const TIMES_LAST: bool = false;

    /// Go reads v2 payloads of this type whatever their `nats.version` says (auth
    /// callout and generic types).
    const ANY_VERSION: bool = false;

    /// Sets `nats.version`.
    fn set_version(&mut self, version: i64);

    /// The body's rules of Go's `Validate` (the time checks are common to all types).
    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults);

    /// Work before encoding (sorting, checks Go makes in `Encode`).
    fn prepare_encode(_claims: &mut Claims<Self>) -> Result<(), ClaimsError> {
        Ok(())
    }

    /// Reads the body (a JSON object), putting its `type` member into `type_member`.
    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error>;

    /// Adjusts a body read from a v2 payload as Go's loader does.
    fn after_read(&mut self) {}

    /// Reads a v1 payload and migrates it to this v2 body, as Go does.
    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error>;

    /// Wraps typed claims in [`AnyClaims`].
    fn into_any(claims: Claims<Self>) -> AnyClaims;
}

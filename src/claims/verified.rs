//! [`Unverified`] and [`Verified`]: a decoded token before and after its signature is
//! checked.

use super::{AnyClaims, ClaimBody, ClaimType, Claims, ClaimsError};
use crate::jws::{Header, Parts};
use crate::keys::{KeyKind, PublicKey, VerifyingKey, redact_seeds};

/// What a token decodes into: [`Claims<T>`] of one claim type, or [`AnyClaims`].
///
/// Implemented for those two only.
pub trait Decode: Sized + decoding::Sealed {
    /// The issuer (`iss`), as the token says it.
    fn issuer(&self) -> &str;

    /// The claim type.
    fn claim_type(&self) -> ClaimType;
}

pub(crate) mod decoding {
    use super::{ClaimsError, Unverified};

    /// How each [`Decode`](super::Decode) type is read; only this crate can name it.
    pub trait Sealed: Sized {
        /// Decodes `token` as this type, without checking its signature.
        fn decode_unverified(token: &str) -> Result<Unverified<'_, Self>, ClaimsError>;
    }
}

impl<T: ClaimBody> Decode for Claims<T> {
    fn issuer(&self) -> &str {
        &self.issuer
    }
    fn claim_type(&self) -> ClaimType {
        T::CLAIM_TYPE
    }
}

impl<T: ClaimBody> decoding::Sealed for Claims<T> {
    fn decode_unverified(token: &str) -> Result<Unverified<'_, Self>, ClaimsError> {
        super::decode::decode_as(token)
    }
}

impl Decode for AnyClaims {
    fn issuer(&self) -> &str {
        AnyClaims::issuer(self)
    }
    fn claim_type(&self) -> ClaimType {
        AnyClaims::claim_type(self)
    }
}

impl decoding::Sealed for AnyClaims {
    fn decode_unverified(token: &str) -> Result<Unverified<'_, Self>, ClaimsError> {
        super::decode::decode_any(token)
    }
}

/// A decoded token whose signature has not been checked. Nothing in it can be trusted
/// until [`Unverified::verify`] succeeds.
#[derive(Debug, Clone)]
pub struct Unverified<'a, C> {
    claims: C,
    header: Header,
    payload: Vec<u8>,
    signing_input: &'a str,
    signature: Vec<u8>,
    version: i64,
    issuer_kinds: &'static [KeyKind],
}

impl<'a, C: Decode> Unverified<'a, C> {
    pub(crate) fn new(
        claims: C,
        version: i64,
        issuer_kinds: &'static [KeyKind],
        parts: Parts<'a>,
        payload: Vec<u8>,
        signature: Vec<u8>,
    ) -> Self {
        Unverified {
            claims,
            signing_input: parts.signing_input(),
            header: parts.into_header(),
            payload,
            signature,
            version,
            issuer_kinds,
        }
    }

    /// The claims as read, unverified.
    pub fn unverified_claims(&self) -> &C {
        &self.claims
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The payload's JSON, exactly as received.
    pub fn payload_json(&self) -> &[u8] {
        &self.payload
    }

    /// The claims version the payload declares: 1 for a v1 token (migrated to v2
    /// structures), else `nats.version` (2 for what Go and this crate write; auth callout
    /// and generic claims are read whatever version they carry).
    pub fn version(&self) -> i64 {
        self.version
    }

    /// True for a v1 token (header `alg` `ed25519`, signature over the payload only).
    pub fn is_v1(&self) -> bool {
        self.header.is_v1()
    }

    /// Checks that `iss` is a public key of a kind that may issue these claims and that
    /// the signature verifies over the raw received segments.
    pub fn verify(self) -> Result<Verified<C>, ClaimsError> {
        let issuer = PublicKey::parse(self.claims.issuer()).map_err(ClaimsError::InvalidIssuer)?;
        self.check_issuer_kind(issuer.kind())?;
        let key = VerifyingKey::new(&issuer).map_err(ClaimsError::Signature)?;
        self.check_signature(&key)
    }

    /// Like [`Unverified::verify`], with the issuer's key already read (as a verifier that
    /// sees the same issuers often keeps it); `key` must be the token's `iss`.
    pub fn verify_with(self, key: &VerifyingKey) -> Result<Verified<C>, ClaimsError> {
        if key.public_key().as_str() != self.claims.issuer() {
            return Err(ClaimsError::IssuerMismatch {
                expected: key.public_key().to_string(),
                found: redact_seeds(self.claims.issuer()).into_owned(),
            });
        }
        self.check_issuer_kind(key.public_key().kind())?;
        self.check_signature(key)
    }

    fn check_issuer_kind(&self, kind: KeyKind) -> Result<(), ClaimsError> {
        if !self.issuer_kinds.is_empty() && !self.issuer_kinds.contains(&kind) {
            return Err(ClaimsError::IssuerNotAllowed {
                claim_type: self.claims.claim_type(),
                kind,
            });
        }
        Ok(())
    }

    fn check_signature(self, key: &VerifyingKey) -> Result<Verified<C>, ClaimsError> {
        key.verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(ClaimsError::Signature)?;
        Ok(Verified {
            v1: self.header.is_v1(),
            claims: self.claims,
            version: self.version,
        })
    }
}

/// A decoded token whose signature verified under its issuer's key.
///
/// Whether that issuer is trusted is a separate question, answered by
/// [`Trust`](crate::trust::Trust).
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<C> {
    claims: C,
    version: i64,
    v1: bool,
}

impl<C> Verified<C> {
    /// The claims.
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// Takes the claims.
    pub fn into_claims(self) -> C {
        self.claims
    }

    /// The claims version the payload declares; see [`Unverified::version`].
    pub fn version(&self) -> i64 {
        self.version
    }

    /// True for a v1 token (migrated to v2 structures).
    pub fn is_v1(&self) -> bool {
        self.v1
    }
}

//! Issue and verify NATS JWTs, byte for byte compatible with Go's `nats-io/jwt` v2.
//!
//! In NATS decentralised auth an operator key signs account JWTs, an account key (or one
//! of its signing keys) signs user JWTs, and `nats-server` checks every token at connect.
//! This crate creates the keys ([`KeyPair`]), the claims ([`OperatorClaims`],
//! [`AccountClaims`], [`UserClaims`], [`ActivationClaims`], the auth callout
//! [`AuthorizationRequestClaims`] / [`AuthorizationResponseClaims`], [`GenericClaims`]),
//! encodes them exactly as Go does, decodes and verifies tokens, validates them with Go's
//! rules, and writes `.creds` files.
//!
//! ```
//! use natsjwt::{AccountClaims, KeyPair, UserClaims, creds};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The operator (usually created once, e.g. with nsc) signs the account.
//! let operator = KeyPair::new_operator()?;
//! let account = KeyPair::new_account()?;
//! let mut account_claims = AccountClaims::new(account.public_key().as_str());
//! account_claims.name = "APP".into();
//! let account_jwt = account_claims.encode(&operator)?;
//!
//! // The account signs a user; the user connects with the creds file.
//! let user = KeyPair::new_user()?;
//! let mut user_claims = UserClaims::new(user.public_key().as_str());
//! user_claims.name = "alice".into();
//! let user_jwt = user_claims.encode(&account)?;
//! let creds = creds::format_user_creds(&user_jwt, user.seed().expose())?;
//! assert!(creds.expose().starts_with("-----BEGIN NATS USER JWT-----\n"));
//!
//! // Anyone can decode and verify the signature.
//! let decoded = UserClaims::decode(&user_jwt)?;
//! assert_eq!(decoded.claims().issuer, account.public_key().as_str());
//! assert!(!decoded.claims().validate().is_blocking(true));
//! # let _ = account_jwt;
//! # Ok(())
//! # }
//! ```
//!
//! Modules: [`keys`] (nkeys, signers, seeds), [`token`] (wire format), [`claims`] (the
//! claim types), [`types`] (permissions, limits, exports …), [`validation`], [`trust`]
//! (the chain operator → account → user), [`creds`], [`clock`], `xkeys` (curve keys).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod go_sort;
pub(crate) mod json;

pub mod claims;
pub mod clock;
pub mod creds;
pub mod keys;
pub mod provision;
pub mod resolver;
pub mod token;
pub mod trust;
pub mod types;
pub mod validation;
#[cfg(feature = "xkeys")]
pub mod xkeys;

pub use claims::{
    AccountClaims, ActivationClaims, AnyClaims, AuthorizationRequestClaims,
    AuthorizationResponseClaims, ClaimBody, ClaimType, Claims, GenericClaims, OperatorClaims,
    UserClaims,
};
pub use clock::{Clock, FixedClock, SystemClock};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use keys::{ExternalSigner, KeyError, KeyKind, KeyPair, PublicKey, Secret, SignError, Signer};
pub use token::{decode, decode_unverified, DecodeError, EncodeError, Unverified, Verified};
pub use trust::{Trust, TrustError, TrustedAccount, TrustedActivation, TrustedUser};
pub use validation::{Severity, ValidationIssue, ValidationResults};
#[cfg(feature = "xkeys")]
pub use xkeys::XKey;

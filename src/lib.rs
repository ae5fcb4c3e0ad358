//! Issue and verify NATS JWTs, byte for byte compatible with Go's `nats-io/jwt` v2.
//!
//! In NATS decentralised auth an operator key signs account JWTs, an account key (or one
//! of its signing keys) signs user JWTs, and `nats-server` checks every token at connect.
//! This crate creates the keys ([`KeyPair`]), the claims ([`OperatorClaims`],
//! [`AccountClaims`], [`UserClaims`], [`ActivationClaims`], the auth callout
//! [`AuthorizationRequestClaims`] / [`AuthorizationResponseClaims`], [`GenericClaims`]),
//! encodes them exactly as Go does, decodes and verifies tokens, validates them with Go's
//! rules, checks the chain of trust as the server does, and writes `.creds` files.
//!
//! ```
//! use natsjwt::trust::Trust;
//! use natsjwt::validation::TimeChecks;
//! use natsjwt::{creds, AccountClaims, KeyPair, OperatorClaims, UserClaims};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The operator (usually created once, e.g. with nsc) signs the account.
//! let operator = KeyPair::new_operator()?;
//! let operator_jwt = OperatorClaims::new(operator.public_key().as_str()).encode(&operator)?;
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
//! // Anyone can decode a token and check its signature and Go's rules…
//! let decoded = UserClaims::decode(&user_jwt)?;
//! assert_eq!(decoded.claims().issuer, account.public_key().as_str());
//! assert!(!decoded.claims().validate().is_blocking(TimeChecks::Included));
//!
//! // …and check the chain of trust, as the server does at connect time.
//! let trust = Trust::new().with_operator_jwt(&operator_jwt)?;
//! let trusted_account = trust.verify_account(&account_jwt)?;
//! let trusted_user = trust.verify_user(&trusted_account, &user_jwt)?;
//! assert_eq!(trusted_user.account(), account.public_key().as_str());
//! # Ok(())
//! # }
//! ```
//!
//! # The data path
//!
//! A token's bytes go through the wire format ([`jws`]: segments, base64, header), become
//! claims whose signature is not yet checked ([`dangerous::Unverified`]), then
//! [`Verified`] claims (signed by their `iss`), [validated](Claims::validate) claims (Go's
//! rules), and finally trusted ones ([`trust`]: signed by a key the chain allows).
//!
//! # Modules
//!
//! - The crate root: keys ([`KeyPair`], [`PublicKey`], [`VerifyingKey`], [`Signer`],
//!   [`ExternalSigner`], [`Secret`], [`XKey`]), claims ([`Claims`] and its aliases,
//!   [`AnyClaims`]), [`decode`] and the errors of both.
//! - [`claims`]: the claim bodies (`nats`) and their parts.
//! - [`types`]: the building blocks of bodies: permissions, limits, exports, imports,
//!   signing keys and scopes, revocations, mappings, lists.
//! - [`validation`]: the results of Go's validation rules.
//! - [`trust`]: the chain of trust operator → account → user / activation.
//! - [`callout`]: auth callout: open a server's request, sign (and seal) the answer.
//! - [`creds`]: `.creds` files, decorated JWTs and seeds, secret files.
//! - [`provision`]: operators, accounts, users and activations made as `nsc` makes them.
//! - [`store`]: where they are kept between runs (`nsc`'s directory layout, a JetStream KV
//!   bucket that replicas share, or your own).
//! - [`resolver`]: the server configuration and the account resolver's requests
//!   (`resolver::client` sends them, feature `resolver-client`).
//! - [`clock`]: where "now" comes from.
//! - [`jws`]: the wire format's constants and header.
//! - [`dangerous`]: decoding without verifying.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod go;
mod keys;

pub mod callout;
pub mod claims;
pub mod clock;
pub mod creds;
pub mod dangerous;
pub mod jws;
pub mod provision;
pub mod resolver;
pub mod store;
pub mod trust;
pub mod types;
pub mod validation;

pub use claims::any::AnyClaims;
pub use claims::claim_type::ClaimType;
pub use claims::error::ClaimsError;
pub use claims::standard::{
    AccountClaims, ActivationClaims, AuthorizationRequestClaims, AuthorizationResponseClaims,
    Claims, GenericClaims, OperatorClaims, UserClaims, decode,
};
pub use claims::verified::Verified;
#[cfg(feature = "xkeys")]
#[cfg_attr(docsrs, doc(cfg(feature = "xkeys")))]
pub use keys::XKey;
pub use keys::{
    ExternalSigner, KeyError, KeyKind, KeyPair, PublicKey, Secret, Signer, SignerError,
    VerifyingKey,
};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

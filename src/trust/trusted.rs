//! What [`Trust`](super::Trust) hands back: accounts, users and activations whose chain
//! was checked.

use super::verifying_keys;
use crate::claims::{AccountClaims, ActivationClaims, UserClaims};
use crate::keys::VerifyingKey;
use crate::types::UserPermissionLimits;

/// An account whose chain to a trusted operator was checked, with its keys read once to
/// verify the users and activations it signs.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedAccount {
    claims: AccountClaims,
    operator: String,
    strict: bool,
    /// The account key and the signing keys that are valid keys.
    keys: Vec<VerifyingKey>,
}

impl TrustedAccount {
    pub(crate) fn new(claims: AccountClaims, operator: String, strict: bool) -> TrustedAccount {
        let keys = verifying_keys(
            std::iter::once(claims.subject.as_str()).chain(claims.nats.signing_keys.keys()),
        );
        TrustedAccount {
            claims,
            operator,
            strict,
            keys,
        }
    }

    /// The account's claims.
    pub fn claims(&self) -> &AccountClaims {
        &self.claims
    }

    /// Takes the claims.
    pub fn into_claims(self) -> AccountClaims {
        self.claims
    }

    /// The public key of the operator that trusts it.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// True when that operator requires signing keys (`strict_signing_key_usage`).
    pub fn operator_is_strict(&self) -> bool {
        self.strict
    }

    /// The account key and its signing keys, ready to verify.
    pub(crate) fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }
}

/// A user whose chain to its account was checked, with what it is granted.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedUser {
    claims: UserClaims,
    account: String,
    scoped: bool,
    granted: UserPermissionLimits,
}

impl TrustedUser {
    pub(crate) fn new(
        claims: UserClaims,
        account: String,
        scoped: bool,
        granted: UserPermissionLimits,
    ) -> TrustedUser {
        TrustedUser {
            claims,
            account,
            scoped,
            granted,
        }
    }

    /// The user's claims, as signed.
    pub fn claims(&self) -> &UserClaims {
        &self.claims
    }

    /// Takes the claims.
    pub fn into_claims(self) -> UserClaims {
        self.claims
    }

    /// The account the user belongs to.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// True when a scoped signing key signed the user.
    pub fn is_scoped(&self) -> bool {
        self.scoped
    }

    /// What the server grants the user: the scope's expanded template for a scoped user,
    /// else the user's own; permissions fall back to the account's defaults when none are set.
    pub fn effective_permissions(&self) -> &UserPermissionLimits {
        &self.granted
    }
}

/// An activation whose chain to its exporter was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedActivation {
    claims: ActivationClaims,
}

impl TrustedActivation {
    pub(crate) fn new(claims: ActivationClaims) -> TrustedActivation {
        TrustedActivation { claims }
    }

    /// The activation's claims.
    pub fn claims(&self) -> &ActivationClaims {
        &self.claims
    }

    /// Takes the claims.
    pub fn into_claims(self) -> ActivationClaims {
        self.claims
    }
}

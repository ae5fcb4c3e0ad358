//! [`TrustError`]: why a token is not trusted, and in which [`Link`] of the chain.

use crate::claims::ClaimsError;
use crate::types::{ExportType, TemplateError};
use crate::validation::{ValidationIssue, describe_issues};

/// Which link of the chain a failure is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Link {
    /// The operator (trust anchor).
    Operator,
    /// The account.
    Account,
    /// The user.
    User,
    /// The activation.
    Activation,
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Link::Operator => "operator",
            Link::Account => "account",
            Link::User => "user",
            Link::Activation => "activation",
        })
    }
}

/// Why a token is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The token does not decode or its signature does not verify.
    #[error("{link} token: {source}")]
    Decode {
        /// The link.
        link: Link,
        /// Why.
        #[source]
        source: ClaimsError,
    },
    /// Validation found blocking issues.
    #[error("{link} is invalid: {}", describe_issues(.issues))]
    Invalid {
        /// The link.
        link: Link,
        /// The blocking issues.
        issues: Vec<ValidationIssue>,
    },
    /// The user names an account (`issuer_account`, else `iss`) that is not among the
    /// trusted accounts given.
    #[error("user of account {account}, which is not a trusted account")]
    UnknownAccount {
        /// The account the user names.
        account: String,
    },
    /// The token's `exp` has passed.
    #[error("{link} expired at {expires}")]
    Expired {
        /// The link.
        link: Link,
        /// Its `exp`.
        expires: i64,
    },
    /// The token's `nbf` has not come yet.
    #[error("{link} is not valid before {not_before}")]
    NotYetValid {
        /// The link.
        link: Link,
        /// Its `nbf`.
        not_before: i64,
    },
    /// No operator is trusted.
    #[error("no trusted operator")]
    NoOperator,
    /// The account's issuer is not a key of a trusted operator.
    #[error("account issuer {issuer} is not a trusted operator key")]
    UntrustedIssuer {
        /// The account's `iss`.
        issuer: String,
    },
    /// A strict operator's (or its account's) identity key signed what only signing keys may sign.
    #[error(
        "{link} is signed by the identity key {issuer}, but the operator requires signing keys"
    )]
    IdentityKeyNotAllowed {
        /// The link.
        link: Link,
        /// The issuer.
        issuer: String,
    },
    /// The user (or activation) belongs to another account than the one given.
    #[error("{link} belongs to account {found}, not {expected}")]
    WrongAccount {
        /// The link.
        link: Link,
        /// The account given.
        expected: String,
        /// The account the token names (`issuer_account`, else `iss`).
        found: String,
    },
    /// The issuer is neither the account key nor one of its signing keys.
    #[error("{link} issuer {issuer} is not known to the account")]
    UnknownSigner {
        /// The link.
        link: Link,
        /// The issuer.
        issuer: String,
    },
    /// A scoped signing key signed a user that carries its own permissions or limits.
    #[error("scoped users require no permissions or limits set")]
    ScopedUserHasPermissions,
    /// The scope's template cannot be applied to the user.
    #[error("scoped signing key template: {0}")]
    Template(#[source] TemplateError),
    /// The user is a bearer token and the account disallows them.
    #[error("account does not allow bearer tokens")]
    BearerNotAllowed,
    /// None of the user's `allowed_connection_types` is known to the server.
    #[error("no known connection type in {0:?}")]
    NoKnownConnectionType(Vec<String>),
    /// The token is revoked.
    #[error("{link} {subject} issued at {issued_at} is revoked")]
    Revoked {
        /// The link.
        link: Link,
        /// The revoked subject.
        subject: String,
        /// The token's `iat`.
        issued_at: i64,
    },
    /// The activation is for another importing account.
    #[error("activation is for account {found}, not {expected}")]
    ActivationForOtherAccount {
        /// The importing account given.
        expected: String,
        /// The activation's `sub`.
        found: String,
    },
    /// The exporter has no token-required export of this kind containing the activation's subject.
    #[error("no {kind} export requiring a token contains {subject:?}")]
    NoMatchingExport {
        /// Stream or service.
        kind: ExportType,
        /// The activation's subject.
        subject: String,
    },
}

impl TrustError {
    /// The link of the chain that failed.
    pub fn link(&self) -> Link {
        match self {
            TrustError::Decode { link, .. }
            | TrustError::Invalid { link, .. }
            | TrustError::Expired { link, .. }
            | TrustError::NotYetValid { link, .. }
            | TrustError::IdentityKeyNotAllowed { link, .. }
            | TrustError::WrongAccount { link, .. }
            | TrustError::UnknownSigner { link, .. }
            | TrustError::Revoked { link, .. } => *link,
            TrustError::NoOperator => Link::Operator,
            TrustError::UntrustedIssuer { .. } => Link::Account,
            TrustError::UnknownAccount { .. }
            | TrustError::ScopedUserHasPermissions
            | TrustError::Template(_)
            | TrustError::BearerNotAllowed
            | TrustError::NoKnownConnectionType(_) => Link::User,
            TrustError::ActivationForOtherAccount { .. } | TrustError::NoMatchingExport { .. } => {
                Link::Activation
            }
        }
    }
}

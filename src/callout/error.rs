//! [`CalloutError`]: why a responder cannot be built, a request is refused or an answer
//! cannot be made.

use crate::claims::ClaimsError;
use crate::keys::{KeyError, KeyKind};
use crate::trust::TrustError;
use crate::validation::{ValidationIssue, describe_issues};

/// Why a [`Responder`](super::Responder) cannot be built, a request is refused, or an
/// answer cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalloutError {
    /// A key given as an account (the callout account, a placement account, the config
    /// mode issuer) is not an account public key.
    #[error("{role} {key:?} is not an account public key: {source}")]
    NotAnAccount {
        /// What the key was given as.
        role: &'static str,
        /// The key as given.
        key: String,
        /// Why.
        #[source]
        source: KeyError,
    },
    /// A signer's public key cannot be read.
    #[error("the signer's public key cannot be read: {0}")]
    SignerKey(#[source] KeyError),
    /// A signer is not an account key: only account keys sign users and callout responses.
    #[error("the signer {key} is {} key; users and responses are signed by account keys", .kind.with_article())]
    SignerKind {
        /// The signer's public key.
        key: String,
        /// Its kind.
        kind: KeyKind,
    },
    /// In config mode the server accepts users signed by the `auth_callout.issuer` key
    /// only, without `issuer_account`: the signer must be that key.
    #[error(
        "config mode: the signer {signer} is not the issuer {issuer} (config mode allows no signing key)"
    )]
    ConfigModeSigningKey {
        /// The configured issuer.
        issuer: String,
        /// The signer's public key.
        signer: String,
    },
    /// Placing users in accounts by their keys is operator mode; in config mode the user's
    /// `aud` names the account.
    #[error("config mode places users by account name (the user's aud), not with account signers")]
    PlacementInConfigMode,
    /// Two signers were given for the same account.
    #[error("account {0} has two user signers")]
    DuplicateAccount(String),
    /// The signer is neither the account's key nor one of its signing keys (from the
    /// account's JWT).
    #[error("the signer {signer} is neither account {account}'s key nor one of its signing keys")]
    SignerNotOfAccount {
        /// The account.
        account: String,
        /// The signer's public key.
        signer: String,
    },
    /// The callout account's JWT does not let the service place users in this account
    /// (`authorization.allowed_accounts`).
    #[error("account {account} is not in the callout account's allowed_accounts")]
    AccountNotAllowed {
        /// The account.
        account: String,
    },
    /// The callout account's JWT and the responder disagree about encryption.
    #[error(
        "the callout account's authorization.xkey is {account:?}, the responder's xkey is {responder:?}"
    )]
    XKeyMismatch {
        /// The account's `authorization.xkey` (empty: none).
        account: String,
        /// The responder's curve key (empty: none).
        responder: String,
    },

    /// The request is sealed (it has a `Nats-Server-Xkey` header) but the responder has no
    /// curve key to open it.
    #[error("the request is sealed (Nats-Server-Xkey header) but the responder has no xkey")]
    SealedButNoXKey,
    /// The request is plain but the responder has a curve key: the server and the service
    /// disagree about encryption.
    #[error("the request is plain but the responder has an xkey and expects sealed requests")]
    PlainButXKey,
    /// The `Nats-Server-Xkey` header is not a curve public key.
    #[error("the Nats-Server-Xkey header is not a curve public key: {0}")]
    ServerXKey(#[source] KeyError),
    /// The sealed request cannot be opened with the responder's key.
    #[error("the sealed request cannot be opened: {0}")]
    Open(#[source] KeyError),
    /// The (opened) payload is not a JWT.
    #[error("the request payload is not a JWT")]
    NotAJwt,
    /// The request does not decode or its signature does not verify.
    #[error("the authorization request does not decode: {0}")]
    Request(#[source] ClaimsError),
    /// The request is not signed by the server it names (`server_id.id`).
    #[error("the authorization request is signed by {issuer} for server {server_id}")]
    IssuerNotServer {
        /// The request's `iss`.
        issuer: String,
        /// Its `server_id.id`.
        server_id: String,
    },
    /// The request's `aud` is not `nats-authorization-request`.
    #[error("the authorization request's audience is {0:?}, not \"nats-authorization-request\"")]
    Audience(String),
    /// The request does not validate (its `user_nkey`, its `exp` or `nbf`).
    #[error("the authorization request is invalid: {}", describe_issues(.0))]
    InvalidRequest(Vec<ValidationIssue>),
    /// The request (its `user_nkey`, or the client's nonce) was seen before, within its
    /// lifetime.
    #[error("replayed authorization request ({0})")]
    Replayed(String),

    /// The user claims are for another key than the request's `user_nkey`.
    #[error("the user claims are for {found}, the request is for {expected}")]
    WrongUser {
        /// The request's `user_nkey`.
        expected: String,
        /// The claims' `sub`.
        found: String,
    },
    /// The responder has no signer for the account the user is to be placed in.
    #[error("no user signer for account {0}")]
    UnknownAccount(String),
    /// In config mode the user's `aud` names its account, and it is empty.
    #[error("config mode: the user's aud must name the account to place it in")]
    NoTargetAccount,
    /// The user claims name another account (`aud` in config mode, `issuer_account` in
    /// operator mode) than the one it is placed in.
    #[error("the user claims name account {found:?}, the user is placed in {expected:?}")]
    AccountMismatch {
        /// The account the user is placed in (`""`: none may be named).
        expected: String,
        /// What the claims name.
        found: String,
    },
    /// The user claims have validation issues; the server refuses a callout user with any.
    #[error("the user claims are invalid: {}", describe_issues(.0))]
    InvalidUser(Vec<ValidationIssue>),
    /// The server would refuse the user: the checks of its account's JWT.
    #[error("the server would refuse the user: {0}")]
    UserRefused(#[source] TrustError),
    /// Signing the user or the response failed.
    #[error("cannot sign: {0}")]
    Sign(#[source] ClaimsError),
    /// Sealing the response failed.
    #[error("cannot seal the response: {0}")]
    Seal(#[source] KeyError),
}

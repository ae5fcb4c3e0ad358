//! [`ResolverError`]: why a resolver request could not be built, sent, or was refused.

use std::sync::Arc;

use crate::claims::ClaimsError;
use crate::jws::JsonError;
use crate::keys::KeyKind;

/// Why a resolver request cannot be built or sent, or its reply read.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ResolverError {
    /// A value passed is not an account public key.
    #[error("{0:?} is not an account public key")]
    NotAnAccount(String),
    /// There is nothing to delete.
    #[error("no account to delete")]
    NothingToDelete,
    /// The signer may not sign a delete request (not an operator key).
    #[error("delete requests are signed by an operator key, not {} key", .0.with_article())]
    NotAnOperatorKey(KeyKind),
    /// Signing the request failed.
    #[error("cannot sign the request: {0}")]
    Sign(#[source] ClaimsError),
    /// The reply is not the server's JSON.
    #[error("reply is not a resolver response: {0}")]
    Reply(#[source] JsonError),
    /// The reply is JSON, but has neither `data` nor `error`.
    #[error("reply has neither data nor error")]
    EmptyReply,
    /// The server refused the request.
    #[error("server {server} refused: {description} (code {code})")]
    Refused {
        /// The server's name.
        server: String,
        /// The account concerned, if any.
        account: String,
        /// The error code (HTTP-like).
        code: i64,
        /// The server's description.
        description: String,
    },
    /// Sending the request failed (`resolver-client` feature).
    #[error("request failed: {0}")]
    Transport(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

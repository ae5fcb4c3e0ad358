//! [`ResolverError`]: why a resolver request could not be built, sent, or was refused.

use std::sync::Arc;

use super::report::{parenthesized, tally};
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
    /// The reply does not name the server that sent it (no `server` name and id).
    #[error("reply does not name the server that sent it")]
    NoServerInfo,
    /// A lookup reply is not text.
    #[error("lookup reply is not a JWT (not UTF-8)")]
    NotAJwt,
    /// A server answered with an error: it refused the request (for one sent to several
    /// servers, the first refusal to arrive).
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
    /// Fewer of the expected servers confirmed than the quorum requires.
    #[error("{}", tally(*.confirmed, *.expected, Some(*.required), .missing))]
    NotConfirmed {
        /// How many of the expected servers confirmed.
        confirmed: usize,
        /// How many servers were expected.
        expected: usize,
        /// How many confirmations the quorum requires.
        required: usize,
        /// The names of the expected servers that did not answer.
        missing: Vec<String>,
    },
    /// No server answered the ping, so there is no server to expect.
    #[error("no server answered the ping")]
    NoServerAnswered,
    /// The lookups of an account do not say who holds which JWT: fewer (or more) JWTs came
    /// back than servers list the account, or, for a lookup, they differ.
    #[error(
        "cannot tell which server holds which JWT of {account}: {} servers list it{}, \
         {received} sent a JWT, {} different",
        .holders.len(),
        parenthesized(.holders),
        .jwts.len()
    )]
    UnclearLookup {
        /// The account looked up.
        account: String,
        /// The names of the servers that list it.
        holders: Vec<String>,
        /// How many JWTs came back.
        received: usize,
        /// The different JWTs that came back.
        jwts: Vec<String>,
    },
    /// A server holds a JWT for an account that is not a valid JWT of that account.
    #[error("a server holds an unusable JWT for {account}: {reason}")]
    AccountJwt {
        /// The account.
        account: String,
        /// Why the JWT is unusable.
        reason: String,
    },
    /// Sending the request failed (`resolver-client` feature).
    #[error("request failed: {0}")]
    Transport(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

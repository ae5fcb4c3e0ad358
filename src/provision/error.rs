//! The error of the provisioning layer.

use std::sync::Arc;

use crate::claims::{ClaimType, ClaimsError};
use crate::creds::CredsError;
use crate::jws::JsonError;
use crate::keys::KeyError;
use crate::resolver::ResolverError;
use crate::store::StoreError;
use crate::trust::TrustError;
use crate::validation::ValidationIssue;

/// Why a provisioning call refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProvisionError {
    /// A key could not be created or read.
    #[error("key: {0}")]
    Key(#[from] KeyError),
    /// The claims could not be signed.
    #[error("cannot sign: {0}")]
    Claims(#[from] ClaimsError),
    /// The claims have blocking validation issues (or are expired / not yet valid).
    #[error("{claim_type} claims are invalid: {}", issues.iter().map(|i| i.description.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The claim type.
        claim_type: ClaimType,
        /// The blocking issues.
        issues: Vec<ValidationIssue>,
    },
    /// The signed token would not be accepted by the server.
    #[error("the server would refuse it: {0}")]
    Refused(#[from] TrustError),
    /// The key is not one this operator or account lets sign.
    #[error("{0} is not a signing key here")]
    NotASigner(String),
    /// A scoped signing key must sign a user without permissions or limits.
    #[error(
        "a scoped signing key's users carry no permissions or limits; the scope's template applies"
    )]
    ScopedUserWithPermissions,
    /// The creds file could not be written.
    #[error("creds: {0}")]
    Creds(#[from] CredsError),
    /// A resolver request could not be built.
    #[error("resolver request: {0}")]
    Resolver(#[from] ResolverError),
    /// The store could not be read or written.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Something the call needs is not in the store.
    #[error("{0} is not in the store")]
    NotInStore(String),
    /// Servers that are expected are down, and the call does not go ahead without them.
    #[error("servers down: {}", .0.join(", "))]
    ServersDown(Vec<String>),
    /// Other writers changed the account every time this change was about to be stored
    /// (or pushed).
    #[error("account {account}: other writers changed it first {attempts} times in a row")]
    Contended {
        /// The account's name.
        account: String,
        /// How many times the change was applied.
        attempts: u32,
    },
    /// Servers still hold an account after it was deleted.
    #[error("account {account} is still held by {}", servers.join(", "))]
    StillHeld {
        /// The account's public key.
        account: String,
        /// The servers that hold it.
        servers: Vec<String>,
    },
    /// JetStream refused a request (its API's error object).
    #[error(
        "JetStream refused{}: {description} (err_code {err_code})",
        .stream.as_ref().map(|s| format!(" for stream {s}")).unwrap_or_default()
    )]
    JetStreamRefused {
        /// The stream concerned, if any.
        stream: Option<String>,
        /// JetStream's error code (`err_code`, e.g. 10059: stream not found).
        err_code: u64,
        /// The server's description.
        description: String,
    },
    /// A JetStream API reply is not the JSON the API sends.
    #[error("reply to {subject} is not a JetStream API response: {source}")]
    JetStreamReply {
        /// The subject of the request.
        subject: String,
        /// Why the reply cannot be read.
        #[source]
        source: JsonError,
    },
    /// A JetStream API request could not be sent, or its reply did not come in time
    /// (`resolver-client` feature).
    #[error("request {subject} failed: {source}")]
    JetStreamRequest {
        /// The subject of the request.
        subject: String,
        /// The client's error.
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
}

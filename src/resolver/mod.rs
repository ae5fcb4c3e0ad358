//! Server configuration, and the account resolver's requests and replies.
//!
//! - [`ServerConfig`] writes a `nats-server` configuration. In operator mode
//!   ([`ServerMode::Operator`]): the `operator` / `system_account` / `resolver` part, with a
//!   memory resolver and preloaded accounts, or a full (directory) resolver that accepts
//!   pushed updates; auth callout is then in the callout account's JWT and needs nothing
//!   more. In config mode ([`ServerMode::Config`], no operator): the `accounts` and
//!   `authorization` blocks, with the config-mode auth callout ([`AuthCallout`]).
//! - [`UPDATE_SUBJECT`] takes an account JWT as the payload of a request (what
//!   `nsc push` sends); [`delete_request`] builds the operator-signed generic claims that
//!   [`DELETE_SUBJECT`] expects; [`ResolverReply::parse`] reads the server's answer.
//! - With the `resolver-client` feature, `client` sends them with `async-nats`.

#[cfg(test)]
mod captured;
mod config;
mod error;
mod protocol;
mod report;

#[cfg(feature = "resolver-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "resolver-client")))]
pub mod client;

pub use config::{
    AuthCallout, CacheResolver, ClusterConfig, ClusterLayout, ConfigAccount, ConfigAuthorization,
    ConfigMode, ConfigUser, FullResolver, JetStreamConfig, OperatorMode, ResolverKind,
    ServerConfig, ServerConfigError, ServerMode,
};
pub use error::ResolverError;
pub use protocol::{
    DELETE_SUBJECT, LIST_SUBJECT, ResolverReply, SERVER_PING_SUBJECT, ServerInfo, UPDATE_SUBJECT,
    account_lookup_subject, account_update_subject, delete_request, parse_lookup_reply,
};
pub use report::{Quorum, Report};

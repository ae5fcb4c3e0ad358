//! Auth callout as a library: a verified request in, a signed (and sealed) answer out.
//!
//! When a client connects to a server with auth callout on, the server sends an
//! `authorization_request` JWT, signed by its own `N…` key, on [`AUTH_CALLOUT_SUBJECT`];
//! when encryption is configured the payload is sealed to the service's curve key and
//! the [`SERVER_XKEY_HEADER`] header carries the server's. The service answers with an
//! `authorization_response` JWT holding a user JWT for the request's `user_nkey` (the
//! client is let in with that user's permissions) or an error; or it does not answer and
//! the client is refused when the server's wait runs out.
//!
//! [`Responder`] does all of that without any network: [`Responder::open`] turns a
//! message into a verified [`AuthRequest`], [`Responder::allow`] and [`Responder::deny`]
//! turn a decision into the [`Response`] to publish. What it checks and refuses is what
//! the server checks and refuses, and a set-up the server would not accept (a signing
//! key without `issuer_account`, a signer of another kind, a placement outside
//! `allowed_accounts`) is refused when the responder is built.
//!
//! The two set-ups:
//! - **operator mode**: the callout account's JWT sets `authorization`
//!   ([`ExternalAuthorization`](crate::claims::ExternalAuthorization): `auth_users`, the
//!   users of the service, which bypass the callout; `allowed_accounts`, where users may
//!   be placed; `xkey`). Make the responder with [`Responder::operator_mode`].
//! - **config mode**: the server configuration's `authorization.auth_callout` block
//!   (`issuer`, `auth_users`, `account`, `xkey`), written by
//!   [`ServerConfig`](crate::resolver::ServerConfig). Make the responder with
//!   [`Responder::config_mode`]; users land in the account their `aud` names.
//!
//! `callout::service::Service` (feature `callout-service`) runs a responder over
//! async-nats: a queue group, concurrent workers, an async `Authorizer`, callbacks,
//! counters, a graceful shutdown and registration as a NATS micro service.

mod error;
mod replay;
mod request;
mod responder;
#[cfg(feature = "callout-service")]
#[cfg_attr(docsrs, doc(cfg(feature = "callout-service")))]
pub mod service;

pub use error::CalloutError;
pub use request::{AuthRequest, Delegated, Response};
pub use responder::{
    DEFAULT_REPLAY_CAPACITY, DEFAULT_REPLAY_WINDOW, Mode, Responder, ResponderBuilder,
};

/// The subject the server sends authorization requests to.
pub const AUTH_CALLOUT_SUBJECT: &str = "$SYS.REQ.USER.AUTH";

/// The header holding the server's curve public key when a request is sealed.
pub const SERVER_XKEY_HEADER: &str = "Nats-Server-Xkey";

//! The claim types: the standard JWT fields ([`Claims`]) and each type's `nats` body.
//!
//! [`Claims<T>`](crate::Claims) holds the fields Go keeps in `ClaimsData` (`aud`, `exp`,
//! `jti`, `iat`, `iss`, `name`, `nbf`, `sub`) and the body `T` written under `nats`:
//! [`Operator`], [`Account`], [`User`], [`Activation`], [`AuthorizationRequest`],
//! [`AuthorizationResponse`] or [`Generic`]. Each body's fields and JSON rules mirror
//! Go's struct, so that the bytes are Go's. Claims encode themselves into tokens and
//! decode from them; decoding gives [`Verified`] claims.

mod account;
mod activation;
pub(crate) mod any;
mod authorization;
pub(crate) mod body;
pub(crate) mod claim_type;
mod decode;
mod encode;
pub(crate) mod error;
mod generic;
mod operator;
pub(crate) mod standard;
pub(crate) mod time;
mod user;
mod v1;
pub(crate) mod verified;

pub use account::{cluster_traffic, Account, ExternalAuthorization, MsgTrace, ANY_ACCOUNT};
pub use activation::Activation;
pub use authorization::{
    AuthorizationRequest, AuthorizationResponse, ClientInformation, ClientTls, ConnectOptions,
    ServerId, AUTHORIZATION_REQUEST_AUDIENCE,
};
pub use body::ClaimBody;
pub use generic::Generic;
pub use operator::Operator;
pub use user::{connection_type, User};
pub use verified::Decode;

// The crate root exports these; inside the crate they are used from here.
pub(crate) use any::AnyClaims;
pub(crate) use claim_type::ClaimType;
pub(crate) use error::ClaimsError;
pub(crate) use standard::{
    decode_unverified, AccountClaims, ActivationClaims, AuthorizationRequestClaims,
    AuthorizationResponseClaims, Claims, GenericClaims, OperatorClaims, UserClaims,
};
pub(crate) use verified::{Unverified, Verified};

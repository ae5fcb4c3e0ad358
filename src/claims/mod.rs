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

pub use account::{ANY_ACCOUNT, Account, ExternalAuthorization, MsgTrace, cluster_traffic};
pub use activation::Activation;
pub use authorization::{
    AUTHORIZATION_REQUEST_AUDIENCE, AuthorizationRequest, AuthorizationResponse, ClientInformation,
    ClientTls, ConnectOptions, ServerId,
};
pub use body::ClaimBody;
pub use generic::Generic;
pub use operator::Operator;
pub use user::{User, connection_type};
pub use verified::Decode;

// The crate root exports these; inside the crate they are used from here.
pub(crate) use any::AnyClaims;
pub(crate) use claim_type::ClaimType;
pub(crate) use error::ClaimsError;
pub(crate) use standard::{
    AccountClaims, ActivationClaims, AuthorizationRequestClaims, AuthorizationResponseClaims,
    Claims, GenericClaims, OperatorClaims, UserClaims, decode_unverified,
};
pub(crate) use verified::{Unverified, Verified};

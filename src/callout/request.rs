//! [`AuthRequest`]: an authorization request that was opened and verified.

use crate::claims::{AuthorizationRequestClaims, ClientInformation, ConnectOptions};
#[cfg(feature = "xkeys")]
use crate::keys::PublicKey;
use crate::trust::TrustedUser;

/// What became of the user JWT a client presented (`connect_opts.jwt`), checked before
/// anyone decides about the client.
#[derive(Debug)]
#[non_exhaustive]
pub enum Delegated {
    /// The client presented no JWT.
    NotPresented,
    /// The client presented a JWT and the responder trusts no operator, so it was not
    /// checked: do not rely on it.
    Unchecked,
    /// The JWT holds: operator → account → user, signatures, expiry and revocations.
    Trusted(Box<TrustedUser>),
    /// The JWT does not hold; the client should be refused.
    Refused(crate::trust::TrustError),
}

/// An authorization request the server sent, opened (when sealed) and verified: signed by
/// the server it names, for the authorization audience, in its validity period, not seen
/// before.
///
/// Made by [`Responder::open`](super::Responder::open); answered with
/// [`Responder::allow`](super::Responder::allow) or [`Responder::deny`](super::Responder::deny),
/// or not at all (the client is refused when the server's wait runs out).
#[derive(Debug)]
pub struct AuthRequest {
    claims: AuthorizationRequestClaims,
    #[cfg(feature = "xkeys")]
    server_xkey: Option<PublicKey>,
    delegated: Delegated,
}

impl AuthRequest {
    pub(crate) fn new(
        claims: AuthorizationRequestClaims,
        #[cfg(feature = "xkeys")] server_xkey: Option<PublicKey>,
        delegated: Delegated,
    ) -> Self {
        AuthRequest {
            claims,
            #[cfg(feature = "xkeys")]
            server_xkey,
            delegated,
        }
    }

    /// The request's claims.
    pub fn claims(&self) -> &AuthorizationRequestClaims {
        &self.claims
    }

    /// The key the user JWT must be issued for (`nats.user_nkey`): the server made it
    /// for this connection.
    pub fn user_nkey(&self) -> &str {
        &self.claims.nats.user_nkey
    }

    /// The asking server's public key (`nats.server_id.id`), the response's `aud`.
    pub fn server_id(&self) -> &str {
        &self.claims.nats.server_id.id
    }

    /// What the client sent in its CONNECT: user and password, token, JWT, name…
    pub fn connect_options(&self) -> &ConnectOptions {
        &self.claims.nats.connect_opts
    }

    /// The client: address, id, kind, name.
    pub fn client_info(&self) -> &ClientInformation {
        &self.claims.nats.client_info
    }

    /// The user JWT the client presented, as checked by the responder's trust.
    pub fn delegated(&self) -> &Delegated {
        &self.delegated
    }

    /// The presented user when its chain of trust holds.
    pub fn trusted_user(&self) -> Option<&TrustedUser> {
        match &self.delegated {
            Delegated::Trusted(user) => Some(user),
            _ => None,
        }
    }

    /// True when the request came sealed, so the answer is sealed too.
    pub fn is_sealed(&self) -> bool {
        #[cfg(feature = "xkeys")]
        {
            self.server_xkey.is_some()
        }
        #[cfg(not(feature = "xkeys"))]
        {
            false
        }
    }

    #[cfg(feature = "xkeys")]
    pub(crate) fn server_xkey(&self) -> Option<&PublicKey> {
        self.server_xkey.as_ref()
    }

    /// Takes the request's claims.
    pub fn into_claims(self) -> AuthorizationRequestClaims {
        self.claims
    }
}

/// The answer to a request: the payload to publish to its reply subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    payload: Vec<u8>,
    sealed: bool,
    allowed: bool,
}

impl Response {
    pub(crate) fn new(payload: Vec<u8>, sealed: bool, allowed: bool) -> Self {
        Response {
            payload,
            sealed,
            allowed,
        }
    }

    /// The bytes to publish: the `authorization_response` JWT, sealed to the server's
    /// curve key when the request was sealed.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Takes the payload.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// True when the payload is sealed.
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// True when the response lets the client in (it holds a user JWT).
    pub fn is_allowed(&self) -> bool {
        self.allowed
    }
}

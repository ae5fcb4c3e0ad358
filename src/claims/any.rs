//! [`AnyClaims`]: claims of a type known only once a token is read.

use super::{
    AccountClaims, ActivationClaims, AuthorizationRequestClaims, AuthorizationResponseClaims,
    ClaimBody, ClaimType, Claims, ClaimsError, GenericClaims, OperatorClaims, UserClaims,
};
use crate::clock::{Clock, SystemClock};
use crate::keys::Signer;
use crate::validation::ValidationResults;

/// Claims of any type, as [`decode`](crate::decode) returns them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AnyClaims {
    /// Operator claims.
    Operator(OperatorClaims),
    /// Account claims.
    Account(AccountClaims),
    /// User claims.
    User(UserClaims),
    /// Activation claims.
    Activation(ActivationClaims),
    /// Auth callout request claims.
    AuthorizationRequest(AuthorizationRequestClaims),
    /// Auth callout response claims.
    AuthorizationResponse(AuthorizationResponseClaims),
    /// Generic claims: any other `nats.type`, kept as written.
    Generic(GenericClaims),
}

macro_rules! for_each_claims {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            AnyClaims::Operator($c) => $body,
            AnyClaims::Account($c) => $body,
            AnyClaims::User($c) => $body,
            AnyClaims::Activation($c) => $body,
            AnyClaims::AuthorizationRequest($c) => $body,
            AnyClaims::AuthorizationResponse($c) => $body,
            AnyClaims::Generic($c) => $body,
        }
    };
}

impl AnyClaims {
    /// Reads a v2 claims payload (the JSON inside a token) into the claims its
    /// `nats.type` names. v1 payloads are refused: only tokens are migrated.
    ///
    /// ```
    /// use natsjwt::{AnyClaims, ClaimType};
    ///
    /// let claims = AnyClaims::from_json(r#"{"sub":"U","nats":{"type":"user","version":2}}"#)?;
    /// assert_eq!(claims.claim_type(), ClaimType::User);
    /// # Ok::<(), natsjwt::ClaimsError>(())
    /// ```
    pub fn from_json(payload: &str) -> Result<AnyClaims, ClaimsError> {
        super::decode::any_from_json(payload)
    }

    /// Which kind of claims these are.
    pub fn claim_type(&self) -> ClaimType {
        for_each_claims!(self, c => c.claim_type())
    }

    /// The issuer (`iss`).
    pub fn issuer(&self) -> &str {
        for_each_claims!(self, c => &c.issuer)
    }

    /// The subject (`sub`).
    pub fn subject(&self) -> &str {
        for_each_claims!(self, c => &c.subject)
    }

    /// The name (`name`).
    pub fn name(&self) -> &str {
        for_each_claims!(self, c => &c.name)
    }

    /// The issue time (`iat`).
    pub fn issued_at(&self) -> i64 {
        for_each_claims!(self, c => c.issued_at)
    }

    /// The expiry (`exp`).
    pub fn expires(&self) -> i64 {
        for_each_claims!(self, c => c.expires)
    }

    /// The token id (`jti`).
    pub fn id(&self) -> &str {
        for_each_claims!(self, c => &c.id)
    }

    /// Validates with the system clock.
    pub fn validate(&self) -> ValidationResults {
        self.validate_with(&SystemClock)
    }

    /// Validates with `clock`; see [`Claims::validate_with`].
    pub fn validate_with(&self, clock: &(impl Clock + ?Sized)) -> ValidationResults {
        for_each_claims!(self, c => c.validate_with(clock))
    }

    /// Go's JSON of the claims.
    pub fn to_json(&self) -> Result<String, ClaimsError> {
        for_each_claims!(self, c => c.to_json())
    }

    /// Signs the claims as issued at `issued_at`; see [`Claims::encode_at`].
    pub fn encode_at<S: Signer + ?Sized>(
        &mut self,
        signer: &S,
        issued_at: i64,
    ) -> Result<String, ClaimsError> {
        for_each_claims!(self, c => c.encode_at(signer, issued_at))
    }

    /// Signs the claims at the current time.
    pub fn encode<S: Signer + ?Sized>(&mut self, signer: &S) -> Result<String, ClaimsError> {
        for_each_claims!(self, c => c.encode(signer))
    }
}

impl<T: ClaimBody> From<Claims<T>> for AnyClaims {
    fn from(claims: Claims<T>) -> Self {
        T::into_any(claims)
    }
}

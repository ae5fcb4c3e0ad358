//! [`ClaimType`]: the kinds of claims (`nats.type`).

use std::fmt;

/// The claim types of NATS JWT v2 (`nats.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ClaimType {
    /// `"operator"`.
    Operator,
    /// `"account"`.
    Account,
    /// `"user"`.
    User,
    /// `"activation"`.
    Activation,
    /// `"authorization_request"`.
    AuthorizationRequest,
    /// `"authorization_response"`.
    AuthorizationResponse,
    /// `"generic"`: anything else.
    Generic,
}

impl ClaimType {
    /// The name written in `nats.type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClaimType::Operator => "operator",
            ClaimType::Account => "account",
            ClaimType::User => "user",
            ClaimType::Activation => "activation",
            ClaimType::AuthorizationRequest => "authorization_request",
            ClaimType::AuthorizationResponse => "authorization_response",
            ClaimType::Generic => "generic",
        }
    }

    /// The concrete type named `name`, or [`ClaimType::Generic`] for any other name
    /// (Go's `IsGenericClaimType`).
    pub fn from_name(name: &str) -> ClaimType {
        match name {
            "operator" => ClaimType::Operator,
            "account" => ClaimType::Account,
            "user" => ClaimType::User,
            "activation" => ClaimType::Activation,
            "authorization_request" => ClaimType::AuthorizationRequest,
            "authorization_response" => ClaimType::AuthorizationResponse,
            _ => ClaimType::Generic,
        }
    }
}

impl fmt::Display for ClaimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

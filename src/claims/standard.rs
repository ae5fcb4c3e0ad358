//! [`Claims`]: the standard JWT fields and a body, with everything done to the whole.

use super::time::TimePolicy;
use super::verified::{decoding, Decode, Unverified, Verified};
use super::{
    decode, encode, Account, Activation, AnyClaims, AuthorizationRequest, AuthorizationResponse,
    ClaimBody, ClaimType, ClaimsError, Generic, Operator, User,
};

use crate::clock::{Clock, SystemClock};
use crate::keys::{Signer, VerifyingKey};
use crate::validation::ValidationResults;

/// Operator claims: `Claims<Operator>`.
pub type OperatorClaims = Claims<Operator>;
/// Account claims: `Claims<Account>`.
pub type AccountClaims = Claims<Account>;
/// User claims: `Claims<User>`.
pub type UserClaims = Claims<User>;
/// Activation claims (an import's permission): `Claims<Activation>`.
pub type ActivationClaims = Claims<Activation>;
/// Auth callout request claims (sent by the server): `Claims<AuthorizationRequest>`.
pub type AuthorizationRequestClaims = Claims<AuthorizationRequest>;
/// Auth callout response claims: `Claims<AuthorizationResponse>`.
pub type AuthorizationResponseClaims = Claims<AuthorizationResponse>;
/// Generic claims (free-form `nats` map): `Claims<Generic>`.
pub type GenericClaims = Claims<Generic>;

/// A NATS JWT's claims: the standard fields and the type-specific `nats` body.
///
/// Empty strings and zero times are "not set" (Go's `omitempty`).
///
/// ```
/// use natsjwt::{KeyPair, UserClaims};
///
/// let account = KeyPair::new_account()?;
/// let user = KeyPair::new_user()?;
/// let mut claims = UserClaims::new(user.public_key().as_str());
/// claims.name = "alice".into();
/// claims.nats.permissions.publish.allow.push("orders.>".into());
/// let token = claims.encode(&account)?;
///
/// let decoded = UserClaims::decode(&token)?;
/// assert_eq!(decoded.claims(), &claims);
/// assert_eq!(decoded.claims().issuer, account.public_key().as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims<T> {
    /// Audience (`aud`), a plain string.
    pub audience: String,
    /// Expiry (`exp`), Unix seconds; 0 for none.
    pub expires: i64,
    /// Token id (`jti`); set by encoding.
    pub id: String,
    /// Issue time (`iat`), Unix seconds; set by encoding.
    pub issued_at: i64,
    /// Issuer (`iss`), the signer's public key; set by encoding.
    pub issuer: String,
    /// Name (`name`).
    pub name: String,
    /// Not valid before (`nbf`), Unix seconds; 0 for none.
    pub not_before: i64,
    /// Subject (`sub`): the public key the claims are about.
    pub subject: String,
    /// The type-specific body (`nats`).
    pub nats: T,
}

impl<T: ClaimBody> Claims<T> {
    /// Claims about `subject` with Go's defaults for the type (`New*Claims`).
    pub fn new(subject: impl Into<String>) -> Self {
        Claims {
            subject: subject.into(),
            nats: T::with_defaults(),
            ..Default::default()
        }
    }

    /// The claim type.
    pub fn claim_type(&self) -> ClaimType {
        T::CLAIM_TYPE
    }

    /// True when `iss == sub`.
    pub fn is_self_signed(&self) -> bool {
        self.issuer == self.subject
    }

    /// Validates with the system clock; see [`Claims::validate_with`].
    pub fn validate(&self) -> ValidationResults {
        self.validate_with(&SystemClock)
    }

    /// Go's `Validate`: the time checks (expired is `now > exp`, not yet valid is
    /// `now < nbf`, no leeway) and the type's rules, in Go's order. Never changes the
    /// claims.
    pub fn validate_with(&self, clock: &(impl Clock + ?Sized)) -> ValidationResults {
        let mut vr = ValidationResults::new();
        let now = clock.now();
        if !T::TIMES_LAST {
            self.check_times(now, &mut vr);
        }
        T::validate_body(self, &mut vr);
        if T::TIMES_LAST {
            self.check_times(now, &mut vr);
        }
        vr
    }

    /// Go's `ClaimsData.Validate`: the expiry and not-before time checks.
    fn check_times(&self, now: i64, vr: &mut ValidationResults) {
        if TimePolicy::VALIDATE.is_expired(self.expires, now) {
            vr.add_time_check("claim is expired");
        }
        if TimePolicy::VALIDATE.is_not_yet_valid(self.not_before, now) {
            vr.add_time_check("claim is not yet valid");
        }
    }

    /// Go's JSON of the claims (the token payload once encoded).
    pub fn to_json(&self) -> Result<String, ClaimsError> {
        encode::to_json(self)
    }

    /// Signs the claims with `signer` at the current time; see [`Claims::encode_at`].
    pub fn encode<S: Signer + ?Sized>(&mut self, signer: &S) -> Result<String, ClaimsError> {
        self.encode_with_clock(signer, &SystemClock)
    }

    /// Signs the claims with `signer`, taking `iat` from `clock`.
    pub fn encode_with_clock<S: Signer + ?Sized>(
        &mut self,
        signer: &S,
        clock: &(impl Clock + ?Sized),
    ) -> Result<String, ClaimsError> {
        self.encode_at(signer, clock.now())
    }

    /// Signs the claims with `signer` as issued at `issued_at`, as Go's `Encode` does:
    /// checks `sub` and the signer's kind, sets `iss` (the signer's public key), `iat`,
    /// `jti` and `nats.version = 2` (and sorts an account's exports and imports), then
    /// returns the token. Given Go's claims, seed and `iat`, the token is Go's byte for byte.
    ///
    /// On error the claims are left as they were, except for that sorting.
    pub fn encode_at<S: Signer + ?Sized>(
        &mut self,
        signer: &S,
        issued_at: i64,
    ) -> Result<String, ClaimsError> {
        encode::encode(self, signer, issued_at)
    }

    /// Decodes a token of this claim type and verifies its signature by `iss`.
    ///
    /// [`GenericClaims`] accepts every claim type (as Go's `DecodeGeneric`) and reads its
    /// `nats` object as a map; other types fail with [`ClaimsError::WrongClaimType`] on a
    /// token of another type. A verified token is signed by its issuer, which is not yet
    /// trusted: see [`Trust`](crate::trust::Trust).
    pub fn decode(token: &str) -> Result<Verified<Self>, ClaimsError> {
        decode::decode_as(token)?.verify()
    }

    /// Decodes a token of this claim type issued by `issuer`, whose key was read once
    /// (see [`VerifyingKey`]), and verifies its signature.
    pub fn decode_with(token: &str, issuer: &VerifyingKey) -> Result<Verified<Self>, ClaimsError> {
        decode::decode_as(token)?.verify_with(issuer)
    }
}

impl<T> Claims<T> {
    /// The same standard fields with the body changed by `f`.
    pub(crate) fn map_body<U>(self, f: impl FnOnce(T) -> U) -> Claims<U> {
        Claims {
            audience: self.audience,
            expires: self.expires,
            id: self.id,
            issued_at: self.issued_at,
            issuer: self.issuer,
            name: self.name,
            not_before: self.not_before,
            subject: self.subject,
            nats: f(self.nats),
        }
    }
}

/// Decodes a token of any claim type and verifies its signature by `iss` (Go's `Decode`,
/// except that generic tokens decode too).
///
/// This proves the token was signed by its issuer, not that the issuer is trusted: check
/// the chain of trust with [`Trust`](crate::trust::Trust) before relying on it.
///
/// ```
/// use natsjwt::{AnyClaims, ClaimType, KeyPair, OperatorClaims};
///
/// let operator = KeyPair::new_operator()?;
/// let token = OperatorClaims::new(operator.public_key().as_str()).encode(&operator)?;
/// let verified = natsjwt::decode(&token)?;
/// assert_eq!(verified.claims().claim_type(), ClaimType::Operator);
/// assert!(matches!(verified.claims(), AnyClaims::Operator(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode(token: &str) -> Result<Verified<AnyClaims>, ClaimsError> {
    decode::decode_any(token)?.verify()
}

/// Decodes a token without checking its signature: see [`crate::dangerous`].
pub(crate) fn decode_unverified<C: Decode>(token: &str) -> Result<Unverified<'_, C>, ClaimsError> {
    <C as decoding::Sealed>::decode_unverified(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyKind, KeyPair};

    const OPERATOR_SEED: &str = "SOAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIATA";

    #[test]
    fn spec_golden_operator_token() {
        let op = KeyPair::from_seed(OPERATOR_SEED).unwrap();
        let mut claims = OperatorClaims::new(op.public_key().as_str());
        claims.name = "O".into();
        let token = claims.encode_at(&op, 1795664545).unwrap();
        assert_eq!(
            token,
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJXWFJOMjVRMzU3M0U3UlVDTlVOVEZFVkFONzJUWk9ZWEJYS0dGMlFXWUJSWFVGQk1YWjNRIiwiaWF0IjoxNzk1NjY0NTQ1LCJpc3MiOiJPQ0ZJUlk2NU9RRTdERlA1S0xOUzJQRjJMVlpNVVpZSlg0T1pJRVEzNk4ySVFBTlVCNVhWWU9DUyIsIm5hbWUiOiJPIiwic3ViIjoiT0NGSVJZNjVPUUU3REZQNUtMTlMyUEYyTFZaTVVaWUpYNE9aSUVRMzZOMklRQU5VQjVYVllPQ1MiLCJuYXRzIjp7InR5cGUiOiJvcGVyYXRvciIsInZlcnNpb24iOjJ9fQ.HRBgJdWJ3QpQfYlcBbkbBQf5jsnKfrlFrHZL2hZL5oiCf1-hXrgb7b1Hroqb67szYsHBgeLs0D6ymBax6wscBQ"
        );
        assert_eq!(
            claims.id,
            "WXRN25Q3573E7RUCNUNTFEVAN72TZOYXBXKGF2QWYBRXUFBMXZ3Q"
        );
        let decoded = OperatorClaims::decode(&token).unwrap();
        assert_eq!(decoded.claims(), &claims);
        assert_eq!(decoded.version(), 2);
    }

    #[test]
    fn encode_checks_subject_and_signer() {
        let op = KeyPair::from_seed(OPERATOR_SEED).unwrap();
        let mut empty = UserClaims::new("");
        assert!(matches!(
            empty.encode_at(&op, 1),
            Err(ClaimsError::MissingSubject)
        ));
        let user = KeyPair::new_user().unwrap();
        let mut claims = UserClaims::new(user.public_key().as_str());
        assert!(matches!(
            claims.encode_at(&op, 1),
            Err(ClaimsError::SignerNotAllowed {
                claim_type: ClaimType::User,
                kind: KeyKind::Operator
            })
        ));
        // Nothing was changed by the failed encode.
        assert_eq!(claims, UserClaims::new(user.public_key().as_str()));
        let mut wrong_sub = AccountClaims::new(user.public_key().as_str());
        assert!(matches!(
            wrong_sub.encode_at(&op, 1),
            Err(ClaimsError::InvalidSubject {
                expected: KeyKind::Account,
                ..
            })
        ));
    }

    #[test]
    fn typed_decode_names_both_types() {
        let op = KeyPair::from_seed(OPERATOR_SEED).unwrap();
        let account = KeyPair::new_account().unwrap();
        let token = AccountClaims::new(account.public_key().as_str())
            .encode_at(&op, 5)
            .unwrap();
        let err = UserClaims::decode(&token).unwrap_err();
        assert_eq!(
            err,
            ClaimsError::WrongClaimType {
                expected: ClaimType::User,
                found: "account".into()
            }
        );
        assert_eq!(err.to_string(), "expected user claims, got account");
        let any = decode(&token).unwrap();
        assert_eq!(any.claims().claim_type(), ClaimType::Account);
    }

    #[test]
    fn decode_with_a_kept_key_checks_it_is_the_issuer() {
        let account = KeyPair::from_raw_seed(KeyKind::Account, &[2; 32]).unwrap();
        let other = KeyPair::from_raw_seed(KeyKind::Account, &[3; 32]).unwrap();
        let user = KeyPair::from_raw_seed(KeyKind::User, &[4; 32]).unwrap();
        let token = UserClaims::new(user.public_key().as_str())
            .encode_at(&account, 5)
            .unwrap();
        let verified = UserClaims::decode_with(&token, &account.verifying_key()).unwrap();
        assert_eq!(verified.claims().issuer, account.public_key().as_str());
        assert_eq!(
            UserClaims::decode_with(&token, &other.verifying_key()),
            Err(ClaimsError::IssuerMismatch {
                expected: other.public_key().to_string(),
                found: account.public_key().to_string(),
            })
        );
    }
}

//! [`Claims`]: the standard JWT fields and a body, with everything done to the whole.

use super::time::TimePolicy;
use super::verified::{Decode, Unverified, Verified, decoding};
use super::{
    Account, Activation, AnyClaims, AuthorizationRequest, AuthorizationResponse, ClaimBody,
    ClaimType, ClaimsError, Generic, Operator, User, decode, encode,
};

use crate::clock::{Clock, SystemClock};
use crate::keys::{Signer, VerifyingKey};
use crate::validation::ValidationResults;

/// Operator claims: `Claims<Operator>`, self-signed by the operator key.
///
/// [`OperatorClaims::new`] is Go's `NewOperatorClaims`: nothing set but `sub`.
///
/// ```
/// use natsjwt::claims::Operator;
/// use natsjwt::{KeyPair, OperatorClaims};
///
/// let operator = KeyPair::new_operator()?;
/// let signing_key = KeyPair::new_operator()?;
/// let system_account = KeyPair::new_account()?;
/// let mut claims = OperatorClaims::new(operator.public_key().as_str());
/// assert_eq!(claims.nats, Operator::default());
/// assert!(claims.to_json()?.ends_with(r#""nats":{"type":"operator"}}"#));
///
/// claims.name = "acme".into();
/// claims.nats.signing_keys.push(signing_key.public_key().to_string());
/// claims.nats.system_account = system_account.public_key().to_string();
/// claims.nats.strict_signing_key_usage = true;
/// let token = claims.encode(&operator)?;
///
/// let decoded = OperatorClaims::decode(&token)?.into_claims();
/// assert!(decoded.is_self_signed());
/// assert_eq!(decoded.nats.version, 2);
/// // Strict: only the signing key may sign accounts.
/// let account = system_account.public_key().as_str();
/// assert!(decoded.did_sign(signing_key.public_key().as_str(), account));
/// assert!(!decoded.did_sign(operator.public_key().as_str(), account));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type OperatorClaims = Claims<Operator>;
/// Account claims: `Claims<Account>`, signed by an operator key or signing key.
///
/// [`AccountClaims::new`] is Go's `NewAccountClaims`: every count unlimited (`-1`),
/// wildcard exports allowed, JetStream disabled; `limits`, `default_permissions` and
/// `authorization` are always written.
///
/// ```
/// use natsjwt::types::{Export, OperatorLimits};
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let operator = KeyPair::new_operator()?;
/// let account = KeyPair::new_account()?;
/// let mut claims = AccountClaims::new(account.public_key().as_str());
/// assert_eq!(claims.nats.limits, OperatorLimits::new_account_defaults());
/// assert!(claims.to_json()?.ends_with(concat!(
///     r#""nats":{"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"#,
///     r#""wildcards":true,"conn":-1,"leaf":-1},"default_permissions":{"pub":{},"sub":{}},"#,
///     r#""authorization":{},"type":"account"}}"#,
/// )));
///
/// claims.name = "tenant-42".into();
/// claims.nats.exports.push(Export::stream("prices.>"));
/// claims.nats.exports.push(Export::service("help"));
/// let token = claims.encode(&operator)?;
///
/// let decoded = AccountClaims::decode_with(&token, &operator.verifying_key())?;
/// assert_eq!(decoded.claims().issuer, operator.public_key().as_str());
/// // Encoding sorted the exports by subject, as Go does.
/// assert_eq!(decoded.claims().nats.exports[0].subject, "help");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type AccountClaims = Claims<Account>;
/// User claims: `Claims<User>`, signed by an account key or one of its signing keys.
///
/// [`UserClaims::new`] is Go's `NewUserClaims`: `subs`, `data` and `payload` unlimited
/// (`-1`), no permissions (the account's `default_permissions` apply).
///
/// ```
/// use natsjwt::claims::connection_type;
/// use natsjwt::types::Limits;
/// use natsjwt::{KeyPair, UserClaims};
///
/// let account = KeyPair::new_account()?;
/// let user = KeyPair::new_user()?;
/// let mut claims = UserClaims::new(user.public_key().as_str());
/// assert_eq!(claims.nats.limits, Limits::unlimited());
/// assert!(claims.to_json()?.ends_with(
///     r#""nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user"}}"#
/// ));
///
/// claims.name = "alice".into();
/// claims.expires = 4_102_444_800; // 2100-01-01
/// claims.nats.permissions.subscribe.allow.push("orders.>".into());
/// claims.nats.allowed_connection_types.push(connection_type::WEBSOCKET.into());
/// let token = claims.encode(&account)?;
///
/// let decoded = UserClaims::decode_with(&token, &account.verifying_key())?;
/// assert_eq!(decoded.claims().nats.permissions.subscribe.allow, ["orders.>"]);
/// assert!(decoded.claims().nats.issuer_account.is_empty()); // the account key signed
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type UserClaims = Claims<User>;
/// Activation claims (an import's permission): `Claims<Activation>`, signed by the
/// exporting account for the importing one (`sub`).
///
/// [`ActivationClaims::new`] is Go's `NewActivationClaims`: nothing set but `sub`.
///
/// ```
/// use natsjwt::claims::Activation;
/// use natsjwt::types::{Export, ExportType, Import};
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{AccountClaims, ActivationClaims, KeyPair};
///
/// let exporter = KeyPair::new_account()?;
/// let importer = KeyPair::new_account()?;
///
/// // The exporter grants the importer its private stream `prices.>` …
/// let mut activation = ActivationClaims::new(importer.public_key().as_str());
/// assert_eq!(activation.nats, Activation::default());
/// activation.nats.subject = "prices.>".into();
/// activation.nats.kind = ExportType::Stream;
/// let token = activation.encode(&exporter)?;
/// let decoded = ActivationClaims::decode(&token)?.into_claims();
/// assert_eq!(decoded.issuer, exporter.public_key().as_str());
///
/// // … and the importer puts the token in its import, which validation checks.
/// let mut import = Import::stream(exporter.public_key().as_str(), "prices.>");
/// import.token = token;
/// let mut account = AccountClaims::new(importer.public_key().as_str());
/// account.nats.imports.push(import);
/// assert!(!account.validate().is_blocking(TimeChecks::Included));
///
/// // Revoking the importer in the export revokes this activation.
/// let mut export = Export::stream("prices.>");
/// export.token_req = true;
/// export.revoke_at(importer.public_key().as_str(), decoded.issued_at);
/// assert!(decoded.is_revoked_by(&export));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type ActivationClaims = Claims<Activation>;
/// Auth callout request claims (sent by the server): `Claims<AuthorizationRequest>`,
/// signed by the server's `N…` key, `sub` the callout account, `aud`
/// [`AUTHORIZATION_REQUEST_AUDIENCE`](crate::claims::AUTHORIZATION_REQUEST_AUDIENCE).
///
/// [`AuthorizationRequestClaims::new`] is Go's `NewAuthorizationRequestClaims`: nothing
/// set but `sub`; `server_id`, `user_nkey`, `client_info` and `connect_opts` are always
/// written. A callout service decodes these; see [`AuthorizationResponseClaims`] for
/// the answer.
///
/// ```
/// use natsjwt::claims::AUTHORIZATION_REQUEST_AUDIENCE;
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{AuthorizationRequestClaims, KeyKind, KeyPair};
///
/// let callout_account = KeyPair::new_account()?;
/// let mut request = AuthorizationRequestClaims::new(callout_account.public_key().as_str());
/// assert!(request.to_json()?.ends_with(concat!(
///     r#""nats":{"server_id":{"name":"","host":"","id":""},"user_nkey":"","#,
///     r#""client_info":{},"connect_opts":{"protocol":0},"type":"authorization_request"}}"#,
/// )));
///
/// // What the server sends when `alice` connects …
/// let server = KeyPair::generate(KeyKind::Server)?;
/// let client = KeyPair::new_user()?;
/// request.audience = AUTHORIZATION_REQUEST_AUDIENCE.into();
/// request.nats.server_id.id = server.public_key().to_string();
/// request.nats.user_nkey = client.public_key().to_string();
/// request.nats.connect_opts.user = "alice".into();
/// let token = request.encode(&server)?;
///
/// // … and what the callout service reads.
/// let request = AuthorizationRequestClaims::decode(&token)?.into_claims();
/// assert!(!request.validate().is_blocking(TimeChecks::Included));
/// assert_eq!(request.issuer, request.nats.server_id.id);
/// assert_eq!(request.nats.connect_opts.user, "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type AuthorizationRequestClaims = Claims<AuthorizationRequest>;
/// Auth callout response claims: `Claims<AuthorizationResponse>`, signed by the callout
/// account, `sub` the request's `user_nkey`, `aud` the requesting server's id.
///
/// [`AuthorizationResponseClaims::new`] is Go's `NewAuthorizationResponseClaims`:
/// nothing set but `sub`. Set `jwt` (the user JWT granting access) or `error`, not both.
///
/// ```
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{AuthorizationResponseClaims, KeyKind, KeyPair, UserClaims};
///
/// let callout_account = KeyPair::new_account()?;
/// let server = KeyPair::generate(KeyKind::Server)?; // the request's `server_id.id`
/// let client = KeyPair::new_user()?; // the request's `user_nkey`
///
/// let mut user = UserClaims::new(client.public_key().as_str());
/// user.name = "alice".into();
/// user.nats.permissions.publish.allow.push("orders.>".into());
/// let user_jwt = user.encode(&callout_account)?;
///
/// let mut response = AuthorizationResponseClaims::new(client.public_key().as_str());
/// assert!(response.to_json()?.ends_with(r#""nats":{"type":"authorization_response"}}"#));
/// // Neither `jwt` nor `error`: invalid.
/// assert!(response.validate().is_blocking(TimeChecks::Included));
/// response.audience = server.public_key().to_string();
/// response.nats.jwt = user_jwt;
/// assert!(!response.validate().is_blocking(TimeChecks::Included));
/// let token = response.encode(&callout_account)?;
///
/// let decoded = AuthorizationResponseClaims::decode(&token)?.into_claims();
/// assert_eq!(decoded.audience, server.public_key().as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type AuthorizationResponseClaims = Claims<AuthorizationResponse>;
/// Generic claims (free-form `nats` map): `Claims<Generic>`, for custom claim types, or
/// for reading any token untyped (as Go's `DecodeGeneric`).
///
/// [`GenericClaims::new`] has an empty `nats` map; encoding adds `version` (2). Any key
/// may sign.
///
/// ```
/// use natsjwt::{GenericClaims, KeyPair, UserClaims};
///
/// let account = KeyPair::new_account()?;
/// let mut claims = GenericClaims::new(account.public_key().as_str());
/// assert!(claims.nats.data.is_empty());
/// claims.nats.data.insert("type".into(), "billing".into());
/// claims.nats.data.insert("plan".into(), "gold".into());
/// let token = claims.encode(&account)?;
/// let decoded = GenericClaims::decode(&token)?.into_claims();
/// assert_eq!(decoded.nats.type_name(), Some("billing"));
/// assert_eq!(decoded.nats.data["version"], 2);
/// let json = decoded.to_json()?;
/// assert!(json.ends_with(r#""nats":{"plan":"gold","type":"billing","version":2}}"#));
///
/// // Any token decodes as generic claims, its body read as a map.
/// let user = KeyPair::new_user()?;
/// let user_jwt = UserClaims::new(user.public_key().as_str()).encode(&account)?;
/// let untyped = GenericClaims::decode(&user_jwt)?.into_claims();
/// assert_eq!(untyped.nats.type_name(), Some("user"));
/// assert_eq!(untyped.nats.data["subs"], -1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

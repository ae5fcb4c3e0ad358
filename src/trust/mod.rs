//! The chain of trust: operator → account → user (and activation), checked as
//! `nats-server` checks it at connect time.
//!
//! [`Trust`] holds the trusted operators (the server's `operator:` setting), a clock and
//! an optional leeway. [`Trust::verify_account`] gives a [`TrustedAccount`];
//! [`Trust::verify_user`] and [`Trust::verify_activation`] need one. Each check decodes
//! and verifies the token, validates it (blocking issues and time checks refuse it) and
//! checks who signed it:
//! - an account must be signed by a trusted operator's key: its identity key (unless the
//!   operator sets `strict_signing_key_usage`) or one of its signing keys;
//! - a user must be signed by its account's key (not under a strict operator) or by one
//!   of the account's signing keys with `issuer_account` naming the account; a scoped
//!   signing key's user must carry no permissions or limits, and gets the scope's
//!   template; the user must not be revoked (inclusive, `*` included) and, when the
//!   account disallows bearer tokens, must not be one;
//! - an activation must be signed by the exporting account or, with `issuer_account`, by
//!   one of its signing keys, be for the importing account, match a token-required export
//!   and not be revoked by it.
//!
//! The keys of trusted operators and accounts are read once, when they are trusted, and
//! verify every token they signed.
//!
//! Time: a token is expired from its `exp` second on (as the server's expiry timers act)
//! and not yet valid while `now < nbf`; the leeway widens both (default 0, as the
//! server). What depends on the connection (nonce signature, `src`, `times`, connection
//! type) is not checked here.

mod error;
mod trusted;

use std::sync::Arc;

pub use error::{Link, TrustError};
pub use trusted::{TrustedAccount, TrustedActivation, TrustedUser};

use crate::claims::connection_type;
use crate::claims::time::TimePolicy;
use crate::claims::{
    AccountClaims, ActivationClaims, ClaimBody, Claims, ClaimsError, OperatorClaims, Unverified,
    UserClaims, Verified,
};
use crate::clock::{Clock, SystemClock};
use crate::keys::{PublicKey, VerifyingKey};
use crate::types::subjects::is_contained_in;
use crate::types::{TemplateContext, UserPermissionLimits};
use crate::validation::{TimeChecks, ValidationResults};

/// Trusted operators, a clock and a leeway: checks accounts, users and activations.
///
/// ```
/// use natsjwt::trust::{Trust, TrustError};
/// use natsjwt::{AccountClaims, KeyPair, OperatorClaims};
///
/// let operator = KeyPair::new_operator()?;
/// let operator_jwt = OperatorClaims::new(operator.public_key().as_str()).encode(&operator)?;
/// let trust = Trust::new().with_operator_jwt(&operator_jwt)?;
///
/// let account = KeyPair::new_account()?;
/// let account_jwt = AccountClaims::new(account.public_key().as_str()).encode(&operator)?;
/// assert!(trust.verify_account(&account_jwt).is_ok());
///
/// // Another operator's account is not trusted.
/// let stranger = KeyPair::new_operator()?;
/// let foreign_jwt = AccountClaims::new(account.public_key().as_str()).encode(&stranger)?;
/// assert!(matches!(
///     trust.verify_account(&foreign_jwt),
///     Err(TrustError::UntrustedIssuer { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Trust {
    operators: Vec<TrustedOperator>,
    clock: Arc<dyn Clock + Send + Sync>,
    leeway: i64,
}

/// What the server grants a user it admits.
pub(crate) struct Admission {
    /// A scoped signing key signed the user.
    pub(crate) scoped: bool,
    /// The user's permissions and limits as the server applies them.
    pub(crate) granted: UserPermissionLimits,
}

/// An operator and its keys, read once.
#[derive(Clone)]
struct TrustedOperator {
    claims: OperatorClaims,
    /// The identity key and the signing keys that are valid keys.
    keys: Vec<VerifyingKey>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field(
                "operators",
                &self
                    .operators
                    .iter()
                    .map(|o| o.claims.subject.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl Default for Trust {
    fn default() -> Self {
        Trust::new()
    }
}

/// The keys among `texts` that are valid Ed25519 keys, read once. The others can have
/// signed nothing: a token naming one as `iss` fails to verify on its own.
pub(crate) fn verifying_keys<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<VerifyingKey> {
    texts
        .into_iter()
        .filter_map(|text| PublicKey::parse(text).ok())
        .filter_map(|key| VerifyingKey::new(&key).ok())
        .collect()
}

/// The key among `keys` that is `issuer`.
fn key_of<'k>(keys: &'k [VerifyingKey], issuer: &str) -> Option<&'k VerifyingKey> {
    keys.iter().find(|key| key.public_key().as_str() == issuer)
}

/// Verifies `token` with its issuer's key when it is among `keys`, else (its issuer is
/// not known, which the caller reports) with the key its `iss` names.
fn verify_by<T: ClaimBody>(
    token: Unverified<'_, Claims<T>>,
    keys: &[VerifyingKey],
) -> Result<Verified<Claims<T>>, ClaimsError> {
    match key_of(keys, &token.unverified_claims().issuer) {
        Some(key) => token.verify_with(key),
        None => token.verify(),
    }
}

impl Trust {
    /// No trusted operator yet, the system clock, no leeway.
    pub fn new() -> Self {
        Trust {
            operators: Vec::new(),
            clock: Arc::new(SystemClock),
            leeway: 0,
        }
    }

    /// Trusts the operator of `jwt` (decoded and signature-checked). As the server, the
    /// operator JWT is a trust anchor: it is not validated or time-checked.
    pub fn with_operator_jwt(mut self, jwt: &str) -> Result<Self, TrustError> {
        self.add_operator_jwt(jwt)?;
        Ok(self)
    }

    /// Adds a trusted operator from its JWT.
    pub fn add_operator_jwt(&mut self, jwt: &str) -> Result<(), TrustError> {
        let operator = OperatorClaims::decode(jwt).map_err(|source| TrustError::Decode {
            link: Link::Operator,
            source,
        })?;
        self.add_operator(operator);
        Ok(())
    }

    /// Adds a trusted operator.
    pub fn add_operator(&mut self, operator: Verified<OperatorClaims>) {
        let claims = operator.into_claims();
        let keys = verifying_keys(
            std::iter::once(claims.subject.as_str())
                .chain(claims.nats.signing_keys.iter().map(String::as_str)),
        );
        self.operators.push(TrustedOperator { claims, keys });
    }

    /// Uses `clock` for expiry and not-before checks.
    pub fn with_clock(mut self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Accepts tokens up to `seconds` past their expiry or before their not-before.
    pub fn with_leeway(mut self, seconds: u32) -> Self {
        self.leeway = i64::from(seconds);
        self
    }

    /// The trusted operators.
    pub fn operators(&self) -> impl Iterator<Item = &OperatorClaims> {
        self.operators.iter().map(|o| &o.claims)
    }

    fn check_times<T>(&self, claims: &Claims<T>, link: Link) -> Result<(), TrustError> {
        let now = self.clock.now();
        let policy = TimePolicy::server(self.leeway);
        if policy.is_expired(claims.expires, now) {
            return Err(TrustError::Expired {
                link,
                expires: claims.expires,
            });
        }
        if policy.is_not_yet_valid(claims.not_before, now) {
            return Err(TrustError::NotYetValid {
                link,
                not_before: claims.not_before,
            });
        }
        Ok(())
    }

    /// Validation without the time checks (done by [`Trust::check_times`]); blocking issues refuse.
    fn check_valid<T: ClaimBody>(&self, claims: &Claims<T>, link: Link) -> Result<(), TrustError> {
        let mut results = ValidationResults::new();
        T::validate_body(claims, &mut results);
        if results.is_blocking(TimeChecks::Excluded) {
            return Err(TrustError::Invalid {
                link,
                issues: results.errors().cloned().collect(),
            });
        }
        self.check_times(claims, link)
    }

    /// Decodes and checks an account JWT against the trusted operators.
    pub fn verify_account(&self, jwt: &str) -> Result<TrustedAccount, TrustError> {
        let decode_error = |source| TrustError::Decode {
            link: Link::Account,
            source,
        };
        let token = crate::claims::decode_unverified::<AccountClaims>(jwt).map_err(decode_error)?;
        let issuer = &token.unverified_claims().issuer;
        let key = self
            .operators
            .iter()
            .find_map(|operator| key_of(&operator.keys, issuer));
        let account = match key {
            Some(key) => token.verify_with(key),
            None => token.verify(),
        }
        .map_err(decode_error)?;
        self.check_account(account)
    }

    /// Checks a decoded account against the trusted operators.
    pub fn check_account(
        &self,
        account: Verified<AccountClaims>,
    ) -> Result<TrustedAccount, TrustError> {
        if self.operators.is_empty() {
            return Err(TrustError::NoOperator);
        }
        let claims = account.into_claims();
        let issuer = claims.issuer.as_str();
        let mut identity_key_of_strict = false;
        let mut signer = None;
        for operator in self.operators.iter().map(|o| &o.claims) {
            let by_identity = operator.subject == issuer;
            let by_signing_key = operator.nats.signing_keys.iter().any(|k| k == issuer);
            if by_signing_key || (by_identity && !operator.nats.strict_signing_key_usage) {
                signer = Some(operator);
                break;
            }
            identity_key_of_strict |= by_identity;
        }
        let Some(operator) = signer else {
            if identity_key_of_strict {
                return Err(TrustError::IdentityKeyNotAllowed {
                    link: Link::Account,
                    issuer: issuer.to_owned(),
                });
            }
            return Err(TrustError::UntrustedIssuer {
                issuer: issuer.to_owned(),
            });
        };
        self.check_valid(&claims, Link::Account)?;
        Ok(TrustedAccount::new(
            claims,
            operator.subject.clone(),
            operator.nats.strict_signing_key_usage,
        ))
    }

    /// Decodes and checks a user JWT of `account`.
    pub fn verify_user(
        &self,
        account: &TrustedAccount,
        jwt: &str,
    ) -> Result<TrustedUser, TrustError> {
        let decode_error = |source| TrustError::Decode {
            link: Link::User,
            source,
        };
        let token = crate::claims::decode_unverified::<UserClaims>(jwt).map_err(decode_error)?;
        let user = verify_by(token, account.keys()).map_err(decode_error)?;
        self.check_user(account, user)
    }

    /// Checks a decoded user of `account`, in the server's order.
    pub fn check_user(
        &self,
        account: &TrustedAccount,
        user: Verified<UserClaims>,
    ) -> Result<TrustedUser, TrustError> {
        let user = user.into_claims();
        let admission = self.admit_user(account, &user)?;
        Ok(TrustedUser::new(
            user,
            account.claims().subject.clone(),
            admission.scoped,
            admission.granted,
        ))
    }

    /// Decodes a user JWT, finds its account (`issuer_account`, else `iss`) with
    /// `find_account`, and checks the user against it.
    pub(crate) fn verify_user_of<'a>(
        &self,
        jwt: &str,
        find_account: impl FnOnce(&str) -> Option<&'a TrustedAccount>,
    ) -> Result<TrustedUser, TrustError> {
        let decode_error = |source| TrustError::Decode {
            link: Link::User,
            source,
        };
        let token = crate::claims::decode_unverified::<UserClaims>(jwt).map_err(decode_error)?;
        let unverified = token.unverified_claims();
        let named = if unverified.nats.issuer_account.is_empty() {
            &unverified.issuer
        } else {
            &unverified.nats.issuer_account
        };
        let account = find_account(named).ok_or_else(|| TrustError::UnknownAccount {
            account: named.clone(),
        })?;
        let user = verify_by(token, account.keys()).map_err(decode_error)?;
        self.check_user(account, user)
    }

    /// The server's checks of user claims (signature aside) against `account`: what the
    /// user is granted, or why it is refused.
    pub(crate) fn admit_user(
        &self,
        account: &TrustedAccount,
        user: &UserClaims,
    ) -> Result<Admission, TrustError> {
        self.check_valid(user, Link::User)?;
        let account_claims = account.claims();
        let named_account = if user.nats.issuer_account.is_empty() {
            &user.issuer
        } else {
            &user.nats.issuer_account
        };
        if *named_account != account_claims.subject {
            return Err(TrustError::WrongAccount {
                link: Link::User,
                expected: account_claims.subject.clone(),
                found: named_account.clone(),
            });
        }
        let scope = match account_claims.nats.signing_keys.get(&user.issuer) {
            Some(key) => key.scope(),
            None if user.issuer == account_claims.subject && !account.operator_is_strict() => None,
            None if user.issuer == account_claims.subject => {
                return Err(TrustError::IdentityKeyNotAllowed {
                    link: Link::User,
                    issuer: user.issuer.clone(),
                });
            }
            None => {
                return Err(TrustError::UnknownSigner {
                    link: Link::User,
                    issuer: user.issuer.clone(),
                });
            }
        };
        let mut granted = user.nats.permission_limits();
        if let Some(scope) = scope {
            if !user.nats.has_empty_permissions() {
                return Err(TrustError::ScopedUserHasPermissions);
            }
            granted = scope
                .apply_template(&TemplateContext {
                    user_name: &user.name,
                    user_subject: &user.subject,
                    user_tags: &user.nats.tags,
                    account_name: &account_claims.name,
                    account_subject: &user.nats.issuer_account,
                    account_tags: &account_claims.nats.tags,
                })
                .map_err(TrustError::Template)?;
        }
        self.check_times(account_claims, Link::Account)?;
        if granted.bearer_token && account_claims.nats.limits.disallow_bearer {
            return Err(TrustError::BearerNotAllowed);
        }
        if !granted.allowed_connection_types.is_empty()
            && !granted
                .allowed_connection_types
                .iter()
                .any(|t| connection_type::ALL.contains(&t.to_uppercase().as_str()))
        {
            return Err(TrustError::NoKnownConnectionType(
                granted.allowed_connection_types.clone(),
            ));
        }
        if account_claims
            .nats
            .revocations
            .is_revoked(&user.subject, user.issued_at)
        {
            return Err(TrustError::Revoked {
                link: Link::User,
                subject: user.subject.clone(),
                issued_at: user.issued_at,
            });
        }
        // Users without permissions get the account's defaults (the server's buildInternalNkeyUser).
        let p = &granted.permissions;
        if p.publish.is_empty() && p.subscribe.is_empty() && p.response.is_none() {
            granted.permissions = account_claims.nats.default_permissions.clone();
        }
        Ok(Admission {
            scoped: scope.is_some(),
            granted,
        })
    }

    /// Decodes and checks an activation issued by `exporter` for the account `importer`.
    pub fn verify_activation(
        &self,
        exporter: &TrustedAccount,
        importer: &str,
        jwt: &str,
    ) -> Result<TrustedActivation, TrustError> {
        let decode_error = |source| TrustError::Decode {
            link: Link::Activation,
            source,
        };
        let token =
            crate::claims::decode_unverified::<ActivationClaims>(jwt).map_err(decode_error)?;
        let activation = verify_by(token, exporter.keys()).map_err(decode_error)?;
        self.check_activation(exporter, importer, activation)
    }

    /// Checks a decoded activation issued by `exporter` for the account `importer`.
    pub fn check_activation(
        &self,
        exporter: &TrustedAccount,
        importer: &str,
        activation: Verified<ActivationClaims>,
    ) -> Result<TrustedActivation, TrustError> {
        let claims = activation.into_claims();
        let exporter_claims = exporter.claims();
        let issuer = claims.issuer.as_str();
        if claims.nats.issuer_account.is_empty() {
            if issuer != exporter_claims.subject {
                return Err(TrustError::WrongAccount {
                    link: Link::Activation,
                    expected: exporter_claims.subject.clone(),
                    found: issuer.to_owned(),
                });
            }
        } else if claims.nats.issuer_account != exporter_claims.subject {
            return Err(TrustError::WrongAccount {
                link: Link::Activation,
                expected: exporter_claims.subject.clone(),
                found: claims.nats.issuer_account.clone(),
            });
        } else if !exporter_claims.nats.signing_keys.contains(issuer) {
            return Err(TrustError::UnknownSigner {
                link: Link::Activation,
                issuer: issuer.to_owned(),
            });
        }
        if claims.subject != importer {
            return Err(TrustError::ActivationForOtherAccount {
                expected: importer.to_owned(),
                found: claims.subject.clone(),
            });
        }
        self.check_valid(&claims, Link::Activation)?;
        let export = exporter_claims
            .nats
            .exports
            .iter()
            .find(|e| {
                e.token_req
                    && e.export_type == claims.nats.kind
                    && is_contained_in(&claims.nats.subject, &e.subject)
            })
            .ok_or_else(|| TrustError::NoMatchingExport {
                kind: claims.nats.kind,
                subject: claims.nats.subject.clone(),
            })?;
        // Go's `IsClaimRevoked`: an activation without a subject or an issue time is revoked.
        if claims.is_revoked_by(export) {
            return Err(TrustError::Revoked {
                link: Link::Activation,
                subject: claims.subject.clone(),
                issued_at: claims.issued_at,
            });
        }
        Ok(TrustedActivation::new(claims))
    }
}

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
//! Time: a token is expired from its `exp` second on (`exp <= now`, as the server's expiry
//! timers act) and not yet valid while `now < nbf`; the leeway widens both (default 0, as
//! the server). What depends on the connection (nonce signature, `src`, `times`,
//! connection type) is not checked here.

use std::sync::Arc;

use crate::claims::{
    AccountClaims, ActivationClaims, ClaimBody, Claims, OperatorClaims, UserClaims,
};
use crate::clock::{Clock, SystemClock};
use crate::token::{DecodeError, Verified};
use crate::types::signing_keys::{TemplateContext, TemplateError};
use crate::types::subjects::is_contained_in;
use crate::types::UserPermissionLimits;
use crate::validation::{ValidationIssue, ValidationResults};

/// Which link of the chain a failure is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Link {
    /// The operator (trust anchor).
    Operator,
    /// The account.
    Account,
    /// The user.
    User,
    /// The activation.
    Activation,
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Link::Operator => "operator",
            Link::Account => "account",
            Link::User => "user",
            Link::Activation => "activation",
        })
    }
}

/// Why a token is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The token does not decode or its signature does not verify.
    #[error("{link} token: {source}")]
    Decode {
        /// The link.
        link: Link,
        /// Why.
        source: DecodeError,
    },
    /// Validation found blocking issues.
    #[error("{link} is invalid: {}", describe_issues(.issues))]
    Invalid {
        /// The link.
        link: Link,
        /// The blocking issues.
        issues: Vec<ValidationIssue>,
    },
    /// The token's `exp` has passed.
    #[error("{link} expired at {expires}")]
    Expired {
        /// The link.
        link: Link,
        /// Its `exp`.
        expires: i64,
    },
    /// The token's `nbf` has not come yet.
    #[error("{link} is not valid before {not_before}")]
    NotYetValid {
        /// The link.
        link: Link,
        /// Its `nbf`.
        not_before: i64,
    },
    /// No operator is trusted.
    #[error("no trusted operator")]
    NoOperator,
    /// The account's issuer is not a key of a trusted operator.
    #[error("account issuer {issuer} is not a trusted operator key")]
    UntrustedIssuer {
        /// The account's `iss`.
        issuer: String,
    },
    /// A strict operator's (or its account's) identity key signed what only signing keys may sign.
    #[error(
        "{link} is signed by the identity key {issuer}, but the operator requires signing keys"
    )]
    IdentityKeyNotAllowed {
        /// The link.
        link: Link,
        /// The issuer.
        issuer: String,
    },
    /// The user (or activation) belongs to another account than the one given.
    #[error("{link} belongs to account {found}, not {expected}")]
    WrongAccount {
        /// The link.
        link: Link,
        /// The account given.
        expected: String,
        /// The account the token names (`issuer_account`, else `iss`).
        found: String,
    },
    /// The issuer is neither the account key nor one of its signing keys.
    #[error("{link} issuer {issuer} is not known to the account")]
    UnknownSigner {
        /// The link.
        link: Link,
        /// The issuer.
        issuer: String,
    },
    /// A scoped signing key signed a user that carries its own permissions or limits.
    #[error("scoped users require no permissions or limits set")]
    ScopedUserHasPermissions,
    /// The scope's template cannot be applied to the user.
    #[error("scoped signing key template: {0}")]
    Template(TemplateError),
    /// The user is a bearer token and the account disallows them.
    #[error("account does not allow bearer tokens")]
    BearerNotAllowed,
    /// None of the user's `allowed_connection_types` is known to the server.
    #[error("no known connection type in {0:?}")]
    NoKnownConnectionType(Vec<String>),
    /// The token is revoked.
    #[error("{link} {subject} issued at {issued_at} is revoked")]
    Revoked {
        /// The link.
        link: Link,
        /// The revoked subject.
        subject: String,
        /// The token's `iat`.
        issued_at: i64,
    },
    /// The activation is for another importing account.
    #[error("activation is for account {found}, not {expected}")]
    ActivationForOtherAccount {
        /// The importing account given.
        expected: String,
        /// The activation's `sub`.
        found: String,
    },
    /// The exporter has no token-required export of this kind containing the activation's subject.
    #[error("no {kind} export requiring a token contains {subject:?}")]
    NoMatchingExport {
        /// Stream or service.
        kind: crate::types::ExportType,
        /// The activation's subject.
        subject: String,
    },
}

impl TrustError {
    /// The link of the chain that failed.
    pub fn link(&self) -> Link {
        match self {
            TrustError::Decode { link, .. }
            | TrustError::Invalid { link, .. }
            | TrustError::Expired { link, .. }
            | TrustError::NotYetValid { link, .. }
            | TrustError::IdentityKeyNotAllowed { link, .. }
            | TrustError::WrongAccount { link, .. }
            | TrustError::UnknownSigner { link, .. }
            | TrustError::Revoked { link, .. } => *link,
            TrustError::NoOperator => Link::Operator,
            TrustError::UntrustedIssuer { .. } => Link::Account,
            TrustError::ScopedUserHasPermissions
            | TrustError::Template(_)
            | TrustError::BearerNotAllowed
            | TrustError::NoKnownConnectionType(_) => Link::User,
            TrustError::ActivationForOtherAccount { .. } | TrustError::NoMatchingExport { .. } => {
                Link::Activation
            }
        }
    }
}

fn describe_issues(issues: &[ValidationIssue]) -> String {
    issues
        .iter()
        .map(|i| i.description.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Connection types the server knows (`allowed_connection_types`, upper-cased).
const KNOWN_CONNECTION_TYPES: [&str; 7] = [
    "STANDARD",
    "WEBSOCKET",
    "LEAFNODE",
    "LEAFNODE_WS",
    "MQTT",
    "MQTT_WS",
    "IN_PROCESS",
];

/// Trusted operators, a clock and a leeway: checks accounts, users and activations.
#[derive(Clone)]
pub struct Trust {
    operators: Vec<OperatorClaims>,
    clock: Arc<dyn Clock + Send + Sync>,
    leeway: i64,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field(
                "operators",
                &self
                    .operators
                    .iter()
                    .map(|o| o.subject.as_str())
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
        self.operators.push(operator.into_claims());
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
    pub fn operators(&self) -> &[OperatorClaims] {
        &self.operators
    }

    fn check_times<T>(&self, claims: &Claims<T>, link: Link) -> Result<(), TrustError> {
        let now = self.clock.now();
        if claims.expires > 0 && claims.expires.saturating_add(self.leeway) <= now {
            return Err(TrustError::Expired {
                link,
                expires: claims.expires,
            });
        }
        if claims.not_before > 0 && now.saturating_add(self.leeway) < claims.not_before {
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
        if results.is_blocking(false) {
            return Err(TrustError::Invalid {
                link,
                issues: results.errors().cloned().collect(),
            });
        }
        self.check_times(claims, link)
    }

    /// Decodes and checks an account JWT against the trusted operators.
    pub fn verify_account(&self, jwt: &str) -> Result<TrustedAccount, TrustError> {
        let account = AccountClaims::decode(jwt).map_err(|source| TrustError::Decode {
            link: Link::Account,
            source,
        })?;
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
        for operator in &self.operators {
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
        Ok(TrustedAccount {
            operator: operator.subject.clone(),
            strict: operator.nats.strict_signing_key_usage,
            claims,
        })
    }

    /// Decodes and checks a user JWT of `account`.
    pub fn verify_user(
        &self,
        account: &TrustedAccount,
        jwt: &str,
    ) -> Result<TrustedUser, TrustError> {
        let user = UserClaims::decode(jwt).map_err(|source| TrustError::Decode {
            link: Link::User,
            source,
        })?;
        self.check_user(account, user)
    }

    /// Checks a decoded user of `account`, in the server's order.
    pub fn check_user(
        &self,
        account: &TrustedAccount,
        user: Verified<UserClaims>,
    ) -> Result<TrustedUser, TrustError> {
        let user = user.into_claims();
        self.check_valid(&user, Link::User)?;
        let account_claims = &account.claims;
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
            Some(scope) => scope,
            None if user.issuer == account_claims.subject && !account.strict => None,
            None if user.issuer == account_claims.subject => {
                return Err(TrustError::IdentityKeyNotAllowed {
                    link: Link::User,
                    issuer: user.issuer.clone(),
                })
            }
            None => {
                return Err(TrustError::UnknownSigner {
                    link: Link::User,
                    issuer: user.issuer.clone(),
                })
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
                .any(|t| KNOWN_CONNECTION_TYPES.contains(&t.to_uppercase().as_str()))
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
        Ok(TrustedUser {
            account: account_claims.subject.clone(),
            scoped: scope.is_some(),
            granted,
            claims: user,
        })
    }

    /// Decodes and checks an activation issued by `exporter` for the account `importer`.
    pub fn verify_activation(
        &self,
        exporter: &TrustedAccount,
        importer: &str,
        jwt: &str,
    ) -> Result<TrustedActivation, TrustError> {
        let activation = ActivationClaims::decode(jwt).map_err(|source| TrustError::Decode {
            link: Link::Activation,
            source,
        })?;
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
        let exporter_claims = &exporter.claims;
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
        if export.is_revoked(&claims.subject, claims.issued_at) {
            return Err(TrustError::Revoked {
                link: Link::Activation,
                subject: claims.subject.clone(),
                issued_at: claims.issued_at,
            });
        }
        Ok(TrustedActivation { claims })
    }
}

/// An account whose chain to a trusted operator was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedAccount {
    claims: AccountClaims,
    operator: String,
    strict: bool,
}

impl TrustedAccount {
    /// The account's claims.
    pub fn claims(&self) -> &AccountClaims {
        &self.claims
    }

    /// Takes the claims.
    pub fn into_claims(self) -> AccountClaims {
        self.claims
    }

    /// The public key of the operator that trusts it.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// True when that operator requires signing keys (`strict_signing_key_usage`).
    pub fn operator_is_strict(&self) -> bool {
        self.strict
    }
}

/// A user whose chain to its account was checked, with what it is granted.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedUser {
    claims: UserClaims,
    account: String,
    scoped: bool,
    granted: UserPermissionLimits,
}

impl TrustedUser {
    /// The user's claims, as signed.
    pub fn claims(&self) -> &UserClaims {
        &self.claims
    }

    /// Takes the claims.
    pub fn into_claims(self) -> UserClaims {
        self.claims
    }

    /// The account the user belongs to.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// True when a scoped signing key signed the user.
    pub fn is_scoped(&self) -> bool {
        self.scoped
    }

    /// What the server grants the user: the scope's expanded template for a scoped user,
    /// else the user's own; permissions fall back to the account's defaults when none are set.
    pub fn effective_permissions(&self) -> &UserPermissionLimits {
        &self.granted
    }
}

/// An activation whose chain to its exporter was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedActivation {
    claims: ActivationClaims,
}

impl TrustedActivation {
    /// The activation's claims.
    pub fn claims(&self) -> &ActivationClaims {
        &self.claims
    }

    /// Takes the claims.
    pub fn into_claims(self) -> ActivationClaims {
        self.claims
    }
}

//! Provisioning: what `nsc` users do by hand, as a few calls that refuse what the server
//! would refuse.
//!
//! ```
//! use natsjwt::provision::{Provisioner, SigningKeyUsage, UserSigner};
//!
//! # fn main() -> Result<(), natsjwt::provision::ProvisionError> {
//! // Once: an operator with a signing key, the system account and a system user.
//! let setup = Provisioner::bootstrap("acme-operator", SigningKeyUsage::Required)?;
//! let provisioner = setup.provisioner()?;
//!
//! // Per tenant: an account signed by the operator's signing key, with a signing key.
//! let mut tenant = provisioner.create_account("acme", |a| {
//!     a.nats.limits.conn = 100;
//! })?;
//! let signing_key = tenant.add_signing_key()?;
//! provisioner.sign_account(&mut tenant)?;
//!
//! // Per person: a user signed by the tenant's signing key (issuer_account is set).
//! let writer = tenant.signing_key(&signing_key).cloned().expect("just added");
//! let alice = provisioner.create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |u| {
//!     u.nats.permissions.publish.allow.push("acme.>".into());
//! })?;
//! let creds = alice.creds()?;
//! # let _ = creds;
//!
//! // Later: revoke and re-sign; push the new JWT to the resolver.
//! tenant.revoke_user(alice.key.public_key().as_str(), alice.claims.issued_at);
//! let updated_jwt = provisioner.sign_account(&mut tenant)?;
//! # let _ = updated_jwt;
//! # Ok(())
//! # }
//! ```

mod account;
#[cfg(feature = "resolver-client")]
mod cluster;
pub mod convergence;
mod error;
#[cfg(feature = "resolver-client")]
mod push;
mod setup;
mod stored;
#[cfg(feature = "resolver-client")]
mod streams;
mod user;

pub use account::ManagedAccount;
#[cfg(feature = "resolver-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "resolver-client")))]
pub use cluster::{PruneAction, Pruned, Reconciled, WhenServersAreDown, prune, reconcile, watch};
pub use error::ProvisionError;
#[cfg(feature = "resolver-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "resolver-client")))]
pub use push::{Pushed, push_current};
pub use setup::{OperatorSetup, SigningKeyUsage};
pub use stored::{Pulled, UPDATE_ATTEMPTS, Updated};
#[cfg(feature = "resolver-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "resolver-client")))]
pub use streams::{account_streams, delete_streams};
pub use user::{IssuedUser, UserSigner};

use std::sync::Arc;

use crate::claims::{
    AccountClaims, ActivationClaims, ClaimType, ClaimsError, OperatorClaims, UserClaims,
};
use crate::clock::{Clock, SystemClock};
use crate::keys::{KeyPair, PublicKey, Signer};
use crate::resolver::delete_request;
use crate::trust::{Link, Trust, TrustError};
use crate::types::{ExportType, SigningKey};
use crate::validation::{Severity, TimeChecks, ValidationResults};

/// Signs accounts with an operator signing key and users with account keys, checking
/// everything against the chain of trust the server applies.
///
/// Make one with [`Provisioner::bootstrap`] (a new operator; see the [module](self)
/// example) or [`Provisioner::new`] (an operator made elsewhere, e.g. by `nsc`).
///
/// ```
/// use natsjwt::clock::FixedClock;
/// use natsjwt::provision::{ProvisionError, Provisioner, UserSigner};
/// use natsjwt::types::Export;
/// use natsjwt::{KeyPair, OperatorClaims};
///
/// // An existing operator with a signing key; identity keys may sign too (not strict).
/// let operator = KeyPair::new_operator()?;
/// let signing_key = KeyPair::new_operator()?;
/// let mut claims = OperatorClaims::new(operator.public_key().as_str());
/// claims.nats.signing_keys.push(signing_key.public_key().to_string());
/// let operator_jwt = claims.encode(&operator)?;
///
/// let provisioner =
///     Provisioner::new(&operator_jwt, signing_key)?.with_clock(FixedClock(1_700_000_000));
/// // A key the operator does not list may not sign.
/// let stranger = KeyPair::new_operator()?;
/// assert!(matches!(
///     Provisioner::new(&operator_jwt, stranger),
///     Err(ProvisionError::NotASigner(_))
/// ));
///
/// let orders = provisioner.create_account("orders", |a| a.nats.limits.conn = 10)?;
/// let user = provisioner.create_user(&orders, "svc", UserSigner::AccountKey, |u| {
///     u.nats.permissions.publish.allow.push("orders.>".into());
/// })?;
/// assert_eq!(user.claims.issuer, orders.public_key());
/// assert_eq!(user.claims.issued_at, 1_700_000_000);
///
/// // Claims the server would refuse are refused before they are signed.
/// let bad = provisioner.create_account("bad", |a| {
///     a.nats.exports.push(Export::stream("not a subject"));
/// });
/// assert!(matches!(bad, Err(ProvisionError::Invalid { .. })));
/// # Ok::<(), ProvisionError>(())
/// ```
#[derive(Clone)]
pub struct Provisioner {
    operator: OperatorClaims,
    operator_jwt: String,
    signing_key: Arc<dyn Signer + Send + Sync>,
    /// The public key of `signing_key`.
    signer: PublicKey,
    trust: Trust,
    clock: Arc<dyn Clock + Send + Sync>,
}

impl std::fmt::Debug for Provisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioner")
            .field("signing_key", &self.signer)
            .finish()
    }
}

impl Provisioner {
    /// A provisioner for the operator of `operator_jwt`, signing accounts with
    /// `signing_key`: one of the operator's signing keys, or its identity key when the
    /// operator is not strict.
    pub fn new(operator_jwt: &str, signing_key: KeyPair) -> Result<Provisioner, ProvisionError> {
        Provisioner::with_signer(operator_jwt, signing_key)
    }

    /// [`Provisioner::new`] with a signer whose seed this process does not hold: a key in
    /// an HSM or a KMS ([`ExternalSigner`](crate::ExternalSigner)). No store then holds
    /// the operator's signing seed (see [`Provisioner::open_with_signer`]).
    ///
    /// ```
    /// use natsjwt::provision::Provisioner;
    /// use natsjwt::{ExternalSigner, KeyPair, OperatorClaims};
    ///
    /// let operator = KeyPair::new_operator()?;
    /// let in_the_hsm = KeyPair::new_operator()?; // stands for a key the HSM keeps
    /// let mut claims = OperatorClaims::new(operator.public_key().as_str());
    /// claims.nats.signing_keys.push(in_the_hsm.public_key().to_string());
    /// claims.nats.strict_signing_key_usage = true;
    /// let operator_jwt = claims.encode(&operator)?;
    ///
    /// let public = in_the_hsm.public_key().to_string();
    /// let hsm = ExternalSigner::new(&public, move |_key: &str, data: &[u8]| {
    ///     Ok(in_the_hsm.sign(data).to_vec()) // the HSM's signing call
    /// })?;
    /// let provisioner = Provisioner::with_signer(&operator_jwt, hsm)?;
    /// let tenant = provisioner.create_account("acme", |_| {})?;
    /// assert_eq!(tenant.claims.issuer, public);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_signer(
        operator_jwt: &str,
        signing_key: impl Signer + Send + Sync + 'static,
    ) -> Result<Provisioner, ProvisionError> {
        let operator = OperatorClaims::decode(operator_jwt)
            .map_err(|source| TrustError::Decode {
                link: Link::Operator,
                source,
            })?
            .into_claims();
        let signer = signing_key.public_key().map_err(ClaimsError::Signer)?;
        let key = signer.as_str();
        let allowed = operator.nats.signing_keys.iter().any(|k| k == key)
            || (operator.subject == key && !operator.nats.strict_signing_key_usage);
        if !allowed {
            return Err(ProvisionError::NotASigner(key.to_owned()));
        }
        let trust = Trust::new().with_operator_jwt(operator_jwt)?;
        Ok(Provisioner {
            operator,
            operator_jwt: operator_jwt.to_owned(),
            signing_key: Arc::new(signing_key),
            signer,
            trust,
            clock: Arc::new(SystemClock),
        })
    }

    /// Uses `clock` for `iat` and for the checks.
    pub fn with_clock(mut self, clock: impl Clock + Send + Sync + Clone + 'static) -> Self {
        self.trust = self.trust.with_clock(clock.clone());
        self.clock = Arc::new(clock);
        self
    }

    /// The operator's claims.
    pub fn operator(&self) -> &OperatorClaims {
        &self.operator
    }

    /// The operator JWT.
    pub fn operator_jwt(&self) -> &str {
        &self.operator_jwt
    }

    /// The chain checker this provisioner uses.
    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    /// Creates an account named `name` with a new key and one plain signing key, lets
    /// `configure` adjust its claims, then validates and signs it.
    pub fn create_account(
        &self,
        name: &str,
        configure: impl FnOnce(&mut AccountClaims),
    ) -> Result<ManagedAccount, ProvisionError> {
        self.manage_account(
            KeyPair::new_account()?,
            KeyPair::new_account()?,
            name,
            configure,
        )
    }

    /// The account `key` named `name` with the plain signing key `signing_key`, configured
    /// and signed.
    fn manage_account(
        &self,
        key: KeyPair,
        signing_key: KeyPair,
        name: &str,
        configure: impl FnOnce(&mut AccountClaims),
    ) -> Result<ManagedAccount, ProvisionError> {
        let mut claims = AccountClaims::new(key.public_key().as_str());
        claims.name = name.to_owned();
        claims
            .nats
            .signing_keys
            .add(signing_key.public_key().as_str());
        let mut account = ManagedAccount::from_parts(key, vec![signing_key], claims, String::new());
        configure(&mut account.claims);
        self.sign_account(&mut account)?;
        Ok(account)
    }

    /// Validates and signs the account's claims with the operator signing key, checks the
    /// result against the chain of trust, and keeps the new JWT. Returns it.
    ///
    /// A re-signed account is issued at least a second after the JWT it replaces (`iat`
    /// ahead of the clock when changes come faster). Full resolvers sync among
    /// themselves by keeping, of two copies, the one with the newer `iat`, and by
    /// skipping a copy with the same `jti` — and Go's `jti` hashes only the standard
    /// claims, so two versions signed in the same second share it. A revocation signed
    /// in the same second as the version before it would then never reach, by sync, a
    /// server that missed its push. (A push itself replaces whatever the server holds,
    /// older or not: see `provision::push_current`, feature `resolver-client`.)
    ///
    /// ```
    /// use natsjwt::clock::FixedClock;
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    ///
    /// let setup = Provisioner::bootstrap("demo", SigningKeyUsage::Required)?;
    /// let provisioner = setup.provisioner()?.with_clock(FixedClock(1_700_000_000));
    /// let mut tenant = provisioner.create_account("acme", |_| {})?;
    /// assert_eq!(tenant.claims.issued_at, 1_700_000_000);
    /// let user = natsjwt::KeyPair::new_user()?;
    /// tenant.revoke_user(user.public_key().as_str(), 1_700_000_000);
    /// provisioner.sign_account(&mut tenant)?;
    /// assert_eq!(tenant.claims.issued_at, 1_700_000_001);
    /// # Ok::<(), natsjwt::provision::ProvisionError>(())
    /// ```
    pub fn sign_account<'a>(
        &self,
        account: &'a mut ManagedAccount,
    ) -> Result<&'a str, ProvisionError> {
        let mut claims = account.claims.clone();
        reject_invalid(ClaimType::Account, claims.validate_with(&*self.clock))?;
        let issued_at = if account.jwt.is_empty() {
            self.clock.now()
        } else {
            self.clock
                .now()
                .max(account.claims.issued_at.saturating_add(1))
        };
        let jwt = claims.encode_at(&*self.signing_key, issued_at)?;
        self.trust.verify_account(&jwt)?;
        account.claims = claims;
        account.jwt = jwt;
        Ok(account.jwt())
    }

    /// Creates a user named `name` of `account`, lets `configure` set its claims, and
    /// signs it with `signer`; see [`Provisioner::issue_user`].
    pub fn create_user(
        &self,
        account: &ManagedAccount,
        name: &str,
        signer: UserSigner<'_>,
        configure: impl FnOnce(&mut UserClaims),
    ) -> Result<IssuedUser, ProvisionError> {
        let key = KeyPair::new_user()?;
        let mut claims = UserClaims::new(key.public_key().as_str());
        claims.name = name.to_owned();
        configure(&mut claims);
        let (claims, jwt) = self.issue_user(account, signer, claims)?;
        Ok(IssuedUser { key, claims, jwt })
    }

    /// Signs `claims` for `account` with `signer`: sets `issuer_account` when a signing key
    /// signs; for a scoped signing key, refuses a user that carries permissions or limits
    /// (other than a new user's defaults) and clears them; validates; checks the token
    /// against the chain of trust (revocations, bearer, strict operator…). Returns the
    /// signed claims and the JWT.
    pub fn issue_user(
        &self,
        account: &ManagedAccount,
        signer: UserSigner<'_>,
        mut claims: UserClaims,
    ) -> Result<(UserClaims, String), ProvisionError> {
        let signer: &dyn Signer = match signer {
            UserSigner::AccountKey => &account.key,
            UserSigner::SigningKey(signer) => signer,
        };
        let signer_key = signer.public_key().map_err(ClaimsError::Signer)?;
        if signer_key.as_str() == account.public_key() {
            claims.nats.issuer_account.clear();
        } else {
            let Some(key) = account.claims.nats.signing_keys.get(signer_key.as_str()) else {
                return Err(ProvisionError::NotASigner(signer_key.into()));
            };
            claims.nats.issuer_account = account.public_key().to_owned();
            if let SigningKey::Scoped(_) = key {
                let fresh = UserClaims::new(claims.subject.clone()).nats;
                let limits = claims.nats.permission_limits();
                if !claims.nats.has_empty_permissions() && limits != fresh.permission_limits() {
                    return Err(ProvisionError::ScopedUserWithPermissions);
                }
                claims.nats.set_scoped(true);
            }
        }
        reject_invalid(ClaimType::User, claims.validate_with(&*self.clock))?;
        let jwt = claims.encode_with_clock(signer, &*self.clock)?;
        let trusted_account = self.trust.verify_account(account.jwt())?;
        self.trust.verify_user(&trusted_account, &jwt)?;
        Ok((claims, jwt))
    }

    /// Issues an activation letting `importer` import `subject` from a token-required
    /// export of `exporter`, signed by the exporter's key or one of its signing keys
    /// (`signing_key`: a public key held in `exporter`, or `None` for the account key).
    pub fn issue_activation(
        &self,
        exporter: &ManagedAccount,
        signing_key: Option<&str>,
        importer: &str,
        subject: &str,
        kind: ExportType,
        expires: i64,
    ) -> Result<String, ProvisionError> {
        let mut claims = ActivationClaims::new(importer);
        claims.nats.subject = subject.to_owned();
        claims.nats.kind = kind;
        claims.expires = expires;
        let signer = match signing_key {
            None => &exporter.key,
            Some(public_key) => {
                claims.nats.issuer_account = exporter.public_key().to_owned();
                exporter
                    .signing_key(public_key)
                    .ok_or_else(|| ProvisionError::NotASigner(public_key.to_owned()))?
            }
        };
        reject_invalid(ClaimType::Activation, claims.validate_with(&*self.clock))?;
        let jwt = claims.encode_with_clock(signer, &*self.clock)?;
        let trusted_exporter = self.trust.verify_account(exporter.jwt())?;
        self.trust
            .verify_activation(&trusted_exporter, importer, &jwt)?;
        Ok(jwt)
    }

    /// A request deleting `accounts` from full resolvers, signed by the operator signing key.
    pub fn delete_request(&self, accounts: &[&str]) -> Result<String, ProvisionError> {
        Ok(delete_request(
            &*self.signing_key,
            accounts,
            self.clock.now(),
        )?)
    }
}

/// Turns blocking issues or failed time checks into [`ProvisionError::Invalid`].
fn reject_invalid(claim_type: ClaimType, results: ValidationResults) -> Result<(), ProvisionError> {
    if !results.is_blocking(TimeChecks::Included) {
        return Ok(());
    }
    Err(ProvisionError::Invalid {
        claim_type,
        issues: results
            .issues
            .into_iter()
            .filter(|i| i.severity != Severity::Warning)
            .collect(),
    })
}

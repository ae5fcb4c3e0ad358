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

use std::sync::Arc;

use crate::claims::{
    AccountClaims, ActivationClaims, ClaimType, ClaimsError, OperatorClaims, UserClaims,
};
use crate::clock::{Clock, SystemClock};
use crate::creds::{format_user_creds, CredsError};
use crate::keys::{KeyError, KeyPair, Secret, Signer};
use crate::resolver::{delete_request, ResolverError, ServerConfig};
use crate::trust::{Link, Trust, TrustError};
use crate::types::{
    response_type, Export, ExportType, Import, Info, SigningKey, UserPermissionLimits, UserScope,
};
use crate::validation::{Severity, TimeChecks, ValidationIssue, ValidationResults};

/// Why a provisioning call refused or failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ProvisionError {
    /// A key could not be created or read.
    #[error("key: {0}")]
    Key(#[from] KeyError),
    /// The claims could not be signed.
    #[error("cannot sign: {0}")]
    Claims(#[from] ClaimsError),
    /// The claims have blocking validation issues (or are expired / not yet valid).
    #[error("{claim_type} claims are invalid: {}", issues.iter().map(|i| i.description.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The claim type.
        claim_type: ClaimType,
        /// The blocking issues.
        issues: Vec<ValidationIssue>,
    },
    /// The signed token would not be accepted by the server.
    #[error("the server would refuse it: {0}")]
    Refused(#[from] TrustError),
    /// The key is not one this operator or account lets sign.
    #[error("{0} is not a signing key here")]
    NotASigner(String),
    /// A scoped signing key must sign a user without permissions or limits.
    #[error(
        "a scoped signing key's users carry no permissions or limits; the scope's template applies"
    )]
    ScopedUserWithPermissions,
    /// The creds file could not be written.
    #[error("creds: {0}")]
    Creds(#[from] CredsError),
    /// A resolver request could not be built.
    #[error("resolver request: {0}")]
    Resolver(#[from] ResolverError),
}

/// Which key signs a user.
#[derive(Clone, Copy)]
pub enum UserSigner<'a> {
    /// The account's identity key (refused under a strict operator).
    AccountKey,
    /// One of the account's signing keys, held in the [`ManagedAccount`] (see
    /// [`ManagedAccount::signing_key`]) or elsewhere (HSM, KMS); a scoped key makes a
    /// scoped user.
    SigningKey(&'a dyn Signer),
}

/// Whether an operator lets its identity key sign accounts and users
/// (`strict_signing_key_usage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKeyUsage {
    /// Only signing keys sign: the identity keys stay offline (`nsc`'s recommendation).
    Required,
    /// Identity keys may sign too.
    Optional,
}

/// An account and the keys that manage it.
#[derive(Debug, Clone)]
pub struct ManagedAccount {
    /// The account's identity key.
    pub key: KeyPair,
    signing_keys: Vec<KeyPair>,
    /// The account's claims; after changing them, re-sign with [`Provisioner::sign_account`].
    pub claims: AccountClaims,
    jwt: String,
}

impl ManagedAccount {
    /// The account's public key.
    pub fn public_key(&self) -> &str {
        self.key.public_key().as_str()
    }

    /// The last signed JWT (what to push to the resolver).
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The signing keys held here, plain and scoped.
    pub fn signing_keys(&self) -> &[KeyPair] {
        &self.signing_keys
    }

    /// The signing key held here with this public key; sign users with it as
    /// [`UserSigner::SigningKey`].
    pub fn signing_key(&self, public_key: &str) -> Option<&KeyPair> {
        self.signing_keys
            .iter()
            .find(|k| k.public_key().as_str() == public_key)
    }

    /// Creates a plain signing key and adds it to the claims (re-sign to publish it).
    /// Returns its public key.
    pub fn add_signing_key(&mut self) -> Result<String, ProvisionError> {
        let key = KeyPair::new_account()?;
        let public_key = key.public_key().to_string();
        self.claims.nats.signing_keys.add(public_key.as_str());
        self.signing_keys.push(key);
        Ok(public_key)
    }

    /// Creates a scoped signing key whose users get its template (re-sign to publish it).
    /// `configure` sets the template, which starts as Go's: no permissions, counts
    /// unlimited (-1). Returns the key's public key.
    pub fn add_scoped_signing_key(
        &mut self,
        role: &str,
        configure: impl FnOnce(&mut UserPermissionLimits),
    ) -> Result<String, ProvisionError> {
        let key = KeyPair::new_account()?;
        let public_key = key.public_key().to_string();
        let mut scope = UserScope::new(public_key.as_str());
        scope.role = role.to_owned();
        configure(&mut scope.template);
        self.claims.nats.signing_keys.add_scoped(scope);
        self.signing_keys.push(key);
        Ok(public_key)
    }

    /// Removes a signing key from the claims and forgets it (re-sign to publish it).
    pub fn remove_signing_key(&mut self, public_key: &str) {
        self.claims.nats.signing_keys.remove(public_key);
        self.signing_keys
            .retain(|k| k.public_key().as_str() != public_key);
    }

    /// Revokes the user's tokens issued at or before `issued_at` (re-sign to publish it).
    pub fn revoke_user(&mut self, user_public_key: &str, issued_at: i64) {
        self.claims.revoke_at(user_public_key, issued_at);
    }

    /// Adds an export (re-sign to publish it).
    pub fn add_export(&mut self, export: Export) {
        self.claims.nats.exports.push(export);
    }

    /// Adds an import (re-sign to publish it).
    pub fn add_import(&mut self, import: Import) {
        self.claims.nats.imports.push(import);
    }
}

/// A user with its key and JWT.
#[derive(Debug, Clone)]
pub struct IssuedUser {
    /// The user's key pair.
    pub key: KeyPair,
    /// The signed claims.
    pub claims: UserClaims,
    /// The JWT.
    pub jwt: String,
}

impl IssuedUser {
    /// The user's `.creds` file.
    pub fn creds(&self) -> Result<Secret, CredsError> {
        format_user_creds(&self.jwt, self.key.seed().expose())
    }
}

/// What [`Provisioner::bootstrap`] creates: keep the operator key offline.
#[derive(Debug, Clone)]
pub struct OperatorSetup {
    /// The operator's identity key; it signs only the operator JWT.
    pub operator_key: KeyPair,
    /// The operator signing key that signs accounts.
    pub signing_key: KeyPair,
    /// The operator claims.
    pub claims: OperatorClaims,
    /// The operator JWT.
    pub jwt: String,
    /// The system account, with the `$SYS` exports `nsc` sets up.
    pub system_account: ManagedAccount,
    /// A user of the system account (for resolver requests and monitoring).
    pub system_user: IssuedUser,
}

impl OperatorSetup {
    /// A provisioner signing with this setup's operator signing key.
    pub fn provisioner(&self) -> Result<Provisioner, ProvisionError> {
        Provisioner::new(&self.jwt, self.signing_key.clone())
    }

    /// A memory-resolver server configuration preloading the system account and `accounts`.
    ///
    /// ```
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    ///
    /// let setup = Provisioner::bootstrap("acme", SigningKeyUsage::Required)?;
    /// let tenant = setup.provisioner()?.create_account("tenant", |_| {})?;
    /// let config = setup.memory_config(&[&tenant]).render();
    /// assert!(config.starts_with(&format!("operator: {}\n", setup.jwt)));
    /// assert!(config.contains("resolver: MEMORY\n"));
    /// let system = &setup.system_account;
    /// assert!(config.contains(&format!("  {}: {}\n", system.public_key(), system.jwt())));
    /// assert!(config.contains(&format!("  {}: {}\n", tenant.public_key(), tenant.jwt())));
    /// # Ok::<(), natsjwt::provision::ProvisionError>(())
    /// ```
    pub fn memory_config(&self, accounts: &[&ManagedAccount]) -> ServerConfig {
        ServerConfig::memory(
            &self.jwt,
            self.system_account.public_key(),
            self.preload(accounts),
        )
    }

    /// A full-resolver server configuration storing JWTs in `dir`, preloading the system
    /// account and `accounts`.
    ///
    /// ```
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    ///
    /// let setup = Provisioner::bootstrap("acme", SigningKeyUsage::Required)?;
    /// let mut config = setup.full_config("/var/lib/nats/jwt", &[]);
    /// config.listen = "127.0.0.1:4222".into();
    /// config.extra.push(r#"jetstream { store_dir: "/var/lib/nats/js" }"#.into());
    /// let text = config.render();
    /// assert!(text.starts_with("listen: \"127.0.0.1:4222\"\n"));
    /// assert!(text.contains("  type: full\n  dir: \"/var/lib/nats/jwt\"\n"));
    /// assert!(text.contains("  allow_delete: true\n"));
    /// assert!(text.contains(&format!("system_account: {}\n", setup.system_account.public_key())));
    /// assert!(text.ends_with("jetstream { store_dir: \"/var/lib/nats/js\" }\n"));
    /// # Ok::<(), natsjwt::provision::ProvisionError>(())
    /// ```
    pub fn full_config(&self, dir: &str, accounts: &[&ManagedAccount]) -> ServerConfig {
        ServerConfig::full(
            &self.jwt,
            self.system_account.public_key(),
            dir,
            self.preload(accounts),
        )
    }

    fn preload(&self, accounts: &[&ManagedAccount]) -> Vec<(String, String)> {
        std::iter::once(&self.system_account)
            .chain(accounts.iter().copied())
            .map(|a| (a.public_key().to_owned(), a.jwt.clone()))
            .collect()
    }
}

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
    signing_key: KeyPair,
    trust: Trust,
    clock: Arc<dyn Clock + Send + Sync>,
}

impl std::fmt::Debug for Provisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioner")
            .field("signing_key", &self.signing_key)
            .finish()
    }
}

/// The exports `nsc init` gives the system account.
fn system_exports() -> Vec<Export> {
    let info = |description: &str| Info {
        description: description.to_owned(),
        info_url: "https://docs.nats.io/nats-server/configuration/sys_accounts".to_owned(),
    };
    let mut services = Export::service("$SYS.REQ.ACCOUNT.*.*");
    services.name = "account-monitoring-services".to_owned();
    services.response_type = response_type::STREAM.to_owned();
    services.account_token_position = 4;
    services.info =
        info("Request account specific monitoring services for: SUBSZ, CONNZ, LEAFZ, JSZ and INFO");
    let mut streams = Export::stream("$SYS.ACCOUNT.*.>");
    streams.name = "account-monitoring-streams".to_owned();
    streams.account_token_position = 3;
    streams.info = info("Account specific monitoring stream");
    vec![services, streams]
}

impl Provisioner {
    /// Creates an operator named `name` with an identity key and a signing key, the system
    /// account (`SYS`, with `nsc`'s `$SYS` exports and a signing key) and a system user
    /// (`sys`), signed by signing keys. `usage` says whether identity keys may sign too.
    pub fn bootstrap(name: &str, usage: SigningKeyUsage) -> Result<OperatorSetup, ProvisionError> {
        let operator_key = KeyPair::new_operator()?;
        let signing_key = KeyPair::new_operator()?;
        let system_key = KeyPair::new_account()?;
        let mut claims = OperatorClaims::new(operator_key.public_key().as_str());
        claims.name = name.to_owned();
        claims
            .nats
            .signing_keys
            .push(signing_key.public_key().to_string());
        claims.nats.system_account = system_key.public_key().to_string();
        claims.nats.strict_signing_key_usage = usage == SigningKeyUsage::Required;
        reject_invalid(ClaimType::Operator, claims.validate())?;
        let jwt = claims.encode(&operator_key)?;
        let provisioner = Provisioner::new(&jwt, signing_key.clone())?;
        let system_signing_key = KeyPair::new_account()?;
        let system_account =
            provisioner.manage_account(system_key, system_signing_key.clone(), "SYS", |a| {
                a.nats.exports = system_exports()
            })?;
        let system_user = provisioner.create_user(
            &system_account,
            "sys",
            UserSigner::SigningKey(&system_signing_key),
            |_| {},
        )?;
        Ok(OperatorSetup {
            operator_key,
            signing_key,
            claims: provisioner.operator().clone(),
            jwt,
            system_account,
            system_user,
        })
    }

    /// A provisioner for the operator of `operator_jwt`, signing accounts with
    /// `signing_key`: one of the operator's signing keys, or its identity key when the
    /// operator is not strict.
    pub fn new(operator_jwt: &str, signing_key: KeyPair) -> Result<Provisioner, ProvisionError> {
        let operator = OperatorClaims::decode(operator_jwt)
            .map_err(|source| TrustError::Decode {
                link: Link::Operator,
                source,
            })?
            .into_claims();
        let signer = signing_key.public_key().as_str();
        let allowed = operator.nats.signing_keys.iter().any(|k| k == signer)
            || (operator.subject == signer && !operator.nats.strict_signing_key_usage);
        if !allowed {
            return Err(ProvisionError::NotASigner(signer.to_owned()));
        }
        let trust = Trust::new().with_operator_jwt(operator_jwt)?;
        Ok(Provisioner {
            operator,
            operator_jwt: operator_jwt.to_owned(),
            signing_key,
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
        let mut account = ManagedAccount {
            key,
            signing_keys: vec![signing_key],
            claims,
            jwt: String::new(),
        };
        configure(&mut account.claims);
        self.sign_account(&mut account)?;
        Ok(account)
    }

    /// Validates and signs the account's claims with the operator signing key, checks the
    /// result against the chain of trust, and keeps the new JWT. Returns it.
    pub fn sign_account<'a>(
        &self,
        account: &'a mut ManagedAccount,
    ) -> Result<&'a str, ProvisionError> {
        let mut claims = account.claims.clone();
        reject_invalid(ClaimType::Account, claims.validate_with(&*self.clock))?;
        let jwt = claims.encode_with_clock(&self.signing_key, &*self.clock)?;
        self.trust.verify_account(&jwt)?;
        account.claims = claims;
        account.jwt = jwt;
        Ok(&account.jwt)
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
        let trusted_account = self.trust.verify_account(&account.jwt)?;
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
        let trusted_exporter = self.trust.verify_account(&exporter.jwt)?;
        self.trust
            .verify_activation(&trusted_exporter, importer, &jwt)?;
        Ok(jwt)
    }

    /// A request deleting `accounts` from full resolvers, signed by the operator signing key.
    pub fn delete_request(&self, accounts: &[&str]) -> Result<String, ProvisionError> {
        Ok(delete_request(
            &self.signing_key,
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

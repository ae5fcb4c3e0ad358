//! Provisioning state kept in a [`Store`]: saved write-ahead, loaded after a restart.
//!
//! Every save stores the seeds a JWT depends on before the JWT itself, and a caller
//! pushes a JWT to the servers only after saving it. A crash at any point then leaves
//! either nothing new or a JWT whose keys are all stored: never an account on a server
//! that nobody can sign for.

use std::collections::BTreeSet;

use crate::claims::{AccountClaims, OperatorClaims, UserClaims, decode_unverified};
use crate::keys::{KeyKind, KeyPair, Signer};
use crate::store::{Store, StoreError};
use crate::trust::{Link, TrustError};

use super::{IssuedUser, ManagedAccount, OperatorSetup, ProvisionError, Provisioner};

impl Provisioner {
    /// A provisioner for the operator kept in `store`: its JWT, and the first of its
    /// signing keys (in the JWT's order) whose seed the store holds; the identity key's
    /// when none is and the operator is not strict.
    ///
    /// ```
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    /// use natsjwt::store::{DirStore, StorePaths};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("natsjwt-doc-open-{}", std::process::id()));
    /// let paths = StorePaths::under(&dir);
    /// let setup = Provisioner::bootstrap("demo", SigningKeyUsage::Required)?;
    /// let store = DirStore::create(&paths, "demo")?;
    /// setup.save(&store)?;
    /// let tenant = setup.provisioner()?.create_account("acme", |_| {})?;
    /// tenant.save(&store)?;
    /// drop(store);
    ///
    /// // After a restart: the same operator, the same tenant, its keys.
    /// let store = DirStore::open(&paths, "demo")?;
    /// let provisioner = Provisioner::open(&store)?;
    /// let reloaded = provisioner.load_account(&store, "acme")?;
    /// assert_eq!(reloaded.jwt(), tenant.jwt());
    /// assert_eq!(reloaded.signing_keys().len(), 1);
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(store: &dyn Store) -> Result<Provisioner, ProvisionError> {
        let jwt = operator_jwt(store)?;
        let operator = OperatorClaims::decode(&jwt)
            .map_err(|source| TrustError::Decode {
                link: Link::Operator,
                source,
            })?
            .into_claims();
        for public_key in &operator.nats.signing_keys {
            if let Some(key) = store.key(public_key)? {
                return Provisioner::new(&jwt, key);
            }
        }
        if !operator.nats.strict_signing_key_usage
            && let Some(key) = store.key(&operator.subject)?
        {
            return Provisioner::new(&jwt, key);
        }
        Err(ProvisionError::NotInStore(format!(
            "a seed of a key that signs for operator {}",
            operator.subject
        )))
    }

    /// A provisioner for the operator kept in `store` that signs with `signing_key`, a key
    /// the store does not hold: one an HSM or a KMS keeps
    /// ([`ExternalSigner`](crate::ExternalSigner)); see [`Provisioner::with_signer`]. The
    /// store then holds no seed of the operator's: delete those that
    /// [`OperatorSetup::save`] stored once the key is in the HSM.
    pub fn open_with_signer(
        store: &dyn Store,
        signing_key: impl Signer + Send + Sync + 'static,
    ) -> Result<Provisioner, ProvisionError> {
        Provisioner::with_signer(&operator_jwt(store)?, signing_key)
    }

    /// The account named `name` in `store`, with its identity key and every signing key
    /// its JWT lists (all must be stored), checked against the chain of trust as
    /// [`Provisioner::sign_account`] checks what it signs.
    pub fn load_account(
        &self,
        store: &dyn Store,
        name: &str,
    ) -> Result<ManagedAccount, ProvisionError> {
        let jwt = store
            .account_jwt(name)?
            .ok_or_else(|| ProvisionError::NotInStore(format!("account {name}")))?;
        self.managed_account(store, jwt)
    }

    /// The account whose public key is `public_key` in `store`; see
    /// [`Provisioner::load_account`].
    pub fn load_account_by_key(
        &self,
        store: &dyn Store,
        public_key: &str,
    ) -> Result<ManagedAccount, ProvisionError> {
        for name in store.account_names()? {
            let Some(jwt) = store.account_jwt(&name)? else {
                continue;
            };
            let subject = decode_unverified::<AccountClaims>(&jwt)
                .map(|token| token.unverified_claims().subject == public_key);
            if let Ok(true) = subject {
                return self.managed_account(store, jwt);
            }
        }
        Err(ProvisionError::NotInStore(format!("account {public_key}")))
    }

    /// Changes the account named `name` in `store` without losing a change another
    /// writer (another replica of the service, on the same store) makes at the same time:
    /// reads the account and its revision, lets `change` modify it, stores the seeds of
    /// the signing keys it added, re-signs it and writes it back only if the store still holds the
    /// revision it read ([`Store::put_account_jwt_if`]). When another writer came first,
    /// it reads the account again and re-applies `change` to what that writer stored, up
    /// to [`UPDATE_ATTEMPTS`] times, waiting a little longer (at random) after each
    /// conflict; then [`ProvisionError::Contended`].
    ///
    /// `change` may run more than once: it must only modify the account it is given.
    /// Push the result after this returns ([`Updated::jwt`]); each version is issued
    /// after the one before it (see [`Provisioner::sign_account`]), so that a server
    /// never takes an older version pushed late over a newer one.
    ///
    /// ```
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    /// use natsjwt::store::{DirStore, Store, StorePaths};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("natsjwt-doc-update-{}", std::process::id()));
    /// let store = DirStore::create(&StorePaths::under(&dir), "demo")?;
    /// let setup = Provisioner::bootstrap("demo", SigningKeyUsage::Required)?;
    /// setup.save(&store)?;
    /// let provisioner = Provisioner::open(&store)?;
    /// provisioner.create_account("acme", |_| {})?.save(&store)?;
    ///
    /// let bob = natsjwt::KeyPair::new_user()?;
    /// let updated = provisioner.update_account(&store, "acme", |tenant| {
    ///     tenant.revoke_user(bob.public_key().as_str(), 1_700_000_000);
    ///     Ok(())
    /// })?;
    /// assert_eq!(store.account_jwt("acme")?.as_deref(), Some(updated.jwt()));
    /// assert!(updated.account.claims.nats.revocations.get(bob.public_key().as_str()).is_some());
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_account(
        &self,
        store: &dyn Store,
        name: &str,
        mut change: impl FnMut(&mut ManagedAccount) -> Result<(), ProvisionError>,
    ) -> Result<Updated, ProvisionError> {
        for attempt in 1..=UPDATE_ATTEMPTS {
            let entry = store
                .account_entry(name)?
                .ok_or_else(|| ProvisionError::NotInStore(format!("account {name}")))?;
            let mut account = self.managed_account(store, entry.jwt)?;
            let held: BTreeSet<String> = signing_key_names(&account);
            change(&mut account)?;
            self.sign_account(&mut account)?;
            // The seeds the change added, before the JWT that lists them.
            for key in account.signing_keys() {
                if !held.contains(key.public_key().as_str()) {
                    store.put_key(key)?;
                }
            }
            match store.put_account_jwt_if(name, account.jwt(), Some(entry.revision)) {
                Ok(revision) => {
                    return Ok(Updated {
                        account,
                        revision,
                        previous: entry.revision,
                        attempts: attempt,
                    });
                }
                Err(StoreError::Conflict { .. }) => back_off(attempt),
                Err(other) => return Err(other.into()),
            }
        }
        Err(ProvisionError::Contended {
            account: name.to_owned(),
            attempts: UPDATE_ATTEMPTS,
        })
    }

    fn managed_account(
        &self,
        store: &dyn Store,
        jwt: String,
    ) -> Result<ManagedAccount, ProvisionError> {
        let claims = self.trust.verify_account(&jwt)?.into_claims();
        let key = stored_key(store, &claims.subject, KeyKind::Account)?;
        let signing_keys = claims
            .nats
            .signing_keys
            .keys()
            .map(|public_key| stored_key(store, public_key, KeyKind::Account))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ManagedAccount::from_parts(key, signing_keys, claims, jwt))
    }

    /// The user named `name` of `account` in `store`, with its key (whose seed must be
    /// stored). A revoked or expired user loads too: the store keeps what was issued.
    pub fn load_user(
        &self,
        store: &dyn Store,
        account: &ManagedAccount,
        name: &str,
    ) -> Result<IssuedUser, ProvisionError> {
        let account_name = account.name()?;
        let jwt = store.user_jwt(&account_name, name)?.ok_or_else(|| {
            ProvisionError::NotInStore(format!("user {name} of account {account_name}"))
        })?;
        let claims = UserClaims::decode(&jwt)
            .map_err(|source| TrustError::Decode {
                link: Link::User,
                source,
            })?
            .into_claims();
        let issuer = claims.issuer.as_str();
        let signed_by_account = issuer == account.public_key()
            || account.claims.nats.signing_keys.get(issuer).is_some()
                && claims.nats.issuer_account == account.public_key();
        if !signed_by_account {
            return Err(ProvisionError::NotASigner(issuer.to_owned()));
        }
        let key = stored_key(store, &claims.subject, KeyKind::User)?;
        Ok(IssuedUser { key, claims, jwt })
    }
}

/// The operator JWT `store` holds.
fn operator_jwt(store: &dyn Store) -> Result<String, ProvisionError> {
    store
        .operator_jwt()?
        .ok_or_else(|| ProvisionError::NotInStore("the operator JWT".to_owned()))
}

/// The claims of an account JWT the store (or a caller) holds, read without checking its
/// signature: what it is filed under and what it names.
pub(super) fn account_claims(jwt: &str) -> Result<AccountClaims, ProvisionError> {
    let token = decode_unverified::<AccountClaims>(jwt).map_err(|source| TrustError::Decode {
        link: Link::Account,
        source,
    })?;
    Ok(token.unverified_claims().clone())
}

/// The stored key pair of `public_key`, which must be of `kind`.
fn stored_key(
    store: &dyn Store,
    public_key: &str,
    kind: KeyKind,
) -> Result<KeyPair, ProvisionError> {
    let key = store
        .key(public_key)?
        .ok_or_else(|| ProvisionError::NotInStore(format!("the seed of {public_key}")))?;
    if key.kind() != kind {
        return Err(ProvisionError::NotInStore(format!(
            "a {kind:?} seed for {public_key}"
        )));
    }
    Ok(key)
}

/// How many times [`Provisioner::update_account`] reads, changes and writes back an
/// account before it gives up on writers that keep coming first.
pub const UPDATE_ATTEMPTS: u32 = 32;

/// The public keys of the signing keys `account` holds.
fn signing_key_names(account: &ManagedAccount) -> BTreeSet<String> {
    account
        .signing_keys()
        .iter()
        .map(|key| key.public_key().to_string())
        .collect()
}

/// After the `attempt`-th conflict: a random wait of up to `attempt` × 4 ms, so that
/// writers that collided do not collide again in step.
fn back_off(attempt: u32) {
    let mut byte = [0u8; 1];
    // No randomness (it does not fail on supported systems) is no wait: still correct.
    let spread = getrandom::getrandom(&mut byte).map_or(0, |()| u64::from(byte[0]));
    let most = u64::from(attempt) * 4_000;
    std::thread::sleep(std::time::Duration::from_micros(most * spread / 255));
}

/// An account [`Provisioner::update_account`] changed and stored.
#[derive(Debug, Clone)]
pub struct Updated {
    /// The account as stored.
    pub account: ManagedAccount,
    /// The revision the store holds it at.
    pub revision: u64,
    /// The revision it replaced: the one the change was last applied to. With every
    /// write of the account a compare-and-set, the `previous` of each of its revisions is
    /// the revision of the account's entry just before it (revisions count every write
    /// to the store, so they are not consecutive).
    pub previous: u64,
    /// How many times the change was applied (1: no other writer came first).
    pub attempts: u32,
}

impl Updated {
    /// The stored JWT: what to push.
    pub fn jwt(&self) -> &str {
        self.account.jwt()
    }
}

impl ManagedAccount {
    /// Saves the account in `store`, under the name its signed JWT carries: first the
    /// seeds of its identity key and of every signing key held here, then the JWT. Push
    /// the JWT to the servers only after this returns.
    ///
    /// This replaces whatever the store holds: where other writers change the same
    /// account, change it with [`Provisioner::update_account`] instead.
    pub fn save(&self, store: &dyn Store) -> Result<(), ProvisionError> {
        self.save_keys(store)?;
        store.put_account_jwt(&self.name()?, self.jwt())?;
        Ok(())
    }

    /// Saves a new account in `store` only if the store holds no account of its name:
    /// first the seeds, as [`ManagedAccount::save`] does, then the JWT, created with
    /// [`Store::put_account_jwt_if`] and no revision. Returns the revision it is stored
    /// at. When another writer stored an account of that name first, nothing of it is
    /// replaced and it is [`StoreError::Conflict`] (in [`ProvisionError::Store`]): load
    /// that writer's account instead (the seeds saved here stay in the store, unused).
    ///
    /// ```
    /// use natsjwt::provision::{ProvisionError, Provisioner, SigningKeyUsage};
    /// use natsjwt::store::{DirStore, Store, StoreError, StorePaths};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("natsjwt-doc-save-new-{}", std::process::id()));
    /// let store = DirStore::create(&StorePaths::under(&dir), "demo")?;
    /// Provisioner::bootstrap("demo", SigningKeyUsage::Required)?.save(&store)?;
    /// let provisioner = Provisioner::open(&store)?;
    ///
    /// let first = provisioner.create_account("acme", |_| {})?;
    /// first.save_new(&store)?;
    /// // A second writer's acme, made at the same time: refused, the first one stays.
    /// let second = provisioner.create_account("acme", |_| {})?;
    /// let refused = second.save_new(&store);
    /// assert!(matches!(refused, Err(ProvisionError::Store(StoreError::Conflict { .. }))));
    /// assert_eq!(store.account_jwt("acme")?.as_deref(), Some(first.jwt()));
    /// # drop(store);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn save_new(&self, store: &dyn Store) -> Result<u64, ProvisionError> {
        self.save_keys(store)?;
        Ok(store.put_account_jwt_if(&self.name()?, self.jwt(), None)?)
    }

    /// Stores the seeds of the identity key and of every signing key held here.
    fn save_keys(&self, store: &dyn Store) -> Result<(), ProvisionError> {
        store.put_key(&self.key)?;
        for key in self.signing_keys() {
            store.put_key(key)?;
        }
        Ok(())
    }

    /// The name in the last signed JWT (the one a save stores).
    fn name(&self) -> Result<String, ProvisionError> {
        Ok(account_claims(self.jwt())?.name)
    }
}

impl IssuedUser {
    /// Saves the user of `account` in `store`: its seed, then its JWT, then its creds.
    pub fn save(&self, store: &dyn Store, account: &ManagedAccount) -> Result<(), ProvisionError> {
        let account_name = account.name()?;
        store.put_key(&self.key)?;
        store.put_user_jwt(&account_name, &self.claims.name, &self.jwt)?;
        store.put_creds(&account_name, &self.claims.name, &self.creds()?)?;
        Ok(())
    }
}

impl OperatorSetup {
    /// Saves the setup in `store`, as `nsc init` leaves it: every seed (the operator's
    /// identity key too: move it offline if you can), then the operator JWT, the system
    /// account and the system user.
    pub fn save(&self, store: &dyn Store) -> Result<(), ProvisionError> {
        store.put_key(&self.operator_key)?;
        store.put_key(&self.signing_key)?;
        store.put_key(&self.system_account.key)?;
        for key in self.system_account.signing_keys() {
            store.put_key(key)?;
        }
        store.put_key(&self.system_user.key)?;
        store.put_operator_jwt(&self.jwt)?;
        self.system_account.save(store)?;
        self.system_user.save(store, &self.system_account)
    }
}

/// What [`Provisioner::store_pulled`] did with each account JWT pulled from the servers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pulled {
    /// Accounts the store did not hold (names).
    pub added: Vec<String>,
    /// Accounts the store held an older JWT of (names).
    pub updated: Vec<String>,
    /// Accounts the store held this JWT or a newer one of (names).
    pub unchanged: Vec<String>,
    /// JWTs left out, and why: not this operator's, deleted in the store (a tombstone),
    /// or a name the store gives another account.
    pub refused: Vec<(String, String)>,
}

impl Provisioner {
    /// Stores the account JWTs pulled from the servers (`$SYS.REQ.CLAIMS.PACK`, what
    /// `nsc pull --all` fetches) that are newer than the store's, under their names:
    /// how a lost store's JWTs come back. Seeds do not: no server holds them, so a
    /// pulled account can be pushed again but not changed until its keys are stored.
    ///
    /// Each JWT must verify against this operator; a JWT of an account the store
    /// deleted, or whose name the store gives another account, is refused.
    pub fn store_pulled(
        &self,
        store: &dyn Store,
        jwts: &[String],
    ) -> Result<Pulled, ProvisionError> {
        let mut pulled = Pulled::default();
        let tombstones = store.tombstones()?;
        for jwt in jwts {
            let claims = match self.trust.verify_account(jwt) {
                Ok(account) => account.into_claims(),
                Err(e) => {
                    pulled.refused.push((jwt.clone(), e.to_string()));
                    continue;
                }
            };
            let name = claims.name.clone();
            if tombstones.contains(&claims.subject) {
                pulled
                    .refused
                    .push((name, "the store deleted this account".to_owned()));
                continue;
            }
            let stored = store
                .account_jwt(&name)?
                .map(|stored| account_claims(&stored))
                .transpose()?;
            match stored {
                Some(stored) if stored.subject != claims.subject => pulled.refused.push((
                    name,
                    format!("the store names account {} so", stored.subject),
                )),
                Some(stored) if stored.issued_at >= claims.issued_at => pulled.unchanged.push(name),
                Some(_) => {
                    store.put_account_jwt(&name, jwt)?;
                    pulled.updated.push(name);
                }
                None => {
                    store.put_account_jwt(&name, jwt)?;
                    pulled.added.push(name);
                }
            }
        }
        Ok(pulled)
    }
}

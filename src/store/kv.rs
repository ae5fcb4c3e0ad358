//! [`KvStore`]: the [`Store`] on a JetStream KV bucket (feature `kv-store`).

mod keys;
mod worker;

use std::fmt;
use std::future::Future;
use std::path::PathBuf;

use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::context::GetStreamErrorKind;
use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateError, UpdateErrorKind};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::layout::{check_name, check_public_key};
use super::token::accept;
use super::{AccountEntry, Store, StoreError};
use crate::claims::Operator;
use crate::keys::{KeyPair, Secret, XKey};
use crate::{AccountClaims, UserClaims};

use worker::Worker;

/// How many versions of each key the bucket keeps (JetStream's most).
const HISTORY: i64 = 64;

/// The store's description, in its `meta` key.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    operator: String,
    sealed_to: String,
}

/// A [`Store`] on a JetStream KV bucket, shared by every replica of a service.
///
/// What a [`DirStore`](super::DirStore) keeps in files, the bucket keeps in keys:
/// `operator`, `account.<name>`, `user.<account>.<user>`, `creds.<account>.<user>`,
/// `seed.<public key>`, `deleted.<public key>` (names escaped to one key token) and
/// `meta` (the operator's name, and the curve key the secrets are sealed to).
///
/// - **Secrets are sealed.** Seeds and creds are stored as curve-key boxes
///   ([`XKey::seal`]) sealed by, and to, the store's own key, which only the service
///   holds: a reader of the bucket (or of the servers' disks) without it learns public
///   keys and JWTs only. With the operator's signing key in an HSM or a KMS
///   ([`Provisioner::open_with_signer`](crate::provision::Provisioner::open_with_signer)),
///   the bucket holds no seed of the operator's at all.
/// - **No change is lost.** An account's entry is written with its revision as the
///   compare-and-set guard ([`Store::put_account_jwt_if`]):
///   [`Provisioner::update_account`](crate::provision::Provisioner::update_account)
///   re-applies a change that another replica beat, rather than overwriting that
///   replica's change.
/// - **Replicated.** Create the bucket with 3 replicas on a 3-node cluster: the store
///   keeps working while one node is down. Listing keys (the names of accounts, users,
///   seeds) reads through an ephemeral consumer, which is R1 in memory: an account with
///   tiered JetStream limits needs an R1 tier (with memory) besides the bucket's.
///
/// The trait is blocking: the store keeps its connection on a thread and runtime of its
/// own, so that it may be called from async code on any runtime (a blocking call, as a
/// file store's is).
///
/// ```no_run
/// use natsjwt::XKey;
/// use natsjwt::provision::{Provisioner, SigningKeyUsage};
/// use natsjwt::store::{KvStore, Store};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // The key secrets are sealed to: keep it where only the service reads it.
/// let sealer = XKey::from_seed(std::fs::read_to_string("seal.xk")?.trim())?;
/// let connect = || async {
///     async_nats::ConnectOptions::with_credentials_file("service.creds")
///         .await?
///         .connect("nats://127.0.0.1:4222")
///         .await
/// };
/// let store = KvStore::create(connect, "tenants", 3, "acme-operator", sealer)?;
/// Provisioner::bootstrap("acme-operator", SigningKeyUsage::Required)?.save(&store)?;
///
/// // Any replica of the service, later:
/// let sealer = XKey::from_seed(std::fs::read_to_string("seal.xk")?.trim())?;
/// let store = KvStore::open(connect, "tenants", sealer)?;
/// let provisioner = Provisioner::open(&store)?;
/// provisioner.create_account("acme", |_| {})?.save(&store)?;
/// provisioner.update_account(&store, "acme", |tenant| {
///     tenant.add_signing_key()?;
///     Ok(())
/// })?;
/// # Ok(())
/// # }
/// ```
pub struct KvStore {
    operator: String,
    bucket: String,
    sealer: XKey,
    worker: Worker,
}

impl fmt::Debug for KvStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The sealing key stays out.
        f.debug_struct("KvStore")
            .field("bucket", &self.bucket)
            .field("operator", &self.operator)
            .finish_non_exhaustive()
    }
}

/// The error of a connection attempt, as a store error on `bucket`.
fn connect_error(
    bucket: &str,
    error: impl std::error::Error + Send + Sync + 'static,
) -> StoreError {
    StoreError::kv(bucket, "", error)
}

impl KvStore {
    /// Creates the bucket `bucket` with `replicas` replicas (file storage, 64 versions
    /// per key) and a store of the operator `operator` in it, its secrets sealed to
    /// `sealer`. `connect` connects to the servers (as a user allowed to manage the
    /// bucket); it runs on the store's own thread. A bucket that holds a store already is
    /// [`StoreError::Exists`].
    pub fn create<F, E>(
        connect: impl FnOnce() -> F + Send + 'static,
        bucket: &str,
        replicas: usize,
        operator: &str,
        sealer: XKey,
    ) -> Result<KvStore, StoreError>
    where
        F: Future<Output = Result<async_nats::Client, E>>,
        E: std::error::Error + Send + Sync + 'static,
    {
        check_name(operator)?;
        let name = bucket.to_owned();
        let worker = Worker::start(bucket, move || async move {
            let client = connect().await.map_err(|e| connect_error(&name, e))?;
            let config = kv::Config {
                bucket: name.clone(),
                description: "natsjwt store".to_owned(),
                history: HISTORY,
                num_replicas: replicas,
                storage: async_nats::jetstream::stream::StorageType::File,
                ..kv::Config::default()
            };
            async_nats::jetstream::new(client)
                .create_key_value(config)
                .await
                .map_err(|e| connect_error(&name, e))
        })?;
        let meta = serde_json::to_vec(&Meta {
            operator: operator.to_owned(),
            sealed_to: sealer.public_key().to_string(),
        })
        .map_err(|e| StoreError::kv(bucket, keys::META, e))?;
        let store = KvStore::with(worker, bucket, operator, sealer);
        let exists = StoreError::Exists {
            path: PathBuf::from(format!("kv://{bucket}")),
        };
        let created = store.worker.call(keys::META, move |kv| async move {
            match kv.create(keys::META, meta.into()).await {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == CreateErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(StoreError::kv(kv.name.as_str(), keys::META, e)),
            }
        })?;
        if created { Ok(store) } else { Err(exists) }
    }

    /// Opens the store in the bucket `bucket`; `sealer` must be the key its secrets are
    /// sealed to ([`StoreError::WrongSealKey`]). No bucket, or one without a store, is
    /// [`StoreError::NotFound`].
    pub fn open<F, E>(
        connect: impl FnOnce() -> F + Send + 'static,
        bucket: &str,
        sealer: XKey,
    ) -> Result<KvStore, StoreError>
    where
        F: Future<Output = Result<async_nats::Client, E>>,
        E: std::error::Error + Send + Sync + 'static,
    {
        let not_found = || StoreError::NotFound {
            path: PathBuf::from(format!("kv://{bucket}")),
        };
        let name = bucket.to_owned();
        let worker = Worker::start(bucket, move || async move {
            let client = connect().await.map_err(|e| connect_error(&name, e))?;
            let js = async_nats::jetstream::new(client);
            // Asked first for the bucket's stream: only its answer tells "no such
            // bucket" from a request that failed.
            if let Err(e) = js.get_stream(format!("KV_{name}")).await {
                return Err(match e.kind() {
                    GetStreamErrorKind::JetStream(e)
                        if e.error_code() == ErrorCode::STREAM_NOT_FOUND =>
                    {
                        StoreError::NotFound {
                            path: PathBuf::from(format!("kv://{name}")),
                        }
                    }
                    _ => connect_error(&name, e),
                });
            }
            js.get_key_value(name.as_str())
                .await
                .map_err(|e| connect_error(&name, e))
        })?;
        let mut store = KvStore::with(worker, bucket, "", sealer);
        let meta = store.get(keys::META)?.ok_or_else(not_found)?;
        let meta: Meta = serde_json::from_slice(&meta)
            .map_err(|e| StoreError::corrupt(store.locator(keys::META), e.to_string()))?;
        if meta.sealed_to != store.sealer.public_key().as_str() {
            return Err(StoreError::WrongSealKey {
                bucket: bucket.to_owned(),
                sealed_to: meta.sealed_to,
            });
        }
        store.operator = meta.operator;
        Ok(store)
    }

    fn with(worker: Worker, bucket: &str, operator: &str, sealer: XKey) -> KvStore {
        KvStore {
            operator: operator.to_owned(),
            bucket: bucket.to_owned(),
            sealer,
            worker,
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// `kv://<bucket>/<key>`: where a value is, for errors.
    fn locator(&self, key: &str) -> PathBuf {
        PathBuf::from(format!("kv://{}/{key}", self.bucket))
    }

    /// The value of `key` (`None`: no such key, or deleted).
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let owned = key.to_owned();
        self.worker.call(key, move |kv| async move {
            match kv.get(owned.as_str()).await {
                Ok(value) => Ok(value.map(|bytes| bytes.to_vec())),
                Err(e) => Err(StoreError::kv(kv.name.as_str(), &owned, e)),
            }
        })
    }

    /// The value of `key` as text.
    fn get_text(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get(key)?
            .map(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| StoreError::corrupt(self.locator(key), "not UTF-8"))
            })
            .transpose()
    }

    /// Stores `value` under `key`, whatever was there.
    fn put(&self, key: &str, value: Vec<u8>) -> Result<(), StoreError> {
        let owned = key.to_owned();
        self.worker.call(key, move |kv| async move {
            kv.put(owned.as_str(), value.into())
                .await
                .map(drop)
                .map_err(|e| StoreError::kv(kv.name.as_str(), &owned, e))
        })
    }

    /// Deletes each of `keys` (deleting one that is not there is not an error).
    fn delete(&self, keys: Vec<String>) -> Result<(), StoreError> {
        self.worker.call("", move |kv| async move {
            for key in keys {
                kv.delete(key.as_str())
                    .await
                    .map_err(|e| StoreError::kv(kv.name.as_str(), &key, e))?;
            }
            Ok(())
        })
    }

    /// Every key that holds a value.
    fn keys(&self) -> Result<Vec<String>, StoreError> {
        self.worker.call("", move |kv| async move {
            let error =
                |e: &dyn std::error::Error| StoreError::kv(kv.name.as_str(), "", e.to_string());
            let mut listed = kv.keys().await.map_err(|e| error(&e))?;
            let mut keys = Vec::new();
            while let Some(key) = listed.next().await {
                keys.push(key.map_err(|e| error(&e))?);
            }
            Ok(keys)
        })
    }

    /// `secret`, sealed by and to the store's key.
    fn seal(&self, key: &str, secret: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.sealer
            .seal(secret, self.sealer.public_key())
            .map_err(|source| self.sealed(key, source))
    }

    /// The secret sealed under `key`.
    fn open_sealed(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let Some(sealed) = self.get(key)? else {
            return Ok(None);
        };
        self.sealer
            .open(&sealed, self.sealer.public_key())
            .map(|plain| Some(Zeroizing::new(plain)))
            .map_err(|source| self.sealed(key, source))
    }

    fn sealed(&self, key: &str, source: crate::keys::KeyError) -> StoreError {
        StoreError::Sealed {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            source,
        }
    }

    /// The sealed secret under `key`, as text.
    fn open_sealed_text(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        let Some(plain) = self.open_sealed(key)? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&plain)
            .map_err(|_| StoreError::corrupt(self.locator(key), "sealed text is not UTF-8"))?;
        Ok(Some(Secret::new(text.to_owned())))
    }

    /// The value and revision of `key` (`None`: no such key, or deleted).
    fn entry(&self, key: &str) -> Result<Option<(Vec<u8>, u64)>, StoreError> {
        let owned = key.to_owned();
        self.worker.call(key, move |kv| async move {
            match kv.entry(owned.as_str()).await {
                Ok(Some(entry)) if entry.operation == Operation::Put => {
                    Ok(Some((entry.value.to_vec(), entry.revision)))
                }
                Ok(_) => Ok(None),
                Err(e) => Err(StoreError::kv(kv.name.as_str(), &owned, e)),
            }
        })
    }

    fn require_account(&self, account: &str) -> Result<(), StoreError> {
        if self.get(&keys::account(account))?.is_none() {
            return Err(StoreError::UnknownAccount {
                name: account.to_owned(),
            });
        }
        Ok(())
    }
}

/// Whether a compare-and-set update was refused because another write to the entry came
/// first. The server answers 10071 when that write is stored, which async-nats reads as
/// `WrongLastRevision`, and, on a replicated stream, 10164 when it is still being
/// replicated (nats-server's "last sequence by subject mismatch" without the sequence),
/// which async-nats 0.51 reads as `Other`: without this a lost race on a cluster looked
/// like a failed store instead of a change to re-apply.
fn lost_to_another_write(error: &UpdateError) -> bool {
    if error.kind() == UpdateErrorKind::WrongLastRevision {
        return true;
    }
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        if let Some(api) = inner.downcast_ref::<async_nats::jetstream::Error>() {
            return api.error_code() == ErrorCode::STREAM_WRONG_LAST_SEQUENCE_CONSTANT;
        }
        cause = inner.source();
    }
    false
}

impl Store for KvStore {
    fn operator_name(&self) -> &str {
        &self.operator
    }

    fn operator_jwt(&self) -> Result<Option<String>, StoreError> {
        self.get_text(keys::OPERATOR)
    }

    fn put_operator_jwt(&self, jwt: &str) -> Result<(), StoreError> {
        accept::<Operator>(&self.locator(keys::OPERATOR), jwt, None)?;
        self.put(keys::OPERATOR, jwt.as_bytes().to_vec())
    }

    fn account_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(keys::names_under(&self.keys()?, keys::ACCOUNT))
    }

    fn account_jwt(&self, name: &str) -> Result<Option<String>, StoreError> {
        check_name(name)?;
        self.get_text(&keys::account(name))
    }

    fn put_account_jwt(&self, name: &str, jwt: &str) -> Result<(), StoreError> {
        check_name(name)?;
        let key = keys::account(name);
        let _: AccountClaims = accept(&self.locator(&key), jwt, Some(name))?;
        self.put(&key, jwt.as_bytes().to_vec())
    }

    fn delete_account(&self, name: &str) -> Result<(), StoreError> {
        check_name(name)?;
        let users = keys::under_account(keys::USER, name);
        let creds = keys::under_account(keys::CREDS, name);
        // Users first: a crash in between leaves an account without some of its users,
        // never users of no account.
        let mut doomed: Vec<String> = self
            .keys()?
            .into_iter()
            .filter(|key| key.starts_with(&users) || key.starts_with(&creds))
            .collect();
        doomed.push(keys::account(name));
        self.delete(doomed)
    }

    fn account_entry(&self, name: &str) -> Result<Option<AccountEntry>, StoreError> {
        check_name(name)?;
        let key = keys::account(name);
        let Some((value, revision)) = self.entry(&key)? else {
            return Ok(None);
        };
        let jwt = String::from_utf8(value)
            .map_err(|_| StoreError::corrupt(self.locator(&key), "not UTF-8"))?;
        Ok(Some(AccountEntry { jwt, revision }))
    }

    fn put_account_jwt_if(
        &self,
        name: &str,
        jwt: &str,
        revision: Option<u64>,
    ) -> Result<u64, StoreError> {
        check_name(name)?;
        let key = keys::account(name);
        let _: AccountClaims = accept(&self.locator(&key), jwt, Some(name))?;
        let value = jwt.as_bytes().to_vec();
        let owned = key.clone();
        let written = self.worker.call(&key, move |kv| async move {
            let bucket = kv.name.clone();
            // `None`: another writer came first.
            match revision {
                None => match kv.create(owned.as_str(), value.into()).await {
                    Ok(revision) => Ok(Some(revision)),
                    Err(e) if e.kind() == CreateErrorKind::AlreadyExists => Ok(None),
                    Err(e) => Err(StoreError::kv(&bucket, &owned, e)),
                },
                Some(revision) => match kv.update(owned.as_str(), value.into(), revision).await {
                    Ok(revision) => Ok(Some(revision)),
                    Err(e) if lost_to_another_write(&e) => Ok(None),
                    Err(e) => Err(StoreError::kv(&bucket, &owned, e)),
                },
            }
        });
        if let Ok(Some(revision)) = written {
            return Ok(revision);
        }
        // A write whose acknowledgement was lost (a leader failing over) may have landed:
        // the entry tells, as no other change makes these bytes (each version has an `iat`
        // after the one before; a writer that made the very same change on the same
        // version wanted what is stored). Without this a caller would apply its change
        // twice.
        let current = self.entry(&key);
        if let Ok(Some((stored, stored_revision))) = &current
            && stored.as_slice() == jwt.as_bytes()
        {
            return Ok(*stored_revision);
        }
        written?;
        Err(StoreError::Conflict {
            name: name.to_owned(),
            expected: revision,
            found: current?.map(|(_, revision)| revision),
        })
    }

    fn user_names(&self, account: &str) -> Result<Vec<String>, StoreError> {
        check_name(account)?;
        let prefix = keys::under_account(keys::USER, account);
        Ok(keys::names_under(&self.keys()?, &prefix))
    }

    fn user_jwt(&self, account: &str, user: &str) -> Result<Option<String>, StoreError> {
        check_name(account)?;
        check_name(user)?;
        self.get_text(&keys::user(account, user))
    }

    fn put_user_jwt(&self, account: &str, user: &str, jwt: &str) -> Result<(), StoreError> {
        check_name(account)?;
        check_name(user)?;
        let key = keys::user(account, user);
        let _: UserClaims = accept(&self.locator(&key), jwt, Some(user))?;
        self.require_account(account)?;
        self.put(&key, jwt.as_bytes().to_vec())
    }

    fn delete_user(&self, account: &str, user: &str) -> Result<(), StoreError> {
        check_name(account)?;
        check_name(user)?;
        self.delete(vec![keys::user(account, user), keys::creds(account, user)])
    }

    fn key_public_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(keys::names_under(&self.keys()?, keys::SEED))
    }

    fn key(&self, public_key: &str) -> Result<Option<KeyPair>, StoreError> {
        check_public_key(public_key)?;
        let key = format!("{}{public_key}", keys::SEED);
        let Some(seed) = self.open_sealed_text(&key)? else {
            return Ok(None);
        };
        let pair = KeyPair::from_seed(seed.expose()).map_err(|source| StoreError::Key {
            path: self.locator(&key),
            source,
        })?;
        if pair.public_key().as_str() != public_key {
            return Err(StoreError::corrupt(
                self.locator(&key),
                format!("the seed is of {}", pair.public_key()),
            ));
        }
        Ok(Some(pair))
    }

    fn put_key(&self, key: &KeyPair) -> Result<(), StoreError> {
        let public_key = key.public_key().as_str();
        check_public_key(public_key)?;
        let name = format!("{}{public_key}", keys::SEED);
        let seed = key.seed();
        let sealed = self.seal(&name, seed.expose().as_bytes())?;
        let owned = name.clone();
        let created = self.worker.call(&name, move |kv| async move {
            match kv.create(owned.as_str(), sealed.into()).await {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == CreateErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(StoreError::kv(kv.name.as_str(), &owned, e)),
            }
        })?;
        if created {
            return Ok(());
        }
        // Already there: the same seed is fine, another one is never replaced.
        match self.open_sealed_text(&name)? {
            Some(stored) if stored.expose() == seed.expose() => Ok(()),
            _ => Err(StoreError::SeedMismatch {
                path: self.locator(&name),
            }),
        }
    }

    fn delete_key(&self, public_key: &str) -> Result<(), StoreError> {
        check_public_key(public_key)?;
        self.delete(vec![format!("{}{public_key}", keys::SEED)])
    }

    fn tombstones(&self) -> Result<Vec<String>, StoreError> {
        Ok(keys::names_under(&self.keys()?, keys::TOMBSTONE))
    }

    fn put_tombstone(&self, public_key: &str) -> Result<(), StoreError> {
        check_public_key(public_key)?;
        self.put(&format!("{}{public_key}", keys::TOMBSTONE), Vec::new())
    }

    fn delete_tombstone(&self, public_key: &str) -> Result<(), StoreError> {
        check_public_key(public_key)?;
        self.delete(vec![format!("{}{public_key}", keys::TOMBSTONE)])
    }

    fn creds(&self, account: &str, user: &str) -> Result<Option<Secret>, StoreError> {
        check_name(account)?;
        check_name(user)?;
        self.open_sealed_text(&keys::creds(account, user))
    }

    fn put_creds(&self, account: &str, user: &str, creds: &Secret) -> Result<(), StoreError> {
        check_name(account)?;
        check_name(user)?;
        let key = keys::creds(account, user);
        self.require_account(account)?;
        let sealed = self.seal(&key, creds.expose().as_bytes())?;
        self.put(&key, sealed)
    }
}

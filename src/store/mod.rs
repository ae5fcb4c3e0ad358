//! Where tenant state lives between runs: the operator, account and user JWTs, the seeds
//! of the keys that sign them, and users' creds.
//!
//! [`Store`] is the interface; a service may keep its state in a database or a KMS-backed
//! key store by implementing it. [`DirStore`] is the embedded default: a directory in
//! `nsc`'s own layout, so signup code opens what `nsc` made and `nsc` sees what the
//! service made; one process writes it at a time. `KvStore` (feature `kv-store`) keeps
//! the same state in a JetStream KV bucket that every replica of a service shares, its
//! secrets sealed; [`copy`] moves a store from one to the other.
//!
//! Where several writers change one account, each change is a compare-and-set on the
//! account's revision ([`Store::put_account_jwt_if`], used by
//! [`Provisioner::update_account`](crate::provision::Provisioner::update_account)): a
//! writer that another came before re-applies its change rather than overwriting.
//!
//! Every write a `Store` reports done is durable: a crash after it leaves the new state,
//! a crash during it the old one. [`crate::provision`] relies on this to write ahead:
//! the seeds a JWT depends on are stored before the JWT is, and the JWT before it is
//! pushed to a server.

mod copy;
mod dir;
mod error;
mod file;
#[cfg(feature = "kv-store")]
mod kv;
mod layout;
mod token;

pub use copy::{Copied, copy};
pub use dir::DirStore;
pub use error::{StoreError, StoreProblem};
#[cfg(feature = "kv-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "kv-store")))]
pub use kv::KvStore;
pub use layout::StorePaths;

use crate::keys::{KeyPair, Secret};

/// An account JWT and the revision a [`Store`] holds it at: what a read-modify-write
/// hands back to [`Store::put_account_jwt_if`].
///
/// A store with many writers (a JetStream KV bucket) counts revisions; one that has a
/// single writer at a time ([`DirStore`], which holds a lock) has nothing to compare
/// but whether the account is there, and holds every account at revision 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEntry {
    /// The account JWT.
    pub jwt: String,
    /// The revision it is held at.
    pub revision: u64,
}

/// The state of one operator: its JWT, its accounts and their users (by name, as `nsc`
/// names them), the seeds of keys (by public key), and users' creds.
///
/// Reads return `Ok(None)` for what is not there; errors are for a store that cannot be
/// read. Every `put_*` and `delete_*` is durable when it returns `Ok`.
pub trait Store: Send + Sync {
    /// The operator's name.
    fn operator_name(&self) -> &str;
    /// The operator JWT.
    fn operator_jwt(&self) -> Result<Option<String>, StoreError>;
    /// Stores the operator JWT, replacing the previous one.
    fn put_operator_jwt(&self, jwt: &str) -> Result<(), StoreError>;

    /// The names of the accounts, sorted.
    fn account_names(&self) -> Result<Vec<String>, StoreError>;
    /// The JWT of the account named `name`.
    fn account_jwt(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// Stores the JWT of the account named `name`, replacing the previous one.
    fn put_account_jwt(&self, name: &str, jwt: &str) -> Result<(), StoreError>;
    /// Deletes the account named `name` with its users (not their seeds). Deleting an
    /// account that is not there is not an error.
    fn delete_account(&self, name: &str) -> Result<(), StoreError>;
    /// The JWT of the account named `name` and the revision the store holds it at.
    fn account_entry(&self, name: &str) -> Result<Option<AccountEntry>, StoreError>;
    /// Stores the JWT of the account named `name` only if the store still holds the
    /// account at `revision` (`None`: only if it holds no such account), and returns the
    /// new revision; else nothing is stored and it is [`StoreError::Conflict`]. This is
    /// the compare-and-set that keeps two writers from losing each other's change (see
    /// [`Provisioner::update_account`](crate::provision::Provisioner::update_account)).
    /// A store that finds this very JWT stored (a write whose answer was lost, or another
    /// writer that made the same change) returns the revision it is held at: the caller
    /// must not apply its change again.
    fn put_account_jwt_if(
        &self,
        name: &str,
        jwt: &str,
        revision: Option<u64>,
    ) -> Result<u64, StoreError>;

    /// The names of the users of the account named `account`, sorted.
    fn user_names(&self, account: &str) -> Result<Vec<String>, StoreError>;
    /// The JWT of the user `user` of the account named `account`.
    fn user_jwt(&self, account: &str, user: &str) -> Result<Option<String>, StoreError>;
    /// Stores the JWT of the user `user` of the account named `account` (which must be
    /// stored), replacing the previous one.
    fn put_user_jwt(&self, account: &str, user: &str, jwt: &str) -> Result<(), StoreError>;
    /// Deletes the user's JWT and creds (not its seed). Deleting a user that is not there
    /// is not an error.
    fn delete_user(&self, account: &str, user: &str) -> Result<(), StoreError>;

    /// The public keys whose seeds are stored, sorted.
    fn key_public_keys(&self) -> Result<Vec<String>, StoreError>;
    /// The key pair of `public_key`, when its seed is stored.
    fn key(&self, public_key: &str) -> Result<Option<KeyPair>, StoreError>;
    /// Stores the key's seed. Storing a seed that is there already does nothing; a
    /// different seed is never stored under the same public key
    /// ([`StoreError::SeedMismatch`]: that cannot happen for real keys, so it means a
    /// corrupt store or an attack).
    fn put_key(&self, key: &KeyPair) -> Result<(), StoreError>;
    /// Deletes the seed of `public_key`. Deleting a seed that is not there is not an error.
    fn delete_key(&self, public_key: &str) -> Result<(), StoreError>;

    /// The public keys of the deleted accounts, sorted. A deleted account keeps its
    /// tombstone here so that a repair deletes it again on a server that missed the
    /// deletion (a full resolver's sync can bring it back: nats-server issue #6559).
    fn tombstones(&self) -> Result<Vec<String>, StoreError>;
    /// Records that the account `public_key` is deleted; recording it twice does nothing.
    fn put_tombstone(&self, public_key: &str) -> Result<(), StoreError>;
    /// Forgets the tombstone of `public_key` (the account may be pushed again).
    fn delete_tombstone(&self, public_key: &str) -> Result<(), StoreError>;

    /// The creds of the user `user` of the account named `account`.
    fn creds(&self, account: &str, user: &str) -> Result<Option<Secret>, StoreError>;
    /// Stores the creds of the user `user` of the account named `account`, replacing the
    /// previous ones.
    fn put_creds(&self, account: &str, user: &str, creds: &Secret) -> Result<(), StoreError>;
}

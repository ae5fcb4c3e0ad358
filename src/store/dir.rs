//! [`DirStore`]: a [`Store`] in `nsc`'s directory layout.

mod check;
mod info;
mod seed;

use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::file;
use super::layout::{GITIGNORE, LOCK_FILE, Layout, check_name, check_public_key};
use super::token::accept;
use super::{AccountEntry, Store, StoreError, StorePaths, StoreProblem};
use crate::keys::{KeyPair, Secret};
use crate::{AccountClaims, UserClaims};

use info::Info;

/// One operator's store in `nsc`'s layout: JWTs under
/// `<stores>/<operator>/`, seeds and creds under `<keys>/` (see [`StorePaths`]).
///
/// What one writes, the other reads: `nsc` lists, describes and pushes the accounts and
/// users a service made, and the service opens what `nsc` made. Every write replaces its
/// file atomically and durably (files 0600, directories 0700), and a store is open in
/// one place at a time: it holds a lock on `<stores>/<operator>/.natsjwt.lock` until
/// dropped. (`nsc` itself takes no lock: do not run it on a store a service has open.)
///
/// ```
/// use natsjwt::store::{DirStore, Store, StorePaths};
/// use natsjwt::{AccountClaims, KeyPair, OperatorClaims};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("natsjwt-doc-dirstore-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let paths = StorePaths::under(&dir);
/// let store = DirStore::create(&paths, "demo")?;
///
/// let operator = KeyPair::new_operator()?;
/// let mut claims = OperatorClaims::new(operator.public_key().as_str());
/// claims.name = "demo".into();
/// store.put_operator_jwt(&claims.encode(&operator)?)?;
///
/// let account = KeyPair::new_account()?;
/// let mut claims = AccountClaims::new(account.public_key().as_str());
/// claims.name = "acme".into();
/// store.put_key(&account)?; // the seed first: the JWT depends on it
/// store.put_account_jwt("acme", &claims.encode(&operator)?)?;
/// assert_eq!(store.account_names()?, ["acme"]);
///
/// // Open elsewhere while open here: refused.
/// assert!(DirStore::open(&paths, "demo").is_err());
/// drop(store);
/// let store = DirStore::open(&paths, "demo")?; // and checked
/// assert!(store.key(account.public_key().as_str())?.is_some());
/// # drop(store);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct DirStore {
    layout: Layout,
    /// Holds the lock while the store is open; closing it releases the lock.
    _lock: File,
}

impl fmt::Debug for DirStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirStore")
            .field("paths", &self.layout.paths)
            .field("operator", &self.layout.operator)
            .finish()
    }
}

impl DirStore {
    /// Creates a new, empty store for `operator`, as `nsc`'s `CreateStore` does: the
    /// directory `<stores>/<operator>` (refused with [`StoreError::Exists`] when it
    /// holds anything), its `.nsc` and `accounts/`, and in the keys directory `keys/`,
    /// `creds/` and `nsc`'s `.gitignore` (if absent). The operator JWT comes next
    /// ([`Store::put_operator_jwt`]).
    pub fn create(paths: &StorePaths, operator: &str) -> Result<DirStore, StoreError> {
        let layout = Layout::new(paths, operator)?;
        let dir = layout.operator_dir();
        if dir.symlink_metadata().is_ok() {
            if !dir.is_dir() || !is_empty(&dir)? {
                return Err(StoreError::Exists { path: dir });
            }
        } else {
            file::create_dir_all(&dir)?;
        }
        let lock = lock(&layout)?;
        // Between the check and the lock, another creator may have finished.
        if !is_empty(&dir)? {
            return Err(StoreError::Exists { path: dir });
        }
        let store = DirStore {
            layout,
            _lock: lock,
        };
        store.make_key_store()?;
        file::create_dir_all(&store.layout.accounts_dir())?;
        // Last: a store without `.nsc` is not a store, for `nsc` or for `open`.
        let info_path = store.layout.info();
        let info = Info::operator(&store.layout.operator)
            .to_json()
            .map_err(|e| StoreError::corrupt(&info_path, e.to_string()))?;
        file::write_atomic(&info_path, &info)?;
        Ok(store)
    }

    /// Opens the existing store of `operator`: takes the lock ([`StoreError::Locked`]
    /// when it is open elsewhere), removes what a crashed writer left, and checks it
    /// ([`DirStore::check`]); any problem fails with [`StoreError::Invalid`], listing
    /// them all.
    pub fn open(paths: &StorePaths, operator: &str) -> Result<DirStore, StoreError> {
        let layout = Layout::new(paths, operator)?;
        let dir = layout.operator_dir();
        if !dir.is_dir() || layout.info().symlink_metadata().is_err() {
            return Err(StoreError::NotFound { path: dir });
        }
        let lock = lock(&layout)?;
        let store = DirStore {
            layout,
            _lock: lock,
        };
        store.remove_leftovers()?;
        let problems = store.check();
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        Ok(store)
    }

    /// Everything wrong in the store, each with its path; empty for a sound store.
    ///
    /// Checked: `.nsc` is an operator store's, of this operator; the operator JWT
    /// decodes and verifies; each account JWT decodes, verifies, is signed by the
    /// operator or one of its signing keys, and is filed under its `name`; each user
    /// JWT decodes, verifies, is signed by its account or one of the account's signing
    /// keys (with `issuer_account` saying so), and is filed under its `name`; the seeds
    /// of each account managed here (one with any of its keys' seeds stored: not one
    /// pulled from the servers or imported without keys) and of each signing key it
    /// lists are stored; each seed file
    /// holds the seed of the key it is named after. Expiry and revocation are not
    /// problems (`nsc` keeps such tokens), nor is a missing operator seed (an operator's
    /// identity key is often kept offline).
    pub fn check(&self) -> Vec<StoreProblem> {
        check::check(&self.layout)
    }

    /// The store's directories.
    pub fn paths(&self) -> &StorePaths {
        &self.layout.paths
    }

    /// The operator's directory of JWTs, `<stores>/<operator>`.
    pub fn operator_dir(&self) -> PathBuf {
        self.layout.operator_dir()
    }

    /// Where the creds of `user` of `account` are kept:
    /// `<keys>/creds/<operator>/<account>/<user>.creds`.
    pub fn creds_path(&self, account: &str, user: &str) -> PathBuf {
        self.layout.creds(account, user)
    }

    /// `nsc`'s `makeKeyStore`: `keys/`, `creds/`, `.gitignore`.
    fn make_key_store(&self) -> Result<(), StoreError> {
        file::create_dir_all(&self.layout.keys_root())?;
        file::create_dir_all(&self.layout.creds_root())?;
        file::write_new(
            &self.layout.paths.keys.join(".gitignore"),
            GITIGNORE.as_bytes(),
        )?;
        Ok(())
    }

    /// Deletes what a crashed writer of this store left. The operator's own
    /// directories are ours while we hold the lock; the keys directory is shared with
    /// other operators' stores, whose writers may be running, so only temporary files
    /// too old to belong to a running write are removed there.
    fn remove_leftovers(&self) -> Result<(), StoreError> {
        file::remove_leftovers(&self.layout.operator_dir(), None)?;
        file::remove_leftovers(&self.layout.creds_root().join(&self.layout.operator), None)?;
        file::remove_leftovers(&self.layout.keys_root(), Some(file::STALE_AFTER))?;
        // A crash between making a new account's directory and renaming its JWT into
        // it leaves the directory empty: the account was never stored.
        let accounts = self.layout.accounts_dir();
        for name in file::list(&accounts, true)? {
            let dir = accounts.join(&name);
            let mut entries = fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))?;
            if entries.next().is_none() {
                fs::remove_dir(&dir).map_err(|e| StoreError::io(&dir, e))?;
                file::sync_dir(&accounts)?;
            }
        }
        Ok(())
    }

    /// The JWT in `path`, surrounding whitespace removed (`nsc` writes none; a hand
    /// edit may add a newline).
    fn read_jwt(path: &Path) -> Result<Option<String>, StoreError> {
        Ok(file::read_text(path)?.map(|text| text.trim().to_owned()))
    }

    fn require_account(&self, account: &str) -> Result<(), StoreError> {
        check_name(account)?;
        if self.layout.account_jwt(account).is_file() {
            Ok(())
        } else {
            Err(StoreError::UnknownAccount {
                name: account.to_owned(),
            })
        }
    }
}

/// Whether `dir` holds nothing but what a crashed `create` may leave (the lock, and
/// temporary files).
fn is_empty(dir: &Path) -> Result<bool, StoreError> {
    let entries = fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name != LOCK_FILE && !file::is_temp_name(&name) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// How long taking the lock waits for a holder to let go: a process that forks (to start
/// another program) while a store is being closed holds a copy of the lock until its
/// child has started that program, a few milliseconds at most. A store that another
/// process has open stays locked longer.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(200);

/// Takes the store's lock, waiting at most [`LOCK_PATIENCE`].
fn lock(layout: &Layout) -> Result<File, StoreError> {
    let path = layout.lock();
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let lock = options.open(&path).map_err(|e| StoreError::io(&path, e))?;
    let deadline = std::time::Instant::now() + LOCK_PATIENCE;
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(lock),
            Err(TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(TryLockError::WouldBlock) => return Err(StoreError::Locked { path }),
            Err(TryLockError::Error(e)) => return Err(StoreError::io(path, e)),
        }
    }
}

/// The revision of every account a directory store holds: with one writer at a time, a
/// compare-and-set has only to tell "there" from "not there".
const DIR_REVISION: u64 = 1;

impl Store for DirStore {
    fn operator_name(&self) -> &str {
        &self.layout.operator
    }

    fn operator_jwt(&self) -> Result<Option<String>, StoreError> {
        DirStore::read_jwt(&self.layout.operator_jwt())
    }

    fn put_operator_jwt(&self, jwt: &str) -> Result<(), StoreError> {
        let path = self.layout.operator_jwt();
        accept::<crate::claims::Operator>(&path, jwt, None)?;
        file::write_atomic(&path, jwt.as_bytes())
    }

    fn account_names(&self) -> Result<Vec<String>, StoreError> {
        let names = file::list(&self.layout.accounts_dir(), true)?;
        Ok(names
            .into_iter()
            .filter(|name| self.layout.account_jwt(name).is_file())
            .collect())
    }

    fn account_jwt(&self, name: &str) -> Result<Option<String>, StoreError> {
        check_name(name)?;
        DirStore::read_jwt(&self.layout.account_jwt(name))
    }

    fn put_account_jwt(&self, name: &str, jwt: &str) -> Result<(), StoreError> {
        check_name(name)?;
        let path = self.layout.account_jwt(name);
        let _: AccountClaims = accept(&path, jwt, Some(name))?;
        file::write_atomic(&path, jwt.as_bytes())
    }

    fn delete_account(&self, name: &str) -> Result<(), StoreError> {
        check_name(name)?;
        file::remove_dir_all(&self.layout.account_dir(name))?;
        let creds = self
            .layout
            .creds_root()
            .join(&self.layout.operator)
            .join(name);
        file::remove_dir_all(&creds)
    }

    fn account_entry(&self, name: &str) -> Result<Option<AccountEntry>, StoreError> {
        Ok(self.account_jwt(name)?.map(|jwt| AccountEntry {
            jwt,
            revision: DIR_REVISION,
        }))
    }

    fn put_account_jwt_if(
        &self,
        name: &str,
        jwt: &str,
        revision: Option<u64>,
    ) -> Result<u64, StoreError> {
        // The lock makes this process the only writer: the check cannot race.
        let found = self.account_jwt(name)?.map(|_| DIR_REVISION);
        if found != revision {
            return Err(StoreError::Conflict {
                name: name.to_owned(),
                expected: revision,
                found,
            });
        }
        self.put_account_jwt(name, jwt)?;
        Ok(DIR_REVISION)
    }

    fn user_names(&self, account: &str) -> Result<Vec<String>, StoreError> {
        check_name(account)?;
        let names = file::list(&self.layout.users_dir(account), false)?;
        Ok(names
            .into_iter()
            .filter_map(|name| name.strip_suffix(".jwt").map(str::to_owned))
            .filter(|name| !name.is_empty())
            .collect())
    }

    fn user_jwt(&self, account: &str, user: &str) -> Result<Option<String>, StoreError> {
        check_name(account)?;
        check_name(user)?;
        DirStore::read_jwt(&self.layout.user_jwt(account, user))
    }

    fn put_user_jwt(&self, account: &str, user: &str, jwt: &str) -> Result<(), StoreError> {
        check_name(user)?;
        self.require_account(account)?;
        let path = self.layout.user_jwt(account, user);
        let _: UserClaims = accept(&path, jwt, Some(user))?;
        file::write_atomic(&path, jwt.as_bytes())
    }

    fn delete_user(&self, account: &str, user: &str) -> Result<(), StoreError> {
        check_name(account)?;
        check_name(user)?;
        file::remove_file(&self.layout.user_jwt(account, user))?;
        file::remove_file(&self.layout.creds(account, user))
    }

    fn key_public_keys(&self) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let root = self.layout.keys_root();
        for kind in file::list(&root, true)? {
            for shard in file::list(&root.join(&kind), true)? {
                for name in file::list(&root.join(&kind).join(&shard), false)? {
                    if let Some(key) = name.strip_suffix(".nk")
                        && check_public_key(key).is_ok()
                    {
                        keys.push(key.to_owned());
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    fn key(&self, public_key: &str) -> Result<Option<KeyPair>, StoreError> {
        check_public_key(public_key)?;
        let path = self.layout.key(public_key);
        let Some(seed) = seed::read_checked(&path, public_key)? else {
            return Ok(None);
        };
        KeyPair::from_seed(seed.expose())
            .map(Some)
            .map_err(|source| StoreError::Key { path, source })
    }

    fn put_key(&self, key: &KeyPair) -> Result<(), StoreError> {
        let public_key = key.public_key().as_str();
        check_public_key(public_key)?;
        let path = self.layout.key(public_key);
        self.make_key_store()?;
        let seed = key.seed();
        if file::write_new(&path, seed.expose().as_bytes())? {
            return Ok(());
        }
        // Already there: the same seed is fine, another one is never replaced.
        let stored = file::read_optional(&path)?.map(Zeroizing::new);
        let same = stored
            .as_deref()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .is_some_and(|text| text.trim() == seed.expose());
        if same {
            Ok(())
        } else {
            Err(StoreError::SeedMismatch { path })
        }
    }

    fn delete_key(&self, public_key: &str) -> Result<(), StoreError> {
        check_public_key(public_key)?;
        let path = self.layout.key(public_key);
        file::remove_file(&path)?;
        // As `nsc` does, drop the shard directory once empty; a failure (not empty) is
        // fine.
        if let Some(shard) = path.parent()
            && fs::remove_dir(shard).is_ok()
            && let Some(kind) = shard.parent()
        {
            file::sync_dir(kind)?;
        }
        Ok(())
    }

    fn tombstones(&self) -> Result<Vec<String>, StoreError> {
        let names = file::list(&self.layout.tombstones_dir(), false)?;
        Ok(names
            .into_iter()
            .filter(|name| check_public_key(name).is_ok())
            .collect())
    }

    fn put_tombstone(&self, public_key: &str) -> Result<(), StoreError> {
        check_public_key(public_key)?;
        file::write_new(&self.layout.tombstones_dir().join(public_key), b"")?;
        Ok(())
    }

    fn delete_tombstone(&self, public_key: &str) -> Result<(), StoreError> {
        check_public_key(public_key)?;
        file::remove_file(&self.layout.tombstones_dir().join(public_key))
    }

    fn creds(&self, account: &str, user: &str) -> Result<Option<Secret>, StoreError> {
        check_name(account)?;
        check_name(user)?;
        let path = self.layout.creds(account, user);
        let Some(bytes) = file::read_optional(&path)?.map(Zeroizing::new) else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| StoreError::corrupt(&path, "not UTF-8 text"))?;
        Ok(Some(Secret::new(text.to_owned())))
    }

    fn put_creds(&self, account: &str, user: &str, creds: &Secret) -> Result<(), StoreError> {
        check_name(account)?;
        check_name(user)?;
        self.make_key_store()?;
        file::write_atomic(&self.layout.creds(account, user), creds.expose().as_bytes())
    }
}

#[cfg(test)]
mod tests;

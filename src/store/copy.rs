//! [`copy`]: everything one store holds, into another (a directory store into a KV
//! store and back).

use super::{Store, StoreError};

/// How much [`copy`] copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// Seeds.
    pub keys: usize,
    /// Account JWTs.
    pub accounts: usize,
    /// User JWTs.
    pub users: usize,
    /// Users' creds.
    pub creds: usize,
    /// Tombstones of deleted accounts.
    pub tombstones: usize,
}

/// Copies everything `from` holds into `to`: every seed first (as every save does, so
/// that a copy cut short leaves no JWT whose keys `to` lacks), then the operator JWT,
/// each account JWT, its users' JWTs and creds, and the tombstones. JWTs and creds are
/// copied byte for byte; what `to` holds already is replaced, except a different seed
/// under the same public key ([`StoreError::SeedMismatch`]).
///
/// ```
/// use natsjwt::provision::{Provisioner, SigningKeyUsage};
/// use natsjwt::store::{copy, DirStore, Store, StorePaths};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("natsjwt-doc-copy-{}", std::process::id()));
/// let from = DirStore::create(&StorePaths::under(dir.join("a")), "demo")?;
/// Provisioner::bootstrap("demo", SigningKeyUsage::Required)?.save(&from)?;
/// let to = DirStore::create(&StorePaths::under(dir.join("b")), "demo")?;
///
/// let copied = copy(&from, &to)?;
/// assert_eq!((copied.accounts, copied.users, copied.keys), (1, 1, 5));
/// assert_eq!(to.account_jwt("SYS")?, from.account_jwt("SYS")?);
/// assert_eq!(to.creds("SYS", "sys")?.map(|c| c.expose().to_owned()),
///            from.creds("SYS", "sys")?.map(|c| c.expose().to_owned()));
/// # drop((from, to));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub fn copy(from: &dyn Store, to: &dyn Store) -> Result<Copied, StoreError> {
    let mut copied = Copied::default();
    for public_key in from.key_public_keys()? {
        if let Some(key) = from.key(&public_key)? {
            to.put_key(&key)?;
            copied.keys += 1;
        }
    }
    if let Some(jwt) = from.operator_jwt()? {
        to.put_operator_jwt(&jwt)?;
    }
    for account in from.account_names()? {
        let Some(jwt) = from.account_jwt(&account)? else {
            continue;
        };
        to.put_account_jwt(&account, &jwt)?;
        copied.accounts += 1;
        for user in from.user_names(&account)? {
            if let Some(jwt) = from.user_jwt(&account, &user)? {
                to.put_user_jwt(&account, &user, &jwt)?;
                copied.users += 1;
            }
            if let Some(creds) = from.creds(&account, &user)? {
                to.put_creds(&account, &user, &creds)?;
                copied.creds += 1;
            }
        }
    }
    for public_key in from.tombstones()? {
        to.put_tombstone(&public_key)?;
        copied.tombstones += 1;
    }
    Ok(copied)
}

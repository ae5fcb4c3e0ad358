//! [`StorePaths`] and where `nsc` puts each file under them.

use std::path::{Path, PathBuf};

use super::StoreError;

/// Where `nsc` keeps seeds and creds under the keys directory.
pub(crate) const KEYS_SUBDIR: &str = "keys";
/// Where `nsc` keeps creds under the keys directory.
pub(crate) const CREDS_SUBDIR: &str = "creds";
/// The accounts directory of an operator store.
pub(crate) const ACCOUNTS_SUBDIR: &str = "accounts";
/// The users directory of an account.
pub(crate) const USERS_SUBDIR: &str = "users";
/// The directory of tombstones in an operator's store (this crate's, not `nsc`'s).
pub(crate) const TOMBSTONES_SUBDIR: &str = "deleted";
/// The operator store's description.
pub(crate) const INFO_FILE: &str = ".nsc";
/// The lock file; a dot-name, which `nsc` never reads (it lists only `accounts/`).
pub(crate) const LOCK_FILE: &str = ".natsjwt.lock";
/// The keys directory's `.gitignore`, as `nsc` writes it (`AddGitIgnore`, with its
/// trailing space on the first line).
pub(crate) const GITIGNORE: &str =
    "# ignore all nk files \n**/*.nk\n\n# ignore all creds files\n**/*.creds\n";

/// The two directories of an `nsc` setup: `keys` holds seeds (`keys/`) and creds
/// (`creds/`), `stores` holds one directory of JWTs per operator.
///
/// ```
/// use natsjwt::store::StorePaths;
///
/// let paths = StorePaths::under("/var/lib/signup");
/// assert_eq!(paths.keys, std::path::Path::new("/var/lib/signup/keys"));
/// assert_eq!(paths.stores, std::path::Path::new("/var/lib/signup/stores"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePaths {
    /// The keys directory (`nsc`'s `$NKEYS_PATH`, `--keystore-dir`).
    pub keys: PathBuf,
    /// The stores directory (`nsc`'s `--data-dir`), one subdirectory per operator.
    pub stores: PathBuf,
}

impl StorePaths {
    /// The keys directory `keys` and the stores directory `stores`.
    pub fn new(keys: impl Into<PathBuf>, stores: impl Into<PathBuf>) -> StorePaths {
        StorePaths {
            keys: keys.into(),
            stores: stores.into(),
        }
    }

    /// `dir/keys` and `dir/stores`: both in one directory, as for a service's own state.
    pub fn under(dir: impl AsRef<Path>) -> StorePaths {
        let dir = dir.as_ref();
        StorePaths::new(dir.join("keys"), dir.join("stores"))
    }

    /// The directories `nsc` uses by default: the keys in `$NKEYS_PATH` when set, else
    /// `$XDG_DATA_HOME/nats/nsc/keys`; the stores in `$XDG_DATA_HOME/nats/nsc/stores`
    /// (`XDG_DATA_HOME` defaults to `~/.local/share`). As `nsc` does, the old directories
    /// `~/.nkeys` and `~/.nsc/nats` are used instead when they exist and the new ones
    /// do not. `nsc`'s own flags and its `nsc.json` are not read.
    ///
    /// ```no_run
    /// use natsjwt::store::StorePaths;
    ///
    /// let paths = StorePaths::nsc_default()?;
    /// println!("seeds in {}", paths.keys.display());
    /// # Ok::<(), natsjwt::store::StoreError>(())
    /// ```
    pub fn nsc_default() -> Result<StorePaths, StoreError> {
        nsc_default_with(
            |name| std::env::var_os(name).map(PathBuf::from),
            |path| path.exists(),
        )
    }
}

/// [`StorePaths::nsc_default`] with the environment (`env`) and the file system
/// (`exists`) given, so tests need not change the process's.
pub(crate) fn nsc_default_with(
    env: impl Fn(&str) -> Option<PathBuf>,
    exists: impl Fn(&Path) -> bool,
) -> Result<StorePaths, StoreError> {
    let set = |name: &str| env(name).filter(|value| !value.as_os_str().is_empty());
    let home = set("HOME");
    let data = match set("XDG_DATA_HOME") {
        Some(data) => data,
        None => home
            .as_ref()
            .ok_or(StoreError::NoDefault {
                why: "neither XDG_DATA_HOME nor HOME is set",
            })?
            .join(".local")
            .join("share"),
    };
    let nsc = data.join("nats").join("nsc");
    // home.NscDataHome: the old directory when only it exists.
    let pick = |new: PathBuf, old: Option<PathBuf>| match old {
        Some(old) if !exists(&new) && exists(&old) => old,
        _ => new,
    };
    let keys = match set("NKEYS_PATH") {
        Some(keys) => keys,
        None => pick(nsc.join("keys"), home.as_ref().map(|h| h.join(".nkeys"))),
    };
    let stores = pick(
        nsc.join("stores"),
        home.as_ref().map(|h| h.join(".nsc").join("nats")),
    );
    Ok(StorePaths { keys, stores })
}

/// Refuses a name that is not one plain path component the store can own: `nsc` only
/// trims spaces, but a name here becomes a file name.
pub(crate) fn check_name(name: &str) -> Result<(), StoreError> {
    let bad = |why| {
        Err(StoreError::BadName {
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.trim() != name {
        return bad("leading or trailing whitespace");
    }
    if name.starts_with('.') {
        // Covers `.` and `..`; dot-names are the store's own temporary files.
        return bad("starts with '.'");
    }
    if name.contains(['/', '\\']) {
        return bad("contains a path separator");
    }
    if name.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    Ok(())
}

/// Refuses a public key that cannot name a seed file: it must be an uppercase
/// alphanumeric string of at least three characters (the kind letter and the shard).
pub(crate) fn check_public_key(public_key: &str) -> Result<(), StoreError> {
    let bad = |why| {
        Err(StoreError::BadPublicKey {
            public_key: public_key.to_owned(),
            why,
        })
    };
    if public_key.len() < 3 {
        return bad("too short");
    }
    if !public_key
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return bad("not an nkey public key");
    }
    Ok(())
}

/// The paths of one operator's store.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) paths: StorePaths,
    pub(crate) operator: String,
}

impl Layout {
    pub(crate) fn new(paths: &StorePaths, operator: &str) -> Result<Layout, StoreError> {
        check_name(operator)?;
        Ok(Layout {
            paths: paths.clone(),
            operator: operator.to_owned(),
        })
    }

    /// `<stores>/<operator>`.
    pub(crate) fn operator_dir(&self) -> PathBuf {
        self.paths.stores.join(&self.operator)
    }

    pub(crate) fn info(&self) -> PathBuf {
        self.operator_dir().join(INFO_FILE)
    }

    pub(crate) fn lock(&self) -> PathBuf {
        self.operator_dir().join(LOCK_FILE)
    }

    /// `<stores>/<operator>/<operator>.jwt`.
    pub(crate) fn operator_jwt(&self) -> PathBuf {
        self.operator_dir().join(jwt_name(&self.operator))
    }

    pub(crate) fn accounts_dir(&self) -> PathBuf {
        self.operator_dir().join(ACCOUNTS_SUBDIR)
    }

    /// `<stores>/<operator>/accounts/<account>`; `account` must have passed [`check_name`].
    pub(crate) fn account_dir(&self, account: &str) -> PathBuf {
        self.accounts_dir().join(account)
    }

    /// `<stores>/<operator>/accounts/<account>/<account>.jwt`.
    pub(crate) fn account_jwt(&self, account: &str) -> PathBuf {
        self.account_dir(account).join(jwt_name(account))
    }

    pub(crate) fn users_dir(&self, account: &str) -> PathBuf {
        self.account_dir(account).join(USERS_SUBDIR)
    }

    /// `<stores>/<operator>/accounts/<account>/users/<user>.jwt`.
    pub(crate) fn user_jwt(&self, account: &str, user: &str) -> PathBuf {
        self.users_dir(account).join(jwt_name(user))
    }

    /// `<stores>/<operator>/deleted`: the tombstones of deleted accounts, one empty
    /// file per public key (not part of `nsc`'s layout, which `nsc` leaves alone).
    pub(crate) fn tombstones_dir(&self) -> PathBuf {
        self.operator_dir().join(TOMBSTONES_SUBDIR)
    }

    /// `<keys>/keys`.
    pub(crate) fn keys_root(&self) -> PathBuf {
        self.paths.keys.join(KEYS_SUBDIR)
    }

    /// `<keys>/creds`.
    pub(crate) fn creds_root(&self) -> PathBuf {
        self.paths.keys.join(CREDS_SUBDIR)
    }

    /// `<keys>/keys/<kind>/<shard>/<public key>.nk` (`nsc`'s `GetKeyPath`);
    /// `public_key` must have passed [`check_public_key`].
    pub(crate) fn key(&self, public_key: &str) -> PathBuf {
        let (kind, shard) = key_dirs(public_key);
        self.keys_root()
            .join(kind)
            .join(shard)
            .join(format!("{public_key}.nk"))
    }

    /// `<keys>/creds/<operator>/<account>/<user>.creds`.
    pub(crate) fn creds(&self, account: &str, user: &str) -> PathBuf {
        self.creds_root()
            .join(&self.operator)
            .join(account)
            .join(format!("{user}.creds"))
    }
}

fn jwt_name(name: &str) -> String {
    format!("{name}.jwt")
}

/// The kind letter and the two shard letters of a public key (`pubkey[0:1]`,
/// `pubkey[1:3]` in `nsc`).
fn key_dirs(public_key: &str) -> (String, String) {
    let mut chars = public_key.chars();
    let kind: String = chars.by_ref().take(1).collect();
    let shard: String = chars.take(2).collect();
    (kind, shard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn defaults(vars: &[(&str, &str)], existing: &[&str]) -> Result<StorePaths, StoreError> {
        let vars: HashMap<String, PathBuf> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), PathBuf::from(v)))
            .collect();
        let existing: Vec<PathBuf> = existing.iter().map(PathBuf::from).collect();
        nsc_default_with(
            |name| vars.get(name).cloned(),
            |p| existing.iter().any(|e| e == p),
        )
    }

    #[test]
    fn under_joins_keys_and_stores() {
        let paths = StorePaths::under("/x");
        assert_eq!(paths, StorePaths::new("/x/keys", "/x/stores"));
    }

    #[test]
    fn nsc_default_uses_home() {
        let paths = defaults(&[("HOME", "/h")], &[]).unwrap();
        assert_eq!(
            paths,
            (StorePaths::new(
                "/h/.local/share/nats/nsc/keys",
                "/h/.local/share/nats/nsc/stores"
            ))
        );
    }

    #[test]
    fn nsc_default_uses_xdg_and_nkeys_path() {
        let paths = defaults(
            &[
                ("HOME", "/h"),
                ("XDG_DATA_HOME", "/d"),
                ("NKEYS_PATH", "/k"),
            ],
            &[],
        )
        .map_err(|e| e.to_string());
        assert_eq!(paths, Ok(StorePaths::new("/k", "/d/nats/nsc/stores")));
    }

    #[test]
    fn nsc_default_ignores_empty_variables() {
        let paths = defaults(
            &[("HOME", "/h"), ("XDG_DATA_HOME", ""), ("NKEYS_PATH", "")],
            &[],
        )
        .map_err(|e| e.to_string());
        assert_eq!(
            paths,
            Ok(StorePaths::new(
                "/h/.local/share/nats/nsc/keys",
                "/h/.local/share/nats/nsc/stores"
            ))
        );
    }

    #[test]
    fn nsc_default_falls_back_to_old_dirs_only_when_new_are_missing() {
        let old =
            defaults(&[("HOME", "/h")], &["/h/.nkeys", "/h/.nsc/nats"]).map_err(|e| e.to_string());
        assert_eq!(old, Ok(StorePaths::new("/h/.nkeys", "/h/.nsc/nats")));
        let new = defaults(
            &[("HOME", "/h")],
            &[
                "/h/.nkeys",
                "/h/.nsc/nats",
                "/h/.local/share/nats/nsc/keys",
                "/h/.local/share/nats/nsc/stores",
            ],
        )
        .map_err(|e| e.to_string());
        assert_eq!(
            new,
            Ok(StorePaths::new(
                "/h/.local/share/nats/nsc/keys",
                "/h/.local/share/nats/nsc/stores"
            ))
        );
    }

    #[test]
    fn nsc_default_without_home_or_xdg_fails() {
        assert!(matches!(
            defaults(&[], &[]),
            Err(StoreError::NoDefault { .. })
        ));
        let only_xdg = defaults(&[("XDG_DATA_HOME", "/d")], &[]).map_err(|e| e.to_string());
        assert_eq!(
            only_xdg,
            Ok(StorePaths::new("/d/nats/nsc/keys", "/d/nats/nsc/stores"))
        );
    }

    #[test]
    fn names_must_be_one_plain_component() {
        for good in ["acme", "SYS", "a b", "tenant-1_x", "ünï"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "", ".", "..", ".hidden", "a/b", "a\\b", " a", "a ", "a\0b", "a\nb", "/",
        ] {
            assert!(
                matches!(check_name(bad), Err(StoreError::BadName { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn public_keys_must_be_nkey_text() {
        assert!(check_public_key("ABCDEF").is_ok());
        for bad in ["", "AB", "A/B", "abc", "A..", "A B"] {
            assert!(check_public_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_are_nsc_paths() {
        let layout = Layout::new(&StorePaths::under("/x"), "demo").unwrap();
        assert_eq!(layout.operator_jwt(), Path::new("/x/stores/demo/demo.jwt"));
        assert_eq!(layout.info(), Path::new("/x/stores/demo/.nsc"));
        assert_eq!(
            layout.account_jwt("acme"),
            Path::new("/x/stores/demo/accounts/acme/acme.jwt")
        );
        assert_eq!(
            layout.user_jwt("acme", "alice"),
            Path::new("/x/stores/demo/accounts/acme/users/alice.jwt")
        );
        assert_eq!(
            layout.key("ABCDEF"),
            Path::new("/x/keys/keys/A/BC/ABCDEF.nk")
        );
        assert_eq!(
            layout.creds("acme", "alice"),
            Path::new("/x/keys/creds/demo/acme/alice.creds")
        );
    }
}

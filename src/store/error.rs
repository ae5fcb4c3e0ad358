//! [`StoreError`]: why a store cannot be opened, read or written; [`StoreProblem`]: one
//! thing wrong in a store's contents.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong in a store: the file or directory, and what is wrong with it.
///
/// ```
/// use natsjwt::store::StoreProblem;
///
/// let problem = StoreProblem {
///     path: "stores/demo/demo.jwt".into(),
///     problem: "missing".into(),
/// };
/// assert_eq!(problem.to_string(), "stores/demo/demo.jwt: missing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreProblem {
    /// The file or directory.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

impl StoreProblem {
    pub(crate) fn new(path: impl Into<PathBuf>, problem: impl Into<String>) -> StoreProblem {
        StoreProblem {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for StoreProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

/// Why a store cannot be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing a file or directory failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Another process (or another `DirStore` in this one) has the store open.
    #[error("{}: another process has the store open", .path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// There is no store there.
    #[error("{}: no store there", .path.display())]
    NotFound {
        /// Where the store was looked for.
        path: PathBuf,
    },
    /// A store is there already.
    #[error("{}: a store is there already", .path.display())]
    Exists {
        /// The store's directory.
        path: PathBuf,
    },
    /// The store's contents are not consistent.
    #[error("the store is invalid: {}", describe(.0))]
    Invalid(Vec<StoreProblem>),
    /// A different seed is stored under the key's public key.
    #[error("{}: a different seed is stored for this public key", .path.display())]
    SeedMismatch {
        /// The seed file.
        path: PathBuf,
    },
    /// A name is not usable as a file name in the store.
    #[error("name {name:?}: {why}")]
    BadName {
        /// The name.
        name: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// A public key is not one the store can file a seed under.
    #[error("public key {public_key:?}: {why}")]
    BadPublicKey {
        /// The public key.
        public_key: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// A file does not hold what it should.
    #[error("{}: {why}", .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// A token given to store is not one that may be stored there.
    #[error("{}: refused: {why}", .path.display())]
    BadJwt {
        /// Where it was to be stored.
        path: PathBuf,
        /// Why it is refused.
        why: String,
    },
    /// A seed file holds a seed that is not a signing key pair's (a curve key's).
    #[error("{}: {source}", .path.display())]
    Key {
        /// The seed file.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::keys::KeyError,
    },
    /// A user was stored for an account that is not stored.
    #[error("account {name:?} is not stored")]
    UnknownAccount {
        /// The account's name.
        name: String,
    },
    /// A compare-and-set found the account at another revision than the one it was read
    /// at: another writer changed it in between. Read it again and re-apply the change.
    #[error("account {name:?} changed meanwhile: expected {}, found {}", revision_text(*.expected), revision_text(*.found))]
    Conflict {
        /// The account's name.
        name: String,
        /// The revision the writer read (`None`: it read no account).
        expected: Option<u64>,
        /// The revision the store holds (`None`: it holds no account).
        found: Option<u64>,
    },
    /// A request to a JetStream KV bucket failed, or took too long (feature `kv-store`).
    #[error("kv://{bucket}/{key}: {source}")]
    Kv {
        /// The bucket.
        bucket: String,
        /// The key the request was about (empty: the bucket itself).
        key: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A sealed value in a KV bucket does not open with the store's key: it was sealed
    /// to another key, or altered.
    #[error("kv://{bucket}/{key}: cannot open the sealed value: {source}")]
    Sealed {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// Why.
        #[source]
        source: crate::keys::KeyError,
    },
    /// The bucket's seeds are sealed to another key than the one the store was opened
    /// with.
    #[error("kv://{bucket}: its seeds are sealed to {sealed_to}, not to the key given")]
    WrongSealKey {
        /// The bucket.
        bucket: String,
        /// The public curve key the bucket's seeds are sealed to.
        sealed_to: String,
    },
    /// The default directories cannot be found (no home directory).
    #[error("cannot find the default store directories: {why}")]
    NoDefault {
        /// Why.
        why: &'static str,
    },
}

fn revision_text(revision: Option<u64>) -> String {
    match revision {
        Some(revision) => format!("revision {revision}"),
        None => "no account".to_owned(),
    }
}

fn describe(problems: &[StoreProblem]) -> String {
    let parts: Vec<String> = problems.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    #[cfg(feature = "kv-store")]
    pub(crate) fn kv(
        bucket: &str,
        key: &str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> StoreError {
        StoreError::Kv {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            source: source.into(),
        }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, why: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: path.into(),
            why: why.into(),
        }
    }
}

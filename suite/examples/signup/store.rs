//! Choosing and opening the store: `--store` and `<dir>/store`, the KV store's set-up and
//! its pending directory, and the secret files in `<dir>`.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use crate::common::{Failure, bad};
use crate::{OPERATOR, store_failure};
use natsjwt::store::{DirStore, KvStore, Store, StoreError, StorePaths, copy};
use natsjwt::{Secret, XKey};

/// The files of a KV store's set-up in `<dir>`.
pub(crate) const STORE_FILE: &str = "store";
pub(crate) const SERVICE_CREDS: &str = "service.creds";
pub(crate) const SEAL_KEY: &str = "seal.xk";
/// Where `init` keeps a KV store's state until the first step creates the bucket.
pub(crate) const PENDING: &str = "pending";
/// How long the first step after a KV `init` tries to create the bucket (the servers may
/// still be enabling JetStream or electing a leader), or waits for another step that is
/// creating it.
const BUCKET_PATIENCE: Duration = Duration::from_secs(30);

/// Where the state lives: `--store`, and `<dir>/store`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoreKind {
    /// `dir`: the directory store in `<dir>` (nsc's layout).
    Dir,
    /// `kv://<bucket>`: a JetStream KV bucket.
    Kv(String),
}

impl StoreKind {
    pub(crate) fn parse(text: &str) -> Result<StoreKind, Failure> {
        if text == "dir" {
            return Ok(StoreKind::Dir);
        }
        // A KV bucket's name: letters, digits, `-` and `_`.
        match text.strip_prefix("kv://") {
            Some(bucket)
                if !bucket.is_empty()
                    && bucket
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(StoreKind::Kv(bucket.to_owned()))
            }
            _ => Err(Failure::usage(format!(
                "--store {text:?} is neither dir nor kv://<bucket> (a bucket name of letters, digits, - and _)"
            ))),
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreKind::Dir => f.write_str("dir"),
            StoreKind::Kv(bucket) => write!(f, "kv://{bucket}"),
        }
    }
}

/// A KV store's set-up, as `init` wrote it in `<dir>/store`: `kv://<bucket> replicas=<n>`.
pub(crate) struct KvSetup {
    pub(crate) bucket: String,
    pub(crate) replicas: usize,
}

impl KvSetup {
    pub(crate) fn text(&self) -> String {
        format!("kv://{} replicas={}\n", self.bucket, self.replicas)
    }

    /// What `<dir>/store` says; `None` without the file (a directory store).
    pub(crate) fn read(dir: &Path) -> Result<Option<KvSetup>, Failure> {
        let path = dir.join(STORE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Failure::no_input(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        };
        let corrupt = || {
            Failure::data(format!(
                "{} is not `kv://<bucket> replicas=<n>`",
                path.display()
            ))
        };
        let mut words = text.split_whitespace();
        let bucket = match words.next().map(StoreKind::parse) {
            Some(Ok(StoreKind::Kv(bucket))) => bucket,
            _ => return Err(corrupt()),
        };
        let replicas = words
            .next()
            .and_then(|word| word.strip_prefix("replicas="))
            .and_then(|n| n.parse().ok())
            .ok_or_else(corrupt)?;
        if words.next().is_some() {
            return Err(corrupt());
        }
        Ok(Some(KvSetup { bucket, replicas }))
    }
}

/// Refuses a `--store` other than the store `<dir>` holds (none given: that one).
pub(crate) fn check_store_choice(
    dir: &Path,
    given: Option<&StoreKind>,
    recorded: Option<&KvSetup>,
) -> Result<(), Failure> {
    let holds = match recorded {
        Some(setup) => StoreKind::Kv(setup.bucket.clone()),
        None => StoreKind::Dir,
    };
    match given {
        Some(given) if *given != holds => {
            if recorded.is_none() && !dir.join("stores").exists() {
                return Err(Failure::no_input(format!(
                    "{} holds no store (run `signup init {} --store {given}` first)",
                    dir.display(),
                    dir.display()
                )));
            }
            let source = match recorded {
                Some(_) => format!("{}", dir.join(STORE_FILE).display()),
                None => format!("no {}", dir.join(STORE_FILE).display()),
            };
            Err(Failure::usage(format!(
                "--store {given}, but {} holds the store {holds} ({source})",
                dir.display()
            )))
        }
        _ => Ok(()),
    }
}

/// Writes a secret file, mode 0600 (its directories 0700), replacing it whole: a crash
/// leaves the old file or the new one, never a part.
pub(crate) fn write_secret(path: &Path, text: &str) -> Result<(), Failure> {
    let cannot =
        |e: std::io::Error| Failure::cant_create(format!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(cannot)?;
    }
    let temp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(cannot(e));
    }
    Ok(())
}

/// Creates the directory `path` (its parent exists), mode 0700: it is to hold seeds.
pub(crate) fn create_private_dir(path: &Path) -> Result<PathBuf, Failure> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(path)
        .map_err(|e| Failure::cant_create(format!("cannot create {}: {e}", path.display())))?;
    Ok(path.to_path_buf())
}

type Connecting = Pin<Box<dyn Future<Output = Result<async_nats::Client, std::io::Error>> + Send>>;

/// How a KV store connects to `urls`: as the service user of `creds`.
fn kv_connect(urls: &[String], creds: &Secret) -> impl FnOnce() -> Connecting + Send + 'static {
    let (urls, creds) = (urls.to_vec(), creds.clone());
    move || {
        Box::pin(async move {
            async_nats::ConnectOptions::with_credentials(creds.expose())?
                .connect(urls)
                .await
                .map_err(std::io::Error::other)
        })
    }
}

/// The store a step works on: both kinds take every code path but `watch`'s and where
/// `user` leaves the creds file.
pub(crate) enum Backend {
    /// One process at a time (it holds a lock), in nsc's layout.
    Dir(DirStore),
    /// Shared by every process: no lock, compare-and-set on each account.
    Kv(KvStore),
}

impl std::ops::Deref for Backend {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        match self {
            Backend::Dir(store) => store,
            Backend::Kv(store) => store,
        }
    }
}

/// A secret file of a KV store's set-up in `<dir>`.
fn read_secret_file(dir: &Path, name: &str) -> Result<Secret, Failure> {
    let path = dir.join(name);
    std::fs::read_to_string(&path)
        .map(Secret::new)
        .map_err(|e| Failure::no_input(format!("cannot read {}: {e}", path.display())))
}

/// Opens the KV store `init` set up in `<dir>`; the first step after `init` creates the
/// bucket and moves the pending store into it ([`migrate`]).
pub(crate) async fn open_kv(
    dir: &Path,
    urls: &[String],
    setup: &KvSetup,
) -> Result<KvStore, Failure> {
    let creds = read_secret_file(dir, SERVICE_CREDS)?;
    let sealer = XKey::from_seed(read_secret_file(dir, SEAL_KEY)?.expose())
        .map_err(bad(&dir.join(SEAL_KEY).display().to_string()))?;
    if let Some(store) = migrate(dir, urls, &creds, setup, &sealer).await? {
        return Ok(store);
    }
    KvStore::open(kv_connect(urls, &creds), &setup.bucket, sealer).map_err(store_failure)
}

/// While `<dir>/pending` exists: takes it (steps at the same time wait for the one that
/// holds it), creates the bucket (or opens it: a step cut short made it), copies the
/// pending store into it (again after a step cut short: the copy is idempotent) and
/// removes the pending store. `None` when nothing is pending (any more).
async fn migrate(
    dir: &Path,
    urls: &[String],
    creds: &Secret,
    setup: &KvSetup,
    sealer: &XKey,
) -> Result<Option<KvStore>, Failure> {
    remove_removed_pending(dir);
    let pending = dir.join(PENDING);
    // The step that holds it may be waiting out its whole patience for the servers.
    let wait_until = Instant::now() + 2 * BUCKET_PATIENCE;
    let from = loop {
        if !pending.exists() {
            return Ok(None);
        }
        match DirStore::open(&StorePaths::under(&pending), OPERATOR) {
            Ok(from) => break from,
            Err(StoreError::Locked { .. }) if Instant::now() < wait_until => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // Moved away by the step that finished while this one looked.
            Err(_) if !pending.exists() => return Ok(None),
            Err(e) => return Err(store_failure(e)),
        }
    };
    let deadline = Instant::now() + BUCKET_PATIENCE;
    let to = loop {
        let created = KvStore::create(
            kv_connect(urls, creds),
            &setup.bucket,
            setup.replicas,
            OPERATOR,
            sealer.clone(),
        );
        match created {
            Ok(to) => break to,
            Err(StoreError::Exists { .. }) => {
                break KvStore::open(kv_connect(urls, creds), &setup.bucket, sealer.clone())
                    .map_err(store_failure)?;
            }
            // JetStream may not be enabled for the preloaded service account yet.
            Err(StoreError::Kv { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(store_failure(e)),
        }
    };
    let copied = copy(&from, &to).map_err(store_failure)?;
    // Renamed first, in one step, so that no other step opens it half removed.
    let removed = dir.join(format!("{REMOVED_PENDING}{}", std::process::id()));
    std::fs::rename(&pending, &removed)
        .and_then(|()| std::fs::remove_dir_all(&removed))
        .map_err(|e| Failure::cant_create(format!("cannot remove {}: {e}", pending.display())))?;
    drop(from);
    println!(
        "created kv://{} (replicas: {}) from {}: {} accounts, {} seeds",
        setup.bucket,
        setup.replicas,
        pending.display(),
        copied.accounts,
        copied.keys
    );
    Ok(Some(to))
}

/// The prefix of a pending store moved away to be removed.
const REMOVED_PENDING: &str = ".pending-removed-";

/// Removes what a step cut short while removing the pending store left (its seeds must
/// not stay in `<dir>`). Another step may be removing the same: its errors are no matter.
fn remove_removed_pending(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(REMOVED_PENDING)
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

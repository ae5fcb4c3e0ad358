//! Durable file operations: atomic replacement, private modes, directories synced.
//!
//! A write goes to a dot-named temporary file in the target's directory, is synced,
//! renamed over the target, and the directory is synced: a crash leaves the old file or
//! the new one, and at worst a temporary file that [`remove_leftovers`] deletes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::StoreError;

/// The prefix of every temporary name; names the store owns never start with `.`.
const TEMP_MARK: &str = ".tmp-";

/// Makes each temporary name in this process unique.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary name in `dir` for `target_name`: `.<name>.tmp-<pid>-<n>`.
fn temp_path(dir: &Path, target_name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(
        ".{target_name}{TEMP_MARK}{}-{n}",
        std::process::id()
    ))
}

/// Whether `name` is one of the temporary names this module makes.
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_MARK)
}

/// The directory and file name of `path`.
fn split(path: &Path) -> Result<(&Path, String), StoreError> {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => Ok((dir, name.to_string_lossy().into_owned())),
        _ => Err(StoreError::corrupt(path, "not a file path")),
    }
}

/// Creates `dir` and its missing parents with mode 0700, syncing the parent of each
/// directory made so the new entry survives a crash.
pub(crate) fn create_dir_all(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
    {
        create_dir_all(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Ok(()) => {}
        // Another writer made it between the check and here: fine.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => return Err(StoreError::io(dir, e)),
    }
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Syncs a directory's entries to disk (a no-op where directories cannot be opened).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Opens a new file for writing, mode 0600, failing if it exists.
fn create_new_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Replaces `path` with `data` atomically and durably, mode 0600; creates the missing
/// directories (0700).
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    let (dir, name) = split(path)?;
    create_dir_all(dir)?;
    let temp = temp_path(dir, &name);
    let written = create_new_private(&temp)
        .and_then(|mut file| {
            file.write_all(data)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = written {
        // Best effort: a leftover is removed at the next open anyway.
        let _ = fs::remove_file(&temp);
        return Err(StoreError::io(path, e));
    }
    sync_dir(dir)
}

/// Writes `data` to `path` durably, mode 0600, only when `path` does not exist; returns
/// whether it wrote. The caller holds the store's lock, so no one else writes between
/// the check and the rename.
pub(crate) fn write_new(path: &Path, data: &[u8]) -> Result<bool, StoreError> {
    if path.symlink_metadata().is_ok() {
        return Ok(false);
    }
    write_atomic(path, data)?;
    Ok(true)
}

/// The bytes of `path`, or `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// The text of `path`, or `None` when it does not exist; text that is not UTF-8 is
/// corrupt.
pub(crate) fn read_text(path: &Path) -> Result<Option<String>, StoreError> {
    match read_optional(path)? {
        None => Ok(None),
        Some(data) => String::from_utf8(data)
            .map(Some)
            .map_err(|_| StoreError::corrupt(path, "not UTF-8 text")),
    }
}

/// Removes the file `path` durably; a missing file is not an error.
pub(crate) fn remove_file(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path, e)),
    }
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// Removes the directory `dir` and everything in it, durably: it is first renamed to a
/// temporary name (one atomic step that makes it disappear), then deleted. A missing
/// directory is not an error.
pub(crate) fn remove_dir_all(dir: &Path) -> Result<(), StoreError> {
    let (parent, name) = split(dir)?;
    let temp = temp_path(parent, &name);
    match fs::rename(dir, &temp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(dir, e)),
    }
    sync_dir(parent)?;
    fs::remove_dir_all(&temp).map_err(|e| StoreError::io(&temp, e))?;
    sync_dir(parent)
}

/// The names of the entries of `dir` that are not dot-names, sorted; a missing
/// directory has none.
pub(crate) fn list(dir: &Path, want_dirs: bool) -> Result<Vec<String>, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue; // not a name the store writes
        };
        if name.starts_with('.') {
            continue;
        }
        let is_dir = entry.path().is_dir();
        if is_dir == want_dirs {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// How old a temporary file in a shared directory must be before it is taken for a
/// crashed writer's: a write takes milliseconds.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(600);

/// Deletes the temporary files and directories a crashed writer left anywhere under
/// `root`: all of them (`older_than` `None`) when the caller holds the lock that every
/// writer there holds, else those not modified for `older_than`.
pub(crate) fn remove_leftovers(
    root: &Path,
    older_than: Option<Duration>,
) -> Result<(), StoreError> {
    let entries = match fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(root, e)),
    };
    let mut removed = false;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(root, e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| StoreError::io(&path, e))?;
        let temp = entry.file_name().to_str().is_some_and(is_temp_name);
        if temp && is_stale(&entry, older_than) {
            let result = if file_type.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            result.map_err(|e| StoreError::io(&path, e))?;
            removed = true;
        } else if file_type.is_dir() && !temp {
            remove_leftovers(&path, older_than)?;
        }
    }
    if removed {
        sync_dir(root)?;
    }
    Ok(())
}

/// Whether `entry` has not been modified for `older_than` (always, for `None`). An
/// entry whose time cannot be read is left alone.
fn is_stale(entry: &fs::DirEntry, older_than: Option<Duration>) -> bool {
    let Some(age) = older_than else {
        return true;
    };
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|elapsed| elapsed >= age)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh directory under the target directory, removed on drop.
    pub(crate) struct Scratch(pub(crate) PathBuf);

    impl Scratch {
        pub(crate) fn new(label: &str) -> Scratch {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("natsjwt-store-{label}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// The names in `dir`, sorted.
    pub(crate) fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temp_file() {
        let scratch = Scratch::new("atomic");
        let path = scratch.0.join("a").join("b").join("x.jwt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(names(path.parent().unwrap()), ["x.jwt"]);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_0600_and_dirs_0700() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = Scratch::new("modes");
        let path = scratch.0.join("d").join("e").join("f");
        write_atomic(&path, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&scratch.0.join("d")), 0o700);
        assert_eq!(mode(&scratch.0.join("d").join("e")), 0o700);
    }

    #[test]
    fn write_new_does_not_replace() {
        let scratch = Scratch::new("new");
        let path = scratch.0.join("k.nk");
        assert!(write_new(&path, b"one").unwrap());
        assert!(!write_new(&path, b"two").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"one");
    }

    #[test]
    fn read_optional_of_missing_is_none() {
        let scratch = Scratch::new("read");
        assert!(read_optional(&scratch.0.join("nope")).unwrap().is_none());
        assert!(read_text(&scratch.0.join("nope")).unwrap().is_none());
        fs::write(scratch.0.join("bin"), [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_text(&scratch.0.join("bin")),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn remove_dir_all_removes_and_tolerates_missing() {
        let scratch = Scratch::new("rmdir");
        let dir = scratch.0.join("acct");
        write_atomic(&dir.join("users").join("u.jwt"), b"x").unwrap();
        remove_dir_all(&dir).unwrap();
        assert!(names(&scratch.0).is_empty());
        remove_dir_all(&dir).unwrap();
        remove_file(&scratch.0.join("missing")).unwrap();
    }

    #[test]
    fn list_ignores_dot_names_and_sorts() {
        let scratch = Scratch::new("list");
        for d in ["b", "a", ".a.tmp-1-2"] {
            fs::create_dir(scratch.0.join(d)).unwrap();
        }
        fs::write(scratch.0.join("f"), b"").unwrap();
        fs::write(scratch.0.join(".hidden"), b"").unwrap();
        assert_eq!(list(&scratch.0, true).unwrap(), ["a", "b"]);
        assert_eq!(list(&scratch.0, false).unwrap(), ["f"]);
        assert!(list(&scratch.0.join("missing"), true).unwrap().is_empty());
    }

    #[test]
    fn remove_leftovers_deletes_only_temp_names() {
        let scratch = Scratch::new("leftovers");
        let sub = scratch.0.join("accounts").join("a");
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(".a.jwt.tmp-7-1"), b"half").unwrap();
        fs::write(sub.join("a.jwt"), b"whole").unwrap();
        fs::create_dir_all(
            scratch
                .0
                .join("accounts")
                .join(".gone.tmp-7-2")
                .join("users"),
        )
        .unwrap();
        fs::write(scratch.0.join(".nsc"), b"{}").unwrap();
        remove_leftovers(&scratch.0, None).unwrap();
        assert_eq!(names(&sub), ["a.jwt"]);
        assert_eq!(names(&scratch.0.join("accounts")), ["a"]);
        assert_eq!(names(&scratch.0), [".nsc", "accounts"]);
    }

    #[test]
    fn remove_leftovers_in_a_shared_dir_spares_fresh_ones() {
        let scratch = Scratch::new("stale");
        let temp = scratch.0.join("A").join(".AB.nk.tmp-7-1");
        fs::create_dir_all(temp.parent().unwrap()).unwrap();
        fs::write(&temp, b"x").unwrap();
        remove_leftovers(&scratch.0, Some(STALE_AFTER)).unwrap();
        assert!(
            temp.exists(),
            "a fresh temporary file may be a running write's"
        );
        remove_leftovers(&scratch.0, Some(Duration::ZERO)).unwrap();
        assert!(!temp.exists());
    }

    #[test]
    fn temp_names_are_recognised() {
        let temp = temp_path(Path::new("/d"), "x.jwt");
        let name = temp.file_name().unwrap().to_str().unwrap();
        assert!(is_temp_name(name), "{name}");
        assert!(!is_temp_name(".nsc"));
        assert!(!is_temp_name("x.tmp-1"));
    }
}

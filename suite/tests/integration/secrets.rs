//! Secret hygiene: seeds live in zeroizing storage, `Debug` redacts them, no error or
//! validation message repeats them, and files holding them are created 0600 and never
//! overwritten.
// The trait probes below need `(&Probe)` even where the trait is implemented.
#![allow(clippy::needless_borrow)]

use crate::common::nats_server::example_binary;
use crate::common::tokens::{holds_seed, pair, signed};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use natsjwt::clock::FixedClock;
use natsjwt::creds::{self, CredsError};
use natsjwt::{
    AccountClaims, ClaimsError, ExternalSigner, KeyError, KeyKind, KeyPair, PublicKey, Secret,
    UserClaims, XKey,
};

/// The 56 characters after the `S` prefix letter pair: what must never be shown.
fn seed_body(seed: &str) -> &str {
    &seed[2..]
}

/// Fails when `message` contains the seed or any 16-character piece of it.
fn assert_not_leaked(seed: &str, message: &str, context: &str) {
    let body = seed_body(seed);
    for start in 0..=body.len() - 16 {
        let piece = &body[start..start + 16];
        assert!(
            !message.contains(piece),
            "{context}: message contains part of the seed ({piece}): {message}"
        );
    }
}

fn assert_error_clean(
    seed: &str,
    error: &(impl std::fmt::Display + std::fmt::Debug),
    context: &str,
) {
    assert_not_leaked(seed, &error.to_string(), context);
    assert_not_leaked(seed, &format!("{error:?}"), context);
}

// ---------------------------------------------------------------------------------------
// Compile-time shape of secrets, checked at run time with autoref specialisation: the
// inherent-looking method on `&Probe<T>` only applies when `T` has the trait.

struct Probe<T>(PhantomData<T>);

trait HasDisplay {
    fn has_display(&self) -> bool {
        true
    }
}
impl<T: std::fmt::Display> HasDisplay for Probe<T> {}
trait LacksDisplay {
    fn has_display(&self) -> bool {
        false
    }
}
impl<T> LacksDisplay for &Probe<T> {}

trait HasZeroize {
    fn zeroizes_on_drop(&self) -> bool {
        true
    }
}
impl<T: zeroize::ZeroizeOnDrop> HasZeroize for Probe<T> {}
trait LacksZeroize {
    fn zeroizes_on_drop(&self) -> bool {
        false
    }
}
impl<T> LacksZeroize for &Probe<T> {}

#[test]
fn the_probes_can_tell_both_ways() {
    assert!((&Probe::<String>(PhantomData)).has_display());
    assert!(!(&Probe::<Vec<u8>>(PhantomData)).has_display());
    assert!((&Probe::<zeroize::Zeroizing<String>>(PhantomData)).zeroizes_on_drop());
    assert!(!(&Probe::<String>(PhantomData)).zeroizes_on_drop());
}

#[test]
fn secret_has_no_display_and_a_redacted_debug() {
    assert!(!(&Probe::<Secret>(PhantomData)).has_display());
    let user = pair(KeyKind::User, 7);
    let seed = user.seed();
    assert_eq!(format!("{seed:?}"), "Secret(<redacted>)");
    assert_eq!(format!("{seed:#?}"), "Secret(<redacted>)");
    let creds_text = creds::decorate_seed(seed.expose()).unwrap();
    assert_eq!(format!("{creds_text:?}"), "Secret(<redacted>)");
    // Inside other values' Debug too.
    let wrapped = (Some(seed.clone()), vec![creds_text]);
    assert_not_leaked(seed.expose(), &format!("{wrapped:?}"), "nested Debug");
}

#[test]
fn key_pairs_show_only_their_public_key() {
    assert!(!(&Probe::<KeyPair>(PhantomData)).has_display());
    for kind in KeyKind::ALL.into_iter().filter(|&k| k != KeyKind::Curve) {
        let key = pair(kind, 9);
        let seed = key.seed();
        let shown = format!("{key:?} {key:#?}");
        assert!(shown.contains(key.public_key().as_str()), "{shown}");
        assert_not_leaked(seed.expose(), &shown, "KeyPair Debug");
        let signer =
            ExternalSigner::new(key.public_key().as_str(), |_: &str, _: &[u8]| Ok(vec![])).unwrap();
        assert_not_leaked(
            seed.expose(),
            &format!("{signer:?}"),
            "ExternalSigner Debug",
        );
    }
}

#[test]
fn seed_bytes_are_returned_in_zeroizing_storage() {
    // No public API hands out the raw seed bytes any more: a seed's text goes back into a
    // key (wiped on drop, see `seeds_are_wiped_from_memory_when_dropped`) that holds the
    // same 32 bytes, i.e. writes the same seed.
    let seed = pair(KeyKind::Account, 3).seed();
    let again = KeyPair::from_seed(seed.expose()).unwrap();
    assert_eq!(again.kind(), KeyKind::Account);
    assert_eq!(again.seed(), seed);
    // Every API returning seed text returns a `Secret`.
    let _: fn(&KeyPair) -> Secret = KeyPair::seed;
    let _: fn(&XKey) -> Secret = XKey::seed;
    let _: fn(&str) -> Result<Secret, CredsError> = creds::decorate_seed;
    let _: fn(&str, &str) -> Result<Secret, CredsError> = creds::format_user_creds;
}

#[test]
fn secret_and_key_pair_declare_zeroize_on_drop() {
    assert!((&Probe::<Secret>(PhantomData)).zeroizes_on_drop());
    assert!((&Probe::<KeyPair>(PhantomData)).zeroizes_on_drop());
}

// ---------------------------------------------------------------------------------------
// Wiping, observed: a child process (this test binary, running `seed_memory_child`) makes a
// key from random bytes, uses its seed (text, creds, decorated seed, parsed back) and drops
// everything; the parent then reads the child's writable memory (heap, anonymous maps,
// stacks) through /proc/<pid>/mem and looks for the seed text. Two controls show that the
// search can fail: a live `String` copy of the seed is found, and so is a plain copy that
// was dropped without wiping (freed memory keeps what was written to it).

/// The child's environment: hex of the 32 seed bytes (never the seed text) and the mode.
const CHILD_SEED_HEX: &str = "NATSJWT_SECRETS_CHILD_SEED_HEX";
const CHILD_MODE: &str = "NATSJWT_SECRETS_CHILD_MODE";
const CHILD_READY: &str = "NATSJWT-SECRETS-CHILD-READY";

/// What the child does besides using and dropping the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ChildMode {
    /// Nothing: only the library held the seed.
    Wiped,
    /// Control: keeps a plain `String` copy of the seed alive.
    KeepsCopy,
    /// Control: made a plain copy of the seed and dropped it without wiping.
    DroppedCopy,
}

impl ChildMode {
    fn name(self) -> &'static str {
        match self {
            ChildMode::Wiped => "wiped",
            ChildMode::KeepsCopy => "keeps-copy",
            ChildMode::DroppedCopy => "dropped-copy",
        }
    }
}

/// The child side: run only by `seeds_are_wiped_from_memory_when_dropped`.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "child process of seeds_are_wiped_from_memory_when_dropped, which runs it with its seed bytes"]
fn seed_memory_child() {
    use std::io::{BufRead as _, Write as _};
    let (Ok(hex), Ok(mode)) = (std::env::var(CHILD_SEED_HEX), std::env::var(CHILD_MODE)) else {
        eprintln!(
            "seed_memory_child: nothing to do unless started by seeds_are_wiped_from_memory_when_dropped"
        );
        return;
    };
    let mode = [
        ChildMode::Wiped,
        ChildMode::KeepsCopy,
        ChildMode::DroppedCopy,
    ]
    .into_iter()
    .find(|m| m.name() == mode)
    .unwrap();
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    let mut kept = None;
    {
        let user = KeyPair::from_raw_seed(KeyKind::User, &bytes).unwrap();
        zeroize::Zeroize::zeroize(&mut bytes);
        let account = pair(KeyKind::Account, 21);
        let jwt = UserClaims::new(user.public_key().as_str())
            .encode_at(&account, 1_700_000_000)
            .unwrap();
        let seed = user.seed();
        let creds_text = creds::format_user_creds(&jwt, seed.expose()).unwrap();
        let (parsed_jwt, parsed) = creds::parse_user_creds(creds_text.expose()).unwrap();
        assert_eq!(parsed_jwt, jwt);
        assert_eq!(parsed.public_key(), user.public_key());
        let decorated = creds::decorate_seed(seed.expose()).unwrap();
        let from_decorated = creds::parse_decorated_nkey(decorated.expose()).unwrap();
        let again = KeyPair::from_seed_kind(seed.expose(), KeyKind::User).unwrap();
        assert_eq!(again.public_key(), from_decorated.public_key());
        match mode {
            ChildMode::Wiped => {}
            ChildMode::KeepsCopy => kept = Some(seed.expose().to_owned()),
            ChildMode::DroppedCopy => {
                // Large enough not to be handed out again by the small allocations below.
                let mut copy = vec![b'.'; 4096];
                copy[2000..2000 + seed.expose().len()].copy_from_slice(seed.expose().as_bytes());
                drop(std::hint::black_box(copy));
            }
        }
        // Everything holding the seed (and the key pairs) is dropped here.
    }
    println!("{CHILD_READY}");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    drop(std::hint::black_box(kept));
}

/// Kills and reaps the child if the parent fails before it is done.
#[cfg(target_os = "linux")]
struct ChildGuard(std::process::Child);

#[cfg(target_os = "linux")]
impl Drop for ChildGuard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// What the search of the child's memory found.
#[cfg(target_os = "linux")]
enum MemoryScan {
    /// /proc/<pid>/mem could not be read (no permission, no procfs).
    Unreadable(String),
    /// The pieces of the seed found, and how many bytes were searched.
    Searched { found: Vec<String>, bytes: usize },
}

/// Starts the child in `mode` with `bytes`, waits until it has dropped the seed and
/// searches its writable memory for 16-character pieces of `seed`.
#[cfg(target_os = "linux")]
fn scan_child(mode: ChildMode, bytes: &[u8; 32], seed: &str) -> MemoryScan {
    use std::io::{BufRead as _, Read as _, Seek as _, Write as _};
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // The test's name in this binary: its module path without the crate's name.
    let (_, module) = module_path!().split_once("::").unwrap();
    let child_test = format!("{module}::seed_memory_child");
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &child_test,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_SEED_HEX, &hex)
        .env(CHILD_MODE, mode.name())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);
    let pid = child.0.id();
    let mut stdout = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut output = String::new();
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).unwrap();
        assert!(read > 0, "the child ended before it was ready: {output}");
        output.push_str(&line);
        if line.contains(CHILD_READY) {
            break;
        }
    }

    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = match std::fs::File::open(format!("/proc/{pid}/mem")) {
        Ok(mem) => mem,
        Err(e) => return MemoryScan::Unreadable(format!("open /proc/{pid}/mem: {e}")),
    };
    let mut found = Vec::new();
    let mut searched = 0;
    let mut heap_read = false;
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !perms.starts_with("rw") {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        let mut region = vec![0u8; usize::try_from(end - start).unwrap()];
        if mem.seek(std::io::SeekFrom::Start(start)).is_err()
            || mem.read_exact(&mut region).is_err()
        {
            continue;
        }
        searched += region.len();
        heap_read |= line.ends_with("[heap]");
        found.extend(seed_pieces_in(&region, seed));
    }
    if searched == 0 || !heap_read {
        return MemoryScan::Unreadable(format!(
            "read {searched} bytes of the child's writable memory, heap read: {heap_read}"
        ));
    }

    let mut stdin = child.0.stdin.take().unwrap();
    stdin.write_all(b"done\n").unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "the child failed: {output}{rest}");
    MemoryScan::Searched {
        found,
        bytes: searched,
    }
}

/// The 16-character pieces of `seed`'s body found in `memory` (runs of base32 letters are
/// searched, so a piece is found wherever it lies).
#[cfg(target_os = "linux")]
fn seed_pieces_in(memory: &[u8], seed: &str) -> Vec<String> {
    let body = seed_body(seed);
    let pieces: Vec<&str> = (0..=body.len() - 16).map(|i| &body[i..i + 16]).collect();
    let mut found = Vec::new();
    for run in memory.split(|b| !matches!(b, b'A'..=b'Z' | b'2'..=b'7')) {
        if run.len() < 16 {
            continue;
        }
        let run = std::str::from_utf8(run).unwrap();
        found.extend(
            pieces
                .iter()
                .filter(|p| run.contains(**p))
                .map(|p| (*p).to_owned()),
        );
    }
    found
}

#[cfg(target_os = "linux")]
#[test]
fn seeds_are_wiped_from_memory_when_dropped() {
    use std::io::Read as _;
    for mode in [
        ChildMode::KeepsCopy,
        ChildMode::DroppedCopy,
        ChildMode::Wiped,
    ] {
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .unwrap()
            .read_exact(&mut bytes)
            .unwrap();
        let seed = KeyPair::from_raw_seed(KeyKind::User, &bytes)
            .unwrap()
            .seed();
        match scan_child(mode, &bytes, seed.expose()) {
            MemoryScan::Unreadable(why) => {
                eprintln!(
                    "SKIP seeds_are_wiped_from_memory_when_dropped: cannot read the child's memory ({why})"
                );
                return;
            }
            MemoryScan::Searched { found, bytes } => {
                assert!(bytes > 0);
                if mode == ChildMode::Wiped {
                    assert!(
                        found.is_empty(),
                        "{} pieces of the dropped seed are still in the child's memory ({bytes} bytes searched): {found:?}",
                        found.len()
                    );
                } else {
                    // The whole body, every piece of it, is there to find.
                    assert!(
                        found.len() > seed_body(seed.expose()).len() - 16,
                        "{mode:?}: the search missed the plain copy ({bytes} bytes searched): {found:?}"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Error messages

/// Ways a real seed arrives damaged or in the wrong place.
fn damaged(seed: &str) -> Vec<String> {
    let mut flipped = seed.as_bytes().to_vec();
    flipped[30] = if flipped[30] == b'A' { b'B' } else { b'A' };
    vec![
        String::from_utf8(flipped).unwrap(),
        seed[..57].to_owned(),
        format!("{seed}A"),
        format!("{seed}="),
        seed.to_lowercase(),
        format!("X{}", &seed[1..]),
        format!("{seed} trailing words"),
        seed.replace('A', "!"),
    ]
}

#[test]
fn key_errors_never_repeat_the_seed() {
    for kind in [KeyKind::Operator, KeyKind::Account, KeyKind::User] {
        let key = pair(kind, 11);
        let seed = key.seed();
        let seed = seed.expose();
        for bad in damaged(seed).iter().map(String::as_str).chain([seed]) {
            if let Err(e) = KeyPair::from_seed(bad) {
                assert_error_clean(seed, &e, "from_seed");
            }
            if let Err(e) = KeyPair::from_seed_kind(bad, KeyKind::Server) {
                assert_error_clean(seed, &e, "from_seed_kind");
            }
            // The seed decoder for the remaining kind (curve): the same checks, other errors.
            if let Err(e) = XKey::from_seed(bad) {
                assert_error_clean(seed, &e, "XKey::from_seed");
            }
            let e = PublicKey::parse(bad).unwrap_err();
            assert_error_clean(seed, &e, "PublicKey::parse(seed)");
            let e = ExternalSigner::new(bad, |_: &str, _: &[u8]| Ok(vec![])).unwrap_err();
            assert_error_clean(seed, &e, "ExternalSigner::new(seed)");
        }
    }
    assert_eq!(
        PublicKey::parse(pair(KeyKind::User, 1).seed().expose()),
        Err(KeyError::InvalidLength { actual: 33 })
    );
}

#[test]
fn creds_errors_never_repeat_the_seed() {
    let account = pair(KeyKind::Account, 1);
    let user = pair(KeyKind::User, 2);
    let other = pair(KeyKind::User, 3);
    let jwt = UserClaims::new(user.public_key().as_str())
        .encode_at(&account, 1_700_000_000)
        .unwrap();
    let good = creds::format_user_creds(&jwt, user.seed().expose()).unwrap();

    // A valid seed of the wrong user.
    let other_seed = other.seed();
    let e = creds::format_user_creds(&jwt, other_seed.expose()).unwrap_err();
    assert_eq!(e, CredsError::SeedMismatch);
    assert_error_clean(other_seed.expose(), &e, "format_user_creds mismatch");

    // A seed given where the JWT belongs, and the whole creds file given as the JWT.
    let seed = user.seed();
    for (what, jwt_argument) in [("seed", seed.expose()), ("creds", good.expose())] {
        let e = creds::format_user_creds(jwt_argument, seed.expose()).unwrap_err();
        assert!(matches!(e, CredsError::Jwt(_)), "{what}: {e:?}");
        assert_error_clean(seed.expose(), &e, what);
        let e = creds::decorate_jwt(jwt_argument).unwrap_err();
        assert_error_clean(seed.expose(), &e, what);
        let e = natsjwt::decode(jwt_argument).unwrap_err();
        assert_error_clean(seed.expose(), &e, what);
    }

    for bad in damaged(seed.expose()) {
        let text = good.expose().replace(seed.expose(), &bad);
        match creds::parse_user_creds(&text) {
            Ok(_) => {}
            Err(e) => assert_error_clean(seed.expose(), &e, "parse_user_creds"),
        }
        if let Err(e) = creds::parse_decorated_nkey(&text) {
            assert_error_clean(seed.expose(), &e, "parse_decorated_nkey");
        }
        if let Err(e) = creds::decorate_seed(&bad) {
            assert_error_clean(seed.expose(), &e, "decorate_seed");
        }
        if let Err(e) = creds::format_user_creds(&jwt, &bad) {
            assert_error_clean(seed.expose(), &e, "format_user_creds");
        }
    }
    // Seeds of other kinds in a user creds file.
    let account_seed = account.seed();
    let text = good.expose().replace(seed.expose(), account_seed.expose());
    let e = creds::parse_user_creds(&text).unwrap_err();
    assert_eq!(e, CredsError::NotAUserSeed);
    assert_error_clean(account_seed.expose(), &e, "account seed in user creds");
}

#[test]
fn encode_errors_never_repeat_the_seed() {
    // A seed pasted where a public key belongs.
    let user = pair(KeyKind::User, 5);
    let seed = user.seed();
    let e = UserClaims::new(seed.expose())
        .encode_at(&pair(KeyKind::Account, 6), 1)
        .unwrap_err();
    assert_error_clean(seed.expose(), &e, "encode with a seed as sub");
    let signer = ExternalSigner::new(user.public_key().as_str(), |_: &str, _: &[u8]| {
        Err("hsm said no".into())
    })
    .unwrap();
    let e = UserClaims::new(pair(KeyKind::User, 7).public_key().as_str())
        .encode_at(&signer, 1)
        .unwrap_err();
    assert_error_clean(seed.expose(), &e, "encode with a user signer");
}

#[test]
fn decode_errors_never_repeat_a_seed_given_as_issuer() {
    let account = pair(KeyKind::Account, 8);
    let seed = account.seed();
    let payload = format!(
        r#"{{"iss":"{}","sub":"{}","nats":{{"type":"user","version":2}}}}"#,
        seed.expose(),
        pair(KeyKind::User, 9).public_key()
    );
    let token = signed(payload.as_bytes(), &account);
    let e = natsjwt::decode(&token).unwrap_err();
    assert_eq!(
        e,
        ClaimsError::InvalidIssuer(KeyError::InvalidLength { actual: 33 })
    );
    assert_error_clean(seed.expose(), &e, "seed as iss");
}

#[test]
fn validation_messages_never_repeat_a_seed() {
    let seed = pair(KeyKind::Account, 4).seed();
    let mut account = AccountClaims::new(pair(KeyKind::Account, 5).public_key().as_str());
    account.nats.signing_keys.add(seed.expose());
    account
        .nats
        .authorization
        .auth_users
        .push(seed.expose().to_owned());
    account
        .nats
        .imports
        .push(natsjwt::types::Import::stream(seed.expose(), "a.b"));
    let mut user = UserClaims::new(pair(KeyKind::User, 6).public_key().as_str());
    user.nats.issuer_account = seed.expose().to_owned();
    let mut messages: Vec<String> = account
        .validate_with(&FixedClock(0))
        .issues
        .into_iter()
        .map(|i| i.description)
        .collect();
    messages.extend(
        user.validate_with(&FixedClock(0))
            .issues
            .into_iter()
            .map(|i| i.description),
    );
    assert!(!messages.is_empty(), "the seeds were flagged");
    for message in messages {
        assert_not_leaked(seed.expose(), &message, "validation");
    }
}

// ---------------------------------------------------------------------------------------
// Files

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "natsjwt-secrets-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn secret_files_are_created_0600() {
    let dir = TempDir::new("mode");
    let path = dir.0.join("user.nk");
    let seed = pair(KeyKind::User, 1).seed();
    creds::write_secret_file(&path, seed.expose()).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), seed.expose());
}

#[test]
fn secret_files_are_never_overwritten() {
    let dir = TempDir::new("overwrite");
    let path = dir.0.join("user.creds");
    std::fs::write(&path, "precious").unwrap();
    let e = creds::write_secret_file(&path, "new secret").unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
    // A second write of its own file fails the same way.
    let second = dir.0.join("again.nk");
    creds::write_secret_file(&second, "one").unwrap();
    let e = creds::write_secret_file(&second, "two").unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read_to_string(&second).unwrap(), "one");
    // A directory in the way.
    assert!(creds::write_secret_file(&dir.0, "x").is_err());
}

#[cfg(unix)]
#[test]
fn secret_files_do_not_follow_symlinks() {
    let dir = TempDir::new("symlink");
    // A dangling link: following it would create a file where the link points.
    let target = dir.0.join("elsewhere");
    let link = dir.0.join("user.nk");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let e = creds::write_secret_file(&link, "seed").unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(!target.exists(), "the link was followed");
    // A link to an existing, world-readable file: left alone.
    let public = dir.0.join("public.txt");
    std::fs::write(&public, "public").unwrap();
    let link2 = dir.0.join("op.nk");
    std::os::unix::fs::symlink(&public, &link2).unwrap();
    assert!(creds::write_secret_file(&link2, "seed").is_err());
    assert_eq!(std::fs::read_to_string(&public).unwrap(), "public");
}

/// Runs an example that writes a setup into a new directory twice: every file holding a
/// seed must be 0600, stdout must show no seed, and the second run must fail and leave
/// every file as it was.
#[cfg(unix)]
fn check_setup_writer(name: &str, args_before_dir: &[&str], min_secret_files: usize) {
    let binary = example_binary(name);
    let dir = TempDir::new(name);
    let run = || {
        std::process::Command::new(&binary)
            .args(args_before_dir)
            .arg(&dir.0)
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut secret_files = 0;
    let mut before = Vec::new();
    for entry in walk(&dir.0) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        if holds_seed(&text) {
            secret_files += 1;
            assert_eq!(mode(&entry), 0o600, "{} holds a seed", entry.display());
        }
        before.push((entry, text));
    }
    assert!(
        secret_files >= min_secret_files,
        "{name}: only {secret_files} files hold seeds"
    );
    assert!(
        !holds_seed(&String::from_utf8_lossy(&out.stdout)),
        "{name} printed a seed"
    );

    let again = run();
    assert!(
        !again.status.success(),
        "{name}: a second run into the same directory succeeded"
    );
    for (path, text) in before {
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            text,
            "{} changed",
            path.display()
        );
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[cfg(unix)]
#[test]
fn quickstart_writes_seeds_0600_and_refuses_to_overwrite() {
    check_setup_writer("quickstart", &[], 7);
}

#[cfg(unix)]
#[test]
fn signup_init_writes_seeds_0600_and_refuses_to_overwrite() {
    check_setup_writer("signup", &["init"], 3);
}

#[test]
fn examples_do_not_print_a_bad_seed() {
    let account = pair(KeyKind::Account, 12);
    let seed = account.seed();
    let operator_seed = pair(KeyKind::Operator, 13).seed();
    for (name, args) in [
        (
            "create_account",
            vec!["--operator-seed", seed.expose(), "--name", "A"],
        ),
        (
            "create_user",
            vec!["--account-seed", operator_seed.expose(), "--name", "u"],
        ),
    ] {
        let binary = example_binary(name);
        let used = args[1];
        let mut damaged_args = damaged(used);
        damaged_args.push(used.to_owned());
        for bad in damaged_args {
            let mut argv = args.clone();
            argv[1] = &bad;
            let out = std::process::Command::new(&binary)
                .args(&argv)
                .output()
                .unwrap();
            assert!(!out.status.success(), "{name} accepted {argv:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.is_empty(), "{name} explained nothing");
            assert_not_leaked(used, &stderr, name);
            assert_not_leaked(used, &String::from_utf8_lossy(&out.stdout), name);
        }
    }
}

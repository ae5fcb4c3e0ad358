//! `natsjwt::store::DirStore` on the nsc setup in `tests/data/nsc/` (written by Go's
//! nats-io/jwt 2.3.0 the way nsc writes it: `scripts/make-nsc-fixture.go`): it reads
//! what nsc wrote byte for byte, writes where nsc would, locks, and names every problem
//! of a broken tree.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::nats_server::TempDir;
use natsjwt::creds::format_user_creds;
use natsjwt::store::{DirStore, Store, StoreError, StorePaths};
use natsjwt::trust::Trust;
use natsjwt::{AccountClaims, KeyKind, KeyPair, OperatorClaims, UserClaims};

const OPERATOR: &str = "demo";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nsc")
}

/// Copies the tree with the modes nsc gives it (directories 0700, files 0600): a git
/// checkout gives the fixture 0755 and 0644.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    set_mode(to, 0o700);
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
            set_mode(&target, 0o600);
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = (path, mode);
}

/// The fixture, copied into a new temporary directory.
pub(crate) fn fixture(label: &str) -> (TempDir, StorePaths) {
    let dir = TempDir::new(&format!("store-{label}"));
    copy_tree(&fixture_dir(), dir.path());
    let paths = StorePaths::new(dir.path().join("keys"), dir.path().join("stores"));
    (dir, paths)
}

/// Every file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_str().unwrap().to_owned()
}

#[test]
fn the_nsc_fixture_opens_and_reads_byte_for_byte() {
    let (_dir, paths) = fixture("read");
    let store = DirStore::open(&paths, OPERATOR).unwrap();
    assert!(store.check().is_empty(), "{:?}", store.check());
    assert_eq!(store.operator_name(), OPERATOR);
    let ops = paths.stores.join(OPERATOR);

    let operator_jwt = store.operator_jwt().unwrap().unwrap();
    assert_eq!(
        operator_jwt,
        fs::read_to_string(ops.join("demo.jwt")).unwrap()
    );
    let trust = Trust::new().with_operator_jwt(&operator_jwt).unwrap();

    assert_eq!(store.account_names().unwrap(), ["SYS", "acme"]);
    assert_eq!(store.user_names("SYS").unwrap(), ["sys"]);
    assert_eq!(store.user_names("acme").unwrap(), ["alice", "bob", "carol"]);
    for account in store.account_names().unwrap() {
        let dir = ops.join("accounts").join(&account);
        let jwt = store.account_jwt(&account).unwrap().unwrap();
        assert_eq!(
            jwt,
            fs::read_to_string(dir.join(format!("{account}.jwt"))).unwrap()
        );
        let trusted = trust.verify_account(&jwt).unwrap();
        for user in store.user_names(&account).unwrap() {
            let jwt = store.user_jwt(&account, &user).unwrap().unwrap();
            assert_eq!(
                jwt,
                fs::read_to_string(dir.join("users").join(format!("{user}.jwt"))).unwrap()
            );
            trust.verify_user(&trusted, &jwt).unwrap();
            let creds = store.creds(&account, &user).unwrap().unwrap();
            let creds_path = store.creds_path(&account, &user);
            assert_eq!(
                creds_path,
                paths
                    .keys
                    .join("creds")
                    .join(OPERATOR)
                    .join(&account)
                    .join(format!("{user}.creds"))
            );
            assert_eq!(creds.expose(), fs::read_to_string(&creds_path).unwrap());
        }
    }

    // Every seed nsc filed, listed and read; the public key matches the file's name.
    let seed_files: Vec<PathBuf> = files(&paths.keys.join("keys"));
    assert_eq!(seed_files.len(), 10, "{seed_files:?}");
    let mut expected: Vec<String> = seed_files.iter().map(|p| stem(p)).collect();
    expected.sort();
    assert_eq!(store.key_public_keys().unwrap(), expected);
    for public in &expected {
        let key = store.key(public).unwrap().unwrap();
        assert_eq!(key.public_key().as_str(), public);
    }
    assert!(
        store
            .key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .unwrap()
            .is_none()
    );
    assert!(store.user_jwt("acme", "nobody").unwrap().is_none());
    assert!(store.account_jwt("nobody").unwrap().is_none());
}

#[test]
fn writes_land_where_nsc_puts_them() {
    let (_dir, paths) = fixture("write");
    let before = files(&paths.keys);
    let store = DirStore::open(&paths, OPERATOR).unwrap();

    // Sign with the operator's signing key, as nsc does once one exists.
    let operator = OperatorClaims::decode(&store.operator_jwt().unwrap().unwrap()).unwrap();
    let signer = store
        .key(&operator.claims().nats.signing_keys[0])
        .unwrap()
        .unwrap();
    let account = KeyPair::new_account().unwrap();
    let account_signer = KeyPair::new_account().unwrap();
    let mut claims = AccountClaims::new(account.public_key().as_str());
    claims.name = "globex".into();
    claims
        .nats
        .signing_keys
        .add(account_signer.public_key().as_str());
    store.put_key(&account).unwrap();
    store.put_key(&account_signer).unwrap();
    let account_jwt = claims.encode(&signer).unwrap();
    store.put_account_jwt("globex", &account_jwt).unwrap();

    let user = KeyPair::new_user().unwrap();
    let mut claims = UserClaims::new(user.public_key().as_str());
    claims.name = "dave".into();
    claims.nats.issuer_account = account.public_key().to_string();
    let user_jwt = claims.encode(&account_signer).unwrap();
    store.put_key(&user).unwrap();
    store.put_user_jwt("globex", "dave", &user_jwt).unwrap();
    let creds = format_user_creds(&user_jwt, user.seed().expose()).unwrap();
    store.put_creds("globex", "dave", &creds).unwrap();

    let ops = paths.stores.join(OPERATOR);
    let account_file = ops.join("accounts/globex/globex.jwt");
    let user_file = ops.join("accounts/globex/users/dave.jwt");
    let creds_file = paths.keys.join("creds/demo/globex/dave.creds");
    assert_eq!(fs::read_to_string(&account_file).unwrap(), account_jwt);
    assert_eq!(fs::read_to_string(&user_file).unwrap(), user_jwt);
    assert_eq!(fs::read_to_string(&creds_file).unwrap(), creds.expose());
    let seed_file = |key: &KeyPair| {
        let public = key.public_key().as_str();
        paths.keys.join(format!(
            "keys/{}/{}/{public}.nk",
            &public[..1],
            &public[1..3]
        ))
    };
    for key in [&account, &account_signer, &user] {
        // The seed alone, no newline, as nsc's StoreKey writes it.
        assert_eq!(
            fs::read_to_string(seed_file(key)).unwrap(),
            key.seed().expose()
        );
    }

    // Exactly these files are new in the keys directory, and no temporary file is left.
    let mut added: Vec<PathBuf> = files(&paths.keys)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    added.sort();
    let mut expected: Vec<PathBuf> = [&account, &account_signer, &user]
        .iter()
        .map(|k| seed_file(k).strip_prefix(&paths.keys).unwrap().to_owned())
        .chain([PathBuf::from("creds/demo/globex/dave.creds")])
        .collect();
    expected.sort();
    assert_eq!(added, expected);
    assert_eq!(
        files(&ops.join("accounts/globex")),
        [PathBuf::from("globex.jwt"), PathBuf::from("users/dave.jwt")]
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for file in [
            &account_file,
            &user_file,
            &creds_file,
            &seed_file(&account),
            &seed_file(&user),
        ] {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        for dir in [
            account_file.parent().unwrap(),
            user_file.parent().unwrap(),
            creds_file.parent().unwrap(),
            seed_file(&user).parent().unwrap(),
        ] {
            assert_eq!(mode(dir), 0o700, "{}", dir.display());
        }
    }

    assert_eq!(store.account_names().unwrap(), ["SYS", "acme", "globex"]);
    drop(store);
    let store = DirStore::open(&paths, OPERATOR).unwrap();
    assert_eq!(store.user_names("globex").unwrap(), ["dave"]);

    // Deleting the account removes its JWTs and creds, not its seeds.
    store.delete_account("globex").unwrap();
    assert!(!ops.join("accounts/globex").exists());
    assert!(!creds_file.exists());
    assert!(seed_file(&account).exists());
    assert_eq!(store.account_names().unwrap(), ["SYS", "acme"]);
    assert!(store.check().is_empty(), "{:?}", store.check());
}

#[test]
fn a_store_is_open_in_one_place_at_a_time() {
    let (_dir, paths) = fixture("lock");
    let store = DirStore::open(&paths, OPERATOR).unwrap();
    let lock = paths.stores.join(OPERATOR).join(".natsjwt.lock");
    match DirStore::open(&paths, OPERATOR) {
        Err(StoreError::Locked { path }) => assert_eq!(path, lock),
        other => panic!("a second open in this process: {other:?}"),
    }
    // Another process sees the lock too (flock(1) takes the same kind of lock).
    let flock = |args: &[&str]| {
        Command::new("flock")
            .args(args)
            .arg(&lock)
            .arg("true")
            .status()
    };
    match flock(&["-n"]) {
        Ok(status) => assert!(!status.success(), "flock took the lock of an open store"),
        Err(e) => eprintln!("SKIP cross-process lock check: flock(1): {e}"),
    }
    drop(store);
    if let Ok(status) = flock(&["-n"]) {
        assert!(status.success(), "the lock outlived the store");
    }
    let again = DirStore::open(&paths, OPERATOR);
    assert!(again.is_ok(), "{again:?}");
}

#[test]
fn a_broken_tree_is_invalid_and_every_problem_is_named() {
    let (_dir, paths) = fixture("broken");
    let store = DirStore::open(&paths, OPERATOR).unwrap();
    let ops = paths.stores.join(OPERATOR);
    let acme = AccountClaims::decode(&store.account_jwt("acme").unwrap().unwrap())
        .unwrap()
        .into_claims();
    let sys = AccountClaims::decode(&store.account_jwt("SYS").unwrap().unwrap())
        .unwrap()
        .into_claims();
    let seed_path = |public: &str| {
        paths.keys.join(format!(
            "keys/{}/{}/{public}.nk",
            &public[..1],
            &public[1..3]
        ))
    };
    drop(store);

    // 1. A signing key of acme loses its seed: a tenant nobody can sign for with it.
    let signing_key = acme.nats.signing_keys.keys().next().unwrap().to_owned();
    fs::remove_file(seed_path(&signing_key)).unwrap();
    // 2. A user JWT is corrupt.
    let bob = ops.join("accounts/acme/users/bob.jwt");
    let mut token = fs::read_to_string(&bob).unwrap();
    token.truncate(token.len() - 5);
    fs::write(&bob, token).unwrap();
    // 3. SYS's seed file holds another seed.
    let other = KeyPair::generate(KeyKind::Account).unwrap();
    fs::write(seed_path(&sys.subject), other.seed().expose()).unwrap();

    let problems = match DirStore::open(&paths, OPERATOR) {
        Err(StoreError::Invalid(problems)) => problems,
        other => panic!("a broken store opened: {other:?}"),
    };
    let mut named: Vec<&Path> = problems.iter().map(|p| p.path.as_path()).collect();
    named.sort();
    let acme_jwt = ops.join("accounts/acme/acme.jwt");
    let sys_seed = seed_path(&sys.subject);
    let mut expected = vec![acme_jwt.as_path(), bob.as_path(), sys_seed.as_path()];
    expected.sort();
    assert_eq!(named, expected, "{problems:?}");
    let acme_problem = problems.iter().find(|p| p.path == acme_jwt).unwrap();
    assert!(
        acme_problem.problem.contains(&signing_key),
        "{acme_problem}"
    );
    let message = StoreError::Invalid(problems.clone()).to_string();
    for path in expected {
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
    assert!(!message.contains(other.seed().expose()), "{message}");
    assert!(
        !message.contains(&other.seed().expose()[2..20]),
        "{message}"
    );
}

#[test]
fn put_key_never_replaces_a_different_seed() {
    let (_dir, paths) = fixture("mismatch");
    let store = DirStore::open(&paths, OPERATOR).unwrap();
    let public = store.key_public_keys().unwrap()[0].clone();
    let key = store.key(&public).unwrap().unwrap();
    store.put_key(&key).unwrap(); // the same seed again: nothing to do
    let path = paths.keys.join(format!(
        "keys/{}/{}/{public}.nk",
        &public[..1],
        &public[1..3]
    ));
    let impostor = KeyPair::generate(key.kind()).unwrap();
    fs::write(&path, impostor.seed().expose()).unwrap();
    match store.put_key(&key) {
        Err(StoreError::SeedMismatch { path: p }) => assert_eq!(p, path),
        other => panic!("put_key over a different seed: {other:?}"),
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), impostor.seed().expose());
}

#[test]
fn a_new_store_is_what_nsc_makes() {
    let dir = TempDir::new("store-new");
    let paths = StorePaths::under(dir.path());
    let store = DirStore::create(&paths, "fresh").unwrap();
    let fixture = fixture_dir();
    for same in [".nsc", "../../keys/.gitignore"] {
        let ours = paths.stores.join("fresh").join(same);
        let nscs = fixture.join("stores/demo").join(same);
        let ours = fs::read_to_string(ours).unwrap();
        let nscs = fs::read_to_string(nscs).unwrap();
        assert_eq!(ours, nscs.replace("\"demo\"", "\"fresh\""));
    }
    assert!(paths.stores.join("fresh/accounts").is_dir());
    drop(store);
    match DirStore::create(&paths, "fresh") {
        Err(StoreError::Exists { path }) => assert_eq!(path, paths.stores.join("fresh")),
        other => panic!("create over a store: {other:?}"),
    }
    match DirStore::create(&paths, "../escape") {
        Err(StoreError::BadName { .. }) => {}
        other => panic!("create with a path as name: {other:?}"),
    }
}

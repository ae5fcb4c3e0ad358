//! [`DirStore`]'s unit tests: creating, opening, locking, writing where `nsc` does.

use std::fs;
use std::path::Path;

use super::*;
use crate::store::file::tests::{Scratch, names};
use crate::{AccountClaims, KeyKind, OperatorClaims, UserClaims};

struct Fixture {
    _scratch: Scratch,
    paths: StorePaths,
    operator: KeyPair,
    store: DirStore,
}

/// A store with an operator JWT, named `demo`.
fn fixture(label: &str) -> Fixture {
    let scratch = Scratch::new(label);
    let paths = StorePaths::under(&scratch.0);
    let store = DirStore::create(&paths, "demo").unwrap();
    let operator = KeyPair::new_operator().unwrap();
    let mut claims = OperatorClaims::new(operator.public_key().as_str());
    claims.name = "demo".into();
    store
        .put_operator_jwt(&claims.encode(&operator).unwrap())
        .unwrap();
    Fixture {
        _scratch: scratch,
        paths,
        operator,
        store,
    }
}

/// Stores account `name` with its seed; returns its key.
fn add_account(f: &Fixture, name: &str) -> KeyPair {
    let account = KeyPair::new_account().unwrap();
    let mut claims = AccountClaims::new(account.public_key().as_str());
    claims.name = name.into();
    f.store.put_key(&account).unwrap();
    f.store
        .put_account_jwt(name, &claims.encode(&f.operator).unwrap())
        .unwrap();
    account
}

fn user_jwt(account: &KeyPair, name: &str) -> (KeyPair, String) {
    let user = KeyPair::new_user().unwrap();
    let mut claims = UserClaims::new(user.public_key().as_str());
    claims.name = name.into();
    let jwt = claims.encode(account).unwrap();
    (user, jwt)
}

fn reopen(f: Fixture) -> (Scratch, Result<DirStore, StoreError>) {
    let Fixture {
        _scratch,
        paths,
        store,
        ..
    } = f;
    drop(store);
    let reopened = DirStore::open(&paths, "demo");
    (_scratch, reopened)
}

#[test]
fn create_writes_nsc_files() {
    let f = fixture("create");
    let root = f.paths.stores.join("demo");
    assert_eq!(
        fs::read_to_string(root.join(".nsc")).unwrap(),
        r#"{"managed":false,"name":"demo","kind":"operator","version":"1"}"#
    );
    assert!(root.join("accounts").is_dir());
    assert!(root.join("demo.jwt").is_file());
    assert!(f.paths.keys.join("keys").is_dir());
    assert!(f.paths.keys.join("creds").is_dir());
    assert_eq!(
        fs::read_to_string(f.paths.keys.join(".gitignore")).unwrap(),
        "# ignore all nk files \n**/*.nk\n\n# ignore all creds files\n**/*.creds\n"
    );
    assert_eq!(f.store.operator_name(), "demo");
    assert_eq!(f.store.operator_dir(), root);
    assert_eq!(f.store.paths(), &f.paths);
    assert!(f.store.check().is_empty(), "{:?}", f.store.check());
}

#[test]
fn create_refuses_a_store_that_exists() {
    let f = fixture("exists");
    drop(f.store);
    assert!(matches!(
        DirStore::create(&f.paths, "demo"),
        Err(StoreError::Exists { .. })
    ));
}

#[test]
fn create_and_open_refuse_bad_names() {
    let scratch = Scratch::new("badname");
    let paths = StorePaths::under(&scratch.0);
    for name in ["", "..", "a/b", ".x"] {
        assert!(matches!(
            DirStore::create(&paths, name),
            Err(StoreError::BadName { .. })
        ));
        assert!(matches!(
            DirStore::open(&paths, name),
            Err(StoreError::BadName { .. })
        ));
    }
}

#[test]
fn open_of_nothing_is_not_found() {
    let scratch = Scratch::new("notfound");
    let paths = StorePaths::under(&scratch.0);
    assert!(matches!(
        DirStore::open(&paths, "demo"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_second_store_in_this_process_is_locked_out_until_the_first_is_dropped() {
    let f = fixture("lock");
    let second = DirStore::open(&f.paths, "demo");
    assert!(
        matches!(&second, Err(StoreError::Locked { path }) if path.ends_with(".natsjwt.lock")),
        "{second:?}"
    );
    let (_scratch, reopened) = reopen(f);
    assert!(reopened.is_ok(), "{reopened:?}");
}

#[test]
fn accounts_and_users_go_where_nsc_puts_them() {
    let f = fixture("write");
    let account = add_account(&f, "acme");
    let (user, jwt) = user_jwt(&account, "alice");
    f.store.put_key(&user).unwrap();
    f.store.put_user_jwt("acme", "alice", &jwt).unwrap();
    let root = f.paths.stores.join("demo").join("accounts").join("acme");
    assert!(root.join("acme.jwt").is_file());
    assert_eq!(
        fs::read_to_string(root.join("users").join("alice.jwt")).unwrap(),
        jwt
    );
    let public = account.public_key().as_str();
    let seed_path = f
        .paths
        .keys
        .join("keys")
        .join("A")
        .join(public.get(1..3).unwrap())
        .join(format!("{public}.nk"));
    // No trailing newline, as nsc writes it.
    assert_eq!(
        fs::read_to_string(&seed_path).unwrap(),
        account.seed().expose()
    );
    assert_eq!(f.store.account_names().unwrap(), ["acme"]);
    assert_eq!(f.store.user_names("acme").unwrap(), ["alice"]);
    assert_eq!(f.store.user_jwt("acme", "alice").unwrap(), Some(jwt));
    assert_eq!(f.store.user_jwt("acme", "bob").unwrap(), None);
    assert_eq!(f.store.account_jwt("nobody").unwrap(), None);
    let mut keys = vec![public.to_owned(), user.public_key().to_string()];
    keys.sort();
    assert_eq!(f.store.key_public_keys().unwrap(), keys);
    let read = f.store.key(public).unwrap().unwrap();
    assert_eq!(read.public_key(), account.public_key());
    assert!(f.store.check().is_empty(), "{:?}", f.store.check());
}

#[test]
fn a_user_needs_its_account() {
    let f = fixture("orphan");
    let account = KeyPair::new_account().unwrap();
    let (_, jwt) = user_jwt(&account, "alice");
    assert!(matches!(
        f.store.put_user_jwt("acme", "alice", &jwt),
        Err(StoreError::UnknownAccount { name }) if name == "acme"
    ));
}

#[test]
fn tokens_of_the_wrong_kind_or_name_are_refused() {
    let f = fixture("refuse");
    let account = add_account(&f, "acme");
    let (_, jwt) = user_jwt(&account, "alice");
    assert!(matches!(
        f.store.put_account_jwt("acme", &jwt),
        Err(StoreError::BadJwt { .. })
    ));
    assert!(matches!(
        f.store.put_user_jwt("acme", "bob", &jwt),
        Err(StoreError::BadJwt { .. })
    ));
    assert!(matches!(
        f.store.put_operator_jwt("garbage"),
        Err(StoreError::BadJwt { .. })
    ));
    assert!(matches!(
        f.store.put_user_jwt("acme", "../x", &jwt),
        Err(StoreError::BadName { .. })
    ));
}

#[test]
fn put_key_keeps_the_first_seed() {
    let f = fixture("mismatch");
    let key = KeyPair::new_account().unwrap();
    f.store.put_key(&key).unwrap();
    f.store.put_key(&key).unwrap();
    // A different seed under the same name: only a corrupt store or an attack does this.
    let path = f.store.layout.key(key.public_key().as_str());
    let other = KeyPair::new_account().unwrap();
    fs::write(&path, other.seed().expose()).unwrap();
    let err = f.store.put_key(&key).unwrap_err();
    assert!(matches!(&err, StoreError::SeedMismatch { path: p } if *p == path));
    assert!(!err.to_string().contains(key.seed().expose()));
    assert!(!err.to_string().contains(other.seed().expose()));
    assert_eq!(fs::read_to_string(&path).unwrap(), other.seed().expose());
    // Reading it says what is wrong, without the seed.
    let read = f.store.key(key.public_key().as_str()).unwrap_err();
    assert!(matches!(read, StoreError::Corrupt { .. }), "{read}");
    assert!(!read.to_string().contains(other.seed().expose()));
}

#[test]
fn a_seed_with_a_newline_reads() {
    let f = fixture("newline");
    let key = KeyPair::new_user().unwrap();
    let path = f.store.layout.key(key.public_key().as_str());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, format!("{}\n", key.seed().expose())).unwrap();
    let read = f.store.key(key.public_key().as_str()).unwrap().unwrap();
    assert_eq!(read.public_key(), key.public_key());
    f.store.put_key(&key).unwrap();
}

#[cfg(feature = "xkeys")]
#[test]
fn curve_seeds_are_listed_and_checked_but_do_not_sign() {
    let f = fixture("curve");
    let x = crate::keys::XKey::generate().unwrap();
    let public = x.public_key().to_string();
    let path = f.store.layout.key(&public);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, x.seed().expose()).unwrap();
    assert_eq!(f.store.key_public_keys().unwrap(), vec![public.clone()]);
    assert!(matches!(f.store.key(&public), Err(StoreError::Key { .. })));
    assert!(f.store.check().is_empty(), "{:?}", f.store.check());
}

#[test]
fn deleting_an_account_removes_its_users_and_creds_not_seeds() {
    let f = fixture("delete");
    let account = add_account(&f, "acme");
    add_account(&f, "other");
    let (_, jwt) = user_jwt(&account, "alice");
    f.store.put_user_jwt("acme", "alice", &jwt).unwrap();
    f.store
        .put_creds("acme", "alice", &Secret::new("creds".into()))
        .unwrap();
    f.store.delete_account("acme").unwrap();
    f.store.delete_account("acme").unwrap();
    assert_eq!(f.store.account_names().unwrap(), ["other"]);
    assert!(f.store.creds("acme", "alice").unwrap().is_none());
    assert!(
        f.store
            .key(account.public_key().as_str())
            .unwrap()
            .is_some()
    );
    let accounts = f.paths.stores.join("demo").join("accounts");
    assert_eq!(names(&accounts), ["other"]);
}

#[test]
fn deleting_users_and_keys() {
    let f = fixture("delete-user");
    let account = add_account(&f, "acme");
    let (user, jwt) = user_jwt(&account, "alice");
    f.store.put_key(&user).unwrap();
    f.store.put_user_jwt("acme", "alice", &jwt).unwrap();
    let creds = Secret::new("creds".into());
    f.store.put_creds("acme", "alice", &creds).unwrap();
    assert_eq!(f.store.creds("acme", "alice").unwrap(), Some(creds));
    assert_eq!(
        f.store.creds_path("acme", "alice"),
        f.paths
            .keys
            .join("creds")
            .join("demo")
            .join("acme")
            .join("alice.creds")
    );
    f.store.delete_user("acme", "alice").unwrap();
    f.store.delete_user("acme", "alice").unwrap();
    assert!(f.store.user_names("acme").unwrap().is_empty());
    assert!(f.store.creds("acme", "alice").unwrap().is_none());
    let public = user.public_key().to_string();
    let shard = f.store.layout.key(&public).parent().unwrap().to_owned();
    f.store.delete_key(&public).unwrap();
    f.store.delete_key(&public).unwrap();
    assert!(f.store.key(&public).unwrap().is_none());
    assert!(
        !shard.exists(),
        "the empty shard directory is removed, as nsc does"
    );
}

#[test]
fn open_removes_leftover_temp_files() {
    let f = fixture("leftover");
    add_account(&f, "acme");
    let dir = f.paths.stores.join("demo");
    let accounts = dir.join("accounts");
    fs::write(accounts.join("acme").join(".acme.jwt.tmp-1-1"), "half").unwrap();
    fs::create_dir_all(accounts.join(".gone.tmp-1-2").join("users")).unwrap();
    fs::write(dir.join(".demo.jwt.tmp-1-3"), "half").unwrap();
    // A new account whose JWT never made it: its directory holds only a temporary file.
    fs::create_dir_all(accounts.join("new")).unwrap();
    fs::write(accounts.join("new").join(".new.jwt.tmp-1-5"), "half").unwrap();
    // A fresh temporary seed in the shared keys directory may be another store's write.
    let fresh = f.paths.keys.join("keys").join(".ABC.nk.tmp-1-4");
    fs::write(&fresh, "x").unwrap();
    assert_eq!(f.store.account_names().unwrap(), ["acme"]);
    let paths = f.paths.clone();
    let (_scratch, reopened) = reopen(f);
    assert!(reopened.is_ok(), "{reopened:?}");
    assert_eq!(names(&accounts), ["acme"]);
    assert_eq!(names(&accounts.join("acme")), ["acme.jwt"]);
    assert!(!dir.join(".demo.jwt.tmp-1-3").exists());
    assert!(fresh.exists());
    drop(paths);
}

#[test]
fn check_reports_every_problem_with_its_path() {
    let f = fixture("check");
    let account = add_account(&f, "acme");
    let signer = KeyPair::new_account().unwrap();
    let mut claims = AccountClaims::new(account.public_key().as_str());
    claims.name = "acme".into();
    claims.nats.signing_keys.add(signer.public_key().as_str());
    f.store
        .put_account_jwt("acme", &claims.encode(&f.operator).unwrap())
        .unwrap();
    let (_, jwt) = user_jwt(&account, "alice");
    f.store.put_user_jwt("acme", "alice", &jwt).unwrap();
    // A user signed by a stranger, an account signed by another operator.
    let stranger = KeyPair::new_account().unwrap();
    let (_, bad_user) = user_jwt(&stranger, "mallory");
    let users = f.store.layout.users_dir("acme");
    fs::write(users.join("mallory.jwt"), &bad_user).unwrap();
    let other_operator = KeyPair::generate(KeyKind::Operator).unwrap();
    let mut foreign = AccountClaims::new(stranger.public_key().as_str());
    foreign.name = "foreign".into();
    f.store.put_key(&stranger).unwrap();
    f.store
        .put_account_jwt("foreign", &foreign.encode(&other_operator).unwrap())
        .unwrap();
    let problems = f.store.check();
    let paths: Vec<&Path> = problems.iter().map(|p| p.path.as_path()).collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(paths.contains(&f.store.layout.account_jwt("acme").as_path())); // signer's seed
    assert!(paths.contains(&users.join("mallory.jwt").as_path()));
    assert!(paths.contains(&f.store.layout.account_jwt("foreign").as_path()));
    let (_scratch, reopened) = reopen(f);
    assert!(matches!(reopened, Err(StoreError::Invalid(p)) if p.len() == 3));
}

#[test]
fn check_reads_nsc_description() {
    let f = fixture("info");
    let info = f.store.layout.info();
    fs::write(
        &info,
        r#"{"managed":false,"name":"other","kind":"account","version":"1"}"#,
    )
    .unwrap();
    let problems = f.store.check();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|p| p.path == info));
    fs::write(&info, "not json").unwrap();
    assert_eq!(f.store.check().len(), 1);
}

#[cfg(unix)]
#[test]
fn modes_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture("modes");
    let account = add_account(&f, "acme");
    f.store
        .put_creds("acme", "alice", &Secret::new("creds".into()))
        .unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let key = f.store.layout.key(account.public_key().as_str());
    for file in [
        key.clone(),
        f.store.layout.account_jwt("acme"),
        f.store.layout.operator_jwt(),
        f.store.layout.info(),
        f.store.creds_path("acme", "alice"),
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    for dir in [
        key.parent().unwrap().to_owned(),
        f.store.layout.account_dir("acme"),
        f.store.operator_dir(),
        f.paths.keys.join("creds").join("demo").join("acme"),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
}

#[test]
fn a_store_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<DirStore>();
}

#[test]
fn tombstones_are_kept_until_forgotten() {
    let f = fixture("tombstones");
    let gone = add_account(&f, "gone");
    let public_key = gone.public_key().to_string();
    assert!(f.store.tombstones().unwrap().is_empty());
    f.store.put_tombstone(&public_key).unwrap();
    f.store.put_tombstone(&public_key).unwrap();
    f.store.delete_account("gone").unwrap();
    assert_eq!(f.store.tombstones().unwrap(), [public_key.as_str()]);
    assert!(matches!(
        f.store.put_tombstone("gone"),
        Err(StoreError::BadPublicKey { .. })
    ));
    let (scratch, reopened) = reopen(f);
    let store = reopened.unwrap();
    assert_eq!(store.tombstones().unwrap(), [public_key.as_str()]);
    store.delete_tombstone(&public_key).unwrap();
    store.delete_tombstone(&public_key).unwrap();
    assert!(store.tombstones().unwrap().is_empty());
    drop(store);
    drop(scratch);
}

#[test]
fn a_compare_and_set_tells_there_from_not_there() {
    let f = fixture("cas");
    let account = KeyPair::new_account().unwrap();
    let mut claims = AccountClaims::new(account.public_key().as_str());
    claims.name = "acme".into();
    let jwt = claims.encode(&f.operator).unwrap();
    let conflict = |expected, found| {
        move |result: Result<u64, StoreError>| {
            assert!(
                matches!(&result, Err(StoreError::Conflict { name, expected: e, found: g })
                    if name == "acme" && *e == expected && *g == found),
                "{result:?}"
            );
        }
    };
    conflict(Some(DIR_REVISION), None)(f.store.put_account_jwt_if(
        "acme",
        &jwt,
        Some(DIR_REVISION),
    ));
    assert_eq!(
        f.store.put_account_jwt_if("acme", &jwt, None).unwrap(),
        DIR_REVISION
    );
    conflict(None, Some(DIR_REVISION))(f.store.put_account_jwt_if("acme", &jwt, None));
    let entry = f.store.account_entry("acme").unwrap().unwrap();
    assert_eq!(
        (entry.jwt.as_str(), entry.revision),
        (jwt.as_str(), DIR_REVISION)
    );
    assert_eq!(
        f.store
            .put_account_jwt_if("acme", &jwt, Some(entry.revision))
            .unwrap(),
        DIR_REVISION
    );
}

//! `KvStore` on a real nats-server 2.14 with JetStream: an nsc store copied into a bucket
//! and back comes back byte for byte; the raw bucket holds no seed; writers on their own
//! connections that change one account at once lose no change, and a write that finds its
//! own JWT stored is not applied again.
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use natsjwt::provision::{ProvisionError, Provisioner, SigningKeyUsage};
use natsjwt::store::{DirStore, KvStore, Store, StoreError, StorePaths, copy};
use natsjwt::{ExternalSigner, KeyPair, XKey};

use crate::common::client::bucket_values;
use crate::common::nats_server::{RunningServer, TempDir, newest_server};
use crate::common::tokens::holds_seed;
use crate::store::fixture;

const WHY: &str = "the KV store tests need JetStream, on 2.14";

/// One 2.14 server with JetStream, no accounts (everyone in the global account).
async fn jetstream_server() -> Option<RunningServer> {
    let binary = newest_server(2, 14, WHY)?;
    let dir = TempDir::new("kv-store");
    let config = format!(
        "jetstream {{ store_dir: \"{}\" }}\n",
        dir.path().join("js").display()
    );
    Some(RunningServer::start_in(&binary, dir, &config).await)
}

type Connecting =
    Pin<Box<dyn Future<Output = Result<async_nats::Client, async_nats::ConnectError>> + Send>>;

/// How a store connects to `server`.
fn connect(server: &RunningServer) -> impl FnOnce() -> Connecting + Send + 'static {
    let url = server.url();
    move || Box::pin(async move { async_nats::connect(url).await })
}

fn new_sealer() -> XKey {
    XKey::generate().unwrap()
}

/// The seed of a copy of `sealer`, to open the store again with the same key.
fn same(sealer: &XKey) -> XKey {
    XKey::from_seed(sealer.seed().expose()).unwrap()
}

/// Everything a store holds, as text, keyed by where it is: what two stores that hold
/// the same compare equal on.
fn contents(store: &dyn Store) -> Vec<(String, String)> {
    let mut all = vec![(
        "operator".to_owned(),
        store.operator_jwt().unwrap().unwrap(),
    )];
    for account in store.account_names().unwrap() {
        all.push((
            account.clone(),
            store.account_jwt(&account).unwrap().unwrap(),
        ));
        for user in store.user_names(&account).unwrap() {
            let at = format!("{account}/{user}");
            all.push((
                at.clone(),
                store.user_jwt(&account, &user).unwrap().unwrap(),
            ));
            if let Some(creds) = store.creds(&account, &user).unwrap() {
                all.push((format!("{at}.creds"), creds.expose().to_owned()));
            }
        }
    }
    for public_key in store.key_public_keys().unwrap() {
        let seed = store.key(&public_key).unwrap().unwrap().seed();
        all.push((public_key, seed.expose().to_owned()));
    }
    for public_key in store.tombstones().unwrap() {
        all.push((format!("deleted/{public_key}"), String::new()));
    }
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn an_nsc_store_goes_into_a_bucket_and_back_byte_for_byte() {
    let Some(server) = jetstream_server().await else {
        return;
    };
    let (_fixture_dir, paths) = fixture("kv-copy");
    let nsc = DirStore::open(&paths, "demo").unwrap();
    let sealer = new_sealer();
    let kv = KvStore::create(connect(&server), "tenants", 1, "demo", same(&sealer)).unwrap();
    let copied = copy(&nsc, &kv).unwrap();
    // The fixture: operator demo, accounts SYS and acme, four users with creds.
    assert_eq!(
        (copied.keys, copied.accounts, copied.users, copied.creds),
        (10, 2, 4, 4)
    );
    assert_eq!(contents(&kv), contents(&nsc));

    // A second process opens the same bucket with the same key; then back into a
    // directory store, which opens (its checks pass) and holds the same bytes.
    drop(kv);
    let kv = KvStore::open(connect(&server), "tenants", same(&sealer)).unwrap();
    assert_eq!(kv.operator_name(), "demo");
    let dir = TempDir::new("kv-back");
    let back_paths = StorePaths::under(dir.path());
    let back = DirStore::create(&back_paths, "demo").unwrap();
    let copied_back = copy(&kv, &back).unwrap();
    assert_eq!(copied_back, copied);
    drop(back);
    let back = DirStore::open(&back_paths, "demo").unwrap();
    assert_eq!(contents(&back), contents(&nsc));

    // A bucket holds one store; a missing one is not found.
    let again = KvStore::create(connect(&server), "tenants", 1, "demo", same(&sealer));
    assert!(matches!(again, Err(StoreError::Exists { .. })), "{again:?}");
    let missing = KvStore::open(connect(&server), "nothing-here", same(&sealer));
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_raw_bucket_holds_jwts_and_public_keys_but_no_seed() {
    let Some(server) = jetstream_server().await else {
        return;
    };
    let sealer = new_sealer();
    let store = KvStore::create(connect(&server), "sealed", 1, "demo", same(&sealer)).unwrap();
    let setup = Provisioner::bootstrap("demo", SigningKeyUsage::Required).unwrap();
    setup.save(&store).unwrap();

    // What any reader of the bucket sees.
    let client = async_nats::connect(server.url()).await.unwrap();
    let values = bucket_values(&client, "sealed").await;
    let mut seeds = 0;
    for (key, value) in &values {
        let text = String::from_utf8_lossy(value);
        assert!(!holds_seed(&text), "{key} holds a seed in the clear");
        seeds += usize::from(key.starts_with("seed."));
    }
    let keys: Vec<&str> = values.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(seeds, 5, "{keys:?}");
    let operator = values.iter().find(|(key, _)| key == "operator").unwrap();
    assert_eq!(&operator.1[..], setup.jwt.as_bytes());
    assert!(keys.contains(&format!("seed.{}", setup.operator_key.public_key()).as_str()));

    // The store's key opens them; another does not, and is refused at the door.
    let signing = setup.signing_key.public_key().to_string();
    assert_eq!(
        store.key(&signing).unwrap().unwrap().public_key(),
        setup.signing_key.public_key()
    );
    let wrong = KvStore::open(connect(&server), "sealed", new_sealer());
    assert!(
        matches!(&wrong, Err(StoreError::WrongSealKey { sealed_to, .. }) if sealed_to == sealer.public_key().as_str()),
        "{wrong:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn writers_changing_one_account_at_once_lose_no_change() {
    let Some(server) = jetstream_server().await else {
        return;
    };
    const WRITERS: usize = 3;
    const CHANGES: usize = 20;
    let sealer = new_sealer();
    let first = KvStore::create(connect(&server), "shared", 1, "demo", same(&sealer)).unwrap();
    let setup = Provisioner::bootstrap("demo", SigningKeyUsage::Required).unwrap();
    setup.save(&first).unwrap();
    let provisioner = Provisioner::open(&first).unwrap();
    provisioner
        .create_account("acme", |_| {})
        .unwrap()
        .save(&first)
        .unwrap();

    // Each writer its own connection, as a replica of the service has.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = KvStore::open(connect(&server), "shared", same(&sealer)).unwrap();
            let provisioner = provisioner.clone();
            std::thread::spawn(move || {
                let mut revoked = Vec::new();
                let mut revisions = Vec::new();
                let mut retried = 0;
                for _ in 0..CHANGES {
                    let user = KeyPair::new_user().unwrap().public_key().to_string();
                    let updated = provisioner
                        .update_account(&store, "acme", |tenant| {
                            tenant.revoke_user(&user, 1_700_000_000);
                            Ok(())
                        })
                        .unwrap();
                    retried += updated.attempts - 1;
                    revisions.push(updated.revision);
                    revoked.push(user);
                }
                println!("writer {w}: {retried} changes re-applied after a conflict");
                (revoked, revisions)
            })
        })
        .collect();
    let mut revoked = BTreeSet::new();
    let mut revisions = BTreeSet::new();
    for writer in writers {
        let (users, written) = writer.join().unwrap();
        revoked.extend(users);
        revisions.extend(written);
    }
    // Every revision written once, by one writer; every revocation in the final JWT.
    assert_eq!(revisions.len(), WRITERS * CHANGES);
    let tenant = provisioner.load_account(&first, "acme").unwrap();
    let revocations = &tenant.claims.nats.revocations;
    assert_eq!(revocations.len(), revoked.len());
    for user in &revoked {
        assert_eq!(revocations.get(user), Some(1_700_000_000), "{user}");
    }
    let entry = first.account_entry("acme").unwrap().unwrap();
    assert_eq!(Some(&entry.revision), revisions.iter().max());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_that_finds_its_own_jwt_stored_is_no_conflict() {
    let Some(server) = jetstream_server().await else {
        return;
    };
    let sealer = new_sealer();
    let store = KvStore::create(connect(&server), "again", 1, "demo", same(&sealer)).unwrap();
    let setup = Provisioner::bootstrap("demo", SigningKeyUsage::Required).unwrap();
    setup.save(&store).unwrap();
    let provisioner = Provisioner::open(&store).unwrap();
    let mut tenant = provisioner.create_account("acme", |_| {}).unwrap();
    tenant.save(&store).unwrap();
    let before = store.account_entry("acme").unwrap().unwrap();

    tenant.revoke_user(
        KeyPair::new_user().unwrap().public_key().as_str(),
        1_700_000_000,
    );
    let changed = provisioner.sign_account(&mut tenant).unwrap().to_owned();
    let written = store
        .put_account_jwt_if("acme", &changed, Some(before.revision))
        .unwrap();
    assert!(written > before.revision);
    // The same write again, as a writer does whose answer was lost: it landed.
    assert_eq!(
        store
            .put_account_jwt_if("acme", &changed, Some(before.revision))
            .unwrap(),
        written
    );
    // Another change on the old revision is the conflict it always was.
    tenant.revoke_user(
        KeyPair::new_user().unwrap().public_key().as_str(),
        1_700_000_000,
    );
    let other = provisioner.sign_account(&mut tenant).unwrap().to_owned();
    let conflict = store.put_account_jwt_if("acme", &other, Some(before.revision));
    assert!(
        matches!(
            &conflict,
            Err(StoreError::Conflict { expected, found, .. })
                if *expected == Some(before.revision) && *found == Some(written)
        ),
        "{conflict:?}"
    );
    assert_eq!(store.account_entry("acme").unwrap().unwrap().jwt, changed);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_operator_key_in_an_hsm_the_bucket_holds_no_operator_seed() {
    let Some(server) = jetstream_server().await else {
        return;
    };
    let store = KvStore::create(connect(&server), "hsm", 1, "demo", new_sealer()).unwrap();
    let setup = Provisioner::bootstrap("demo", SigningKeyUsage::Required).unwrap();
    setup.save(&store).unwrap();
    // The operator's keys go to the HSM: the store forgets their seeds.
    let operator_keys = [
        setup.operator_key.public_key().to_string(),
        setup.signing_key.public_key().to_string(),
    ];
    for key in &operator_keys {
        store.delete_key(key).unwrap();
    }
    let missing = Provisioner::open(&store);
    assert!(
        matches!(&missing, Err(ProvisionError::NotInStore(what)) if what.starts_with("a seed of a key that signs")),
        "{missing:?}"
    );

    let in_the_hsm = setup.signing_key.clone();
    let signed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = signed.clone();
    let hsm = ExternalSigner::new(&operator_keys[1], move |_key: &str, data: &[u8]| {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(in_the_hsm.sign(data).to_vec())
    })
    .unwrap();
    let provisioner = Provisioner::open_with_signer(&store, hsm).unwrap();
    let tenant = provisioner.create_account("acme", |_| {}).unwrap();
    tenant.save(&store).unwrap();
    provisioner
        .update_account(&store, "acme", |tenant| {
            tenant.revoke_user(KeyPair::new_user().unwrap().public_key().as_str(), 1);
            Ok(())
        })
        .unwrap();
    assert_eq!(signed.load(std::sync::atomic::Ordering::Relaxed), 2);
    assert_eq!(tenant.claims.issuer, operator_keys[1]);

    // The bucket holds the tenant's seeds (sealed), and none of the operator's.
    let client = async_nats::connect(server.url()).await.unwrap();
    let keys: Vec<String> = bucket_values(&client, "hsm")
        .await
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert!(
        keys.contains(&format!("seed.{}", tenant.public_key())),
        "{keys:?}"
    );
    for key in &operator_keys {
        assert!(!keys.contains(&format!("seed.{key}")), "{key} in {keys:?}");
    }
}

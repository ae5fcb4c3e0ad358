//! The provisioning API: bootstrap, accounts, users with each signer, scopes, revocation,
//! activations, resolver requests; each refusal asserts its exact error.
use std::sync::Mutex;

use crate::common::nats_server::TempDir;
use natsjwt::clock::FixedClock;
use natsjwt::provision::{ProvisionError, Provisioner, SigningKeyUsage, UserSigner};
use natsjwt::store::{AccountEntry, DirStore, Store, StoreError, StorePaths};
use natsjwt::trust::{Link, TrustError};
use natsjwt::types::{Export, ExportType};
use natsjwt::validation::Severity;
use natsjwt::{ClaimType, ClaimsError, GenericClaims, KeyPair, Secret, UserClaims};

const NOW: i64 = 1_800_000_000;

/// A provisioner for a fresh operator that does not enforce signing-key use.
fn lax_provisioner() -> Provisioner {
    Provisioner::bootstrap("o", SigningKeyUsage::Optional)
        .unwrap()
        .provisioner()
        .unwrap()
}

#[test]
fn bootstrap_creates_a_consistent_operator() {
    let setup = Provisioner::bootstrap("acme-operator", SigningKeyUsage::Required).unwrap();
    assert!(setup.claims.nats.strict_signing_key_usage);
    assert_eq!(
        setup.claims.issuer,
        setup.operator_key.public_key().as_str()
    );
    assert_eq!(
        setup.claims.nats.signing_keys,
        [setup.signing_key.public_key().to_string()]
    );
    assert_eq!(
        setup.claims.nats.system_account,
        setup.system_account.public_key()
    );

    let sys = &setup.system_account.claims;
    assert_eq!(sys.name, "SYS");
    assert_eq!(sys.issuer, setup.signing_key.public_key().as_str());
    let subjects: Vec<(&str, u64)> = sys
        .nats
        .exports
        .iter()
        .map(|e| (e.subject.as_str(), e.account_token_position))
        .collect();
    assert_eq!(
        subjects,
        [("$SYS.ACCOUNT.*.>", 3), ("$SYS.REQ.ACCOUNT.*.*", 4)]
    );

    let trust = setup.provisioner().unwrap().trust().clone();
    let account = trust.verify_account(setup.system_account.jwt()).unwrap();
    let user = trust.verify_user(&account, &setup.system_user.jwt).unwrap();
    assert_eq!(user.claims().name, "sys");
    assert_eq!(
        user.claims().nats.issuer_account,
        setup.system_account.public_key()
    );
    assert!(
        setup
            .system_user
            .creds()
            .unwrap()
            .expose()
            .contains("BEGIN USER NKEY SEED")
    );

    let config = setup.full_config("/var/lib/nats/jwt", &[]).render();
    assert!(config.contains(&format!(
        "system_account: {}",
        setup.system_account.public_key()
    )));
    assert!(config.contains("type: full"));
    assert!(config.contains(setup.system_account.jwt()));
}

#[test]
fn the_operator_identity_key_cannot_provision_under_strict() {
    let setup = Provisioner::bootstrap("o", SigningKeyUsage::Required).unwrap();
    let err = Provisioner::new(&setup.jwt, setup.operator_key.clone()).unwrap_err();
    assert!(
        matches!(err, ProvisionError::NotASigner(k) if k == setup.operator_key.public_key().as_str())
    );
    let lax = Provisioner::bootstrap("o", SigningKeyUsage::Optional).unwrap();
    Provisioner::new(&lax.jwt, lax.operator_key.clone()).unwrap();
    let stranger = KeyPair::new_operator().unwrap();
    assert!(matches!(
        Provisioner::new(&lax.jwt, stranger),
        Err(ProvisionError::NotASigner(_))
    ));
}

#[test]
fn users_by_each_signer() {
    let setup = Provisioner::bootstrap("o", SigningKeyUsage::Required).unwrap();
    let provisioner = setup.provisioner().unwrap().with_clock(FixedClock(NOW));
    let tenant = provisioner.create_account("acme", |_| {}).unwrap();
    assert_eq!(
        tenant.claims.issuer,
        setup.signing_key.public_key().as_str()
    );
    let signing = tenant.signing_keys()[0].public_key().to_string();
    let signing_key = tenant.signing_key(&signing).unwrap();

    let alice = provisioner
        .create_user(&tenant, "alice", UserSigner::SigningKey(signing_key), |u| {
            u.nats.permissions.publish.allow.push("acme.>".into());
        })
        .unwrap();
    assert_eq!(alice.claims.issuer, signing);
    assert_eq!(alice.claims.nats.issuer_account, tenant.public_key());
    assert_eq!(alice.claims.issued_at, NOW);
    let creds = alice.creds().unwrap();
    let (jwt, _) = natsjwt::creds::parse_user_creds(creds.expose()).unwrap();
    assert_eq!(jwt, alice.jwt);

    // Strict operator: the account identity key may not sign users.
    let err = provisioner
        .create_user(&tenant, "root", UserSigner::AccountKey, |_| {})
        .unwrap_err();
    assert!(matches!(
        err,
        ProvisionError::Refused(TrustError::IdentityKeyNotAllowed {
            link: Link::User,
            ..
        })
    ));
    // An external signer that is one of the account's keys works; another does not.
    let hsm = tenant.signing_keys()[0].clone();
    provisioner
        .create_user(&tenant, "ext", UserSigner::SigningKey(&hsm), |_| {})
        .unwrap();
    let stranger = KeyPair::new_account().unwrap();
    assert!(matches!(
        provisioner.create_user(&tenant, "x", UserSigner::SigningKey(&stranger), |_| {}),
        Err(ProvisionError::NotASigner(_))
    ));
    // A public key the account does not hold names no signer: signers are now passed as
    // keys, so the lookup by public key is where an unknown key is refused.
    assert!(tenant.signing_key("AXXX").is_none());
    assert!(tenant.signing_key(stranger.public_key().as_str()).is_none());

    // Not strict: the account key signs, without issuer_account.
    let lax = Provisioner::bootstrap("lax", SigningKeyUsage::Optional)
        .unwrap()
        .provisioner()
        .unwrap();
    let account = lax.create_account("a", |_| {}).unwrap();
    let root = lax
        .create_user(&account, "root", UserSigner::AccountKey, |u| {
            u.nats.issuer_account = "ignored".into();
        })
        .unwrap();
    assert!(root.claims.nats.issuer_account.is_empty());
    assert_eq!(root.claims.issuer, account.public_key());
}

#[test]
fn scoped_signing_keys() {
    let provisioner = lax_provisioner();
    let mut tenant = provisioner.create_account("acme", |_| {}).unwrap();
    let scoped = tenant
        .add_scoped_signing_key("reader", |t| {
            t.permissions
                .subscribe
                .allow
                .push("acme.{{name()}}.>".into())
        })
        .unwrap();
    provisioner.sign_account(&mut tenant).unwrap();
    let scoped_key = tenant.signing_key(&scoped).unwrap().clone();

    let bob = provisioner
        .create_user(&tenant, "bob", UserSigner::SigningKey(&scoped_key), |_| {})
        .unwrap();
    assert!(bob.claims.nats.has_empty_permissions());
    let trust = provisioner.trust();
    let account = trust.verify_account(tenant.jwt()).unwrap();
    let user = trust.verify_user(&account, &bob.jwt).unwrap();
    assert_eq!(
        user.effective_permissions().permissions.subscribe.allow,
        ["acme.bob.>"]
    );

    let err = provisioner
        .create_user(&tenant, "eve", UserSigner::SigningKey(&scoped_key), |u| {
            u.nats.permissions.publish.allow.push(">".into());
        })
        .unwrap_err();
    assert!(matches!(err, ProvisionError::ScopedUserWithPermissions));

    // Removing the key and re-signing makes its users unknown.
    tenant.remove_signing_key(&scoped);
    provisioner.sign_account(&mut tenant).unwrap();
    let account = trust.verify_account(tenant.jwt()).unwrap();
    assert!(matches!(
        trust.verify_user(&account, &bob.jwt),
        Err(TrustError::UnknownSigner { .. })
    ));
}

#[test]
fn invalid_claims_are_refused_before_signing() {
    let provisioner = lax_provisioner();
    let err = provisioner
        .create_account("bad", |a| a.nats.exports.push(Export::stream("a b")))
        .unwrap_err();
    match err {
        ProvisionError::Invalid { claim_type, issues } => {
            assert_eq!(claim_type, ClaimType::Account);
            assert_eq!(issues[0].description, r#"subject "a b" cannot have spaces"#);
        }
        other => panic!("{other:?}"),
    }
    let tenant = provisioner.create_account("t", |_| {}).unwrap();
    let err = provisioner
        .create_user(&tenant, "u", UserSigner::AccountKey, |u| {
            u.nats.limits.src.add(["10.0.0.0"]);
        })
        .unwrap_err();
    assert!(matches!(
        err,
        ProvisionError::Invalid {
            claim_type: ClaimType::User,
            ..
        }
    ));
    let err = provisioner
        .create_user(&tenant, "u", UserSigner::AccountKey, |u| u.expires = 1)
        .unwrap_err();
    assert!(
        matches!(err, ProvisionError::Invalid { issues, .. } if issues[0].severity == Severity::TimeCheck)
    );
}

/// Signing the account of a scoped key whose template `edit` sets fails with `expected`.
fn assert_scope_refused(
    edit: impl FnOnce(&mut natsjwt::types::UserPermissionLimits),
    expected: &str,
) {
    let provisioner = lax_provisioner();
    let mut tenant = provisioner.create_account("t", |_| {}).unwrap();
    tenant.add_scoped_signing_key("scope", edit).unwrap();
    match provisioner.sign_account(&mut tenant).unwrap_err() {
        ProvisionError::Claims(error @ ClaimsError::UnreadableScopeLimit { .. }) => {
            let message = error.to_string();
            assert!(message.contains(expected), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn scope_limits_go_cannot_read_are_refused() {
    assert_scope_refused(
        |t| t.limits.subs = i64::MAX,
        "template subs 9223372036854775807 is beyond 2^53",
    );
}

#[test]
fn scope_limits_of_zero_are_refused() {
    assert_scope_refused(
        |t| t.limits.payload = 0,
        "template payload 0 is written as absent",
    );
}

#[test]
fn bearer_users_of_accounts_that_refuse_them() {
    let provisioner = lax_provisioner();
    let tenant = provisioner
        .create_account("t", |a| a.nats.limits.disallow_bearer = true)
        .unwrap();
    let err = provisioner
        .create_user(&tenant, "b", UserSigner::AccountKey, |u| {
            u.nats.bearer_token = true
        })
        .unwrap_err();
    assert!(matches!(
        err,
        ProvisionError::Refused(TrustError::BearerNotAllowed)
    ));
}

#[test]
fn revoking_a_user_takes_effect_in_the_resigned_account() {
    let provisioner = lax_provisioner().with_clock(FixedClock(NOW));
    let mut tenant = provisioner.create_account("t", |_| {}).unwrap();
    let user = provisioner
        .create_user(&tenant, "u", UserSigner::AccountKey, |_| {})
        .unwrap();
    tenant.revoke_user(user.key.public_key().as_str(), NOW);
    provisioner.sign_account(&mut tenant).unwrap();
    let trust = provisioner.trust();
    let account = trust.verify_account(tenant.jwt()).unwrap();
    assert!(matches!(
        trust.verify_user(&account, &user.jwt),
        Err(TrustError::Revoked {
            link: Link::User,
            issued_at: NOW,
            ..
        })
    ));
    // A new user issued later is not revoked; issuing one at the revoked second is refused.
    let later = provisioner.clone().with_clock(FixedClock(NOW + 1));
    later
        .issue_user(
            &tenant,
            UserSigner::AccountKey,
            UserClaims::new(user.key.public_key().as_str()),
        )
        .unwrap();
    assert!(matches!(
        provisioner.issue_user(
            &tenant,
            UserSigner::AccountKey,
            UserClaims::new(user.key.public_key().as_str())
        ),
        Err(ProvisionError::Refused(TrustError::Revoked { .. }))
    ));
}

#[test]
fn private_exports_and_activations() {
    let provisioner = lax_provisioner();
    let mut exporter = provisioner.create_account("exporter", |_| {}).unwrap();
    let importer = provisioner.create_account("importer", |_| {}).unwrap();
    let mut private = Export::service("help.>");
    private.token_req = true;
    exporter.add_export(private);
    provisioner.sign_account(&mut exporter).unwrap();
    let signing = exporter.signing_keys()[0].public_key().to_string();
    let token = provisioner
        .issue_activation(
            &exporter,
            Some(&signing),
            importer.public_key(),
            "help.>",
            ExportType::Service,
            0,
        )
        .unwrap();
    let activation = natsjwt::ActivationClaims::decode(&token)
        .unwrap()
        .into_claims();
    assert_eq!(activation.nats.issuer_account, exporter.public_key());
    assert_eq!(activation.subject, importer.public_key());
    let err = provisioner
        .issue_activation(
            &exporter,
            None,
            importer.public_key(),
            "other.>",
            ExportType::Service,
            0,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        ProvisionError::Refused(TrustError::NoMatchingExport { .. })
    ));
}

#[test]
fn delete_requests_are_signed_by_the_operator_signing_key() {
    let setup = Provisioner::bootstrap("o", SigningKeyUsage::Required).unwrap();
    let provisioner = setup.provisioner().unwrap();
    let tenant = provisioner.create_account("t", |_| {}).unwrap();
    let request = provisioner.delete_request(&[tenant.public_key()]).unwrap();
    let claims = GenericClaims::decode(&request).unwrap().into_claims();
    assert_eq!(claims.issuer, setup.signing_key.public_key().as_str());
    assert_eq!(claims.subject, claims.issuer);
    assert_eq!(claims.nats.data["accounts"][0], tenant.public_key());
}

// State kept in a store: write-ahead saves, reload after a restart

/// A store that records the order of its writes and fails the write named `fail_on`.
struct Recording<'a> {
    store: &'a DirStore,
    writes: Mutex<Vec<String>>,
    fail_on: Option<&'static str>,
}

impl Recording<'_> {
    fn write(&self, what: &str, detail: &str) -> Result<(), StoreError> {
        if self.fail_on == Some(what) {
            return Err(StoreError::Io {
                path: what.into(),
                source: std::io::Error::other("disk full"),
            });
        }
        self.writes.lock().unwrap().push(format!("{what} {detail}"));
        Ok(())
    }
}

impl Store for Recording<'_> {
    fn operator_name(&self) -> &str {
        self.store.operator_name()
    }
    fn operator_jwt(&self) -> Result<Option<String>, StoreError> {
        self.store.operator_jwt()
    }
    fn put_operator_jwt(&self, jwt: &str) -> Result<(), StoreError> {
        self.write("operator", "")?;
        self.store.put_operator_jwt(jwt)
    }
    fn account_names(&self) -> Result<Vec<String>, StoreError> {
        self.store.account_names()
    }
    fn account_jwt(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.store.account_jwt(name)
    }
    fn put_account_jwt(&self, name: &str, jwt: &str) -> Result<(), StoreError> {
        self.write("account", name)?;
        self.store.put_account_jwt(name, jwt)
    }
    fn delete_account(&self, name: &str) -> Result<(), StoreError> {
        self.store.delete_account(name)
    }
    fn account_entry(&self, name: &str) -> Result<Option<AccountEntry>, StoreError> {
        self.store.account_entry(name)
    }
    fn put_account_jwt_if(
        &self,
        name: &str,
        jwt: &str,
        revision: Option<u64>,
    ) -> Result<u64, StoreError> {
        self.write("account", name)?;
        self.store.put_account_jwt_if(name, jwt, revision)
    }
    fn user_names(&self, account: &str) -> Result<Vec<String>, StoreError> {
        self.store.user_names(account)
    }
    fn user_jwt(&self, account: &str, user: &str) -> Result<Option<String>, StoreError> {
        self.store.user_jwt(account, user)
    }
    fn put_user_jwt(&self, account: &str, user: &str, jwt: &str) -> Result<(), StoreError> {
        self.write("user", user)?;
        self.store.put_user_jwt(account, user, jwt)
    }
    fn delete_user(&self, account: &str, user: &str) -> Result<(), StoreError> {
        self.store.delete_user(account, user)
    }
    fn key_public_keys(&self) -> Result<Vec<String>, StoreError> {
        self.store.key_public_keys()
    }
    fn key(&self, public_key: &str) -> Result<Option<KeyPair>, StoreError> {
        self.store.key(public_key)
    }
    fn put_key(&self, key: &KeyPair) -> Result<(), StoreError> {
        self.write("key", key.public_key().as_str())?;
        self.store.put_key(key)
    }
    fn delete_key(&self, public_key: &str) -> Result<(), StoreError> {
        self.store.delete_key(public_key)
    }
    fn tombstones(&self) -> Result<Vec<String>, StoreError> {
        self.store.tombstones()
    }
    fn put_tombstone(&self, public_key: &str) -> Result<(), StoreError> {
        self.write("tombstone", public_key)?;
        self.store.put_tombstone(public_key)
    }
    fn delete_tombstone(&self, public_key: &str) -> Result<(), StoreError> {
        self.store.delete_tombstone(public_key)
    }
    fn creds(&self, account: &str, user: &str) -> Result<Option<Secret>, StoreError> {
        self.store.creds(account, user)
    }
    fn put_creds(&self, account: &str, user: &str, creds: &Secret) -> Result<(), StoreError> {
        self.write("creds", user)?;
        self.store.put_creds(account, user, creds)
    }
}

/// A strict operator saved in a new store under `dir`.
fn saved_setup(dir: &TempDir) -> (StorePaths, Provisioner) {
    let paths = StorePaths::under(dir.path());
    let setup = Provisioner::bootstrap("o", SigningKeyUsage::Required).unwrap();
    setup.save(&DirStore::create(&paths, "o").unwrap()).unwrap();
    let provisioner = setup.provisioner().unwrap().with_clock(FixedClock(NOW));
    (paths, provisioner)
}

#[test]
fn saves_store_every_seed_before_the_jwt_that_needs_it() {
    let dir = TempDir::new("write-ahead");
    let (paths, provisioner) = saved_setup(&dir);
    let store = DirStore::open(&paths, "o").unwrap();
    let mut tenant = provisioner.create_account("acme", |_| {}).unwrap();
    let scoped = tenant.add_scoped_signing_key("reader", |_| {}).unwrap();
    provisioner.sign_account(&mut tenant).unwrap();
    let recording = Recording {
        store: &store,
        writes: Mutex::default(),
        fail_on: None,
    };
    tenant.save(&recording).unwrap();
    let plain = tenant.signing_keys()[0].public_key().to_string();
    let mut keys = vec![
        format!("key {}", tenant.public_key()),
        format!("key {plain}"),
        format!("key {scoped}"),
    ];
    keys.push("account acme".into());
    assert_eq!(*recording.writes.lock().unwrap(), keys);

    let writer = tenant.signing_keys()[0].clone();
    let alice = provisioner
        .create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |_| {})
        .unwrap();
    recording.writes.lock().unwrap().clear();
    alice.save(&recording, &tenant).unwrap();
    let user_key = format!("key {}", alice.key.public_key());
    assert_eq!(
        *recording.writes.lock().unwrap(),
        [user_key.as_str(), "user alice", "creds alice"]
    );

    // A seed that cannot be stored stops the save before the JWT is written.
    let mut grown = tenant.clone();
    grown.add_signing_key().unwrap();
    provisioner.sign_account(&mut grown).unwrap();
    let failing = Recording {
        store: &store,
        writes: Mutex::default(),
        fail_on: Some("key"),
    };
    assert!(matches!(
        grown.save(&failing),
        Err(ProvisionError::Store(StoreError::Io { .. }))
    ));
    assert!(failing.writes.lock().unwrap().is_empty());
    assert_eq!(store.account_jwt("acme").unwrap().unwrap(), tenant.jwt());
}

#[test]
fn every_edit_survives_a_restart() {
    let dir = TempDir::new("reload");
    let (paths, provisioner) = saved_setup(&dir);
    let (tenant_key, alice_key, reader) = {
        let store = DirStore::open(&paths, "o").unwrap();
        let mut tenant = provisioner.create_account("acme", |_| {}).unwrap();
        let reader = tenant
            .add_scoped_signing_key("reader", |scope| {
                scope.permissions.subscribe.allow.push("acme.>".into());
            })
            .unwrap();
        provisioner.sign_account(&mut tenant).unwrap();
        tenant.save(&store).unwrap();
        let writer = tenant.signing_keys()[0].clone();
        let alice = provisioner
            .create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |_| {})
            .unwrap();
        alice.save(&store, &tenant).unwrap();
        // bob, signed by the reader scope removed below: the store keeps him, as nsc does.
        let reader_key = tenant.signing_key(&reader).unwrap().clone();
        let bob = provisioner
            .create_user(&tenant, "bob", UserSigner::SigningKey(&reader_key), |_| {})
            .unwrap();
        bob.save(&store, &tenant).unwrap();
        (tenant.public_key().to_owned(), alice, reader)
    };

    // A restart: everything is read back from the store.
    let store = DirStore::open(&paths, "o").unwrap();
    let provisioner = Provisioner::open(&store)
        .unwrap()
        .with_clock(FixedClock(NOW + 10));
    let mut tenant = provisioner.load_account(&store, "acme").unwrap();
    assert_eq!(tenant.public_key(), tenant_key);
    assert_eq!(tenant.signing_keys().len(), 2);
    let scope = tenant.claims.nats.signing_keys.get(&reader).unwrap();
    assert_eq!(scope.scope().unwrap().role, "reader");
    let by_key = provisioner
        .load_account_by_key(&store, &tenant_key)
        .unwrap();
    assert_eq!(by_key.jwt(), tenant.jwt());
    let alice = provisioner.load_user(&store, &tenant, "alice").unwrap();
    assert_eq!(alice.jwt, alice_key.jwt);
    assert_eq!(alice.key.public_key(), alice_key.key.public_key());

    // Edits: revoke alice, drop the reader scope, add a plain and a scoped key; re-sign,
    // save.
    tenant.revoke_user(alice.key.public_key().as_str(), NOW + 10);
    tenant.remove_signing_key(&reader);
    let new_plain = tenant.add_signing_key().unwrap();
    let admin = tenant.add_scoped_signing_key("admin", |_| {}).unwrap();
    provisioner.sign_account(&mut tenant).unwrap();
    tenant.save(&store).unwrap();
    drop(store);

    let store = DirStore::open(&paths, "o").unwrap();
    let provisioner = Provisioner::open(&store)
        .unwrap()
        .with_clock(FixedClock(NOW + 20));
    let tenant = provisioner.load_account(&store, "acme").unwrap();
    assert_eq!(store.user_names("acme").unwrap(), ["alice", "bob"]);
    let keys = &tenant.claims.nats.signing_keys;
    assert!(!keys.contains(&reader) && keys.contains(&new_plain));
    assert_eq!(tenant.signing_keys().len(), 3);
    assert_eq!(keys.get(&admin).unwrap().scope().unwrap().role, "admin");
    assert!(
        tenant
            .claims
            .nats
            .revocations
            .is_revoked(alice.key.public_key().as_str(), alice.claims.issued_at)
    );
    // The reloaded keys sign: a new user by the new plain key verifies; alice is refused.
    let signer = tenant.signing_key(&new_plain).unwrap().clone();
    provisioner
        .create_user(&tenant, "carol", UserSigner::SigningKey(&signer), |_| {})
        .unwrap();
    let trusted = provisioner.trust().verify_account(tenant.jwt()).unwrap();
    assert!(matches!(
        provisioner.trust().verify_user(&trusted, &alice.jwt),
        Err(TrustError::Revoked { .. })
    ));
}

#[test]
fn a_store_without_the_keys_it_needs_is_refused_by_name() {
    let dir = TempDir::new("no-seed");
    let paths = StorePaths::under(dir.path());
    let setup = Provisioner::bootstrap("o", SigningKeyUsage::Required).unwrap();
    let store = DirStore::create(&paths, "o").unwrap();
    assert!(matches!(
        Provisioner::open(&store),
        Err(ProvisionError::NotInStore(what)) if what == "the operator JWT"
    ));
    // The operator JWT without its signing key's seed: nothing can sign accounts.
    store.put_operator_jwt(&setup.jwt).unwrap();
    let Err(ProvisionError::NotInStore(what)) = Provisioner::open(&store) else {
        panic!("opened without a signing key");
    };
    assert_eq!(
        what,
        format!(
            "a seed of a key that signs for operator {}",
            setup.operator_key.public_key()
        )
    );
    // The identity key of a strict operator does not sign accounts.
    store.put_key(&setup.operator_key).unwrap();
    assert!(Provisioner::open(&store).is_err());
    store.put_key(&setup.signing_key).unwrap();
    let provisioner = Provisioner::open(&store).unwrap();
    assert!(matches!(
        provisioner.load_account(&store, "acme"),
        Err(ProvisionError::NotInStore(what)) if what == "account acme"
    ));
}

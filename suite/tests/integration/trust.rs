//! The chain of trust: each case asserts the exact outcome (`TrustError` variant and link).
use natsjwt::clock::FixedClock;
use natsjwt::trust::{Link, Trust, TrustError};
use natsjwt::types::{Export, Permissions, UserScope};
use natsjwt::{AccountClaims, ActivationClaims, KeyPair, OperatorClaims, UserClaims};

const NOW: i64 = 1_800_000_000;
const IAT: i64 = NOW - 100;

struct World {
    operator: KeyPair,
    operator_signing: KeyPair,
    account: KeyPair,
    account_signing: KeyPair,
    scoped_signing: KeyPair,
    operator_jwt: String,
}

impl World {
    fn new(strict: bool) -> World {
        let operator = KeyPair::new_operator().unwrap();
        let operator_signing = KeyPair::new_operator().unwrap();
        let mut claims = OperatorClaims::new(operator.public_key().as_str());
        claims
            .nats
            .signing_keys
            .push(operator_signing.public_key().to_string());
        claims.nats.strict_signing_key_usage = strict;
        let operator_jwt = claims.encode_at(&operator, IAT).unwrap();
        World {
            operator,
            operator_signing,
            account: KeyPair::new_account().unwrap(),
            account_signing: KeyPair::new_account().unwrap(),
            scoped_signing: KeyPair::new_account().unwrap(),
            operator_jwt,
        }
    }

    fn trust(&self) -> Trust {
        Trust::new()
            .with_operator_jwt(&self.operator_jwt)
            .unwrap()
            .with_clock(FixedClock(NOW))
    }

    fn account_claims(&self) -> AccountClaims {
        let mut claims = AccountClaims::new(self.account.public_key().as_str());
        claims.name = "acme".into();
        claims.nats.tags.add(["region:eu"]);
        claims
            .nats
            .signing_keys
            .add(self.account_signing.public_key().as_str());
        let mut scope = UserScope::new(self.scoped_signing.public_key().as_str());
        scope.template.permissions.publish.allow = vec![
            "{{name()}}.>".into(),
            "{{account-name()}}.{{tag(team)}}".into(),
        ];
        scope.template.permissions.subscribe.allow = vec!["_INBOX.>".into()];
        claims.nats.signing_keys.add_scoped(scope);
        claims
    }

    fn account_jwt(&self, claims: &mut AccountClaims) -> String {
        claims.encode_at(&self.operator_signing, IAT).unwrap()
    }

    fn user(&self, name: &str) -> (KeyPair, UserClaims) {
        let user = KeyPair::new_user().unwrap();
        let mut claims = UserClaims::new(user.public_key().as_str());
        claims.name = name.into();
        (user, claims)
    }
}

#[test]
fn account_signed_by_operator_signing_key_or_identity() {
    let w = World::new(false);
    let trust = w.trust();
    let by_signing = trust
        .verify_account(&w.account_jwt(&mut w.account_claims()))
        .unwrap();
    assert_eq!(by_signing.operator(), w.operator.public_key().as_str());
    assert!(!by_signing.operator_is_strict());
    let by_identity = w.account_claims().encode_at(&w.operator, IAT).unwrap();
    trust.verify_account(&by_identity).unwrap();
}

#[test]
fn strict_operator_refuses_identity_key_for_accounts_and_users() {
    let w = World::new(true);
    let trust = w.trust();
    let by_identity = w.account_claims().encode_at(&w.operator, IAT).unwrap();
    let err = trust.verify_account(&by_identity).unwrap_err();
    assert_eq!(
        err,
        TrustError::IdentityKeyNotAllowed {
            link: Link::Account,
            issuer: w.operator.public_key().to_string()
        }
    );
    let account = trust
        .verify_account(&w.account_jwt(&mut w.account_claims()))
        .unwrap();
    assert!(account.operator_is_strict());
    // Under a strict operator the account identity key may not sign users either.
    let (_, mut user) = w.user("u");
    let jwt = user.encode_at(&w.account, IAT).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::IdentityKeyNotAllowed {
            link: Link::User,
            issuer: w.account.public_key().to_string()
        }
    );
    // A signing key still works.
    let (_, mut user) = w.user("v");
    user.nats.issuer_account = w.account.public_key().to_string();
    trust
        .verify_user(&account, &user.encode_at(&w.account_signing, IAT).unwrap())
        .unwrap();
}

#[test]
fn untrusted_or_missing_operator() {
    let w = World::new(false);
    let other = World::new(false);
    let jwt = other.account_jwt(&mut other.account_claims());
    assert_eq!(
        w.trust().verify_account(&jwt).unwrap_err(),
        TrustError::UntrustedIssuer {
            issuer: other.operator_signing.public_key().to_string()
        }
    );
    assert_eq!(
        Trust::new().verify_account(&jwt).unwrap_err(),
        TrustError::NoOperator
    );
    let self_signed = w.account_claims().encode_at(&w.account, IAT).unwrap();
    assert!(matches!(
        w.trust().verify_account(&self_signed).unwrap_err(),
        TrustError::UntrustedIssuer { .. }
    ));
}

#[test]
fn expired_and_not_yet_valid_accounts_with_leeway() {
    let w = World::new(false);
    let mut claims = w.account_claims();
    claims.expires = NOW;
    let jwt = w.account_jwt(&mut claims);
    let err = w.trust().verify_account(&jwt).unwrap_err();
    assert_eq!(
        err,
        TrustError::Expired {
            link: Link::Account,
            expires: NOW
        }
    );
    assert_eq!(err.link(), Link::Account);
    w.trust().with_leeway(1).verify_account(&jwt).unwrap();
    let mut claims = w.account_claims();
    claims.not_before = NOW + 10;
    let jwt = w.account_jwt(&mut claims);
    assert!(matches!(
        w.trust().verify_account(&jwt),
        Err(TrustError::NotYetValid { link: Link::Account, not_before }) if not_before == NOW + 10
    ));
    w.trust().with_leeway(10).verify_account(&jwt).unwrap();
}

#[test]
fn invalid_account_is_refused_with_its_issues() {
    let w = World::new(false);
    let mut claims = w.account_claims();
    claims
        .nats
        .default_permissions
        .publish
        .allow
        .push("a b".into());
    let jwt = w.account_jwt(&mut claims);
    match w.trust().verify_account(&jwt).unwrap_err() {
        TrustError::Invalid { link, issues } => {
            assert_eq!(link, Link::Account);
            assert_eq!(issues.len(), 1);
            assert!(
                issues[0]
                    .description
                    .contains("not allowed to contain queue")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn users_by_account_key_and_signing_key() {
    let w = World::new(false);
    let trust = w.trust();
    let account = trust
        .verify_account(&w.account_jwt(&mut w.account_claims()))
        .unwrap();
    let (_, mut user) = w.user("plain");
    user.nats.permissions.publish.allow.push("a.>".into());
    let ok = trust
        .verify_user(&account, &user.encode_at(&w.account, IAT).unwrap())
        .unwrap();
    assert_eq!(ok.account(), w.account.public_key().as_str());
    assert_eq!(
        ok.effective_permissions().permissions.publish.allow,
        ["a.>"]
    );

    // Signing key without issuer_account: the server looks up the signing key as an account.
    let (_, mut user) = w.user("no-issuer-account");
    let jwt = user.encode_at(&w.account_signing, IAT).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::WrongAccount {
            link: Link::User,
            expected: w.account.public_key().to_string(),
            found: w.account_signing.public_key().to_string()
        }
    );

    // issuer_account naming another account.
    let (_, mut user) = w.user("wrong");
    let elsewhere = KeyPair::new_account().unwrap();
    user.nats.issuer_account = elsewhere.public_key().to_string();
    let jwt = user.encode_at(&w.account_signing, IAT).unwrap();
    assert!(matches!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::WrongAccount { found, .. } if found == elsewhere.public_key().as_str()
    ));

    // A key the account does not list.
    let stranger = KeyPair::new_account().unwrap();
    let (_, mut user) = w.user("unknown");
    user.nats.issuer_account = w.account.public_key().to_string();
    let jwt = user.encode_at(&stranger, IAT).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::UnknownSigner {
            link: Link::User,
            issuer: stranger.public_key().to_string()
        }
    );
}

#[test]
fn scoped_signing_key_applies_template_and_refuses_own_permissions() {
    let w = World::new(false);
    let trust = w.trust();
    let account = trust
        .verify_account(&w.account_jwt(&mut w.account_claims()))
        .unwrap();

    let (_, mut user) = w.user("alice");
    user.nats.set_scoped(true);
    user.nats.issuer_account = w.account.public_key().to_string();
    user.nats.tags.add(["team:blue", "team:red"]);
    let jwt = user.encode_at(&w.scoped_signing, IAT).unwrap();
    let ok = trust.verify_user(&account, &jwt).unwrap();
    assert!(ok.is_scoped());
    let granted = ok.effective_permissions();
    assert_eq!(
        granted.permissions.publish.allow,
        ["alice.>", "acme.blue", "acme.red"]
    );
    assert_eq!(granted.permissions.subscribe.allow, ["_INBOX.>"]);
    assert_eq!(granted.limits.subs, -1);

    // The default constructor's -1 limits count as "own limits".
    let (_, mut user) = w.user("bob");
    user.nats.issuer_account = w.account.public_key().to_string();
    let jwt = user.encode_at(&w.scoped_signing, IAT).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::ScopedUserHasPermissions
    );
    let (_, mut user) = w.user("carol");
    user.nats.set_scoped(true);
    user.nats.permissions.subscribe.allow.push("x".into());
    user.nats.issuer_account = w.account.public_key().to_string();
    let jwt = user.encode_at(&w.scoped_signing, IAT).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::ScopedUserHasPermissions
    );
}

#[test]
fn users_without_permissions_get_account_defaults() {
    let w = World::new(false);
    let mut claims = w.account_claims();
    claims
        .nats
        .default_permissions
        .subscribe
        .allow
        .push("public.>".into());
    let trust = w.trust();
    let account = trust.verify_account(&w.account_jwt(&mut claims)).unwrap();
    let (_, mut user) = w.user("d");
    let ok = trust
        .verify_user(&account, &user.encode_at(&w.account, IAT).unwrap())
        .unwrap();
    let mut expected = Permissions::default();
    expected.subscribe.allow.push("public.>".into());
    assert_eq!(ok.effective_permissions().permissions, expected);
}

#[test]
fn revocation_is_inclusive_and_star_counts() {
    let w = World::new(false);
    let (user_key, mut user) = w.user("r");
    let jwt = user.encode_at(&w.account, IAT).unwrap();
    let mut claims = w.account_claims();
    claims.revoke_at(user_key.public_key().as_str(), IAT);
    let trust = w.trust();
    let account = trust.verify_account(&w.account_jwt(&mut claims)).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::Revoked {
            link: Link::User,
            subject: user_key.public_key().to_string(),
            issued_at: IAT
        }
    );
    // One second before iat does not revoke.
    let mut claims = w.account_claims();
    claims.revoke_at(user_key.public_key().as_str(), IAT - 1);
    let account = trust.verify_account(&w.account_jwt(&mut claims)).unwrap();
    trust.verify_user(&account, &jwt).unwrap();
    // `*` revokes everyone issued up to its time.
    let mut claims = w.account_claims();
    claims.revoke_at("*", IAT);
    let account = trust.verify_account(&w.account_jwt(&mut claims)).unwrap();
    assert!(matches!(
        trust.verify_user(&account, &jwt),
        Err(TrustError::Revoked { .. })
    ));
}

#[test]
fn expired_users_bearer_and_connection_types() {
    let w = World::new(false);
    let trust = w.trust();
    let mut claims = w.account_claims();
    claims.nats.limits.disallow_bearer = true;
    let account = trust.verify_account(&w.account_jwt(&mut claims)).unwrap();

    let (_, mut user) = w.user("e");
    user.expires = NOW - 1;
    let jwt = user.encode_at(&w.account, IAT).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::Expired {
            link: Link::User,
            expires: NOW - 1
        }
    );

    let (_, mut user) = w.user("b");
    user.nats.bearer_token = true;
    let jwt = user.encode_at(&w.account, IAT).unwrap();
    assert_eq!(
        trust.verify_user(&account, &jwt).unwrap_err(),
        TrustError::BearerNotAllowed
    );

    let (_, mut user) = w.user("c");
    user.nats.allowed_connection_types = vec!["CARRIER_PIGEON".into()];
    let jwt = user.encode_at(&w.account, IAT).unwrap();
    assert!(matches!(
        trust.verify_user(&account, &jwt),
        Err(TrustError::NoKnownConnectionType(_))
    ));
    let (_, mut user) = w.user("c2");
    user.nats.allowed_connection_types = vec!["websocket".into(), "CARRIER_PIGEON".into()];
    trust
        .verify_user(&account, &user.encode_at(&w.account, IAT).unwrap())
        .unwrap();
}

#[test]
fn user_from_an_expired_account_is_refused() {
    let w = World::new(false);
    let mut claims = w.account_claims();
    claims.expires = NOW + 50;
    let jwt = w.account_jwt(&mut claims);
    let account = w.trust().verify_account(&jwt).unwrap();
    let later = w.trust().with_clock(FixedClock(NOW + 60));
    let (_, mut user) = w.user("late");
    let user_jwt = user.encode_at(&w.account, IAT).unwrap();
    assert_eq!(
        later.verify_user(&account, &user_jwt).unwrap_err(),
        TrustError::Expired {
            link: Link::Account,
            expires: NOW + 50
        }
    );
}

#[test]
fn activations() {
    let w = World::new(false);
    let trust = w.trust();
    let importer = KeyPair::new_account().unwrap();
    let mut claims = w.account_claims();
    let mut private = Export::service("help.*");
    private.token_req = true;
    claims.nats.exports.push(private);
    let exporter = trust.verify_account(&w.account_jwt(&mut claims)).unwrap();

    let activation = |signer: &KeyPair, issuer_account: &str, subject: &str| {
        let mut a = ActivationClaims::new(importer.public_key().as_str());
        a.nats.subject = subject.into();
        a.nats.kind = natsjwt::types::ExportType::Service;
        a.nats.issuer_account = issuer_account.into();
        a.encode_at(signer, IAT).unwrap()
    };
    let importer_pub = importer.public_key().as_str();
    trust
        .verify_activation(
            &exporter,
            importer_pub,
            &activation(&w.account, "", "help.me"),
        )
        .unwrap();
    trust
        .verify_activation(
            &exporter,
            importer_pub,
            &activation(
                &w.account_signing,
                w.account.public_key().as_str(),
                "help.me",
            ),
        )
        .unwrap();
    assert!(matches!(
        trust.verify_activation(
            &exporter,
            importer_pub,
            &activation(&w.account_signing, "", "help.me")
        ),
        Err(TrustError::WrongAccount {
            link: Link::Activation,
            ..
        })
    ));
    let other = KeyPair::new_account().unwrap();
    assert!(matches!(
        trust.verify_activation(
            &exporter,
            other.public_key().as_str(),
            &activation(&w.account, "", "help.me")
        ),
        Err(TrustError::ActivationForOtherAccount { .. })
    ));
    assert!(matches!(
        trust.verify_activation(
            &exporter,
            importer_pub,
            &activation(&w.account, "", "other.me")
        ),
        Err(TrustError::NoMatchingExport { .. })
    ));

    // Revoked on the export, inclusively.
    let mut claims = w.account_claims();
    let mut private = Export::service("help.*");
    private.token_req = true;
    private.revoke_at(importer_pub, IAT);
    claims.nats.exports.push(private);
    let exporter = trust.verify_account(&w.account_jwt(&mut claims)).unwrap();
    assert!(matches!(
        trust.verify_activation(
            &exporter,
            importer_pub,
            &activation(&w.account, "", "help.me")
        ),
        Err(TrustError::Revoked {
            link: Link::Activation,
            ..
        })
    ));
}

//! Who may connect: the acceptance matrix's connection cases, run against every nats-server
//! found (see `tests/common/nats_server.rs`), each asserting the server's exact answer.
use std::process::Command;
use std::time::Duration;

use crate::common::client::{
    assert_authorization_violation, connect_with, connected, expect_message, raw_connect, refused,
};
use crate::common::nats_server::{
    RunningServer, TempDir, example_binary, on_each_server, run_bounded,
};
use crate::common::world::{Account, Operator, User, now};
use natsjwt::KeyPair;
use natsjwt::types::{TimeRange, UserPermissionLimits, UserScope};

/// The line nats-server answers a refused CONNECT with.
const AUTHORIZATION_VIOLATION: &str = "-ERR 'Authorization Violation'";

/// A CONNECT that carries a user JWT and no nonce signature.
fn unsigned_connect(jwt: &str) -> String {
    format!(
        r#"{{"verbose":false,"pedantic":false,"lang":"raw","version":"0","protocol":1,"jwt":"{jwt}"}}"#
    )
}

#[tokio::test]
async fn quickstart_output_works_as_printed() {
    on_each_server("quickstart_output_works_as_printed", |binary| async move {
        let dir = TempDir::new("quickstart");
        let setup = dir.path().join("setup");
        let (status, stdout, stderr) = run_bounded(
            Command::new(example_binary("quickstart")).arg(&setup),
            Duration::from_secs(30),
        );
        assert!(status.success(), "quickstart failed: {stderr}");
        // Use exactly the files the printed instructions name.
        let conf = setup.join("server.conf");
        let creds = setup.join("user.creds");
        assert!(
            stdout.contains(&format!("nats-server -c {}", conf.display())),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("--creds {} pub", creds.display())),
            "{stdout}"
        );

        let server = RunningServer::start_with_file(&binary, dir, &conf).await;
        // Operator mode for real: a client without credentials is refused.
        let anonymous = connect_with(&server, async_nats::ConnectOptions::new()).await;
        assert_authorization_violation(&server, anonymous, "a client without credentials");
        let options = async_nats::ConnectOptions::with_credentials_file(&creds)
            .await
            .expect("reading user.creds");
        let connection = connect_with(&server, options)
            .await
            .unwrap_or_else(|e| panic!("{binary}: the quickstart user must connect: {e:?}"));
        let mut hello = connection.subscribe("hello").await;
        connection.publish("hello", "world").await;
        expect_message(&mut hello, "hello", "world").await;
    })
    .await;
}

#[tokio::test]
async fn bearer_user_connects_without_signing_the_nonce() {
    on_each_server(
        "bearer_user_connects_without_signing_the_nonce",
        |binary| async move {
            let operator = Operator::new();
            let account = Account::new("APP");
            let bearer = account.user("bearer", |u| u.nats.bearer_token = true);
            let plain = account.user("plain", |_| {});
            let server = operator.start_server(&binary, &[&account]).await;

            assert_eq!(
                raw_connect(&server, &unsigned_connect(&bearer.jwt)).await,
                Ok(())
            );
            // The same CONNECT for a user that is not a bearer token: the signature is required.
            assert_eq!(
                raw_connect(&server, &unsigned_connect(&plain.jwt)).await,
                Err(AUTHORIZATION_VIOLATION.to_owned())
            );
        },
    )
    .await;
}

#[tokio::test]
async fn disallow_bearer_account_refuses_bearer_user() {
    on_each_server(
        "disallow_bearer_account_refuses_bearer_user",
        |binary| async move {
            let operator = Operator::new();
            let mut account = Account::new("APP");
            account.claims.nats.limits.disallow_bearer = true;
            let bearer = account.user("bearer", |u| u.nats.bearer_token = true);
            let plain = account.user("plain", |_| {});
            let server = operator.start_server(&binary, &[&account]).await;

            assert_eq!(
                raw_connect(&server, &unsigned_connect(&bearer.jwt)).await,
                Err(AUTHORIZATION_VIOLATION.to_owned())
            );
            // Signing the nonce does not help: the account refuses bearer tokens outright.
            refused(
                &server,
                &bearer.creds,
                "a bearer user of a disallow_bearer account",
            )
            .await;
            connected(
                &server,
                &plain.creds,
                "a signing user of a disallow_bearer account",
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn expired_and_not_yet_valid_users_are_refused() {
    on_each_server(
        "expired_and_not_yet_valid_users_are_refused",
        |binary| async move {
            let operator = Operator::new();
            let account = Account::new("APP");
            let now = now();
            let expired = account.user("expired", |u| u.expires = now - 60);
            let not_yet = account.user("not-yet", |u| u.not_before = now + 3600);
            let current = account.user("current", |u| {
                u.not_before = now - 60;
                u.expires = now + 3600;
            });
            let server = operator.start_server(&binary, &[&account]).await;

            refused(&server, &expired.creds, "a user whose exp has passed").await;
            refused(&server, &not_yet.creds, "a user whose nbf is in the future").await;
            connected(&server, &current.creds, "a user inside nbf..exp").await;
        },
    )
    .await;
}

#[tokio::test]
async fn revoked_users_are_refused() {
    on_each_server("revoked_users_are_refused", |binary| async move {
        let operator = Operator::new();
        let now = now();

        // One user revoked by key, at exactly its iat (revocation is inclusive).
        let mut by_key = Account::new("BY-KEY");
        let revoked = by_key.user("revoked", |_| {});
        let kept = by_key.user("kept", |_| {});
        by_key
            .claims
            .nats
            .revocations
            .revoke(revoked.key.public_key().as_str(), revoked.claims.issued_at);

        // `*`: everyone issued at or before the timestamp.
        let mut all = Account::new("ALL");
        let before = all.user_issued_at("before", now - 60, |_| {});
        let at = all.user_issued_at("at", now - 30, |_| {});
        let after = all.user_issued_at("after", now - 29, |_| {});
        all.claims.nats.revocations.revoke("*", now - 30);

        let server = operator.start_server(&binary, &[&by_key, &all]).await;

        refused(&server, &revoked.creds, "a user revoked by key").await;
        connected(
            &server,
            &kept.creds,
            "a user of the same account not revoked",
        )
        .await;
        refused(
            &server,
            &before.creds,
            "a user issued before a * revocation",
        )
        .await;
        refused(&server, &at.creds, "a user issued at a * revocation").await;
        connected(&server, &after.creds, "a user issued after a * revocation").await;
    })
    .await;
}

#[tokio::test]
async fn user_signed_by_unknown_key_is_refused() {
    on_each_server(
        "user_signed_by_unknown_key_is_refused",
        |binary| async move {
            let operator = Operator::new();
            let account = Account::new("APP");
            let stranger = KeyPair::new_account().unwrap();
            // Claims to belong to APP, signed by a key APP does not list.
            let forged = User::new("forged", &stranger, Some(account.public_key()), |_| {});
            // Signed by an account the server does not know.
            let orphan = User::new("orphan", &stranger, None, |_| {});
            let server = operator.start_server(&binary, &[&account]).await;

            refused(
                &server,
                &forged.creds,
                "a user signed by a key its account does not list",
            )
            .await;
            refused(&server, &orphan.creds, "a user of an unknown account").await;
        },
    )
    .await;
}

#[tokio::test]
async fn user_signed_by_account_signing_key_is_accepted() {
    on_each_server(
        "user_signed_by_account_signing_key_is_accepted",
        |binary| async move {
            let operator = Operator::new();
            let account = Account::new("APP");
            let user = account.user_by_signing_key("signed", |_| {});
            assert_eq!(user.claims.issuer, account.signing.public_key().as_str());
            let server = operator.start_server(&binary, &[&account]).await;

            let connection =
                connected(&server, &user.creds, "a user signed by a signing key").await;
            let mut sub = connection.subscribe("signed.>").await;
            connection.publish("signed.hello", "hi").await;
            expect_message(&mut sub, "signed.hello", "hi").await;
        },
    )
    .await;
}

#[tokio::test]
async fn source_network_limits_are_enforced() {
    on_each_server("source_network_limits_are_enforced", |binary| async move {
        let operator = Operator::new();
        let account = Account::new("APP");
        let elsewhere = account.user("elsewhere", |u| {
            u.nats.limits.src.add(["10.0.0.0/8", "192.168.0.0/16"])
        });
        let loopback = account.user("loopback", |u| {
            u.nats.limits.src.add(["10.0.0.0/8", "127.0.0.0/8"])
        });
        let server = operator.start_server(&binary, &[&account]).await;

        refused(
            &server,
            &elsewhere.creds,
            "a user whose src excludes 127.0.0.1",
        )
        .await;
        connected(
            &server,
            &loopback.creds,
            "a user whose src includes 127.0.0.1",
        )
        .await;
    })
    .await;
}

/// `HH:MM:SS` for a second of the day.
fn clock(seconds: i64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[tokio::test]
async fn time_windows_are_enforced() {
    on_each_server("time_windows_are_enforced", |binary| async move {
        // Stay clear of midnight so that no window has to wrap (both must hold for the
        // seconds the test runs).
        let mut second_of_day = now().rem_euclid(86_400);
        if second_of_day > 86_400 - 30 {
            tokio::time::sleep(Duration::from_secs((86_400 - second_of_day + 1) as u64)).await;
            second_of_day = now().rem_euclid(86_400);
        }
        let around_now = TimeRange::new(
            clock((second_of_day - 3600).max(0)),
            clock((second_of_day + 3600).min(86_399)),
        );
        // An hour-long window an hour away from now, on whichever side fits in the day.
        let away = if second_of_day < 43_200 {
            TimeRange::new(clock(second_of_day + 3600), clock(second_of_day + 7200))
        } else {
            TimeRange::new(clock(second_of_day - 7200), clock(second_of_day - 3600))
        };

        let operator = Operator::new();
        let account = Account::new("APP");
        let outside = account.user("outside", |u| {
            u.nats.limits.times = vec![away.clone()];
            u.nats.limits.times_location = "UTC".into();
        });
        let inside = account.user("inside", |u| {
            u.nats.limits.times = vec![away.clone(), around_now.clone()];
            u.nats.limits.times_location = "UTC".into();
        });
        let server = operator.start_server(&binary, &[&account]).await;

        refused(&server, &outside.creds, "a user outside its time window").await;
        connected(
            &server,
            &inside.creds,
            "a user inside one of its time windows",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn allowed_connection_types_are_enforced() {
    on_each_server(
        "allowed_connection_types_are_enforced",
        |binary| async move {
            let operator = Operator::new();
            let account = Account::new("APP");
            let websocket_only = account.user("ws", |u| {
                u.nats.allowed_connection_types = vec!["WEBSOCKET".into()]
            });
            let leaf_only = account.user("leaf", |u| {
                u.nats.allowed_connection_types = vec!["LEAFNODE".into()]
            });
            let unknown_only = account.user("unknown", |u| {
                u.nats.allowed_connection_types = vec!["CARRIER_PIGEON".into()]
            });
            // Lower case: the server upper-cases the names.
            let standard = account.user("std", |u| {
                u.nats.allowed_connection_types = vec!["websocket".into(), "standard".into()]
            });
            let server = operator.start_server(&binary, &[&account]).await;

            refused(
                &server,
                &websocket_only.creds,
                "a WEBSOCKET-only user on a plain connection",
            )
            .await;
            refused(
                &server,
                &leaf_only.creds,
                "a LEAFNODE-only user on a client connection",
            )
            .await;
            refused(
                &server,
                &unknown_only.creds,
                "a user allowed only an unknown connection type",
            )
            .await;
            connected(
                &server,
                &standard.creds,
                "a user allowed STANDARD connections",
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn scoped_signing_key_applies_its_template() {
    on_each_server(
        "scoped_signing_key_applies_its_template",
        |binary| async move {
            let operator = Operator::new();
            let mut account = Account::new("APP");
            let scoped_key = KeyPair::new_account().unwrap();
            let mut template = UserPermissionLimits::default();
            template
                .permissions
                .publish
                .allow
                .push("scoped.{{name()}}.>".into());
            template.permissions.subscribe.allow.push("scoped.>".into());
            template.limits = natsjwt::types::Limits::unlimited();
            account.claims.nats.signing_keys.add_scoped(UserScope {
                role: "scoped-users".into(),
                template,
                ..UserScope::new(scoped_key.public_key().as_str())
            });
            let alice = User::new("alice", &scoped_key, Some(account.public_key()), |u| {
                u.nats.set_scoped(true)
            });
            // Not scoped: it carries permissions (and the default -1 limits) of its own.
            let rogue = User::new("rogue", &scoped_key, Some(account.public_key()), |u| {
                u.nats.permissions.publish.allow.push(">".into());
            });
            let server = operator.start_server(&binary, &[&account]).await;

            let mut alice = connected(&server, &alice.creds, "a scoped user").await;
            let mut feed = alice.subscribe("scoped.>").await;
            alice.publish("scoped.alice.hello", "mine").await;
            expect_message(&mut feed, "scoped.alice.hello", "mine").await;
            alice.publish("scoped.bob.hello", "not mine").await;
            alice
                .expect_permission_violation("Publish", "scoped.bob.hello")
                .await;
            alice.publish("scoped.alice.after", "sentinel").await;
            expect_message(&mut feed, "scoped.alice.after", "sentinel").await;

            refused(
                &server,
                &rogue.creds,
                "a user of a scoped key carrying its own permissions",
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn strict_signing_key_usage_refuses_identity_signed_accounts() {
    on_each_server(
        "strict_signing_key_usage_refuses_identity_signed_accounts",
        |binary| async move {
            let mut operator = Operator::new();
            operator.claims.nats.strict_signing_key_usage = true;
            let by_signing_key = Account::new("SIGNED");
            let by_identity = Account::new("IDENTITY");
            let good = by_signing_key.user_by_signing_key("good", |_| {});
            let of_identity_account = by_identity.user_by_signing_key("stranded", |_| {});
            let by_account_identity = by_signing_key.user("identity-signed", |_| {});
            let config = operator.memory_config(&[
                operator.sign(&by_signing_key),
                by_identity.signed_by(&operator.identity),
            ]);
            let server = RunningServer::start(&binary, &config).await;

            connected(
                &server,
                &good.creds,
                "a user of an account signed by an operator signing key",
            )
            .await;
            refused(
                &server,
                &of_identity_account.creds,
                "a user of an account signed by the operator identity key",
            )
            .await;
            refused(
                &server,
                &by_account_identity.creds,
                "a user signed by the account identity key",
            )
            .await;
        },
    )
    .await;
}

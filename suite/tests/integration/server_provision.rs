//! The provisioning API against a real server with a full (directory) resolver: accounts
//! pushed with the resolver client become usable without a restart, pushed updates change
//! limits and revoke users, and a deleted account's users are refused.
use crate::common::client::{WAIT, connected, refused};
use crate::common::nats_server::{RunningServer, ServerBinary, TempDir, on_each_server};
use natsjwt::clock::{Clock as _, FixedClock};
use natsjwt::provision::{ManagedAccount, OperatorSetup, Provisioner, SigningKeyUsage, UserSigner};
use natsjwt::resolver::ResolverError;
use natsjwt::resolver::client::{Cluster, push_account};

/// A strict operator, and a server with a full resolver that knows only its system account.
async fn start(binary: ServerBinary) -> (OperatorSetup, Provisioner, RunningServer) {
    let setup = Provisioner::bootstrap("provisioning", SigningKeyUsage::Required).unwrap();
    let provisioner = setup.provisioner().unwrap();
    let dir = TempDir::new("resolver");
    let jwt_dir = dir.path().join("jwt");
    std::fs::create_dir_all(&jwt_dir).unwrap();
    let config = setup.full_config(&jwt_dir.to_string_lossy(), &[]).render();
    let server = RunningServer::start_in(&binary, dir, &config).await;
    (setup, provisioner, server)
}

/// Pushes `account` as the system user and checks the server stored it.
async fn push(server: &RunningServer, setup: &OperatorSetup, account: &ManagedAccount) {
    let sys = connected(server, setup.system_user.creds().unwrap().expose(), "sys").await;
    let reply = push_account(&sys.client, account.jwt(), WAIT)
        .await
        .unwrap();
    assert_eq!(reply.message, "jwt updated", "{}", server.binary);
    assert_eq!(reply.account, account.public_key());
    assert_eq!(reply.code, 200);
}

#[tokio::test]
async fn pushed_accounts_are_usable_without_a_restart() {
    on_each_server(
        "pushed_accounts_are_usable_without_a_restart",
        |binary| async move {
            let (setup, provisioner, server) = start(binary).await;
            let tenant = provisioner.create_account("acme", |_| {}).unwrap();
            let writer = tenant.signing_keys()[0].clone();
            let alice = provisioner
                .create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |_| {})
                .unwrap();
            let creds = alice.creds().unwrap();
            refused(
                &server,
                creds.expose(),
                "a user of an account not pushed yet",
            )
            .await;
            push(&server, &setup, &tenant).await;
            let alice = connected(&server, creds.expose(), "a user of the pushed account").await;
            alice.round_trip().await;
        },
    )
    .await;
}

#[tokio::test]
async fn pushed_updates_change_limits_and_revoke_users() {
    on_each_server(
        "pushed_updates_change_limits_and_revoke_users",
        |binary| async move {
            let (setup, provisioner, server) = start(binary).await;
            let mut tenant = provisioner.create_account("acme", |_| {}).unwrap();
            let writer = tenant.signing_keys()[0].clone();
            let alice = provisioner
                .create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |_| {})
                .unwrap();
            let bob = provisioner
                .create_user(&tenant, "bob", UserSigner::SigningKey(&writer), |_| {})
                .unwrap();
            push(&server, &setup, &tenant).await;
            connected(
                &server,
                bob.creds().unwrap().expose(),
                "bob before his revocation",
            )
            .await;

            // One subscription per account from now on, and bob revoked.
            tenant.claims.nats.limits.subs = 1;
            tenant.revoke_user(bob.key.public_key().as_str(), bob.claims.issued_at);
            provisioner.sign_account(&mut tenant).unwrap();
            push(&server, &setup, &tenant).await;

            refused(
                &server,
                bob.creds().unwrap().expose(),
                "bob after his revocation",
            )
            .await;
            let mut alice = connected(&server, alice.creds().unwrap().expose(), "alice").await;
            let _first = alice.subscribe("a").await;
            let _second = alice.subscribe("b").await;
            let error = alice.expect_server_error().await;
            assert!(
                error
                    .to_lowercase()
                    .contains("maximum subscriptions exceeded"),
                "{}: {error}",
                server.binary
            );
        },
    )
    .await;
}

#[tokio::test]
async fn deleted_accounts_refuse_their_users() {
    on_each_server("deleted_accounts_refuse_their_users", |binary| async move {
        let (setup, provisioner, server) = start(binary).await;
        let tenant = provisioner.create_account("acme", |_| {}).unwrap();
        let user = provisioner
            .create_user(
                &tenant,
                "carol",
                UserSigner::SigningKey(&tenant.signing_keys()[0]),
                |_| {},
            )
            .unwrap();
        push(&server, &setup, &tenant).await;
        connected(
            &server,
            user.creds().unwrap().expose(),
            "carol before the delete",
        )
        .await;

        let sys = connected(&server, setup.system_user.creds().unwrap().expose(), "sys").await;
        let cluster = Cluster::discover(sys.client.clone(), WAIT / 4)
            .await
            .unwrap();
        let request = provisioner.delete_request(&[tenant.public_key()]).unwrap();
        let report = cluster.delete(&request).await.unwrap();
        assert_eq!(
            report.replies[0].1.message, "deleted 1 accounts",
            "{}",
            server.binary
        );
        refused(
            &server,
            user.creds().unwrap().expose(),
            "carol after the delete",
        )
        .await;

        // The system account cannot be deleted.
        let request = provisioner
            .delete_request(&[setup.system_account.public_key()])
            .unwrap();
        match cluster.delete(&request).await {
            Err(ResolverError::Refused { description, .. }) => assert!(
                description.contains("not allowed to delete system account"),
                "{}: {description}",
                server.binary
            ),
            other => panic!(
                "{}: deleting SYS must be refused, got {other:?}",
                server.binary
            ),
        }
    })
    .await;
}

#[tokio::test]
async fn a_push_replaces_what_the_server_holds_even_with_an_older_version() {
    on_each_server(
        "a_push_replaces_what_the_server_holds_even_with_an_older_version",
        |binary| async move {
            let (setup, provisioner, server) = start(binary).await;
            // Every signature in one second: a clock that does not move.
            let now = natsjwt::clock::SystemClock.now();
            let provisioner = provisioner.with_clock(FixedClock(now));
            let mut tenant = provisioner.create_account("acme", |_| {}).unwrap();
            let before = tenant.jwt().to_owned();
            let writer = tenant.signing_keys()[0].clone();
            let alice = provisioner
                .create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |_| {})
                .unwrap();
            push(&server, &setup, &tenant).await;
            let creds = alice.creds().unwrap();
            connected(&server, creds.expose(), "alice before her revocation").await;

            // The revocation is issued a second after the version it replaces, even on
            // a clock that stands still (the resolvers' sync skips a same-second copy).
            tenant.revoke_user(alice.key.public_key().as_str(), now);
            provisioner.sign_account(&mut tenant).unwrap();
            assert_eq!(tenant.claims.issued_at, now + 1);
            push(&server, &setup, &tenant).await;
            refused(&server, creds.expose(), "alice after her revocation").await;

            // A push of the older version, arriving late, is taken all the same: the
            // revocation is undone. Pushes must be ordered by the one who sends them.
            let sys = connected(&server, setup.system_user.creds().unwrap().expose(), "sys").await;
            let reply = push_account(&sys.client, &before, WAIT).await.unwrap();
            assert_eq!(reply.message, "jwt updated");
            connected(&server, creds.expose(), "alice, her revocation undone").await;
        },
    )
    .await;
}

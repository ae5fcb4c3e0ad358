//! `examples/auth_callout.rs` against real nats-servers, driven by its flags. Operator
//! mode: the callout account sends every client's CONNECT to the service, which answers
//! from its user table, with and without xkey encryption, signed by the account key or a
//! signing key, placing users in the callout account or (`--user-seed`) in another one.
//! Config mode (`--config-account`), sealed, with `--on-deny drop`. Auth callout exists
//! from nats-server 2.10 on; on an older server (Debian's 2.9.10) the test asserts that
//! the callout is never consulted.
use crate::common::callout::{
    AUTH_TIMEOUT, CONFIG_SERVICE_USER, CalloutService, USERS, World, args, at_file, callout_server,
    config_mode_server, login, secret_file,
};
use crate::common::client::{
    assert_authorization_violation, connect_with, connected, expect_message,
};
use crate::common::nats_server::{RunningServer, ServerBinary, TempDir, on_each_server};
use crate::common::world::{Account, Operator, Resolver, User};
use async_nats::ConnectOptions;
use natsjwt::creds::write_secret_file;
use natsjwt::{KeyPair, XKey};
use std::time::Instant;

/// How the callout is set up.
#[derive(Clone, Copy)]
enum Setup {
    /// Plain requests; answers signed by the callout account's identity key.
    Plain,
    /// Requests sealed to the account's xkey; answers signed by its signing key.
    Encrypted,
}

/// Starts the server with a callout account and the service for it, then checks a good
/// password, a bad one and an unknown user.
async fn run_callout(binary: ServerBinary, setup: Setup) {
    let operator = Operator::new();
    let mut auth = Account::new("AUTH");
    let service_user: User = auth.user("callout-service", |_| {});
    auth.claims
        .nats
        .authorization
        .auth_users
        .push(service_user.key.public_key().to_string());
    let xkey = XKey::generate().unwrap();
    if let Setup::Encrypted = setup {
        auth.claims.nats.authorization.xkey = xkey.public_key().to_string();
    }

    let dir = TempDir::new("callout");
    let file = |name: &str, contents: &str| {
        let path = dir.path().join(name);
        write_secret_file(&path, contents).unwrap();
        path.display().to_string()
    };
    let mut args = vec![
        "--creds".to_owned(),
        file("service.creds", &service_user.creds),
        "--users".to_owned(),
        file("users.json", USERS),
        "--account".to_owned(),
        auth.public_key().to_owned(),
    ];
    match setup {
        Setup::Plain => args.extend([
            "--issuer-seed".to_owned(),
            format!("@{}", file("AUTH.nk", auth.identity.seed().expose())),
        ]),
        Setup::Encrypted => args.extend([
            "--issuer-seed".to_owned(),
            format!("@{}", file("AUTH-signing.nk", auth.signing.seed().expose())),
            "--xkey-seed".to_owned(),
            format!("@{}", file("service.xk", xkey.seed().expose())),
        ]),
    }
    // In operator mode a client without a JWT of its own is placed by the sentinel: a
    // bearer user of the callout account that may do nothing (`default_sentinel`, 2.11+).
    let sentinel = auth.user("sentinel", |u| {
        u.nats.bearer_token = true;
        u.nats.permissions.publish.deny.push(">".into());
        u.nats.permissions.subscribe.deny.push(">".into());
    });
    let extra = if binary.at_least(2, 11) {
        format!("default_sentinel: {}", sentinel.jwt)
    } else {
        String::new()
    };
    let config = operator.config(&Resolver::Memory, &[operator.sign(&auth)], &extra);
    let server = RunningServer::start_in(&binary, dir, &config).await;
    args.extend(["--server".to_owned(), server.url()]);
    let mut service = CalloutService::start(&args);
    service.expect_line("ready").await;

    let login = |user: &str, password: &str| {
        ConnectOptions::with_user_and_password(user.to_owned(), password.to_owned())
    };
    if !binary.at_least(2, 10) {
        // No auth callout before 2.10: the account's `authorization` is not read, and a
        // user/password client in operator mode is refused without asking anyone.
        let result = connect_with(&server, login("alice", "wonderland")).await;
        assert_authorization_violation(&server, result, "alice on a server without auth callout");
        service.expect_silence();
        return;
    }

    // The service says when a request came sealed: proof that the server encrypted it.
    let sealed = match setup {
        Setup::Plain => "",
        Setup::Encrypted => " (sealed)",
    };
    let mut alice = connect_with(&server, login("alice", "wonderland"))
        .await
        .unwrap_or_else(|e| panic!("{binary}: alice's good password must connect: {e:?}"));
    service.expect_line(&format!("allowed alice{sealed}")).await;
    let mut own = alice.subscribe("alice.>").await;
    alice.publish("alice.hello", "mine").await;
    expect_message(&mut own, "alice.hello", "mine").await;
    alice.publish("bob.hello", "not mine").await;
    alice
        .expect_permission_violation("Publish", "bob.hello")
        .await;
    let _bobs = alice.subscribe("bob.>").await;
    alice
        .expect_permission_violation("Subscription", "bob.>")
        .await;

    let result = connect_with(&server, login("alice", "guess")).await;
    assert_authorization_violation(&server, result, "alice with a bad password");
    service
        .expect_line(&format!("refused alice{sealed}: bad password"))
        .await;

    // The 2.10 way: the client presents the sentinel's creds itself, with its password.
    let options = ConnectOptions::with_credentials(&sentinel.creds)
        .unwrap()
        .user_and_password("bob".into(), "builder".into());
    let bob = connect_with(&server, options)
        .await
        .unwrap_or_else(|e| panic!("{binary}: bob with the sentinel's creds must connect: {e:?}"));
    service.expect_line(&format!("allowed bob{sealed}")).await;
    let mut own = bob.subscribe("bob.>").await;
    bob.publish("bob.hello", "mine").await;
    expect_message(&mut own, "bob.hello", "mine").await;

    let result = connect_with(&server, login("mallory", "wonderland")).await;
    assert_authorization_violation(&server, result, "an unknown user");
    service
        .expect_line(&format!("refused mallory{sealed}: unknown user"))
        .await;
}

#[tokio::test]
async fn auth_callout_plain() {
    on_each_server("auth_callout_plain", |binary| {
        run_callout(binary, Setup::Plain)
    })
    .await;
}

#[tokio::test]
async fn auth_callout_encrypted() {
    on_each_server("auth_callout_encrypted", |binary| {
        run_callout(binary, Setup::Encrypted)
    })
    .await;
}

/// Operator mode, `--user-seed` and `--user-account`: users land in `APP` (one of the
/// callout account's `allowed_accounts`), signed by APP's signing key.
#[tokio::test]
async fn auth_callout_places_users_in_another_account() {
    let Some(binary) = callout_server() else {
        return;
    };
    let world = World::start(&binary, |_| {}).await;
    let dir = TempDir::new("callout-placement");
    let mut service = CalloutService::start(&args(&[
        ("server", world.server.url()),
        (
            "creds",
            secret_file(&dir, "service.creds", &world.service_user.creds),
        ),
        ("account", world.auth.public_key().to_owned()),
        (
            "issuer-seed",
            at_file(&dir, "AUTH.nk", world.auth.identity.seed().expose()),
        ),
        (
            "user-seed",
            at_file(&dir, "APP-signing.nk", world.app.signing.seed().expose()),
        ),
        ("user-account", world.app.public_key().to_owned()),
        ("users", secret_file(&dir, "users.json", USERS)),
    ]));
    service.expect_line("ready").await;
    let alice = connect_with(&world.server, login("alice", "wonderland"))
        .await
        .unwrap_or_else(|e| panic!("alice must connect: {e:?}"));
    service.expect_line("allowed alice").await;
    // alice is in APP: a user of APP hears her.
    let listener = world.app.user("listener", |_| {});
    let listener = connected(&world.server, &listener.creds, "an APP user").await;
    let mut heard = listener.subscribe_synced("alice.>").await;
    alice.publish("alice.news", "in APP").await;
    expect_message(&mut heard, "alice.news", "in APP").await;
}

/// Config mode (`--user`/`--password`, `--config-account APP`), sealed, and `--on-deny
/// drop`: a refused client waits out the server's timeout.
#[tokio::test]
async fn auth_callout_config_mode_drop() {
    let Some(binary) = callout_server() else {
        return;
    };
    let issuer = KeyPair::new_account().unwrap();
    let xkey = XKey::generate().unwrap();
    let server = config_mode_server(&binary, issuer.public_key().as_str(), Some(&xkey)).await;
    let dir = TempDir::new("callout-config");
    let (user, password) = CONFIG_SERVICE_USER;
    let mut service = CalloutService::start(&args(&[
        ("server", server.url()),
        ("user", user.to_owned()),
        ("password", password.to_owned()),
        ("account", issuer.public_key().to_string()),
        (
            "issuer-seed",
            at_file(&dir, "issuer.nk", issuer.seed().expose()),
        ),
        (
            "xkey-seed",
            at_file(&dir, "service.xk", xkey.seed().expose()),
        ),
        ("config-account", "APP".to_owned()),
        ("on-deny", "drop".to_owned()),
        ("users", secret_file(&dir, "users.json", USERS)),
    ]));
    service.expect_line("ready").await;
    let mut alice = connect_with(&server, login("alice", "wonderland"))
        .await
        .unwrap_or_else(|e| panic!("alice must connect: {e:?}"));
    service.expect_line("allowed alice (sealed)").await;
    let mut own = alice.subscribe("alice.>").await;
    alice.publish("alice.hello", "mine").await;
    expect_message(&mut own, "alice.hello", "mine").await;
    alice.publish("bob.hello", "not mine").await;
    alice
        .expect_permission_violation("Publish", "bob.hello")
        .await;

    let started = Instant::now();
    let result = connect_with(&server, login("alice", "guess")).await;
    assert_authorization_violation(&server, result, "alice with a bad password");
    assert!(
        started.elapsed() >= AUTH_TIMEOUT,
        "a dropped request waits out the timeout"
    );
    service.expect_line("dropped alice (sealed)").await;
}

/// A set-up the server would refuse is refused before anything connects: a user key as
/// the issuer, a signing key in config mode.
#[test]
fn auth_callout_refuses_a_wrong_setup() {
    let dir = TempDir::new("callout-setup");
    let account = KeyPair::new_account().unwrap();
    let signing_key = KeyPair::new_account().unwrap();
    let users = secret_file(&dir, "users.json", USERS);
    let run = |extra: &[(&str, String)]| {
        let mut pairs = vec![
            ("server", "nats://127.0.0.1:1".to_owned()),
            ("user", "auth".to_owned()),
            ("password", "pw".to_owned()),
            ("account", account.public_key().to_string()),
            ("users", users.clone()),
        ];
        pairs.extend_from_slice(extra);
        let output =
            std::process::Command::new(crate::common::nats_server::example_binary("auth_callout"))
                .args(args(&pairs))
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let user_key = KeyPair::new_user().unwrap();
    let (code, stderr) = run(&[(
        "issuer-seed",
        at_file(&dir, "user.nk", user_key.seed().expose()),
    )]);
    assert_eq!(code, Some(65), "{stderr}");
    assert!(stderr.contains("issuer"), "{stderr}");
    let (code, stderr) = run(&[
        (
            "issuer-seed",
            at_file(&dir, "signing.nk", signing_key.seed().expose()),
        ),
        ("config-account", "APP".to_owned()),
    ]);
    assert_eq!(code, Some(65), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "config mode: the signer {} is not the issuer {}",
            signing_key.public_key(),
            account.public_key()
        )),
        "{stderr}"
    );
}

//! `examples/auth_callout.rs` against a real nats-server in operator mode: the callout
//! account sends every client's CONNECT to the service, which answers from its user table,
//! with and without xkey encryption. Auth callout exists from nats-server 2.10 on; on an
//! older server (Debian's 2.9.10) the test asserts that the callout is never consulted.
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

use crate::common::client::{assert_authorization_violation, connect_with, expect_message, WAIT};
use crate::common::nats_server::{
    example_binary, on_each_server, RunningServer, ServerBinary, TempDir,
};
use crate::common::world::{Account, Operator, Resolver, User};
use async_nats::ConnectOptions;
use natsjwt::creds::write_secret_file;
use natsjwt::XKey;
use tokio::sync::mpsc;

/// The callout service process, killed when dropped; its stdout lines arrive on `lines`.
struct CalloutService {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
}

impl CalloutService {
    fn start(args: &[String]) -> CalloutService {
        let mut child = Command::new(example_binary("auth_callout"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the auth_callout example");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        CalloutService { child, lines }
    }

    /// Asserts that the service's next line is `expected` (within [`WAIT`]).
    async fn expect_line(&mut self, expected: &str) {
        match tokio::time::timeout(WAIT, self.lines.recv()).await {
            Ok(Some(line)) => assert_eq!(line, expected, "the callout service's next line"),
            Ok(None) => panic!("the callout service exited; expected {expected:?}"),
            Err(_) => {
                panic!("the callout service printed nothing within {WAIT:?}; expected {expected:?}")
            }
        }
    }

    /// Asserts that the service printed nothing more.
    fn expect_silence(&mut self) {
        if let Ok(line) = self.lines.try_recv() {
            panic!("the callout service was not to be consulted, but printed {line:?}");
        }
    }
}

impl Drop for CalloutService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const USERS: &str = r#"{
  "alice": { "password": "wonderland", "publish": ["alice.>"], "subscribe": ["alice.>"] },
  "bob": { "password": "builder", "publish": ["bob.>"], "subscribe": ["bob.>"] }
}"#;

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
    ];
    match setup {
        Setup::Plain => args.extend([
            "--issuer-seed".to_owned(),
            format!("@{}", file("AUTH.nk", auth.identity.seed().expose())),
        ]),
        Setup::Encrypted => args.extend([
            "--issuer-seed".to_owned(),
            format!("@{}", file("AUTH-signing.nk", auth.signing.seed().expose())),
            "--account".to_owned(),
            auth.public_key().to_owned(),
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
        .expect_line(&format!("refused \"mallory\"{sealed}: unknown user"))
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

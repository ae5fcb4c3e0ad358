//! `ServerConfig`'s text against real nats-servers: a config-mode configuration with auth
//! callout (nats-server 2.10+; 2.9 refuses `auth_callout`), whose callout account has a
//! name that must be a quoted key and whose service user's password needs escapes; an
//! operator-mode configuration; and `server_name`, which names the server unless the command
//! line's `--server_name` (which the harness passes) overrides it.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::ConnectOptions;
use futures_util::StreamExt as _;
use natsjwt::claims::AUTHORIZATION_REQUEST_AUDIENCE;
use natsjwt::provision::{Provisioner, SigningKeyUsage, UserSigner};
use natsjwt::resolver::{
    AuthCallout, ConfigAccount, ConfigAuthorization, ConfigUser, ServerConfig,
};
use natsjwt::{AuthorizationRequestClaims, KeyPair};
use tokio::io::AsyncBufReadExt as _;

use crate::common::client::{
    WAIT, assert_authorization_violation, connect_with, connected, refused,
};
use crate::common::nats_server::{
    RunningServer, ServerBinary, TempDir, on_each_server, run_bounded, servers,
};

/// The callout account: not a plain identifier, so written as a quoted key.
const CALLOUT_ACCOUNT: &str = "callout service";
/// The service's user and password: a quote, a backslash and a backspace, escaped in the
/// text (JSON's `\b` for the backspace would be a parse error).
const SERVICE_USER: &str = "auth";
const SERVICE_PASSWORD: &str = "s3cret \"pw\" \\ \u{8}1";
/// The authorization timeout: how long a client waits for the callout's answer.
const AUTH_TIMEOUT: Duration = Duration::from_secs(1);

/// A config-mode configuration: the service's user in the callout account, an account
/// without users, and a callout to `issuer` that nobody answers.
fn callout_config(issuer: &str) -> ServerConfig {
    let accounts = vec![
        ConfigAccount::new(
            CALLOUT_ACCOUNT,
            vec![ConfigUser::new(SERVICE_USER, SERVICE_PASSWORD.to_owned())],
        )
        .unwrap(),
        ConfigAccount::new("APP", Vec::new()).unwrap(),
    ];
    let mut callout = AuthCallout::new(issuer, vec![SERVICE_USER.to_owned()]);
    callout.account = Some(CALLOUT_ACCOUNT.to_owned());
    let mut authorization = ConfigAuthorization::default();
    authorization.timeout = Some(AUTH_TIMEOUT);
    authorization.auth_callout = Some(callout);
    let mut config = ServerConfig::config_mode(accounts, authorization);
    // Overridden by the harness's --server_name: the server must still start as the harness's.
    config.server_name = Some("from-the-config".to_owned());
    config
}

/// `nats-server -t -c <config>`: whether the server accepts the configuration, and what it
/// printed.
fn check_config(binary: &ServerBinary, config: &str) -> (bool, String) {
    let dir = TempDir::new("config-check");
    let conf = dir.path().join("server.conf");
    std::fs::write(&conf, config).unwrap();
    let (status, stdout, stderr) = run_bounded(
        Command::new(&binary.path).arg("-t").arg("-c").arg(&conf),
        Duration::from_secs(10),
    );
    (status.success(), format!("{stdout}{stderr}"))
}

fn login(user: &str, password: &str) -> ConnectOptions {
    ConnectOptions::with_user_and_password(user.to_owned(), password.to_owned())
}

#[tokio::test]
async fn config_mode_auth_callout_without_a_service() {
    on_each_server(
        "config_mode_auth_callout_without_a_service",
        |binary| async move {
            let issuer = KeyPair::new_account().unwrap();
            let config = callout_config(issuer.public_key().as_str()).render();
            let (accepted, output) = check_config(&binary, &config);
            if !binary.at_least(2, 10) {
                // No auth callout before 2.10: the key is unknown and the server refuses it.
                assert!(!accepted, "{binary} accepted auth_callout:\n{config}");
                assert!(
                    output.contains(r#"unknown field "auth_callout""#),
                    "{binary}: {output}"
                );
                return;
            }
            assert!(
                accepted,
                "{binary} refused the configuration: {output}\n{config}"
            );
            let server = RunningServer::start(&binary, &config).await;

            // The service's user is in auth_users: its password is checked, no callout.
            let started = Instant::now();
            let service = connect_with(&server, login(SERVICE_USER, SERVICE_PASSWORD))
                .await
                .unwrap_or_else(|e| panic!("{binary}: the auth user must connect: {e:?}"));
            assert!(
                started.elapsed() < AUTH_TIMEOUT,
                "the auth user waited for a callout"
            );
            // Requests go to the callout account: receiving one proves the service's user is
            // in the account the quoted key names.
            let mut requests = service.subscribe("$SYS.REQ.USER.AUTH").await;
            service.round_trip().await;

            let started = Instant::now();
            let result = connect_with(&server, login(SERVICE_USER, "not the password")).await;
            assert_authorization_violation(&server, result, "the auth user with a bad password");
            assert!(
                started.elapsed() < AUTH_TIMEOUT,
                "the auth user's bad password waited for a callout ({:?})",
                started.elapsed()
            );

            // Anyone else is sent to the callout; nobody answers, so the server refuses the
            // client when the authorization timeout is over.
            let started = Instant::now();
            let alice = async {
                let result = connect_with(&server, login("alice", "wonderland")).await;
                (result, started.elapsed())
            };
            let request = async {
                match tokio::time::timeout(WAIT, requests.next()).await {
                    Ok(Some(message)) => message,
                    other => panic!("{binary}: no callout request within {WAIT:?}: {other:?}"),
                }
            };
            let ((result, waited), request) = tokio::join!(alice, request);
            assert!(
                request.reply.is_some(),
                "a callout request has a reply subject"
            );
            let token = std::str::from_utf8(&request.payload).unwrap();
            let verified = AuthorizationRequestClaims::decode(token)
                .unwrap_or_else(|e| panic!("{binary}: the request does not decode: {e}"));
            let claims = verified.claims();
            assert_eq!(claims.audience, AUTHORIZATION_REQUEST_AUDIENCE);
            assert!(claims.issuer.starts_with('N'), "{}", claims.issuer);
            assert_eq!(claims.nats.server_id.id, claims.issuer);
            assert_eq!(claims.nats.connect_opts.user, "alice");
            assert_eq!(claims.nats.connect_opts.password, "wonderland");
            // `exp` is the time of the request plus the timeout (both in whole seconds).
            let lifetime = claims.expires - claims.issued_at;
            assert!(
                (0..=AUTH_TIMEOUT.as_secs() as i64).contains(&lifetime),
                "{binary}: the request lives {lifetime} s, not the {AUTH_TIMEOUT:?} timeout"
            );

            assert_authorization_violation(&server, result, "a user nobody answered for");
            assert!(
                waited >= AUTH_TIMEOUT.mul_f64(0.9),
                "{binary}: refused after {waited:?}, before the {AUTH_TIMEOUT:?} timeout"
            );
            assert!(waited < WAIT, "{binary}: refused only after {waited:?}");
        },
    )
    .await;
}

#[tokio::test]
async fn operator_mode_config_still_works() {
    on_each_server("operator_mode_config_still_works", |binary| async move {
        let setup = Provisioner::bootstrap("server-config", SigningKeyUsage::Required).unwrap();
        let provisioner = setup.provisioner().unwrap();
        let tenant = provisioner.create_account("tenant", |_| {}).unwrap();
        let stranger = provisioner.create_account("stranger", |_| {}).unwrap();
        let writer = tenant.signing_keys()[0].clone();
        let alice = provisioner
            .create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |_| {})
            .unwrap();
        let writer = stranger.signing_keys()[0].clone();
        let bob = provisioner
            .create_user(&stranger, "bob", UserSigner::SigningKey(&writer), |_| {})
            .unwrap();
        let mut config = setup.memory_config(&[&tenant]);
        config.server_name = Some("from-the-config".to_owned());
        let server = RunningServer::start(&binary, &config.render()).await;

        let alice = connected(&server, alice.creds().unwrap().expose(), "a preloaded user").await;
        alice.round_trip().await;
        refused(
            &server,
            bob.creds().unwrap().expose(),
            "a user of an account not preloaded",
        )
        .await;
        let anonymous = connect_with(&server, login("alice", "wonderland")).await;
        assert_authorization_violation(&server, anonymous, "a password in operator mode");
    })
    .await;
}

/// A server started without the harness's `--server_name`, killed when dropped.
struct Unnamed(Child);

impl Drop for Unnamed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `server_name` of the INFO line the server on `port` sends, once it started; `None`
/// when it exited (as when the port was taken).
async fn info_server_name(child: &mut Child, port: u16) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not start on {port}"
        );
        if let Ok(stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let mut line = String::new();
            let mut reader = tokio::io::BufReader::new(stream);
            if let Ok(Ok(_)) = tokio::time::timeout(WAIT, reader.read_line(&mut line)).await {
                let info = line
                    .strip_prefix("INFO ")
                    .unwrap_or_else(|| panic!("not an INFO line: {line:?}"));
                let info: serde_json::Value = serde_json::from_str(info).unwrap();
                return Some(info["server_name"].as_str().unwrap().to_owned());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn server_name_names_the_server() {
    for binary in servers() {
        let name = format!("natsjwt-named-{}-{}", std::process::id(), binary.version);
        let dir = TempDir::new("server-name");
        let conf = dir.path().join("server.conf");
        let mut attempts = 0;
        let seen = loop {
            attempts += 1;
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            // Config mode without callout, which 2.9 reads too.
            let app = ConfigUser::new("app", "pw".to_owned());
            let mut config = ServerConfig::config_mode(
                vec![ConfigAccount::new("APP", vec![app]).unwrap()],
                ConfigAuthorization::default(),
            );
            config.server_name = Some(name.clone());
            config.listen = format!("127.0.0.1:{port}");
            std::fs::write(&conf, config.render()).unwrap();
            let mut server = Unnamed(
                Command::new(&binary.path)
                    .arg("-c")
                    .arg(&conf)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap(),
            );
            match info_server_name(&mut server.0, port).await {
                // The port was taken since it was picked: try another.
                None if attempts < 3 => continue,
                None => panic!("{binary} did not start from {}", conf.display()),
                Some(seen) => break seen,
            }
        };
        assert_eq!(seen, name, "{binary}: the server's name");
    }
}

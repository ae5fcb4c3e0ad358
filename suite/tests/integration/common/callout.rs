//! Auth-callout set-ups on real servers: the server version that has auth callout, an
//! operator-mode world with a callout account, a config-mode server, and the
//! `auth_callout` example as a process.

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_nats::ConnectOptions;
use natsjwt::XKey;
use natsjwt::creds::write_secret_file;
use natsjwt::resolver::{
    AuthCallout, ConfigAccount, ConfigAuthorization, ConfigUser, ServerConfig,
};
use natsjwt::trust::Trust;

use tokio::sync::mpsc;

use super::client::WAIT;
use super::nats_server::{RunningServer, ServerBinary, TempDir, example_binary, newest_server};
use super::world::{Account, AccountJwt, Operator, Resolver, User};

/// How long the server waits for the service's answer (its authorization timeout).
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(1);

/// The newest server found that has auth callout (2.10+), or `None` (reported).
pub fn callout_server() -> Option<ServerBinary> {
    newest_server(2, 10, "auth callout needs it")
}

/// An operator, the callout account `AUTH` (its service user in `auth_users`), an
/// account `APP` the callout may place users in, and a server trusting them.
pub struct World {
    pub operator: Operator,
    pub auth: Account,
    pub app: Account,
    pub service_user: User,
    pub server: RunningServer,
}

impl World {
    /// `configure` changes `AUTH` before it is signed.
    pub async fn start(binary: &ServerBinary, configure: impl FnOnce(&mut Account)) -> World {
        let operator = Operator::new();
        let mut auth = Account::new("AUTH");
        let app = Account::new("APP");
        let service_user = auth.user("callout-service", |_| {});
        let authorization = &mut auth.claims.nats.authorization;
        authorization
            .auth_users
            .push(service_user.key.public_key().to_string());
        authorization
            .allowed_accounts
            .push(app.public_key().to_owned());
        configure(&mut auth);
        // A client without a JWT of its own is placed by the default sentinel (2.11+).
        let sentinel = auth.user("sentinel", |u| {
            u.nats.bearer_token = true;
            u.nats.permissions.publish.deny.push(">".into());
            u.nats.permissions.subscribe.deny.push(">".into());
        });
        let mut extra = format!("authorization {{ timeout: {} }}\n", AUTH_TIMEOUT.as_secs());
        if binary.at_least(2, 11) {
            extra.push_str(&format!("default_sentinel: {}\n", sentinel.jwt));
        }
        let accounts = [operator.sign(&auth), operator.sign(&app)];
        let config = operator.config(&Resolver::Memory, &accounts, &extra);
        let server = RunningServer::start(binary, &config).await;
        World {
            operator,
            auth,
            app,
            service_user,
            server,
        }
    }

    /// `AUTH` as the server has it, checked by a trust in the operator.
    pub fn trust(&self) -> (Trust, AccountJwt) {
        let trust = Trust::new()
            .with_operator_jwt(&self.operator.jwt())
            .unwrap();
        (trust, self.operator.sign(&self.auth))
    }

    /// A client of the service user (it bypasses the callout).
    pub async fn service_client(&self) -> async_nats::Client {
        ConnectOptions::with_credentials(&self.service_user.creds)
            .unwrap()
            .connect(self.server.url())
            .await
            .unwrap_or_else(|e| panic!("the service user must connect: {e:?}"))
    }
}

pub fn login(user: &str, password: &str) -> ConnectOptions {
    ConnectOptions::with_user_and_password(user.to_owned(), password.to_owned())
}

/// The config-mode service user and its password.
pub const CONFIG_SERVICE_USER: (&str, &str) = ("auth", "auth-pw");

/// A config-mode configuration: the service's user [`CONFIG_SERVICE_USER`] in account
/// `AUTH`, an account `APP`, and a callout whose responses `issuer` signs (sealed to
/// `xkey` when given).
pub fn config_mode_config(issuer: &str, xkey: Option<&XKey>) -> ServerConfig {
    let (user, password) = CONFIG_SERVICE_USER;
    let accounts = vec![
        ConfigAccount::new("AUTH", vec![ConfigUser::new(user, password.to_owned())]).unwrap(),
        ConfigAccount::new("APP", Vec::new()).unwrap(),
    ];
    let mut callout = AuthCallout::new(issuer, vec![user.to_owned()]);
    callout.account = Some("AUTH".to_owned());
    callout.xkey = xkey.map(|x| x.public_key().to_string());
    let mut authorization = ConfigAuthorization::default();
    authorization.timeout = Some(AUTH_TIMEOUT);
    authorization.auth_callout = Some(callout);
    let mut config = ServerConfig::config_mode(accounts, authorization);
    config.extra.push("host: 127.0.0.1".to_owned());
    config
}

/// A server started with [`config_mode_config`].
pub async fn config_mode_server(
    binary: &ServerBinary,
    issuer: &str,
    xkey: Option<&XKey>,
) -> RunningServer {
    RunningServer::start(binary, &config_mode_config(issuer, xkey).render()).await
}

/// A client of the config-mode service user (it bypasses the callout).
pub async fn config_service_client(server: &RunningServer) -> async_nats::Client {
    let (user, password) = CONFIG_SERVICE_USER;
    login(user, password)
        .connect(server.url())
        .await
        .unwrap_or_else(|e| panic!("the service user must connect: {e:?}"))
}

/// The callout service process, killed when dropped; its stdout lines arrive on `lines`.
pub struct CalloutService {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
}

impl CalloutService {
    pub fn start(args: &[String]) -> CalloutService {
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
    pub async fn expect_line(&mut self, expected: &str) {
        match tokio::time::timeout(WAIT, self.lines.recv()).await {
            Ok(Some(line)) => assert_eq!(line, expected, "the callout service's next line"),
            Ok(None) => panic!("the callout service exited; expected {expected:?}"),
            Err(_) => {
                panic!("the callout service printed nothing within {WAIT:?}; expected {expected:?}")
            }
        }
    }

    /// The service's next line (within [`WAIT`]).
    pub async fn next_line(&mut self) -> String {
        match tokio::time::timeout(WAIT, self.lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => panic!("the callout service exited"),
            Err(_) => panic!("the callout service printed nothing within {WAIT:?}"),
        }
    }

    /// Asserts that the service printed nothing more.
    pub fn expect_silence(&mut self) {
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

/// The example's user table: alice and bob with their passwords and subjects.
pub const USERS: &str = r#"{
  "alice": { "password": "wonderland", "publish": ["alice.>"], "subscribe": ["alice.>"] },
  "bob": { "password": "builder", "publish": ["bob.>"], "subscribe": ["bob.>"] }
}"#;

/// Writes `contents` as a 0600 file in `dir` and returns its path.
pub fn secret_file(dir: &TempDir, name: &str, contents: &str) -> String {
    let path = dir.path().join(name);
    write_secret_file(&path, contents).unwrap();
    path.display().to_string()
}

/// [`secret_file`] as a seed argument: `@path`.
pub fn at_file(dir: &TempDir, name: &str, contents: &str) -> String {
    format!("@{}", secret_file(dir, name, contents))
}

/// `--flag value` for each pair.
pub fn args(pairs: &[(&str, String)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(flag, value)| [format!("--{flag}"), value.clone()])
        .collect()
}

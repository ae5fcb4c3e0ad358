//! [`ServerConfig`]: a `nats-server` configuration in operator mode or in config mode.

use std::fmt;
use std::time::Duration;

use crate::keys::Secret;
use crate::types::ByteSize;

/// A value as a double-quoted string of the server's configuration format.
///
/// Those strings take the escapes `\"`, `\\`, `\t`, `\n`, `\r` and `\xXX` only
/// (nats-server `conf/lex.go`): JSON's `\b`, `\f` and `\u00XX` are parse errors there. Other
/// ASCII control characters are written `\xXX`, everything else as it is.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A list of values, quoted, on one line: `["a", "b"]`.
fn quote_list(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| quote(v)).collect();
    format!("[{}]", items.join(", "))
}

/// An account name as a key of the `accounts` map.
///
/// A plain name (ASCII letters, digits, `_`, `-`) is written as it is, except `include`,
/// which the server reads as its include directive. Others are quoted; quoted keys take no
/// escapes (the key is the text up to the closing quote), so a name with a `"` is
/// single-quoted. [`ConfigAccount::new`] refuses a name with both quotes.
fn account_key(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !name.eq_ignore_ascii_case("include");
    if plain {
        name.to_owned()
    } else if name.contains('"') {
        format!("'{name}'")
    } else {
        format!("\"{name}\"")
    }
}

/// A duration as the server's seconds: `1`, or `0.5` with a fraction.
///
/// A number, not a duration string: nats-server before 2.11 reads a string `timeout` as
/// its default without a word.
fn seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        duration.as_secs().to_string()
    } else {
        duration.as_secs_f64().to_string()
    }
}

/// A duration as a Go duration string, which the server's resolver options take: `"2m"` for
/// whole minutes, else seconds, `"1.9s"` or `"0.5s"`.
fn go_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if duration.subsec_nanos() == 0 && secs > 0 && secs.is_multiple_of(60) {
        format!("\"{}m\"", secs / 60)
    } else {
        format!("\"{}s\"", seconds(duration))
    }
}

/// `host:port`, with an IPv6 host in brackets (how the server splits the address).
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The account the server puts users of no account in; no `accounts` entry may have its
/// name.
const GLOBAL_ACCOUNT: &str = "$G";

/// Why a part of a [`ServerConfig`] cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerConfigError {
    /// An account name is empty.
    #[error("an account name cannot be empty")]
    EmptyAccountName,
    /// The account name is the server's global account, `$G`, which it reserves.
    #[error("{0:?} is the server's reserved global account")]
    ReservedAccountName(String),
    /// The account name has both a `"` and a `'`: the server's configuration has no way
    /// to write it as a key (quoted keys take no escapes).
    #[error("account name {0:?} has both quote characters, which no configuration key can hold")]
    UnquotableAccountName(String),
    /// [`ServerConfig::cluster_nodes`]: the nodes' consecutive ports would go past 65535.
    #[error("{nodes} nodes from port {first} go past port 65535")]
    PortOutOfRange {
        /// The first node's port.
        first: u16,
        /// How many nodes were asked for.
        nodes: usize,
    },
}

/// How the server finds account JWTs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolverKind {
    /// `resolver: MEMORY`: only the preloaded accounts (updates to them are accepted).
    Memory,
    /// `resolver { type: full, … }`: a directory holding every account, accepting pushed
    /// accounts and sharing them with the other servers.
    Full(FullResolver),
    /// `resolver { type: cache, … }`: a directory caching the accounts fetched from the
    /// other servers (a full resolver holds them).
    Cache(CacheResolver),
}

/// A full resolver's options (`resolver { type: full … }`), as nats-server reads them
/// (`server/opts.go`, `NewDirAccResolver` in `server/accounts.go`). The server ignores
/// a key it does not know in this block, so the keys were checked against that parser.
///
/// ```
/// use std::time::Duration;
///
/// use natsjwt::resolver::FullResolver;
///
/// let mut full = FullResolver::new("/data/jwt");
/// assert!(full.allow_delete && !full.hard_delete && full.limit.is_none());
/// assert_eq!((full.interval, full.timeout), (Duration::from_secs(120), Duration::from_millis(1900)));
/// full.interval = Duration::from_secs(1); // tests: servers reconcile their accounts each second
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FullResolver {
    /// The directory holding the JWTs (`dir`; created if missing).
    pub dir: String,
    /// Accept delete requests (`allow_delete`; the server's default is `false`, this
    /// crate's `true`). A deleted JWT is renamed to `….jwt.deleted`.
    pub allow_delete: bool,
    /// Remove a deleted JWT's file rather than rename it (`hard_delete`, written only when
    /// `true`). The server refuses it without `allow_delete`.
    pub hard_delete: bool,
    /// How often the server compares its accounts with the other servers' and fetches
    /// what it lacks (`interval`; default 2 minutes, as `nsc` writes it; zero is the
    /// server's own default, 1 minute).
    pub interval: Duration,
    /// How long a lookup waits for the other servers (`timeout`; default 1.9 s, the
    /// server's). The server refuses zero.
    pub timeout: Duration,
    /// The most JWTs the directory holds (`limit`; no limit when `None` or 0). The server
    /// refuses a push past it.
    pub limit: Option<u32>,
}

impl FullResolver {
    /// A full resolver in `dir` with deletes allowed, `interval` 2 minutes and `timeout`
    /// 1.9 s.
    pub fn new(dir: &str) -> Self {
        FullResolver {
            dir: dir.to_owned(),
            allow_delete: true,
            hard_delete: false,
            interval: Duration::from_secs(120),
            timeout: DEFAULT_RESOLVER_TIMEOUT,
            limit: None,
        }
    }
}

/// A cache resolver's options (`resolver { type: cache … }`); the server refuses
/// `allow_delete`, `hard_delete` and `interval` for it, so they are not here.
///
/// ```
/// use std::time::Duration;
///
/// use natsjwt::resolver::CacheResolver;
///
/// let mut cache = CacheResolver::new("/data/jwt-cache");
/// cache.ttl = Some(Duration::from_secs(3600));
/// assert_eq!(cache.timeout, Duration::from_millis(1900));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheResolver {
    /// The directory holding the cached JWTs (`dir`; created if missing).
    pub dir: String,
    /// How long a JWT stays cached (`ttl`; until the JWT expires when `None`).
    pub ttl: Option<Duration>,
    /// How long a lookup waits for the other servers (`timeout`; default 1.9 s, the
    /// server's). The server refuses zero.
    pub timeout: Duration,
    /// The most JWTs cached, the oldest evicted past it (`limit`; the server's default,
    /// 1000, when `None` or 0).
    pub limit: Option<u32>,
}

impl CacheResolver {
    /// A cache resolver in `dir` with `timeout` 1.9 s and the server's defaults otherwise.
    pub fn new(dir: &str) -> Self {
        CacheResolver {
            dir: dir.to_owned(),
            ttl: None,
            timeout: DEFAULT_RESOLVER_TIMEOUT,
            limit: None,
        }
    }
}

/// How the nodes of a cluster on one host differ, for [`ServerConfig::cluster_nodes`]:
/// node *k* (from 1) is named `n`*k*, takes the *k*-th port of each consecutive range and
/// keeps its resolver directory and JetStream store under `base_dir/n`*k*.
///
/// ```
/// use natsjwt::resolver::ClusterLayout;
///
/// let layout = ClusterLayout::new("demo", "/var/lib/nats");
/// assert_eq!((layout.client_port, layout.cluster_port, layout.http_port), (4222, 6222, Some(8222)));
/// assert_eq!(layout.host, "127.0.0.1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterLayout {
    /// The cluster's name ([`ClusterConfig::name`]).
    pub name: String,
    /// The address every node listens on and the others route to (an IPv6 address is
    /// written in brackets); default `127.0.0.1`.
    pub host: String,
    /// The first node's client port (`listen`); default 4222.
    pub client_port: u16,
    /// The first node's route port (`cluster { listen }`); default 6222.
    pub cluster_port: u16,
    /// The first node's monitoring port (`http`); default 8222, no monitoring when `None`.
    pub http_port: Option<u16>,
    /// The directory holding each node's `n`*k*`/jwt` (resolver) and `n`*k*`/jetstream`
    /// (store).
    pub base_dir: String,
}

impl ClusterLayout {
    /// The cluster `name` on 127.0.0.1, ports from 4222 (clients), 6222 (routes) and 8222
    /// (monitoring), directories under `base_dir`.
    pub fn new(name: &str, base_dir: &str) -> Self {
        ClusterLayout {
            name: name.to_owned(),
            host: "127.0.0.1".to_owned(),
            client_port: 4222,
            cluster_port: 6222,
            http_port: Some(8222),
            base_dir: base_dir.to_owned(),
        }
    }
}

/// The `nodes` ports counted up from `first`, or why not.
fn port_range(first: u16, nodes: usize) -> Result<Vec<u16>, ServerConfigError> {
    (0..nodes)
        .map(|k| {
            u16::try_from(k)
                .ok()
                .and_then(|k| first.checked_add(k))
                .ok_or(ServerConfigError::PortOutOfRange { first, nodes })
        })
        .collect()
}

/// The server's account fetch timeout (`DEFAULT_ACCOUNT_FETCH_TIMEOUT`).
const DEFAULT_RESOLVER_TIMEOUT: Duration = Duration::from_millis(1900);

/// The `cluster` block: the routes of one node to the others.
///
/// [`ServerConfig::cluster_nodes`] fills it in for every node of a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterConfig {
    /// The cluster's name, the same on every node (`name`; omitted when empty, and then
    /// the servers agree on a generated one). The server refuses a name with a space.
    pub name: String,
    /// Where this node accepts routes (`listen`, `host:port`; omitted when empty).
    pub listen: String,
    /// The other nodes' route URLs (`routes`, `nats-route://host:port`; omitted when
    /// empty).
    pub routes: Vec<String>,
}

/// The `jetstream` block: JetStream on, with its store and limits.
///
/// ```
/// use natsjwt::resolver::JetStreamConfig;
/// use natsjwt::types::ByteSize;
///
/// let mut jetstream = JetStreamConfig::new("/data/js");
/// jetstream.max_file_store = Some(ByteSize::gib(64));
/// assert_eq!(jetstream.max_memory_store, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JetStreamConfig {
    /// The store directory (`store_dir`; the server's temp directory when empty).
    pub store_dir: String,
    /// The memory the server gives streams (`max_memory_store`, in bytes; 75% of the
    /// machine's memory when `None`).
    pub max_memory_store: Option<ByteSize>,
    /// The disk the server gives streams (`max_file_store`, in bytes; 75% of the free
    /// space under `store_dir` when `None`). Stream placement and reservations count
    /// against it, whatever the disk really has.
    pub max_file_store: Option<ByteSize>,
    /// The JetStream domain (`domain`; none when `None`).
    pub domain: Option<String>,
}

impl JetStreamConfig {
    /// JetStream storing in `store_dir`, with the server's default limits.
    pub fn new(store_dir: &str) -> Self {
        JetStreamConfig {
            store_dir: store_dir.to_owned(),
            ..JetStreamConfig::default()
        }
    }
}

/// Which way the server authenticates clients.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerMode {
    /// Operator mode: accounts and users are JWTs of a trusted operator.
    Operator(OperatorMode),
    /// Config mode: no operator; accounts and users are written in the configuration.
    Config(ConfigMode),
}

/// The operator-mode part: `operator`, `system_account`, `resolver`, `resolver_preload`.
///
/// Made by [`ServerConfig::memory`] and [`ServerConfig::full`]. Auth callout in operator
/// mode needs nothing here: it is in the callout account's JWT (see
/// [`ServerConfig`]'s auth callout example).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperatorMode {
    /// The operator JWT (written inline).
    pub operator_jwt: String,
    /// The system account's public key.
    pub system_account: String,
    /// The resolver.
    pub resolver: ResolverKind,
    /// Account JWTs loaded at start: (public key, JWT).
    pub preload: Vec<(String, String)>,
}

/// The config-mode part: the `accounts` block and the `authorization` block.
///
/// The `accounts` block is omitted when there are no accounts, the `authorization` block
/// when it sets nothing. See [`ServerConfig::config_mode`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigMode {
    /// The accounts (`accounts { NAME { users: [ … ] } }`).
    pub accounts: Vec<ConfigAccount>,
    /// The `authorization` block.
    pub authorization: ConfigAuthorization,
}

/// An account of a config-mode server and its users (`NAME { users: [ … ] }`).
///
/// The name is checked when made: [`ConfigAccount::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigAccount {
    name: String,
    /// The account's users (`users`); an account without users is written `NAME {}`.
    pub users: Vec<ConfigUser>,
}

impl ConfigAccount {
    /// The account `name` with `users`.
    ///
    /// Any name the server's configuration can hold is accepted; one that is not a plain
    /// identifier (ASCII letters, digits, `_`, `-`) is written as a quoted key.
    ///
    /// ```
    /// use natsjwt::resolver::{ConfigAccount, ConfigUser, ServerConfigError};
    ///
    /// let team = ConfigAccount::new("team a", vec![ConfigUser::new("alice", "s3cret".to_owned())])?;
    /// assert_eq!(team.name(), "team a");
    /// assert_eq!(ConfigAccount::new("", vec![]), Err(ServerConfigError::EmptyAccountName));
    /// assert!(ConfigAccount::new("$G", vec![]).is_err());
    /// assert!(ConfigAccount::new(r#"it's "odd""#, vec![]).is_err());
    /// # Ok::<(), ServerConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ServerConfigError::EmptyAccountName`] for an empty name,
    /// [`ServerConfigError::ReservedAccountName`] for `$G` (the server's global account),
    /// [`ServerConfigError::UnquotableAccountName`] for a name with both `"` and `'`.
    pub fn new(name: &str, users: Vec<ConfigUser>) -> Result<Self, ServerConfigError> {
        if name.is_empty() {
            return Err(ServerConfigError::EmptyAccountName);
        }
        if name == GLOBAL_ACCOUNT {
            return Err(ServerConfigError::ReservedAccountName(name.to_owned()));
        }
        if name.contains('"') && name.contains('\'') {
            return Err(ServerConfigError::UnquotableAccountName(name.to_owned()));
        }
        Ok(ConfigAccount {
            name: name.to_owned(),
            users,
        })
    }

    /// The account's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A user with a password (`{user: "…", password: "…"}`).
///
/// `Debug` does not show the password, which is wiped from memory when dropped. The
/// rendered configuration holds it in clear: write it with
/// [`creds::write_secret_file`](crate::creds::write_secret_file). A password starting with
/// `$2a$` (or another bcrypt prefix) is compared by the server as a bcrypt hash.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigUser {
    /// The user name (`user`).
    pub user: String,
    /// The password (`password`).
    pub password: Secret,
}

impl ConfigUser {
    /// The user `user` with `password`.
    ///
    /// ```
    /// use natsjwt::resolver::ConfigUser;
    ///
    /// let alice = ConfigUser::new("alice", "s3cret".to_owned());
    /// assert_eq!(alice.password.expose(), "s3cret");
    /// assert_eq!(
    ///     format!("{alice:?}"),
    ///     r#"ConfigUser { user: "alice", password: <redacted> }"#
    /// );
    /// ```
    pub fn new(user: &str, password: impl Into<Secret>) -> Self {
        ConfigUser {
            user: user.to_owned(),
            password: password.into(),
        }
    }

    /// `{user: "…", password: "…"}`.
    fn render(&self) -> String {
        format!(
            "{{user: {}, password: {}}}",
            quote(&self.user),
            quote(self.password.expose())
        )
    }
}

impl fmt::Debug for ConfigUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigUser")
            .field("user", &self.user)
            .field("password", &format_args!("<redacted>"))
            .finish()
    }
}

/// The config-mode `authorization` block.
///
/// Its users are in the global account (`$G`); users of other accounts are in
/// [`ConfigAccount::users`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigAuthorization {
    /// How long a client has to authenticate (`timeout`, in seconds; the server's default,
    /// 2 s without TLS, when `None` or zero). An auth callout request expires (`exp`) this
    /// long after it is sent, and the server waits as long for the answer.
    pub timeout: Option<Duration>,
    /// Users of the global account (`users`).
    pub users: Vec<ConfigUser>,
    /// The auth callout (`auth_callout`, nats-server 2.10+; 2.9 refuses the key).
    pub auth_callout: Option<AuthCallout>,
}

impl ConfigAuthorization {
    /// True when the block sets nothing (and is not written).
    fn is_empty(&self) -> bool {
        self.timeout.is_none() && self.users.is_empty() && self.auth_callout.is_none()
    }
}

/// A config-mode auth callout (`authorization { auth_callout { … } }`, nats-server 2.10+).
///
/// A client that is not one of the `auth_users` is sent to the service on
/// `$SYS.REQ.USER.AUTH` in the callout account. The server checks when it starts that
/// `issuer` is an account public key, `xkey` a curve public key and `auth_users` not
/// empty, and refuses the configuration otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthCallout {
    /// The account public key (`A…`) that signs the service's responses (`issuer`,
    /// required).
    pub issuer: String,
    /// The users the service connects as, which bypass the callout (`auth_users`,
    /// required): names of configured users, or their nkeys.
    pub auth_users: Vec<String>,
    /// The account the requests are sent in, and the service's users live in (`account`;
    /// the global account `$G` when `None`).
    pub account: Option<String>,
    /// The service's curve public key (`X…`) the requests are sealed to (`xkey`; plain
    /// requests when `None`).
    pub xkey: Option<String>,
    /// The accounts whose users are sent to the service (`allowed_accounts`, nats-server
    /// 2.11+, which refuses names of accounts not configured). Written only when not
    /// empty; empty means every account. Users of the global account are sent either way.
    pub allowed_accounts: Vec<String>,
}

impl AuthCallout {
    /// A callout answered by responses signed by `issuer`, with the service's users
    /// `auth_users`, in the global account, without encryption; see
    /// [`ServerConfig::config_mode`].
    ///
    /// ```
    /// use natsjwt::resolver::AuthCallout;
    ///
    /// let issuer = "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA";
    /// let mut callout = AuthCallout::new(issuer, vec!["auth".to_owned()]);
    /// callout.account = Some("AUTH".to_owned());
    /// assert_eq!(callout.issuer, issuer);
    /// assert!(callout.xkey.is_none() && callout.allowed_accounts.is_empty());
    /// ```
    pub fn new(issuer: &str, auth_users: Vec<String>) -> Self {
        AuthCallout {
            issuer: issuer.to_owned(),
            auth_users,
            account: None,
            xkey: None,
            allowed_accounts: Vec::new(),
        }
    }
}

/// A `nats-server` configuration: operator mode, or config mode with auth callout.
///
/// The text starts with `server_name`, `listen` and `http` when set, then the mode's part,
/// then the `cluster` and `jetstream` blocks when set, then the
/// [`extra`](ServerConfig::extra) lines. [`ServerConfig::cluster_nodes`] makes the
/// configurations of the nodes of a cluster from one. Values are written as quoted strings of the
/// server's format (account names as quoted keys where needed), so any character is safe;
/// the operator-mode JWTs and keys are written as they are.
///
/// [`OperatorSetup::memory_config`](crate::provision::OperatorSetup::memory_config) and
/// [`full_config`](crate::provision::OperatorSetup::full_config) fill one in from a
/// provisioned operator; here, short stand-ins for the JWTs and keys show the text:
///
/// ```
/// use natsjwt::resolver::ServerConfig;
///
/// let preload = vec![("ASYS".to_owned(), "SYS_JWT".to_owned())];
/// let memory = ServerConfig::memory("OPERATOR_JWT", "ASYS", preload.clone());
/// assert_eq!(memory.render(), "\
/// operator: OPERATOR_JWT
/// system_account: ASYS
/// resolver: MEMORY
/// resolver_preload: {
///   ASYS: SYS_JWT
/// }
/// ");
///
/// let mut full = ServerConfig::full("OPERATOR_JWT", "ASYS", "/data/jwt", preload);
/// full.server_name = Some("n1".into());
/// full.listen = "0.0.0.0:4222".into();
/// assert_eq!(full.render(), r#"server_name: "n1"
/// listen: "0.0.0.0:4222"
/// operator: OPERATOR_JWT
/// system_account: ASYS
/// resolver {
///   type: full
///   dir: "/data/jwt"
///   allow_delete: true
///   interval: "2m"
///   timeout: "1.9s"
/// }
/// resolver_preload: {
///   ASYS: SYS_JWT
/// }
/// "#);
/// ```
///
/// # Auth callout
///
/// The two modes set it up differently:
///
/// - **Operator mode** ([`ServerMode::Operator`]): the callout is configured in the
///   callout account's JWT (`AccountClaims.nats.authorization`: `auth_users`,
///   `allowed_accounts`, `xkey`), which the server reads from its resolver. The server
///   configuration does not change: the same [`ServerConfig::memory`] or
///   [`ServerConfig::full`] serves an operator with or without callout.
/// - **Config mode** ([`ServerMode::Config`], no operator): the server's own `accounts` and
///   `authorization { auth_callout { … } }` blocks configure it ([`AuthCallout`]); see
///   [`ServerConfig::config_mode`].
///
/// In operator mode, only the account's JWT changes when the callout is turned on:
///
/// ```
/// use natsjwt::provision::{Provisioner, SigningKeyUsage};
/// use natsjwt::KeyPair;
///
/// let setup = Provisioner::bootstrap("acme", SigningKeyUsage::Required)?;
/// let provisioner = setup.provisioner()?;
/// let tenant = provisioner.create_account("tenant", |_| {})?;
/// let mut auth = provisioner.create_account("auth", |_| {})?;
/// let without_callout = setup.memory_config(&[&auth, &tenant]).render();
///
/// // The callout service connects as this user; it places clients in `tenant`, and the
/// // server seals its requests to the service's curve key (from `XKey::generate`).
/// let service = KeyPair::new_user()?;
/// let callout = &mut auth.claims.nats.authorization;
/// callout.auth_users.push(service.public_key().to_string());
/// callout.allowed_accounts.push(tenant.public_key().to_owned());
/// callout.xkey = "XAULZHMH2KOIH5LJ3LOU2BOT4362SGR6SBPQAEM6HJKMM46ARAUAYUAS".into();
/// let old_jwt = auth.jwt().to_owned();
/// provisioner.sign_account(&mut auth)?;
/// assert!(auth.claims.nats.has_external_authorization());
///
/// // The same configuration, with the account's new JWT preloaded: nothing else to set.
/// let with_callout = setup.memory_config(&[&auth, &tenant]).render();
/// assert_eq!(with_callout, without_callout.replace(&old_jwt, auth.jwt()));
/// assert!(!with_callout.contains("auth_callout"));
/// # Ok::<(), natsjwt::provision::ProvisionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The server's name (`server_name`); omitted when `None`. The command line's
    /// `--server_name` overrides it.
    pub server_name: Option<String>,
    /// Listen address, e.g. `127.0.0.1:4222`; omitted when empty.
    pub listen: String,
    /// The monitoring endpoint's address (`http`, e.g. `127.0.0.1:8222`, serving
    /// `/varz`, `/routez`, `/jsz`, `/healthz` …); omitted when empty.
    pub http: String,
    /// Operator mode or config mode.
    pub mode: ServerMode,
    /// The routes to the other nodes of a cluster (`cluster { … }`); omitted when `None`.
    pub cluster: Option<ClusterConfig>,
    /// JetStream (`jetstream { … }`); off when `None`.
    pub jetstream: Option<JetStreamConfig>,
    /// Lines appended verbatim (e.g. `max_payload: 65536`).
    pub extra: Vec<String>,
}

impl ServerConfig {
    /// A configuration in `mode`, without name, addresses, cluster, JetStream or extra
    /// lines.
    ///
    /// ```
    /// use natsjwt::resolver::{ConfigMode, ServerConfig, ServerMode};
    ///
    /// let mut config = ServerConfig::new(ServerMode::Config(ConfigMode::default()));
    /// assert_eq!(config.render(), "");
    /// config.server_name = Some("n1".into());
    /// config.extra.push("max_payload: 65536".into());
    /// assert_eq!(config.render(), "server_name: \"n1\"\nmax_payload: 65536\n");
    /// ```
    pub fn new(mode: ServerMode) -> Self {
        ServerConfig {
            server_name: None,
            listen: String::new(),
            http: String::new(),
            mode,
            cluster: None,
            jetstream: None,
            extra: Vec::new(),
        }
    }

    /// An operator-mode configuration with a memory resolver preloading `accounts`
    /// (public key, JWT); see the [`ServerConfig`] example.
    ///
    /// ```
    /// use natsjwt::resolver::{ResolverKind, ServerConfig, ServerMode};
    ///
    /// let config = ServerConfig::memory("OPERATOR_JWT", "ASYS", vec![]);
    /// let ServerMode::Operator(operator) = &config.mode else { unreachable!() };
    /// assert_eq!(operator.resolver, ResolverKind::Memory);
    /// assert_eq!(config.render(), "operator: OPERATOR_JWT\nsystem_account: ASYS\nresolver: MEMORY\n");
    /// ```
    pub fn memory(
        operator_jwt: &str,
        system_account: &str,
        accounts: Vec<(String, String)>,
    ) -> Self {
        ServerConfig::new(ServerMode::Operator(OperatorMode {
            operator_jwt: operator_jwt.to_owned(),
            system_account: system_account.to_owned(),
            resolver: ResolverKind::Memory,
            preload: accounts,
        }))
    }

    /// An operator-mode configuration with a full resolver storing JWTs in `dir`,
    /// preloading `accounts`, with [`FullResolver::new`]'s options (deletes allowed);
    /// see the [`ServerConfig`] example.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use natsjwt::resolver::{FullResolver, ResolverKind, ServerConfig, ServerMode};
    ///
    /// let mut config = ServerConfig::full("OPERATOR_JWT", "ASYS", "/data/jwt", vec![]);
    /// let ServerMode::Operator(operator) = &mut config.mode else { unreachable!() };
    /// assert_eq!(operator.resolver, ResolverKind::Full(FullResolver::new("/data/jwt")));
    /// if let ResolverKind::Full(full) = &mut operator.resolver {
    ///     full.interval = Duration::from_secs(1);
    ///     full.limit = Some(1000);
    /// }
    /// assert!(config.render().contains(
    ///     "  dir: \"/data/jwt\"\n  allow_delete: true\n  interval: \"1s\"\n  timeout: \"1.9s\"\n  limit: 1000\n"
    /// ));
    /// ```
    pub fn full(
        operator_jwt: &str,
        system_account: &str,
        dir: &str,
        accounts: Vec<(String, String)>,
    ) -> Self {
        ServerConfig::new(ServerMode::Operator(OperatorMode {
            operator_jwt: operator_jwt.to_owned(),
            system_account: system_account.to_owned(),
            resolver: ResolverKind::Full(FullResolver::new(dir)),
            preload: accounts,
        }))
    }

    /// A config-mode configuration (no operator) with `accounts` and `authorization`.
    ///
    /// The auth callout's service connects as `auth`, a user of the `AUTH` account named
    /// in `auth_users`, and answers for everyone else; a client waits up to the
    /// authorization timeout for the answer:
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use natsjwt::resolver::{
    ///     AuthCallout, ConfigAccount, ConfigAuthorization, ConfigUser, ServerConfig,
    /// };
    ///
    /// let issuer = "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA";
    /// let accounts = vec![
    ///     ConfigAccount::new("AUTH", vec![ConfigUser::new("auth", "pw".to_owned())])?,
    ///     ConfigAccount::new("team a", vec![])?,
    /// ];
    /// let mut callout = AuthCallout::new(issuer, vec!["auth".to_owned()]);
    /// callout.account = Some("AUTH".to_owned());
    /// callout.xkey = Some("XAULZHMH2KOIH5LJ3LOU2BOT4362SGR6SBPQAEM6HJKMM46ARAUAYUAS".into());
    /// let mut authorization = ConfigAuthorization::default();
    /// authorization.timeout = Some(Duration::from_secs(3));
    /// authorization.auth_callout = Some(callout);
    ///
    /// let mut config = ServerConfig::config_mode(accounts, authorization);
    /// config.server_name = Some("callout-1".into());
    /// assert_eq!(config.render(), r#"server_name: "callout-1"
    /// accounts {
    ///   AUTH {
    ///     users: [
    ///       {user: "auth", password: "pw"}
    ///     ]
    ///   }
    ///   "team a" {}
    /// }
    /// authorization {
    ///   timeout: 3
    ///   auth_callout {
    ///     issuer: "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA"
    ///     auth_users: ["auth"]
    ///     account: "AUTH"
    ///     xkey: "XAULZHMH2KOIH5LJ3LOU2BOT4362SGR6SBPQAEM6HJKMM46ARAUAYUAS"
    ///   }
    /// }
    /// "#);
    /// # Ok::<(), natsjwt::resolver::ServerConfigError>(())
    /// ```
    pub fn config_mode(accounts: Vec<ConfigAccount>, authorization: ConfigAuthorization) -> Self {
        ServerConfig::new(ServerMode::Config(ConfigMode {
            accounts,
            authorization,
        }))
    }

    /// The configurations of the `nodes` nodes of a cluster laid out as `layout` says,
    /// each this configuration with its own name, addresses, routes to all the others and
    /// directories.
    ///
    /// Node *k* (from 1) gets `server_name` `n`*k*, `listen`, `http` and
    /// `cluster { listen }` on the *k*-th port from the layout's first ones, `routes` to
    /// every other node, a full or cache resolver `dir` of `base_dir/n`*k*`/jwt` and, when
    /// this configuration has JetStream, the `store_dir` `base_dir/n`*k*`/jetstream`.
    /// Everything else (operator, resolver options, JetStream limits, extra lines) is
    /// copied.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use natsjwt::resolver::{ClusterLayout, JetStreamConfig, ResolverKind, ServerConfig, ServerMode};
    ///
    /// let mut config = ServerConfig::full("OPERATOR_JWT", "ASYS", "", vec![]);
    /// if let ServerMode::Operator(operator) = &mut config.mode {
    ///     if let ResolverKind::Full(full) = &mut operator.resolver {
    ///         full.interval = Duration::from_secs(1);
    ///     }
    /// }
    /// config.jetstream = Some(JetStreamConfig::default());
    /// let nodes = config.cluster_nodes(3, &ClusterLayout::new("demo", "/data"))?;
    /// assert_eq!(nodes[1].render(), r#"server_name: "n2"
    /// listen: "127.0.0.1:4223"
    /// http: "127.0.0.1:8223"
    /// operator: OPERATOR_JWT
    /// system_account: ASYS
    /// resolver {
    ///   type: full
    ///   dir: "/data/n2/jwt"
    ///   allow_delete: true
    ///   interval: "1s"
    ///   timeout: "1.9s"
    /// }
    /// cluster {
    ///   name: "demo"
    ///   listen: "127.0.0.1:6223"
    ///   routes: ["nats-route://127.0.0.1:6222", "nats-route://127.0.0.1:6224"]
    /// }
    /// jetstream {
    ///   store_dir: "/data/n2/jetstream"
    /// }
    /// "#);
    /// # Ok::<(), natsjwt::resolver::ServerConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ServerConfigError::PortOutOfRange`] when a range of ports would go past 65535.
    pub fn cluster_nodes(
        &self,
        nodes: usize,
        layout: &ClusterLayout,
    ) -> Result<Vec<ServerConfig>, ServerConfigError> {
        let client_ports = port_range(layout.client_port, nodes)?;
        let cluster_ports = port_range(layout.cluster_port, nodes)?;
        let http_ports = match layout.http_port {
            Some(first) => port_range(first, nodes)?.into_iter().map(Some).collect(),
            None => vec![None; nodes],
        };
        let routes: Vec<String> = cluster_ports
            .iter()
            .map(|port| format!("nats-route://{}", host_port(&layout.host, *port)))
            .collect();
        let base = layout.base_dir.trim_end_matches('/');
        let configs = client_ports
            .iter()
            .zip(&cluster_ports)
            .zip(&http_ports)
            .enumerate()
            .map(|(index, ((client, cluster), http))| {
                let name = format!("n{}", index + 1);
                let mut node = self.clone();
                node.listen = host_port(&layout.host, *client);
                node.http = http.map_or_else(String::new, |port| host_port(&layout.host, port));
                node.cluster = Some(ClusterConfig {
                    name: layout.name.clone(),
                    listen: host_port(&layout.host, *cluster),
                    routes: routes
                        .iter()
                        .enumerate()
                        .filter(|(other, _)| *other != index)
                        .map(|(_, route)| route.clone())
                        .collect(),
                });
                if let ServerMode::Operator(operator) = &mut node.mode {
                    match &mut operator.resolver {
                        ResolverKind::Memory => {}
                        ResolverKind::Full(full) => full.dir = format!("{base}/{name}/jwt"),
                        ResolverKind::Cache(cache) => cache.dir = format!("{base}/{name}/jwt"),
                    }
                }
                if let Some(jetstream) = &mut node.jetstream {
                    jetstream.store_dir = format!("{base}/{name}/jetstream");
                }
                node.server_name = Some(name);
                node
            })
            .collect();
        Ok(configs)
    }

    /// The configuration text; see the [`ServerConfig`] and [`ServerConfig::config_mode`]
    /// examples.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(name) = &self.server_name {
            out.push_str(&format!("server_name: {}\n", quote(name)));
        }
        if !self.listen.is_empty() {
            out.push_str(&format!("listen: {}\n", quote(&self.listen)));
        }
        if !self.http.is_empty() {
            out.push_str(&format!("http: {}\n", quote(&self.http)));
        }
        match &self.mode {
            ServerMode::Operator(operator) => operator.render(&mut out),
            ServerMode::Config(config) => config.render(&mut out),
        }
        if let Some(cluster) = &self.cluster {
            cluster.render(&mut out);
        }
        if let Some(jetstream) = &self.jetstream {
            jetstream.render(&mut out);
        }
        for line in &self.extra {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

impl OperatorMode {
    fn render(&self, out: &mut String) {
        out.push_str(&format!("operator: {}\n", self.operator_jwt));
        out.push_str(&format!("system_account: {}\n", self.system_account));
        match &self.resolver {
            ResolverKind::Memory => out.push_str("resolver: MEMORY\n"),
            ResolverKind::Full(full) => {
                out.push_str(&format!(
                    "resolver {{\n  type: full\n  dir: {}\n  allow_delete: {}\n",
                    quote(&full.dir),
                    full.allow_delete
                ));
                if full.hard_delete {
                    out.push_str("  hard_delete: true\n");
                }
                out.push_str(&format!("  interval: {}\n", go_duration(full.interval)));
                render_lookup(out, full.timeout, full.limit);
            }
            ResolverKind::Cache(cache) => {
                out.push_str(&format!(
                    "resolver {{\n  type: cache\n  dir: {}\n",
                    quote(&cache.dir)
                ));
                if let Some(ttl) = cache.ttl {
                    out.push_str(&format!("  ttl: {}\n", go_duration(ttl)));
                }
                render_lookup(out, cache.timeout, cache.limit);
            }
        }
        if !self.preload.is_empty() {
            out.push_str("resolver_preload: {\n");
            for (account, jwt) in &self.preload {
                out.push_str(&format!("  {account}: {jwt}\n"));
            }
            out.push_str("}\n");
        }
    }
}

/// The end of a directory resolver's block: `timeout`, `limit` when set, `}`.
fn render_lookup(out: &mut String, timeout: Duration, limit: Option<u32>) {
    out.push_str(&format!("  timeout: {}\n", go_duration(timeout)));
    if let Some(limit) = limit {
        out.push_str(&format!("  limit: {limit}\n"));
    }
    out.push_str("}\n");
}

impl ClusterConfig {
    fn render(&self, out: &mut String) {
        out.push_str("cluster {\n");
        if !self.name.is_empty() {
            out.push_str(&format!("  name: {}\n", quote(&self.name)));
        }
        if !self.listen.is_empty() {
            out.push_str(&format!("  listen: {}\n", quote(&self.listen)));
        }
        if !self.routes.is_empty() {
            out.push_str(&format!("  routes: {}\n", quote_list(&self.routes)));
        }
        out.push_str("}\n");
    }
}

impl JetStreamConfig {
    fn render(&self, out: &mut String) {
        out.push_str("jetstream {\n");
        if !self.store_dir.is_empty() {
            out.push_str(&format!("  store_dir: {}\n", quote(&self.store_dir)));
        }
        // Numbers, which the server reads as bytes: exact for any size.
        if let Some(size) = self.max_memory_store {
            out.push_str(&format!("  max_memory_store: {}\n", size.get()));
        }
        if let Some(size) = self.max_file_store {
            out.push_str(&format!("  max_file_store: {}\n", size.get()));
        }
        if let Some(domain) = &self.domain {
            out.push_str(&format!("  domain: {}\n", quote(domain)));
        }
        out.push_str("}\n");
    }
}

/// `users: [ … ]`, one user a line, indented by `indent`.
fn render_users(out: &mut String, indent: &str, users: &[ConfigUser]) {
    out.push_str(&format!("{indent}users: [\n"));
    for user in users {
        out.push_str(&format!("{indent}  {}\n", user.render()));
    }
    out.push_str(&format!("{indent}]\n"));
}

impl ConfigMode {
    fn render(&self, out: &mut String) {
        if !self.accounts.is_empty() {
            out.push_str("accounts {\n");
            for account in &self.accounts {
                let key = account_key(&account.name);
                if account.users.is_empty() {
                    out.push_str(&format!("  {key} {{}}\n"));
                } else {
                    out.push_str(&format!("  {key} {{\n"));
                    render_users(out, "    ", &account.users);
                    out.push_str("  }\n");
                }
            }
            out.push_str("}\n");
        }
        let authorization = &self.authorization;
        if authorization.is_empty() {
            return;
        }
        out.push_str("authorization {\n");
        if let Some(timeout) = authorization.timeout {
            out.push_str(&format!("  timeout: {}\n", seconds(timeout)));
        }
        if !authorization.users.is_empty() {
            render_users(out, "  ", &authorization.users);
        }
        if let Some(callout) = &authorization.auth_callout {
            out.push_str("  auth_callout {\n");
            out.push_str(&format!("    issuer: {}\n", quote(&callout.issuer)));
            out.push_str(&format!(
                "    auth_users: {}\n",
                quote_list(&callout.auth_users)
            ));
            if let Some(account) = &callout.account {
                out.push_str(&format!("    account: {}\n", quote(account)));
            }
            if let Some(xkey) = &callout.xkey {
                out.push_str(&format!("    xkey: {}\n", quote(xkey)));
            }
            if !callout.allowed_accounts.is_empty() {
                out.push_str(&format!(
                    "    allowed_accounts: {}\n",
                    quote_list(&callout.allowed_accounts)
                ));
            }
            out.push_str("  }\n");
        }
        out.push_str("}\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA";
    const XKEY: &str = "XAULZHMH2KOIH5LJ3LOU2BOT4362SGR6SBPQAEM6HJKMM46ARAUAYUAS";

    fn user(name: &str, password: &str) -> ConfigUser {
        ConfigUser::new(name, password.to_owned())
    }

    #[test]
    fn operator_memory() {
        let mut memory = ServerConfig::memory(
            "eyJ.op.sig",
            "ASYS",
            vec![
                ("ASYS".into(), "eyJ.sys.sig".into()),
                ("AAPP".into(), "eyJ.app.sig".into()),
            ],
        );
        assert_eq!(
            memory.render(),
            "operator: eyJ.op.sig\nsystem_account: ASYS\nresolver: MEMORY\nresolver_preload: {\n  ASYS: eyJ.sys.sig\n  AAPP: eyJ.app.sig\n}\n"
        );
        memory.server_name = Some("n\"1".into());
        memory.extra.push("max_payload: 65536".into());
        assert_eq!(
            memory.render(),
            "server_name: \"n\\\"1\"\noperator: eyJ.op.sig\nsystem_account: ASYS\nresolver: MEMORY\nresolver_preload: {\n  ASYS: eyJ.sys.sig\n  AAPP: eyJ.app.sig\n}\nmax_payload: 65536\n"
        );
    }

    #[test]
    fn operator_full() {
        let mut full = ServerConfig::full("eyJ.op.sig", "ASYS", "/tmp/a \"b\"", Vec::new());
        full.listen = "127.0.0.1:4222".into();
        full.server_name = Some("node-1".into());
        if let ServerMode::Operator(operator) = &mut full.mode
            && let ResolverKind::Full(resolver) = &mut operator.resolver
        {
            resolver.allow_delete = false;
        }
        assert_eq!(
            full.render(),
            "server_name: \"node-1\"\nlisten: \"127.0.0.1:4222\"\noperator: eyJ.op.sig\nsystem_account: ASYS\nresolver {\n  type: full\n  dir: \"/tmp/a \\\"b\\\"\"\n  allow_delete: false\n  interval: \"2m\"\n  timeout: \"1.9s\"\n}\n"
        );
    }

    #[test]
    fn full_resolver_with_every_option() {
        let mut resolver = FullResolver::new("/data/jwt");
        resolver.hard_delete = true;
        resolver.interval = Duration::from_millis(500);
        resolver.timeout = Duration::from_secs(3);
        resolver.limit = Some(100);
        let mut config = ServerConfig::full("eyJ.op.sig", "ASYS", "", Vec::new());
        if let ServerMode::Operator(operator) = &mut config.mode {
            operator.resolver = ResolverKind::Full(resolver);
        }
        assert_eq!(
            config.render(),
            r#"operator: eyJ.op.sig
system_account: ASYS
resolver {
  type: full
  dir: "/data/jwt"
  allow_delete: true
  hard_delete: true
  interval: "0.5s"
  timeout: "3s"
  limit: 100
}
"#
        );
    }

    #[test]
    fn cache_resolver() {
        let cache_config = |cache: CacheResolver| {
            let mut config = ServerConfig::memory("eyJ.op.sig", "ASYS", Vec::new());
            if let ServerMode::Operator(operator) = &mut config.mode {
                operator.resolver = ResolverKind::Cache(cache);
            }
            config.render()
        };
        assert_eq!(
            cache_config(CacheResolver::new("/data/cache")),
            "operator: eyJ.op.sig\nsystem_account: ASYS\nresolver {\n  type: cache\n  dir: \"/data/cache\"\n  timeout: \"1.9s\"\n}\n"
        );
        let mut cache = CacheResolver::new("/data/cache");
        cache.ttl = Some(Duration::from_secs(3600));
        cache.timeout = Duration::from_millis(250);
        cache.limit = Some(10);
        assert_eq!(
            cache_config(cache),
            "operator: eyJ.op.sig\nsystem_account: ASYS\nresolver {\n  type: cache\n  dir: \"/data/cache\"\n  ttl: \"60m\"\n  timeout: \"0.25s\"\n  limit: 10\n}\n"
        );
    }

    #[test]
    fn http_cluster_and_jetstream() {
        let mut config = ServerConfig::memory("eyJ.op.sig", "ASYS", Vec::new());
        config.server_name = Some("a".into());
        config.listen = "127.0.0.1:4222".into();
        config.http = "127.0.0.1:8222".into();
        config.cluster = Some(ClusterConfig {
            name: "c1".into(),
            listen: "127.0.0.1:6222".into(),
            routes: vec!["nats-route://127.0.0.1:6223".into()],
        });
        config.jetstream = Some(JetStreamConfig {
            store_dir: "/data/js".into(),
            max_memory_store: Some(ByteSize::mib(256)),
            max_file_store: Some(ByteSize::gib(64)),
            domain: Some("hub".into()),
        });
        config.extra.push("max_payload: 65536".into());
        assert_eq!(
            config.render(),
            r#"server_name: "a"
listen: "127.0.0.1:4222"
http: "127.0.0.1:8222"
operator: eyJ.op.sig
system_account: ASYS
resolver: MEMORY
cluster {
  name: "c1"
  listen: "127.0.0.1:6222"
  routes: ["nats-route://127.0.0.1:6223"]
}
jetstream {
  store_dir: "/data/js"
  max_memory_store: 268435456
  max_file_store: 68719476736
  domain: "hub"
}
max_payload: 65536
"#
        );
        config.cluster = Some(ClusterConfig::default());
        config.jetstream = Some(JetStreamConfig::default());
        assert!(
            config
                .render()
                .ends_with("resolver: MEMORY\ncluster {\n}\njetstream {\n}\nmax_payload: 65536\n")
        );
    }

    #[test]
    fn cluster_nodes_of_a_full_resolver_with_jetstream() {
        let mut config = ServerConfig::full("eyJ.op.sig", "ASYS", "/ignored", Vec::new());
        config.jetstream = Some(JetStreamConfig {
            max_file_store: Some(ByteSize::gib(1)),
            ..JetStreamConfig::default()
        });
        config.extra.push("max_payload: 65536".into());
        let mut layout = ClusterLayout::new("c", "/base/");
        layout.client_port = 5000;
        layout.cluster_port = 5010;
        layout.http_port = Some(5020);
        let nodes = config.cluster_nodes(3, &layout).unwrap();
        let rendered: Vec<String> = nodes.iter().map(ServerConfig::render).collect();
        assert_eq!(
            rendered,
            [1, 2, 3].map(|k| {
                let routes: Vec<String> = [1, 2, 3]
                    .into_iter()
                    .filter(|other| *other != k)
                    .map(|other| format!("\"nats-route://127.0.0.1:{}\"", 5009 + other))
                    .collect();
                format!(
                    r#"server_name: "n{k}"
listen: "127.0.0.1:{}"
http: "127.0.0.1:{}"
operator: eyJ.op.sig
system_account: ASYS
resolver {{
  type: full
  dir: "/base/n{k}/jwt"
  allow_delete: true
  interval: "2m"
  timeout: "1.9s"
}}
cluster {{
  name: "c"
  listen: "127.0.0.1:{}"
  routes: [{}]
}}
jetstream {{
  store_dir: "/base/n{k}/jetstream"
  max_file_store: 1073741824
}}
max_payload: 65536
"#,
                    4999 + k,
                    5019 + k,
                    5009 + k,
                    routes.join(", ")
                )
            })
        );
    }

    #[test]
    fn cluster_nodes_of_other_configurations() {
        // Config mode, no monitoring, IPv6: no directories to place, no `http`.
        let mut config = ServerConfig::config_mode(Vec::new(), ConfigAuthorization::default());
        config.http = "127.0.0.1:8222".into();
        let mut layout = ClusterLayout::new("v6", "/unused");
        layout.host = "::1".into();
        layout.http_port = None;
        let nodes = config.cluster_nodes(2, &layout).unwrap();
        assert_eq!(
            nodes[1].render(),
            r#"server_name: "n2"
listen: "[::1]:4223"
cluster {
  name: "v6"
  listen: "[::1]:6223"
  routes: ["nats-route://[::1]:6222"]
}
"#
        );
        // A cache resolver gets its directory too; JetStream stays off.
        let mut cache = ServerConfig::memory("eyJ.op.sig", "ASYS", Vec::new());
        if let ServerMode::Operator(operator) = &mut cache.mode {
            operator.resolver = ResolverKind::Cache(CacheResolver::new(""));
        }
        let nodes = cache
            .cluster_nodes(1, &ClusterLayout::new("one", "/b"))
            .unwrap();
        let text = nodes[0].render();
        assert!(text.contains("  dir: \"/b/n1/jwt\"\n"), "{text}");
        assert!(
            text.contains("cluster {\n  name: \"one\"\n  listen: \"127.0.0.1:6222\"\n}\n"),
            "{text}"
        );
        assert!(!text.contains("jetstream"), "{text}");
        assert!(cache.cluster_nodes(0, &layout).unwrap().is_empty());
    }

    #[test]
    fn cluster_ports_stay_in_range() {
        let config = ServerConfig::memory("eyJ.op.sig", "ASYS", Vec::new());
        let mut layout = ClusterLayout::new("c", "/b");
        layout.http_port = Some(65534);
        assert_eq!(
            config.cluster_nodes(2, &layout).unwrap()[1].http,
            "127.0.0.1:65535"
        );
        assert_eq!(
            config.cluster_nodes(3, &layout),
            Err(ServerConfigError::PortOutOfRange {
                first: 65534,
                nodes: 3
            })
        );
        assert_eq!(
            config.cluster_nodes(70_000, &ClusterLayout::new("c", "/b")),
            Err(ServerConfigError::PortOutOfRange {
                first: 4222,
                nodes: 70_000
            })
        );
        assert_eq!(
            ServerConfigError::PortOutOfRange {
                first: 65534,
                nodes: 3
            }
            .to_string(),
            "3 nodes from port 65534 go past port 65535"
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(120)), "\"2m\"");
        assert_eq!(go_duration(Duration::from_secs(90)), "\"90s\"");
        assert_eq!(go_duration(Duration::from_millis(1900)), "\"1.9s\"");
        assert_eq!(go_duration(Duration::from_millis(100)), "\"0.1s\"");
        assert_eq!(go_duration(Duration::ZERO), "\"0s\"");
    }

    #[test]
    fn config_mode_with_every_field() {
        let accounts = vec![
            ConfigAccount::new("AUTH", vec![user("auth", "pw"), user("auth2", "p\"w\\2")]).unwrap(),
            ConfigAccount::new("team a", vec![user("bob", "b")]).unwrap(),
            ConfigAccount::new("it\"s", vec![]).unwrap(),
            ConfigAccount::new("include", vec![]).unwrap(),
            ConfigAccount::new("$SYS", vec![]).unwrap(),
        ];
        let mut callout = AuthCallout::new(ISSUER, vec!["auth".into(), "auth2".into()]);
        callout.account = Some("AUTH".into());
        callout.xkey = Some(XKEY.into());
        callout.allowed_accounts = vec!["team a".into(), "it\"s".into()];
        let authorization = ConfigAuthorization {
            timeout: Some(Duration::from_millis(1500)),
            users: vec![user("alice", "tab\there")],
            auth_callout: Some(callout),
        };
        let mut config = ServerConfig::config_mode(accounts, authorization);
        config.server_name = Some("callout".into());
        config.listen = "127.0.0.1:4222".into();
        config.extra.push("debug: true".into());
        assert_eq!(
            config.render(),
            r#"server_name: "callout"
listen: "127.0.0.1:4222"
accounts {
  AUTH {
    users: [
      {user: "auth", password: "pw"}
      {user: "auth2", password: "p\"w\\2"}
    ]
  }
  "team a" {
    users: [
      {user: "bob", password: "b"}
    ]
  }
  'it"s' {}
  "include" {}
  "$SYS" {}
}
authorization {
  timeout: 1.5
  users: [
    {user: "alice", password: "tab\there"}
  ]
  auth_callout {
    issuer: "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA"
    auth_users: ["auth", "auth2"]
    account: "AUTH"
    xkey: "XAULZHMH2KOIH5LJ3LOU2BOT4362SGR6SBPQAEM6HJKMM46ARAUAYUAS"
    allowed_accounts: ["team a", "it\"s"]
  }
}
debug: true
"#
        );
    }

    #[test]
    fn config_mode_minimal_callout() {
        let authorization = ConfigAuthorization {
            users: vec![user("auth", "pw")],
            auth_callout: Some(AuthCallout::new(ISSUER, vec!["auth".into()])),
            ..ConfigAuthorization::default()
        };
        assert_eq!(
            ServerConfig::config_mode(Vec::new(), authorization).render(),
            r#"authorization {
  users: [
    {user: "auth", password: "pw"}
  ]
  auth_callout {
    issuer: "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA"
    auth_users: ["auth"]
  }
}
"#
        );
    }

    #[test]
    fn config_mode_without_authorization() {
        let accounts = vec![ConfigAccount::new("A", vec![user("a", "b")]).unwrap()];
        assert_eq!(
            ServerConfig::config_mode(accounts, ConfigAuthorization::default()).render(),
            "accounts {\n  A {\n    users: [\n      {user: \"a\", password: \"b\"}\n    ]\n  }\n}\n"
        );
        let authorization = ConfigAuthorization {
            timeout: Some(Duration::from_secs(1)),
            ..ConfigAuthorization::default()
        };
        assert_eq!(
            ServerConfig::config_mode(Vec::new(), authorization).render(),
            "authorization {\n  timeout: 1\n}\n"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("plain"), r#""plain""#);
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\t\n\r"), r#""\t\n\r""#);
        // JSON would write \b, \f and \u0001, which the server's parser refuses.
        assert_eq!(quote("\u{8}\u{c}\u{1}\u{7f}"), r#""\x08\x0c\x01\x7f""#);
        assert_eq!(quote("é ✓ $VAR"), "\"é ✓ $VAR\"");
        assert_eq!(quote(""), "\"\"");
    }

    #[test]
    fn account_keys() {
        assert_eq!(account_key("AUTH"), "AUTH");
        assert_eq!(account_key("team_a-1"), "team_a-1");
        assert_eq!(account_key("team a"), "\"team a\"");
        assert_eq!(account_key("a:b"), "\"a:b\"");
        assert_eq!(account_key("INCLUDE"), "\"INCLUDE\"");
        assert_eq!(account_key("x\\y"), "\"x\\y\"");
        assert_eq!(account_key("it\"s"), "'it\"s'");
        assert_eq!(account_key("it's"), "\"it's\"");
        assert_eq!(account_key("é"), "\"é\"");
    }

    #[test]
    fn account_names() {
        assert_eq!(
            ConfigAccount::new("", vec![]),
            Err(ServerConfigError::EmptyAccountName)
        );
        assert_eq!(
            ConfigAccount::new("$G", vec![]),
            Err(ServerConfigError::ReservedAccountName("$G".into()))
        );
        assert_eq!(
            ConfigAccount::new("a'b\"c", vec![]),
            Err(ServerConfigError::UnquotableAccountName("a'b\"c".into()))
        );
        assert_eq!(ConfigAccount::new("a'b", vec![]).unwrap().name(), "a'b");
    }

    #[test]
    fn timeouts() {
        assert_eq!(seconds(Duration::from_secs(1)), "1");
        assert_eq!(seconds(Duration::from_secs(0)), "0");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5");
        assert_eq!(seconds(Duration::from_millis(100)), "0.1");
        assert_eq!(seconds(Duration::from_nanos(1_000_000_001)), "1.000000001");
    }

    #[test]
    fn passwords_are_not_shown() {
        let alice = user("alice", "hunter2");
        let account = ConfigAccount::new("A", vec![alice.clone()]).unwrap();
        let mut authorization = ConfigAuthorization::default();
        authorization.users.push(alice.clone());
        let config = ServerConfig::config_mode(vec![account.clone()], authorization);
        for shown in [
            format!("{alice:?}"),
            format!("{account:?}"),
            format!("{config:?}"),
            format!("{config:#?}"),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
        assert!(config.render().contains("password: \"hunter2\""));
    }
}

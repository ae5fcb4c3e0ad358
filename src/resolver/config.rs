//! [`ServerConfig`]: a `nats-server` configuration in operator mode or in config mode.

use std::fmt;
use std::time::Duration;

use crate::keys::Secret;

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
}

/// How the server finds account JWTs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolverKind {
    /// `resolver: MEMORY`: only the preloaded accounts (updates to them are accepted).
    Memory,
    /// `resolver { type: full, dir: … }`: a directory store accepting pushed accounts.
    Full {
        /// The directory holding the JWTs.
        dir: String,
        /// Accept delete requests (`allow_delete`).
        allow_delete: bool,
    },
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
/// The text starts with `server_name` and `listen` when set, then the mode's part, then
/// the [`extra`](ServerConfig::extra) lines. Values are written as quoted strings of the
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
    /// Operator mode or config mode.
    pub mode: ServerMode,
    /// Lines appended verbatim (e.g. `jetstream { store_dir: … }`).
    pub extra: Vec<String>,
}

impl ServerConfig {
    /// A configuration in `mode`, without name, listen address or extra lines.
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
            mode,
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
    /// preloading `accounts`, with deletes allowed; see the [`ServerConfig`] example.
    ///
    /// ```
    /// use natsjwt::resolver::{ResolverKind, ServerConfig, ServerMode};
    ///
    /// let config = ServerConfig::full("OPERATOR_JWT", "ASYS", "/data/jwt", vec![]);
    /// let ServerMode::Operator(operator) = &config.mode else { unreachable!() };
    /// assert_eq!(
    ///     operator.resolver,
    ///     ResolverKind::Full { dir: "/data/jwt".into(), allow_delete: true }
    /// );
    /// assert!(config.render().contains("  dir: \"/data/jwt\"\n"));
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
            resolver: ResolverKind::Full {
                dir: dir.to_owned(),
                allow_delete: true,
            },
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
        match &self.mode {
            ServerMode::Operator(operator) => operator.render(&mut out),
            ServerMode::Config(config) => config.render(&mut out),
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
            ResolverKind::Full { dir, allow_delete } => out.push_str(&format!(
                "resolver {{\n  type: full\n  dir: {}\n  allow_delete: {allow_delete}\n  interval: \"2m\"\n  timeout: \"1.9s\"\n}}\n",
                quote(dir)
            )),
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
        if let ServerMode::Operator(operator) = &mut full.mode {
            operator.resolver = ResolverKind::Full {
                dir: "/tmp/a \"b\"".into(),
                allow_delete: false,
            };
        }
        assert_eq!(
            full.render(),
            "server_name: \"node-1\"\nlisten: \"127.0.0.1:4222\"\noperator: eyJ.op.sig\nsystem_account: ASYS\nresolver {\n  type: full\n  dir: \"/tmp/a \\\"b\\\"\"\n  allow_delete: false\n  interval: \"2m\"\n  timeout: \"1.9s\"\n}\n"
        );
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

//! Operators, accounts and users made with this crate, and the server config that trusts them.

use std::time::{SystemTime, UNIX_EPOCH};

use natsjwt::creds::format_user_creds;

use super::nats_server::{RunningServer, ServerBinary};
use natsjwt::{AccountClaims, KeyPair, OperatorClaims, UserClaims};

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).expect("time fits i64"))
        .expect("clock after 1970")
}

/// An operator with a signing key and a system account.
pub struct Operator {
    pub identity: KeyPair,
    pub signing: KeyPair,
    pub claims: OperatorClaims,
    pub system: Account,
}

impl Operator {
    pub fn new() -> Operator {
        let identity = KeyPair::new_operator().expect("operator key");
        let signing = KeyPair::new_operator().expect("operator signing key");
        let system = Account::new("SYS");
        let mut claims = OperatorClaims::new(identity.public_key().as_str());
        claims.name = "test-operator".into();
        claims
            .nats
            .signing_keys
            .push(signing.public_key().to_string());
        claims.nats.system_account = system.public_key().to_owned();
        Operator {
            identity,
            signing,
            claims,
            system,
        }
    }

    /// The operator JWT, self-signed.
    pub fn jwt(&self) -> String {
        self.claims
            .clone()
            .encode(&self.identity)
            .expect("operator JWT")
    }

    /// `account` signed by the operator's signing key, ready to preload.
    pub fn sign(&self, account: &Account) -> AccountJwt {
        account.signed_by(&self.signing)
    }

    /// A config in operator mode on 127.0.0.1 (the port comes from the command line):
    /// the system account plus `accounts` preloaded into `resolver`; `extra` is appended.
    pub fn config(&self, resolver: &Resolver, accounts: &[AccountJwt], extra: &str) -> String {
        let system = self.sign(&self.system);
        let mut preload = format!("  {}: {}\n", system.public_key, system.jwt);
        for account in accounts {
            preload.push_str(&format!("  {}: {}\n", account.public_key, account.jwt));
        }
        let resolver = match resolver {
            Resolver::Memory => "resolver: MEMORY".to_owned(),
            Resolver::Full { dir } => format!("resolver: {{ type: full, dir: \"{dir}\" }}"),
        };
        format!(
            "host: 127.0.0.1\n\
             operator: {operator}\n\
             system_account: {system}\n\
             {resolver}\n\
             resolver_preload: {{\n{preload}}}\n\
             {extra}\n",
            operator = self.jwt(),
            system = self.system.public_key(),
        )
    }

    /// [`Operator::config`] with the memory resolver and nothing extra.
    pub fn memory_config(&self, accounts: &[AccountJwt]) -> String {
        self.config(&Resolver::Memory, accounts, "")
    }

    /// Starts `binary` trusting this operator, with `accounts` signed by its signing key
    /// preloaded into the memory resolver.
    pub async fn start_server(
        &self,
        binary: &ServerBinary,
        accounts: &[&Account],
    ) -> RunningServer {
        let signed: Vec<AccountJwt> = accounts.iter().map(|a| self.sign(a)).collect();
        RunningServer::start(binary, &self.memory_config(&signed)).await
    }
}

/// Where the server looks accounts up.
pub enum Resolver {
    /// `resolver: MEMORY`.
    Memory,
    /// `resolver: { type: full, dir: ... }`, a directory the server writes.
    Full { dir: String },
}

/// An account JWT and the key it is stored under.
#[derive(Clone)]
pub struct AccountJwt {
    pub public_key: String,
    pub jwt: String,
}

/// An account with an unscoped signing key.
pub struct Account {
    pub identity: KeyPair,
    pub signing: KeyPair,
    pub claims: AccountClaims,
}

impl Account {
    pub fn new(name: &str) -> Account {
        let identity = KeyPair::new_account().expect("account key");
        let signing = KeyPair::new_account().expect("account signing key");
        let mut claims = AccountClaims::new(identity.public_key().as_str());
        claims.name = name.into();
        claims.nats.signing_keys.add(signing.public_key().as_str());
        Account {
            identity,
            signing,
            claims,
        }
    }

    pub fn public_key(&self) -> &str {
        self.identity.public_key().as_str()
    }

    /// The account JWT signed by `signer` (an operator key, or the account itself).
    pub fn signed_by(&self, signer: &KeyPair) -> AccountJwt {
        AccountJwt {
            public_key: self.public_key().to_owned(),
            jwt: self.claims.clone().encode(signer).expect("account JWT"),
        }
    }

    /// A user signed by the account's identity key; `configure` sets its claims.
    pub fn user(&self, name: &str, configure: impl FnOnce(&mut UserClaims)) -> User {
        User::new(name, &self.identity, None, configure)
    }

    /// A user signed by the account's identity key as issued at `issued_at`.
    pub fn user_issued_at(
        &self,
        name: &str,
        issued_at: i64,
        configure: impl FnOnce(&mut UserClaims),
    ) -> User {
        User::build(name, &self.identity, None, Some(issued_at), configure)
    }

    /// A user signed by the account's (unscoped) signing key, with `issuer_account` set.
    pub fn user_by_signing_key(&self, name: &str, configure: impl FnOnce(&mut UserClaims)) -> User {
        User::new(name, &self.signing, Some(self.public_key()), configure)
    }
}

/// A user JWT, its key, and its `.creds` text.
pub struct User {
    pub key: KeyPair,
    /// The claims as encoded (with `iss`, `iat` and `jti` set).
    pub claims: UserClaims,
    pub jwt: String,
    pub creds: String,
}

impl User {
    /// A user named `name` signed by `signer`, with `issuer_account` when given.
    pub fn new(
        name: &str,
        signer: &KeyPair,
        issuer_account: Option<&str>,
        configure: impl FnOnce(&mut UserClaims),
    ) -> User {
        User::build(name, signer, issuer_account, None, configure)
    }

    /// [`User::new`] issued at `issued_at` (now when `None`).
    pub fn build(
        name: &str,
        signer: &KeyPair,
        issuer_account: Option<&str>,
        issued_at: Option<i64>,
        configure: impl FnOnce(&mut UserClaims),
    ) -> User {
        let key = KeyPair::new_user().expect("user key");
        let mut claims = UserClaims::new(key.public_key().as_str());
        claims.name = name.into();
        if let Some(account) = issuer_account {
            claims.nats.issuer_account = account.to_owned();
        }
        configure(&mut claims);
        let jwt = claims
            .encode_at(signer, issued_at.unwrap_or_else(now))
            .expect("user JWT");
        let creds = format_user_creds(&jwt, key.seed().expose())
            .expect("creds")
            .expose()
            .to_owned();
        User {
            key,
            claims,
            jwt,
            creds,
        }
    }
}

//! A new operator: its keys, the system account and a system user.

use crate::claims::{ClaimType, OperatorClaims};
use crate::keys::KeyPair;
use crate::resolver::ServerConfig;
use crate::types::{Export, Info, response_type};

use super::{IssuedUser, ManagedAccount, ProvisionError, Provisioner, UserSigner, reject_invalid};

/// Whether an operator lets its identity key sign accounts and users
/// (`strict_signing_key_usage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKeyUsage {
    /// Only signing keys sign: the identity keys stay offline (`nsc`'s recommendation).
    Required,
    /// Identity keys may sign too.
    Optional,
}

/// What [`Provisioner::bootstrap`] creates: keep the operator key offline.
#[derive(Debug, Clone)]
pub struct OperatorSetup {
    /// The operator's identity key; it signs only the operator JWT.
    pub operator_key: KeyPair,
    /// The operator signing key that signs accounts.
    pub signing_key: KeyPair,
    /// The operator claims.
    pub claims: OperatorClaims,
    /// The operator JWT.
    pub jwt: String,
    /// The system account, with the `$SYS` exports `nsc` sets up.
    pub system_account: ManagedAccount,
    /// A user of the system account (for resolver requests and monitoring).
    pub system_user: IssuedUser,
}

impl OperatorSetup {
    /// A provisioner signing with this setup's operator signing key.
    pub fn provisioner(&self) -> Result<Provisioner, ProvisionError> {
        Provisioner::new(&self.jwt, self.signing_key.clone())
    }

    /// A memory-resolver server configuration preloading the system account and `accounts`.
    ///
    /// ```
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    ///
    /// let setup = Provisioner::bootstrap("acme", SigningKeyUsage::Required)?;
    /// let tenant = setup.provisioner()?.create_account("tenant", |_| {})?;
    /// let config = setup.memory_config(&[&tenant]).render();
    /// assert!(config.starts_with(&format!("operator: {}\n", setup.jwt)));
    /// assert!(config.contains("resolver: MEMORY\n"));
    /// let system = &setup.system_account;
    /// assert!(config.contains(&format!("  {}: {}\n", system.public_key(), system.jwt())));
    /// assert!(config.contains(&format!("  {}: {}\n", tenant.public_key(), tenant.jwt())));
    /// # Ok::<(), natsjwt::provision::ProvisionError>(())
    /// ```
    pub fn memory_config(&self, accounts: &[&ManagedAccount]) -> ServerConfig {
        ServerConfig::memory(
            &self.jwt,
            self.system_account.public_key(),
            self.preload(accounts),
        )
    }

    /// A full-resolver server configuration storing JWTs in `dir`, preloading the system
    /// account and `accounts`.
    ///
    /// ```
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    ///
    /// let setup = Provisioner::bootstrap("acme", SigningKeyUsage::Required)?;
    /// let mut config = setup.full_config("/var/lib/nats/jwt", &[]);
    /// config.listen = "127.0.0.1:4222".into();
    /// config.extra.push(r#"jetstream { store_dir: "/var/lib/nats/js" }"#.into());
    /// let text = config.render();
    /// assert!(text.starts_with("listen: \"127.0.0.1:4222\"\n"));
    /// assert!(text.contains("  type: full\n  dir: \"/var/lib/nats/jwt\"\n"));
    /// assert!(text.contains("  allow_delete: true\n"));
    /// assert!(text.contains(&format!("system_account: {}\n", setup.system_account.public_key())));
    /// assert!(text.ends_with("jetstream { store_dir: \"/var/lib/nats/js\" }\n"));
    /// # Ok::<(), natsjwt::provision::ProvisionError>(())
    /// ```
    pub fn full_config(&self, dir: &str, accounts: &[&ManagedAccount]) -> ServerConfig {
        ServerConfig::full(
            &self.jwt,
            self.system_account.public_key(),
            dir,
            self.preload(accounts),
        )
    }

    fn preload(&self, accounts: &[&ManagedAccount]) -> Vec<(String, String)> {
        std::iter::once(&self.system_account)
            .chain(accounts.iter().copied())
            .map(|a| (a.public_key().to_owned(), a.jwt().to_owned()))
            .collect()
    }
}

/// The exports `nsc init` gives the system account.
fn system_exports() -> Vec<Export> {
    let info = |description: &str| Info {
        description: description.to_owned(),
        info_url: "https://docs.nats.io/nats-server/configuration/sys_accounts".to_owned(),
    };
    let mut services = Export::service("$SYS.REQ.ACCOUNT.*.*");
    services.name = "account-monitoring-services".to_owned();
    services.response_type = response_type::STREAM.to_owned();
    services.account_token_position = 4;
    services.info =
        info("Request account specific monitoring services for: SUBSZ, CONNZ, LEAFZ, JSZ and INFO");
    let mut streams = Export::stream("$SYS.ACCOUNT.*.>");
    streams.name = "account-monitoring-streams".to_owned();
    streams.account_token_position = 3;
    streams.info = info("Account specific monitoring stream");
    vec![services, streams]
}

impl Provisioner {
    /// Creates an operator named `name` with an identity key and a signing key, the system
    /// account (`SYS`, with `nsc`'s `$SYS` exports and a signing key) and a system user
    /// (`sys`), signed by signing keys. `usage` says whether identity keys may sign too.
    pub fn bootstrap(name: &str, usage: SigningKeyUsage) -> Result<OperatorSetup, ProvisionError> {
        let operator_key = KeyPair::new_operator()?;
        let signing_key = KeyPair::new_operator()?;
        let system_key = KeyPair::new_account()?;
        let mut claims = OperatorClaims::new(operator_key.public_key().as_str());
        claims.name = name.to_owned();
        claims
            .nats
            .signing_keys
            .push(signing_key.public_key().to_string());
        claims.nats.system_account = system_key.public_key().to_string();
        claims.nats.strict_signing_key_usage = usage == SigningKeyUsage::Required;
        reject_invalid(ClaimType::Operator, claims.validate())?;
        let jwt = claims.encode(&operator_key)?;
        let provisioner = Provisioner::new(&jwt, signing_key.clone())?;
        let system_signing_key = KeyPair::new_account()?;
        let system_account =
            provisioner.manage_account(system_key, system_signing_key.clone(), "SYS", |a| {
                a.nats.exports = system_exports()
            })?;
        let system_user = provisioner.create_user(
            &system_account,
            "sys",
            UserSigner::SigningKey(&system_signing_key),
            |_| {},
        )?;
        Ok(OperatorSetup {
            operator_key,
            signing_key,
            claims: provisioner.operator().clone(),
            jwt,
            system_account,
            system_user,
        })
    }
}

//! A provisioning service's loop, for crash tests: a fixed schedule of operations on a
//! store (in `nsc`'s layout) and a server with a full resolver, resumed where it stopped.
//!
//! ```text
//! cargo run -p natsjwt-suite --example provision_loop -- <dir> --server URL [--ops 200]
//! ```
//!
//! `<dir>` holds a store (`<dir>/keys`, `<dir>/stores`) whose operator is `loop`, with a
//! system account `SYS` and its user `sys`. Operation `i` of the schedule is, in blocks of
//! 20 per tenant `t<i/20>`: at the block's start, create the tenant; then in turn issue
//! user `u<i>`, revoke the user issued just before, add a scoped signing key with role
//! `op<i>`, issue user `u<i>`. Each operation stores every seed before the JWT that
//! needs it, and the JWT before the push.
//!
//! On start the loop opens the store (which validates it), pushes every account the store
//! holds (a push cut short by a crash is finished so), then does each operation whose
//! result the store does not hold yet, printing `done <i>` once it is stored and
//! pushed. It prints `all done` at the end. Killed at any point, it leaves a store that
//! opens, and no account on the server whose keys the store lacks.
//!
//! Exit codes:
//! - `0`: every operation is done;
//! - `1`: the server cannot be reached or refused a push, or the store is in use;
//! - `64`: bad arguments;
//! - `65`: the store is not what it should be.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use common::{Args, Failure, bad, fail, main_with};
use natsjwt::UserClaims;
use natsjwt::clock::{Clock, SystemClock};
use natsjwt::provision::{ManagedAccount, Provisioner, UserSigner};
use natsjwt::resolver::client::push_account;
use natsjwt::store::{DirStore, Store, StoreError, StorePaths};
use natsjwt::types::SigningKey;

const USAGE: &str = "provision_loop <dir> --server URL [--ops N]";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "every operation is done"),
    (
        1,
        "the server cannot be reached or refused a push, or the store is in use",
    ),
    (64, "bad arguments"),
    (65, "the store is not what it should be"),
];

/// The store's operator.
const OPERATOR: &str = "loop";
/// Operations per tenant.
const BLOCK: usize = 20;

/// One operation of the schedule.
enum Operation {
    CreateTenant { tenant: String },
    IssueUser { tenant: String, user: String },
    RevokeUser { tenant: String, user: String },
    AddSigningKey { tenant: String, role: String },
}

/// Operation `i` of the schedule.
fn operation(i: usize) -> Operation {
    let tenant = format!("t{}", i / BLOCK);
    match (i % BLOCK, i % 4) {
        (0, _) => Operation::CreateTenant { tenant },
        (_, 2) => Operation::RevokeUser {
            tenant,
            user: format!("u{}", i - 1),
        },
        (_, 3) => Operation::AddSigningKey {
            tenant,
            role: format!("op{i}"),
        },
        _ => Operation::IssueUser {
            tenant,
            user: format!("u{i}"),
        },
    }
}

struct Loop {
    store: DirStore,
    provisioner: Provisioner,
    client: async_nats::Client,
    /// The tenants, loaded once from the store and kept as saved.
    tenants: BTreeMap<String, ManagedAccount>,
}

impl Loop {
    fn tenant(&self, tenant: &str) -> Result<&ManagedAccount, Failure> {
        self.tenants
            .get(tenant)
            .ok_or_else(|| Failure::data(format!("no tenant {tenant} in the store")))
    }

    fn user(&self, tenant: &str, user: &str) -> Result<Option<UserClaims>, Failure> {
        let Some(jwt) = self.store.user_jwt(tenant, user).map_err(bad(user))? else {
            return Ok(None);
        };
        Ok(Some(
            UserClaims::decode(&jwt).map_err(bad(user))?.into_claims(),
        ))
    }

    /// True when the store holds the operation's result (its last write).
    fn is_done(&self, operation: &Operation) -> Result<bool, Failure> {
        Ok(match operation {
            Operation::CreateTenant { tenant } => self.tenants.contains_key(tenant),
            Operation::IssueUser { tenant, user } => {
                self.store.creds(tenant, user).map_err(bad(user))?.is_some()
            }
            Operation::RevokeUser { tenant, user } => {
                let revocations = &self.tenant(tenant)?.claims.nats.revocations;
                self.user(tenant, user)?
                    .is_some_and(|claims| revocations.is_revoked(&claims.subject, claims.issued_at))
            }
            Operation::AddSigningKey { tenant, role } => {
                let keys = &self.tenant(tenant)?.claims.nats.signing_keys;

                keys.iter()
                    .any(|(_, key)| matches!(key, SigningKey::Scoped(scope) if &scope.role == role))
            }
        })
    }

    async fn push(&self, account: &ManagedAccount) -> Result<(), Failure> {
        push_account(&self.client, account.jwt(), Duration::from_secs(5))
            .await
            .map_err(fail("push"))?;
        Ok(())
    }

    /// Saves the account (seeds, then the JWT), then pushes it, then keeps it.
    async fn save_push(&mut self, account: ManagedAccount) -> Result<(), Failure> {
        account.save(&self.store).map_err(fail("save"))?;
        self.push(&account).await?;
        self.tenants.insert(account.claims.name.clone(), account);
        Ok(())
    }

    /// Changes a copy of the tenant, re-signs it, saves and pushes it.
    async fn change(
        &mut self,
        tenant: &str,
        change: impl FnOnce(&mut ManagedAccount) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        let mut account = self.tenant(tenant)?.clone();
        change(&mut account)?;
        self.provisioner
            .sign_account(&mut account)
            .map_err(fail("sign"))?;
        self.save_push(account).await
    }

    async fn perform(&mut self, operation: &Operation) -> Result<(), Failure> {
        match operation {
            Operation::CreateTenant { tenant } => {
                let account = self
                    .provisioner
                    .create_account(tenant, |_| {})
                    .map_err(fail(tenant))?;
                self.save_push(account).await
            }
            Operation::IssueUser { tenant, user } => {
                let account = self.tenant(tenant)?;
                let signer = account
                    .signing_keys()
                    .iter()
                    .find(|key| {
                        let key = account
                            .claims
                            .nats
                            .signing_keys
                            .get(key.public_key().as_str());
                        matches!(key, Some(SigningKey::Plain))
                    })
                    .ok_or_else(|| Failure::data(format!("{tenant} has no plain signing key")))?;
                let issued = self
                    .provisioner
                    .create_user(account, user, UserSigner::SigningKey(signer), |_| {})
                    .map_err(fail(user))?;
                issued.save(&self.store, account).map_err(fail("save"))
            }
            Operation::RevokeUser { tenant, user } => {
                let claims = self
                    .user(tenant, user)?
                    .ok_or_else(|| Failure::data(format!("{tenant} has no user {user}")))?;
                self.change(tenant, |account| {
                    account.revoke_user(&claims.subject, SystemClock.now());
                    Ok(())
                })
                .await
            }
            Operation::AddSigningKey { tenant, role } => {
                self.change(tenant, |account| {
                    account
                        .add_scoped_signing_key(role, |_| {})
                        .map(drop)
                        .map_err(fail(role))
                })
                .await
            }
        }
    }
}

async fn run(dir: PathBuf, server: String, operations: usize) -> Result<(), Failure> {
    let store = DirStore::open(&StorePaths::under(&dir), OPERATOR).map_err(|e| match e {
        StoreError::Locked { .. } => Failure::other(e.to_string()),
        other => Failure::data(other.to_string()),
    })?;
    let provisioner = Provisioner::open(&store).map_err(bad("operator"))?;
    let sys = store
        .creds("SYS", "sys")
        .map_err(bad("SYS/sys creds"))?
        .ok_or_else(|| Failure::data("the store holds no creds for SYS/sys"))?;
    let client = async_nats::ConnectOptions::with_credentials(sys.expose())
        .map_err(bad("SYS/sys creds"))?
        .connect(server.as_str())
        .await
        .map_err(fail(&format!("cannot connect to {server}")))?;
    let mut tenants = BTreeMap::new();
    for name in store.account_names().map_err(bad("accounts"))? {
        let account = provisioner
            .load_account(&store, &name)
            .map_err(bad(&name))?;
        tenants.insert(name, account);
    }
    let mut service = Loop {
        store,
        provisioner,
        client,
        tenants,
    };
    // The store is the truth: what it holds reaches the server, also what a crash cut off
    // between a save and its push.
    for account in service.tenants.values() {
        service.push(account).await?;
    }
    for i in 0..operations {
        let operation = operation(i);
        if service.is_done(&operation)? {
            continue;
        }
        service.perform(&operation).await?;
        println!("done {i}");
    }
    println!("all done");
    Ok(())
}

fn main_body() -> Result<u8, Failure> {
    let args = Args::parse(&["server", "ops"], &[], USAGE, EXIT_CODES)?;
    let [dir] = args.positional.as_slice() else {
        return Err(Failure::usage(format!("usage: {USAGE}")));
    };
    let server = args.required("server", USAGE)?.to_owned();
    let operations = match args.value("ops") {
        None => 200,
        Some(text) => text
            .parse()
            .map_err(|_| Failure::usage(format!("--ops {text:?} is not a number")))?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(fail("runtime"))?;
    runtime.block_on(run(PathBuf::from(dir), server, operations))?;
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("provision_loop", main_body)
}

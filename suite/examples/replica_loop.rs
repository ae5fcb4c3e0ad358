//! One replica of a provisioning service whose replicas share a KV store: a fixed
//! schedule of changes to one tenant, made at the same time as the other replicas make
//! theirs, none of them lost.
//!
//! ```text
//! cargo run -p natsjwt-suite --example replica_loop -- --servers URL[,URL…] --bucket NAME --creds FILE \
//!     --seal FILE --tenant NAME --signer PUBLIC_KEY --replica K [--ops 100]
//! ```
//!
//! The store is the KV bucket `NAME`, reached as the user of `--creds` with its secrets
//! sealed to the curve key in `--seal`; it holds the operator, its system user and the
//! tenant. Operation `i` of replica `K` is, in turn: issue user `rK-u<i>`, issue user
//! `rK-u<i>` (both signed by the tenant's signing key `--signer`, which no replica
//! removes), revoke the user issued last and not revoked yet, add a signing key, remove
//! the signing key added last. Each change to the tenant is a compare-and-set on its
//! entry (`Provisioner::update_account`), re-applied when another replica came first,
//! then pushed as the store holds it (`provision::push_current`) to a majority of the
//! servers. A request cut short by a server that went down is tried again, for up to
//! 30 s.
//!
//! One line per operation, on standard output:
//! `issued <name> <public key> <iat>`, `revoked <public key> <iat>`, `added <public key>`,
//! `removed <public key>`; a change to the tenant ends with
//! `rev <revision> previous <revision> attempts <n>`, and with `push-failed` when no
//! majority confirmed its push within the 30 s. `all done (<n> pushes overtaken)` at the
//! end: pushes after which other replicas kept storing newer versions (they push theirs). A key added by
//! an attempt that another replica beat is not the one stored: only the last attempt's
//! key is printed (the others' seeds stay in the store, unused).
//!
//! Exit codes:
//! - `0`: every operation is done;
//! - `1`: an operation failed for 30 s, or the servers cannot be reached;
//! - `64`: bad arguments;
//! - `65`: the store is not what it should be.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Args, Failure, bad, fail, main_with};
use natsjwt::XKey;
use natsjwt::provision::{
    ManagedAccount, ProvisionError, Provisioner, Updated, UserSigner, push_current,
};
use natsjwt::resolver::Quorum;
use natsjwt::resolver::client::Cluster;
use natsjwt::store::{KvStore, Store, StoreError};

const USAGE: &str = "replica_loop --servers URL[,URL…] --bucket NAME --creds FILE --seal FILE --tenant NAME --signer PUBLIC_KEY --replica K [--ops N]";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "every operation is done"),
    (
        1,
        "an operation failed for 30 s, or the servers cannot be reached",
    ),
    (64, "bad arguments"),
    (65, "the store is not what it should be"),
];

/// How long an operation is tried again while servers fail it.
const PERSIST: Duration = Duration::from_secs(30);
/// How long a request collects the servers' replies.
const COLLECT: Duration = Duration::from_secs(2);

/// Operation `i` of the schedule.
enum Operation {
    Issue,
    Revoke,
    AddKey,
    RemoveKey,
}

fn operation(i: usize) -> Operation {
    match i % 5 {
        0 | 1 => Operation::Issue,
        2 => Operation::Revoke,
        3 => Operation::AddKey,
        _ => Operation::RemoveKey,
    }
}

/// Whether an error is a server's or the network's, which a retry may get past.
fn transient(error: &ProvisionError) -> bool {
    matches!(
        error,
        ProvisionError::Store(StoreError::Kv { .. }) | ProvisionError::Resolver(_)
    )
}

struct Replica {
    store: KvStore,
    provisioner: Provisioner,
    servers: Cluster,
    tenant: String,
    /// The signing key users are issued with.
    signer: String,
    /// Users issued and not revoked yet: (public key, iat), the last one last.
    issued: Vec<(String, i64)>,
    /// Signing keys this replica added and did not remove yet.
    added: Vec<String>,
    /// Pushes that other replicas' changes overtook (they push theirs).
    unsettled: usize,
}

impl Replica {
    /// Runs `attempt` until it succeeds, fails for good, or has failed for [`PERSIST`].
    fn persist<T>(
        what: &str,
        mut attempt: impl FnMut() -> Result<T, ProvisionError>,
    ) -> Result<T, Failure> {
        let deadline = Instant::now() + PERSIST;
        loop {
            match attempt() {
                Err(e) if transient(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                done => return done.map_err(fail(what)),
            }
        }
    }

    /// Applies `change` to the tenant (see `Provisioner::update_account`), then pushes
    /// what the store holds; returns what was stored and the end of its line.
    async fn change(
        &mut self,
        what: &str,
        mut change: impl FnMut(&mut ManagedAccount) -> Result<(), ProvisionError>,
    ) -> Result<(Updated, String), Failure> {
        let updated = Replica::persist(what, || {
            self.provisioner
                .update_account(&self.store, &self.tenant, &mut change)
        })?;
        let deadline = Instant::now() + PERSIST;
        let pushed = loop {
            match push_current(&self.store, &self.servers, &self.tenant).await {
                Ok(pushed) => {
                    // A server that did not answer is not waited for again.
                    if !pushed.report.missing.is_empty() {
                        let answered = pushed.report.replies.iter().map(|(s, _)| s.clone());
                        self.servers = self.servers.with_expected(answered.collect());
                    }
                    self.unsettled += usize::from(!pushed.settled);
                    break true;
                }
                Err(e) if transient(&e) && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) if transient(&e) => break false,
                Err(e) => return Err(Failure::other(format!("push: {e}"))),
            }
        };
        let line = format!(
            "rev {} previous {} attempts {}{}",
            updated.revision,
            updated.previous,
            updated.attempts,
            if pushed { "" } else { " push-failed" }
        );
        Ok((updated, line))
    }

    async fn run(&mut self, replica: &str, i: usize) -> Result<(), Failure> {
        match operation(i) {
            Operation::Issue => {
                let name = format!("r{replica}-u{i}");
                let user = Replica::persist("issue", || {
                    let tenant = self.provisioner.load_account(&self.store, &self.tenant)?;
                    let signer = tenant
                        .signing_key(&self.signer)
                        .cloned()
                        .ok_or_else(|| ProvisionError::NotASigner(self.signer.clone()))?;
                    let user = self.provisioner.create_user(
                        &tenant,
                        &name,
                        UserSigner::SigningKey(&signer),
                        |_| {},
                    )?;
                    user.save(&self.store, &tenant)?;
                    Ok(user)
                })?;
                let public_key = user.key.public_key().to_string();
                println!("issued {name} {public_key} {}", user.claims.issued_at);
                self.issued.push((public_key, user.claims.issued_at));
            }
            Operation::Revoke => {
                let Some((user, issued_at)) = self.issued.pop() else {
                    return Ok(());
                };
                let (_, line) = self
                    .change("revoke", |tenant| {
                        tenant.revoke_user(&user, issued_at);
                        Ok(())
                    })
                    .await?;
                println!("revoked {user} {issued_at} {line}");
            }
            Operation::AddKey => {
                // Each attempt adds a key of its own: the last one is stored.
                let mut key = String::new();
                let (_, line) = self
                    .change("add a signing key", |tenant| {
                        key = tenant.add_signing_key()?;
                        Ok(())
                    })
                    .await?;
                println!("added {key} {line}");
                self.added.push(key);
            }
            Operation::RemoveKey => {
                let Some(key) = self.added.pop() else {
                    return Ok(());
                };
                let (_, line) = self
                    .change("remove a signing key", |tenant| {
                        tenant.remove_signing_key(&key);
                        Ok(())
                    })
                    .await?;
                println!("removed {key} {line}");
            }
        }
        Ok(())
    }
}

fn main_body() -> Result<u8, Failure> {
    let args = Args::parse(
        &[
            "servers", "bucket", "creds", "seal", "tenant", "signer", "replica", "ops",
        ],
        &[],
        USAGE,
        EXIT_CODES,
    )?;
    if !args.positional.is_empty() {
        return Err(Failure::usage(format!("usage: {USAGE}")));
    }
    let urls: Vec<String> = args
        .required("servers", USAGE)?
        .split(',')
        .map(str::to_owned)
        .collect();
    let bucket = args.required("bucket", USAGE)?.to_owned();
    let creds = std::fs::read_to_string(args.required("creds", USAGE)?).map_err(bad("--creds"))?;
    let seal = std::fs::read_to_string(args.required("seal", USAGE)?).map_err(bad("--seal"))?;
    let sealer = XKey::from_seed(seal.trim()).map_err(bad("--seal"))?;
    let tenant = args.required("tenant", USAGE)?.to_owned();
    let signer = args.required("signer", USAGE)?.to_owned();
    let replica = args.required("replica", USAGE)?.to_owned();
    let ops: usize = match args.value("ops") {
        None => 100,
        Some(text) => text
            .parse()
            .map_err(|_| Failure::usage(format!("--ops {text:?} is not a number")))?,
    };

    let kv_urls = urls.clone();
    let connect = move || async move {
        async_nats::ConnectOptions::with_credentials(&creds)?
            .connect(kv_urls)
            .await
            .map_err(std::io::Error::other)
    };
    let store = KvStore::open(connect, &bucket, sealer).map_err(bad("store"))?;
    let provisioner = Provisioner::open(&store).map_err(bad("operator"))?;
    let sys_creds = store
        .creds("SYS", "sys")
        .map_err(bad("SYS/sys creds"))?
        .ok_or_else(|| Failure::data("the store holds no creds for SYS/sys"))?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(fail("runtime"))?;
    runtime.block_on(async {
        let client = async_nats::ConnectOptions::with_credentials(sys_creds.expose())
            .map_err(fail("SYS/sys creds"))?
            .connect(urls)
            .await
            .map_err(fail("connect"))?;
        let servers = Cluster::discover(client, COLLECT)
            .await
            .map_err(fail("no server answered"))?;
        let majority = servers.expected().len() / 2 + 1;
        let mut replica_state = Replica {
            store,
            provisioner,
            servers: servers.with_quorum(Quorum::AtLeast(majority)),
            tenant,
            signer,
            issued: Vec::new(),
            added: Vec::new(),
            unsettled: 0,
        };
        for i in 0..ops {
            replica_state.run(&replica, i).await?;
        }
        println!("all done ({} pushes overtaken)", replica_state.unsettled);
        Ok::<(), Failure>(())
    })?;
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("replica_loop", main_body)
}

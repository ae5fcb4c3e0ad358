//! What every step after `init` does: `Service` and its steps, and the tenants' signing
//! keys.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{Failure, fail};
use crate::store::{Backend, KvSetup, StoreKind, check_store_choice, open_kv, write_secret};
use crate::{OPERATOR, provision_failure, store_failure};
use natsjwt::UserClaims;
use natsjwt::clock::{Clock, SystemClock};
use natsjwt::provision::{
    ManagedAccount, ProvisionError, Provisioner, PruneAction, Reconciled, UserSigner,
    WhenServersAreDown, account_streams, delete_streams, prune, push_current, reconcile, watch,
};
use natsjwt::resolver::ServerInfo;
use natsjwt::resolver::client::Cluster;
use natsjwt::store::{DirStore, Store, StoreError, StorePaths};
use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier, SigningKey};

/// The scoped signing key's role for read-only users.
const READER_ROLE: &str = "reader";
/// How long a request collects the expected servers' replies.
const COLLECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long discovering the servers (none named in `<dir>/servers`) waits for them.
const DISCOVER_TIMEOUT: Duration = Duration::from_millis(500);

/// `--allow-missing`, or not.
fn when_down(allow_missing: bool) -> WhenServersAreDown {
    if allow_missing {
        WhenServersAreDown::DeleteWherePossible
    } else {
        WhenServersAreDown::Refuse
    }
}

/// A client connected to `urls` with the text of a creds file (`what` names it).
async fn connect(urls: &[String], creds: &str, what: &str) -> Result<async_nats::Client, Failure> {
    async_nats::ConnectOptions::with_credentials(creds)
        .map_err(fail(what))?
        .connect(urls.to_vec())
        .await
        .map_err(fail(&format!("cannot connect to {}", urls.join(","))))
}

/// What `delete` does with the tenant's JetStream streams.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenStreams {
    /// Neither flag: refuse when there are some.
    Refuse,
    /// `--remove-streams`: delete them first.
    Remove,
    /// `--keep-streams`: leave them.
    Keep,
}

/// What every step after `init` works with.
pub(crate) struct Service {
    store: Backend,
    dir: PathBuf,
    provisioner: Provisioner,
    servers: Cluster,
    /// The servers' URLs, for the connections of other users than the system user.
    urls: Vec<String>,
}

/// The servers' URLs: `--server`, else those `init` wrote in `<dir>/server.url`.
fn server_urls(dir: &Path, server: Option<&str>) -> Result<Vec<String>, Failure> {
    if let Some(server) = server {
        return Ok(vec![server.to_owned()]);
    }
    let path = dir.join("server.url");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::no_input(format!("cannot read {}: {e}", path.display())))?;
    Ok(text.trim().split(',').map(str::to_owned).collect())
}

impl Service {
    /// Opens the store (`given`: the `--store` flag, which must name the store `<dir>`
    /// holds) and connects to the server as the system user.
    pub(crate) async fn open(
        dir: &Path,
        server: Option<&str>,
        given: Option<&StoreKind>,
    ) -> Result<Service, Failure> {
        let recorded = KvSetup::read(dir)?;
        check_store_choice(dir, given, recorded.as_ref())?;
        let store = match &recorded {
            None => Backend::Dir(
                DirStore::open(&StorePaths::under(dir), OPERATOR).map_err(store_failure)?,
            ),
            Some(setup) => Backend::Kv(open_kv(dir, &server_urls(dir, server)?, setup).await?),
        };
        let provisioner = Provisioner::open(&*store).map_err(provision_failure("operator"))?;
        let urls = server_urls(dir, server)?;
        let sys_creds = store
            .creds("SYS", "sys")
            .map_err(store_failure)?
            .ok_or_else(|| Failure::data("the store holds no creds for SYS/sys"))?;
        let client = connect(&urls, sys_creds.expose(), "SYS/sys creds").await?;
        // The servers init wrote are expected, up or not; else whoever answers.
        let servers = match std::fs::read_to_string(dir.join("servers")) {
            Ok(names) => {
                let expected = names
                    .lines()
                    .filter(|name| !name.is_empty())
                    .map(|name| ServerInfo {
                        name: name.to_owned(),
                        id: String::new(),
                    })
                    .collect();
                Cluster::new(client, expected, COLLECT_TIMEOUT)
            }
            // A ping has no count of replies: discovery waits out its whole timeout.
            Err(_) => Cluster::discover(client, DISCOVER_TIMEOUT)
                .await
                .map_err(fail("no server answered"))?,
        };
        Ok(Service {
            store,
            dir: dir.to_path_buf(),
            provisioner,
            servers,
            urls,
        })
    }

    /// Pushes the tenant as the store holds it to every expected server, and again when
    /// another process stored a newer version meanwhile ([`push_current`]); fails unless
    /// all of them confirmed.
    async fn push(&self, tenant: &str) -> Result<(), Failure> {
        let pushed = push_current(&*self.store, &self.servers, tenant)
            .await
            .map_err(fail(&format!("push {tenant}")))?;
        println!("pushed {tenant}: {}", pushed.report);
        Ok(())
    }

    /// `delete`: deletes the tenant's streams (or refuses while it has some, or leaves
    /// them), then the tenant on every server (see [`Provisioner::delete_account`]).
    pub(crate) async fn delete(
        &self,
        tenant: &str,
        allow_missing: bool,
        streams: WhenStreams,
    ) -> Result<(), Failure> {
        if streams != WhenStreams::Keep {
            self.remove_streams(tenant, streams).await?;
        }
        let report = self
            .provisioner
            .delete_account(
                &*self.store,
                &self.servers,
                tenant,
                when_down(allow_missing),
            )
            .await
            .map_err(|e| match e {
                ProvisionError::NotInStore(what) => {
                    Failure::data(format!("{what} is not in the store"))
                }
                other => Failure::other(format!("delete {tenant}: {other}")),
            })?;
        println!("deleted {tenant}: {report}");
        Ok(())
    }

    /// Lists the tenant's streams as its cleanup user; refuses when there are some, unless
    /// `streams` says to remove them.
    async fn remove_streams(&self, tenant: &str, streams: WhenStreams) -> Result<(), Failure> {
        let account = self.load(tenant)?;
        let user = self
            .provisioner
            .stream_cleanup_user(&account)
            .map_err(provision_failure("stream cleanup user"))?;
        let creds = user.creds().map_err(fail("stream cleanup creds"))?;
        let client = connect(&self.urls, creds.expose(), "stream cleanup creds").await?;
        let what = format!("streams of {tenant}");
        let names = account_streams(&client, COLLECT_TIMEOUT)
            .await
            .map_err(fail(&what))?;
        if names.is_empty() {
            return Ok(());
        }
        if streams == WhenStreams::Refuse {
            return Err(Failure::usage(format!(
                "tenant {tenant} has streams ({}), which the servers would keep on disk: \
                 --remove-streams deletes them first, --keep-streams leaves them",
                names.join(", ")
            )));
        }
        let removed = delete_streams(&client, COLLECT_TIMEOUT)
            .await
            .map_err(fail(&what))?;
        println!("removed streams: {}", removed.join(", "));
        Ok(())
    }

    /// `prune`: deletes (or with `dry_run` lists) the accounts only the servers hold.
    pub(crate) async fn prune(&self, dry_run: bool, allow_missing: bool) -> Result<(), Failure> {
        let action = if dry_run {
            PruneAction::ReportOnly
        } else {
            PruneAction::Delete
        };
        let pruned = prune(
            &self.provisioner,
            &*self.store,
            &self.servers,
            action,
            when_down(allow_missing),
        )
        .await
        .map_err(fail("prune"))?;
        for (account, servers) in &pruned.only_on_servers {
            println!("{account} only on {}", servers.join(", "));
        }
        let count = pruned.only_on_servers.len();
        match &pruned.deleted {
            Some(report) => println!("pruned {count} accounts: {report}"),
            None if count == 0 => println!("nothing to prune"),
            None => println!("dry run: {count} accounts not pruned"),
        }
        Ok(())
    }

    /// `reconcile` and `watch`: reports one repair pass.
    fn report(pass: &Reconciled) {
        let reachable: Vec<&str> = pass.reachable.iter().map(|s| s.name.as_str()).collect();
        if pass.plan.is_converged() {
            println!(
                "converged: {} hold what the store holds",
                reachable.join(", ")
            );
        }
        for divergence in &pass.plan.divergences {
            let servers: Vec<&str> = divergence.servers.iter().map(|s| s.name.as_str()).collect();
            println!(
                "{}: {:?} on {}",
                divergence.account,
                divergence.standing,
                servers.join(", ")
            );
        }
        for (account, report) in &pass.pushed {
            println!("re-pushed {account}: {report}");
        }
        if let Some(report) = &pass.deleted {
            println!("re-deleted {}: {report}", pass.plan.delete.join(", "));
        }
    }

    pub(crate) async fn reconcile(&self) -> Result<(), Failure> {
        let pass = reconcile(&self.provisioner, &*self.store, &self.servers)
            .await
            .map_err(fail("reconcile"))?;
        Service::report(&pass);
        Ok(())
    }

    /// `watch`: a directory store is opened for each pass only, so that the other steps
    /// can run in between (each waits for a pass to end: the store has one writer at a
    /// time); a KV store stays open, as the other steps write to it meanwhile.
    pub(crate) async fn watch(self) -> Result<(), Failure> {
        let Service {
            store,
            dir,
            provisioner,
            servers,
            ..
        } = self;
        let poll = Duration::from_millis(500);
        let period = Duration::from_secs(30);
        let watched = match store {
            Backend::Kv(store) => {
                let open = || Ok::<_, ProvisionError>(&store);
                watch(&provisioner, open, &servers, poll, period, Service::report).await
            }
            Backend::Dir(store) => {
                drop(store);
                let paths = StorePaths::under(&dir);
                let open = || {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    loop {
                        match DirStore::open(&paths, OPERATOR) {
                            Err(StoreError::Locked { .. }) if Instant::now() < deadline => {
                                std::thread::sleep(Duration::from_millis(50));
                            }
                            opened => return opened.map(Box::new).map_err(ProvisionError::from),
                        }
                    }
                };
                watch(&provisioner, open, &servers, poll, period, Service::report).await
            }
        };
        watched.map_err(fail("watch"))
    }

    /// Changes the tenant with `change` on top of what the store holds, again if another
    /// process changed it first ([`Provisioner::update_account`]), then pushes it.
    async fn update_push(
        &self,
        name: &str,
        change: impl FnMut(&mut ManagedAccount) -> Result<(), ProvisionError>,
    ) -> Result<ManagedAccount, Failure> {
        let updated = self
            .provisioner
            .update_account(&*self.store, name, change)
            .map_err(provision_failure(name))?;
        if updated.attempts > 1 {
            println!(
                "{name} was changed by another process meanwhile: applied {} times",
                updated.attempts
            );
        }
        self.push(name).await?;
        Ok(updated.account)
    }

    fn load(&self, name: &str) -> Result<ManagedAccount, Failure> {
        self.provisioner
            .load_account(&*self.store, name)
            .map_err(provision_failure(name))
    }

    /// `tenant`: creates the tenant, unless the store holds it (another process may
    /// create it at the same time: the first to store it is the tenant), and pushes it.
    pub(crate) async fn tenant(&self, name: &str) -> Result<(), Failure> {
        let exists = self
            .store
            .account_jwt(name)
            .map_err(store_failure)?
            .is_some();
        if exists || !self.create_tenant(name)? {
            let tenant = self.load(name)?;
            println!("tenant {name} exists ({})", tenant.public_key());
        }
        self.push(name).await
    }

    /// Creates and stores the tenant, unless another process stored one of that name
    /// first (then `false`).
    fn create_tenant(&self, name: &str) -> Result<bool, Failure> {
        let mut tenant = self
            .provisioner
            .create_account(name, |account| {
                // R1 for scratch data, R3 for what must survive a server. A tier's
                // storage counts one copy: 10 GiB of R3 holds 10 GiB of messages.
                let tier = |disk: ByteSize, streams: i64| JetStreamLimits {
                    mem_storage: ByteSize::mib(64).into(),
                    disk_storage: disk.into(),
                    streams,
                    consumer: 100,
                    max_bytes_required: true,
                    ..Default::default()
                };
                let limits = &mut account.nats.limits;
                limits.set_tier(ReplicaTier::R1, tier(ByteSize::gib(1), 10));
                limits.set_tier(ReplicaTier::R3, tier(ByteSize::gib(10), 5));
            })
            .map_err(provision_failure(name))?;
        add_reader_scope(&mut tenant, name).map_err(provision_failure("reader scope"))?;
        self.provisioner
            .sign_account(&mut tenant)
            .map_err(provision_failure(name))?;
        match tenant.save_new(&*self.store) {
            Ok(_) => {
                println!("created tenant {name} ({})", tenant.public_key());
                Ok(true)
            }
            Err(ProvisionError::Store(StoreError::Conflict { .. })) => Ok(false),
            Err(e) => Err(provision_failure("save")(e)),
        }
    }

    /// Where the user's creds file is: the directory store's own; for a KV store, written
    /// from the store into `<dir>/creds/<tenant>/<user>.creds`.
    fn creds_file(&self, tenant: &str, user: &str) -> Result<PathBuf, Failure> {
        match &self.store {
            Backend::Dir(store) => Ok(store.creds_path(tenant, user)),
            Backend::Kv(store) => {
                let creds = store
                    .creds(tenant, user)
                    .map_err(store_failure)?
                    .ok_or_else(|| {
                        Failure::data(format!("the store holds no creds for {tenant}/{user}"))
                    })?;
                let path = self
                    .dir
                    .join("creds")
                    .join(tenant)
                    .join(format!("{user}.creds"));
                write_secret(&path, creds.expose())?;
                Ok(path)
            }
        }
    }

    /// `user`: issues the user, unless it exists, and prints its creds file's path.
    pub(crate) async fn user(
        &self,
        tenant_name: &str,
        name: &str,
        options: &UserOptions,
    ) -> Result<(), Failure> {
        let mut tenant = self.load(tenant_name)?;
        if let Some(jwt) = self
            .store
            .user_jwt(tenant_name, name)
            .map_err(store_failure)?
        {
            let claims = UserClaims::decode(&jwt)
                .map_err(|e| Failure::data(format!("user {name}: {e}")))?
                .into_claims();
            let revoked = tenant
                .claims
                .nats
                .revocations
                .is_revoked(&claims.subject, claims.issued_at);
            let state = if revoked { ", revoked" } else { "" };
            let creds_path = self.creds_file(tenant_name, name)?;
            println!("user {name} exists{state}: {}", creds_path.display());
            return Ok(());
        }
        let signer_key = if options.read_only {
            match reader_key(&tenant) {
                Some(key) => key,
                // A tenant made elsewhere (nsc) may have no reader scope: add one, unless
                // another process added one meanwhile.
                None => {
                    let mut key = String::new();
                    tenant = self
                        .update_push(tenant_name, |tenant| {
                            key = match reader_key(tenant) {
                                Some(key) => key,
                                None => add_reader_scope(tenant, tenant_name)?,
                            };
                            Ok(())
                        })
                        .await?;
                    key
                }
            }
        } else {
            plain_key(&tenant).ok_or_else(|| {
                Failure::data(format!("tenant {tenant_name} has no plain signing key"))
            })?
        };
        let signer = tenant.signing_key(&signer_key).ok_or_else(|| {
            Failure::data(format!("the seed of {signer_key} is not in the store"))
        })?;
        let subjects = vec![format!("{tenant_name}.>")];
        let now = SystemClock.now();
        let user = self
            .provisioner
            .create_user(&tenant, name, UserSigner::SigningKey(signer), |user| {
                if !options.read_only {
                    let permissions = &mut user.nats.permissions;
                    permissions.publish.allow = subjects.clone();
                    permissions.subscribe.allow = subjects.clone();
                    permissions.subscribe.allow.push("_INBOX.>".into());
                    if options.jetstream {
                        permissions.allow_jetstream();
                    }
                }
                if let Some(seconds) = options.expires {
                    user.expires = now.saturating_add(seconds);
                }
            })
            .map_err(provision_failure(name))?;
        user.save(&*self.store, &tenant)
            .map_err(provision_failure("save"))?;
        let creds_path = self.creds_file(tenant_name, name)?;
        println!(
            "issued {name} ({}): {}",
            user.key.public_key(),
            creds_path.display()
        );
        Ok(())
    }

    /// `revoke`: revokes the user's tokens issued until now and pushes the tenant; another
    /// process's change to the tenant at the same time is kept.
    pub(crate) async fn revoke(&self, tenant_name: &str, name: &str) -> Result<(), Failure> {
        let tenant = self.load(tenant_name)?;
        let jwt = self
            .store
            .user_jwt(tenant_name, name)
            .map_err(store_failure)?
            .ok_or_else(|| Failure::data(format!("tenant {tenant_name} has no user {name}")))?;
        let claims = UserClaims::decode(&jwt)
            .map_err(|e| Failure::data(format!("user {name}: {e}")))?
            .into_claims();
        let revocations = &tenant.claims.nats.revocations;
        if revocations.is_revoked(&claims.subject, claims.issued_at) {
            println!("{name} was revoked already ({})", claims.subject);
            // Pushed again: a push cut short by a crash is finished here.
            return self.push(tenant_name).await;
        }
        let now = SystemClock.now();
        self.update_push(tenant_name, |tenant| {
            tenant.revoke_user(&claims.subject, now);
            Ok(())
        })
        .await?;
        println!("revoked {name} ({})", claims.subject);
        Ok(())
    }
}

/// The flags of `user`.
pub(crate) struct UserOptions {
    pub(crate) read_only: bool,
    pub(crate) jetstream: bool,
    pub(crate) expires: Option<i64>,
}

/// The tenant's scoped signing key for read-only users, if it has one.
fn reader_key(tenant: &ManagedAccount) -> Option<String> {
    tenant
        .claims
        .nats
        .signing_keys
        .iter()
        .find(|(_, key)| matches!(key, SigningKey::Scoped(scope) if scope.role == READER_ROLE))
        .map(|(key, _)| key.to_owned())
}

/// The tenant's first plain signing key, if it has one.
fn plain_key(tenant: &ManagedAccount) -> Option<String> {
    tenant
        .claims
        .nats
        .signing_keys
        .iter()
        .find(|(_, key)| matches!(key, SigningKey::Plain))
        .map(|(key, _)| key.to_owned())
}

/// Adds the scoped `reader` signing key: subscribe to the tenant's subjects and the
/// inbox, publish nothing. Returns its public key (re-sign to publish it).
fn add_reader_scope(tenant: &mut ManagedAccount, name: &str) -> Result<String, ProvisionError> {
    tenant.add_scoped_signing_key(READER_ROLE, |read_only| {
        read_only.permissions.subscribe.allow = vec![format!("{name}.>"), "_INBOX.>".into()];
        read_only.permissions.publish.deny = vec![">".into()];
    })
}

/// `run`: the demo, one step after the other.
pub(crate) async fn run(service: &Service) -> Result<(), Failure> {
    service.tenant("acme").await?;
    let alice = UserOptions {
        read_only: false,
        jetstream: true,
        expires: None,
    };
    service.user("acme", "alice", &alice).await?;
    let bob = UserOptions {
        read_only: true,
        jetstream: false,
        expires: None,
    };
    service.user("acme", "bob", &bob).await?;
    service.revoke("acme", "bob").await
}

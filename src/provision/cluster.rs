//! Provisioning on a cluster of servers with full resolvers (feature `resolver-client`):
//! deletes that stay deleted, a repair that brings every server to what the store
//! holds — once ([`reconcile`]) or whenever a server joins ([`watch`]) — and the removal
//! of the accounts only the servers hold ([`prune`]).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;
use std::time::Duration;

use crate::resolver::client::Cluster;
use crate::resolver::{Quorum, Report, ResolverError, ResolverReply, ServerInfo};
use crate::store::Store;

use super::convergence::{Held, Holdings, Plan, only_on_servers, plan};
use super::stored::account_claims;
use super::{ProvisionError, Provisioner};

/// What one [`reconcile`] pass found and did.
#[derive(Debug, Clone)]
pub struct Reconciled {
    /// The servers that answered.
    pub reachable: Vec<ServerInfo>,
    /// What differed, and what was sent.
    pub plan: Plan,
    /// The push of each account in [`Plan::push`] (its public key and the servers'
    /// answers).
    pub pushed: Vec<(String, Report<ResolverReply>)>,
    /// The delete of the accounts in [`Plan::delete`], when there were any.
    pub deleted: Option<Report<ResolverReply>>,
}

/// Whether a delete goes ahead while an expected server is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenServersAreDown {
    /// Refuse: nothing is deleted ([`ProvisionError::ServersDown`]).
    Refuse,
    /// Delete where possible; the tombstone makes the repair delete it on the others
    /// when they return.
    DeleteWherePossible,
}

/// The servers of `cluster` that answer now, as a cluster of their own (so that no
/// request waits for a server that is down).
async fn reachable(cluster: &Cluster) -> Result<Cluster, ProvisionError> {
    let answering = cluster.ping().await?;
    Ok(cluster.with_expected(answering))
}

/// [`reachable`], refusing ([`ProvisionError::ServersDown`], naming them) when an
/// expected server does not answer, unless `when_down` lets the call go ahead without it.
async fn reachable_unless_down(
    cluster: &Cluster,
    when_down: WhenServersAreDown,
) -> Result<Cluster, ProvisionError> {
    let reachable = reachable(cluster).await?;
    let down: Vec<String> = cluster
        .expected()
        .iter()
        .filter(|server| !reachable.expected().iter().any(|a| a.name == server.name))
        .map(|server| server.name.clone())
        .collect();
    if !down.is_empty() && when_down == WhenServersAreDown::Refuse {
        return Err(ProvisionError::ServersDown(down));
    }
    Ok(reachable)
}

/// The copies of an account the servers of `cluster` hold, from its lookup. When they
/// hold different ones, the servers do not say which holds which
/// ([`ResolverError::UnclearLookup`]): each copy is then attributed to every server that
/// holds one.
fn copies(
    cluster: &Cluster,
    lookup: Result<Report<Option<String>>, ResolverError>,
) -> Result<Vec<Held>, ProvisionError> {
    match lookup {
        Ok(report) => Ok(report
            .replies
            .into_iter()
            .map(|(server, jwt)| Held {
                servers: vec![server],
                jwt,
            })
            .collect()),
        Err(ResolverError::UnclearLookup { holders, jwts, .. }) => {
            let (holding, rest): (Vec<ServerInfo>, Vec<ServerInfo>) = cluster
                .expected()
                .iter()
                .cloned()
                .partition(|server| holders.contains(&server.name));
            let mut copies: Vec<Held> = jwts
                .into_iter()
                .map(|jwt| Held {
                    servers: holding.clone(),
                    jwt: Some(jwt),
                })
                .collect();
            if !rest.is_empty() {
                copies.push(Held {
                    servers: rest,
                    jwt: None,
                });
            }
            Ok(copies)
        }
        Err(other) => Err(other.into()),
    }
}

/// Compares what every reachable server holds with the store and repairs it: pushes each
/// account a server lacks or holds an older version of, and deletes again each deleted
/// account (a tombstone in the store) a server holds. A server holding a newer JWT than
/// the store is reported in the plan and left alone.
pub async fn reconcile(
    provisioner: &Provisioner,
    store: &dyn Store,
    cluster: &Cluster,
) -> Result<Reconciled, ProvisionError> {
    reconcile_on(provisioner, store, &reachable(cluster).await?).await
}

/// The public key and JWT of each account the store holds.
fn stored_accounts(store: &dyn Store) -> Result<Vec<(String, String)>, ProvisionError> {
    let mut accounts = Vec::new();
    for name in store.account_names()? {
        if let Some(jwt) = store.account_jwt(&name)? {
            accounts.push((account_claims(&jwt)?.subject, jwt));
        }
    }
    Ok(accounts)
}

/// [`reconcile`] on `servers`, all of them reachable.
async fn reconcile_on(
    provisioner: &Provisioner,
    store: &dyn Store,
    servers: &Cluster,
) -> Result<Reconciled, ProvisionError> {
    let mut accounts: Vec<(String, Option<String>)> = stored_accounts(store)?
        .into_iter()
        .map(|(public_key, jwt)| (public_key, Some(jwt)))
        .collect();
    for public_key in store.tombstones()? {
        accounts.push((public_key, None));
    }
    // One list and batched lookups for all of them.
    let keys: Vec<&str> = accounts.iter().map(|(key, _)| key.as_str()).collect();
    let held = servers
        .lookup_each(&keys)
        .await?
        .into_iter()
        .map(|lookup| copies(servers, lookup))
        .collect::<Result<Vec<_>, _>>()?;
    let holdings: Vec<Holdings<'_>> = accounts
        .iter()
        .zip(&held)
        .map(|((account, stored), held)| Holdings {
            account,
            stored: stored.as_deref(),
            held,
        })
        .collect();
    let plan = plan(&holdings);
    let mut pushed = Vec::new();
    for public_key in &plan.push {
        let jwt = accounts
            .iter()
            .find_map(|(key, jwt)| (key == public_key).then_some(jwt.as_deref()).flatten())
            .ok_or_else(|| ProvisionError::NotInStore(format!("account {public_key}")))?;
        pushed.push((public_key.clone(), servers.push(jwt).await?));
    }
    let deleted = if plan.delete.is_empty() {
        None
    } else {
        let keys: Vec<&str> = plan.delete.iter().map(String::as_str).collect();
        Some(servers.delete(&provisioner.delete_request(&keys)?).await?)
    };
    Ok(Reconciled {
        reachable: servers.expected().to_vec(),
        plan,
        pushed,
        deleted,
    })
}

/// Runs [`reconcile`] now, then again each time a server joins the cluster (one that
/// restarts comes back with a new server id) and at least every `period`, checking who
/// answers every `poll`; calls `on_pass` after each pass. Runs until a request fails.
///
/// `open_store` gives the store for each pass: `|| Ok(&store)` in a service that holds
/// it, or a function that opens it (and so takes its lock) for the pass only, when other
/// processes write to it in between.
///
/// A server that was down while an account changed or was deleted holds the old state
/// when it returns; it holds the store's about `poll` after it answers.
pub async fn watch<S, D>(
    provisioner: &Provisioner,
    mut open_store: impl FnMut() -> Result<S, ProvisionError>,
    cluster: &Cluster,
    poll: Duration,
    period: Duration,
    mut on_pass: impl FnMut(&Reconciled),
) -> Result<(), ProvisionError>
where
    S: Deref<Target = D>,
    D: Store,
{
    let mut known = BTreeSet::new();
    let mut since_pass = period;
    loop {
        let answering = cluster.ping().await?;
        let joined = answering.iter().any(|server| !known.contains(server));
        if joined || since_pass >= period {
            let store = open_store()?;
            let servers = cluster.with_expected(answering.clone());
            on_pass(&reconcile_on(provisioner, &*store, &servers).await?);
            since_pass = Duration::ZERO;
        }
        known = answering.into_iter().collect();
        tokio::time::sleep(poll).await;
        since_pass += poll;
    }
}

/// What [`prune`] does with the accounts only the servers hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneAction {
    /// List and report them, and delete nothing (`nsc push --diff`).
    ReportOnly,
    /// Delete them (`nsc push --prune`).
    Delete,
}

/// What one [`prune`] found and did.
#[derive(Debug, Clone)]
pub struct Pruned {
    /// What each server that answered lists (`$SYS.REQ.CLAIMS.LIST`).
    pub listed: Report<Vec<String>>,
    /// The accounts that servers list and the store does not know (neither one of its
    /// accounts nor the operator's system account), each with the names of the servers
    /// that list it; see [`only_on_servers`](super::convergence::only_on_servers).
    pub only_on_servers: BTreeMap<String, Vec<String>>,
    /// The delete of [`Pruned::only_on_servers`], confirmed by every server that listed;
    /// `None` for [`PruneAction::ReportOnly`] or when there was nothing to prune.
    pub deleted: Option<Report<ResolverReply>>,
}

/// Deletes from every server of `cluster` the accounts that the servers hold and the
/// store does not know, as `nsc push --prune` does (`--diff` with
/// [`PruneAction::ReportOnly`]): lists what every server holds, compares it with the store
/// ([`only_on_servers`](super::convergence::only_on_servers): the operator's system
/// account is never pruned), stores a tombstone for each account to prune (durable before
/// the delete is sent, so that [`reconcile`] and [`watch`] delete it again on a server
/// that missed the delete), then sends one delete, signed by the operator signing key.
///
/// Refuses ([`ProvisionError::ServersDown`]) while an expected server is down, as
/// [`Provisioner::delete_account`] does, unless `when_down` is
/// [`WhenServersAreDown::DeleteWherePossible`]: then the servers that answer are listed
/// and pruned, and an account only a server that is down holds is not seen.
///
/// As nsc compares the servers that answer its delete with those that answered its list,
/// every server that listed must confirm the delete: one that did not fails the call with
/// [`ProvisionError::Resolver`]`(`[`ResolverError::NotConfirmed`]`)` naming it (the
/// tombstones are stored: a [`reconcile`] finishes the delete). A server that answers the
/// delete without having listed counts for nothing; the report names it as unexpected.
///
/// ```no_run
/// use std::time::Duration;
///
/// use natsjwt::provision::{prune, PruneAction, Provisioner, WhenServersAreDown};
/// use natsjwt::resolver::client::Cluster;
/// use natsjwt::store::{DirStore, StorePaths};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = DirStore::open(&StorePaths::under(std::path::Path::new("signup")), "signup")?;
/// let provisioner = Provisioner::open(&store)?;
/// let client = async_nats::ConnectOptions::with_credentials_file("sys.creds")
///     .await?
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// let cluster = Cluster::discover(client, Duration::from_millis(500)).await?;
/// let pruned = prune(&provisioner, &store, &cluster, PruneAction::Delete, WhenServersAreDown::Refuse).await?;
/// for (account, servers) in &pruned.only_on_servers {
///     println!("{account} only on {}", servers.join(", "));
/// }
/// if let Some(report) = &pruned.deleted {
///     println!("pruned {} accounts: {report}", pruned.only_on_servers.len());
/// }
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub async fn prune(
    provisioner: &Provisioner,
    store: &dyn Store,
    cluster: &Cluster,
    action: PruneAction,
    when_down: WhenServersAreDown,
) -> Result<Pruned, ProvisionError> {
    let servers = reachable_unless_down(cluster, when_down).await?;
    let listed = servers.list().await?;
    let known: BTreeSet<String> = stored_accounts(store)?
        .into_iter()
        .map(|(public_key, _)| public_key)
        .collect();
    let only_on_servers =
        only_on_servers(&listed, &known, &provisioner.operator().nats.system_account);
    let deleted = if action == PruneAction::Delete && !only_on_servers.is_empty() {
        for account in only_on_servers.keys() {
            store.put_tombstone(account)?;
        }
        let accounts: Vec<&str> = only_on_servers.keys().map(String::as_str).collect();
        let request = provisioner.delete_request(&accounts)?;
        let listers: Vec<ServerInfo> = listed
            .replies
            .iter()
            .map(|(server, _)| server.clone())
            .collect();
        let report = servers
            .with_expected(listers)
            .with_quorum(Quorum::All)
            .delete(&request)
            .await?;
        Some(report)
    } else {
        None
    };
    Ok(Pruned {
        listed,
        only_on_servers,
        deleted,
    })
}

impl Provisioner {
    /// Pulls every account JWT the servers of `cluster` hold (`$SYS.REQ.CLAIMS.PACK`) into
    /// `store`; see [`Provisioner::store_pulled`]. Seeds are not on any server: a lost
    /// store's accounts come back, their keys do not.
    pub async fn pull(
        &self,
        store: &dyn Store,
        cluster: &Cluster,
    ) -> Result<super::Pulled, ProvisionError> {
        let jwts = reachable(cluster).await?.pack().await?;
        self.store_pulled(store, &jwts)
    }

    /// Deletes the account named `name`: refuses while an expected server of `cluster` is
    /// down (unless `when_down` allows it), stores a tombstone (durable before the
    /// delete is sent, so that [`reconcile`] deletes the account again on a server that
    /// missed it), removes the account from the store (its seeds stay), sends the delete
    /// (signed by the operator signing key), and checks that no server that answered
    /// holds the account any more.
    ///
    /// The account's JetStream data stays on the servers' disks (nats-server leaves
    /// `jetstream/<account>/streams/…`): delete its streams first, with
    /// [`delete_streams`](super::delete_streams) as
    /// [`Provisioner::stream_cleanup_user`].
    pub async fn delete_account(
        &self,
        store: &dyn Store,
        cluster: &Cluster,
        name: &str,
        when_down: WhenServersAreDown,
    ) -> Result<Report<ResolverReply>, ProvisionError> {
        let jwt = store
            .account_jwt(name)?
            .ok_or_else(|| ProvisionError::NotInStore(format!("account {name}")))?;
        let public_key = account_claims(&jwt)?.subject;
        let reachable = reachable_unless_down(cluster, when_down).await?;
        store.put_tombstone(&public_key)?;
        store.delete_account(name)?;
        let request = self.delete_request(&[public_key.as_str()])?;
        let quorum = match when_down {
            WhenServersAreDown::Refuse => Quorum::All,
            WhenServersAreDown::DeleteWherePossible => Quorum::AtLeast(1),
        };
        let report = cluster.clone().with_quorum(quorum).delete(&request).await?;
        let still_held: Vec<String> = reachable
            .lookup(&public_key)
            .await?
            .replies
            .into_iter()
            .filter(|(_, jwt)| jwt.is_some())
            .map(|(server, _)| server.name)
            .collect();
        if !still_held.is_empty() {
            return Err(ProvisionError::StillHeld {
                account: public_key,
                servers: still_held,
            });
        }
        Ok(report)
    }
}

//! [`push_current`]: the store's version of an account to every server, with pushes
//! from several writers ordered (feature `resolver-client`).

use crate::resolver::client::Cluster;
use crate::resolver::{Report, ResolverReply};
use crate::store::Store;

use super::ProvisionError;

/// How many times [`push_current`] pushes again because the store moved on meanwhile.
const PUSH_ATTEMPTS: u32 = 16;

/// What [`push_current`] pushed.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The revision of the account's entry that was pushed.
    pub revision: u64,
    /// The servers' answers to the last push.
    pub report: Report<ResolverReply>,
    /// Whether the store still held that revision after the push. `false` when other
    /// writers kept storing newer versions through every attempt: each of them pushes
    /// its own, and the last to finish (or the next [`reconcile`](super::reconcile))
    /// leaves the servers with the newest.
    pub settled: bool,
}

/// Pushes the version of the account named `name` that `store` holds now to every
/// server of `cluster`, then reads the store again: when another writer stored a newer
/// version meanwhile, pushes that one, until a push leaves the store as it found it.
///
/// A server takes every push, older or not (its resolver writes what it is sent), so
/// two replicas that push their own versions may leave the older one on a server: one
/// whose push was sent first but arrived last. Pushing what the store holds, and again
/// when it moved on, leaves every server with the newest: the last push to arrive was
/// sent by a writer that found no newer version after it, and a version stored later
/// is pushed later by its own writer. While other writers keep changing the account, it
/// gives up after a few rounds ([`Pushed::settled`] is `false`): they push what they
/// stored. Call it after each change
/// ([`Provisioner::update_account`](super::Provisioner::update_account)) instead of
/// pushing the changed JWT.
pub async fn push_current(
    store: &dyn Store,
    cluster: &Cluster,
    name: &str,
) -> Result<Pushed, ProvisionError> {
    let missing = || ProvisionError::NotInStore(format!("account {name}"));
    let mut entry = store.account_entry(name)?.ok_or_else(missing)?;
    let mut attempt = 1;
    loop {
        let report = cluster.push(&entry.jwt).await?;
        let now = store.account_entry(name)?.ok_or_else(missing)?;
        let settled = now.revision == entry.revision;
        if settled || attempt == PUSH_ATTEMPTS {
            return Ok(Pushed {
                revision: entry.revision,
                report,
                settled,
            });
        }
        entry = now;
        attempt += 1;
    }
}

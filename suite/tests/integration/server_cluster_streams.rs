//! An account's JetStream assets on a real 3-node nats-server 2.14 cluster: an R3 stream
//! is on the disk of all three nodes and an R1 stream on one
//! (`<store_dir>/jetstream/<account>/streams/<stream>/`); `provision::account_streams`
//! lists both and `delete_streams` removes them from every disk, as the account's
//! `stream_cleanup_user`; a stream left when its account is deleted stays on disk. An
//! account without JetStream has no streams (no error).
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, Context, stream};
use natsjwt::provision::{
    ManagedAccount, Provisioner, SigningKeyUsage, UserSigner, WhenServersAreDown, account_streams,
    delete_streams,
};
use natsjwt::store::{DirStore, StorePaths};
use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier};

use crate::common::client::{
    WAIT, connected, create_stream_when_ready, publish_until_stored, refused_within, system_servers,
};
use crate::common::cluster::{Cluster, operator_config};
use crate::common::nats_server::{TempDir, newest_server};

const WHY: &str = "the stream cleanup tests run a 3-node 2.14 cluster with JetStream";
/// How long every resolver request collects replies.
const COLLECT: Duration = Duration::from_millis(400);
/// The bound on a node creating or removing a stream's directory.
const ON_DISK: Duration = Duration::from_secs(10);

/// A tier of 1 GiB file storage and 10 streams.
fn tier() -> JetStreamLimits {
    JetStreamLimits {
        disk_storage: ByteSize::gib(1).into(),
        streams: 10,
        ..Default::default()
    }
}

/// Creates the file stream `name` on `acme.<name>.>` with `replicas` replicas (retried
/// while the cluster is not ready for it) and stores one message in it. Returns the names
/// of the nodes holding it (its leader and replicas).
async fn stream_with_a_message(js: &Context, name: &str, replicas: usize) -> Vec<String> {
    let subject = format!("acme.{}", name.to_lowercase());
    let config = stream::Config {
        name: name.into(),
        subjects: vec![format!("{subject}.>")],
        num_replicas: replicas,
        max_bytes: ByteSize::mib(1).get(),
        ..Default::default()
    };
    let stream = create_stream_when_ready(js, config).await;
    // Retried: the new stream's leader may not take publishes yet.
    publish_until_stored(js, &format!("{subject}.1"), "one", "one").await;
    let cluster = stream.cached_info().cluster.clone().unwrap();
    let mut nodes: Vec<String> = cluster.replicas.into_iter().map(|peer| peer.name).collect();
    nodes.extend(cluster.leader);
    nodes.sort();
    nodes
}

/// Where node `index` keeps stream `name` of `account`.
fn stream_dir(cluster: &Cluster, index: usize, account: &str, name: &str) -> PathBuf {
    cluster
        .jetstream_dir(index)
        .join("jetstream")
        .join(account)
        .join("streams")
        .join(name)
}

/// Waits (at most [`ON_DISK`]) until each of `nodes` has (`present`) or has not the
/// directory of stream `name` of `account`; returns how long it took.
fn wait_on_disk(
    cluster: &Cluster,
    nodes: &[String],
    account: &str,
    name: &str,
    present: bool,
) -> Duration {
    let started = Instant::now();
    for node in nodes {
        let dir = stream_dir(cluster, cluster.index_of(node), account, name);
        while dir.is_dir() != present {
            assert!(
                started.elapsed() < ON_DISK,
                "{} is {} after {ON_DISK:?}",
                dir.display(),
                if present { "missing" } else { "still there" }
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    started.elapsed()
}

/// The cleanup user of `account`, connected to node `index`.
async fn cleanup_client(
    provisioner: &Provisioner,
    account: &ManagedAccount,
    cluster: &Cluster,
    index: usize,
) -> async_nats::Client {
    let user = provisioner.stream_cleanup_user(account).unwrap();
    let creds = user.creds().unwrap();
    connected(cluster.server(index), creds.expose(), "the cleanup user")
        .await
        .client
}

#[tokio::test]
async fn streams_are_listed_and_deleted_from_every_disk_before_the_account() {
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let dir = TempDir::new("cluster-streams");
    let setup = Provisioner::bootstrap("cluster-streams", SigningKeyUsage::Required).unwrap();
    let store = DirStore::create(&StorePaths::under(dir.path()), "cluster-streams").unwrap();
    setup.save(&store).unwrap();
    let provisioner = Provisioner::open(&store).unwrap();
    let acme = provisioner
        .create_account("acme", |a| {
            a.nats.limits.set_tier(ReplicaTier::R1, tier());
            a.nats.limits.set_tier(ReplicaTier::R3, tier());
        })
        .unwrap();
    acme.save(&store).unwrap();
    let plain = provisioner.create_account("plain", |_| {}).unwrap();
    plain.save(&store).unwrap();
    let writer = acme.signing_keys()[0].clone();
    let alice = provisioner
        .create_user(&acme, "alice", UserSigner::SigningKey(&writer), |u| {
            u.nats.permissions.publish.allow.push("acme.>".into());
            u.nats.permissions.allow_jetstream();
        })
        .unwrap();

    let config = operator_config(&setup, &[], Duration::from_secs(120), true);
    let cluster = Cluster::start(&binary, 3, &config).await;
    let sys_creds = setup.system_user.creds().unwrap();
    let servers = system_servers(cluster.server(0), sys_creds.expose(), COLLECT).await;
    for account in [&acme, &plain] {
        let report = servers.push(account.jwt()).await.unwrap();
        assert_eq!(report.summary(), "confirmed by 3/3 servers");
    }

    let alice_creds = alice.creds().unwrap();
    let alice_connection = connected(cluster.server(0), alice_creds.expose(), "alice").await;
    let mut js = jetstream::new(alice_connection.client.clone());
    js.set_timeout(WAIT);
    let account = acme.public_key();
    let orders = stream_with_a_message(&js, "ORDERS", 3).await;
    let scratch = stream_with_a_message(&js, "SCRATCH", 1).await;
    assert_eq!(orders, ["n1", "n2", "n3"]);
    assert_eq!(scratch.len(), 1, "{scratch:?}");
    let took = wait_on_disk(&cluster, &orders, account, "ORDERS", true)
        + wait_on_disk(&cluster, &scratch, account, "SCRATCH", true);
    println!("the stream directories were on disk within {took:?}");

    // Listed and deleted through another node than the one they were made on.
    let cleanup = cleanup_client(&provisioner, &acme, &cluster, 1).await;
    let started = Instant::now();
    let mut listed = account_streams(&cleanup, WAIT).await.unwrap();
    listed.sort();
    assert_eq!(listed, ["ORDERS", "SCRATCH"]);
    let mut deleted = delete_streams(&cleanup, WAIT).await.unwrap();
    deleted.sort();
    assert_eq!(deleted, ["ORDERS", "SCRATCH"]);
    println!("listed and deleted 2 streams in {:?}", started.elapsed());
    assert!(account_streams(&cleanup, WAIT).await.unwrap().is_empty());
    let took = wait_on_disk(&cluster, &orders, account, "ORDERS", false)
        + wait_on_disk(&cluster, &scratch, account, "SCRATCH", false);
    println!("the stream directories were gone from every disk within {took:?}");

    // A stream left when the account is deleted stays on every disk.
    let left = stream_with_a_message(&js, "LEFT", 3).await;
    wait_on_disk(&cluster, &left, account, "LEFT", true);
    let report = provisioner
        .delete_account(&store, &servers, "acme", WhenServersAreDown::Refuse)
        .await
        .unwrap();
    assert_eq!(report.summary(), "confirmed by 3/3 servers");
    for server in cluster.servers() {
        refused_within(server, alice_creds.expose(), WAIT).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for node in &left {
        let dir = stream_dir(&cluster, cluster.index_of(node), account, "LEFT");
        assert!(
            dir.is_dir(),
            "{} went with the account: the server cleans up after all",
            dir.display()
        );
    }
    println!("an account delete left its stream's directory on {left:?}");

    // An account without JetStream has no streams, and that is no error.
    let cleanup = cleanup_client(&provisioner, &plain, &cluster, 2).await;
    assert!(account_streams(&cleanup, WAIT).await.unwrap().is_empty());
    assert!(delete_streams(&cleanup, WAIT).await.unwrap().is_empty());
}

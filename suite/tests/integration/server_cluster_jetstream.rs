//! JetStream on a real 3-node nats-server 2.14 cluster: operator mode, a full resolver
//! per node (reconciling every second), routes to each other. A tenant's replica tiers,
//! pushed through one node and used on all three, are enforced as `ReplicaTier`
//! documents them (a tier counts one copy of an R3 stream); an R3 stream goes on when
//! its leader is killed, and an R1 stream is only as available as its one node.
use std::time::{Duration, Instant};

use async_nats::jetstream::context::{CreateStreamError, GetStreamError, GetStreamErrorKind};
use async_nats::jetstream::stream::{self, StorageType};
use async_nats::jetstream::{self, Context};
use natsjwt::provision::{IssuedUser, ManagedAccount, Provisioner, SigningKeyUsage, UserSigner};
use natsjwt::resolver::client::push_account;
use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier};
use serde_json::{Value, json};

use crate::common::client::{
    ATTEMPT, Connection, FAILOVER, WAIT, connect_creds, connected, create_stream_when_ready,
    publish_until_stored, stream_refusal,
};
use crate::common::cluster::{Cluster, operator_config};
use crate::common::nats_server::{RunningServer, newest_server};

/// The server refusals asserted here (`server/jetstream_errors_generated.go`).
const MAXIMUM_STREAMS: u64 = 10027; // JSMaximumStreamsLimitErr
const NO_MEMORY: u64 = 10028; // JSMemoryResourcesExceededErr
const NO_STORAGE: u64 = 10047; // JSStorageResourcesExceededErr
const MAX_BYTES_REQUIRED: u64 = 10113; // JSStreamMaxBytesRequired
const STREAM_OFFLINE: u64 = 10118; // JSStreamOfflineErr
const NO_TIER: u64 = 10120; // JSNoLimitsErr

/// An operator, its tenants on a 3-node cluster, and their users.
struct World {
    cluster: Cluster,
    /// A user of `acme`: R1 (1 GiB, 10 streams) and R3 (10 GiB, 5 streams), both
    /// requiring `max_bytes`.
    alice: IssuedUser,
    /// A user of `solo`: an R1 tier only.
    bob: IssuedUser,
}

/// A tier of `disk` file storage (no memory) and `streams` streams, requiring `max_bytes`.
fn tier(disk: ByteSize, streams: i64) -> JetStreamLimits {
    JetStreamLimits {
        disk_storage: disk.into(),
        streams,
        max_bytes_required: true,
        ..Default::default()
    }
}

/// A user of `account` publishing on `acme.>` (the streams' subjects), with the
/// JetStream preset, signed by the account's signing key.
fn jetstream_user(provisioner: &Provisioner, account: &ManagedAccount, name: &str) -> IssuedUser {
    let signer = account.signing_keys()[0].clone();
    provisioner
        .create_user(account, name, UserSigner::SigningKey(&signer), |u| {
            u.nats.permissions.publish.allow.push("acme.>".into());
            u.nats.permissions.allow_jetstream();
        })
        .unwrap()
}

/// Starts the cluster (2.14 or later, else `None`, reported), pushes the tenants through
/// its first node, and checks that every node lets their users in with their tiers.
async fn start() -> Option<World> {
    let binary = newest_server(2, 14, "the JetStream cluster tests need it")?;
    let setup = Provisioner::bootstrap("cluster-jetstream", SigningKeyUsage::Required).unwrap();
    let provisioner = setup.provisioner().unwrap();
    let acme = provisioner
        .create_account("acme", |a| {
            a.nats
                .limits
                .set_tier(ReplicaTier::R1, tier(ByteSize::gib(1), 10));
            a.nats
                .limits
                .set_tier(ReplicaTier::R3, tier(ByteSize::gib(10), 5));
        })
        .unwrap();
    let solo = provisioner
        .create_account("solo", |a| {
            a.nats
                .limits
                .set_tier(ReplicaTier::R1, tier(ByteSize::gib(1), 10));
        })
        .unwrap();
    let alice = jetstream_user(&provisioner, &acme, "alice");
    let bob = jetstream_user(&provisioner, &solo, "bob");

    // A node that missed a push (it was down) fetches it within a second.
    let config = operator_config(&setup, &[], Duration::from_secs(1), true);
    let cluster = Cluster::start(&binary, 3, &config).await;

    let sys = connected(
        cluster.server(0),
        setup.system_user.creds().unwrap().expose(),
        "sys",
    )
    .await;
    for account in [&acme, &solo] {
        let reply = push_account(&sys.client, account.jwt(), WAIT)
            .await
            .unwrap();
        assert_eq!(
            (reply.code, reply.account.as_str()),
            (200, account.public_key())
        );
    }
    // Every node's resolver took the push: the users get in, with their tiers.
    for server in cluster.servers() {
        for (user, tiers) in [(&alice, &["R1", "R3"][..]), (&bob, &["R1"][..])] {
            let connection = connect_when_known(server, user).await;
            let known = tier_names(&connection).await;
            assert_eq!(known, tiers, "{} on {}", user.claims.name, server.url());
        }
    }
    Some(World {
        cluster,
        alice,
        bob,
    })
}

/// Connects `user` to `server`, retrying (bounded) while the push is on its way there.
async fn connect_when_known(server: &RunningServer, user: &IssuedUser) -> Connection {
    let creds = user.creds().unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        match connect_creds(server, creds.expose()).await {
            Ok(connection) => return connection,
            Err(e) if Instant::now() > deadline => panic!(
                "{} is refused on {} {WAIT:?} after the push: {e:?}",
                user.claims.name,
                server.url()
            ),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The names of the tiers JetStream gives the connection's account, retrying (for up to
/// [`FAILOVER`]) while it answers 10039 (not enabled for the account: a node enables
/// JetStream for an account a moment after it has the account's JWT) or times out (a
/// cluster that has just formed elects its meta leader first).
async fn tier_names(connection: &Connection) -> Vec<String> {
    let js = context(connection, WAIT);
    let deadline = Instant::now() + FAILOVER;
    loop {
        match js.query_account().await {
            Ok(info) => {
                let mut names: Vec<String> = info.tiers.into_keys().collect();
                names.sort_unstable();
                return names;
            }
            Err(e) if Instant::now() > deadline => {
                panic!("no account info within {FAILOVER:?}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A JetStream context whose requests wait at most `timeout`.
fn context(connection: &Connection, timeout: Duration) -> Context {
    let mut js = jetstream::new(connection.client.clone());
    js.set_timeout(timeout);
    js
}

/// A stream `name` on `acme.<name>.>` with `replicas` replicas and `max_bytes`.
fn stream_config(
    name: &str,
    storage: StorageType,
    replicas: usize,
    max_bytes: ByteSize,
) -> stream::Config {
    stream::Config {
        name: name.into(),
        subjects: vec![format!("acme.{}.>", name.to_lowercase())],
        storage,
        num_replicas: replicas,
        max_bytes: max_bytes.get(),
        ..Default::default()
    }
}

/// Creates the file stream `name`, which must be accepted (retried while the cluster is
/// not ready for it).
async fn create(js: &Context, name: &str, replicas: usize, max_bytes: ByteSize) -> stream::Stream {
    create_stream_when_ready(
        js,
        stream_config(name, StorageType::File, replicas, max_bytes),
    )
    .await
}

/// The JetStream error code of a refused stream create.
fn create_refusal(result: Result<stream::Stream, CreateStreamError>) -> u64 {
    stream_refusal(result).error_code().0
}

/// The JetStream error code of a refused file stream `name`.
async fn refused(js: &Context, name: &str, replicas: usize, max_bytes: ByteSize) -> u64 {
    create_refusal(
        js.create_stream(stream_config(name, StorageType::File, replicas, max_bytes))
            .await,
    )
}

#[tokio::test]
async fn tiers_count_one_copy_on_a_cluster() {
    let Some(world) = start().await else {
        return;
    };
    let alice = connected(
        world.cluster.server(0),
        world.alice.creds().unwrap().expose(),
        "alice",
    )
    .await;
    let js = context(&alice, WAIT);

    // Within the tiers.
    let r3 = create(&js, "R3A", 3, ByteSize::gib(1)).await;
    let cluster = r3.cached_info().cluster.clone().unwrap();
    assert_eq!(
        cluster.replicas.len(),
        2,
        "an R3 stream has two followers: {cluster:?}"
    );
    create(&js, "R1A", 1, ByteSize::mib(512)).await;

    // What each tier refuses.
    for replicas in [1, 3] {
        assert_eq!(
            refused(&js, "UNBOUNDED", replicas, ByteSize::bytes(0)).await,
            MAX_BYTES_REQUIRED
        );
    }
    assert_eq!(refused(&js, "R1BIG", 1, ByteSize::gib(2)).await, NO_STORAGE);
    assert_eq!(
        refused(&js, "R3BIG", 3, ByteSize::gib(11)).await,
        NO_STORAGE
    );
    let memory = stream_config("R3MEM", StorageType::Memory, 3, ByteSize::mib(1));
    assert_eq!(create_refusal(js.create_stream(memory).await), NO_MEMORY);
    assert_eq!(refused(&js, "R2", 2, ByteSize::mib(1)).await, NO_TIER);

    // 1 GiB + 4 GiB of R3 fit 10 GiB: the tier counts one copy, not three (15 GiB).
    create(&js, "R3B", 3, ByteSize::gib(4)).await;
    let usage = js.query_account().await.unwrap();
    let r3_tier = &usage.tiers["R3"];
    assert_eq!(
        (r3_tier.streams, r3_tier.reserved_storage),
        (2, ByteSize::gib(5).get().unsigned_abs()),
        "{usage:?}"
    );

    // The tiers' stream counts: 5 R3, 10 R1.
    for n in 3..=5 {
        create(&js, &format!("R3S{n}"), 3, ByteSize::mib(1)).await;
    }
    assert_eq!(
        refused(&js, "R3S6", 3, ByteSize::mib(1)).await,
        MAXIMUM_STREAMS
    );
    for n in 2..=10 {
        create(&js, &format!("R1S{n}"), 1, ByteSize::mib(1)).await;
    }
    assert_eq!(
        refused(&js, "R1S11", 1, ByteSize::mib(1)).await,
        MAXIMUM_STREAMS
    );

    // An account with only an R1 tier, on another node: R1 yes, R3 no.
    let bob = connected(
        world.cluster.server(1),
        world.bob.creds().unwrap().expose(),
        "bob",
    )
    .await;
    let js = context(&bob, WAIT);
    create(&js, "SOLO1", 1, ByteSize::mib(1)).await;
    assert_eq!(refused(&js, "SOLO3", 3, ByteSize::mib(1)).await, NO_TIER);
}

/// Stream info for `name`: its info, or the error the request ended with.
async fn stream_info(js: &Context, name: &str) -> Result<stream::Info, GetStreamError> {
    Ok(js.get_stream(name).await?.cached_info().clone())
}

/// The name of the server leading stream `name`, waiting (bounded) while it has none (a
/// new stream's group, or one electing).
async fn leader(js: &Context, name: &str) -> String {
    let deadline = Instant::now() + FAILOVER;
    loop {
        let info = loop_info(js, name).await;
        if let Some(leader) = info.cluster.and_then(|c| c.leader) {
            return leader;
        }
        assert!(
            Instant::now() < deadline,
            "{name} has no leader within {FAILOVER:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The payload of message `sequence` of stream `name`, retrying until a leader answers.
async fn read_until_answered(js: &Context, name: &str, sequence: u64) -> String {
    let deadline = Instant::now() + FAILOVER;
    loop {
        if let Ok(stream) = js.get_stream(name).await
            && let Ok(message) = stream.get_raw_message(sequence).await
        {
            return String::from_utf8_lossy(&message.payload).into_owned();
        }
        assert!(
            Instant::now() < deadline,
            "{name} #{sequence} not read within {FAILOVER:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn r3_stream_outlives_its_leader() {
    let Some(mut world) = start().await else {
        return;
    };
    let alice_creds = world.alice.creds().unwrap();
    let first = connected(world.cluster.server(0), alice_creds.expose(), "alice").await;
    let js = context(&first, WAIT);
    create(&js, "ORDERS", 3, ByteSize::mib(64)).await;
    create(&js, "LOCAL", 1, ByteSize::mib(1)).await;
    for (n, id) in ["first", "second", "third"].into_iter().enumerate() {
        assert_eq!(
            publish_until_stored(&js, "acme.orders.new", id, "order").await,
            n as u64 + 1
        );
        assert_eq!(
            publish_until_stored(&js, "acme.local.new", id, "local").await,
            n as u64 + 1
        );
    }

    // The node to kill holds LOCAL, its only copy, and leads ORDERS (moved there if not).
    let doomed_name = leader(&js, "LOCAL").await;
    let doomed = world.cluster.index_of(&doomed_name);
    if leader(&js, "ORDERS").await != doomed_name {
        let answer: Value = js
            .request(
                "STREAM.LEADER.STEPDOWN.ORDERS",
                &json!({"placement": {"preferred": doomed_name}}),
            )
            .await
            .unwrap();
        assert_eq!(answer["success"], true, "{answer}");
        let deadline = Instant::now() + FAILOVER;
        while leader(&js, "ORDERS").await != doomed_name {
            assert!(
                Instant::now() < deadline,
                "ORDERS did not move to {doomed_name}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    drop(js);
    drop(first);
    let survivors: Vec<usize> = world
        .cluster
        .running()
        .into_iter()
        .filter(|i| *i != doomed)
        .collect();
    let writer = connected(
        world.cluster.server(survivors[0]),
        alice_creds.expose(),
        "alice",
    )
    .await;
    let reader = connected(
        world.cluster.server(survivors[1]),
        alice_creds.expose(),
        "alice",
    )
    .await;
    let (write, read) = (context(&writer, ATTEMPT), context(&reader, ATTEMPT));
    // The server delays its "offline" answers by 500 ms (`errRespDelay`): wait longer.
    let patient = context(&reader, WAIT);

    // SIGKILL: the two others elect a leader, and ORDERS takes writes and reads.
    world.cluster.kill(doomed);
    assert_eq!(
        publish_until_stored(&write, "acme.orders.new", "during", "order during").await,
        4
    );
    assert_eq!(read_until_answered(&read, "ORDERS", 1).await, "order");
    assert_eq!(
        read_until_answered(&read, "ORDERS", 4).await,
        "order during"
    );
    let new_leader = leader(&read, "ORDERS").await;
    assert!(
        survivors.contains(&world.cluster.index_of(&new_leader)),
        "{new_leader}"
    );
    // LOCAL's only copy is gone. A crash is not announced, so the meta leader does not
    // call the node offline until it has missed minutes of heartbeats (`orphMax`, 150 s):
    // until then nobody answers for LOCAL.
    let local = stream_info(&patient, "LOCAL").await;
    assert!(
        matches!(
            local.as_ref().map_err(|e| e.kind()),
            Err(GetStreamErrorKind::Request)
        ),
        "{local:?}"
    );

    // Restarted with its directories: LOCAL is back with its messages, and the node
    // catches up with ORDERS (the cluster waits until its /healthz says so).
    world.cluster.restart(doomed).await;
    connected(
        world.cluster.server(doomed),
        alice_creds.expose(),
        "alice on the restarted node",
    )
    .await;
    let local = loop_info(&read, "LOCAL").await;
    assert_eq!(local.state.messages, 3);
    // /healthz says ok once the node has the stream; the leader calls it current once it
    // has applied what it missed (the one write during the outage), a moment later.
    let deadline = Instant::now() + FAILOVER;
    loop {
        let orders = loop_info(&read, "ORDERS").await;
        assert_eq!(orders.state.messages, 4);
        let replicas = orders.cluster.map(|c| c.replicas).unwrap_or_default();
        if replicas
            .iter()
            .any(|peer| peer.name == doomed_name && peer.current)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{doomed_name} not current again within {FAILOVER:?}: {replicas:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Stopped as an operator would: it says so, and LOCAL is reported offline.
    world.cluster.terminate(doomed).await;
    let deadline = Instant::now() + FAILOVER;
    loop {
        match stream_info(&patient, "LOCAL").await.map_err(|e| e.kind()) {
            Err(GetStreamErrorKind::JetStream(e)) => {
                assert_eq!(e.error_code().0, STREAM_OFFLINE, "{e}");
                break;
            }
            other => assert!(Instant::now() < deadline, "LOCAL not offline: {other:?}"),
        }
    }
}

/// Stream info for `name`, retrying (bounded) until it is answered.
async fn loop_info(js: &Context, name: &str) -> stream::Info {
    let deadline = Instant::now() + FAILOVER;
    loop {
        match stream_info(js, name).await {
            Ok(info) => return info,
            Err(e) => assert!(
                Instant::now() < deadline,
                "{name}: no info within {FAILOVER:?}: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

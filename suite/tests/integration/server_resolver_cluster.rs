//! `resolver::client::Cluster` on real nats-servers with full resolvers: one server (a
//! cluster of one), and 3-node clusters on 127.0.0.1 with a resolver directory per node.
//! Every reply is collected on one inbox; a report says which servers confirmed, and a
//! quorum that is not met is an error naming the missing servers.
use std::time::{Duration, Instant};

use natsjwt::AccountClaims;
use natsjwt::clock::FixedClock;
use natsjwt::provision::{ManagedAccount, OperatorSetup, Provisioner, SigningKeyUsage};
use natsjwt::resolver::client::Cluster;
use natsjwt::resolver::{Quorum, ResolverError, ServerInfo};

use crate::common::client::{Connection, connected};
use crate::common::cluster::Cluster as Harness;
use crate::common::nats_server::{
    RunningServer, ServerBinary, TempDir, newest_server, on_each_server,
};

/// How long a request waits for the servers' replies.
const COLLECT: Duration = Duration::from_millis(300);
/// How long the routes may take to form (or to form again after a restart).
const FORM_BOUND: Duration = Duration::from_secs(15);
/// Slack over [`COLLECT`] for a request that waits for a server that is down.
const SLACK: Duration = Duration::from_secs(2);

/// A strict operator with a tenant `acme`, and a full-resolver config writing to `dir`.
fn operator() -> (OperatorSetup, Provisioner) {
    let setup = Provisioner::bootstrap("resolver-cluster", SigningKeyUsage::Required).unwrap();
    let provisioner = setup.provisioner().unwrap();
    (setup, provisioner)
}

/// The `iat` and `jti` of an account JWT.
fn stamp(jwt: &str) -> (i64, String) {
    let claims = AccountClaims::decode(jwt).unwrap().into_claims();
    (claims.issued_at, claims.id)
}

/// Discovers the servers through `sys` until there are `size` of them (bounded).
async fn discover(sys: &Connection, size: usize) -> Cluster {
    let deadline = Instant::now() + FORM_BOUND;
    loop {
        let cluster = Cluster::discover(sys.client.clone(), COLLECT)
            .await
            .unwrap();
        if cluster.expected().len() == size {
            return cluster;
        }
        assert!(
            Instant::now() < deadline,
            "{} servers answer the ping after {FORM_BOUND:?}, expected {size}: {:?}",
            cluster.expected().len(),
            cluster.expected()
        );
    }
}

/// The server `sys` is connected to, as its replies name it.
fn connected_server(sys: &Connection) -> ServerInfo {
    let info = sys.client.server_info();
    ServerInfo {
        name: info.server_name,
        id: info.server_id,
    }
}

/// A cluster of the operator's servers (`common::cluster`: a resolver directory per node,
/// which outlives the node, so that a node can stop and start again on what it held).
struct Nodes {
    setup: OperatorSetup,
    cluster: Harness,
}

impl Nodes {
    async fn start(binary: ServerBinary, setup: OperatorSetup, size: usize) -> Nodes {
        let cluster = Harness::start(&binary, size, &setup.full_config("", &[])).await;
        Nodes { setup, cluster }
    }

    /// Starts node `node` again, on its resolver directory.
    async fn start_node(&mut self, node: usize) {
        self.cluster.restart(node).await;
    }

    /// Kills node `node` and returns the name it had.
    async fn stop(&mut self, node: usize) -> String {
        let name = connected_server(&self.sys(node).await).name;
        self.cluster.kill(node);
        name
    }

    /// A system-account connection to node `node`.
    async fn sys(&self, node: usize) -> Connection {
        let creds = self.setup.system_user.creds().unwrap();
        connected(self.cluster.server(node), creds.expose(), "the system user").await
    }
}

/// The pushed account's JWT was confirmed by every server of `cluster`.
fn assert_pushed(
    report: &natsjwt::resolver::Report<natsjwt::resolver::ResolverReply>,
    tenant: &ManagedAccount,
) {
    assert!(report.is_complete(), "{report}");
    for (server, reply) in &report.replies {
        assert_eq!(reply.server, *server);
        assert_eq!(
            (reply.code, reply.message.as_str(), reply.account.as_str()),
            (200, "jwt updated", tenant.public_key()),
            "{server}"
        );
    }
}

#[tokio::test]
async fn one_server_is_a_cluster_of_one() {
    on_each_server("one_server_is_a_cluster_of_one", |binary| async move {
        let (setup, provisioner) = operator();
        let dir = TempDir::new("resolver");
        let jwt_dir = dir.path().join("jwt");
        std::fs::create_dir_all(&jwt_dir).unwrap();
        let config = setup.full_config(&jwt_dir.to_string_lossy(), &[]).render();
        let server = RunningServer::start_in(&binary, dir, &config).await;
        let sys = connected(&server, setup.system_user.creds().unwrap().expose(), "sys").await;
        let cluster = Cluster::discover(sys.client.clone(), COLLECT)
            .await
            .unwrap();
        assert_eq!(cluster.expected(), [connected_server(&sys)], "{binary}");

        let tenant = provisioner.create_account("acme", |_| {}).unwrap();
        let report = cluster.push(tenant.jwt()).await.unwrap();
        assert_eq!(report.to_string(), "confirmed by 1/1 servers", "{binary}");
        assert_pushed(&report, &tenant);

        let listed = cluster.list().await.unwrap();
        assert_eq!(listed.confirmed(), 1);
        let mut accounts = listed.replies[0].1.clone();
        accounts.sort();
        let mut expected = vec![
            tenant.public_key().to_owned(),
            setup.system_account.public_key().to_owned(),
        ];
        expected.sort();
        assert_eq!(accounts, expected, "{binary}");

        let held = cluster.lookup(tenant.public_key()).await.unwrap();
        assert_eq!(held.to_string(), "confirmed by 1/1 servers");
        assert_eq!(held.replies[0].1.as_deref(), Some(tenant.jwt()), "{binary}");

        let mut pack = cluster.pack().await.unwrap();
        pack.sort();
        let mut expected = vec![
            tenant.jwt().to_owned(),
            setup.system_account.jwt().to_owned(),
        ];
        expected.sort();
        assert_eq!(pack, expected, "{binary}");

        let request = provisioner.delete_request(&[tenant.public_key()]).unwrap();
        let deleted = cluster.delete(&request).await.unwrap();
        assert_eq!(deleted.to_string(), "confirmed by 1/1 servers");
        assert_eq!(
            deleted.replies[0].1.message, "deleted 1 accounts",
            "{binary}"
        );
        let listed = cluster.list().await.unwrap();
        assert_eq!(
            listed.replies[0].1,
            [setup.system_account.public_key()],
            "{binary}"
        );
        // 2.14 answers a lookup of an account it does not hold with an empty message, 2.9
        // not at all; the list says it holds none, so neither is waited for.
        let started = Instant::now();
        let held = cluster.lookup(tenant.public_key()).await.unwrap();
        assert_eq!(held.replies, [(connected_server(&sys), None)], "{binary}");
        assert!(
            started.elapsed() < COLLECT,
            "{binary}: {:?}",
            started.elapsed()
        );

        // A refusal names the server.
        match cluster.push("not a jwt").await {
            Err(ResolverError::Refused {
                server: name,
                code: 500,
                description,
                ..
            }) => {
                assert_eq!(name, connected_server(&sys).name);
                assert!(
                    description.starts_with("jwt update resulted in error"),
                    "{description}"
                );
            }
            other => panic!("{binary}: a bad JWT must be refused, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn every_node_confirms_a_push_and_holds_the_jwt() {
    let Some(binary) = newest_server(2, 14, "a cluster of full resolvers") else {
        return;
    };
    let (setup, provisioner) = operator();
    let nodes = Nodes::start(binary, setup, 3).await;
    let sys = nodes.sys(0).await;
    let cluster = discover(&sys, 3).await;

    let tenant = provisioner.create_account("acme", |_| {}).unwrap();
    let report = cluster.push(tenant.jwt()).await.unwrap();
    assert_eq!(report.to_string(), "confirmed by 3/3 servers");
    assert_pushed(&report, &tenant);
    let mut confirmed: Vec<ServerInfo> = report.replies.iter().map(|(s, _)| s.clone()).collect();
    confirmed.sort();
    assert_eq!(confirmed, cluster.expected());

    // Every server holds the pushed JWT in its directory, with no client of the account.
    let held = cluster.lookup(tenant.public_key()).await.unwrap();
    assert!(held.is_complete(), "{held}");
    let pushed = stamp(tenant.jwt());
    for (server, jwt) in &held.replies {
        let jwt = jwt
            .as_deref()
            .unwrap_or_else(|| panic!("{server} holds no JWT"));
        assert_eq!(stamp(jwt), pushed, "{server}");
    }
}

#[tokio::test]
async fn a_push_with_a_node_down_names_it() {
    let Some(binary) = newest_server(2, 14, "a cluster of full resolvers") else {
        return;
    };
    let (setup, provisioner) = operator();
    let mut nodes = Nodes::start(binary, setup, 3).await;
    let sys = nodes.sys(0).await;
    let cluster = discover(&sys, 3).await;
    let down = nodes.stop(2).await;

    let tenant = provisioner.create_account("acme", |_| {}).unwrap();
    let started = Instant::now();
    let error = cluster.push(tenant.jwt()).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("confirmed by 2/3 servers, 3 required (missing: {down})")
    );
    match error {
        ResolverError::NotConfirmed {
            confirmed,
            expected,
            missing,
            ..
        } => assert_eq!((confirmed, expected, missing), (2, 3, vec![down.clone()])),
        other => panic!("a push that one node misses is not confirmed, got {other:?}"),
    }
    // It waited for the missing node, and no longer.
    let waited = started.elapsed();
    assert!(waited >= COLLECT && waited < COLLECT + SLACK, "{waited:?}");

    let two = cluster.clone().with_quorum(Quorum::AtLeast(2));
    let report = two.push(tenant.jwt()).await.unwrap();
    assert_eq!(
        report.to_string(),
        format!("confirmed by 2/3 servers (missing: {down})")
    );
    assert_eq!(report.missing.len(), 1);
    assert_eq!(report.missing[0].name, down);
    assert!(
        report
            .replies
            .iter()
            .all(|(_, reply)| reply.message == "jwt updated")
    );
    assert!(matches!(
        cluster.with_quorum(Quorum::AtLeast(3)).list().await,
        Err(ResolverError::NotConfirmed { confirmed: 2, .. })
    ));
}

#[tokio::test]
async fn pack_brings_every_account_and_a_delete_reaches_every_node() {
    let Some(binary) = newest_server(2, 14, "a cluster of full resolvers") else {
        return;
    };
    let (setup, provisioner) = operator();
    let system = setup.system_account.clone();
    let nodes = Nodes::start(binary, setup, 3).await;
    let sys = nodes.sys(0).await;
    let cluster = discover(&sys, 3).await;

    let acme = provisioner.create_account("acme", |_| {}).unwrap();
    let globex = provisioner.create_account("globex", |_| {}).unwrap();
    for tenant in [&acme, &globex] {
        assert_pushed(&cluster.push(tenant.jwt()).await.unwrap(), tenant);
    }
    let mut pack = cluster.pack().await.unwrap();
    pack.sort();
    let mut expected = vec![
        acme.jwt().to_owned(),
        globex.jwt().to_owned(),
        system.jwt().to_owned(),
    ];
    expected.sort();
    assert_eq!(pack, expected);

    let request = provisioner.delete_request(&[acme.public_key()]).unwrap();
    let deleted = cluster.delete(&request).await.unwrap();
    assert_eq!(deleted.to_string(), "confirmed by 3/3 servers");
    assert!(
        deleted
            .replies
            .iter()
            .all(|(_, reply)| (reply.code, reply.message.as_str()) == (200, "deleted 1 accounts"))
    );

    let listed = cluster.list().await.unwrap();
    assert!(listed.is_complete(), "{listed}");
    for (server, accounts) in &listed.replies {
        assert!(
            !accounts.iter().any(|a| a == acme.public_key()),
            "{server} still lists acme"
        );
        assert!(
            accounts.iter().any(|a| a == globex.public_key()),
            "{server} lost globex"
        );
    }
    let held = cluster.lookup(acme.public_key()).await.unwrap();
    assert!(held.is_complete() && held.replies.iter().all(|(_, jwt)| jwt.is_none()));
}

#[tokio::test]
async fn a_node_that_missed_an_update_is_found_and_caught_up() {
    let Some(binary) = newest_server(2, 14, "a cluster of full resolvers") else {
        return;
    };
    let (setup, provisioner) = operator();
    let later_provisioner = setup.provisioner().unwrap();
    let mut nodes = Nodes::start(binary, setup, 3).await;
    let sys = nodes.sys(0).await;
    let cluster = discover(&sys, 3).await;

    let mut tenant = provisioner.create_account("acme", |_| {}).unwrap();
    assert_pushed(&cluster.push(tenant.jwt()).await.unwrap(), &tenant);
    let old = tenant.jwt().to_owned();

    // Node 2 misses the update, then comes back (with a new name) on its old directory,
    // where it keeps the old JWT until its sync interval (2 minutes).
    nodes.stop(2).await;
    tenant.claims.nats.limits.conn = 5;
    // Signed a second later: within one second the `jti` would be the same (it hashes
    // the standard claims only), and which JWT is newer undecided.
    let later = later_provisioner.with_clock(FixedClock(stamp(&old).0 + 1));
    later.sign_account(&mut tenant).unwrap();
    let new = tenant.jwt().to_owned();
    assert!(stamp(&new).0 > stamp(&old).0);
    let two = cluster.clone().with_quorum(Quorum::AtLeast(2));
    assert_eq!(two.push(&new).await.unwrap().confirmed(), 2);
    nodes.start_node(2).await;
    let cluster = discover(&sys, 3).await;

    // The lookups bring both JWTs back, and say not which server sent which.
    match cluster.lookup(tenant.public_key()).await {
        Err(ResolverError::UnclearLookup {
            mut holders,
            received,
            mut jwts,
            ..
        }) => {
            holders.sort();
            let mut names: Vec<String> =
                cluster.expected().iter().map(|s| s.name.clone()).collect();
            names.sort();
            jwts.sort();
            let mut both = vec![old.clone(), new.clone()];
            both.sort();
            assert_eq!((holders, received, jwts), (names, 3, both));
        }
        other => panic!("two versions of acme are unclear, got {other:?}"),
    }
    // The pack takes the newest, whoever holds it.
    let pack = cluster.pack().await.unwrap();
    assert!(pack.contains(&new) && !pack.contains(&old), "{pack:?}");

    // Pushed again, every node holds the new JWT.
    assert_pushed(&cluster.push(&new).await.unwrap(), &tenant);
    let held = cluster.lookup(tenant.public_key()).await.unwrap();
    assert!(held.is_complete(), "{held}");
    assert!(
        held.replies
            .iter()
            .all(|(_, jwt)| jwt.as_deref() == Some(new.as_str()))
    );
}

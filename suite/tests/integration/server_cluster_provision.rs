//! Provisioning on a real 3-node nats-server 2.14 cluster with a full resolver on every
//! node: a server that was down while a user was revoked refuses the user within 5 s of
//! its return with `provision::watch` running (its own sync would take the resolver's
//! interval, 2 minutes by default); an account deleted while a server was down does not
//! come back when it returns, not even after the resolver's sync ran twice; the JWTs the
//! servers hold can be pulled into an empty store; an account only the servers hold is
//! pruned from all three, as `nsc push --prune` does, and the store's are never touched.
use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::client::{connected, refused_within, system_servers};
use crate::common::cluster::{Cluster, operator_config};
use crate::common::nats_server::{TempDir, newest_server};
use natsjwt::provision::{
    IssuedUser, ManagedAccount, OperatorSetup, ProvisionError, Provisioner, PruneAction, Pruned,
    SigningKeyUsage, UserSigner, WhenServersAreDown, prune, watch,
};
use natsjwt::resolver::Quorum;
use natsjwt::resolver::client::Cluster as Servers;
use natsjwt::store::{DirStore, Store, StorePaths};

const WHY: &str = "the cluster provisioning tests run a 3-node 2.14 cluster";
/// How long every request collects replies.
const COLLECT: Duration = Duration::from_millis(400);
/// The bound of the issue: a returning server holds the store's state within 5 s.
const CATCH_UP: Duration = Duration::from_secs(5);

struct World {
    setup: OperatorSetup,
    provisioner: Provisioner,
    store: DirStore,
    tenant: ManagedAccount,
    alice: IssuedUser,
    cluster: Cluster,
    _dir: TempDir,
}

/// An operator and a tenant with user alice, saved in a store; a 3-node cluster whose
/// resolvers sync every `interval`; the tenant pushed to all three.
async fn world(interval: Duration) -> Option<World> {
    let binary = newest_server(2, 14, WHY)?;
    let dir = TempDir::new("cluster-provision");
    let setup = Provisioner::bootstrap("cluster", SigningKeyUsage::Required).unwrap();
    let store = DirStore::create(&StorePaths::under(dir.path()), "cluster").unwrap();
    setup.save(&store).unwrap();
    let provisioner = Provisioner::open(&store).unwrap();
    let tenant = provisioner.create_account("acme", |_| {}).unwrap();
    tenant.save(&store).unwrap();
    let writer = tenant.signing_keys()[0].clone();
    let alice = provisioner
        .create_user(&tenant, "alice", UserSigner::SigningKey(&writer), |_| {})
        .unwrap();
    alice.save(&store, &tenant).unwrap();

    let config = operator_config(&setup, &[], interval, false);
    let cluster = Cluster::start(&binary, 3, &config).await;
    let world = World {
        setup,
        provisioner,
        store,
        tenant,
        alice,
        cluster,
        _dir: dir,
    };
    let servers = world.servers(0).await;
    assert_eq!(servers.expected().len(), 3);
    let report = servers.push(world.tenant.jwt()).await.unwrap();
    assert_eq!(report.summary(), "confirmed by 3/3 servers");
    Some(world)
}

impl World {
    /// The servers of the cluster, as the system user connected to node `index` sees
    /// them.
    async fn servers(&self, index: usize) -> Servers {
        let creds = self.setup.system_user.creds().unwrap();
        system_servers(self.cluster.server(index), creds.expose(), COLLECT).await
    }
}

#[tokio::test]
async fn a_returning_server_refuses_a_revoked_user_within_5s() {
    // The resolvers' own sync is left at its default: only the watch can repair in time.
    let Some(mut world) = world(Duration::from_secs(120)).await else {
        return;
    };
    let servers = world.servers(0).await;
    world.cluster.kill(2);
    let mut tenant = world.tenant.clone();
    tenant.revoke_user(
        world.alice.key.public_key().as_str(),
        world.alice.claims.issued_at,
    );
    world.provisioner.sign_account(&mut tenant).unwrap();
    tenant.save(&world.store).unwrap();
    // Everyone but n3 confirms: with every server required, that is an error naming n3.
    let error = servers.push(tenant.jwt()).await.unwrap_err();
    assert!(error.to_string().contains("n3"), "{error}");
    let report = servers
        .clone()
        .with_quorum(Quorum::AtLeast(2))
        .push(tenant.jwt())
        .await
        .unwrap();
    assert_eq!(report.summary(), "confirmed by 2/3 servers (missing: n3)");

    let creds = world.alice.creds().unwrap();
    let cluster = &mut world.cluster;
    let store = &world.store;
    let watching = watch(
        &world.provisioner,
        || Ok(store),
        &servers,
        Duration::from_millis(500),
        Duration::from_secs(30),
        |_| {},
    );
    let returning = async {
        cluster.restart(2).await;
        let took = refused_within(cluster.server(2), creds.expose(), CATCH_UP).await;
        println!("n3 refused the revoked user {took:?} after it was back");
        // And the two that confirmed refuse her too.
        for index in 0..2 {
            refused_within(cluster.server(index), creds.expose(), WAIT_NOW).await;
        }
    };
    tokio::select! {
        ended = watching => panic!("the watch ended: {ended:?}"),
        () = returning => {}
    }
}

/// For what must hold at once.
const WAIT_NOW: Duration = Duration::from_secs(2);

#[tokio::test]
async fn an_account_deleted_while_a_server_is_down_stays_deleted() {
    // A short sync interval: the returning server's sync would bring the account back.
    let interval = Duration::from_secs(2);
    let Some(mut world) = world(interval).await else {
        return;
    };
    let servers = world.servers(0).await;
    let creds = world.alice.creds().unwrap();
    connected(world.cluster.server(2), creds.expose(), "alice before").await;
    world.cluster.kill(2);

    // Without every server up, a delete is refused and nothing changes.
    let refused = world
        .provisioner
        .delete_account(&world.store, &servers, "acme", WhenServersAreDown::Refuse)
        .await;
    assert!(
        matches!(&refused, Err(ProvisionError::ServersDown(down)) if down == &["n3"]),
        "{refused:?}"
    );
    assert!(world.store.account_jwt("acme").unwrap().is_some());
    let report = world
        .provisioner
        .delete_account(
            &world.store,
            &servers,
            "acme",
            WhenServersAreDown::DeleteWherePossible,
        )
        .await
        .unwrap();
    assert_eq!(report.summary(), "confirmed by 2/3 servers (missing: n3)");
    assert_eq!(
        world.store.tombstones().unwrap(),
        [world.tenant.public_key()]
    );
    assert!(world.store.account_jwt("acme").unwrap().is_none());

    let cluster = &mut world.cluster;
    let store = &world.store;
    let watching = watch(
        &world.provisioner,
        || Ok(store),
        &servers,
        Duration::from_millis(500),
        interval,
        |_| {},
    );
    let returning = async {
        cluster.restart(2).await;
        let took = refused_within(cluster.server(2), creds.expose(), CATCH_UP).await;
        println!("n3 refused a user of the deleted account {took:?} after it was back");
        // Two syncs later, the account is still gone everywhere.
        tokio::time::sleep(interval * 2 + Duration::from_secs(1)).await;
        for index in 0..3 {
            refused_within(cluster.server(index), creds.expose(), WAIT_NOW).await;
        }
        let held = servers.lookup(world.tenant.public_key()).await.unwrap();
        assert!(
            held.replies.iter().all(|(_, jwt)| jwt.is_none()),
            "{held:?}"
        );
        assert_eq!(held.confirmed(), 3);
    };
    tokio::select! {
        ended = watching => panic!("the watch ended: {ended:?}"),
        () = returning => {}
    }
}

#[tokio::test]
async fn a_lost_store_gets_its_jwts_back_from_the_servers_not_its_seeds() {
    let Some(world) = world(Duration::from_secs(120)).await else {
        return;
    };
    let servers = world.servers(1).await;
    let dir = TempDir::new("pulled");
    let empty = DirStore::create(&StorePaths::under(dir.path()), "cluster").unwrap();
    empty.put_operator_jwt(&world.setup.jwt).unwrap();
    let mut pulled = world.provisioner.pull(&empty, &servers).await.unwrap();
    pulled.added.sort();
    assert_eq!(pulled.added, ["SYS", "acme"]);
    assert!(pulled.updated.is_empty() && pulled.refused.is_empty());
    assert_eq!(
        empty.account_jwt("acme").unwrap().unwrap(),
        world.tenant.jwt()
    );
    // The JWTs came back, the seeds did not: the store opens, and loading the account
    // to change it names the missing seed.
    drop(empty);
    let reopened = DirStore::open(&StorePaths::under(dir.path()), "cluster").unwrap();
    let missing = world.provisioner.load_account(&reopened, "acme");
    assert!(
        matches!(&missing, Err(ProvisionError::NotInStore(what)) if what.starts_with("the seed of A")),
        "{missing:?}"
    );
    // Pulling again changes nothing.
    let mut again = world.provisioner.pull(&reopened, &servers).await.unwrap();
    again.unchanged.sort();
    assert_eq!(again.unchanged, ["SYS", "acme"]);
}

#[tokio::test]
async fn an_account_only_the_servers_hold_is_pruned_from_all_of_them() {
    let Some(mut world) = world(Duration::from_secs(120)).await else {
        return;
    };
    let servers = world.servers(1).await;
    // Pushed to every server, never saved: the store does not know it.
    let stray = world.provisioner.create_account("stray", |_| {}).unwrap();
    let report = servers.push(stray.jwt()).await.unwrap();
    assert_eq!(report.summary(), "confirmed by 3/3 servers");
    let writer = stray.signing_keys()[0].clone();
    let user = world
        .provisioner
        .create_user(&stray, "eve", UserSigner::SigningKey(&writer), |_| {})
        .unwrap();
    let creds = user.creds().unwrap();
    for server in world.cluster.servers() {
        connected(server, creds.expose(), "a user of the stray account").await;
    }
    let only_on_all = |pruned: &Pruned| {
        let names = ["n1", "n2", "n3"].map(str::to_owned).to_vec();
        assert_eq!(
            pruned.only_on_servers,
            BTreeMap::from([(stray.public_key().to_owned(), names)]),
            "the store's accounts (acme, SYS) are never listed"
        );
        assert_eq!(pruned.listed.confirmed(), 3);
    };

    // A dry run lists it and deletes nothing.
    let dry = prune(
        &world.provisioner,
        &world.store,
        &servers,
        PruneAction::ReportOnly,
        WhenServersAreDown::Refuse,
    )
    .await
    .unwrap();
    only_on_all(&dry);
    assert!(dry.deleted.is_none());
    let held = servers.lookup(stray.public_key()).await.unwrap();
    assert!(
        held.replies.iter().all(|(_, jwt)| jwt.is_some()),
        "{held:?}"
    );
    assert!(world.store.tombstones().unwrap().is_empty());

    let pruned = prune(
        &world.provisioner,
        &world.store,
        &servers,
        PruneAction::Delete,
        WhenServersAreDown::Refuse,
    )
    .await
    .unwrap();
    only_on_all(&pruned);
    let deleted = pruned.deleted.expect("a delete was sent");
    assert_eq!(deleted.summary(), "confirmed by 3/3 servers");
    assert_eq!(world.store.tombstones().unwrap(), [stray.public_key()]);
    let held = servers.lookup(stray.public_key()).await.unwrap();
    assert!(
        held.replies.iter().all(|(_, jwt)| jwt.is_none()),
        "{held:?}"
    );
    assert_eq!(held.confirmed(), 3);
    for server in world.cluster.servers() {
        refused_within(server, creds.expose(), WAIT_NOW).await;
    }
    // The store's own accounts stay, and there is nothing more to prune.
    let acme = servers.lookup(world.tenant.public_key()).await.unwrap();
    assert!(
        acme.replies.iter().all(|(_, jwt)| jwt.is_some()),
        "{acme:?}"
    );
    connected(
        world.cluster.server(0),
        world.alice.creds().unwrap().expose(),
        "alice after the prune",
    )
    .await;
    let again = prune(
        &world.provisioner,
        &world.store,
        &servers,
        PruneAction::Delete,
        WhenServersAreDown::Refuse,
    )
    .await
    .unwrap();
    assert!(again.only_on_servers.is_empty() && again.deleted.is_none());

    // With a server down, a prune is refused as a delete is.
    world.cluster.kill(2);
    let refused = prune(
        &world.provisioner,
        &world.store,
        &servers,
        PruneAction::Delete,
        WhenServersAreDown::Refuse,
    )
    .await;
    assert!(
        matches!(&refused, Err(ProvisionError::ServersDown(down)) if down == &["n3"]),
        "{refused:?}"
    );
}

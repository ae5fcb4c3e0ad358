//! Replicas of a provisioning service sharing one `KvStore` (an R3 bucket) on a real
//! 3-node nats-server 2.14 JetStream cluster: three `replica_loop` processes change one
//! tenant at once (500 operations: issue users, revoke users, add and remove signing
//! keys) while one node is killed and later restarted. Afterwards no revocation is lost
//! on any server, every user connects or is refused as the store says, and every change
//! was made on top of the one before it (no revision of the tenant's entry skipped).
//! Before that, writers that store a version at the same moment: one wins, the others
//! get a conflict.
use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use natsjwt::provision::{Provisioner, SigningKeyUsage, reconcile};
use natsjwt::store::{KvStore, Store, StoreError};
use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier};
use natsjwt::{AccountClaims, XKey};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

use crate::common::client::{connect_creds, refused_within, system_servers};
use crate::common::cluster::{Cluster, operator_config};
use crate::common::nats_server::{TempDir, example_binary, newest_server};

const WHY: &str = "the KV store replica test runs a 3-node 2.14 cluster with JetStream";
/// The operations of the three replicas together.
const OPERATIONS: usize = 500;
/// After how many operations (of all replicas) a node is killed.
const KILL_AFTER: usize = 150;
/// The bound on the whole run of the replicas.
const RUN_BOUND: Duration = Duration::from_secs(240);
/// How long every resolver request collects replies.
const COLLECT: Duration = Duration::from_millis(500);

type Connecting =
    Pin<Box<dyn Future<Output = Result<async_nats::Client, async_nats::ConnectError>> + Send>>;

/// How a store connects to the cluster as the user of `creds`.
fn connect(urls: Vec<String>, creds: String) -> impl FnOnce() -> Connecting + Send + 'static {
    move || {
        Box::pin(async move {
            async_nats::ConnectOptions::with_credentials(&creds)
                .expect("the service user's creds")
                .connect(urls)
                .await
        })
    }
}

fn write_secret(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// What one replica's lines say.
#[derive(Default)]
struct Log {
    /// Users issued: name -> (public key, iat).
    issued: BTreeMap<String, (String, i64)>,
    /// Revocations made: public key -> iat.
    revoked: BTreeMap<String, i64>,
    /// Every change to the tenant: revision -> the revision it replaced.
    writes: BTreeMap<u64, u64>,
    /// Changes no majority confirmed the push of (repaired later).
    push_failed: usize,
    /// Changes re-applied because another replica's came first.
    reapplied: u32,
    done: bool,
}

impl Log {
    fn read(&mut self, line: &str) {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["issued", name, key, iat] => {
                self.issued.insert(
                    (*name).to_owned(),
                    ((*key).to_owned(), iat.parse().unwrap()),
                );
            }
            ["all", "done", ..] => self.done = true,
            [kind, ..] if ["revoked", "added", "removed"].contains(kind) => {
                if *kind == "revoked" {
                    self.revoked
                        .insert(words[1].to_owned(), words[2].parse().unwrap());
                }
                let at = words.iter().position(|w| *w == "rev").unwrap();
                let revision: u64 = words[at + 1].parse().unwrap();
                let previous: u64 = words[at + 3].parse().unwrap();
                assert!(self.writes.insert(revision, previous).is_none(), "{line}");
                let attempts: u32 = words[at + 5].parse().unwrap();
                self.reapplied += attempts - 1;
                self.push_failed += usize::from(line.ends_with("push-failed"));
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
}

/// Writers on their own connections store a version of `acme` on the same revision at
/// once, round after round: one wins each round and every other one is a `Conflict`
/// (on a replicated stream, a write that meets another still being replicated is
/// refused with an error of its own, which is a conflict too, not a failed store).
fn writes_at_once_conflict_and_never_fail(
    kv: &KvStore,
    provisioner: &Provisioner,
    urls: &[String],
    creds: &str,
    sealer: &XKey,
) {
    const WRITERS: usize = 4;
    const ROUNDS: usize = 10;
    let writers: Vec<KvStore> = (0..WRITERS)
        .map(|_| {
            let copy = XKey::from_seed(sealer.seed().expose()).unwrap();
            KvStore::open(connect(urls.to_vec(), creds.to_owned()), "tenants", copy).unwrap()
        })
        .collect();
    for round in 0..ROUNDS {
        let entry = kv.account_entry("acme").unwrap().unwrap();
        let versions: Vec<String> = (0..WRITERS)
            .map(|_| {
                let mut tenant = provisioner.load_account(kv, "acme").unwrap();
                let user = natsjwt::KeyPair::new_user().unwrap();
                tenant.revoke_user(user.public_key().as_str(), 1_700_000_000);
                provisioner.sign_account(&mut tenant).unwrap().to_owned()
            })
            .collect();
        let start = std::sync::Barrier::new(WRITERS);
        let outcomes: Vec<_> = std::thread::scope(|scope| {
            let running: Vec<_> = writers
                .iter()
                .zip(&versions)
                .map(|(writer, jwt)| {
                    let start = &start;
                    scope.spawn(move || {
                        start.wait();
                        writer.put_account_jwt_if("acme", jwt, Some(entry.revision))
                    })
                })
                .collect();
            running.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let won = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
        let lost = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(StoreError::Conflict { .. })))
            .count();
        assert_eq!((won, lost), (1, WRITERS - 1), "round {round}: {outcomes:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn three_replicas_on_one_tenant_lose_no_change_while_a_node_dies() {
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let dir = TempDir::new("kv-replicas");
    let setup = Provisioner::bootstrap("replicas", SigningKeyUsage::Required).unwrap();
    let provisioner = setup.provisioner().unwrap();
    // The account the bucket lives in: an R3 tier for the bucket, an R1 tier for the
    // ephemeral consumers that list its keys.
    let service = provisioner
        .create_account("SERVICE", |a| {
            for tier in [ReplicaTier::R1, ReplicaTier::R3] {
                a.nats.limits.set_tier(
                    tier,
                    JetStreamLimits {
                        disk_storage: ByteSize::gib(1).into(),
                        mem_storage: ByteSize::mib(64).into(),
                        streams: 10,
                        ..Default::default()
                    },
                );
            }
        })
        .unwrap();
    let writer = service.signing_keys()[0].clone();
    let service_user = provisioner
        .create_user(
            &service,
            "service",
            natsjwt::provision::UserSigner::SigningKey(&writer),
            |_| {},
        )
        .unwrap();

    let config = operator_config(&setup, &[&service], Duration::from_secs(2), true);
    let mut cluster = Cluster::start(&binary, 3, &config).await;
    let urls: Vec<String> = cluster.servers().map(|server| server.url()).collect();

    // The shared store: the operator, SYS, the service account and the tenant.
    let sealer = XKey::generate().unwrap();
    let creds = service_user.creds().unwrap().expose().to_owned();
    let kv = {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // JetStream may not be enabled for the preloaded account at once.
            let copy = XKey::from_seed(sealer.seed().expose()).unwrap();
            match KvStore::create(
                connect(urls.clone(), creds.clone()),
                "tenants",
                3,
                "replicas",
                copy,
            ) {
                Ok(kv) => break kv,
                Err(e) if Instant::now() < deadline => {
                    println!("bucket not created yet: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("creating the bucket: {e}"),
            }
        }
    };
    setup.save(&kv).unwrap();
    service.save(&kv).unwrap();
    let tenant = provisioner.create_account("acme", |_| {}).unwrap();
    tenant.save(&kv).unwrap();
    writes_at_once_conflict_and_never_fail(&kv, &provisioner, &urls, &creds, &sealer);
    let first_revision = kv.account_entry("acme").unwrap().unwrap().revision;
    let sys_creds = setup.system_user.creds().unwrap();
    let servers = system_servers(cluster.server(0), sys_creds.expose(), COLLECT).await;
    assert_eq!(servers.push(tenant.jwt()).await.unwrap().confirmed(), 3);

    let creds_path = dir.path().join("service.creds");
    write_secret(&creds_path, &creds);
    let seal_path = dir.path().join("seal.xk");
    write_secret(&seal_path, sealer.seed().expose());

    // Three replicas at once; a node killed once they made KILL_AFTER operations.
    let program = example_binary("replica_loop");
    let (lines, mut received) = tokio::sync::mpsc::unbounded_channel::<(usize, String)>();
    let mut children = Vec::new();
    for replica in 0..3 {
        let ops = OPERATIONS / 3 + usize::from(replica < OPERATIONS % 3);
        let mut child = Command::new(&program)
            .args(["--servers", &urls.join(",")])
            .args(["--bucket", "tenants", "--tenant", "acme"])
            .args(["--signer", tenant.signing_keys()[0].public_key().as_str()])
            .arg("--creds")
            .arg(&creds_path)
            .arg("--seal")
            .arg(&seal_path)
            .args(["--replica", &replica.to_string(), "--ops", &ops.to_string()])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
        let lines = lines.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = out.next_line().await {
                let _ = lines.send((replica, line));
            }
        });
        children.push(child);
    }
    drop(lines);
    let mut logs: Vec<Log> = (0..3).map(|_| Log::default()).collect();
    let mut seen = 0;
    let mut after_kill = 0;
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + RUN_BOUND;
    while let Ok(Some((replica, line))) = tokio::time::timeout_at(deadline, received.recv()).await {
        logs[replica].read(&line);
        seen += 1;
        if seen == KILL_AFTER {
            cluster.kill(2);
            println!("killed n3 after {seen} lines, {:?} in", started.elapsed());
        } else if seen > KILL_AFTER {
            after_kill += 1;
        }
    }
    for mut child in children {
        let status = tokio::time::timeout_at(deadline, child.wait())
            .await
            .expect("a replica did not end in time")
            .unwrap();
        assert!(status.success(), "a replica failed: {status}");
    }
    println!(
        "3 replicas: {seen} lines in {:?}, {after_kill} after the kill",
        started.elapsed()
    );
    assert!(logs.iter().all(|log| log.done), "a replica did not finish");
    assert!(after_kill > 100, "operations did not go on without n3");

    // The returning node is brought to the store's state.
    cluster.restart(2).await;
    let servers = system_servers(cluster.server(0), sys_creds.expose(), COLLECT).await;
    assert_eq!(servers.expected().len(), 3);
    let pass = reconcile(&provisioner, &kv, &servers).await.unwrap();
    println!(
        "reconcile after the run: {} copies differed",
        pass.plan.divergences.len()
    );

    // Every server holds the store's JWT, which holds every revocation made.
    let stored = kv.account_entry("acme").unwrap().unwrap();
    let held = servers.lookup(tenant.public_key()).await.unwrap();
    assert_eq!(held.confirmed(), 3);
    for (server, jwt) in &held.replies {
        assert_eq!(jwt.as_deref(), Some(stored.jwt.as_str()), "{server}");
    }
    let claims = AccountClaims::decode(&stored.jwt).unwrap().into_claims();
    let revoked: BTreeMap<&String, &i64> = logs.iter().flat_map(|log| &log.revoked).collect();
    let lost: Vec<&&String> = revoked
        .iter()
        .filter(|(user, iat)| !claims.nats.revocations.is_revoked(user, ***iat))
        .map(|(user, _)| user)
        .collect();
    println!("{} revocations made, {} lost", revoked.len(), lost.len());
    assert!(lost.is_empty(), "revocations lost: {lost:?}");
    assert!(revoked.len() >= 90, "{}", revoked.len());

    // Every user issued connects unless revoked; each revoked one is refused (32 at a
    // time: a refusal takes the client a while).
    let issued: Vec<(&String, &(String, i64))> = logs.iter().flat_map(|log| &log.issued).collect();
    let checks = issued.iter().enumerate().map(|(i, (name, (key, _)))| {
        let creds = kv.creds("acme", name).unwrap().expect("the user's creds");
        let server = cluster.server(i % 3);
        let revoked = revoked.contains_key(key);
        async move {
            if revoked {
                // A server applies an account update a moment after it stores it (what
                // the lookup above read): a revoked user may get in until then.
                refused_within(server, creds.expose(), Duration::from_secs(5)).await;
            } else if let Err(e) = connect_creds(server, creds.expose()).await {
                panic!("{name} on {} must connect: {e:?}", server.url());
            }
        }
    });
    futures_util::stream::iter(checks)
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
    // Each change was made on top of the one before it.
    let writes: BTreeMap<u64, u64> = logs.iter().flat_map(|log| log.writes.clone()).collect();
    let mut before = first_revision;
    let mut skipped = Vec::new();
    for (revision, previous) in &writes {
        if *previous != before {
            skipped.push(format!("{revision} made on {previous}, after {before}"));
        }
        before = *revision;
    }
    let failed_pushes: usize = logs.iter().map(|log| log.push_failed).sum();
    let reapplied: u32 = logs.iter().map(|log| log.reapplied).sum();
    println!(
        "{} changes ({reapplied} re-applied after a conflict), {} skipped a revision, \
         {failed_pushes} pushes without a majority",
        writes.len(),
        skipped.len()
    );
    assert!(skipped.is_empty(), "{skipped:?}");
    // The replicas did collide: what is checked here is what the compare-and-set did.
    assert!(reapplied > 0);
    assert_eq!(Some(&stored.revision), writes.keys().last());
    // And the bucket's history of the entry (its last 64 versions) is that chain. The
    // history is read through a consumer, which may sit on n3 while its copy of the
    // stream catches up after the restart: read again until it is the chain's end, for
    // a while, then compare what was read last.
    let client = connect(urls.clone(), creds.clone())().await.unwrap();
    let bucket = async_nats::jetstream::new(client)
        .get_key_value("tenants")
        .await
        .unwrap();
    let chain: Vec<u64> = std::iter::once(first_revision)
        .chain(writes.keys().copied())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    let history = loop {
        let history: Vec<u64> = bucket
            .history("account.acme")
            .await
            .unwrap()
            .map(|entry| entry.unwrap().revision)
            .collect()
            .await;
        if (!history.is_empty() && chain.ends_with(&history)) || Instant::now() > deadline {
            break history;
        }
        println!("history read behind the chain: {history:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let unlogged: Vec<&u64> = history.iter().filter(|r| !chain.contains(r)).collect();
    let unstored: Vec<&u64> = chain
        .iter()
        .filter(|r| history.first().is_some_and(|first| *r > first) && !history.contains(r))
        .collect();
    assert!(
        !history.is_empty() && chain.ends_with(&history),
        "the bucket's history {history:?} (stored: {}): written by no replica {unlogged:?}, \
         written but not in the history {unstored:?}",
        stored.revision
    );
}

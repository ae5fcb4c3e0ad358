//! The signup example as a restartable service over its store, on a real 2.14 server with
//! a full resolver and JetStream: every step is a new process, the tenant's tiers hold,
//! a revoked user is refused, the demo run twice changes nothing, a tenant with streams is
//! deleted only when told what to do with them, and nothing printed holds a seed. On a KV
//! store (`--store kv://`): the directory keeps no account or operator seed, and several
//! processes at once on one tenant lose no revocation.
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use async_nats::jetstream::stream::Config as StreamConfig;

use crate::common::client::{bucket_values, connected, refused, refused_within, stream_refusal};
use crate::common::cluster::consecutive_free_ports;
use crate::common::nats_server::{
    RunningServer, ServerBinary, TempDir, example_binary, free_port, newest_server, run_bounded,
};
use crate::common::tokens::holds_seed;
use natsjwt::provision::Provisioner;
use natsjwt::resolver::client::Cluster as Servers;
use natsjwt::store::{DirStore, Store, StorePaths};
use natsjwt::{AccountClaims, KeyKind, KeyPair, XKey};

/// Why these tests need nats-server 2.14.
const WHY: &str = "the signup tests use a 2.14 full resolver with JetStream";

/// Runs `signup` with `args` (bounded); checks it printed no seed. Returns its exit
/// status, stdout and stderr.
fn run_signup(args: &[&str]) -> (ExitStatus, String, String) {
    let mut command = Command::new(example_binary("signup"));
    command.args(args);
    let (status, out, err) = run_bounded(&mut command, Duration::from_secs(30));
    assert!(
        !holds_seed(&out) && !holds_seed(&err),
        "signup {args:?} printed a seed"
    );
    (status, out, err)
}

/// Runs `signup` with `args`; checks it succeeded and printed no seed. Returns stdout.
fn signup(args: &[&str]) -> String {
    let (status, out, err) = run_signup(args);
    assert!(status.success(), "signup {args:?}: {status}: {err}");
    out
}

/// [`signup`] with `args` and `--server` naming `server`.
fn signup_on(server: &RunningServer, args: &[&str]) -> String {
    let url = server.url();
    let mut all = args.to_vec();
    all.extend(["--server", &url]);
    signup(&all)
}

/// Runs `signup` with `args`; checks it failed with exit code 1 and printed no seed.
/// Returns stderr.
fn signup_fails(args: &[&str]) -> String {
    let (status, out, err) = run_signup(args);
    assert_eq!(status.code(), Some(1), "signup {args:?}: {out} {err}");
    err
}

/// `signup init` in a new directory, and the server its `server.conf` describes.
async fn init(binary: &ServerBinary) -> (PathBuf, RunningServer) {
    let dir = TempDir::new("signup");
    let setup = dir.path().join("setup");
    let port = free_port().to_string();
    let out = signup(&["init", setup.to_str().unwrap(), "--port", &port]);
    assert!(out.contains("nats-server -c "), "{out}");
    let url = std::fs::read_to_string(setup.join("server.url")).unwrap();
    assert_eq!(url, format!("nats://127.0.0.1:{port}\n"));
    let server = RunningServer::start_with_file(binary, dir, &setup.join("server.conf")).await;
    (setup, server)
}

fn creds_path(out: &str) -> PathBuf {
    let path = PathBuf::from(out.trim_end().rsplit(": ").next().unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
    path
}

fn stored_accounts(setup: &Path) -> Vec<String> {
    let store = DirStore::open(&StorePaths::under(setup), "signup").unwrap();
    store.account_names().unwrap()
}

/// A file stream `name` (R1, `max_bytes`) on `acme.<name>`.
fn stream_config(name: &str, max_bytes: i64) -> StreamConfig {
    StreamConfig {
        name: name.into(),
        subjects: vec![format!("acme.{}", name.to_lowercase())],
        max_bytes,
        num_replicas: 1,
        ..Default::default()
    }
}

#[tokio::test]
async fn signup_steps_survive_restarts_and_hold_the_tiers() {
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let (setup, server) = init(&binary).await;
    let dir = setup.to_str().unwrap();
    let step = |args: &[&str]| signup_on(&server, args);

    let out = step(&["tenant", dir, "acme"]);
    assert!(out.starts_with("created tenant acme (A"), "{out}");
    assert!(
        out.contains("pushed acme: confirmed by 1/1 servers"),
        "{out}"
    );
    let out = step(&["tenant", dir, "acme"]);
    assert!(out.starts_with("tenant acme exists (A"), "{out}");

    let alice = creds_path(&step(&["user", dir, "acme", "alice", "--jetstream"]));
    let bob = creds_path(&step(&["user", dir, "acme", "bob", "--read-only"]));
    let store_creds = setup.join("keys/creds/signup/acme");
    assert_eq!(
        (alice.parent(), bob.parent()),
        (Some(store_creds.as_path()), Some(store_creds.as_path()))
    );

    // alice: JetStream within the R1 tier (1 GiB), and refused beyond it.
    let alice_creds = std::fs::read_to_string(&alice).unwrap();
    let alice_connection = connected(&server, &alice_creds, "alice").await;
    let js = async_nats::jetstream::new(alice_connection.client.clone());
    js.create_stream(stream_config("ORDERS", 512 << 20))
        .await
        .unwrap();
    js.publish("acme.orders", "one".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let mut stream = js.get_stream("ORDERS").await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);
    let refusal = stream_refusal(js.create_stream(stream_config("HUGE", 2 << 30)).await);
    assert_eq!(refusal.error_code().0, 10047, "beyond the tier's storage");

    // bob reads only; then he is revoked and refused.
    let bob_creds = std::fs::read_to_string(&bob).unwrap();
    let mut bob_connection = connected(&server, &bob_creds, "bob").await;
    bob_connection.publish("acme.orders", "from bob").await;
    bob_connection
        .expect_permission_violation("publish", "acme.orders")
        .await;
    let out = step(&["revoke", dir, "acme", "bob"]);
    assert!(out.contains("revoked bob (U"), "{out}");
    refused(&server, &bob_creds, "bob after his revocation").await;
    connected(&server, &alice_creds, "alice after bob's revocation").await;

    // Each step again: nothing new.
    let out = step(&["user", dir, "acme", "bob", "--read-only"]);
    assert!(out.starts_with("user bob exists, revoked: "), "{out}");
    let out = step(&["revoke", dir, "acme", "bob"]);
    assert!(out.starts_with("bob was revoked already"), "{out}");
    refused(&server, &bob_creds, "bob, still revoked").await;
    assert_eq!(stored_accounts(&setup), ["SYS", "acme"]);

    // One repair pass: the server holds what the store holds.
    let out = step(&["reconcile", dir]);
    assert!(out.starts_with("converged: "), "{out}");
    // The tenant has a stream, which the server would keep on disk: refused (64) until
    // told what to do with it, then deleted first.
    let tenant_key = DirStore::open(&StorePaths::under(&setup), "signup")
        .unwrap()
        .account_jwt("acme")
        .unwrap()
        .map(|jwt| {
            natsjwt::AccountClaims::decode(&jwt)
                .unwrap()
                .into_claims()
                .subject
        })
        .unwrap();
    let orders_dir = setup.join(format!("js/jetstream/{tenant_key}/streams/ORDERS"));
    assert!(orders_dir.is_dir(), "{}", orders_dir.display());
    let url = server.url();
    let (status, out, err) = run_signup(&["delete", dir, "acme", "--server", &url]);
    assert_eq!(status.code(), Some(64), "{out} {err}");
    for word in ["ORDERS", "--remove-streams", "--keep-streams"] {
        assert!(err.contains(word), "{err}");
    }
    assert_eq!(stored_accounts(&setup), ["SYS", "acme"]);
    // The tenant deleted: alice is refused, the store keeps a tombstone.
    let out = step(&["delete", dir, "acme", "--remove-streams"]);
    assert!(
        out.starts_with("removed streams: ORDERS\ndeleted acme: confirmed by 1/1 servers"),
        "{out}"
    );
    assert!(!orders_dir.exists(), "{}", orders_dir.display());
    refused(&server, &alice_creds, "alice after her tenant's deletion").await;
    assert_eq!(stored_accounts(&setup), ["SYS"]);
    let store = DirStore::open(&StorePaths::under(&setup), "signup").unwrap();
    assert_eq!(store.tombstones().unwrap().len(), 1);
}

#[tokio::test]
async fn signup_run_twice_leaves_one_tenant_and_its_users() {
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let (setup, server) = init(&binary).await;
    let dir = setup.to_str().unwrap();
    let url = server.url();
    let first = signup(&["run", dir, "--server", &url]);
    let second = signup(&["run", dir, "--server", &url]);
    assert!(first.contains("created tenant acme"), "{first}");
    assert!(first.contains("revoked bob"), "{first}");
    assert!(second.contains("tenant acme exists"), "{second}");
    assert!(second.contains("user alice exists: "), "{second}");
    assert!(second.contains("user bob exists, revoked: "), "{second}");
    assert_eq!(stored_accounts(&setup), ["SYS", "acme"]);
    let store = DirStore::open(&StorePaths::under(&setup), "signup").unwrap();
    assert_eq!(store.user_names("acme").unwrap(), ["alice", "bob"]);
    // The resolver holds the system account and acme: one of each.
    let jwts = std::fs::read_dir(setup.join("jwt")).unwrap().count();
    assert_eq!(jwts, 2);
    let alice = store.creds("acme", "alice").unwrap().unwrap();
    let bob = store.creds("acme", "bob").unwrap().unwrap();
    drop(store);
    connected(&server, alice.expose(), "alice").await;
    refused(&server, bob.expose(), "bob, revoked").await;
}

/// A child process killed when dropped (also when an assertion fails).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn signup_on_a_cluster_needs_every_server_and_watch_repairs_a_returning_one() {
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let dir = TempDir::new("signup-cluster");
    let setup = dir.path().join("setup");
    let dir_arg = setup.to_str().unwrap();
    let first = consecutive_free_ports(9);
    signup(&[
        "init",
        dir_arg,
        "--cluster",
        "3",
        "--port",
        &first.to_string(),
    ]);
    let node = |k: u16| {
        let binary = binary.clone();
        let conf = setup.join(format!("n{k}.conf"));
        async move {
            RunningServer::start_as(
                &binary,
                TempDir::new(&format!("signup-n{k}")),
                &conf,
                first + k - 1,
                &format!("n{k}"),
            )
            .await
        }
    };
    let (n1, _n2, n3) = (node(1).await, node(2).await, node(3).await);
    // Every push needs the three: retried while the routes form.
    let started = std::time::Instant::now();
    let out = loop {
        let (status, out, err) = run_signup(&["tenant", dir_arg, "acme"]);
        if status.success() {
            break out;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{err}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        out.contains("pushed acme: confirmed by 3/3 servers"),
        "{out}"
    );
    let alice = creds_path(&signup(&["user", dir_arg, "acme", "alice"]));
    let alice = std::fs::read_to_string(alice).unwrap();
    connected(&n3, &alice, "alice on n3").await;

    // n3 down: the revocation is saved and reaches n1 and n2, and the step fails naming n3.
    drop(n3);
    let err = signup_fails(&["revoke", dir_arg, "acme", "alice"]);
    assert!(err.contains("n3"), "{err}");
    refused(&n1, &alice, "alice on n1").await;

    let watch = Killed(
        Command::new(example_binary("signup"))
            .args(["watch", dir_arg])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let n3 = node(3).await;
    let took = refused_within(&n3, &alice, Duration::from_secs(5)).await;
    println!("signup watch: n3 refused the revoked alice {took:?} after it was back");

    // Deleting while n3 is down: refused, then with --allow-missing done where possible,
    // and the watch deletes it on n3 when it returns.
    let carol = creds_path(&signup(&["user", dir_arg, "acme", "carol"]));
    let carol = std::fs::read_to_string(carol).unwrap();
    connected(&n3, &carol, "carol on n3").await;
    drop(n3);
    // acme has no streams; not looking for them spares waiting on a JetStream that may be
    // electing a meta leader, n3 having been it.
    let err = signup_fails(&["delete", dir_arg, "acme", "--keep-streams"]);
    assert!(err.contains("servers down: n3"), "{err}");
    let out = signup(&[
        "delete",
        dir_arg,
        "acme",
        "--allow-missing",
        "--keep-streams",
    ]);
    assert!(
        out.starts_with("deleted acme: confirmed by 2/3 servers (missing: n3)"),
        "{out}"
    );
    refused(&n1, &carol, "carol on n1 after the deletion").await;
    let n3 = node(3).await;
    let took = refused_within(&n3, &carol, Duration::from_secs(5)).await;
    println!("signup watch: n3 dropped the deleted tenant {took:?} after it was back");
    drop(watch);

    // An account pushed to the three that the store does not know: prune lists it, then
    // deletes it from all three.
    let store = DirStore::open(&StorePaths::under(&setup), "signup").unwrap();
    let provisioner = Provisioner::open(&store).unwrap();
    let stray = provisioner.create_account("stray", |_| {}).unwrap();
    let sys = store.creds("SYS", "sys").unwrap().unwrap();
    drop(store);
    let client = async_nats::ConnectOptions::with_credentials(sys.expose())
        .unwrap()
        .connect(n1.url())
        .await
        .unwrap();
    let servers = Servers::discover(client, Duration::from_millis(400))
        .await
        .unwrap();
    let report = servers.push(stray.jwt()).await.unwrap();
    assert_eq!(report.summary(), "confirmed by 3/3 servers");
    let listed = format!("{} only on n1, n2, n3\n", stray.public_key());
    let out = signup(&["prune", dir_arg, "--dry-run"]);
    assert_eq!(out, format!("{listed}dry run: 1 accounts not pruned\n"));
    let out = signup(&["prune", dir_arg]);
    assert_eq!(
        out,
        format!("{listed}pruned 1 accounts: confirmed by 3/3 servers\n")
    );
    assert_eq!(signup(&["prune", dir_arg]), "nothing to prune\n");
    let held = servers.lookup(stray.public_key()).await.unwrap();
    assert!(
        held.replies.iter().all(|(_, jwt)| jwt.is_none()),
        "{held:?}"
    );
    drop(n3);
    drop(dir);
}

/// `signup init <dir> --store kv://tenants` in a new directory, and the server its
/// `server.conf` describes (on another port: the steps take `--server`).
async fn init_kv(binary: &ServerBinary) -> (PathBuf, RunningServer) {
    let dir = TempDir::new("signup-kv");
    let setup = dir.path().join("setup");
    let port = free_port().to_string();
    let out = signup(&[
        "init",
        setup.to_str().unwrap(),
        "--port",
        &port,
        "--store",
        "kv://tenants",
    ]);
    assert!(
        out.contains("the store kv://tenants (replicas: 1) is created by the first step"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(setup.join("store")).unwrap(),
        "kv://tenants replicas=1\n"
    );
    assert!(setup.join("pending").is_dir());
    let server = RunningServer::start_with_file(binary, dir, &setup.join("server.conf")).await;
    (setup, server)
}

/// The public key in a `created tenant <name> (<key>)` or `issued <name> (<key>): …` line.
fn printed_key(out: &str, line_start: &str) -> String {
    let line = out
        .lines()
        .find(|line| line.starts_with(line_start))
        .unwrap_or_else(|| panic!("no line {line_start:?} in {out}"));
    let key = line.split(['(', ')']).nth(1).unwrap();
    key.to_owned()
}

/// The kinds of the seeds in `text` (an nkey's kind, or `Curve` for an xkey's).
fn seed_kinds(text: &str) -> Vec<KeyKind> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| word.len() == 58)
        .filter_map(|word| match KeyPair::from_seed(word) {
            Ok(pair) => Some(pair.kind()),
            Err(_) => XKey::from_seed(word).ok().map(|_| KeyKind::Curve),
        })
        .collect()
}

/// Every file under `dir` (the servers' data too), recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The bucket's values, read raw (as anyone allowed to read the bucket reads them) as
/// the service user.
async fn tenants_bucket(server: &RunningServer, setup: &Path) -> Vec<(String, Vec<u8>)> {
    let creds = std::fs::read_to_string(setup.join("service.creds")).unwrap();
    let connection = connected(server, &creds, "the service user").await;
    bucket_values(&connection.client, "tenants").await
}

/// The tenant's account claims as the bucket holds them.
async fn bucket_tenant(server: &RunningServer, setup: &Path) -> AccountClaims {
    let values = tenants_bucket(server, setup).await;
    let (_, jwt) = values
        .iter()
        .find(|(key, _)| key == "account.acme")
        .expect("the bucket holds acme");
    AccountClaims::decode(std::str::from_utf8(jwt).unwrap())
        .unwrap()
        .into_claims()
}

#[tokio::test]
async fn signup_on_a_kv_store_keeps_no_account_seed_in_its_directory() {
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let (setup, server) = init_kv(&binary).await;
    let dir = setup.to_str().unwrap();
    let step = |args: &[&str]| signup_on(&server, args);

    // The first step creates the bucket from the pending store, and removes that.
    let out = step(&["tenant", dir, "acme"]);
    assert!(
        out.starts_with("created kv://tenants (replicas: 1) from "),
        "{out}"
    );
    assert!(out.contains("\ncreated tenant acme (A"), "{out}");
    assert!(
        out.contains("pushed acme: confirmed by 1/1 servers"),
        "{out}"
    );
    assert!(!setup.join("pending").exists());
    let tenant_key = printed_key(&out, "created tenant acme");
    let out = step(&["tenant", dir, "acme", "--store", "kv://tenants"]);
    assert!(out.starts_with("tenant acme exists (A"), "{out}");

    let out = step(&["user", dir, "acme", "alice", "--jetstream"]);
    let alice = creds_path(&out);
    assert_eq!(alice, setup.join("creds/acme/alice.creds"));
    let out = step(&["user", dir, "acme", "bob", "--read-only"]);
    let bob_key = printed_key(&out, "issued bob");
    let bob = creds_path(&out);

    // alice connects and uses JetStream; bob connects until he is revoked.
    let alice_creds = std::fs::read_to_string(&alice).unwrap();
    let alice_connection = connected(&server, &alice_creds, "alice").await;
    let js = async_nats::jetstream::new(alice_connection.client.clone());
    js.create_stream(stream_config("ORDERS", 1 << 20))
        .await
        .unwrap();
    let bob_creds = std::fs::read_to_string(&bob).unwrap();
    connected(&server, &bob_creds, "bob").await;
    let out = step(&["revoke", dir, "acme", "bob"]);
    assert!(out.contains("revoked bob (U"), "{out}");
    refused(&server, &bob_creds, "bob after his revocation").await;
    connected(&server, &alice_creds, "alice after bob's revocation").await;

    // In <dir>: the service user's creds, the seal key and the users' creds files (each
    // 0600, each with the one seed it is for), and no other seed: none of the operator's
    // or an account's, in the configs, the resolver's JWTs or JetStream's files (the
    // bucket's stream among them).
    let mut secrets = Vec::new();
    for path in files_under(&setup) {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let kinds = seed_kinds(&text);
        let relative = path
            .strip_prefix(&setup)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let expected: &[KeyKind] = match relative.as_str() {
            "service.creds" | "creds/acme/alice.creds" | "creds/acme/bob.creds" => &[KeyKind::User],
            "seal.xk" => &[KeyKind::Curve],
            _ => &[],
        };
        assert_eq!(kinds, expected, "{relative}");
        if !expected.is_empty() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                let mode = std::fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{relative}");
            }
            secrets.push(relative);
        }
    }
    secrets.sort();
    assert_eq!(
        secrets,
        [
            "creds/acme/alice.creds",
            "creds/acme/bob.creds",
            "seal.xk",
            "service.creds"
        ]
    );

    // The bucket, read raw: the tenant's JWT (bob revoked), and no seed in the clear.
    let values = tenants_bucket(&server, &setup).await;
    for (key, value) in &values {
        assert!(!holds_seed(&String::from_utf8_lossy(value)), "{key}");
    }
    let sealed = values
        .iter()
        .filter(|(key, _)| key.starts_with("seed."))
        .count();
    assert!(sealed >= 8, "{sealed} seeds in the bucket");
    let tenant = bucket_tenant(&server, &setup).await;
    assert_eq!(tenant.subject, tenant_key);
    assert!(
        tenant.nats.revocations.get(&bob_key).is_some(),
        "{:?}",
        tenant.nats.revocations
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn several_signup_processes_at_once_on_one_kv_tenant_lose_no_revocation() {
    const USERS: usize = 6;
    const PROCESSES: usize = 3;
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let (setup, server) = init_kv(&binary).await;
    let dir = setup.to_str().unwrap();
    let url = server.url();
    signup(&["tenant", dir, "acme", "--server", &url]);

    // PROCESSES processes at a time, each running its share of `steps` one after the
    // other; returns their outputs.
    let at_once = |steps: Vec<Vec<String>>| {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..PROCESSES)
                .map(|process| {
                    let mine: Vec<Vec<String>> = steps
                        .iter()
                        .skip(process)
                        .step_by(PROCESSES)
                        .cloned()
                        .collect();
                    scope.spawn(move || {
                        mine.iter()
                            .map(|step| {
                                let args: Vec<&str> = step.iter().map(String::as_str).collect();
                                signup(&args)
                            })
                            .collect::<Vec<String>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().unwrap())
                .collect::<Vec<String>>()
        })
    };
    let step = |command: &str, user: usize| -> Vec<String> {
        [command, dir, "acme", &format!("u{user}"), "--server", &url]
            .map(str::to_owned)
            .to_vec()
    };
    let issued = at_once((1..=USERS).map(|user| step("user", user)).collect());
    let mut users = Vec::new();
    for out in &issued {
        let name = out.split(' ').nth(1).unwrap().to_owned();
        users.push((
            name.clone(),
            printed_key(out, &format!("issued {name}")),
            creds_path(out),
        ));
    }
    users.sort();
    assert_eq!(users.len(), USERS);
    for (name, _, creds) in &users {
        connected(&server, &std::fs::read_to_string(creds).unwrap(), name).await;
    }

    let started = Instant::now();
    let revoked = at_once((1..=USERS).map(|user| step("revoke", user)).collect());
    let took = started.elapsed();
    let mut reapplied = 0;
    for out in &revoked {
        assert!(
            out.contains("pushed acme: confirmed by 1/1 servers"),
            "{out}"
        );
        assert!(out.contains("\nrevoked u"), "{out}");
        if let Some(line) = out.lines().find(|line| line.contains("applied ")) {
            let times: usize = line.rsplit(' ').nth(1).unwrap().parse().unwrap();
            reapplied += times - 1;
        }
    }
    println!(
        "{USERS} revokes by {PROCESSES} processes at once took {took:?}; {reapplied} re-applied on top of another process's change"
    );

    // Every revocation is in the store and on the server.
    let tenant = bucket_tenant(&server, &setup).await;
    for (name, key, creds) in &users {
        assert!(tenant.nats.revocations.get(key).is_some(), "{name}");
        refused(&server, &std::fs::read_to_string(creds).unwrap(), name).await;
    }
}

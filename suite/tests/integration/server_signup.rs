//! The signup example as a restartable service over its store, on a real 2.14 server with
//! a full resolver and JetStream: every step is a new process, the tenant's tiers hold,
//! a revoked user is refused, the demo run twice changes nothing, and nothing printed
//! holds a seed.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use async_nats::jetstream::context::CreateStreamErrorKind;
use async_nats::jetstream::stream::Config as StreamConfig;

use crate::common::client::{connected, refused};
use crate::common::nats_server::{
    example_binary, free_port, newest_server, run_bounded, RunningServer, ServerBinary, TempDir,
};
use crate::common::tokens::holds_seed;
use natsjwt::store::{DirStore, Store, StorePaths};

/// Why these tests need nats-server 2.14.
const WHY: &str = "the signup tests use a 2.14 full resolver with JetStream";

/// Runs `signup` with `args`; checks it succeeded and printed no seed. Returns stdout.
fn signup(args: &[&str]) -> String {
    let mut command = Command::new(example_binary("signup"));
    command.args(args);
    let (status, out, err) = run_bounded(&mut command, Duration::from_secs(30));
    assert!(
        !holds_seed(&out) && !holds_seed(&err),
        "signup {args:?} printed a seed"
    );
    assert!(status.success(), "signup {args:?}: {status}: {err}");
    out
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

/// The JetStream error code of a refused stream creation.
async fn create_stream(
    js: &async_nats::jetstream::Context,
    name: &str,
    max_bytes: i64,
) -> Result<(), u64> {
    let config = StreamConfig {
        name: name.into(),
        subjects: vec![format!("acme.{}", name.to_lowercase())],
        max_bytes,
        num_replicas: 1,
        ..Default::default()
    };
    match js.create_stream(config).await {
        Ok(_) => Ok(()),
        Err(e) => match e.kind() {
            CreateStreamErrorKind::JetStream(e) => Err(e.error_code().0),
            other => panic!("creating {name}: {other}"),
        },
    }
}

#[tokio::test]
async fn signup_steps_survive_restarts_and_hold_the_tiers() {
    let Some(binary) = newest_server(2, 14, WHY) else {
        return;
    };
    let (setup, server) = init(&binary).await;
    let dir = setup.to_str().unwrap();
    let url = server.url();
    let step = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--server", &url]);
        signup(&all)
    };

    let out = step(&["tenant", dir, "acme"]);
    assert!(out.starts_with("created tenant acme (A"), "{out}");
    assert!(out.contains("pushed acme: jwt updated"), "{out}");
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
    create_stream(&js, "ORDERS", 512 << 20).await.unwrap();
    js.publish("acme.orders", "one".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let mut stream = js.get_stream("ORDERS").await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);
    assert_eq!(
        create_stream(&js, "HUGE", 2 << 30).await,
        Err(10047),
        "beyond the tier's storage"
    );

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

//! A restartable multi-tenant signup service over a store in `nsc`'s layout, against a
//! running server with a full account resolver.
//!
//! ```text
//! cargo run -p natsjwt-suite --example signup -- init <dir> [--port 4222]      # operator, SYS, sys user, store, server.conf
//! nats-server -c <dir>/server.conf                            # in another terminal
//! cargo run -p natsjwt-suite --example signup -- tenant <dir> acme             # create (or reuse) and push a tenant
//! cargo run -p natsjwt-suite --example signup -- user <dir> acme alice --jetstream
//! cargo run -p natsjwt-suite --example signup -- user <dir> acme bob --read-only
//! cargo run -p natsjwt-suite --example signup -- revoke <dir> acme bob
//! cargo run -p natsjwt-suite --example signup -- run <dir>                     # all of the above, as a demo
//! cargo run -p natsjwt-suite --example signup -- delete <dir> acme [--allow-missing] [--remove-streams | --keep-streams]
//! cargo run -p natsjwt-suite --example signup -- reconcile <dir>               # one repair pass
//! cargo run -p natsjwt-suite --example signup -- watch <dir>                   # repair whenever a server joins
//! cargo run -p natsjwt-suite --example signup -- prune <dir> [--dry-run] [--allow-missing]
//! ```
//!
//! Every step takes `--store dir` (the default: the directory store) or `--store
//! kv://<bucket>` (a JetStream KV bucket, which several `signup` processes share at once,
//! on one tenant too). `init <dir> --store kv://<bucket> [--replicas N]` sets up a KV
//! store; the later steps may leave `--store` out (they use the store `<dir>/store`
//! names, or the directory store when there is no such file) and refuse another one.
//!
//! On a cluster: `init <dir> --cluster 3 [--port <first client port>] [--resolver-interval
//! <duration>]` writes `n1.conf` … `n3.conf` (consecutive client, route and monitoring
//! ports: 4222-4224, 4225-4227, 4228-4230 by default), each node with its resolver and
//! JetStream directories under `<dir>/n<k>`; start all three. Every push and delete then
//! needs all of them: the steps print `confirmed by 3/3 servers` and fail when fewer
//! confirmed.
//!
//! Every step is its own process: the state lives in the store. The directory store is
//! `<dir>/keys`, nsc's keys directory, and `<dir>/stores`, its stores directory (`nsc`
//! reads both with `NKEYS_PATH=<dir>/keys` and `nsc env -s <dir>/stores`); one step at a
//! time opens it (the others fail, exit code 1). A step stores each seed before the JWT
//! that depends on it, and the JWT before it pushes it, so a step cut short by a crash is
//! either done or not done, and running it again finishes it. Nothing printed holds a
//! seed: `user` prints the path of the creds file it wrote (mode 0600).
//!
//! A KV store holds everything the directory store would, its seeds and creds sealed to
//! the curve key in `<dir>/seal.xk`; `<dir>` keeps only how to reach it. `init` cannot
//! create the bucket (the servers it writes the config of are not running yet), so it
//! works in two phases: it writes the operator, `SYS` and a `SERVICE` account with its
//! user `service` (JetStream in the bucket's replica tier and in R1 with memory, which
//! listing the bucket's keys needs), preloaded in the servers' config, into a directory
//! store in `<dir>/pending` (0700), and writes `<dir>/store` (`kv://<bucket>
//! replicas=<n>`), `<dir>/service.creds` and `<dir>/seal.xk` (both 0600). The first step
//! after the servers are up creates the bucket (`--replicas`: by default 3 on a cluster
//! of 3 or more, else the number of nodes), copies `<dir>/pending` into it and removes
//! it; steps that start at the same time wait for it. A KV store's user creds files are
//! written to `<dir>/creds/<tenant>/<user>.creds` (0600). Changes to a tenant are
//! compare-and-sets on its entry, re-applied on top of another process's change (`<tenant>
//! was changed by another process meanwhile: applied N times`), then pushed as the store
//! holds them: processes at the same time lose no revocation. A new tenant is the first
//! one stored under its name.
//!
//! - `tenant` creates the account with JetStream per replica tier (`R1`: 1 GiB disk and
//!   10 streams; `R3`: 10 GiB and 5 streams), a signing key and a scoped `reader` signing
//!   key; for an existing tenant it pushes what the store holds.
//! - `user` issues a user of the tenant (`<tenant>.>` to publish and subscribe) signed by
//!   the tenant's signing key, or with `--read-only` by the `reader` key (subscribe only);
//!   `--jetstream` adds JetStream's subjects; `--expires <seconds>` sets an expiry. An
//!   existing user is left as it is.
//! - `revoke` revokes the user's tokens issued until now and pushes the tenant.
//! - `run` is the demo: tenant `acme`, `alice` with JetStream, `bob` read-only, then bob
//!   revoked; running it again changes nothing.
//! - `delete` deletes a tenant on every server; while an expected server is down it
//!   refuses, unless `--allow-missing`: then it deletes where it can, and the tombstone it
//!   leaves in the store lets `reconcile` or `watch` delete it on the others. The servers
//!   keep a deleted account's JetStream streams on disk: first, as a short-lived user of
//!   the tenant (publish `$JS.API.>`, subscribe `_INBOX.>`), it lists them, and refuses
//!   when there are some, unless `--remove-streams` (it deletes them first, KV buckets and
//!   object stores included) or `--keep-streams` (it leaves them, and does not look).
//! - `prune` deletes from every server the accounts they hold and the store does not
//!   know (as `nsc push --prune` does; the system account is never pruned), printing
//!   each with the servers holding it; `--dry-run` only prints them (`nsc push --diff`).
//!   It refuses while an expected server is down, unless `--allow-missing`; a tombstone
//!   for each pruned account lets `reconcile` or `watch` delete it again where it stayed.
//! - `reconcile` compares what every server holds with the store and re-pushes (or
//!   re-deletes) where a server is behind; `watch` does so whenever a server joins (a
//!   restarted one comes back with the old state) until interrupted.
//!
//! Every step after `init` connects to the servers `init` wrote in `<dir>/server.url`
//! (and expects those named in `<dir>/servers`, or whoever answers), or to `--server
//! URL`. `init` refuses to overwrite its files and to write into the
//! repository it was built from (seeds do not belong there): choose a directory outside
//! it, such as `../signup`.
//!
//! Exit codes:
//! - `0`: done;
//! - `1`: the server cannot be reached or refused a push, or the store is in use (the
//!   first step after a KV `init` tries to create the bucket for 30 s first);
//! - `64`: bad arguments, a `--port` outside 1-65535, a `--store` other than the one
//!   `init` set up, (`init`) a directory inside the repository, or (`delete`) a tenant
//!   with streams and neither `--remove-streams` nor `--keep-streams`;
//! - `65`: the store is not what it should be, or has no such tenant or user;
//! - `66`: there is no store (run `init` first);
//! - `73`: a file exists already (`init`) or cannot be written.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use common::{bad, fail, main_with, parse_port, refuse_inside_repository, Args, Failure};
use natsjwt::clock::{Clock, SystemClock};
use natsjwt::provision::{
    account_streams, delete_streams, prune, push_current, reconcile, watch, IssuedUser,
    ManagedAccount, OperatorSetup, ProvisionError, Provisioner, PruneAction, Reconciled,
    SigningKeyUsage, UserSigner, WhenServersAreDown,
};
use natsjwt::resolver::client::Cluster;
use natsjwt::resolver::{ClusterLayout, JetStreamConfig, ResolverKind, ServerInfo, ServerMode};
use natsjwt::store::{copy, DirStore, KvStore, Store, StoreError, StorePaths};
use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier, SigningKey};
use natsjwt::{Secret, UserClaims, XKey};

const USAGE: &str = "signup init <dir> [--port N] [--cluster N] [--resolver-interval DURATION] [--store kv://BUCKET [--replicas N]] | signup tenant <dir> <tenant> | signup user <dir> <tenant> <user> [--read-only] [--jetstream] [--expires SECONDS] | signup revoke <dir> <tenant> <user> | signup delete <dir> <tenant> [--allow-missing] [--remove-streams | --keep-streams] | signup reconcile <dir> | signup watch <dir> | signup prune <dir> [--dry-run] [--allow-missing] | signup run <dir>  (every step: [--store dir|kv://BUCKET]; after init: [--server URL])";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "done"),
    (
        1,
        "the server cannot be reached or refused a push, or the store is in use",
    ),
    (
        64,
        "bad arguments, a --port outside 1-65535, a --store other than the one init set up, (init) a directory inside the repository, or (delete) a tenant with streams and neither --remove-streams nor --keep-streams",
    ),
    (
        65,
        "the store is not what it should be, or has no such tenant or user",
    ),
    (66, "there is no store (run init first)"),
    (73, "a file exists already (init) or cannot be written"),
];

/// The operator's name, and so the store's.
const OPERATOR: &str = "signup";
/// The scoped signing key's role for read-only users.
const READER_ROLE: &str = "reader";
/// How long a request collects the expected servers' replies.
const COLLECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long discovering the servers (none named in `<dir>/servers`) waits for them.
const DISCOVER_TIMEOUT: Duration = Duration::from_millis(500);
/// The account a KV store's bucket lives in, and its user the steps connect as.
const SERVICE_ACCOUNT: &str = "SERVICE";
const SERVICE_USER: &str = "service";
/// The files of a KV store's set-up in `<dir>`.
const STORE_FILE: &str = "store";
const SERVICE_CREDS: &str = "service.creds";
const SEAL_KEY: &str = "seal.xk";
/// Where `init` keeps a KV store's state until the first step creates the bucket.
const PENDING: &str = "pending";
/// How long the first step after a KV `init` tries to create the bucket (the servers may
/// still be enabling JetStream or electing a leader), or waits for another step that is
/// creating it.
const BUCKET_PATIENCE: Duration = Duration::from_secs(30);

/// The exit code a store error deserves.
fn store_failure(error: StoreError) -> Failure {
    match error {
        StoreError::NotFound { .. } => {
            Failure::no_input(format!("{error} (run `signup init` first)"))
        }
        StoreError::Locked { .. } | StoreError::Kv { .. } => Failure::other(error.to_string()),
        StoreError::Io { .. } => Failure::cant_create(error.to_string()),
        _ => Failure::data(error.to_string()),
    }
}

/// The exit code a provisioning error deserves.
fn provision_failure(what: &str) -> impl Fn(ProvisionError) -> Failure + '_ {
    move |error| match error {
        ProvisionError::Store(error) => store_failure(error),
        other => Failure::data(format!("{what}: {other}")),
    }
}

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

/// Where the state lives: `--store`, and `<dir>/store`.
#[derive(Clone, PartialEq, Eq)]
enum StoreKind {
    /// `dir`: the directory store in `<dir>` (nsc's layout).
    Dir,
    /// `kv://<bucket>`: a JetStream KV bucket.
    Kv(String),
}

impl StoreKind {
    fn parse(text: &str) -> Result<StoreKind, Failure> {
        if text == "dir" {
            return Ok(StoreKind::Dir);
        }
        // A KV bucket's name: letters, digits, `-` and `_`.
        match text.strip_prefix("kv://") {
            Some(bucket)
                if !bucket.is_empty()
                    && bucket
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(StoreKind::Kv(bucket.to_owned()))
            }
            _ => Err(Failure::usage(format!(
                "--store {text:?} is neither dir nor kv://<bucket> (a bucket name of letters, digits, - and _)"
            ))),
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreKind::Dir => f.write_str("dir"),
            StoreKind::Kv(bucket) => write!(f, "kv://{bucket}"),
        }
    }
}

/// A KV store's set-up, as `init` wrote it in `<dir>/store`: `kv://<bucket> replicas=<n>`.
struct KvSetup {
    bucket: String,
    replicas: usize,
}

impl KvSetup {
    fn text(&self) -> String {
        format!("kv://{} replicas={}\n", self.bucket, self.replicas)
    }

    /// What `<dir>/store` says; `None` without the file (a directory store).
    fn read(dir: &Path) -> Result<Option<KvSetup>, Failure> {
        let path = dir.join(STORE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Failure::no_input(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        let corrupt = || {
            Failure::data(format!(
                "{} is not `kv://<bucket> replicas=<n>`",
                path.display()
            ))
        };
        let mut words = text.split_whitespace();
        let bucket = match words.next().map(StoreKind::parse) {
            Some(Ok(StoreKind::Kv(bucket))) => bucket,
            _ => return Err(corrupt()),
        };
        let replicas = words
            .next()
            .and_then(|word| word.strip_prefix("replicas="))
            .and_then(|n| n.parse().ok())
            .ok_or_else(corrupt)?;
        if words.next().is_some() {
            return Err(corrupt());
        }
        Ok(Some(KvSetup { bucket, replicas }))
    }
}

/// Refuses a `--store` other than the store `<dir>` holds (none given: that one).
fn check_store_choice(
    dir: &Path,
    given: Option<&StoreKind>,
    recorded: Option<&KvSetup>,
) -> Result<(), Failure> {
    let holds = match recorded {
        Some(setup) => StoreKind::Kv(setup.bucket.clone()),
        None => StoreKind::Dir,
    };
    match given {
        Some(given) if *given != holds => {
            if recorded.is_none() && !dir.join("stores").exists() {
                return Err(Failure::no_input(format!(
                    "{} holds no store (run `signup init {} --store {given}` first)",
                    dir.display(),
                    dir.display()
                )));
            }
            let source = match recorded {
                Some(_) => format!("{}", dir.join(STORE_FILE).display()),
                None => format!("no {}", dir.join(STORE_FILE).display()),
            };
            Err(Failure::usage(format!(
                "--store {given}, but {} holds the store {holds} ({source})",
                dir.display()
            )))
        }
        _ => Ok(()),
    }
}

/// Writes a secret file, mode 0600 (its directories 0700), replacing it whole: a crash
/// leaves the old file or the new one, never a part.
fn write_secret(path: &Path, text: &str) -> Result<(), Failure> {
    let cannot =
        |e: std::io::Error| Failure::cant_create(format!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(cannot)?;
    }
    let temp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(cannot(e));
    }
    Ok(())
}

/// Creates the directory `path` (its parent exists), mode 0700: it is to hold seeds.
fn create_private_dir(path: &Path) -> Result<PathBuf, Failure> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(path)
        .map_err(|e| Failure::cant_create(format!("cannot create {}: {e}", path.display())))?;
    Ok(path.to_path_buf())
}

type Connecting = Pin<Box<dyn Future<Output = Result<async_nats::Client, std::io::Error>> + Send>>;

/// How a KV store connects to `urls`: as the service user of `creds`.
fn kv_connect(urls: &[String], creds: &Secret) -> impl FnOnce() -> Connecting + Send + 'static {
    let (urls, creds) = (urls.to_vec(), creds.clone());
    move || {
        Box::pin(async move {
            async_nats::ConnectOptions::with_credentials(creds.expose())?
                .connect(urls)
                .await
                .map_err(std::io::Error::other)
        })
    }
}

/// What `delete` does with the tenant's JetStream streams.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WhenStreams {
    /// Neither flag: refuse when there are some.
    Refuse,
    /// `--remove-streams`: delete them first.
    Remove,
    /// `--keep-streams`: leave them.
    Keep,
}

/// The flags of `init`.
struct InitOptions {
    port: u16,
    cluster: Option<usize>,
    resolver_interval: Option<Duration>,
    /// `--store kv://<bucket>` and its replicas; `None`: the directory store.
    kv: Option<KvSetup>,
}

/// The account a KV store's bucket lives in, saved in `store`, and its user: JetStream in
/// the bucket's tier and in R1 with memory, which the ephemeral consumers that list the
/// bucket's keys need.
fn service_account(
    setup: &OperatorSetup,
    replicas: usize,
    store: &DirStore,
) -> Result<(ManagedAccount, IssuedUser), Failure> {
    let bucket_tier = ReplicaTier::from_replicas(replicas)
        .ok_or_else(|| Failure::usage(format!("--replicas {replicas} is more than 5")))?;
    let provisioner = setup.provisioner().map_err(fail("operator"))?;
    let account = provisioner
        .create_account(SERVICE_ACCOUNT, |account| {
            let tier = JetStreamLimits {
                mem_storage: ByteSize::mib(64).into(),
                disk_storage: ByteSize::gib(1).into(),
                streams: 10,
                ..Default::default()
            };
            for replica_tier in [ReplicaTier::R1, bucket_tier] {
                account.nats.limits.set_tier(replica_tier, tier.clone());
            }
        })
        .map_err(provision_failure(SERVICE_ACCOUNT))?;
    let signer = account
        .signing_keys()
        .first()
        .cloned()
        .ok_or_else(|| Failure::data("the service account has no signing key"))?;
    let user = provisioner
        .create_user(
            &account,
            SERVICE_USER,
            UserSigner::SigningKey(&signer),
            |_| {},
        )
        .map_err(provision_failure(SERVICE_USER))?;
    account.save(store).map_err(provision_failure("save"))?;
    user.save(store, &account)
        .map_err(provision_failure("save"))?;
    Ok((account, user))
}

/// `init`: the operator side, done once.
fn init(dir: &Path, options: &InitOptions) -> Result<(), Failure> {
    refuse_inside_repository(dir, "../signup")?;
    let nodes = options.cluster.unwrap_or(1);
    let configs: Vec<PathBuf> = match options.cluster {
        None => vec![dir.join("server.conf")],
        Some(n) => (1..=n).map(|k| dir.join(format!("n{k}.conf"))).collect(),
    };
    let url_path = dir.join("server.url");
    let servers_path = dir.join("servers");
    let kv_paths = match options.kv {
        Some(_) => [STORE_FILE, SERVICE_CREDS, SEAL_KEY, PENDING]
            .map(|name| dir.join(name))
            .to_vec(),
        None => Vec::new(),
    };
    for path in configs
        .iter()
        .chain([&url_path, &servers_path])
        .chain(&kv_paths)
    {
        if path.exists() {
            return Err(Failure::cant_create(format!(
                "refusing to overwrite {}",
                path.display()
            )));
        }
    }
    let create_dir = |path: PathBuf| {
        std::fs::create_dir_all(&path)
            .map_err(|e| Failure::cant_create(format!("cannot create {}: {e}", path.display())))
            .map(|()| path)
    };
    let jwt_dir = create_dir(dir.join("jwt"))?;
    let js_dir = create_dir(dir.join("js"))?;
    let setup =
        Provisioner::bootstrap(OPERATOR, SigningKeyUsage::Required).map_err(fail("bootstrap"))?;
    // A KV store's state waits in a directory store under `<dir>/pending` until the first
    // step creates the bucket: that needs the servers, which need this config first.
    let store_paths = match options.kv {
        None => StorePaths::under(dir),
        Some(_) => StorePaths::under(create_private_dir(&dir.join(PENDING))?),
    };
    let store = DirStore::create(&store_paths, OPERATOR).map_err(|e| match e {
        StoreError::Exists { .. } => Failure::cant_create(format!("refusing to overwrite: {e}")),
        other => store_failure(other),
    })?;
    setup.save(&store).map_err(provision_failure("save"))?;
    let service = match &options.kv {
        Some(kv) => Some(service_account(&setup, kv.replicas, &store)?),
        None => None,
    };
    let preload: Vec<&ManagedAccount> = service.iter().map(|(account, _)| account).collect();

    let mut config = setup.full_config(&jwt_dir.to_string_lossy(), &preload);
    config.listen = format!("127.0.0.1:{}", options.port);
    config.jetstream = Some(JetStreamConfig::new(&js_dir.to_string_lossy()));
    if let (Some(interval), ServerMode::Operator(operator)) =
        (options.resolver_interval, &mut config.mode)
    {
        if let ResolverKind::Full(resolver) = &mut operator.resolver {
            resolver.interval = interval;
        }
    }
    let mut files = Vec::new();
    let mut urls = Vec::new();
    let mut names = Vec::new();
    if options.cluster.is_some() {
        let mut layout = ClusterLayout::new(OPERATOR, &dir.to_string_lossy());
        let count = u16::try_from(nodes).map_err(|_| Failure::usage("--cluster is too large"))?;
        let port_past = |offset: u16| {
            options.port.checked_add(offset).ok_or_else(|| {
                Failure::usage(format!(
                    "--port {} leaves no room for the nodes' ports",
                    options.port
                ))
            })
        };
        layout.client_port = options.port;
        layout.cluster_port = port_past(count)?;
        layout.http_port = Some(port_past(2 * count)?);
        let rendered = config
            .cluster_nodes(nodes, &layout)
            .map_err(|e| Failure::usage(e.to_string()))?;
        for (node, path) in rendered.iter().zip(&configs) {
            urls.push(format!("nats://{}", node.listen));
            names.push(node.server_name.clone().unwrap_or_default());
            files.push((path.clone(), node.render()));
        }
    } else {
        urls.push(format!("nats://127.0.0.1:{}", options.port));
        files.push((dir.join("server.conf"), config.render()));
    }
    files.push((url_path, format!("{}\n", urls.join(","))));
    if !names.is_empty() {
        files.push((servers_path, format!("{}\n", names.join("\n"))));
    }
    if let Some(kv) = &options.kv {
        files.push((dir.join(STORE_FILE), kv.text()));
    }
    for (path, text) in &files {
        std::fs::write(path, text)
            .map_err(|e| Failure::cant_create(format!("cannot write {}: {e}", path.display())))?;
    }
    if let Some((_, user)) = &service {
        let creds = user.creds().map_err(fail("service creds"))?;
        write_secret(&dir.join(SERVICE_CREDS), creds.expose())?;
        let sealer = XKey::generate().map_err(fail("seal key"))?;
        write_secret(&dir.join(SEAL_KEY), sealer.seed().expose())?;
    }
    println!("wrote the operator setup to {}", dir.display());
    if let Some(kv) = &options.kv {
        println!(
            "the store kv://{} (replicas: {}) is created by the first step once the servers run",
            kv.bucket, kv.replicas
        );
    }
    for path in &configs {
        println!("start the server:  nats-server -c {}", path.display());
    }
    println!(
        "then:              cargo run -p natsjwt-suite --example signup -- run {}",
        dir.display()
    );
    Ok(())
}

/// Parses a duration such as `500ms`, `2s`, `2m` or `1h`.
fn parse_duration(text: &str) -> Result<Duration, Failure> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = text.get(digits.len()..).unwrap_or_default();
    let bad = || {
        Failure::usage(format!(
            "--resolver-interval {text:?} is not a duration such as 500ms, 2s or 2m"
        ))
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let duration = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad()),
    };
    if duration.is_zero() {
        return Err(bad());
    }
    Ok(duration)
}

/// The store a step works on: both kinds take every code path but `watch`'s and where
/// `user` leaves the creds file.
enum Backend {
    /// One process at a time (it holds a lock), in nsc's layout.
    Dir(DirStore),
    /// Shared by every process: no lock, compare-and-set on each account.
    Kv(KvStore),
}

impl std::ops::Deref for Backend {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        match self {
            Backend::Dir(store) => store,
            Backend::Kv(store) => store,
        }
    }
}

/// What every step after `init` works with.
struct Service {
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

/// A secret file of a KV store's set-up in `<dir>`.
fn read_secret_file(dir: &Path, name: &str) -> Result<Secret, Failure> {
    let path = dir.join(name);
    std::fs::read_to_string(&path)
        .map(Secret::new)
        .map_err(|e| Failure::no_input(format!("cannot read {}: {e}", path.display())))
}

/// Opens the KV store `init` set up in `<dir>`; the first step after `init` creates the
/// bucket and moves the pending store into it ([`migrate`]).
async fn open_kv(dir: &Path, urls: &[String], setup: &KvSetup) -> Result<KvStore, Failure> {
    let creds = read_secret_file(dir, SERVICE_CREDS)?;
    let sealer = XKey::from_seed(read_secret_file(dir, SEAL_KEY)?.expose())
        .map_err(bad(&dir.join(SEAL_KEY).display().to_string()))?;
    if let Some(store) = migrate(dir, urls, &creds, setup, &sealer).await? {
        return Ok(store);
    }
    KvStore::open(kv_connect(urls, &creds), &setup.bucket, sealer).map_err(store_failure)
}

/// While `<dir>/pending` exists: takes it (steps at the same time wait for the one that
/// holds it), creates the bucket (or opens it: a step cut short made it), copies the
/// pending store into it (again after a step cut short: the copy is idempotent) and
/// removes the pending store. `None` when nothing is pending (any more).
async fn migrate(
    dir: &Path,
    urls: &[String],
    creds: &Secret,
    setup: &KvSetup,
    sealer: &XKey,
) -> Result<Option<KvStore>, Failure> {
    remove_removed_pending(dir);
    let pending = dir.join(PENDING);
    // The step that holds it may be waiting out its whole patience for the servers.
    let wait_until = Instant::now() + 2 * BUCKET_PATIENCE;
    let from = loop {
        if !pending.exists() {
            return Ok(None);
        }
        match DirStore::open(&StorePaths::under(&pending), OPERATOR) {
            Ok(from) => break from,
            Err(StoreError::Locked { .. }) if Instant::now() < wait_until => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // Moved away by the step that finished while this one looked.
            Err(_) if !pending.exists() => return Ok(None),
            Err(e) => return Err(store_failure(e)),
        }
    };
    let deadline = Instant::now() + BUCKET_PATIENCE;
    let to = loop {
        let created = KvStore::create(
            kv_connect(urls, creds),
            &setup.bucket,
            setup.replicas,
            OPERATOR,
            sealer.clone(),
        );
        match created {
            Ok(to) => break to,
            Err(StoreError::Exists { .. }) => {
                break KvStore::open(kv_connect(urls, creds), &setup.bucket, sealer.clone())
                    .map_err(store_failure)?
            }
            // JetStream may not be enabled for the preloaded service account yet.
            Err(StoreError::Kv { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(store_failure(e)),
        }
    };
    let copied = copy(&from, &to).map_err(store_failure)?;
    // Renamed first, in one step, so that no other step opens it half removed.
    let removed = dir.join(format!("{REMOVED_PENDING}{}", std::process::id()));
    std::fs::rename(&pending, &removed)
        .and_then(|()| std::fs::remove_dir_all(&removed))
        .map_err(|e| Failure::cant_create(format!("cannot remove {}: {e}", pending.display())))?;
    drop(from);
    println!(
        "created kv://{} (replicas: {}) from {}: {} accounts, {} seeds",
        setup.bucket,
        setup.replicas,
        pending.display(),
        copied.accounts,
        copied.keys
    );
    Ok(Some(to))
}

/// The prefix of a pending store moved away to be removed.
const REMOVED_PENDING: &str = ".pending-removed-";

/// Removes what a step cut short while removing the pending store left (its seeds must
/// not stay in `<dir>`). Another step may be removing the same: its errors are no matter.
fn remove_removed_pending(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(REMOVED_PENDING)
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Service {
    /// Opens the store (`given`: the `--store` flag, which must name the store `<dir>`
    /// holds) and connects to the server as the system user.
    async fn open(
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
    async fn delete(
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
    async fn prune(&self, dry_run: bool, allow_missing: bool) -> Result<(), Failure> {
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

    async fn reconcile(&self) -> Result<(), Failure> {
        let pass = reconcile(&self.provisioner, &*self.store, &self.servers)
            .await
            .map_err(fail("reconcile"))?;
        Service::report(&pass);
        Ok(())
    }

    /// `watch`: a directory store is opened for each pass only, so that the other steps
    /// can run in between (each waits for a pass to end: the store has one writer at a
    /// time); a KV store stays open, as the other steps write to it meanwhile.
    async fn watch(self) -> Result<(), Failure> {
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
    async fn tenant(&self, name: &str) -> Result<(), Failure> {
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
    async fn user(
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
    async fn revoke(&self, tenant_name: &str, name: &str) -> Result<(), Failure> {
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
struct UserOptions {
    read_only: bool,
    jetstream: bool,
    expires: Option<i64>,
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
async fn run(service: &Service) -> Result<(), Failure> {
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

fn main_body() -> Result<u8, Failure> {
    let args = Args::parse(
        &[
            "port",
            "server",
            "expires",
            "cluster",
            "resolver-interval",
            "store",
            "replicas",
        ],
        &[
            "read-only",
            "jetstream",
            "allow-missing",
            "dry-run",
            "remove-streams",
            "keep-streams",
        ],
        USAGE,
        EXIT_CODES,
    )?;
    let usage = || Failure::usage(format!("usage: {USAGE}"));
    let (command, rest) = args.positional.split_first().ok_or_else(usage)?;
    let dir = PathBuf::from(rest.first().ok_or_else(usage)?);
    let rest = rest.get(1..).unwrap_or_default();
    let only_for = |flag: &str, command: &str| {
        Failure::usage(format!("--{flag} is for {command}; usage: {USAGE}"))
    };
    let store = args.value("store").map(StoreKind::parse).transpose()?;
    let kv_init = command == "init" && matches!(store, Some(StoreKind::Kv(_)));
    if !kv_init && args.value("replicas").is_some() {
        return Err(only_for("replicas", "init --store kv://<bucket>"));
    }
    if command != "init" && args.value("port").is_some() {
        return Err(only_for("port", "init (the other steps take --server URL)"));
    }
    for flag in ["cluster", "resolver-interval"] {
        if command != "init" && args.value(flag).is_some() {
            return Err(only_for(flag, "init"));
        }
    }
    if !matches!(command.as_str(), "delete" | "prune") && args.switch("allow-missing") {
        return Err(only_for("allow-missing", "delete and prune"));
    }
    if command != "prune" && args.switch("dry-run") {
        return Err(only_for("dry-run", "prune"));
    }
    for flag in ["remove-streams", "keep-streams"] {
        if command != "delete" && args.switch(flag) {
            return Err(only_for(flag, "delete"));
        }
    }
    let streams = match (args.switch("remove-streams"), args.switch("keep-streams")) {
        (true, true) => {
            return Err(Failure::usage(
                "--remove-streams and --keep-streams exclude each other: choose one",
            ))
        }
        (true, false) => WhenStreams::Remove,
        (false, true) => WhenStreams::Keep,
        (false, false) => WhenStreams::Refuse,
    };
    if command != "user" {
        for flag in ["read-only", "jetstream"] {
            if args.switch(flag) {
                return Err(only_for(flag, "user"));
            }
        }
        if args.value("expires").is_some() {
            return Err(only_for("expires", "user"));
        }
    }
    if command == "init" {
        if args.value("server").is_some() {
            return Err(only_for("server", "the steps after init"));
        }
        if !rest.is_empty() {
            return Err(usage());
        }
        let cluster = args
            .value("cluster")
            .map(|text| match text.parse::<usize>() {
                Ok(n) if (1..=32).contains(&n) => Ok(n),
                _ => Err(Failure::usage(format!(
                    "--cluster {text:?} is not a number of nodes from 1 to 32"
                ))),
            })
            .transpose()?;
        let kv = match store {
            Some(StoreKind::Kv(bucket)) => {
                let nodes = cluster.unwrap_or(1);
                let replicas = match args.value("replicas") {
                    None => nodes.min(3),
                    Some(text) => match text.parse::<usize>() {
                        Ok(n) if (1..=5).contains(&n) && n <= nodes => n,
                        _ => {
                            return Err(Failure::usage(format!(
                                "--replicas {text:?} is not a number from 1 to 5 and at most the {nodes} nodes init sets up"
                            )))
                        }
                    },
                };
                Some(KvSetup { bucket, replicas })
            }
            _ => None,
        };
        let options = InitOptions {
            port: args
                .value("port")
                .map(parse_port)
                .transpose()?
                .unwrap_or(4222),
            cluster,
            resolver_interval: args
                .value("resolver-interval")
                .map(parse_duration)
                .transpose()?,
            kv,
        };
        init(&dir, &options)?;
        return Ok(0);
    }
    let options = UserOptions {
        read_only: args.switch("read-only"),
        jetstream: args.switch("jetstream"),
        expires: args
            .value("expires")
            .map(|text| match text.parse::<i64>() {
                Ok(seconds) if seconds > 0 => Ok(seconds),
                _ => Err(Failure::usage(format!(
                    "--expires {text:?} is not a positive number of seconds"
                ))),
            })
            .transpose()?,
    };
    if options.read_only && options.jetstream {
        return Err(Failure::usage(
            "--read-only users get the reader scope, which has no JetStream: choose one",
        ));
    }
    let arity = match command.as_str() {
        "run" | "reconcile" | "watch" | "prune" => 0,
        "tenant" | "delete" => 1,
        "user" | "revoke" => 2,
        other => {
            return Err(Failure::usage(format!(
                "unknown command {other:?}; usage: {USAGE}"
            )))
        }
    };
    if rest.len() != arity {
        return Err(usage());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(fail("runtime"))?;
    runtime.block_on(async {
        let service = Service::open(&dir, args.value("server"), store.as_ref()).await?;
        match (command.as_str(), rest) {
            ("tenant", [tenant]) => service.tenant(tenant).await,
            ("delete", [tenant]) => {
                service
                    .delete(tenant, args.switch("allow-missing"), streams)
                    .await
            }
            ("prune", []) => {
                service
                    .prune(args.switch("dry-run"), args.switch("allow-missing"))
                    .await
            }
            ("reconcile", []) => service.reconcile().await,
            ("watch", []) => service.watch().await,
            ("user", [tenant, user]) => service.user(tenant, user, &options).await,
            ("revoke", [tenant, user]) => service.revoke(tenant, user).await,
            _ => run(&service).await,
        }
    })?;
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("signup", main_body)
}

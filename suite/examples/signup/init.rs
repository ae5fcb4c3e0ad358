//! `init`: the operator side, done once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{Failure, fail, refuse_inside_repository};
use crate::store::{
    KvSetup, PENDING, SEAL_KEY, SERVICE_CREDS, STORE_FILE, create_private_dir, write_secret,
};
use crate::{OPERATOR, provision_failure, store_failure};
use natsjwt::XKey;
use natsjwt::provision::{
    IssuedUser, ManagedAccount, OperatorSetup, Provisioner, SigningKeyUsage, UserSigner,
};
use natsjwt::resolver::{ClusterLayout, JetStreamConfig, ResolverKind, ServerMode};
use natsjwt::store::{DirStore, StoreError, StorePaths};
use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier};

/// The account a KV store's bucket lives in, and its user, whose creds (`<dir>/service.creds`)
/// the steps connect to the bucket with.
const SERVICE_ACCOUNT: &str = "SERVICE";
const SERVICE_USER: &str = "service";

/// The flags of `init`.
pub(crate) struct InitOptions {
    pub(crate) port: u16,
    pub(crate) cluster: Option<usize>,
    pub(crate) resolver_interval: Option<Duration>,
    /// `--store kv://<bucket>` and its replicas; `None`: the directory store.
    pub(crate) kv: Option<KvSetup>,
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
pub(crate) fn init(dir: &Path, options: &InitOptions) -> Result<(), Failure> {
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
        && let ResolverKind::Full(resolver) = &mut operator.resolver
    {
        resolver.interval = interval;
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
pub(crate) fn parse_duration(text: &str) -> Result<Duration, Failure> {
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

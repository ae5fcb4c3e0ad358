//! A cluster of nats-servers on 127.0.0.1, configured by `ServerConfig::cluster_nodes`:
//! node `n`k routes to all the others and keeps its resolver directory and JetStream store
//! in a directory of its own, so that it can be killed and restarted with both.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use natsjwt::provision::{ManagedAccount, OperatorSetup};
use natsjwt::resolver::{ClusterLayout, JetStreamConfig, ResolverKind, ServerConfig, ServerMode};
use natsjwt::types::ByteSize;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::nats_server::{RunningServer, ServerBinary, TempDir};

/// How long the cluster may take to form: routes, and a JetStream meta leader that every
/// node follows.
const FORM_BOUND: Duration = Duration::from_secs(20);
/// How long a monitoring request may take.
const HTTP_BOUND: Duration = Duration::from_secs(2);

/// One node: what it needs to start again as itself.
struct Node {
    name: String,
    port: u16,
    http: u16,
    conf: PathBuf,
    server: Option<RunningServer>,
}

/// The nodes' configuration for `setup`'s operator: a full resolver that preloads the
/// system account and `accounts` and syncs every `interval`, and, with `jetstream`,
/// JetStream with fixed limits (256 MiB of memory, 64 GiB of file), so that placement
/// never depends on this machine's memory or disk.
pub fn operator_config(
    setup: &OperatorSetup,
    accounts: &[&ManagedAccount],
    interval: Duration,
    jetstream: bool,
) -> ServerConfig {
    let mut config = setup.full_config("", accounts);
    let ServerMode::Operator(operator) = &mut config.mode else {
        panic!("full_config is operator mode")
    };
    let ResolverKind::Full(resolver) = &mut operator.resolver else {
        panic!("full_config has a full resolver")
    };
    resolver.interval = interval;
    if jetstream {
        let mut limits = JetStreamConfig::default();
        limits.max_memory_store = Some(ByteSize::mib(256));
        limits.max_file_store = Some(ByteSize::gib(64));
        config.jetstream = Some(limits);
    }
    config
}

/// Running servers routed to each other; each is killed, and the directories removed,
/// when dropped.
pub struct Cluster {
    binary: ServerBinary,
    jetstream: bool,
    nodes: Vec<Node>,
    /// The nodes' configurations and directories; removed after the nodes are killed
    /// (fields drop in order).
    dir: TempDir,
}

impl Cluster {
    /// Starts `size` nodes of `binary` from `config`, laid out by
    /// `ServerConfig::cluster_nodes` on consecutive free ports (clients, then routes, then
    /// monitoring) with their directories in a fresh temporary one, and waits (bounded)
    /// until every node has a route to every other and, with JetStream, follows the same
    /// meta leader and reports itself healthy.
    pub async fn start(binary: &ServerBinary, size: usize, config: &ServerConfig) -> Cluster {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = TempDir::new("cluster");
        let count = u16::try_from(size).expect("a small cluster");
        let first = consecutive_free_ports(3 * count);
        // A name of its own, so that no other test's node can pass for one of these.
        let name = format!(
            "natsjwt-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut layout = ClusterLayout::new(&name, &dir.path().display().to_string());
        layout.client_port = first;
        layout.cluster_port = first + count;
        layout.http_port = Some(first + 2 * count);
        let configs = config
            .cluster_nodes(size, &layout)
            .expect("the ports are in range");
        let nodes = configs
            .iter()
            .zip(0..count)
            .map(|(node, index)| {
                let name = node
                    .server_name
                    .clone()
                    .expect("cluster_nodes names each node");
                let conf = dir.path().join(format!("{name}.conf"));
                std::fs::write(&conf, node.render()).expect("writing a node's config");
                Node {
                    name,
                    port: first + index,
                    http: first + 2 * count + index,
                    conf,
                    server: None,
                }
            })
            .collect();
        let mut cluster = Cluster {
            binary: binary.clone(),
            jetstream: config.jetstream.is_some(),
            nodes,
            dir,
        };
        for index in 0..size {
            cluster.launch(index).await;
        }
        cluster.wait_formed().await;
        cluster
    }

    /// The running server of node `index` (from 0); panics when it is down.
    pub fn server(&self, index: usize) -> &RunningServer {
        let node = &self.nodes[index];
        node.server
            .as_ref()
            .unwrap_or_else(|| panic!("{} is down", node.name))
    }

    /// The running servers.
    pub fn servers(&self) -> impl Iterator<Item = &RunningServer> {
        self.nodes.iter().filter_map(|node| node.server.as_ref())
    }

    /// The JetStream store directory of node `index` (`store_dir`, as
    /// `ServerConfig::cluster_nodes` lays it out: `<base>/n<k>/jetstream`), which the server
    /// fills with `jetstream/<account>/streams/<stream>/`.
    pub fn jetstream_dir(&self, index: usize) -> PathBuf {
        self.dir
            .path()
            .join(&self.nodes[index].name)
            .join("jetstream")
    }

    /// The indexes of the running nodes.
    pub fn running(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|index| self.nodes[*index].server.is_some())
            .collect()
    }

    /// The node whose `server_name` is `name` (as stream info's `cluster.leader` names it).
    pub fn index_of(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|node| node.name == name)
            .unwrap_or_else(|| panic!("no node is named {name:?}"))
    }

    /// Kills node `index` with SIGKILL, by its PID, and waits until it is gone; its
    /// directories stay.
    pub fn kill(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        let server = node.server.take();
        assert!(server.is_some(), "{} is already down", node.name);
        drop(server); // RunningServer's drop kills the child and waits for it
    }

    /// Stops node `index` with SIGTERM, as an operator would, and waits until it exited;
    /// its directories stay.
    pub async fn terminate(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        let server = node.server.take();
        server
            .unwrap_or_else(|| panic!("{} is already down", node.name))
            .terminate()
            .await;
    }

    /// Starts node `index` again with its configuration and directories (its resolver's
    /// JWTs, its JetStream state), and waits until the cluster formed again.
    pub async fn restart(&mut self, index: usize) {
        assert!(
            self.nodes[index].server.is_none(),
            "{} is running",
            self.nodes[index].name
        );
        self.launch(index).await;
        self.wait_formed().await;
    }

    async fn launch(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        // A log directory per run: the node's own directory outlives it.
        let log = TempDir::new(&format!("cluster-{}", node.name));
        let server =
            RunningServer::start_as(&self.binary, log, &node.conf, node.port, &node.name).await;
        node.server = Some(server);
    }

    /// Waits until [`Cluster::formed`], at most [`FORM_BOUND`].
    async fn wait_formed(&self) {
        let deadline = Instant::now() + FORM_BOUND;
        loop {
            match self.formed().await {
                Ok(()) => return,
                Err(why) if Instant::now() > deadline => {
                    panic!("the cluster did not form within {FORM_BOUND:?}: {why}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Whether every running node routes to every other (`/routez`) and, with JetStream,
    /// follows the same running meta leader (`/jsz`) and is healthy (`/healthz`: caught up
    /// with the meta leader and its streams); if not, why.
    async fn formed(&self) -> Result<(), String> {
        let running: Vec<&Node> = self
            .nodes
            .iter()
            .filter(|node| node.server.is_some())
            .collect();
        let mut leaders = HashSet::new();
        for node in &running {
            let routez = monitor(node.http, "/routez").await?;
            let remotes: HashSet<&str> = routez["routes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|route| route["remote_name"].as_str())
                .collect();
            if let Some(missing) = running
                .iter()
                .find(|other| other.name != node.name && !remotes.contains(other.name.as_str()))
            {
                return Err(format!("{} has no route to {}", node.name, missing.name));
            }
            if !self.jetstream {
                continue;
            }
            let jsz = monitor(node.http, "/jsz").await?;
            match jsz["meta_cluster"]["leader"].as_str() {
                Some(leader) if running.iter().any(|n| n.name == leader) => {
                    leaders.insert(leader.to_owned());
                }
                other => return Err(format!("{} follows meta leader {other:?}", node.name)),
            }
            let health = monitor(node.http, "/healthz").await?;
            if health["status"] != "ok" {
                return Err(format!("{}: /healthz says {health}", node.name));
            }
        }
        if leaders.len() > 1 {
            return Err(format!(
                "the nodes follow different meta leaders: {leaders:?}"
            ));
        }
        Ok(())
    }
}

/// The JSON that the monitoring endpoint on `port` answers for `path` (whatever the
/// status: `/healthz` explains a 503 in its body).
async fn monitor(port: u16, path: &str) -> Result<Value, String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| format!("{path} on port {port}: {e}"))?;
        // HTTP/1.0: the server closes the connection after its answer.
        let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .await
            .map_err(|e| e.to_string())?;
        let response = String::from_utf8_lossy(&response);
        let (_, body) = response
            .split_once("\r\n\r\n")
            .ok_or_else(|| format!("{path}: no body in {response:?}"))?;
        serde_json::from_str(body).map_err(|e| format!("{path}: {e} in {body:?}"))
    };
    tokio::time::timeout(HTTP_BOUND, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{path} on port {port}: no answer within {HTTP_BOUND:?}"
            ))
        })
}

/// The first of `count` consecutive loopback ports that are free when asked, below the
/// ephemeral range (Linux: from 32768), so that a node restarted on its ports does not
/// find one taken by a client connection or another test's `free_port`.
pub fn consecutive_free_ports(count: u16) -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let seed = u64::from(std::process::id()) * 7919
        + u64::from(NEXT.fetch_add(1, Ordering::Relaxed)) * 104_729
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::from(d.subsec_nanos()));
    for attempt in 0..200u64 {
        let offset = (seed + attempt * 613) % 12_000;
        let first = 20_000 + u16::try_from(offset).expect("below 12000");
        let held: Option<Vec<TcpListener>> = (0..count)
            .map(|k| {
                let port = first.checked_add(k)?;
                TcpListener::bind(("127.0.0.1", port)).ok()
            })
            .collect();
        if held.is_some() {
            return first;
        }
    }
    panic!("no {count} consecutive free ports below 32000 in 200 tries");
}

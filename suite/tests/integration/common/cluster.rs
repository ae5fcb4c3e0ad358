//! A cluster of nats-servers on 127.0.0.1: each routes to all the others.

use std::time::{Duration, Instant};

use async_nats::ConnectOptions;
use futures_util::StreamExt as _;

use super::nats_server::{free_port, RunningServer, ServerBinary};

/// How long the routes may take to form.
const FORM_BOUND: Duration = Duration::from_secs(15);

/// Running servers routed to each other; each is killed when dropped.
pub struct Cluster {
    pub nodes: Vec<RunningServer>,
}

impl Cluster {
    /// Starts `size` servers of `binary`, each with `config` and a `cluster` block routing
    /// it to the others, and waits (bounded) until a message published on any node reaches
    /// a subscriber on any other. `probe` are the options of a client that may connect to
    /// every node and publish and subscribe to `probe.>`.
    pub async fn start(
        binary: &ServerBinary,
        size: usize,
        config: &str,
        probe: impl Fn() -> ConnectOptions,
    ) -> Cluster {
        let route_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let mut nodes = Vec::with_capacity(size);
        for (index, port) in route_ports.iter().enumerate() {
            let routes: Vec<String> = route_ports
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != index)
                .map(|(_, other)| format!("\"nats-route://127.0.0.1:{other}\""))
                .collect();
            let node_config = format!(
                "{config}\ncluster {{\n  name: natsjwt-test\n  listen: \"127.0.0.1:{port}\"\n  routes: [{}]\n}}\n",
                routes.join(", ")
            );
            nodes.push(RunningServer::start(binary, &node_config).await);
        }
        let cluster = Cluster { nodes };
        cluster.wait_formed(probe).await;
        cluster
    }

    /// Waits until every node hears what every other node publishes.
    async fn wait_formed(&self, probe: impl Fn() -> ConnectOptions) {
        let mut clients = Vec::new();
        for node in &self.nodes {
            let client = probe()
                .connect(node.url())
                .await
                .unwrap_or_else(|e| panic!("the probe must connect to {}: {e:?}", node.url()));
            clients.push(client);
        }
        let deadline = Instant::now() + FORM_BOUND;
        for (to, listener) in clients.iter().enumerate() {
            let subject = format!("probe.{to}");
            let mut heard = listener.subscribe(subject.clone()).await.unwrap();
            listener.flush().await.unwrap();
            for (from, speaker) in clients.iter().enumerate().filter(|(from, _)| *from != to) {
                loop {
                    assert!(
                        Instant::now() < deadline,
                        "the cluster did not form within {FORM_BOUND:?}: node {from} is not heard on node {to}"
                    );
                    speaker.publish(subject.clone(), "".into()).await.unwrap();
                    speaker.flush().await.unwrap();
                    if tokio::time::timeout(Duration::from_millis(100), heard.next())
                        .await
                        .is_ok()
                    {
                        // Drain what earlier attempts may still deliver.
                        while tokio::time::timeout(Duration::from_millis(20), heard.next())
                            .await
                            .is_ok()
                        {}
                        break;
                    }
                }
            }
        }
    }
}

//! Two `auth_callout` example processes in one queue group, on a 3-node nats-server
//! cluster in config mode (routes on 127.0.0.1): clients of every node get in, and after
//! one instance is killed new connections on every node still do.
use std::time::{Duration, Instant};

use natsjwt::KeyPair;

use crate::common::callout::{
    CONFIG_SERVICE_USER, CalloutService, USERS, args, at_file, callout_server, config_mode_config,
    login, secret_file,
};
use crate::common::client::connect_with;
use crate::common::cluster::Cluster;
use crate::common::nats_server::TempDir;

#[tokio::test]
async fn callout_instances_share_a_cluster() {
    let Some(binary) = callout_server() else {
        return;
    };
    let issuer = KeyPair::new_account().unwrap();
    let config = config_mode_config(issuer.public_key().as_str(), None);
    let (user, password) = CONFIG_SERVICE_USER;
    let cluster = Cluster::start(&binary, 3, &config).await;

    let dir = TempDir::new("callout-cluster");
    let issuer_seed = at_file(&dir, "issuer.nk", issuer.seed().expose());
    let users = secret_file(&dir, "users.json", USERS);
    let instance = |node: usize| {
        CalloutService::start(&args(&[
            ("server", cluster.server(node).url()),
            ("user", user.to_owned()),
            ("password", password.to_owned()),
            ("account", issuer.public_key().to_string()),
            ("issuer-seed", issuer_seed.clone()),
            ("config-account", "APP".to_owned()),
            ("queue", "cluster-auth".to_owned()),
            ("users", users.clone()),
        ]))
    };
    let mut first = instance(0);
    let mut second = instance(1);
    first.expect_line("ready").await;
    second.expect_line("ready").await;
    // "ready" follows a flush of the instance's socket, not its subscription being in
    // place: connect on the second instance's own node (which prefers it) until the
    // second instance answers (bounded).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        connect_with(cluster.server(1), login("alice", "wonderland"))
            .await
            .unwrap_or_else(|e| panic!("alice on n2 must connect: {e:?}"));
        let by_second = tokio::select! {
            line = first.next_line() => { assert_eq!(line, "allowed alice"); false }
            line = second.next_line() => { assert_eq!(line, "allowed alice"); true }
        };
        if by_second {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second instance never answered"
        );
    }

    // Each node prefers the instance connected to it; the third has none of its own.
    let mut answered = [0usize; 2];
    for round in 0..4 {
        for node in cluster.servers() {
            connect_with(node, login("alice", "wonderland"))
                .await
                .unwrap_or_else(|e| {
                    panic!("round {round}: alice on {} must connect: {e:?}", node.url())
                });
            let line = tokio::select! {
                line = first.next_line() => { answered[0] += 1; line }
                line = second.next_line() => { answered[1] += 1; line }
            };
            assert_eq!(line, "allowed alice");
        }
    }
    assert!(
        answered.iter().all(|count| *count > 0),
        "both instances answer: {answered:?}"
    );

    // One instance gone: the other answers the clients of every node. Its node sees the
    // connection close and the routes carry that to the others within milliseconds; a
    // client that connected in between would wait out its timeout and try again.
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 0..2 {
        for node in cluster.servers() {
            connect_with(node, login("bob", "builder"))
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "round {round} after the kill: bob on {} must connect: {e:?}",
                        node.url()
                    )
                });
            second.expect_line("allowed bob").await;
        }
    }
}

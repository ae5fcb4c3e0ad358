//! What a connected user may do: publish/subscribe permissions, queue groups, responses,
//! and the subscription and payload limits, on every nats-server found.
use crate::common::client::{connected, expect_message};
use crate::common::nats_server::on_each_server;
use crate::common::world::{Account, Operator};
use futures_util::StreamExt as _;
use natsjwt::types::{GoDuration, ResponsePermission};

#[tokio::test]
async fn publish_permissions_allow_and_deny() {
    on_each_server("publish_permissions_allow_and_deny", |binary| async move {
        let operator = Operator::new();
        let account = Account::new("APP");
        let publisher = account.user("publisher", |u| {
            u.nats.permissions.publish.allow.push("orders.>".into());
            u.nats.permissions.publish.deny.push("orders.secret".into());
        });
        let observer = account.user("observer", |_| {});
        let server = operator.start_server(&binary, &[&account]).await;

        let observer = connected(&server, &observer.creds, "the observer").await;
        let mut seen = observer.subscribe_synced(">").await;
        let mut publisher = connected(&server, &publisher.creds, "the publisher").await;

        publisher.publish("orders.new", "allowed").await;
        expect_message(&mut seen, "orders.new", "allowed").await;
        publisher.round_trip_under("orders.").await;
        publisher.assert_no_server_error().await;

        publisher.publish("orders.secret", "denied").await;
        publisher
            .expect_permission_violation("Publish", "orders.secret")
            .await;
        publisher.publish("billing.new", "not allowed").await;
        publisher
            .expect_permission_violation("Publish", "billing.new")
            .await;
        // Neither refused message was delivered: the next one the observer sees is this.
        publisher.publish("orders.sentinel", "sentinel").await;
        expect_message(&mut seen, "orders.sentinel", "sentinel").await;
    })
    .await;
}

#[tokio::test]
async fn subscribe_permissions_allow_and_deny() {
    on_each_server(
        "subscribe_permissions_allow_and_deny",
        |binary| async move {
            let operator = Operator::new();
            let account = Account::new("APP");
            let subscriber = account.user("subscriber", |u| {
                u.nats.permissions.subscribe.allow.push("feed.>".into());
                u.nats
                    .permissions
                    .subscribe
                    .deny
                    .push("feed.private".into());
            });
            let publisher = account.user("publisher", |_| {});
            let server = operator.start_server(&binary, &[&account]).await;

            let mut subscriber = connected(&server, &subscriber.creds, "the subscriber").await;
            let publisher = connected(&server, &publisher.creds, "the publisher").await;

            let mut feed = subscriber.subscribe("feed.>").await;
            subscriber.round_trip_under("feed.").await;
            subscriber.assert_no_server_error().await;
            let _other = subscriber.subscribe("other").await;
            subscriber
                .expect_permission_violation("Subscription", "other")
                .await;
            let _private = subscriber.subscribe("feed.private").await;
            subscriber
                .expect_permission_violation("Subscription", "feed.private")
                .await;

            publisher.publish("feed.public", "one").await;
            expect_message(&mut feed, "feed.public", "one").await;
            // The wildcard subscription does not receive the denied subject.
            publisher.publish("feed.private", "hidden").await;
            publisher.publish("other", "hidden").await;
            publisher.publish("feed.sentinel", "sentinel").await;
            expect_message(&mut feed, "feed.sentinel", "sentinel").await;
        },
    )
    .await;
}

#[tokio::test]
async fn queue_group_permissions() {
    on_each_server("queue_group_permissions", |binary| async move {
        let operator = Operator::new();
        let account = Account::new("APP");
        let worker = account.user("worker", |u| {
            // "<subject> <queue>": only in the queue group `workers`.
            u.nats
                .permissions
                .subscribe
                .allow
                .push("jobs.> workers".into());
        });
        let publisher = account.user("publisher", |_| {});
        let server = operator.start_server(&binary, &[&account]).await;

        let mut worker = connected(&server, &worker.creds, "the worker").await;
        let publisher = connected(&server, &publisher.creds, "the publisher").await;

        let mut jobs = worker.queue_subscribe("jobs.>", "workers").await;
        // Its own message through the queue subscription: a round trip.
        worker.publish("jobs.own", "own").await;
        expect_message(&mut jobs, "jobs.own", "own").await;
        worker.assert_no_server_error().await;
        let _plain = worker.subscribe("jobs.>").await;
        worker
            .expect_permission_violation("Subscription", "jobs.>")
            .await;
        let _other_queue = worker.queue_subscribe("jobs.>", "others").await;
        let error = worker.expect_server_error().await;
        assert_eq!(
            error.to_lowercase(),
            r#"permissions violation for subscription to "jobs.>" using queue "others""#
        );

        publisher.publish("jobs.1", "work").await;
        expect_message(&mut jobs, "jobs.1", "work").await;
    })
    .await;
}

#[tokio::test]
async fn response_permission_allows_one_reply() {
    on_each_server(
        "response_permission_allows_one_reply",
        |binary| async move {
            let operator = Operator::new();
            let account = Account::new("APP");
            let responder = account.user("responder", |u| {
                u.nats.permissions.subscribe.allow.push("svc.echo".into());
                u.nats.permissions.response = Some(ResponsePermission {
                    max: 1,
                    ttl: GoDuration(60_000_000_000),
                });
            });
            let requester = account.user("requester", |_| {});
            let server = operator.start_server(&binary, &[&account]).await;

            let mut responder = connected(&server, &responder.creds, "the responder").await;
            let requester = connected(&server, &requester.creds, "the requester").await;
            let mut requests = responder.subscribe("svc.echo").await;
            // The responder may publish nothing but replies; the refusal also shows that the
            // server has processed the subscription before the request comes.
            responder.publish("svc.echo", "not a reply").await;
            responder
                .expect_permission_violation("Publish", "svc.echo")
                .await;

            let inbox = requester.client.new_inbox();
            let mut replies = requester.subscribe(&inbox).await;
            requester
                .client
                .publish_with_reply("svc.echo", inbox.clone(), "ping".into())
                .await
                .unwrap();
            requester.flush().await;
            let request = tokio::time::timeout(crate::common::client::WAIT, requests.next())
                .await
                .expect("the request arrives")
                .expect("a request");
            let reply_to = request
                .reply
                .expect("the request has a reply subject")
                .to_string();
            assert_eq!(reply_to, inbox);

            responder.publish(&reply_to, "pong").await;
            expect_message(&mut replies, &inbox, "pong").await;
            responder.assert_no_server_error().await;
            // `resp` allows one reply (max 1), and no other publish at all.
            responder.publish(&reply_to, "again").await;
            responder
                .expect_permission_violation("Publish", &reply_to)
                .await;
            responder.publish("svc.elsewhere", "no").await;
            responder
                .expect_permission_violation("Publish", "svc.elsewhere")
                .await;
        },
    )
    .await;
}

#[tokio::test]
async fn subscription_limit_is_enforced() {
    on_each_server("subscription_limit_is_enforced", |binary| async move {
        let operator = Operator::new();
        let account = Account::new("APP");
        let user = account.user("limited", |u| u.nats.limits.subs = 2);
        let server = operator.start_server(&binary, &[&account]).await;

        let mut connection = connected(&server, &user.creds, "a user with subs = 2").await;
        let mut first = connection.subscribe("one").await;
        let mut second = connection.subscribe("two").await;
        connection.publish("two", "round trip").await;
        expect_message(&mut second, "two", "round trip").await;
        connection.assert_no_server_error().await;
        let _third = connection.subscribe("three").await;
        let error = connection.expect_server_error().await;
        assert_eq!(error.to_lowercase(), "maximum subscriptions exceeded");
        // The connection stays up with its first two subscriptions.
        connection.publish("one", "still here").await;
        expect_message(&mut first, "one", "still here").await;
    })
    .await;
}

#[tokio::test]
async fn payload_limit_is_enforced() {
    on_each_server("payload_limit_is_enforced", |binary| async move {
        let operator = Operator::new();
        let account = Account::new("APP");
        let user = account.user("limited", |u| u.nats.limits.payload = 16);
        let observer = account.user("observer", |_| {});
        let server = operator.start_server(&binary, &[&account]).await;

        let observer = connected(&server, &observer.creds, "the observer").await;
        let mut seen = observer.subscribe_synced("data").await;
        let mut connection = connected(&server, &user.creds, "a user with payload = 16").await;
        connection.publish("data", "sixteen bytes!!!").await;
        expect_message(&mut seen, "data", "sixteen bytes!!!").await;
        connection
            .client
            .publish("data", "seventeen bytes!!".into())
            .await
            .unwrap();
        let error = connection.expect_server_error().await;
        assert_eq!(error.to_lowercase(), "maximum payload violation");
        // The oversized message was not delivered.
        observer.publish("data", "sentinel").await;
        expect_message(&mut seen, "data", "sentinel").await;
    })
    .await;
}

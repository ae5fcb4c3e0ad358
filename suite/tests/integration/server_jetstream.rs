//! JetStream on a real nats-server 2.14 (one server, operator mode, full resolver): the
//! `Permissions::allow_jetstream` preset, with the default and with a custom inbox prefix,
//! and an account's R1 tier enforced as `ReplicaTier` documents it.
//!
//! R3 cannot be tested here: a single server refuses every stream with more than one
//! replica (10074) before it checks a tier's storage, so the R3 tier's per-replica
//! counting is left to a test on a 3-node cluster (another issue's).
use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, PushConsumer, pull, push};
use async_nats::jetstream::context::{CreateStreamError, CreateStreamErrorKind};
use async_nats::jetstream::stream::{self, StorageType};
use async_nats::jetstream::{self, Context};
use futures_util::StreamExt as _;
use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier};

use crate::common::client::{Connection, WAIT, connect_with, connected, stream_refusal};
use crate::common::nats_server::{RunningServer, ServerBinary, TempDir, servers};
use crate::common::peers;
use crate::common::world::{Account, Operator, Resolver, User};

/// How long a request the server will not answer is waited for.
const UNANSWERED: Duration = Duration::from_millis(300);
/// The R1 tier's disk storage.
const R1_DISK: ByteSize = ByteSize::mib(8);

/// The newest server found that is 2.14 or later, or `None` (reported).
fn jetstream_server() -> Option<ServerBinary> {
    let newest = servers()
        .into_iter()
        .filter(|binary| binary.at_least(2, 14))
        .max_by_key(|binary| binary.version);
    if newest.is_none() {
        peers::missing(
            "nats-server >= 2.14",
            "the JetStream tests need it (scripts/install-nats-servers.sh installs 2.14)",
        );
    }
    newest
}

/// The account `ACME`: JetStream by tier, R1 with [`R1_DISK`] and R3 (unused on one
/// server), both requiring `max_bytes`.
fn tenant() -> Account {
    let mut account = Account::new("ACME");
    let limits = &mut account.claims.nats.limits;
    limits.set_tier(
        ReplicaTier::R1,
        JetStreamLimits {
            disk_storage: R1_DISK.into(),
            streams: 10,
            max_bytes_required: true,
            ..Default::default()
        },
    );
    limits.set_tier(
        ReplicaTier::R3,
        JetStreamLimits {
            disk_storage: ByteSize::gib(1).into(),
            streams: 5,
            max_bytes_required: true,
            ..Default::default()
        },
    );
    account
}

/// Starts `binary` with JetStream on, trusting `operator` and `account` (full resolver).
async fn start(binary: &ServerBinary, operator: &Operator, account: &Account) -> RunningServer {
    let dir = TempDir::new("jetstream");
    let store = dir.path().join("store");
    let accounts = dir.path().join("accounts");
    std::fs::create_dir_all(&accounts).unwrap();
    let config = operator.config(
        &Resolver::Full {
            dir: accounts.display().to_string(),
        },
        &[operator.sign(account)],
        &format!("jetstream {{ store_dir: \"{}\" }}", store.display()),
    );
    RunningServer::start_in(binary, dir, &config).await
}

/// A user working on `acme.>`, with the JetStream preset.
fn jetstream_user(account: &Account, name: &str) -> User {
    account.user(name, |u| {
        let permissions = &mut u.nats.permissions;
        permissions.publish.allow.push("acme.>".into());
        permissions.subscribe.allow.push("acme.>".into());
        permissions.allow_jetstream();
    })
}

/// A JetStream context whose requests wait at most `timeout`.
fn context(connection: &Connection, timeout: Duration) -> Context {
    let mut js = jetstream::new(connection.client.clone());
    js.set_timeout(timeout);
    js
}

/// A file stream `name` on `acme.<name>.>` with `replicas` replicas and `max_bytes`.
fn file_stream(name: &str, replicas: usize, max_bytes: i64) -> stream::Config {
    stream::Config {
        name: name.into(),
        subjects: vec![format!("acme.{}.>", name.to_lowercase())],
        storage: StorageType::File,
        num_replicas: replicas,
        max_bytes,
        ..Default::default()
    }
}

/// The server's refusal of a stream create, as async-nats shows it (description, HTTP-like
/// code, JetStream error code).
fn refusal(result: Result<stream::Stream, CreateStreamError>) -> String {
    stream_refusal(result).to_string()
}

/// Asserts that a stream create got no answer.
fn assert_timed_out(result: Result<stream::Stream, CreateStreamError>) {
    assert!(
        matches!(
            result.as_ref().map_err(|e| e.kind()),
            Err(CreateStreamErrorKind::TimedOut)
        ),
        "expected no answer, got {result:?}"
    );
}

/// Publishes `payload` on `subject` and returns the stream sequence the server acknowledged.
async fn publish(js: &Context, subject: &str, payload: &'static str) -> u64 {
    let ack = js
        .publish(subject.to_owned(), payload.into())
        .await
        .expect("publish sent")
        .await
        .expect("publish acknowledged");
    ack.sequence
}

/// Pulls the next message of a new durable consumer on `stream` and acknowledges it,
/// waiting for the server to confirm the ack; returns its subject and payload.
async fn pull_and_ack(js: &Context, stream: &str) -> (String, String) {
    let stream = js.get_stream(stream).await.expect("the stream exists");
    let mut consumer: PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("reader".into()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .expect("consumer created");
    let mut batch = consumer
        .fetch()
        .max_messages(1)
        .messages()
        .await
        .expect("fetch requested");
    let message = tokio::time::timeout(WAIT, batch.next())
        .await
        .expect("a message within the bound")
        .expect("the batch has a message")
        .expect("a message, not an error");
    // A double ack is a request on the message's `$JS.ACK.…` reply: it returns once the
    // server confirmed it.
    message.double_ack().await.expect("ack confirmed");
    let info = consumer.info().await.expect("consumer info");
    assert_eq!(info.num_ack_pending, 0, "the ack was taken");
    assert_eq!(info.ack_floor.stream_sequence, 1);
    (
        message.subject.to_string(),
        String::from_utf8_lossy(&message.payload).into_owned(),
    )
}

#[tokio::test]
async fn preset_user_uses_jetstream_in_the_r1_tier() {
    let Some(binary) = jetstream_server() else {
        return;
    };
    let operator = Operator::new();
    let account = tenant();
    let alice = jetstream_user(&account, "alice");
    let server = start(&binary, &operator, &account).await;
    let mut alice = connected(&server, &alice.creds, "a user with the preset").await;
    let js = context(&alice, WAIT);

    let created = js
        .create_stream(file_stream("ORDERS", 1, ByteSize::mib(1).get()))
        .await
        .expect("an R1 stream within the tier is created");
    assert_eq!(created.cached_info().config.max_bytes, 1 << 20);
    assert_eq!(publish(&js, "acme.orders.new", "first").await, 1);
    assert_eq!(
        pull_and_ack(&js, "ORDERS").await,
        ("acme.orders.new".to_owned(), "first".to_owned())
    );

    // The R1 tier counts the stream and its reservation.
    let usage = js.query_account().await.expect("account info");
    let r1 = &usage.tiers["R1"];
    assert_eq!((r1.streams, r1.reserved_storage), (1, 1 << 20), "{usage:?}");
    assert_eq!(r1.limits.max_storage, Some(R1_DISK.get()));
    alice.assert_no_server_error().await;
}

#[tokio::test]
async fn r1_tier_storage_is_enforced() {
    let Some(binary) = jetstream_server() else {
        return;
    };
    let operator = Operator::new();
    let account = tenant();
    let alice = jetstream_user(&account, "alice");
    let server = start(&binary, &operator, &account).await;
    let alice = connected(&server, &alice.creds, "a user with the preset").await;
    let js = context(&alice, WAIT);
    let storage_refused = "insufficient storage resources available (code 500, error code 10047)";

    // One byte more than the tier holds.
    let too_big = file_stream("BIG", 1, R1_DISK.get() + 1);
    assert_eq!(refusal(js.create_stream(too_big).await), storage_refused);

    // Reservations add up: two halves fill the tier, then one byte more is refused.
    let half = R1_DISK.get() / 2;
    for name in ["HALF1", "HALF2"] {
        js.create_stream(file_stream(name, 1, half))
            .await
            .unwrap_or_else(|e| panic!("{name} fits the tier: {e}"));
    }
    let one_more = file_stream("ONEMORE", 1, 1);
    assert_eq!(refusal(js.create_stream(one_more).await), storage_refused);

    // The tier requires `max_bytes`.
    assert_eq!(
        refusal(js.create_stream(file_stream("UNBOUNDED", 1, 0)).await),
        "account requires a stream config to have max bytes set (code 400, error code 10113)"
    );
    // R3 on one server: refused before the tier's storage is checked.
    assert_eq!(
        refusal(
            js.create_stream(file_stream("REPLICATED", 3, 1 << 20))
                .await
        ),
        "replicas > 1 not supported in non-clustered mode (code 500, error code 10074)"
    );
}

#[tokio::test]
async fn user_without_the_preset_cannot_use_jetstream() {
    let Some(binary) = jetstream_server() else {
        return;
    };
    let operator = Operator::new();
    let account = tenant();
    let alice = jetstream_user(&account, "alice");
    let bob = account.user("bob", |u| {
        let permissions = &mut u.nats.permissions;
        permissions.publish.allow.push("acme.>".into());
        permissions.subscribe.allow.push("acme.>".into());
        permissions.subscribe.allow.push("_INBOX.>".into());
    });
    let server = start(&binary, &operator, &account).await;
    let mut bob = connected(&server, &bob.creds, "a user without the preset").await;

    // The request is refused by the server's permissions, so it is never answered.
    let refused = context(&bob, UNANSWERED)
        .create_stream(file_stream("ORDERS", 1, 1 << 20))
        .await;
    bob.expect_permission_violation("Publish", "$JS.API.STREAM.CREATE.ORDERS")
        .await;
    assert_timed_out(refused);
    // Nothing was created.
    let alice = connected(&server, &alice.creds, "a user with the preset").await;
    let usage = context(&alice, WAIT)
        .query_account()
        .await
        .expect("account info");
    assert_eq!(usage.streams, 0);
}

#[tokio::test]
async fn preset_with_a_custom_inbox_prefix() {
    let Some(binary) = jetstream_server() else {
        return;
    };
    let operator = Operator::new();
    let account = tenant();
    let carol = account.user("carol", |u| {
        let permissions = &mut u.nats.permissions;
        permissions.publish.allow.push("acme.>".into());
        permissions
            .allow_jetstream_with_inbox("_INBOX_carol")
            .expect("a valid prefix");
    });
    assert_eq!(
        carol.claims.nats.permissions.subscribe.allow,
        ["_INBOX_carol.>"]
    );
    let server = start(&binary, &operator, &account).await;

    let options = ConnectOptions::with_credentials(&carol.creds)
        .unwrap()
        .custom_inbox_prefix("_INBOX_carol");
    let mut own_prefix = connect_with(&server, options)
        .await
        .expect("carol connects");
    let js = context(&own_prefix, WAIT);
    js.create_stream(file_stream("ORDERS", 1, 1 << 20))
        .await
        .expect("created through the custom inbox");
    assert_eq!(publish(&js, "acme.orders.new", "first").await, 1);
    assert_eq!(
        pull_and_ack(&js, "ORDERS").await,
        ("acme.orders.new".to_owned(), "first".to_owned())
    );
    own_prefix.assert_no_server_error().await;

    // The same user with the default prefix may not subscribe to its inbox, so it never
    // gets an answer.
    let mut default_prefix = connected(&server, &carol.creds, "carol, default prefix").await;
    let refused = context(&default_prefix, UNANSWERED)
        .create_stream(file_stream("OTHER", 1, 1 << 20))
        .await;
    let error = default_prefix.expect_server_error().await.to_lowercase();
    assert!(
        error.starts_with(r#"permissions violation for subscription to "_inbox."#),
        "{error}"
    );
    assert_timed_out(refused);
}

/// A push consumer's first flow-control window (`JsFlowControlMaxPending / 16` in
/// `server/consumer.go`): the server asks for an answer past half of it and stops
/// delivering past all of it until answered.
const FIRST_WINDOW: usize = 2 << 20;
/// The size of the messages of the stream `BULK`.
const BULK_MESSAGE: usize = 128 << 10;
/// How many: 3 MiB, past the first window.
const BULK_COUNT: usize = 24;

/// Makes a push consumer with flow control on `BULK` for `reader` and counts the messages
/// it delivers within [`WAIT`].
async fn delivered_with_flow_control(reader: &Connection) -> usize {
    let js = context(reader, WAIT);
    let stream = js
        .get_stream("BULK")
        .await
        .expect("the reader sees the stream");
    let consumer: PushConsumer = stream
        .create_consumer(push::Config {
            deliver_subject: reader.client.new_inbox(),
            ack_policy: AckPolicy::None,
            flow_control: true,
            idle_heartbeat: Duration::from_secs(1),
            ..Default::default()
        })
        .await
        .expect("push consumer created");
    let mut messages = consumer.messages().await.expect("subscribed");
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut delivered = 0;
    while delivered < BULK_COUNT {
        match tokio::time::timeout_at(deadline, messages.next()).await {
            Ok(Some(Ok(_))) => delivered += 1,
            Ok(other) => panic!("delivery ended with {other:?}"),
            Err(_) => break,
        }
    }
    delivered
}

#[tokio::test]
async fn push_flow_control_is_answered_on_the_fc_subjects() {
    let Some(binary) = jetstream_server() else {
        return;
    };
    let operator = Operator::new();
    let account = tenant();
    let alice = jetstream_user(&account, "alice");
    // The preset without `$JS.FC.>`.
    let dave = account.user("dave", |u| {
        let permissions = &mut u.nats.permissions;
        permissions.allow_jetstream();
        permissions.publish.allow.retain(|s| s != "$JS.FC.>");
    });
    assert_eq!(
        dave.claims.nats.permissions.publish.allow,
        ["$JS.API.>", "$JS.ACK.>"]
    );
    let server = start(&binary, &operator, &account).await;
    let mut alice = connected(&server, &alice.creds, "a user with the preset").await;
    let js = context(&alice, WAIT);
    js.create_stream(file_stream("BULK", 1, ByteSize::mib(4).get()))
        .await
        .expect("stream created");
    let payload = vec![b'x'; BULK_MESSAGE];
    for n in 0..BULK_COUNT {
        js.publish(format!("acme.bulk.{n}"), payload.clone().into())
            .await
            .expect("publish sent")
            .await
            .expect("publish acknowledged");
    }

    // async-nats answers the flow-control requests: everything is delivered.
    assert_eq!(delivered_with_flow_control(&alice).await, BULK_COUNT);
    alice.assert_no_server_error().await;

    // Without `$JS.FC.>` the answer is refused, and delivery stalls.
    let mut dave = connected(&server, &dave.creds, "a user without $JS.FC.>").await;
    let delivered = delivered_with_flow_control(&dave).await;
    assert_eq!(
        delivered,
        FIRST_WINDOW / BULK_MESSAGE,
        "delivered before the stall"
    );
    let error = dave.expect_server_error().await.to_lowercase();
    assert!(
        error.starts_with(r#"permissions violation for publish to "$js.fc."#),
        "{error}"
    );
}

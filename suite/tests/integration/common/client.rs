//! Connecting to a test server with `async-nats`, and asserting what the server did.
//!
//! Every wait is bounded by [`WAIT`]. Outcomes are asserted exactly: a refused connection
//! must fail with `AuthorizationViolation`, a refused operation must produce the server's
//! permissions-violation error, and "nothing delivered" is shown by a sentinel message sent
//! after the refused one arriving first (one publisher, one subscriber: order is kept).
//! async-nats' `flush` only flushes the socket, so where order across two connections
//! matters (subscribe here, publish there) the subscriber makes a round trip first.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::context::{Context, CreateStreamError, CreateStreamErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream;
use async_nats::{ConnectError, ConnectErrorKind, ConnectOptions, Event, ServerError, Subscriber};
use futures_util::StreamExt as _;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::mpsc;

use super::nats_server::RunningServer;

/// The token that marks the harness's own round-trip subjects.
const ROUND_TRIP_TOKEN: &str = "round-trip";

/// The bound on every wait for something the server should do.
pub const WAIT: Duration = Duration::from_secs(2);
/// How long a leader may take to be elected again after its node died.
pub const FAILOVER: Duration = Duration::from_secs(20);
/// The bound on one request during a failover (retried until [`FAILOVER`]).
pub const ATTEMPT: Duration = Duration::from_millis(500);

/// A connected client and the events the server sent it.
pub struct Connection {
    pub client: async_nats::Client,
    events: mpsc::UnboundedReceiver<Event>,
}

/// Options shared by every test connection: short timeouts, no reconnect storms, no wait
/// before the first attempt, and events collected for [`Connection::expect_server_error`].
fn base_options(options: ConnectOptions) -> (ConnectOptions, mpsc::UnboundedReceiver<Event>) {
    let (sender, events) = mpsc::unbounded_channel();
    let options = options
        .connection_timeout(WAIT)
        .request_timeout(Some(WAIT))
        .max_reconnects(1)
        // async-nats waits this long before every attempt, the first one included: a
        // delay there would be paid by every connection a test makes.
        .reconnect_delay_callback(|attempts| {
            if attempts <= 1 {
                Duration::ZERO
            } else {
                Duration::from_millis(100)
            }
        })
        .ignore_discovered_servers()
        .event_callback(move |event| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(event);
            }
        });
    (options, events)
}

/// Connects with `options` (plus the shared ones).
pub async fn connect_with(
    server: &RunningServer,
    options: ConnectOptions,
) -> Result<Connection, ConnectError> {
    let (options, events) = base_options(options);
    let client = options.connect(server.url()).await?;
    Ok(Connection { client, events })
}

/// Connects with the text of a `.creds` file (the nonce is signed with its seed).
pub async fn connect_creds(
    server: &RunningServer,
    creds: &str,
) -> Result<Connection, ConnectError> {
    let options = ConnectOptions::with_credentials(creds).expect("creds the crate wrote parse");
    connect_with(server, options).await
}

/// Connects with `creds`, which the server must accept.
pub async fn connected(server: &RunningServer, creds: &str, what: &str) -> Connection {
    match connect_creds(server, creds).await {
        Ok(connection) => connection,
        Err(e) => panic!("{}: {what} must connect, got {e:?}", server.binary),
    }
}

/// Asserts that `result` is the server refusing the connection with an authorization error.
pub fn assert_authorization_violation(
    server: &RunningServer,
    result: Result<Connection, ConnectError>,
    what: &str,
) {
    match result {
        Ok(_) => panic!(
            "{}: {what} must be refused, but it connected",
            server.binary
        ),
        Err(e) => assert_eq!(
            e.kind(),
            ConnectErrorKind::AuthorizationViolation,
            "{}: {what} must be refused with an authorization violation, got {e:?}",
            server.binary
        ),
    }
}

/// Connects with `creds`, which the server must refuse with an authorization error.
pub async fn refused(server: &RunningServer, creds: &str, what: &str) {
    assert_authorization_violation(server, connect_creds(server, creds).await, what);
}

/// Waits (at most `bound`) until `creds` are refused by `server` (a server that is
/// catching up accepts them a while); returns how long it took.
pub async fn refused_within(server: &RunningServer, creds: &str, bound: Duration) -> Duration {
    let started = Instant::now();
    loop {
        match connect_creds(server, creds).await {
            Err(_) => return started.elapsed(),
            Ok(connection) => drop(connection),
        }
        assert!(
            started.elapsed() < bound,
            "still accepted after {bound:?} on {}",
            server.url()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The server's refusal of a stream create (panics when the stream was created or the
/// server did not answer).
pub fn stream_refusal(
    result: Result<async_nats::jetstream::stream::Stream, CreateStreamError>,
) -> async_nats::jetstream::Error {
    match result {
        Ok(created) => panic!(
            "created {:?}, expected a refusal",
            created.cached_info().config.name
        ),
        Err(e) => match e.kind() {
            CreateStreamErrorKind::JetStream(error) => error,
            other => panic!("expected the server's refusal, got {other:?}"),
        },
    }
}

/// Creates the stream `config` describes, which must be accepted, retrying for up to
/// [`FAILOVER`] while a cluster is not ready for it: JetStream is enabled for an account
/// a moment after the push, a cluster that has just formed elects its meta leader first
/// (over 2 s on a busy machine), and places a replicated stream only once that leader
/// sees the peers online (until then: 10005, no suitable peers, peer offline).
pub async fn create_stream_when_ready(js: &Context, config: stream::Config) -> stream::Stream {
    let deadline = Instant::now() + FAILOVER;
    loop {
        match js.create_stream(config.clone()).await {
            Ok(stream) => return stream,
            Err(e) if Instant::now() > deadline => panic!(
                "{} (R{}, {} bytes) not created within {FAILOVER:?}: {e}",
                config.name, config.num_replicas, config.max_bytes
            ),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Publishes `payload` on `subject` with the message id `id` (so that a retried publish is
/// stored once), retrying until a leader acknowledges it; returns its sequence.
pub async fn publish_until_stored(
    js: &Context,
    subject: &str,
    id: &str,
    payload: &'static str,
) -> u64 {
    let deadline = Instant::now() + FAILOVER;
    loop {
        let publish = PublishMessage::build()
            .message_id(id)
            .payload(payload.into());
        let ack = match js.send_publish(subject.to_owned(), publish).await {
            Ok(ack) => tokio::time::timeout(ATTEMPT, ack)
                .await
                .ok()
                .and_then(Result::ok),
            Err(_) => None,
        };
        if let Some(ack) = ack {
            return ack.sequence;
        }
        assert!(
            Instant::now() < deadline,
            "{subject} not stored within {FAILOVER:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Connection {
    /// Waits (at most [`WAIT`]) for the next error the server sends, skipping other events.
    pub async fn expect_server_error(&mut self) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::ServerError(ServerError::Other(text)))) => return text,
                Ok(Some(Event::ServerError(ServerError::AuthorizationViolation))) => {
                    return "authorization violation".into();
                }
                Ok(Some(other)) => seen.push(other.to_string()),
                Ok(None) | Err(_) => {
                    panic!("no server error within {WAIT:?}; events seen: {seen:?}")
                }
            }
        }
    }

    /// Waits for the server's permissions-violation error for `operation` ("Publish" or
    /// "Subscription") on `subject`.
    pub async fn expect_permission_violation(&mut self, operation: &str, subject: &str) {
        let error = self.expect_server_error().await;
        assert_eq!(
            error.to_lowercase(),
            format!("permissions violation for {operation} to \"{subject}\"").to_lowercase(),
            "expected a {operation} permissions violation on {subject}"
        );
    }

    /// Asserts that the server sent no error so far. Call it after a round trip (or a
    /// delivery the server made for this connection), so that an error would have come.
    pub async fn assert_no_server_error(&mut self) {
        // Events reach us through async-nats' callback task: give it a moment.
        tokio::time::sleep(Duration::from_millis(50)).await;
        while let Ok(event) = self.events.try_recv() {
            assert!(
                !matches!(event, Event::ServerError(_)),
                "unexpected server error: {event}"
            );
        }
    }

    /// Publishes and flushes the socket. That is not a round trip: async-nats' flush
    /// does not wait for the server (see [`Connection::round_trip`]).
    pub async fn publish(&self, subject: &str, payload: &'static str) {
        self.client
            .publish(subject.to_owned(), payload.into())
            .await
            .expect("publish queued");
        self.flush().await;
    }

    /// Flushes the socket, bounded.
    pub async fn flush(&self) {
        tokio::time::timeout(WAIT, self.client.flush())
            .await
            .expect("flush within the bound")
            .expect("flush");
    }

    /// A round trip: a message to itself on a subject this user may subscribe and publish
    /// to. When it returns, the server has processed everything this connection sent
    /// before (it handles a connection's commands in order).
    ///
    /// The subject is `<prefix>round-trip.<n>`, the prefix putting it where the user's
    /// permissions allow; [`next_message`] skips such subjects, so a wider subscription
    /// that also sees them is not disturbed.
    pub async fn round_trip_under(&self, prefix: &str) {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let subject = format!(
            "{prefix}{ROUND_TRIP_TOKEN}.{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut echo = self.subscribe(&subject).await;
        self.publish(&subject, "round trip").await;
        match tokio::time::timeout(WAIT, echo.next()).await {
            Ok(Some(message)) => assert_eq!(message.subject.as_str(), subject),
            _ => panic!("no round trip on {subject} within {WAIT:?}"),
        }
        echo.unsubscribe().await.expect("unsubscribe");
    }

    /// A round trip for a user without restrictions.
    pub async fn round_trip(&self) {
        self.round_trip_under("").await;
    }

    /// Subscribes (the server may not have seen it yet: see [`Connection::subscribe_synced`]).
    pub async fn subscribe(&self, subject: &str) -> Subscriber {
        let subscriber = self
            .client
            .subscribe(subject.to_owned())
            .await
            .expect("subscribe queued");
        self.flush().await;
        subscriber
    }

    /// Subscribes, with a round trip so that the subscription is in place on the server
    /// before another connection publishes (a user without restrictions).
    pub async fn subscribe_synced(&self, subject: &str) -> Subscriber {
        let subscriber = self.subscribe(subject).await;
        self.round_trip().await;
        subscriber
    }

    /// Queue-subscribes (not synced).
    pub async fn queue_subscribe(&self, subject: &str, queue: &str) -> Subscriber {
        let subscriber = self
            .client
            .queue_subscribe(subject.to_owned(), queue.to_owned())
            .await
            .expect("queue subscribe queued");
        self.flush().await;
        subscriber
    }
}

/// The next message on `subscriber` within [`WAIT`] (its subject and payload), skipping
/// the harness's round-trip messages.
pub async fn next_message(subscriber: &mut Subscriber) -> Option<(String, String)> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, subscriber.next()).await {
            Ok(Some(message)) => {
                if message
                    .subject
                    .split('.')
                    .any(|token| token == ROUND_TRIP_TOKEN)
                {
                    continue;
                }
                return Some((
                    message.subject.to_string(),
                    String::from_utf8_lossy(&message.payload).into_owned(),
                ));
            }
            Ok(None) => panic!("the subscription ended before a message arrived"),
            Err(_) => return None,
        }
    }
}

/// Asserts that the next message on `subscriber` is `payload` on `subject`.
pub async fn expect_message(subscriber: &mut Subscriber, subject: &str, payload: &str) {
    match next_message(subscriber).await {
        Some(message) => assert_eq!(
            message,
            (subject.to_owned(), payload.to_owned()),
            "expected {payload:?} on {subject} next"
        ),
        None => panic!("expected {payload:?} on {subject}; nothing arrived within {WAIT:?}"),
    }
}

/// What a raw CONNECT got from the server: `PONG`, or the `-ERR` line.
pub async fn raw_connect(server: &RunningServer, connect_json: &str) -> Result<(), String> {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
            .await
            .map_err(|e| e.to_string())?;
        let mut stream = BufReader::new(stream);
        let mut line = String::new();
        stream
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        if !line.starts_with("INFO ") {
            return Err(format!("expected INFO, got {line:?}"));
        }
        let command = format!("CONNECT {connect_json}\r\nPING\r\n");
        stream
            .get_mut()
            .write_all(command.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        line.clear();
        stream
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        match line.trim_end() {
            "PONG" => Ok(()),
            other => Err(other.to_owned()),
        }
    };
    tokio::time::timeout(WAIT, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {WAIT:?}")))
}

/// Every value of the KV bucket `bucket` (deleted keys left out), read raw through
/// `client`: what anyone allowed to read the bucket sees.
pub async fn bucket_values(client: &async_nats::Client, bucket: &str) -> Vec<(String, Vec<u8>)> {
    let kv = async_nats::jetstream::new(client.clone())
        .get_key_value(bucket)
        .await
        .expect("the bucket");
    let keys: Vec<String> = kv
        .keys()
        .await
        .expect("listing the bucket's keys")
        .map(|key| key.expect("a key"))
        .collect()
        .await;
    let mut values = Vec::new();
    for key in keys {
        if let Some(value) = kv.get(key.as_str()).await.expect("reading a value") {
            values.push((key, value.to_vec()));
        }
    }
    values
}

/// The servers of the cluster `server` is part of, as the system user of `sys_creds`
/// connected to it sees them (each request collecting replies for `collect`).
pub async fn system_servers(
    server: &RunningServer,
    sys_creds: &str,
    collect: Duration,
) -> natsjwt::resolver::client::Cluster {
    let sys = connected(server, sys_creds, "the system user").await;
    natsjwt::resolver::client::Cluster::discover(sys.client, collect)
        .await
        .expect("the servers answer a ping")
}

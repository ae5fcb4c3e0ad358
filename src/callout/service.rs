//! [`Service`]: a [`Responder`] answering a server's requests over async-nats (feature
//! `callout-service`).
//!
//! The service subscribes to [`AUTH_CALLOUT_SUBJECT`] in a queue group (several
//! instances share the requests: a second instance is one more process with the same
//! options), opens each request, asks the [`Authorizer`], and publishes the answer.
//! At most [`ServiceOptions::workers`] requests are in hand at once. It registers as a
//! NATS micro service, so `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` describe it (the
//! stats' `data` holds the counters of [`ServiceStats`]).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::service::ServiceExt as _;
use futures_util::StreamExt as _;
use tokio::sync::{Semaphore, oneshot};

use super::{
    AUTH_CALLOUT_SUBJECT, AuthRequest, CalloutError, Delegated, Responder, Response,
    SERVER_XKEY_HEADER,
};
use crate::claims::UserClaims;

/// What an [`Authorizer`] decided about a client.
#[derive(Debug)]
#[non_exhaustive]
pub enum Decision {
    /// Let it in as this user, placed as [`Responder::allow`] places it.
    Allow(UserClaims),
    /// Let it in as this user, placed in `account` ([`Responder::allow_in`]).
    AllowIn {
        /// The account (operator mode: its public key; config mode: its name).
        account: String,
        /// The user.
        user: UserClaims,
    },
    /// Refuse it; the reason goes to the server's log, never to the client.
    Deny(String),
    /// Do not answer: the server refuses the client when its wait runs out.
    Drop,
}

/// Decides who may connect. Closures `Fn(Arc<AuthRequest>) -> impl Future<Output =
/// Decision>` are authorizers.
pub trait Authorizer: Send + Sync + 'static {
    /// The decision about the client of `request`, which the service has verified.
    fn authorize(&self, request: Arc<AuthRequest>) -> impl Future<Output = Decision> + Send;
}

impl<F, Fut> Authorizer for F
where
    F: Fn(Arc<AuthRequest>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Decision> + Send,
{
    fn authorize(&self, request: Arc<AuthRequest>) -> impl Future<Output = Decision> + Send {
        self(request)
    }
}

/// How a refusal is answered: a [`Decision::Deny`], a user the responder refuses, a
/// presented JWT that does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DenyAs {
    /// With an error response: the client is refused at once.
    #[default]
    Error,
    /// With no answer: the client is refused when the server's wait runs out, and learns
    /// nothing.
    Drop,
}

/// What became of a request that was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A user JWT was sent.
    Allowed,
    /// An error response was sent, with this reason.
    Denied(String),
    /// No answer was sent.
    Dropped,
}

type ErrorCallback = Arc<dyn Fn(&ServiceError) + Send + Sync>;
type InvalidUserCallback = Arc<dyn Fn(&AuthRequest, &CalloutError) + Send + Sync>;
type OutcomeCallback = Arc<dyn Fn(&AuthRequest, &Outcome) + Send + Sync>;

/// How the service runs: its micro-service name, queue group, workers, refusals and
/// callbacks.
///
/// ```
/// use natsjwt::callout::service::{DenyAs, ServiceOptions};
///
/// let options = ServiceOptions::new()
///     .queue_group("tenant-auth")
///     .workers(8)
///     .deny_as(DenyAs::Drop)
///     .on_error(|error| eprintln!("auth callout: {error}"));
/// assert_eq!(options.queue_group_name(), "tenant-auth");
/// ```
#[derive(Clone)]
pub struct ServiceOptions {
    name: String,
    version: String,
    description: String,
    queue_group: String,
    workers: usize,
    deny_as: DenyAs,
    on_error: Option<ErrorCallback>,
    on_invalid_user: Option<InvalidUserCallback>,
    on_outcome: Option<OutcomeCallback>,
}

impl fmt::Debug for ServiceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceOptions")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("queue_group", &self.queue_group)
            .field("workers", &self.workers)
            .field("deny_as", &self.deny_as)
            .finish_non_exhaustive()
    }
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions::new()
    }
}

/// The default micro-service name and queue group.
pub const DEFAULT_SERVICE_NAME: &str = "auth-callout";

impl ServiceOptions {
    /// Name and queue group [`DEFAULT_SERVICE_NAME`], version this crate's, one worker per
    /// CPU, refusals answered with an error, no callbacks.
    pub fn new() -> Self {
        ServiceOptions {
            name: DEFAULT_SERVICE_NAME.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "NATS auth callout (natsjwt)".to_owned(),
            queue_group: DEFAULT_SERVICE_NAME.to_owned(),
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            deny_as: DenyAs::Error,
            on_error: None,
            on_invalid_user: None,
            on_outcome: None,
        }
    }

    /// The micro-service name (`A-Z a-z 0-9 _ -`) and its version (semver).
    pub fn name(mut self, name: &str, version: &str) -> Self {
        self.name = name.to_owned();
        self.version = version.to_owned();
        self
    }

    /// The micro-service description.
    pub fn description(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }

    /// The queue group the instances share.
    pub fn queue_group(mut self, queue_group: &str) -> Self {
        self.queue_group = queue_group.to_owned();
        self
    }

    /// The queue group.
    pub fn queue_group_name(&self) -> &str {
        &self.queue_group
    }

    /// How many requests are in hand at once (at least 1).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How refusals are answered.
    pub fn deny_as(mut self, deny_as: DenyAs) -> Self {
        self.deny_as = deny_as;
        self
    }

    /// Called for a request that cannot be opened (it is dropped: sealed/plain mismatch,
    /// not from a server, expired, replayed…) and for an answer that cannot be made or
    /// sent.
    pub fn on_error(mut self, callback: impl Fn(&ServiceError) + Send + Sync + 'static) -> Self {
        self.on_error = Some(Arc::new(callback));
        self
    }

    /// Called when the user the authorizer returned is refused by the responder's checks
    /// (the server would refuse it), and when the JWT a client presented does not hold;
    /// the client is then refused as [`ServiceOptions::deny_as`] says.
    pub fn on_invalid_user(
        mut self,
        callback: impl Fn(&AuthRequest, &CalloutError) + Send + Sync + 'static,
    ) -> Self {
        self.on_invalid_user = Some(Arc::new(callback));
        self
    }

    /// Called once per opened request, after its answer was published (or not sent).
    pub fn on_outcome(
        mut self,
        callback: impl Fn(&AuthRequest, &Outcome) + Send + Sync + 'static,
    ) -> Self {
        self.on_outcome = Some(Arc::new(callback));
        self
    }
}

/// Why the service could not start, or a request could not be answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The micro service cannot be registered (e.g. an invalid name or version).
    #[error("cannot register the micro service: {0}")]
    Register(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// The subscription to the callout subject failed.
    #[error("cannot subscribe to {AUTH_CALLOUT_SUBJECT}: {0}")]
    Subscribe(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// A request was refused or its answer could not be made.
    #[error(transparent)]
    Callout(#[from] CalloutError),
    /// A request has no reply subject.
    #[error("a request without a reply subject")]
    NoReply,
    /// The answer could not be published.
    #[error("cannot publish the answer: {0}")]
    Publish(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// The service's task ended abnormally.
    #[error("the service task failed: {0}")]
    Task(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

/// The counters of a service since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceStats {
    /// Requests received.
    pub requests: u64,
    /// Answered with a user.
    pub allowed: u64,
    /// Answered with an error.
    pub denied: u64,
    /// Opened and deliberately not answered.
    pub dropped: u64,
    /// Not opened (dropped) or not answered because of an error.
    pub errors: u64,
    /// Time from receipt to answer (or drop), summed over the requests opened.
    pub total_latency: Duration,
    /// The longest of those times.
    pub max_latency: Duration,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    allowed: AtomicU64,
    denied: AtomicU64,
    dropped: AtomicU64,
    errors: AtomicU64,
    total_nanos: AtomicU64,
    max_nanos: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> ServiceStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ServiceStats {
            requests: load(&self.requests),
            allowed: load(&self.allowed),
            denied: load(&self.denied),
            dropped: load(&self.dropped),
            errors: load(&self.errors),
            total_latency: Duration::from_nanos(load(&self.total_nanos)),
            max_latency: Duration::from_nanos(load(&self.max_nanos)),
        }
    }

    fn finished(&self, outcome: &Outcome, received: Instant) {
        let counter = match outcome {
            Outcome::Allowed => &self.allowed,
            Outcome::Denied(_) => &self.denied,
            Outcome::Dropped => &self.dropped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(received.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.total_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.max_nanos.fetch_max(nanos, Ordering::Relaxed);
    }
}

impl ServiceStats {
    /// The counters as the JSON the micro service's `$SRV.STATS` reply carries in `data`.
    fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "requests": self.requests,
            "allowed": self.allowed,
            "denied": self.denied,
            "dropped": self.dropped,
            "errors": self.errors,
            "total_latency_ns": u64::try_from(self.total_latency.as_nanos()).unwrap_or(u64::MAX),
            "max_latency_ns": u64::try_from(self.max_latency.as_nanos()).unwrap_or(u64::MAX),
        })
    }
}

/// What every request's task shares.
struct Shared<A> {
    responder: Arc<Responder>,
    authorizer: A,
    options: ServiceOptions,
    counters: Arc<Counters>,
}

/// A running auth-callout service; see the [module](self).
///
/// ```no_run
/// use std::sync::Arc;
///
/// use natsjwt::callout::service::{Decision, Service, ServiceOptions};
/// use natsjwt::callout::{AuthRequest, Responder};
/// use natsjwt::{KeyPair, UserClaims};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let account_key = KeyPair::from_seed(std::fs::read_to_string("AUTH.nk")?.trim())?;
/// let account = account_key.public_key().to_string();
/// let responder = Responder::operator_mode(&account, account_key).build()?;
/// let client = async_nats::ConnectOptions::with_credentials_file("service.creds")
///     .await?
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// let authorizer = |request: Arc<AuthRequest>| async move {
///     if request.connect_options().password == "let me in" {
///         let mut user = UserClaims::new(request.user_nkey());
///         user.name = request.connect_options().user.clone();
///         Decision::Allow(user)
///     } else {
///         Decision::Deny("bad password".into())
///     }
/// };
/// let service = Service::start(client, responder, authorizer, ServiceOptions::new()).await?;
/// // Serves until the connection closes; `service.shutdown()` stops it earlier, after
/// // finishing the requests in hand.
/// let stats = service.join().await?;
/// println!("{} requests, {} allowed", stats.requests, stats.allowed);
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub struct Service {
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// Registers the micro service, subscribes (the server has the subscription when this
    /// returns) and starts answering with `responder` and `authorizer`.
    ///
    /// `client` is connected as one of the callout's `auth_users`. One responder (in an
    /// `Arc`) may serve several services, e.g. one per connection; it refuses a request
    /// any of them saw before.
    pub async fn start(
        client: async_nats::Client,
        responder: impl Into<Arc<Responder>>,
        authorizer: impl Authorizer,
        options: ServiceOptions,
    ) -> Result<Service, ServiceError> {
        let counters = Arc::new(Counters::default());
        let stats_counters = Arc::clone(&counters);
        let micro = client
            .service_builder()
            .description(&options.description)
            .queue_group(&options.queue_group)
            .stats_handler(move |_endpoint, _stats| stats_counters.snapshot().to_json())
            .start(&options.name, &options.version)
            .await
            .map_err(|e| ServiceError::Register(Arc::from(e)))?;
        let mut endpoint = micro
            .endpoint_builder()
            .name("authorize")
            .add(AUTH_CALLOUT_SUBJECT)
            .await
            .map_err(|e| ServiceError::Subscribe(Arc::from(e)))?;
        client
            .flush()
            .await
            .map_err(|e| ServiceError::Subscribe(Arc::new(e)))?;
        let workers = options.workers;
        let shared = Arc::new(Shared {
            responder: responder.into(),
            authorizer,
            options,
            counters: Arc::clone(&counters),
        });
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let in_hand = Arc::new(Semaphore::new(workers));
            loop {
                let request = tokio::select! {
                    request = endpoint.next() => match request {
                        Some(request) => request,
                        None => break,
                    },
                    _ = &mut stopped => break,
                };
                let Ok(permit) = Arc::clone(&in_hand).acquire_owned().await else {
                    break;
                };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    shared.answer(request).await;
                    drop(permit);
                });
            }
            // No new requests; the others in the queue group take them from now on.
            let _ = endpoint.stop().await;
            let all = u32::try_from(workers).unwrap_or(u32::MAX);
            let _ = in_hand.acquire_many(all).await;
            let _ = micro.stop().await;
        });
        Ok(Service {
            counters,
            stop: Some(stop),
            task,
        })
    }

    /// The counters so far.
    pub fn stats(&self) -> ServiceStats {
        self.counters.snapshot()
    }

    /// Stops taking requests, finishes those in hand, unregisters, and returns the final
    /// counters.
    pub async fn shutdown(mut self) -> Result<ServiceStats, ServiceError> {
        if let Some(stop) = self.stop.take() {
            // The task may have ended already (the connection closed): nothing to stop.
            let _ = stop.send(());
        }
        self.join().await
    }

    /// Waits until the service ends on its own (its connection closed) and returns the
    /// final counters.
    pub async fn join(mut self) -> Result<ServiceStats, ServiceError> {
        (&mut self.task)
            .await
            .map_err(|e| ServiceError::Task(Arc::new(e)))?;
        Ok(self.counters.snapshot())
    }
}

impl<A: Authorizer> Shared<A> {
    fn error(&self, error: ServiceError) {
        self.counters.errors.fetch_add(1, Ordering::Relaxed);
        if let Some(callback) = &self.options.on_error {
            callback(&error);
        }
    }

    fn invalid_user(&self, request: &AuthRequest, error: &CalloutError) {
        if let Some(callback) = &self.options.on_invalid_user {
            callback(request, error);
        }
    }

    async fn answer(&self, request: async_nats::service::Request) {
        let received = Instant::now();
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let message = &request.message;
        let header = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(SERVER_XKEY_HEADER))
            .map(|value| value.as_str());
        let opened = match self.responder.open(&message.payload, header) {
            Ok(opened) => Arc::new(opened),
            Err(error) => return self.error(error.into()),
        };
        if message.reply.is_none() {
            return self.error(ServiceError::NoReply);
        }
        let decision = match opened.delegated() {
            Delegated::Refused(refused) => {
                self.invalid_user(&opened, &CalloutError::UserRefused(refused.clone()));
                Decision::Deny(format!("presented JWT refused: {refused}"))
            }
            _ => self.authorizer.authorize(Arc::clone(&opened)).await,
        };
        let made = match decision {
            Decision::Allow(user) => self
                .responder
                .allow(&opened, user)
                .map(|response| (Some(response), Outcome::Allowed)),
            Decision::AllowIn { account, user } => self
                .responder
                .allow_in(&opened, &account, user)
                .map(|response| (Some(response), Outcome::Allowed)),
            Decision::Deny(reason) => self.refuse(&opened, reason),
            Decision::Drop => Ok((None, Outcome::Dropped)),
        };
        let (response, outcome) = match made {
            Ok(made) => made,
            Err(
                error @ (CalloutError::WrongUser { .. }
                | CalloutError::UnknownAccount(_)
                | CalloutError::NoTargetAccount
                | CalloutError::AccountMismatch { .. }
                | CalloutError::InvalidUser(_)
                | CalloutError::UserRefused(_)),
            ) => {
                self.invalid_user(&opened, &error);
                match self.refuse(&opened, format!("the user is not valid: {error}")) {
                    Ok(made) => made,
                    Err(error) => return self.error(error.into()),
                }
            }
            Err(error) => return self.error(error.into()),
        };
        if let Some(response) = response
            && let Err(error) = request.respond(Ok(response.into_payload().into())).await
        {
            return self.error(ServiceError::Publish(Arc::new(error)));
        }
        self.counters.finished(&outcome, received);
        if let Some(callback) = &self.options.on_outcome {
            callback(&opened, &outcome);
        }
    }

    /// A refusal as the options say: an error response, or none.
    fn refuse(
        &self,
        request: &AuthRequest,
        reason: String,
    ) -> Result<(Option<Response>, Outcome), CalloutError> {
        match self.options.deny_as {
            DenyAs::Error => {
                let response = self.responder.deny(request, &reason)?;
                Ok((Some(response), Outcome::Denied(reason)))
            }
            DenyAs::Drop => Ok((None, Outcome::Dropped)),
        }
    }
}

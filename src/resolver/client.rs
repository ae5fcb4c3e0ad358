//! Sending resolver requests with `async-nats` (feature `resolver-client`).
//!
//! On a cluster whose servers all have a full resolver, every server answers an update,
//! a delete or a list: [`Cluster`] sends each request once and collects the replies on
//! one inbox, into a [`Report`] of who confirmed. [`push_account`] takes the first reply
//! only. The client must be connected as a user of the system account (e.g. with the
//! creds of [`OperatorSetup::system_user`](crate::provision::OperatorSetup::system_user)).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{Message, StatusCode, Subscriber};
use futures_util::StreamExt as _;
use tokio::time::Instant;

use super::{
    DELETE_SUBJECT, LIST_SUBJECT, Quorum, Report, ResolverError, ResolverReply,
    SERVER_PING_SUBJECT, ServerInfo, UPDATE_SUBJECT, account_lookup_subject, parse_lookup_reply,
};
use crate::keys::{KeyKind, is_public_key_of};

/// How many accounts [`Cluster::pack`] looks up at a time: each brings one reply per
/// server, and async-nats drops what overflows a subscription's buffer (65,536 messages).
const LOOKUP_BATCH: usize = 256;

fn transport(error: impl std::error::Error + Send + Sync + 'static) -> ResolverError {
    ResolverError::Transport(Arc::new(error))
}

/// The servers of a cluster that hold the accounts (a single server is a cluster of one),
/// reached through one system-account connection.
///
/// Each request is sent once, to a new inbox on which every server answers; the replies
/// are read until every expected server has answered or the timeout is up, then checked
/// against the [`Quorum`] (every expected server, unless
/// [`with_quorum`](Cluster::with_quorum) says fewer). A server that refuses fails the
/// request with [`ResolverError::Refused`], even when the quorum is met without it.
///
/// ```no_run
/// use std::time::Duration;
///
/// use natsjwt::resolver::client::Cluster;
/// use natsjwt::resolver::Quorum;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = async_nats::ConnectOptions::with_credentials_file("sys.creds")
///     .await?
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// let cluster = Cluster::discover(client, Duration::from_millis(500)).await?;
/// let account_jwt = std::fs::read_to_string("tenant.jwt")?;
/// let report = cluster.push(account_jwt.trim()).await?;
/// println!("{report}"); // confirmed by 3/3 servers
///
/// // With one server down, two confirmations are enough; the report names the third.
/// let report = cluster.with_quorum(Quorum::AtLeast(2)).push(account_jwt.trim()).await?;
/// for server in &report.missing {
///     eprintln!("{server} did not confirm");
/// }
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
#[derive(Debug, Clone)]
pub struct Cluster {
    client: async_nats::Client,
    expected: Vec<ServerInfo>,
    quorum: Quorum,
    timeout: Duration,
}

impl Cluster {
    /// Pings every server ([`SERVER_PING_SUBJECT`]) and expects those that answer within
    /// `timeout`; none is [`ResolverError::NoServerAnswered`].
    ///
    /// A ping says nothing of how many servers there are, so this waits the whole
    /// `timeout` (a quiet spell after the last reply would stop early on a slow link and
    /// miss servers that answer late). Every server answers the ping, resolver or not: in
    /// a cluster where some servers have no full resolver, give the servers that have one
    /// to [`Cluster::new`].
    pub async fn discover(
        client: async_nats::Client,
        timeout: Duration,
    ) -> Result<Cluster, ResolverError> {
        let mut cluster = Cluster::new(client, Vec::new(), timeout);
        cluster.expected = cluster.ping().await?;
        if cluster.expected.is_empty() {
            return Err(ResolverError::NoServerAnswered);
        }
        Ok(cluster)
    }

    /// A cluster of the `expected` servers, each request waiting up to `timeout` for
    /// their replies. With no server expected, a request waits the whole `timeout` and
    /// counts every reply as unexpected.
    pub fn new(client: async_nats::Client, expected: Vec<ServerInfo>, timeout: Duration) -> Self {
        Cluster {
            client,
            expected,
            quorum: Quorum::All,
            timeout,
        }
    }

    /// The same cluster, requests succeeding when `quorum` is met.
    pub fn with_quorum(self, quorum: Quorum) -> Self {
        Cluster { quorum, ..self }
    }

    /// A cluster on the same connection, with the same quorum and timeout, expecting
    /// `expected` instead: e.g. the servers that [answer a ping](Cluster::ping) now, so
    /// that no request waits for one that is down.
    pub fn with_expected(&self, expected: Vec<ServerInfo>) -> Cluster {
        Cluster {
            client: self.client.clone(),
            expected,
            quorum: self.quorum,
            timeout: self.timeout,
        }
    }

    /// The servers expected to answer.
    pub fn expected(&self) -> &[ServerInfo] {
        &self.expected
    }

    /// The servers that answer a ping within the timeout, sorted: as soon as every
    /// expected server answered (others answering later are not waited for), else at the
    /// timeout (with none expected, the whole timeout: see [`Cluster::discover`]).
    pub async fn ping(&self) -> Result<Vec<ServerInfo>, ResolverError> {
        let report = self
            .collect(&self.expected, SERVER_PING_SUBJECT, Vec::new(), |reply| {
                ServerInfo::from_ping_reply(reply).map(|server| (server, ()))
            })
            .await?;
        let mut servers: Vec<ServerInfo> = report.replies.into_iter().map(|(s, ())| s).collect();
        servers.sort();
        Ok(servers)
    }

    /// Pushes an account JWT ([`UPDATE_SUBJECT`]) to every server: each replies
    /// `jwt updated`.
    pub async fn push(&self, account_jwt: &str) -> Result<Report<ResolverReply>, ResolverError> {
        self.resolver_request(UPDATE_SUBJECT, account_jwt).await
    }

    /// Sends a delete request built by [`super::delete_request`] ([`DELETE_SUBJECT`]; the
    /// servers must allow deletes): each replies `deleted N accounts`.
    ///
    /// As `nsc push --prune` compares the servers that answer its delete with those that
    /// answered its list, the report shows which servers deleted.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// use natsjwt::clock::{Clock, SystemClock};
    /// use natsjwt::creds::parse_decorated_nkey;
    /// use natsjwt::resolver::client::Cluster;
    /// use natsjwt::resolver::delete_request;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let operator_signing_key = parse_decorated_nkey(&std::fs::read_to_string("operator.nk")?)?;
    /// let tenant = std::fs::read_to_string("tenant.pub")?;
    /// let request = delete_request(&operator_signing_key, &[tenant.trim()], SystemClock.now())?;
    ///
    /// let client = async_nats::ConnectOptions::with_credentials_file("sys.creds")
    ///     .await?
    ///     .connect("nats://127.0.0.1:4222")
    ///     .await?;
    /// let cluster = Cluster::discover(client, Duration::from_millis(500)).await?;
    /// let report = cluster.delete(&request).await?;
    /// for (server, reply) in &report.replies {
    ///     println!("{server}: {}", reply.message); // e.g. "n1: deleted 1 accounts"
    /// }
    /// assert!(!cluster.list().await?.holders().contains_key(tenant.trim()));
    /// # Ok(())
    /// # }
    /// # fn main() {}
    /// ```
    pub async fn delete(&self, request_jwt: &str) -> Result<Report<ResolverReply>, ResolverError> {
        self.resolver_request(DELETE_SUBJECT, request_jwt).await
    }

    /// The account public keys each server stores ([`LIST_SUBJECT`]).
    pub async fn list(&self) -> Result<Report<Vec<String>>, ResolverError> {
        let report = self
            .collect(&self.expected, LIST_SUBJECT, Vec::new(), |reply| {
                let reply = ResolverReply::parse(reply)?;
                let accounts = reply.accounts()?;
                Ok((reply.server, accounts))
            })
            .await?;
        report.require(self.quorum)
    }

    /// The JWT of `account` each server holds in its resolver directory (`None`: it holds
    /// none).
    ///
    /// No request answers this by itself: a lookup
    /// ([`account_lookup_subject`]) brings the JWT from every server that holds it but
    /// does not say which server sent which, and `$SYS.REQ.SERVER.PING.ACCOUNTZ`, which
    /// names the server, knows only the accounts it has loaded (for a client of theirs):
    /// a server holding the account for no client answers "does not exist". So this lists
    /// ([`Cluster::list`]) who holds the account, then looks it up: when as many JWTs come
    /// back as servers list it and they are all the same, each holder holds that one; when
    /// they differ (a server that missed an update) it is [`ResolverError::UnclearLookup`]
    /// with the JWTs, and pushing the newest again settles it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// use natsjwt::resolver::client::Cluster;
    /// use natsjwt::AccountClaims;
    ///
    /// # async fn run(client: async_nats::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let cluster = Cluster::discover(client, Duration::from_millis(500)).await?;
    /// let report = cluster.lookup("ACWYNKOMEXAMPLE…").await?;
    /// for (server, jwt) in &report.replies {
    ///     match jwt {
    ///         Some(jwt) => println!("{server}: iat {}", AccountClaims::decode(jwt)?.claims().issued_at),
    ///         None => println!("{server}: none"),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// # fn main() {}
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "lookup_each answers once for each account it is given"
    )]
    pub async fn lookup(&self, account: &str) -> Result<Report<Option<String>>, ResolverError> {
        self.lookup_each(&[account])
            .await?
            .into_iter()
            .next()
            .expect("one account asked, one answer")
    }

    /// [`Cluster::lookup`] of each of `accounts`, with one list for all of them and their
    /// lookups batched (256 at a time on one inbox): what a convergence check over many
    /// accounts asks. Each account's answer is its own: one whose copies differ is
    /// [`ResolverError::UnclearLookup`] in its place; a request that fails fails the call.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// use natsjwt::resolver::client::Cluster;
    ///
    /// # async fn run(client: async_nats::Client, tenants: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    /// let cluster = Cluster::discover(client, Duration::from_millis(500)).await?;
    /// let keys: Vec<&str> = tenants.iter().map(String::as_str).collect();
    /// for (tenant, held) in keys.iter().zip(cluster.lookup_each(&keys).await?) {
    ///     match held {
    ///         Ok(report) => println!("{tenant}: {} servers hold it", report.replies.iter().filter(|(_, jwt)| jwt.is_some()).count()),
    ///         Err(unclear) => println!("{tenant}: {unclear}"),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// # fn main() {}
    /// ```
    pub async fn lookup_each(
        &self,
        accounts: &[&str],
    ) -> Result<Vec<Result<Report<Option<String>>, ResolverError>>, ResolverError> {
        if let Some(bad) = accounts
            .iter()
            .find(|account| !is_public_key_of(account, KeyKind::Account))
        {
            return Err(ResolverError::NotAnAccount((*bad).to_owned()));
        }
        let listed = self.list().await?;
        let mut holders = listed.holders();
        holders.retain(|account, _| accounts.contains(&account.as_str()));
        let found = self.look_up(&holders).await?;
        Ok(accounts
            .iter()
            .map(|account| {
                let jwts = found.get(*account).cloned().unwrap_or_default();
                listed.holders_of(account, jwts)
            })
            .collect())
    }

    /// Every account JWT the servers hold: per account any of them lists, the newest (by
    /// `iat`) any of them holds, in the order of the account keys.
    ///
    /// `nsc pull --all` sends `$SYS.REQ.CLAIMS.PACK` instead (empty payload: the payload is
    /// the requester's store hash, and a server whose hash matches sends nothing), and reads
    /// `<account>|<jwt>` messages up to an empty one. But only one server answers it, any
    /// of them (the servers take it as a queue group, to sync among themselves): on 2.14 a
    /// pack asked through an up-to-date server came from the one that had missed an
    /// update, which then answers for all. This lists every server's accounts
    /// ([`Cluster::list`], checked against the quorum) and looks each account up (every
    /// holder answers; 256 accounts at a time on one inbox): the wait is about one
    /// timeout per batch, or less when every holder answers.
    pub async fn pack(&self) -> Result<Vec<String>, ResolverError> {
        let listed = self.list().await?;
        let found = self.look_up(&listed.holders()).await?;
        listed.newest_jwts(found)
    }

    /// Sends an update or delete and reads the replies (`ResolverReply`s).
    async fn resolver_request(
        &self,
        subject: &str,
        jwt: &str,
    ) -> Result<Report<ResolverReply>, ResolverError> {
        let report = self
            .collect(&self.expected, subject, jwt.as_bytes().to_vec(), |reply| {
                let reply = ResolverReply::parse(reply)?;
                Ok((reply.server.clone(), reply))
            })
            .await?;
        report.require(self.quorum)
    }

    /// Publishes one request on a new inbox and records the replies (each read by `read`;
    /// its error ends the collection) until `expected` all answered or the timeout is up.
    async fn collect<T>(
        &self,
        expected: &[ServerInfo],
        subject: &str,
        payload: Vec<u8>,
        mut read: impl FnMut(&[u8]) -> Result<(ServerInfo, T), ResolverError>,
    ) -> Result<Report<T>, ResolverError> {
        let mut report = Report::new(expected.to_vec());
        let inbox = self.client.new_inbox();
        // Subscribed first: the connection sends the subscription before the request.
        let mut replies = self
            .client
            .subscribe(inbox.clone())
            .await
            .map_err(transport)?;
        self.client
            .publish_with_reply(subject.to_owned(), inbox, payload.into())
            .await
            .map_err(transport)?;
        let deadline = Instant::now() + self.timeout;
        while report.awaits_more() {
            let Some(message) = next_before(&mut replies, deadline).await? else {
                break;
            };
            if message.status == Some(StatusCode::NO_RESPONDERS) {
                break; // nobody listens on `subject`: nothing more will come
            }
            let (server, value) = read(&message.payload)?;
            report.record(server, value);
        }
        Ok(report)
    }

    /// Looks up each account of `holders` and collects the JWTs that come back, until one
    /// came for each server that lists the account or the timeout is up.
    async fn look_up(
        &self,
        holders: &BTreeMap<String, Vec<String>>,
    ) -> Result<BTreeMap<String, Vec<String>>, ResolverError> {
        let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let wanted: Vec<(&String, usize)> = holders
            .iter()
            .map(|(account, servers)| (account, servers.len()))
            .filter(|(_, count)| *count > 0)
            .collect();
        if wanted.is_empty() {
            return Ok(found);
        }
        // One subscription; the last token of the reply subject is the account's index.
        let inbox = self.client.new_inbox();
        let mut replies = self
            .client
            .subscribe(format!("{inbox}.*"))
            .await
            .map_err(transport)?;
        for (batch_index, batch) in wanted.chunks(LOOKUP_BATCH).enumerate() {
            let first = batch_index * LOOKUP_BATCH;
            for (offset, (account, _)) in batch.iter().enumerate() {
                self.client
                    .publish_with_reply(
                        account_lookup_subject(account),
                        format!("{inbox}.{}", first + offset),
                        Vec::new().into(),
                    )
                    .await
                    .map_err(transport)?;
            }
            let mut outstanding: usize = batch.iter().map(|(_, count)| count).sum();
            let deadline = Instant::now() + self.timeout;
            while outstanding > 0 {
                let Some(message) = next_before(&mut replies, deadline).await? else {
                    break;
                };
                let index = message
                    .subject
                    .rsplit('.')
                    .next()
                    .and_then(|token| token.parse::<usize>().ok());
                let Some((index, (account, count))) =
                    index.and_then(|i| wanted.get(i).map(|entry| (i, entry)))
                else {
                    continue;
                };
                // An empty reply is a server that holds none (2.14; 2.9 sends nothing);
                // a status (no responders) is none either.
                let Some(jwt) = (if message.status.is_some() {
                    None
                } else {
                    parse_lookup_reply(&message.payload)?
                }) else {
                    continue;
                };
                let jwts = found.entry((*account).clone()).or_default();
                // A late reply to an earlier batch is kept but no longer waited for.
                if index >= first && jwts.len() < *count {
                    outstanding -= 1;
                }
                jwts.push(jwt);
            }
        }
        Ok(found)
    }
}

/// The next message on `replies`, or `None` once `deadline` is past.
async fn next_before(
    replies: &mut Subscriber,
    deadline: Instant,
) -> Result<Option<Message>, ResolverError> {
    match tokio::time::timeout_at(deadline, replies.next()).await {
        Ok(Some(message)) => Ok(Some(message)),
        Ok(None) => Err(transport(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "the connection closed the subscription",
        ))),
        Err(_) => Ok(None),
    }
}

/// Pushes an account JWT and returns the first reply, whichever server sends it (on a
/// cluster, [`Cluster::push`] tells who confirmed).
///
/// `client` must be connected as a user of the system account.
///
/// ```no_run
/// use std::time::Duration;
///
/// use natsjwt::resolver::client::push_account;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = async_nats::ConnectOptions::with_credentials_file("sys.creds")
///     .await?
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// let account_jwt = std::fs::read_to_string("tenant.jwt")?;
/// let reply = push_account(&client, account_jwt.trim(), Duration::from_secs(2)).await?;
/// assert_eq!(reply.code, 200);
/// println!("{}: {}", reply.server, reply.message); // e.g. "n1: jwt updated"
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub async fn push_account(
    client: &async_nats::Client,
    account_jwt: &str,
    timeout: Duration,
) -> Result<ResolverReply, ResolverError> {
    let request = async_nats::Request::new()
        .payload(account_jwt.as_bytes().to_vec().into())
        .timeout(Some(timeout));
    let reply = client
        .send_request(UPDATE_SUBJECT, request)
        .await
        .map_err(transport)?;
    ResolverReply::parse(&reply.payload)
}

//! Sending resolver requests with `async-nats` (feature `resolver-client`).
//!
//! Each function sends one request as the connected client, waits up to `timeout` for the
//! first reply and reads it with [`ResolverReply::parse`]. The client must be connected
//! as a user of the system account (e.g. with the creds of
//! [`OperatorSetup::system_user`](crate::provision::OperatorSetup::system_user)).

use std::sync::Arc;
use std::time::Duration;

use super::{ResolverError, ResolverReply, DELETE_SUBJECT, LIST_SUBJECT, UPDATE_SUBJECT};

async fn request(
    client: &async_nats::Client,
    subject: &'static str,
    payload: Vec<u8>,
    timeout: Duration,
) -> Result<ResolverReply, ResolverError> {
    let request = async_nats::Request::new()
        .payload(payload.into())
        .timeout(Some(timeout));
    let reply = client
        .send_request(subject, request)
        .await
        .map_err(|e| ResolverError::Transport(Arc::new(e)))?;
    ResolverReply::parse(&reply.payload)
}

/// Pushes an account JWT to the resolver (the first server to answer replies).
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
    request(
        client,
        UPDATE_SUBJECT,
        account_jwt.as_bytes().to_vec(),
        timeout,
    )
    .await
}

/// Sends a delete request built by [`super::delete_request`] (the servers must allow
/// deletes).
///
/// ```no_run
/// use std::time::Duration;
///
/// use natsjwt::clock::{Clock, SystemClock};
/// use natsjwt::creds::parse_decorated_nkey;
/// use natsjwt::resolver::client::delete_accounts;
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
/// let reply = delete_accounts(&client, &request, Duration::from_secs(2)).await?;
/// println!("{}", reply.message); // e.g. "deleted 1 accounts"
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub async fn delete_accounts(
    client: &async_nats::Client,
    request_jwt: &str,
    timeout: Duration,
) -> Result<ResolverReply, ResolverError> {
    request(
        client,
        DELETE_SUBJECT,
        request_jwt.as_bytes().to_vec(),
        timeout,
    )
    .await
}

/// Lists the accounts the resolver stores (`data` is a list of public keys).
///
/// ```no_run
/// use std::time::Duration;
///
/// use natsjwt::resolver::client::list_accounts;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = async_nats::ConnectOptions::with_credentials_file("sys.creds")
///     .await?
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// let reply = list_accounts(&client, Duration::from_secs(2)).await?;
/// let accounts: Vec<&str> = reply
///     .data
///     .as_array()
///     .into_iter()
///     .flatten()
///     .filter_map(|account| account.as_str())
///     .collect();
/// println!("{} accounts", accounts.len());
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub async fn list_accounts(
    client: &async_nats::Client,
    timeout: Duration,
) -> Result<ResolverReply, ResolverError> {
    request(client, LIST_SUBJECT, Vec::new(), timeout).await
}

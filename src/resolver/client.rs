//! Sending resolver requests with `async-nats` (feature `resolver-client`).

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

/// Sends a delete request built by [`super::delete_request`].
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
pub async fn list_accounts(
    client: &async_nats::Client,
    timeout: Duration,
) -> Result<ResolverReply, ResolverError> {
    request(client, LIST_SUBJECT, Vec::new(), timeout).await
}

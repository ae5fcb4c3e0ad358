//! An account's JetStream assets (feature `resolver-client`): listing and deleting its
//! streams before the account is deleted, since nats-server leaves
//! `jetstream/<account>/streams/<stream>/` on its disk when the account goes.
//!
//! The JetStream API is plain request and reply on `$JS.API.…` subjects, sent here as core
//! NATS requests (the crate's async-nats has no `jetstream` feature). Key-value buckets
//! and object stores are streams (`KV_<bucket>`, `OBJ_<bucket>`): they are listed and
//! deleted with the others. A JetStream domain's API (`$JS.<domain>.API.…`) is not
//! reached: connect to a server of the domain itself.

use std::sync::Arc;
use std::time::Duration;

use async_nats::RequestErrorKind;
use serde::Deserialize;

use crate::UserClaims;
use crate::keys::KeyPair;
use crate::types::SigningKey;

use super::{IssuedUser, ManagedAccount, ProvisionError, Provisioner, UserSigner};

/// How long the user of [`Provisioner::stream_cleanup_user`] is valid.
const CLEANUP_VALIDITY_SECONDS: i64 = 10 * 60;
/// `JSNotEnabledForAccountErr`: the account has no JetStream, so it has no streams.
const NOT_ENABLED_FOR_ACCOUNT: u64 = 10039;
/// `JSStreamNotFoundErr`: a stream deleted since it was listed.
const STREAM_NOT_FOUND: u64 = 10059;

/// The `error` object of a JetStream API reply.
#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    err_code: u64,
    #[serde(default)]
    description: String,
}

/// A page of `$JS.API.STREAM.NAMES`.
#[derive(Deserialize)]
struct NamesReply {
    error: Option<ApiError>,
    #[serde(default)]
    total: usize,
    // `null` for an account without streams.
    #[serde(default)]
    streams: Option<Vec<String>>,
}

/// The reply of `$JS.API.STREAM.DELETE.<stream>`.
#[derive(Deserialize)]
struct DeleteReply {
    error: Option<ApiError>,
    #[serde(default)]
    success: bool,
}

/// Sends a JetStream API request; `None` when nobody answers the subject (no JetStream
/// on the server for this account).
async fn api_request<T: serde::de::DeserializeOwned>(
    client: &async_nats::Client,
    subject: String,
    payload: &[u8],
    timeout: Duration,
) -> Result<Option<T>, ProvisionError> {
    let request = async_nats::Request::new()
        .payload(payload.to_vec().into())
        .timeout(Some(timeout));
    let reply = match client.send_request(subject.clone(), request).await {
        Ok(reply) => reply,
        Err(error) if error.kind() == RequestErrorKind::NoResponders => return Ok(None),
        Err(error) => {
            return Err(ProvisionError::JetStreamRequest {
                subject,
                source: Arc::new(error),
            });
        }
    };
    serde_json::from_slice(&reply.payload)
        .map(Some)
        .map_err(|source| ProvisionError::JetStreamReply {
            subject,
            source: source.into(),
        })
}

/// The names of the streams of the account `client` is connected to, page by page
/// (`$JS.API.STREAM.NAMES` with `{"offset":n}`, until the reply's `total`). An account
/// without JetStream (err_code 10039, or no responder on a server without JetStream) has
/// none. `timeout` bounds each request.
///
/// The user needs to publish `$JS.API.>` and subscribe to its inbox: see
/// [`Provisioner::stream_cleanup_user`].
///
/// ```no_run
/// use std::time::Duration;
///
/// use natsjwt::provision::account_streams;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = async_nats::ConnectOptions::with_credentials_file("cleanup.creds")
///     .await?
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// for stream in account_streams(&client, Duration::from_secs(2)).await? {
///     println!("{stream}"); // e.g. ORDERS, KV_settings
/// }
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub async fn account_streams(
    client: &async_nats::Client,
    timeout: Duration,
) -> Result<Vec<String>, ProvisionError> {
    let mut names: Vec<String> = Vec::new();
    loop {
        let payload = format!("{{\"offset\":{}}}", names.len());
        let reply: Option<NamesReply> = api_request(
            client,
            "$JS.API.STREAM.NAMES".to_owned(),
            payload.as_bytes(),
            timeout,
        )
        .await?;
        let Some(reply) = reply else {
            return Ok(names);
        };
        if let Some(error) = reply.error {
            if error.err_code == NOT_ENABLED_FOR_ACCOUNT {
                return Ok(names);
            }
            return Err(ProvisionError::JetStreamRefused {
                stream: None,
                err_code: error.err_code,
                description: error.description,
            });
        }
        let page = reply.streams.unwrap_or_default();
        // An empty page ends it too: streams deleted while paging lower the total.
        if page.is_empty() {
            return Ok(names);
        }
        names.extend(page);
        if names.len() >= reply.total {
            return Ok(names);
        }
    }
}

/// Deletes every stream of the account `client` is connected to
/// (`$JS.API.STREAM.DELETE.<stream>` for each of [`account_streams`]), with their
/// messages and consumers; returns the names of those deleted (a stream gone since it was
/// listed is left out). `timeout` bounds each request. A refusal ends it with [`ProvisionError::JetStreamRefused`]
/// naming the stream; the streams before it are deleted.
///
/// ```no_run
/// use std::time::Duration;
///
/// use natsjwt::provision::{account_streams, delete_streams, Provisioner};
/// use natsjwt::store::{DirStore, StorePaths};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = DirStore::open(&StorePaths::under(std::path::Path::new("signup")), "signup")?;
/// let provisioner = Provisioner::open(&store)?;
/// let tenant = provisioner.load_account(&store, "acme")?;
/// let cleanup = provisioner.stream_cleanup_user(&tenant)?;
/// let client = async_nats::ConnectOptions::with_credentials(cleanup.creds()?.expose())?
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// let removed = delete_streams(&client, Duration::from_secs(2)).await?;
/// println!("removed streams: {}", removed.join(", "));
/// assert!(account_streams(&client, Duration::from_secs(2)).await?.is_empty());
/// # Ok(())
/// # }
/// # fn main() {}
/// ```
pub async fn delete_streams(
    client: &async_nats::Client,
    timeout: Duration,
) -> Result<Vec<String>, ProvisionError> {
    let mut deleted = Vec::new();
    for stream in account_streams(client, timeout).await? {
        let subject = format!("$JS.API.STREAM.DELETE.{stream}");
        let reply: Option<DeleteReply> = api_request(client, subject.clone(), b"", timeout).await?;
        // Nobody answers: JetStream is gone for the account, and the stream with it.
        let Some(reply) = reply else {
            continue;
        };
        match reply.error {
            Some(error) if error.err_code == STREAM_NOT_FOUND => {}
            Some(error) => {
                return Err(ProvisionError::JetStreamRefused {
                    stream: Some(stream),
                    err_code: error.err_code,
                    description: error.description,
                });
            }
            None if reply.success => deleted.push(stream),
            None => {
                return Err(ProvisionError::JetStreamRefused {
                    stream: Some(stream),
                    err_code: 0,
                    description: "the delete did not succeed".to_owned(),
                });
            }
        }
    }
    Ok(deleted)
}

impl Provisioner {
    /// A user of `account` for [`account_streams`] and [`delete_streams`]: it may publish
    /// `$JS.API.>` only and subscribe to `_INBOX.>` only, and expires 10 minutes from now
    /// (by this provisioner's clock). Signed by the account's first plain signing key held
    /// in `account`, else by its identity key (which a strict operator refuses:
    /// [`ProvisionError::Refused`]).
    ///
    /// ```
    /// use natsjwt::clock::FixedClock;
    /// use natsjwt::provision::{Provisioner, SigningKeyUsage};
    ///
    /// let setup = Provisioner::bootstrap("acme-operator", SigningKeyUsage::Required)?;
    /// let provisioner = setup.provisioner()?.with_clock(FixedClock(1_700_000_000));
    /// let tenant = provisioner.create_account("acme", |_| {})?;
    /// let cleanup = provisioner.stream_cleanup_user(&tenant)?;
    /// assert_eq!(cleanup.claims.expires, 1_700_000_600);
    /// assert_eq!(cleanup.claims.nats.permissions.publish.allow, ["$JS.API.>"]);
    /// assert_eq!(cleanup.claims.nats.permissions.subscribe.allow, ["_INBOX.>"]);
    /// assert_eq!(cleanup.claims.nats.issuer_account, tenant.public_key());
    /// # Ok::<(), natsjwt::provision::ProvisionError>(())
    /// ```
    pub fn stream_cleanup_user(
        &self,
        account: &ManagedAccount,
    ) -> Result<IssuedUser, ProvisionError> {
        let plain = account.signing_keys().iter().find(|key| {
            matches!(
                account
                    .claims
                    .nats
                    .signing_keys
                    .get(key.public_key().as_str()),
                Some(SigningKey::Plain)
            )
        });
        let signer = match plain {
            Some(key) => UserSigner::SigningKey(key),
            None => UserSigner::AccountKey,
        };
        let key = KeyPair::new_user()?;
        let mut claims = UserClaims::new(key.public_key().as_str());
        claims.name = "stream-cleanup".to_owned();
        claims.expires = self.clock.now().saturating_add(CLEANUP_VALIDITY_SECONDS);
        let permissions = &mut claims.nats.permissions;
        permissions.publish.allow = vec!["$JS.API.>".to_owned()];
        permissions.subscribe.allow = vec!["_INBOX.>".to_owned()];
        let (claims, jwt) = self.issue_user(account, signer, claims)?;
        Ok(IssuedUser { key, claims, jwt })
    }
}

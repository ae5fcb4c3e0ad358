//! Server configuration for operator mode, and the account resolver's requests and replies.
//!
//! - [`ServerConfig`] writes the `operator` / `system_account` / `resolver` part of a
//!   `nats-server` configuration: a memory resolver with preloaded accounts, or a full
//!   (directory) resolver that accepts pushed updates.
//! - [`UPDATE_SUBJECT`] takes an account JWT as the payload of a request (what
//!   `nsc push` sends); [`delete_request`] builds the operator-signed generic claims that
//!   [`DELETE_SUBJECT`] expects; [`ResolverReply::parse`] reads the server's answer.
//! - With the `resolver-client` feature, [`client`] sends them with `async-nats`.

use serde::Deserialize;

use crate::claims::GenericClaims;
use crate::keys::{is_valid_public_key, KeyKind, Signer};
use crate::token::EncodeError;

/// Request subject to store or update an account JWT (payload: the JWT).
pub const UPDATE_SUBJECT: &str = "$SYS.REQ.CLAIMS.UPDATE";
/// Request subject to delete accounts (payload: [`delete_request`]).
pub const DELETE_SUBJECT: &str = "$SYS.REQ.CLAIMS.DELETE";
/// Request subject listing the accounts a full resolver stores.
pub const LIST_SUBJECT: &str = "$SYS.REQ.CLAIMS.LIST";

/// The per-account update subject, `$SYS.REQ.ACCOUNT.<account>.CLAIMS.UPDATE`.
pub fn account_update_subject(account: &str) -> String {
    format!("$SYS.REQ.ACCOUNT.{account}.CLAIMS.UPDATE")
}

/// The per-account lookup subject, `$SYS.REQ.ACCOUNT.<account>.CLAIMS.LOOKUP`.
pub fn account_lookup_subject(account: &str) -> String {
    format!("$SYS.REQ.ACCOUNT.{account}.CLAIMS.LOOKUP")
}

/// Why a resolver request cannot be built or its reply read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolverError {
    /// A value passed is not an account public key.
    #[error("{0:?} is not an account public key")]
    NotAnAccount(String),
    /// There is nothing to delete.
    #[error("no account to delete")]
    NothingToDelete,
    /// The signer may not sign a delete request (not an operator key).
    #[error("delete requests are signed by an operator key, not a {0} key")]
    NotAnOperatorKey(KeyKind),
    /// Signing failed.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The reply is not the server's JSON.
    #[error("reply is not a resolver response: {0}")]
    Reply(String),
    /// The server refused the request.
    #[error("server {server} refused: {description} (code {code})")]
    Refused {
        /// The server's name.
        server: String,
        /// The account concerned, if any.
        account: String,
        /// The error code (HTTP-like).
        code: i64,
        /// The server's description.
        description: String,
    },
    /// Sending the request failed (`resolver-client` feature).
    #[error("request failed: {0}")]
    Transport(String),
}

/// Builds the request that deletes `accounts` from full resolvers (`nsc push --prune`):
/// generic claims signed by an operator key (identity, unless strict, or a signing key)
/// with `sub` = the signer and `nats.accounts` = the list. The server must allow deletes
/// (`allow_delete: true`) and refuses to delete the system account.
pub fn delete_request<S: Signer + ?Sized>(
    signer: &S,
    accounts: &[&str],
    issued_at: i64,
) -> Result<String, ResolverError> {
    if accounts.is_empty() {
        return Err(ResolverError::NothingToDelete);
    }
    if let Some(bad) = accounts
        .iter()
        .find(|a| !is_valid_public_key(a, KeyKind::Account))
    {
        return Err(ResolverError::NotAnAccount((*bad).to_owned()));
    }
    let signer_key = signer.public_key().map_err(EncodeError::from)?;
    let kind = crate::keys::PublicKey::parse(&signer_key)
        .map_err(|e| EncodeError::from(crate::keys::SignError::PublicKey(e)))?
        .kind();
    if kind != KeyKind::Operator {
        return Err(ResolverError::NotAnOperatorKey(kind));
    }
    let mut claims = GenericClaims::new(signer_key);
    let list: Vec<serde_json::Value> = accounts
        .iter()
        .map(|a| serde_json::Value::from(*a))
        .collect();
    claims
        .nats
        .data
        .insert("accounts".to_owned(), serde_json::Value::from(list));
    Ok(claims.encode_at(signer, issued_at)?)
}

#[derive(Deserialize)]
struct RawReply {
    #[serde(default)]
    server: Option<RawServer>,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<RawError>,
}

#[derive(Deserialize, Default)]
struct RawServer {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id: String,
}

#[derive(Deserialize)]
struct RawError {
    #[serde(default)]
    account: String,
    #[serde(default)]
    code: i64,
    #[serde(default)]
    description: String,
}

/// A successful reply of a resolver request.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolverReply {
    /// The answering server's name.
    pub server: String,
    /// The answering server's id.
    pub server_id: String,
    /// The account concerned (update replies).
    pub account: String,
    /// The status code (200 for success).
    pub code: i64,
    /// The server's message, e.g. `jwt updated` or `deleted 1 accounts`.
    pub message: String,
    /// The whole `data` member (a list of accounts for list requests).
    pub data: serde_json::Value,
}

impl ResolverReply {
    /// Reads a resolver reply (`{"server":…, "data":…}` or `{"server":…, "error":…}`);
    /// an `error` reply is [`ResolverError::Refused`].
    pub fn parse(reply: &[u8]) -> Result<ResolverReply, ResolverError> {
        let raw: RawReply =
            serde_json::from_slice(reply).map_err(|e| ResolverError::Reply(e.to_string()))?;
        let server = raw.server.unwrap_or_default();
        if let Some(error) = raw.error {
            return Err(ResolverError::Refused {
                server: server.name,
                account: error.account,
                code: error.code,
                description: error.description,
            });
        }
        let data = raw
            .data
            .ok_or_else(|| ResolverError::Reply("reply has neither data nor error".to_owned()))?;
        let text = |key: &str| {
            data.get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Ok(ResolverReply {
            account: text("account"),
            message: text("message"),
            code: data
                .get("code")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0),
            server: server.name,
            server_id: server.id,
            data,
        })
    }
}

/// Quotes a value for a nats-server configuration file.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How the server finds account JWTs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolverKind {
    /// `resolver: MEMORY`: only the preloaded accounts (updates to them are accepted).
    Memory,
    /// `resolver { type: full, dir: … }`: a directory store accepting pushed accounts.
    Full {
        /// The directory holding the JWTs.
        dir: String,
        /// Accept delete requests (`allow_delete`).
        allow_delete: bool,
    },
}

/// The operator-mode part of a `nats-server` configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Listen address, e.g. `127.0.0.1:4222`; omitted when empty.
    pub listen: String,
    /// The operator JWT (written inline).
    pub operator_jwt: String,
    /// The system account's public key.
    pub system_account: String,
    /// The resolver.
    pub resolver: ResolverKind,
    /// Account JWTs loaded at start: (public key, JWT).
    pub preload: Vec<(String, String)>,
    /// Lines appended verbatim (e.g. `jetstream { store_dir: … }`).
    pub extra: Vec<String>,
}

impl ServerConfig {
    /// A memory-resolver configuration preloading `accounts` (public key, JWT).
    pub fn memory(
        operator_jwt: &str,
        system_account: &str,
        accounts: Vec<(String, String)>,
    ) -> Self {
        ServerConfig {
            listen: String::new(),
            operator_jwt: operator_jwt.to_owned(),
            system_account: system_account.to_owned(),
            resolver: ResolverKind::Memory,
            preload: accounts,
            extra: Vec::new(),
        }
    }

    /// A full-resolver configuration storing JWTs in `dir`, preloading `accounts`.
    pub fn full(
        operator_jwt: &str,
        system_account: &str,
        dir: &str,
        accounts: Vec<(String, String)>,
    ) -> Self {
        ServerConfig {
            listen: String::new(),
            operator_jwt: operator_jwt.to_owned(),
            system_account: system_account.to_owned(),
            resolver: ResolverKind::Full {
                dir: dir.to_owned(),
                allow_delete: true,
            },
            preload: accounts,
            extra: Vec::new(),
        }
    }

    /// The configuration text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.listen.is_empty() {
            out.push_str(&format!("listen: {}\n", quote(&self.listen)));
        }
        out.push_str(&format!("operator: {}\n", self.operator_jwt));
        out.push_str(&format!("system_account: {}\n", self.system_account));
        match &self.resolver {
            ResolverKind::Memory => out.push_str("resolver: MEMORY\n"),
            ResolverKind::Full { dir, allow_delete } => out.push_str(&format!(
                "resolver {{\n  type: full\n  dir: {}\n  allow_delete: {allow_delete}\n  interval: \"2m\"\n  timeout: \"1.9s\"\n}}\n",
                quote(dir)
            )),
        }
        if !self.preload.is_empty() {
            out.push_str("resolver_preload: {\n");
            for (account, jwt) in &self.preload {
                out.push_str(&format!("  {account}: {jwt}\n"));
            }
            out.push_str("}\n");
        }
        for line in &self.extra {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// Sending resolver requests with `async-nats` (feature `resolver-client`).
#[cfg(feature = "resolver-client")]
pub mod client {
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
            .map_err(|e| ResolverError::Transport(e.to_string()))?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;

    #[test]
    fn delete_requests_are_self_signed_generic_claims() {
        let operator = KeyPair::new_operator().unwrap();
        let account = KeyPair::new_account().unwrap();
        let jwt =
            delete_request(&operator, &[account.public_key().as_str()], 1_700_000_000).unwrap();
        let claims = GenericClaims::decode(&jwt).unwrap().into_claims();
        assert_eq!(claims.subject, claims.issuer);
        assert_eq!(claims.issuer, operator.public_key().as_str());
        assert_eq!(
            claims.nats.data["accounts"],
            serde_json::json!([account.public_key().as_str()])
        );
        assert_eq!(claims.nats.data["version"], 2);
        assert!(matches!(
            delete_request(&operator, &[], 1),
            Err(ResolverError::NothingToDelete)
        ));
        assert!(matches!(
            delete_request(&operator, &["nope"], 1),
            Err(ResolverError::NotAnAccount(_))
        ));
        assert!(matches!(
            delete_request(&account, &[account.public_key().as_str()], 1),
            Err(ResolverError::NotAnOperatorKey(KeyKind::Account))
        ));
    }

    #[test]
    fn replies() {
        let ok = br#"{"server":{"name":"s1","host":"h","id":"NID","ver":"2.14.0"},"data":{"account":"AX","code":200,"message":"jwt updated"}}"#;
        let reply = ResolverReply::parse(ok).unwrap();
        assert_eq!(reply.server, "s1");
        assert_eq!(reply.account, "AX");
        assert_eq!(reply.code, 200);
        assert_eq!(reply.message, "jwt updated");
        let refused = br#"{"server":{"name":"s1"},"error":{"account":"AX","code":500,"description":"jwt validation failed - x"}}"#;
        assert!(matches!(
            ResolverReply::parse(refused),
            Err(ResolverError::Refused { code: 500, .. })
        ));
        assert!(matches!(
            ResolverReply::parse(b"nope"),
            Err(ResolverError::Reply(_))
        ));
        assert!(matches!(
            ResolverReply::parse(br#"{"server":{}}"#),
            Err(ResolverError::Reply(_))
        ));
    }

    #[test]
    fn configs() {
        let memory = ServerConfig::memory(
            "eyJ.op.sig",
            "ASYS",
            vec![("ASYS".into(), "eyJ.sys.sig".into())],
        );
        assert_eq!(
            memory.render(),
            "operator: eyJ.op.sig\nsystem_account: ASYS\nresolver: MEMORY\nresolver_preload: {\n  ASYS: eyJ.sys.sig\n}\n"
        );
        let mut full = ServerConfig::full("eyJ.op.sig", "ASYS", "/tmp/a \"b\"", Vec::new());
        full.listen = "127.0.0.1:4222".into();
        let text = full.render();
        assert!(text.contains("dir: \"/tmp/a \\\"b\\\"\""), "{text}");
        assert!(text.contains("type: full"));
        assert!(text.starts_with("listen: \"127.0.0.1:4222\"\n"));
    }
}

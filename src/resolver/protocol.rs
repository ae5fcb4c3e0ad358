//! The account resolver's requests and replies, as `nats-server` and `nsc push` speak them.

use serde::Deserialize;

use super::ResolverError;
use crate::claims::{ClaimsError, GenericClaims};
use crate::jws::JsonError;
use crate::keys::{KeyKind, Signer, is_public_key_of};

/// Request subject to store or update an account JWT (payload: the JWT); see
/// [`account_update_subject`] for an example.
pub const UPDATE_SUBJECT: &str = "$SYS.REQ.CLAIMS.UPDATE";
/// Request subject to delete accounts (payload: [`delete_request`]); see
/// [`account_update_subject`] for an example.
pub const DELETE_SUBJECT: &str = "$SYS.REQ.CLAIMS.DELETE";
/// Request subject listing the accounts a full resolver stores (empty payload); see
/// [`account_update_subject`] for an example.
pub const LIST_SUBJECT: &str = "$SYS.REQ.CLAIMS.LIST";

/// Request subject every server answers, with its identity and statistics (a
/// `ServerStatsMsg`, read by [`ServerInfo::from_ping_reply`]; empty payload). The request
/// has no count of servers, so who answers is known only by waiting.
///
/// ```
/// assert_eq!(natsjwt::resolver::SERVER_PING_SUBJECT, "$SYS.REQ.SERVER.PING");
/// ```
pub const SERVER_PING_SUBJECT: &str = "$SYS.REQ.SERVER.PING";

/// The per-account update subject, `$SYS.REQ.ACCOUNT.<account>.CLAIMS.UPDATE`.
///
/// A request on [`UPDATE_SUBJECT`] or on this subject stores the account JWT it carries;
/// [`DELETE_SUBJECT`] takes a [`delete_request`] and [`LIST_SUBJECT`] an empty payload.
/// Send them as a user of the system account; each answers with a [`ResolverReply`].
///
/// ```
/// use natsjwt::resolver::{
///     account_update_subject, DELETE_SUBJECT, LIST_SUBJECT, UPDATE_SUBJECT,
/// };
/// use natsjwt::KeyPair;
///
/// let account = KeyPair::new_account()?;
/// let subject = account_update_subject(account.public_key().as_str());
/// assert_eq!(subject, format!("$SYS.REQ.ACCOUNT.{}.CLAIMS.UPDATE", account.public_key()));
/// assert_eq!(UPDATE_SUBJECT, "$SYS.REQ.CLAIMS.UPDATE");
/// assert_eq!(DELETE_SUBJECT, "$SYS.REQ.CLAIMS.DELETE");
/// assert_eq!(LIST_SUBJECT, "$SYS.REQ.CLAIMS.LIST");
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
pub fn account_update_subject(account: &str) -> String {
    format!("$SYS.REQ.ACCOUNT.{account}.CLAIMS.UPDATE")
}

/// The per-account lookup subject, `$SYS.REQ.ACCOUNT.<account>.CLAIMS.LOOKUP`: every
/// full resolver answers a request on it with the account's JWT from its directory, bare
/// (not a [`ResolverReply`]: nothing says which server sent it), whether or not it has the
/// account loaded; one that has none sends an empty message (2.14) or nothing (2.9). Read
/// the replies with [`parse_lookup_reply`].
///
/// ```
/// use natsjwt::resolver::account_lookup_subject;
/// use natsjwt::KeyPair;
///
/// let account = KeyPair::new_account()?;
/// let subject = account_lookup_subject(account.public_key().as_str());
/// assert_eq!(subject, format!("$SYS.REQ.ACCOUNT.{}.CLAIMS.LOOKUP", account.public_key()));
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
pub fn account_lookup_subject(account: &str) -> String {
    format!("$SYS.REQ.ACCOUNT.{account}.CLAIMS.LOOKUP")
}

/// Reads a reply on [`account_lookup_subject`]: the JWT a server holds, or `None` for the
/// empty message of a server that holds none.
///
/// ```
/// use natsjwt::resolver::parse_lookup_reply;
///
/// assert_eq!(parse_lookup_reply(b"eyJ0eXAi.e30.c2ln")?, Some("eyJ0eXAi.e30.c2ln".to_owned()));
/// assert_eq!(parse_lookup_reply(b"")?, None);
/// # Ok::<(), natsjwt::resolver::ResolverError>(())
/// ```
pub fn parse_lookup_reply(reply: &[u8]) -> Result<Option<String>, ResolverError> {
    if reply.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(reply)
        .map(|jwt| Some(jwt.to_owned()))
        .map_err(|_| ResolverError::NotAJwt)
}

/// Builds the request that deletes `accounts` from full resolvers (`nsc push --prune`):
/// generic claims signed by an operator key (identity, unless strict, or a signing key)
/// with `sub` = the signer and `nats.accounts` = the list. The server must allow deletes
/// (`allow_delete: true`) and refuses to delete the system account.
///
/// ```
/// use natsjwt::resolver::delete_request;
/// use natsjwt::{GenericClaims, KeyPair};
///
/// let operator = KeyPair::new_operator()?;
/// let tenant = KeyPair::new_account()?;
/// let request = delete_request(&operator, &[tenant.public_key().as_str()], 1_700_000_000)?;
/// let claims = GenericClaims::decode(&request)?.into_claims();
/// assert_eq!(claims.nats.data["accounts"][0], tenant.public_key().as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
        .find(|a| !is_public_key_of(a, KeyKind::Account))
    {
        return Err(ResolverError::NotAnAccount((*bad).to_owned()));
    }
    let signer_key = signer
        .public_key()
        .map_err(|e| ResolverError::Sign(ClaimsError::Signer(e)))?;
    if signer_key.kind() != KeyKind::Operator {
        return Err(ResolverError::NotAnOperatorKey(signer_key.kind()));
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
    claims
        .encode_at(signer, issued_at)
        .map_err(ResolverError::Sign)
}

/// A server of the cluster, as the `server` object of its system-account replies names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerInfo {
    /// Its name (`server_name`, or its id when none is configured), unique in a cluster.
    pub name: String,
    /// Its id, a server public key (`N…`) it draws anew at each start.
    pub id: String,
}

impl ServerInfo {
    /// Reads the server out of its reply to [`SERVER_PING_SUBJECT`] (a `ServerStatsMsg`:
    /// `{"server":{…},"statsz":{…}}`).
    ///
    /// ```
    /// use natsjwt::resolver::ServerInfo;
    ///
    /// let reply = br#"{"server":{"name":"n1","host":"0.0.0.0","id":"NDQU","ver":"2.14.0"},
    ///     "statsz":{"connections":0}}"#;
    /// let server = ServerInfo::from_ping_reply(reply)?;
    /// assert_eq!(server, ServerInfo { name: "n1".into(), id: "NDQU".into() });
    /// assert_eq!(server.to_string(), "n1");
    /// # Ok::<(), natsjwt::resolver::ResolverError>(())
    /// ```
    pub fn from_ping_reply(reply: &[u8]) -> Result<ServerInfo, ResolverError> {
        let raw = RawReply::parse(reply)?;
        if let Some(error) = raw.error {
            return Err(error.refused(raw.server));
        }
        Ok(raw.server)
    }
}

impl std::fmt::Display for ServerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

#[derive(Deserialize)]
struct RawReplyJson {
    #[serde(default)]
    server: Option<RawServer>,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<RawError>,
}

/// A reply whose server is named, as every reply of a server is.
struct RawReply {
    server: ServerInfo,
    data: Option<serde_json::Value>,
    error: Option<RawError>,
}

impl RawReply {
    fn parse(reply: &[u8]) -> Result<RawReply, ResolverError> {
        let raw: RawReplyJson =
            serde_json::from_slice(reply).map_err(|e| ResolverError::Reply(JsonError::from(e)))?;
        // Without a name the reply counts for no server (nsc refuses it too).
        let server = raw
            .server
            .filter(|s| !s.name.is_empty() && !s.id.is_empty())
            .ok_or(ResolverError::NoServerInfo)?;
        Ok(RawReply {
            server: ServerInfo {
                name: server.name,
                id: server.id,
            },
            data: raw.data,
            error: raw.error,
        })
    }
}

#[derive(Deserialize)]
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

impl RawError {
    fn refused(self, server: ServerInfo) -> ResolverError {
        ResolverError::Refused {
            server: server.name,
            account: self.account,
            code: self.code,
            description: self.description,
        }
    }
}

/// A successful reply of a resolver request.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolverReply {
    /// The answering server (its name is its [`Display`](std::fmt::Display) form).
    pub server: ServerInfo,
    /// The account concerned (update replies).
    pub account: String,
    /// The status code (200 for success).
    pub code: i64,
    /// The server's message, e.g. `jwt updated` or `deleted 1 accounts`.
    pub message: String,
    /// The whole `data` member (a list of accounts for list requests:
    /// [`ResolverReply::accounts`]).
    pub data: serde_json::Value,
}

impl ResolverReply {
    /// Reads a resolver reply (`{"server":…, "data":…}` or `{"server":…, "error":…}`);
    /// an `error` reply is [`ResolverError::Refused`], one that does not name its server
    /// [`ResolverError::NoServerInfo`].
    ///
    /// ```
    /// use natsjwt::resolver::{ResolverError, ResolverReply};
    ///
    /// let updated = br#"{"server":{"name":"n1","id":"NSERVER"},
    ///     "data":{"account":"ATENANT","code":200,"message":"jwt updated"}}"#;
    /// let reply = ResolverReply::parse(updated)?;
    /// assert_eq!((reply.server.name.as_str(), reply.code), ("n1", 200));
    /// assert_eq!(reply.message, "jwt updated");
    ///
    /// let listed = br#"{"server":{"name":"n1","id":"NSERVER"},"data":["ASYS","ATENANT"]}"#;
    /// assert_eq!(ResolverReply::parse(listed)?.accounts()?, ["ASYS", "ATENANT"]);
    ///
    /// let refused = br#"{"server":{"name":"n1","id":"NSERVER"},
    ///     "error":{"account":"ATENANT","code":500,"description":"jwt validation failed"}}"#;
    /// assert!(matches!(
    ///     ResolverReply::parse(refused),
    ///     Err(ResolverError::Refused { code: 500, .. })
    /// ));
    /// # Ok::<(), ResolverError>(())
    /// ```
    pub fn parse(reply: &[u8]) -> Result<ResolverReply, ResolverError> {
        let raw = RawReply::parse(reply)?;
        if let Some(error) = raw.error {
            return Err(error.refused(raw.server));
        }
        let data = raw.data.ok_or(ResolverError::EmptyReply)?;
        // Members a reply leaves out are empty, as Go reads them.
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
            server: raw.server,
            data,
        })
    }

    /// The account public keys of a reply to [`LIST_SUBJECT`] (`data` is their list).
    pub fn accounts(&self) -> Result<Vec<String>, ResolverError> {
        Vec::<String>::deserialize(&self.data).map_err(|e| ResolverError::Reply(JsonError::from(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;
    use crate::resolver::captured;

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
    fn ping_replies_name_their_server() {
        let server = ServerInfo::from_ping_reply(captured::PING_2_14).unwrap();
        assert_eq!(server.name, "natsjwt-test-29434-2");
        assert_eq!(
            server.id,
            "NCTRO732C4XXNJCQ5TIEL6VDCQNMDQ7CA4S4QLIHT6PCG3FBGJ6NQATA"
        );
        let old = ServerInfo::from_ping_reply(captured::PING_2_9).unwrap();
        assert!(old.name.starts_with("natsjwt-test-") && old.id.starts_with('N'));
        assert!(matches!(
            ServerInfo::from_ping_reply(br#"{"server":{"name":"n1"},"statsz":{}}"#),
            Err(ResolverError::NoServerInfo)
        ));
        assert!(matches!(
            ServerInfo::from_ping_reply(b""),
            Err(ResolverError::Reply(_))
        ));
    }

    #[test]
    fn update_and_delete_replies() {
        for updated in [captured::UPDATED_2_14, captured::UPDATED_2_9] {
            let reply = ResolverReply::parse(updated).unwrap();
            assert!(reply.server.name.starts_with("natsjwt-test-"));
            assert_eq!(
                (reply.account.as_str(), reply.code, reply.message.as_str()),
                (reply.data["account"].as_str().unwrap(), 200, "jwt updated")
            );
        }
        let deleted = ResolverReply::parse(captured::DELETED).unwrap();
        assert_eq!((deleted.code, deleted.account.as_str()), (200, ""));
        assert_eq!(deleted.message, "deleted 1 accounts");

        let Err(ResolverError::Refused {
            server,
            account,
            code,
            description,
        }) = ResolverReply::parse(captured::UPDATE_REFUSED)
        else {
            panic!("a bad JWT is refused");
        };
        assert_eq!(
            (server.as_str(), account.as_str(), code),
            ("natsjwt-test-29434-0", "n/a", 500)
        );
        assert_eq!(
            description,
            "jwt update resulted in error - expected 3 chunks"
        );
        let refused = ResolverReply::parse(captured::DELETE_REFUSED).unwrap_err();
        assert!(
            refused
                .to_string()
                .ends_with("failed - not allowed to delete system account (code 500)")
        );
    }

    #[test]
    fn list_replies() {
        let listed = ResolverReply::parse(captured::LISTED_2_14).unwrap();
        let mut accounts = listed.accounts().unwrap();
        accounts.sort();
        let mut expected = [captured::TENANT, captured::SYSTEM];
        expected.sort();
        assert_eq!(accounts, expected);
        let old = ResolverReply::parse(captured::LISTED_2_9).unwrap();
        assert_eq!(old.accounts().unwrap().len(), 2);
        let updated = ResolverReply::parse(captured::UPDATED_2_14).unwrap();
        assert!(matches!(updated.accounts(), Err(ResolverError::Reply(_))));
    }

    #[test]
    fn malformed_replies() {
        assert!(matches!(
            ResolverReply::parse(b"nope"),
            Err(ResolverError::Reply(_))
        ));
        assert!(matches!(
            ResolverReply::parse(br#"{"data":{"code":200}}"#),
            Err(ResolverError::NoServerInfo)
        ));
        assert!(matches!(
            ResolverReply::parse(br#"{"server":{"name":"n1","id":"N1"}}"#),
            Err(ResolverError::EmptyReply)
        ));
    }

    #[test]
    fn lookup_replies() {
        let jwt = parse_lookup_reply(captured::LOOKED_UP).unwrap().unwrap();
        let claims = crate::AccountClaims::decode(&jwt).unwrap().into_claims();
        assert_eq!(claims.subject, captured::TENANT);
        assert_eq!(parse_lookup_reply(b"").unwrap(), None);
        assert!(matches!(
            parse_lookup_reply(b"\xff"),
            Err(ResolverError::NotAJwt)
        ));
    }
}

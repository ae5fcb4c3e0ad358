//! The account resolver's requests and replies, as `nats-server` and `nsc push` speak them.

use serde::Deserialize;

use super::ResolverError;
use crate::claims::{ClaimsError, GenericClaims};
use crate::jws::JsonError;
use crate::keys::{is_public_key_of, KeyKind, Signer};

/// Request subject to store or update an account JWT (payload: the JWT); see
/// [`account_update_subject`] for an example.
pub const UPDATE_SUBJECT: &str = "$SYS.REQ.CLAIMS.UPDATE";
/// Request subject to delete accounts (payload: [`delete_request`]); see
/// [`account_update_subject`] for an example.
pub const DELETE_SUBJECT: &str = "$SYS.REQ.CLAIMS.DELETE";
/// Request subject listing the accounts a full resolver stores (empty payload); see
/// [`account_update_subject`] for an example.
pub const LIST_SUBJECT: &str = "$SYS.REQ.CLAIMS.LIST";

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

/// The per-account lookup subject, `$SYS.REQ.ACCOUNT.<account>.CLAIMS.LOOKUP`: a full
/// resolver answers a request on it with the account's JWT itself (not a
/// [`ResolverReply`]), or with an empty message when it has none.
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
    ///
    /// ```
    /// use natsjwt::resolver::{ResolverError, ResolverReply};
    ///
    /// let updated = br#"{"server":{"name":"n1","id":"NSERVER"},
    ///     "data":{"account":"ATENANT","code":200,"message":"jwt updated"}}"#;
    /// let reply = ResolverReply::parse(updated)?;
    /// assert_eq!((reply.server.as_str(), reply.code), ("n1", 200));
    /// assert_eq!(reply.message, "jwt updated");
    ///
    /// let listed = br#"{"server":{"name":"n1"},"data":["ASYS","ATENANT"]}"#;
    /// assert_eq!(ResolverReply::parse(listed)?.data[1], "ATENANT");
    ///
    /// let refused = br#"{"server":{"name":"n1"},
    ///     "error":{"account":"ATENANT","code":500,"description":"jwt validation failed"}}"#;
    /// assert!(matches!(
    ///     ResolverReply::parse(refused),
    ///     Err(ResolverError::Refused { code: 500, .. })
    /// ));
    /// # Ok::<(), ResolverError>(())
    /// ```
    pub fn parse(reply: &[u8]) -> Result<ResolverReply, ResolverError> {
        let raw: RawReply =
            serde_json::from_slice(reply).map_err(|e| ResolverError::Reply(JsonError::from(e)))?;
        let server = raw.server.unwrap_or_default();
        if let Some(error) = raw.error {
            return Err(ResolverError::Refused {
                server: server.name,
                account: error.account,
                code: error.code,
                description: error.description,
            });
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
            server: server.name,
            server_id: server.id,
            data,
        })
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
            Err(ResolverError::EmptyReply)
        ));
    }
}

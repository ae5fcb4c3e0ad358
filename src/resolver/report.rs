//! [`Report`]: which servers of a cluster answered a resolver request and what each said;
//! [`Quorum`]: how many must answer.
//!
//! Without any network: a transport sends a request once, [records](Report::record) each
//! reply as it arrives, and stops when the report [is complete](Report::is_complete) or
//! its time is up; [`Report::require`] then says whether enough servers answered.

use std::collections::BTreeMap;
use std::fmt;

use super::{ResolverError, ServerInfo};
use crate::claims::AccountClaims;

/// How many of the expected servers must confirm a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quorum {
    /// Every expected server.
    #[default]
    All,
    /// At least this many of the expected servers.
    AtLeast(usize),
}

impl Quorum {
    /// How many confirmations this quorum needs out of `expected` servers.
    ///
    /// ```
    /// use natsjwt::resolver::Quorum;
    ///
    /// assert_eq!(Quorum::All.required(3), 3);
    /// assert_eq!(Quorum::AtLeast(2).required(3), 2);
    /// assert_eq!(Quorum::default(), Quorum::All);
    /// ```
    pub fn required(self, expected: usize) -> usize {
        match self {
            Quorum::All => expected,
            Quorum::AtLeast(count) => count,
        }
    }
}

/// The replies of the servers to one request, next to the servers expected to answer.
///
/// Servers are told apart by name, which is stable across restarts (the id is not: a
/// server draws a new one at each start). A reply from a server not expected is kept in
/// [`replies`](Report::replies) but counts for no quorum. The [`Display`](fmt::Display)
/// form is [`Report::summary`].
///
/// ```
/// use natsjwt::resolver::{Quorum, Report, ResolverError, ServerInfo};
///
/// let server = |name: &str| ServerInfo { name: name.into(), id: format!("N{name}") };
/// let mut report = Report::new(vec![server("n1"), server("n2"), server("n3")]);
/// report.record(server("n1"), "jwt updated");
/// report.record(server("n2"), "jwt updated");
/// assert_eq!(report.confirmed(), 2);
/// assert!(!report.is_complete());
/// assert_eq!(report.to_string(), "confirmed by 2/3 servers (missing: n3)");
///
/// let err = report.clone().require(Quorum::All).unwrap_err();
/// assert!(matches!(&err, ResolverError::NotConfirmed { missing, .. } if missing == &["n3"]));
/// assert_eq!(report.require(Quorum::AtLeast(2))?.missing, [server("n3")]);
/// # Ok::<(), ResolverError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<T> {
    /// The servers expected to answer.
    pub expected: Vec<ServerInfo>,
    /// Each server that answered and its reply, in the order they arrived.
    pub replies: Vec<(ServerInfo, T)>,
    /// The expected servers that did not answer.
    pub missing: Vec<ServerInfo>,
}

impl<T> Report<T> {
    /// A report before any reply: every expected server is missing. A server listed twice
    /// (by name) is expected once.
    pub fn new(expected: Vec<ServerInfo>) -> Self {
        let mut unique: Vec<ServerInfo> = Vec::with_capacity(expected.len());
        for server in expected {
            if !unique.iter().any(|known| known.name == server.name) {
                unique.push(server);
            }
        }
        Report {
            missing: unique.clone(),
            expected: unique,
            replies: Vec::new(),
        }
    }

    /// Records `server`'s reply; `false` (and nothing recorded) when that server had
    /// answered already.
    pub fn record(&mut self, server: ServerInfo, reply: T) -> bool {
        if self
            .replies
            .iter()
            .any(|(known, _)| known.name == server.name)
        {
            return false;
        }
        self.missing.retain(|missing| missing.name != server.name);
        self.replies.push((server, reply));
        true
    }

    /// How many of the expected servers answered.
    pub fn confirmed(&self) -> usize {
        // `missing` starts as `expected` and only shrinks.
        self.expected.len() - self.missing.len()
    }

    /// Whether every expected server answered.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// Whether enough of the expected servers answered for `quorum`.
    pub fn meets(&self, quorum: Quorum) -> bool {
        self.confirmed() >= quorum.required(self.expected.len())
    }

    /// The report itself when it [meets](Report::meets) `quorum`, else
    /// [`ResolverError::NotConfirmed`] naming the missing servers (see the [`Report`]
    /// example).
    pub fn require(self, quorum: Quorum) -> Result<Self, ResolverError> {
        if self.meets(quorum) {
            return Ok(self);
        }
        Err(ResolverError::NotConfirmed {
            confirmed: self.confirmed(),
            expected: self.expected.len(),
            required: quorum.required(self.expected.len()),
            missing: self.missing.iter().map(|s| s.name.clone()).collect(),
        })
    }

    /// One line, as `nsc push` sums up: `confirmed by 2/3 servers (missing: n3)`, and the
    /// servers that answered unexpected, if any: `confirmed by 3/3 servers (unexpected: n4)`.
    pub fn summary(&self) -> String {
        let missing: Vec<String> = self.missing.iter().map(|s| s.name.clone()).collect();
        let mut line = tally(self.confirmed(), self.expected.len(), None, &missing);
        let unexpected: Vec<&str> = self
            .replies
            .iter()
            .filter(|(server, _)| !self.expected.iter().any(|e| e.name == server.name))
            .map(|(server, _)| server.name.as_str())
            .collect();
        if !unexpected.is_empty() {
            line.push_str(&format!(" (unexpected: {})", unexpected.join(", ")));
        }
        line
    }

    /// Whether a transport should wait for more replies: until every expected server
    /// answered or, with none expected (a ping that discovers them), for as long as it
    /// waits at all.
    ///
    /// ```
    /// use natsjwt::resolver::{Report, ServerInfo};
    ///
    /// let n1 = ServerInfo { name: "n1".into(), id: "NID1".into() };
    /// let mut report = Report::new(vec![n1.clone()]);
    /// assert!(report.awaits_more());
    /// report.record(n1.clone(), ());
    /// assert!(!report.awaits_more());
    ///
    /// let mut discovery = Report::new(vec![]);
    /// discovery.record(n1, ());
    /// assert!(discovery.awaits_more()); // another server may still answer
    /// ```
    pub fn awaits_more(&self) -> bool {
        self.expected.is_empty() || !self.missing.is_empty()
    }
}

impl<T> fmt::Display for Report<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// `confirmed by 2/3 servers (missing: n3)`, with `, 3 required` before the parenthesis
/// when `required` is given: the words of [`Report::summary`] and of
/// [`ResolverError::NotConfirmed`].
pub(crate) fn tally(
    confirmed: usize,
    expected: usize,
    required: Option<usize>,
    missing: &[String],
) -> String {
    let mut line = format!("confirmed by {confirmed}/{expected} servers");
    if let Some(required) = required {
        line.push_str(&format!(", {required} required"));
    }
    if !missing.is_empty() {
        line.push_str(&format!(" (missing: {})", missing.join(", ")));
    }
    line
}

/// ` (n1, n3)`, or nothing for no names.
pub(crate) fn parenthesized(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    }
}

/// Reading the replies of `$SYS.REQ.CLAIMS.LIST` (each server's account keys) together
/// with those of [`account_lookup_subject`](super::account_lookup_subject), which bring an
/// account's JWT from every server that holds it but do not say which server sent which.
///
/// ```
/// use std::collections::BTreeMap;
///
/// use natsjwt::resolver::{Report, ServerInfo};
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let operator = KeyPair::new_operator()?;
/// let tenant = KeyPair::new_account()?;
/// let key = tenant.public_key().to_string();
/// let old = AccountClaims::new(key.as_str()).encode_at(&operator, 1_700_000_000)?;
/// let new = AccountClaims::new(key.as_str()).encode_at(&operator, 1_700_000_100)?;
///
/// let server = |name: &str| ServerInfo { name: name.into(), id: format!("N{name}") };
/// let mut listed = Report::new(vec![server("n1"), server("n2"), server("n3")]);
/// listed.record(server("n1"), vec![key.clone()]);
/// listed.record(server("n2"), vec![key.clone()]);
/// listed.record(server("n3"), vec![]);
/// let names = vec!["n1".to_owned(), "n2".to_owned()];
/// assert_eq!(listed.holders(), BTreeMap::from([(key.clone(), names)]));
///
/// // Who holds what: sure when the JWTs that came back agree.
/// let held = listed.holders_of(&key, vec![new.clone(), new.clone()])?;
/// assert_eq!(held.replies[0], (server("n1"), Some(new.clone())));
/// assert_eq!(held.replies[2], (server("n3"), None));
/// assert!(listed.holders_of(&key, vec![old.clone(), new.clone()]).is_err());
///
/// // The newest of every account, whoever holds it.
/// let found = BTreeMap::from([(key.clone(), vec![old, new.clone()])]);
/// assert_eq!(listed.newest_jwts(found)?, [new]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Report<Vec<String>> {
    /// Per account any server lists, the names of the servers that list it.
    pub fn holders(&self) -> BTreeMap<String, Vec<String>> {
        let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (server, accounts) in &self.replies {
            for account in accounts {
                holders
                    .entry(account.clone())
                    .or_default()
                    .push(server.name.clone());
            }
        }
        holders
    }

    /// Who holds which JWT of `account`, given the JWTs its lookup brought back: the
    /// servers that list the account hold that JWT, the others none. That is sure only
    /// when as many JWTs came back as servers list the account and all are the same (and
    /// a valid JWT of that account); else [`ResolverError::UnclearLookup`] (or
    /// [`ResolverError::AccountJwt`]).
    pub fn holders_of(
        &self,
        account: &str,
        jwts: Vec<String>,
    ) -> Result<Report<Option<String>>, ResolverError> {
        let holders = self.holders().remove(account).unwrap_or_default();
        let received = jwts.len();
        let jwts = distinct(jwts);
        let jwt = match jwts.as_slice() {
            [] if holders.is_empty() => None,
            [one] if received == holders.len() => {
                account_claims(account, one)?;
                Some(one.clone())
            }
            _ => {
                return Err(ResolverError::UnclearLookup {
                    account: account.to_owned(),
                    holders,
                    received,
                    jwts,
                });
            }
        };
        let mut report = Report::new(self.expected.clone());
        for (server, accounts) in &self.replies {
            let held = accounts.iter().any(|a| a == account).then(|| jwt.clone());
            report.record(server.clone(), held.flatten());
        }
        Ok(report)
    }

    /// Per account any server lists, the newest (by `iat`) of the JWTs its lookup brought
    /// back (`found`, by account), in the order of the account keys. Fewer JWTs than
    /// servers list the account is [`ResolverError::UnclearLookup`]: the newest may be the
    /// one that did not come.
    pub fn newest_jwts(
        &self,
        mut found: BTreeMap<String, Vec<String>>,
    ) -> Result<Vec<String>, ResolverError> {
        let holders = self.holders();
        let mut newest = Vec::with_capacity(holders.len());
        for (account, holders) in holders {
            let jwts = found.remove(&account).unwrap_or_default();
            if jwts.len() < holders.len() {
                return Err(ResolverError::UnclearLookup {
                    account,
                    holders,
                    received: jwts.len(),
                    jwts: distinct(jwts),
                });
            }
            let decoded = jwts
                .into_iter()
                .map(|jwt| {
                    let claims = account_claims(&account, &jwt)?;
                    Ok((claims.issued_at, jwt))
                })
                .collect::<Result<Vec<_>, ResolverError>>()?;
            // Two JWTs of one `iat` (and one `jti`, which hashes the standard claims only)
            // the servers settle by arrival; comparing their text too makes the answer
            // independent of the order of the replies.
            newest.extend(decoded.into_iter().max().map(|(_, jwt)| jwt));
        }
        Ok(newest)
    }
}

fn distinct(mut jwts: Vec<String>) -> Vec<String> {
    jwts.sort();
    jwts.dedup();
    jwts
}

/// `jwt` decoded as the account JWT of `account` (signed by its issuer, for that subject).
fn account_claims(account: &str, jwt: &str) -> Result<AccountClaims, ResolverError> {
    let bad = |reason: String| ResolverError::AccountJwt {
        account: account.to_owned(),
        reason,
    };
    let claims = AccountClaims::decode(jwt)
        .map_err(|e| bad(e.to_string()))?
        .into_claims();
    if claims.subject != account {
        return Err(bad(format!("it is the JWT of {}", claims.subject)));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;
    use crate::resolver::{ResolverReply, captured, parse_lookup_reply};

    fn server(name: &str) -> ServerInfo {
        ServerInfo {
            name: name.to_owned(),
            id: format!("N{name}"),
        }
    }

    fn three() -> Report<&'static str> {
        Report::new(vec![server("n1"), server("n2"), server("n3")])
    }

    #[test]
    fn replies_are_counted_once_per_server_and_against_the_expected() {
        let mut report = Report::new(vec![server("n1"), server("n2"), server("n1")]);
        assert_eq!(report.expected, [server("n1"), server("n2")]);
        assert!(report.awaits_more());
        assert!(report.record(server("n2"), "a"));
        assert!(!report.record(server("n2"), "again"));
        // A server that restarted has a new id: still the same server.
        assert!(!report.record(
            ServerInfo {
                id: "NEW".into(),
                ..server("n2")
            },
            "b"
        ));
        assert!(report.record(server("n4"), "unexpected"));
        assert_eq!(report.confirmed(), 1);
        assert_eq!(report.missing, [server("n1")]);
        assert_eq!(
            report.summary(),
            "confirmed by 1/2 servers (missing: n1) (unexpected: n4)"
        );
        assert!(report.record(server("n1"), "c"));
        assert!(report.is_complete() && !report.awaits_more());
        assert_eq!(
            report.to_string(),
            "confirmed by 2/2 servers (unexpected: n4)"
        );
        assert_eq!(report.replies.len(), 3);
    }

    #[test]
    fn quorums() {
        let mut report = three();
        assert!(report.meets(Quorum::AtLeast(0)));
        report.record(server("n1"), "ok");
        report.record(server("n3"), "ok");
        assert!(!report.meets(Quorum::All));
        assert!(report.meets(Quorum::AtLeast(2)));
        assert!(!report.meets(Quorum::AtLeast(4)));
        let err = report.clone().require(Quorum::All).unwrap_err();
        assert_eq!(
            err.to_string(),
            "confirmed by 2/3 servers, 3 required (missing: n2)"
        );
        let ResolverError::NotConfirmed {
            confirmed,
            expected,
            required,
            missing,
        } = err
        else {
            panic!("not confirmed");
        };
        assert_eq!(
            (confirmed, expected, required, missing),
            (2, 3, 3, vec!["n2".to_owned()])
        );
        assert_eq!(
            report.require(Quorum::AtLeast(2)).unwrap().missing,
            [server("n2")]
        );
        let none: Report<()> = Report::new(vec![server("n1")]);
        assert_eq!(
            none.require(Quorum::AtLeast(1)).unwrap_err().to_string(),
            "confirmed by 0/1 servers, 1 required (missing: n1)"
        );
    }

    #[test]
    fn discovery_waits_for_whoever_answers() {
        let mut report: Report<()> = Report::new(vec![]);
        assert!(report.is_complete() && report.awaits_more());
        report.record(server("n1"), ());
        assert!(report.awaits_more());
        assert_eq!(
            report.summary(),
            "confirmed by 0/0 servers (unexpected: n1)"
        );
    }

    /// An account, and two of its JWTs: `old`, then `new`.
    fn versions() -> (String, String, String) {
        let operator = KeyPair::new_operator().unwrap();
        let account = KeyPair::new_account().unwrap();
        let key = account.public_key().to_string();
        let mut claims = AccountClaims::new(key.as_str());
        let old = claims.clone().encode_at(&operator, 1_700_000_000).unwrap();
        let new = claims.encode_at(&operator, 1_700_000_100).unwrap();
        (key, old, new)
    }

    fn listing(lists: [(&str, Vec<String>); 3]) -> Report<Vec<String>> {
        let mut report = Report::new(vec![server("n1"), server("n2"), server("n3")]);
        for (name, accounts) in lists {
            report.record(server(name), accounts);
        }
        report
    }

    #[test]
    fn who_holds_which_jwt() {
        // Captured: three servers list the tenant, and its lookup brings the same JWT
        // three times.
        let listed = ResolverReply::parse(captured::LISTED_2_14)
            .unwrap()
            .accounts()
            .unwrap();
        let jwt = parse_lookup_reply(captured::LOOKED_UP).unwrap().unwrap();
        let report = listing([
            ("n1", listed.clone()),
            ("n2", listed.clone()),
            ("n3", listed),
        ]);
        assert_eq!(report.holders()[captured::TENANT], ["n1", "n2", "n3"]);
        let held = report
            .holders_of(
                captured::TENANT,
                vec![jwt.clone(), jwt.clone(), jwt.clone()],
            )
            .unwrap();
        assert!(held.is_complete());
        assert!(
            held.replies
                .iter()
                .all(|(_, held)| held.as_ref() == Some(&jwt))
        );

        let (key, old, new) = versions();
        let report = listing([
            ("n1", vec![key.clone()]),
            ("n2", vec![]),
            ("n3", vec![key.clone()]),
        ]);
        let held = report
            .holders_of(&key, vec![new.clone(), new.clone()])
            .unwrap();
        assert_eq!(
            held.replies,
            [
                (server("n1"), Some(new.clone())),
                (server("n2"), None),
                (server("n3"), Some(new.clone()))
            ]
        );
        // Two versions: who holds which is not known.
        let err = report
            .holders_of(&key, vec![new.clone(), old.clone()])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot tell which server holds which JWT of {key}: 2 servers list it \
                 (n1, n3), 2 sent a JWT, 2 different"
            )
        );
        let ResolverError::UnclearLookup {
            holders,
            received,
            jwts,
            ..
        } = err
        else {
            panic!("two versions are unclear");
        };
        assert_eq!(
            (holders, received, jwts.len()),
            (vec!["n1".to_owned(), "n3".to_owned()], 2, 2)
        );
        // One holder's JWT did not come.
        assert!(matches!(
            report.holders_of(&key, vec![new.clone()]),
            Err(ResolverError::UnclearLookup { received: 1, .. })
        ));
        // Held by none.
        let nobody = listing([("n1", vec![]), ("n2", vec![]), ("n3", vec![])]);
        let held = nobody.holders_of(&key, vec![]).unwrap();
        assert!(held.replies.iter().all(|(_, held)| held.is_none()));
        // Not the account's JWT.
        let (other, _, other_jwt) = versions();
        let Err(ResolverError::AccountJwt { account, reason }) =
            report.holders_of(&key, vec![other_jwt.clone(), other_jwt])
        else {
            panic!("another account's JWT is refused");
        };
        assert_eq!(
            (account, reason),
            (key.clone(), format!("it is the JWT of {other}"))
        );
        assert!(matches!(
            report.holders_of(&key, vec!["x".into(), "x".into()]),
            Err(ResolverError::AccountJwt { .. })
        ));
    }

    #[test]
    fn the_newest_jwt_of_every_account() {
        let (a, a_old, a_new) = versions();
        let (b, _, b_new) = versions();
        let report = listing([
            ("n1", vec![a.clone(), b.clone()]),
            ("n2", vec![a.clone()]),
            ("n3", vec![]),
        ]);
        let found = BTreeMap::from([
            (a.clone(), vec![a_new.clone(), a_old.clone()]),
            (b.clone(), vec![b_new.clone()]),
        ]);
        let mut expected = vec![(a.clone(), a_new.clone()), (b.clone(), b_new.clone())];
        expected.sort();
        let expected: Vec<String> = expected.into_iter().map(|(_, jwt)| jwt).collect();
        assert_eq!(report.newest_jwts(found).unwrap(), expected);

        // n2's JWT of `a` did not come back: the newest may be that one.
        let found = BTreeMap::from([(a.clone(), vec![a_old]), (b.clone(), vec![b_new])]);
        assert!(matches!(
            report.newest_jwts(found),
            Err(ResolverError::UnclearLookup { received: 1, .. })
        ));
    }

    #[test]
    fn equal_iats_are_settled_whatever_the_order_of_the_replies() {
        let operator = KeyPair::new_operator().unwrap();
        let account = KeyPair::new_account().unwrap();
        let key = account.public_key().to_string();
        let mut claims = AccountClaims::new(key.as_str());
        let first = claims.clone().encode_at(&operator, 1_700_000_000).unwrap();
        claims.nats.limits.conn = 5;
        let second = claims.clone().encode_at(&operator, 1_700_000_000).unwrap();
        claims.name = "renamed".into();
        let third = claims.encode_at(&operator, 1_700_000_000).unwrap();
        let jti = |jwt: &str| AccountClaims::decode(jwt).unwrap().into_claims().id;
        // Only the standard claims make the `jti`.
        assert_eq!(jti(&first), jti(&second));
        assert_ne!(jti(&first), jti(&third));
        let winner = [&first, &second, &third].into_iter().max().unwrap().clone();
        let report = listing([
            ("n1", vec![key.clone()]),
            ("n2", vec![key.clone()]),
            ("n3", vec![key.clone()]),
        ]);
        for order in [
            vec![first.clone(), second.clone(), third.clone()],
            vec![third.clone(), second.clone(), first.clone()],
            vec![second.clone(), first.clone(), third.clone()],
        ] {
            let found = BTreeMap::from([(key.clone(), order)]);
            assert_eq!(
                report.newest_jwts(found).unwrap(),
                std::slice::from_ref(&winner)
            );
        }
    }
}

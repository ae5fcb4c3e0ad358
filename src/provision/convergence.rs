//! Convergence: what each server holds, against the store, and what to send so that every
//! server holds what the store holds.
//!
//! A full resolver that was down while an account changed comes back with the old JWT and
//! keeps it until its sync interval (2 minutes by default) — accepting, until then, users
//! the new JWT revokes. One that was down while an account was deleted brings the account
//! back to every server at its next sync (nats-server issue #6559). [`plan`] finds both
//! from what every server answers a lookup with; the caller re-pushes and re-deletes.
//! The store is the truth: a server that holds a newer JWT than the store is reported,
//! never overwritten. [`only_on_servers`] finds the accounts the servers hold that the
//! store does not know at all (what `nsc push --prune` deletes).

use std::collections::{BTreeMap, BTreeSet};

use crate::claims::{AccountClaims, decode_unverified};
use crate::resolver::{Report, ServerInfo};

/// How one server's copy of one account compares with the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Standing {
    /// The server holds the store's JWT.
    Current,
    /// The server holds no JWT for an account the store holds.
    Missing,
    /// The server holds an older JWT (or another of the same `iat`): push the store's.
    Behind {
        /// The `iat` of the server's JWT.
        held: i64,
        /// The `iat` of the store's.
        stored: i64,
    },
    /// The server holds a newer JWT than the store: left alone, and reported.
    Ahead {
        /// The `iat` of the server's JWT.
        held: i64,
        /// The `iat` of the store's.
        stored: i64,
    },
    /// The server holds an account the store deleted: delete it again.
    Resurrected,
    /// The server answered with something that is not an account JWT.
    Unreadable,
}

/// The standing of one copy of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The servers that hold this copy (when the servers' answers do not say which of
    /// them holds which copy, every server that holds some copy).
    pub servers: Vec<ServerInfo>,
    /// The account's public key.
    pub account: String,
    /// How the server's copy compares with the store.
    pub standing: Standing,
}

/// What to send so that every server holds what the store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The accounts (public keys) to push again: some server is behind or lacks them.
    pub push: Vec<String>,
    /// The deleted accounts (public keys) to delete again: some server holds them.
    pub delete: Vec<String>,
    /// Every server whose copy differs from the store, and how.
    pub divergences: Vec<Divergence>,
}

impl Plan {
    /// True when every server that answered holds what the store holds.
    pub fn is_converged(&self) -> bool {
        self.divergences.is_empty()
    }
}

/// One copy of an account on the servers: the JWT (`None`: no JWT) and the servers
/// that hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The servers that hold this copy, or that may (see [`Divergence::servers`]).
    pub servers: Vec<ServerInfo>,
    /// The JWT, or `None` for servers that hold none.
    pub jwt: Option<String>,
}

/// What the servers hold of one account: the store's JWT (`None` for a deleted account)
/// and the copies the servers hold.
#[derive(Debug, Clone, Copy)]
pub struct Holdings<'a> {
    /// The account's public key.
    pub account: &'a str,
    /// The store's JWT, or `None` when the store holds a tombstone for the account.
    pub stored: Option<&'a str>,
    /// The servers' copies.
    pub held: &'a [Held],
}

/// The plan that makes every server in `holdings` hold what the store holds.
///
/// ```
/// use natsjwt::clock::FixedClock;
/// use natsjwt::provision::convergence::{plan, Held, Holdings, Standing};
/// use natsjwt::resolver::ServerInfo;
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let operator = KeyPair::new_operator()?;
/// let account = KeyPair::new_account()?;
/// let mut claims = AccountClaims::new(account.public_key().as_str());
/// let old = claims.encode_with_clock(&operator, &FixedClock(100))?;
/// claims.nats.limits.conn = 10;
/// let new = claims.encode_with_clock(&operator, &FixedClock(200))?;
///
/// let server = |name: &str| ServerInfo { name: name.into(), id: format!("N{name}") };
/// let held = [
///     Held { servers: vec![server("n1"), server("n2")], jwt: Some(new.clone()) },
///     Held { servers: vec![server("n3")], jwt: Some(old) },
/// ];
/// let plan = plan(&[Holdings { account: account.public_key().as_str(), stored: Some(&new), held: &held }]);
/// assert_eq!(plan.push, [account.public_key().as_str()]);
/// assert_eq!(plan.divergences.len(), 1);
/// assert_eq!(plan.divergences[0].servers, [server("n3")]);
/// assert_eq!(plan.divergences[0].standing, Standing::Behind { held: 100, stored: 200 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan(holdings: &[Holdings<'_>]) -> Plan {
    let mut plan = Plan::default();
    for holding in holdings {
        for held in holding.held {
            let standing = standing(holding.stored, held.jwt.as_deref());
            if let Some(standing) = standing {
                plan.divergences.push(Divergence {
                    servers: held.servers.clone(),
                    account: holding.account.to_owned(),
                    standing,
                });
            }
        }
        let account = holding.account.to_owned();
        let diverged = |wanted: fn(&Standing) -> bool| {
            plan.divergences
                .iter()
                .any(|d| d.account == holding.account && wanted(&d.standing))
        };
        if diverged(|s| matches!(s, Standing::Missing | Standing::Behind { .. })) {
            plan.push.push(account);
        } else if diverged(|s| matches!(s, Standing::Resurrected)) {
            plan.delete.push(account);
        }
    }
    plan
}

/// The accounts that the servers list (`listed`: each server's answer to
/// `$SYS.REQ.CLAIMS.LIST`) and the store does not know: per account public key, the
/// names of the servers that list it, sorted. `known` holds the public keys of the store's
/// accounts; `system_account` is never among the result, known or not (deleting it would
/// cut the operator off its servers).
///
/// This is the comparison of `nsc push --prune` ("account X only exists in server").
///
/// ```
/// use std::collections::BTreeSet;
///
/// use natsjwt::provision::convergence::only_on_servers;
/// use natsjwt::resolver::{Report, ServerInfo};
/// use natsjwt::KeyPair;
///
/// let key = || KeyPair::new_account().map(|k| k.public_key().to_string());
/// let (system, tenant, stray) = (key()?, key()?, key()?);
/// let server = |name: &str| ServerInfo { name: name.into(), id: format!("N{name}") };
/// let mut listed = Report::new(vec![server("n1"), server("n2")]);
/// listed.record(server("n1"), vec![system.clone(), tenant.clone(), stray.clone()]);
/// listed.record(server("n2"), vec![system.clone(), stray.clone()]);
///
/// // The store knows the tenant; the system account is the operator's.
/// let known = BTreeSet::from([tenant]);
/// let only = only_on_servers(&listed, &known, &system);
/// assert_eq!(only.len(), 1);
/// assert_eq!(only[&stray], ["n1", "n2"]);
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
pub fn only_on_servers(
    listed: &Report<Vec<String>>,
    known: &BTreeSet<String>,
    system_account: &str,
) -> BTreeMap<String, Vec<String>> {
    let mut holders = listed.holders();
    holders.retain(|account, _| account != system_account && !known.contains(account));
    // In the order of the names, not of the replies' arrival.
    holders.values_mut().for_each(|servers| servers.sort());
    holders
}

/// The `iat` of an account JWT, or `None` when it is none.
fn issued_at(jwt: &str) -> Option<i64> {
    let token = decode_unverified::<AccountClaims>(jwt).ok()?;
    Some(token.unverified_claims().issued_at)
}

/// How a server's copy `held` compares with the store's (`stored`: `None` for a deleted
/// account); `None` when it is the same.
///
/// Copies are compared whole, not by `jti`: Go's `jti` hashes the standard claims only,
/// so two versions signed in the same second (a revocation right after an update) share
/// it.
fn standing(stored: Option<&str>, held: Option<&str>) -> Option<Standing> {
    let Some(stored) = stored else {
        return held.map(|_| Standing::Resurrected);
    };
    let Some(held) = held else {
        return Some(Standing::Missing);
    };
    if held == stored {
        return None;
    }
    let (Some(held), Some(stored)) = (issued_at(held), issued_at(stored)) else {
        return Some(Standing::Unreadable);
    };
    if held > stored {
        Some(Standing::Ahead { held, stored })
    } else {
        Some(Standing::Behind { held, stored })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyPair;

    fn server(name: &str) -> ServerInfo {
        ServerInfo {
            name: name.into(),
            id: format!("N{name}"),
        }
    }

    fn copy(name: &str, jwt: Option<&str>) -> Held {
        Held {
            servers: vec![server(name)],
            jwt: jwt.map(str::to_owned),
        }
    }

    /// An account key and its JWTs issued at each of `iats`.
    fn versions(iats: &[i64]) -> (String, Vec<String>) {
        let operator = KeyPair::new_operator().unwrap();
        let account = KeyPair::new_account().unwrap();
        let mut claims = AccountClaims::new(account.public_key().as_str());
        let jwts = iats
            .iter()
            .map(|&iat| {
                claims.name = format!("v{iat}");
                claims
                    .encode_with_clock(&operator, &crate::clock::FixedClock(iat))
                    .unwrap()
            })
            .collect();
        (account.public_key().to_string(), jwts)
    }

    #[test]
    fn each_standing() {
        let (key, jwts) = versions(&[100, 200, 300]);
        let held = [
            copy("current", Some(&jwts[1])),
            copy("missing", None),
            copy("behind", Some(&jwts[0])),
            copy("ahead", Some(&jwts[2])),
            copy("garbage", Some("not a jwt")),
        ];
        let plan = plan(&[Holdings {
            account: &key,
            stored: Some(&jwts[1]),
            held: &held,
        }]);
        let standings: Vec<(&str, &Standing)> = plan
            .divergences
            .iter()
            .map(|d| (d.servers[0].name.as_str(), &d.standing))
            .collect();
        assert_eq!(
            standings,
            [
                ("missing", &Standing::Missing),
                (
                    "behind",
                    &Standing::Behind {
                        held: 100,
                        stored: 200
                    }
                ),
                (
                    "ahead",
                    &Standing::Ahead {
                        held: 300,
                        stored: 200
                    }
                ),
                ("garbage", &Standing::Unreadable),
            ]
        );
        assert_eq!(plan.push, [key.as_str()]);
        assert!(plan.delete.is_empty());
    }

    #[test]
    fn a_server_ahead_of_the_store_is_not_pushed_over() {
        let (key, jwts) = versions(&[100, 200]);
        let held = [copy("n1", Some(&jwts[1]))];
        let plan = plan(&[Holdings {
            account: &key,
            stored: Some(&jwts[0]),
            held: &held,
        }]);
        assert!(plan.push.is_empty() && !plan.is_converged());
    }

    #[test]
    fn a_deleted_account_held_anywhere_is_deleted_again() {
        let (key, jwts) = versions(&[100]);
        let held = [copy("n1", None), copy("n3", Some(&jwts[0]))];
        let plan = plan(&[Holdings {
            account: &key,
            stored: None,
            held: &held,
        }]);
        assert_eq!(plan.delete, [key.as_str()]);
        assert_eq!(plan.divergences.len(), 1);
        assert_eq!(plan.divergences[0].standing, Standing::Resurrected);
        let gone = [copy("n1", None), copy("n3", None)];
        let converged = super::plan(&[Holdings {
            account: &key,
            stored: None,
            held: &gone,
        }]);
        assert!(converged.is_converged() && converged.delete.is_empty());
    }

    #[test]
    fn only_accounts_the_store_does_not_know_are_on_servers_only() {
        let key = || KeyPair::new_account().unwrap().public_key().to_string();
        let (system, tenant, stray, other) = (key(), key(), key(), key());
        let mut listed = Report::new(vec![server("n1"), server("n2"), server("n3")]);
        // n2 answers first: the names come sorted all the same.
        listed.record(
            server("n2"),
            vec![tenant.clone(), other.clone(), stray.clone()],
        );
        listed.record(
            server("n1"),
            vec![system.clone(), tenant.clone(), stray.clone()],
        );
        listed.record(server("n3"), vec![system.clone()]);
        let known = BTreeSet::from([tenant.clone()]);
        let only = only_on_servers(&listed, &known, &system);
        let expected = BTreeMap::from([
            (stray, vec!["n1".to_owned(), "n2".to_owned()]),
            (other, vec!["n2".to_owned()]),
        ]);
        assert_eq!(only, expected);
        // The system account is kept even when the store does not list it as known, and
        // nothing is on the servers only when the store knows all the rest.
        let all: BTreeSet<String> = expected.into_keys().chain([tenant]).collect();
        assert!(only_on_servers(&listed, &all, &system).is_empty());
    }
}

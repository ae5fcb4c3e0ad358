//! Revocation lists: public key (or `*`) → Unix time; tokens issued at or before it are revoked.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::go::json::{IsEmpty, unique_map};

/// Revocations of users (in an account) or activations (in an export).
///
/// A token is revoked when its `iat` is at or before the time recorded for its subject,
/// or for `*` (the comparison is inclusive, as in Go and the server).
///
/// [`AccountClaims::revoke_at`](crate::AccountClaims::revoke_at) and
/// [`Export::revoke_at`](crate::types::Export::revoke_at) fill the account's and an
/// export's lists.
///
/// ```
/// use natsjwt::types::RevocationList;
/// use natsjwt::KeyPair;
///
/// let (alice, bob) = (KeyPair::new_user()?, KeyPair::new_user()?);
/// let (alice, bob) = (alice.public_key().as_str(), bob.public_key().as_str());
/// let mut revoked = RevocationList::new();
/// revoked.revoke(alice, 1_700_000_000);
/// assert!(revoked.is_revoked(alice, 1_700_000_000)); // inclusive
/// assert!(!revoked.is_revoked(alice, 1_700_000_001)); // a newer token is fine
/// assert!(!revoked.is_revoked(bob, 1));
///
/// // `*` revokes everyone's older tokens; compacting drops the entries it covers.
/// revoked.revoke(RevocationList::ALL, 1_800_000_000);
/// assert!(revoked.is_revoked(bob, 1_800_000_000));
/// assert_eq!(revoked.compact(), [(alice.to_owned(), 1_700_000_000)]);
/// assert_eq!(revoked.len(), 1);
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RevocationList(pub BTreeMap<String, i64>);

impl<'de> Deserialize<'de> for RevocationList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        unique_map(deserializer).map(RevocationList)
    }
}

impl RevocationList {
    /// The key that revokes every token issued at or before its time.
    pub const ALL: &'static str = "*";

    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Revokes tokens of `public_key` issued at or before `timestamp` (Unix seconds).
    ///
    /// An entry is never moved earlier: revoking at an older time than recorded does nothing.
    pub fn revoke(&mut self, public_key: &str, timestamp: i64) {
        match self.0.get(public_key) {
            Some(&existing) if existing > timestamp => {}
            _ => {
                self.0.insert(public_key.to_owned(), timestamp);
            }
        }
    }

    /// Removes the entry for `public_key`.
    pub fn clear(&mut self, public_key: &str) {
        self.0.remove(public_key);
    }

    /// True when a token of `public_key` issued at `issued_at` is revoked.
    pub fn is_revoked(&self, public_key: &str, issued_at: i64) -> bool {
        let revoked = |key: &str| self.0.get(key).is_some_and(|&ts| ts >= issued_at);
        revoked(Self::ALL) || revoked(public_key)
    }

    /// When a `*` entry exists, removes the entries it covers (time at or before it) and
    /// returns them.
    pub fn compact(&mut self) -> Vec<(String, i64)> {
        let Some(&all) = self.0.get(Self::ALL) else {
            return Vec::new();
        };
        let covered: Vec<(String, i64)> = self
            .0
            .iter()
            .filter(|(key, ts)| key.as_str() != Self::ALL && all >= **ts)
            .map(|(key, &ts)| (key.clone(), ts))
            .collect();
        for (key, _) in &covered {
            self.0.remove(key);
        }
        covered
    }

    /// The recorded time for `public_key`.
    pub fn get(&self, public_key: &str) -> Option<i64> {
        self.0.get(public_key).copied()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IsEmpty for RevocationList {
    fn is_empty_value(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_and_never_earlier() {
        let mut r = RevocationList::new();
        r.revoke("U1", 100);
        assert!(r.is_revoked("U1", 100));
        assert!(r.is_revoked("U1", 99));
        assert!(!r.is_revoked("U1", 101));
        r.revoke("U1", 50);
        assert_eq!(r.get("U1"), Some(100));
        r.revoke("U1", 150);
        assert_eq!(r.get("U1"), Some(150));
        r.clear("U1");
        assert!(!r.is_revoked("U1", 1));
    }

    #[test]
    fn star_revokes_everyone_and_compacts() {
        let mut r = RevocationList::new();
        r.revoke("U1", 10);
        r.revoke("U2", 30);
        r.revoke(RevocationList::ALL, 20);
        assert!(r.is_revoked("U9", 20));
        assert!(!r.is_revoked("U9", 21));
        assert!(r.is_revoked("U2", 25));
        assert_eq!(r.compact(), vec![("U1".to_owned(), 10)]);
        assert_eq!(r.len(), 2);
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"*":20,"U2":30}"#);
    }
}

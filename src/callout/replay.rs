//! Refusing a request seen before: the identifiers of recent requests (the server's
//! per-connection user key, the client's nonce), each kept until the request expires, in
//! bounded memory.

use std::collections::{HashSet, VecDeque};

/// Identifiers (`user_nkey`, nonce) of the requests seen, with when each may be forgotten.
#[derive(Debug)]
pub(crate) struct ReplayGuard {
    seen: HashSet<String>,
    /// In arrival order: (forget after, identifier).
    order: VecDeque<(i64, String)>,
    capacity: usize,
}

impl ReplayGuard {
    /// Remembers at most `capacity` identifiers.
    pub(crate) fn new(capacity: usize) -> Self {
        ReplayGuard {
            seen: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Records `ids` (empty ones are skipped) until `until` (Unix seconds); the first one
    /// already seen is returned instead, and then nothing is recorded.
    ///
    /// An identifier is forgotten once `now > until` (its request is expired then and
    /// refused for that), or earlier when `capacity` newer ones arrived.
    pub(crate) fn record<'a>(
        &mut self,
        ids: &[&'a str],
        until: i64,
        now: i64,
    ) -> Result<(), &'a str> {
        while let Some((forget_after, _)) = self.order.front() {
            if *forget_after >= now {
                break;
            }
            self.forget_oldest();
        }
        if let Some(seen) = ids
            .iter()
            .find(|id| !id.is_empty() && self.seen.contains(**id))
        {
            return Err(seen);
        }
        for id in ids.iter().filter(|id| !id.is_empty()) {
            if self.capacity == 0 {
                break;
            }
            while self.order.len() >= self.capacity {
                self.forget_oldest();
            }
            self.seen.insert((*id).to_owned());
            self.order.push_back((until, (*id).to_owned()));
        }
        Ok(())
    }

    fn forget_oldest(&mut self) {
        if let Some((_, id)) = self.order.pop_front() {
            self.seen.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_sighting_within_the_lifetime_is_refused() {
        let mut guard = ReplayGuard::new(10);
        assert_eq!(guard.record(&["j1", "n1"], 100, 90), Ok(()));
        assert_eq!(guard.record(&["j1", ""], 100, 95), Err("j1"));
        // Another jti with the same client nonce is refused too.
        assert_eq!(guard.record(&["j2", "n1"], 100, 95), Err("n1"));
        // Refused attempts record nothing.
        assert_eq!(guard.record(&["j2", ""], 100, 95), Ok(()));
        // At the expiry second it is still remembered; after it, forgotten.
        assert_eq!(guard.record(&["j1"], 100, 100), Err("j1"));
        assert_eq!(guard.record(&["j1"], 200, 101), Ok(()));
    }

    #[test]
    fn memory_is_bounded() {
        let mut guard = ReplayGuard::new(3);
        for id in ["a", "b", "c", "d"] {
            assert_eq!(guard.record(&[id], 1_000, 0), Ok(()));
        }
        assert_eq!(guard.order.len(), 3);
        assert_eq!(guard.seen.len(), 3);
        // The oldest was forgotten to make room; the others are still refused.
        assert_eq!(guard.record(&["a"], 1_000, 0), Ok(()));
        assert_eq!(guard.record(&["c"], 1_000, 0), Err("c"));
        let mut off = ReplayGuard::new(0);
        assert_eq!(off.record(&["a"], 1_000, 0), Ok(()));
        assert_eq!(off.record(&["a"], 1_000, 0), Ok(()));
    }
}

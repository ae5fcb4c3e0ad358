//! When claims are in force: the one place that compares `exp` and `nbf` with a clock.

/// How `exp` and `nbf` are compared with the time: Go's `Validate` rule, or the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimePolicy {
    /// Seconds of slack on both ends.
    leeway: i64,
    /// Expired from the `exp` second on (the server), rather than only after it (Go).
    expired_at_exp: bool,
}

impl TimePolicy {
    /// Go's `ClaimsData.Validate`: expired once `now > exp`, not yet valid while
    /// `now < nbf`, no leeway.
    pub(crate) const VALIDATE: TimePolicy = TimePolicy {
        leeway: 0,
        expired_at_exp: false,
    };

    /// nats-server: expired from the `exp` second on (its expiry timer fires then), not
    /// yet valid while `now < nbf`, each widened by `leeway` seconds.
    pub(crate) fn server(leeway: i64) -> TimePolicy {
        TimePolicy {
            leeway,
            expired_at_exp: true,
        }
    }

    /// True when claims with this `exp` (0: none) are expired at `now`.
    pub(crate) fn is_expired(self, expires: i64, now: i64) -> bool {
        if expires <= 0 {
            return false;
        }
        let end = expires.saturating_add(self.leeway);
        if self.expired_at_exp {
            now >= end
        } else {
            now > end
        }
    }

    /// True when claims with this `nbf` (0: none) are not yet valid at `now`.
    pub(crate) fn is_not_yet_valid(self, not_before: i64, now: i64) -> bool {
        not_before > 0 && now.saturating_add(self.leeway) < not_before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_and_the_server_differ_only_at_the_expiry_second() {
        let go = TimePolicy::VALIDATE;
        let server = TimePolicy::server(0);
        for (now, go_expired, server_expired) in
            [(99, false, false), (100, false, true), (101, true, true)]
        {
            assert_eq!(go.is_expired(100, now), go_expired, "{now}");
            assert_eq!(server.is_expired(100, now), server_expired, "{now}");
        }
        assert!(!go.is_expired(0, i64::MAX));
        assert!(go.is_not_yet_valid(100, 99));
        assert!(!go.is_not_yet_valid(100, 100));
        assert!(!go.is_not_yet_valid(0, i64::MIN));
        let lenient = TimePolicy::server(5);
        assert!(!lenient.is_expired(100, 104));
        assert!(lenient.is_expired(100, 105));
        assert!(!lenient.is_not_yet_valid(100, 95));
        assert!(lenient.is_not_yet_valid(100, 94));
        assert!(!TimePolicy::server(i64::MAX).is_expired(100, i64::MAX - 1));
    }
}

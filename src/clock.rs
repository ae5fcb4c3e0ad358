//! Where "now" comes from: encoding sets `iat` from a clock, validation and chain checks
//! compare `exp` and `nbf` with one. Inject a [`FixedClock`] for deterministic tests.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in Unix seconds.
pub trait Clock {
    /// Seconds since the Unix epoch (UTC).
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            // A clock before 1970: report it as negative seconds.
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock stopped at one instant (Unix seconds).
///
/// ```
/// use natsjwt::clock::FixedClock;
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{KeyPair, UserClaims};
///
/// let account = KeyPair::new_account()?;
/// let user = KeyPair::new_user()?;
/// let mut claims = UserClaims::new(user.public_key().as_str());
/// claims.expires = 1_700_003_600;
/// claims.encode_with_clock(&account, &FixedClock(1_700_000_000))?;
/// assert_eq!(claims.issued_at, 1_700_000_000);
///
/// // Expired means now > exp.
/// let at_expiry = claims.validate_with(&FixedClock(1_700_003_600));
/// assert!(!at_expiry.is_blocking(TimeChecks::Included));
/// let after = claims.validate_with(&FixedClock(1_700_003_601));
/// assert!(after.is_blocking(TimeChecks::Included));
/// assert!(!after.is_blocking(TimeChecks::Excluded));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> i64 {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> i64 {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(FixedClock(42).now(), 42);
        // 2024-01-01 < now < 2200-01-01.
        let now = SystemClock.now();
        assert!(now > 1_704_067_200 && now < 7_258_118_400, "{now}");
    }
}

//! Publish / subscribe / response permissions.

use serde::{Deserialize, Serialize};

use super::subjects::validate_subject;
use crate::go::json::{IsEmpty, go_fields, go_object};
use crate::go::quote::quote;
use crate::go::time::parse_clock_time;
use crate::validation::ValidationResults;

/// A duration written as Go's `time.Duration`: integer nanoseconds.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct GoDuration(pub i64);

impl GoDuration {
    /// The duration in nanoseconds.
    pub fn as_nanos(self) -> i64 {
        self.0
    }

    /// As a `std::time::Duration`, or `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

impl From<std::time::Duration> for GoDuration {
    /// Converts, saturating at Go's maximum duration (about 292 years).
    fn from(d: std::time::Duration) -> Self {
        GoDuration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

impl IsEmpty for GoDuration {
    fn is_empty_value(&self) -> bool {
        self.0 == 0
    }
}

/// Subjects allowed and denied for one direction (`pub` or `sub`).
///
/// Subscribe entries may name a queue group after a space (`"work q1"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permission {
    /// Subjects allowed (`allow`).
    pub allow: Vec<String>,
    /// Subjects denied (`deny`); deny wins over allow.
    pub deny: Vec<String>,
}

go_fields!(Permission => [
    (omitempty allow "allow")
    (omitempty deny "deny")
]);
go_object!(Permission);

impl Permission {
    /// True when neither list has entries.
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    /// Go's `Permission.Validate`: each entry is a subject, or a subject and a queue
    /// (only when `permit_queue`).
    pub(crate) fn validate(&self, vr: &mut ValidationResults, permit_queue: bool) {
        for entry in self.allow.iter().chain(self.deny.iter()) {
            check_permission(vr, entry, permit_queue);
        }
    }
}

fn check_permission(vr: &mut ValidationResults, entry: &str, permit_queue: bool) {
    let tokens: Vec<&str> = entry.split(' ').collect();
    match tokens.as_slice() {
        [subject] => validate_subject(subject, vr),
        [subject, queue] => {
            validate_subject(subject, vr);
            validate_subject(queue, vr);
            if !permit_queue {
                vr.add_error(format!(
                    "Permission Subject \"{entry}\" is not allowed to contain queue"
                ));
            }
        }
        _ => vr.add_error(format!(
            "Permission Subject \"{entry}\" contains too many spaces"
        )),
    }
}

/// Permission to publish replies to requests received (`resp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponsePermission {
    /// Replies allowed per request (`max`); the server uses 1 for 0.
    pub max: i64,
    /// How long the reply permission lasts (`ttl`, nanoseconds); the server uses 2 minutes for 0.
    pub ttl: GoDuration,
}

go_fields!(ResponsePermission => [
    (always max "max")
    (always ttl "ttl")
]);
go_object!(ResponsePermission);

/// Publish, subscribe and response permissions (`pub`, `sub`, `resp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Publish permission (`pub`, always written).
    pub publish: Permission,
    /// Subscribe permission (`sub`, always written).
    pub subscribe: Permission,
    /// Response permission (`resp`); setting it turns off a blanket publish allow on the server.
    pub response: Option<ResponsePermission>,
}

go_fields!(Permissions => [
    (always publish "pub")
    (always subscribe "sub")
    (omitempty response "resp")
]);
go_object!(Permissions);

impl Permissions {
    /// True when no permission is set.
    pub fn is_empty(&self) -> bool {
        self.publish.is_empty() && self.subscribe.is_empty() && self.response.is_none()
    }

    /// Go's `Permissions.Validate`: queues only under `sub`; `resp` is not checked.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        self.subscribe.validate(vr, true);
        self.publish.validate(vr, false);
    }
}

/// A daily time window in which a user may connect (`times`).
///
/// `start` and `end` are `HH:MM:SS` (Go layout `15:04:05`); a window may cross midnight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Start of the window (`start`).
    pub start: String,
    /// End of the window (`end`).
    pub end: String,
}

go_fields!(TimeRange => [
    (omitempty start "start")
    (omitempty end "end")
]);
go_object!(TimeRange);

impl TimeRange {
    /// A window from `start` to `end`.
    pub fn new(start: impl Into<String>, end: impl Into<String>) -> Self {
        TimeRange {
            start: start.into(),
            end: end.into(),
        }
    }

    /// Go's `TimeRange.Validate`.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if self.start.is_empty() {
            vr.add_error("time ranges start must contain a start");
        } else if parse_clock_time(&self.start).is_none() {
            vr.add_error(format!(
                "start in time range is invalid {}",
                quote(&self.start)
            ));
        }
        if self.end.is_empty() {
            vr.add_error("time ranges end must contain an end");
        } else if parse_clock_time(&self.end).is_none() {
            vr.add_error(format!("end in time range is invalid {}", quote(&self.end)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_always_write_pub_and_sub() {
        let p = Permissions::default();
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"pub":{},"sub":{}}"#);
        let p = Permissions {
            response: Some(ResponsePermission {
                max: 0,
                ttl: GoDuration(0),
            }),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"pub":{},"sub":{},"resp":{"max":0,"ttl":0}}"#
        );
    }

    #[test]
    fn queue_only_under_sub() {
        let mut p = Permissions::default();
        p.subscribe.allow.push("work q1".into());
        p.publish.allow.push("a b".into());
        p.publish.deny.push("a b c".into());
        let mut vr = ValidationResults::new();
        p.validate(&mut vr);
        let d: Vec<_> = vr.issues.iter().map(|i| i.description.as_str()).collect();
        assert_eq!(
            d,
            [
                r#"Permission Subject "a b" is not allowed to contain queue"#,
                r#"Permission Subject "a b c" contains too many spaces"#
            ]
        );
    }
}

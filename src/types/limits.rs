//! User limits, account (operator-set) limits and JetStream limits.
//!
//! `-1` ([`NO_LIMIT`]) means unlimited. `0` means zero (the server enforces `subs: 0`
//! literally) or, for JetStream storage, disabled.

use std::collections::BTreeMap;

use super::{CidrList, Permissions, TimeRange};
use crate::go::json::{go_fields, go_object};
use crate::go::net::is_valid_cidr;
use crate::go::quote::quote;
use crate::go::zoneinfo::load_location;
use crate::validation::ValidationResults;

/// The value that means "no limit".
pub const NO_LIMIT: i64 = -1;

/// Limits on a user: source networks, connect times, subscriptions, data and payload.
///
/// Go's `Limits` (`UserLimits` + `NatsLimits`), written inline into the user's `nats` object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Networks the user may connect from (`src`); empty allows all.
    pub src: CidrList,
    /// Daily windows in which the user may connect (`times`); empty allows all.
    pub times: Vec<TimeRange>,
    /// IANA time zone for `times` (`times_location`); empty means the server's zone.
    pub times_location: String,
    /// Maximum subscriptions (`subs`).
    pub subs: i64,
    /// Maximum bytes (`data`); not enforced by the server.
    pub data: i64,
    /// Maximum message payload (`payload`).
    pub payload: i64,
}

go_fields!(Limits => [
    (omitempty src "src")
    (omitempty times "times")
    (omitempty times_location "times_location")
    (omitempty subs "subs")
    (omitempty data "data")
    (omitempty payload "payload")
]);

impl Limits {
    /// Go's defaults for a new user: subs, data and payload unlimited.
    pub fn unlimited() -> Self {
        Limits {
            subs: NO_LIMIT,
            data: NO_LIMIT,
            payload: NO_LIMIT,
            ..Default::default()
        }
    }

    /// True when no source or time restriction is set and every count is unlimited.
    pub fn is_unlimited(&self) -> bool {
        self.src.is_empty()
            && self.times.is_empty()
            && self.subs == NO_LIMIT
            && self.data == NO_LIMIT
            && self.payload == NO_LIMIT
    }

    /// Go's `Limits.Validate`: CIDRs, time ranges and the time zone.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        for cidr in &self.src {
            if !is_valid_cidr(cidr) {
                vr.add_error(format!("invalid cidr {} in user src limits", quote(cidr)));
            }
        }
        for range in &self.times {
            range.validate(vr);
        }
        if let Err(reason) = load_location(&self.times_location) {
            vr.add_error(format!("could not parse iana time zone by name: {reason}"));
        }
    }
}

/// What a user may do: Go's `UserPermissionLimits`, the template of a scoped signing key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPermissionLimits {
    /// Publish, subscribe and response permissions.
    pub permissions: Permissions,
    /// Source, time and count limits.
    pub limits: Limits,
    /// The user connects without signing the server nonce (`bearer_token`).
    pub bearer_token: bool,
    /// The user must connect through a trusted proxy (`proxy_required`).
    pub proxy_required: bool,
    /// Connection types allowed (`allowed_connection_types`); empty allows all.
    pub allowed_connection_types: Vec<String>,
}

go_fields!(UserPermissionLimits => [
    (embed permissions: Permissions)
    (embed limits: Limits)
    (omitempty bearer_token "bearer_token")
    (omitempty proxy_required "proxy_required")
    (omitempty allowed_connection_types "allowed_connection_types")
]);
go_object!(UserPermissionLimits);

impl UserPermissionLimits {
    /// True when nothing is set at all (Go's `HasEmptyPermissions`): what a scoped user must carry.
    pub fn is_empty(&self) -> bool {
        *self == UserPermissionLimits::default()
    }
}

/// JetStream limits of an account or of one replica tier.
///
/// Storage `0` disables JetStream; `-1` is unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JetStreamLimits {
    /// Bytes of memory storage across all streams (`mem_storage`).
    pub mem_storage: i64,
    /// Bytes of disk storage across all streams (`disk_storage`).
    pub disk_storage: i64,
    /// Number of streams (`streams`).
    pub streams: i64,
    /// Number of consumers (`consumer`).
    pub consumer: i64,
    /// Maximum ack pending of a consumer (`max_ack_pending`).
    pub max_ack_pending: i64,
    /// Maximum bytes of one memory stream (`mem_max_stream_bytes`).
    pub mem_max_stream_bytes: i64,
    /// Maximum bytes of one disk stream (`disk_max_stream_bytes`).
    pub disk_max_stream_bytes: i64,
    /// Streams must set a maximum size (`max_bytes_required`).
    pub max_bytes_required: bool,
}

go_fields!(JetStreamLimits => [
    (omitempty mem_storage "mem_storage")
    (omitempty disk_storage "disk_storage")
    (omitempty streams "streams")
    (omitempty consumer "consumer")
    (omitempty max_ack_pending "max_ack_pending")
    (omitempty mem_max_stream_bytes "mem_max_stream_bytes")
    (omitempty disk_max_stream_bytes "disk_max_stream_bytes")
    (omitempty max_bytes_required "max_bytes_required")
]);
go_object!(JetStreamLimits);

impl JetStreamLimits {
    /// JetStream with no limits at all.
    pub fn unlimited() -> Self {
        JetStreamLimits {
            mem_storage: NO_LIMIT,
            disk_storage: NO_LIMIT,
            streams: NO_LIMIT,
            consumer: NO_LIMIT,
            ..Default::default()
        }
    }

    /// True when memory or disk storage is allowed.
    pub fn is_enabled(&self) -> bool {
        self.mem_storage != 0 || self.disk_storage != 0
    }

    /// Go's `JetStreamLimits.IsUnlimited` (negative per-stream sizes and ack pending count as 0).
    pub fn is_unlimited(&self) -> bool {
        let mut lim = self.clone();
        lim.mem_max_stream_bytes = lim.mem_max_stream_bytes.max(0);
        lim.disk_max_stream_bytes = lim.disk_max_stream_bytes.max(0);
        lim.max_ack_pending = lim.max_ack_pending.max(0);
        lim == JetStreamLimits::unlimited()
    }
}

/// The limits an operator sets on an account (`limits`).
///
/// Go's `OperatorLimits` (`NatsLimits` + `AccountLimits` + `JetStreamLimits` + tiers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorLimits {
    /// Maximum subscriptions per account (`subs`).
    pub subs: i64,
    /// Maximum bytes (`data`); not enforced by the server.
    pub data: i64,
    /// Maximum message payload (`payload`).
    pub payload: i64,
    /// Maximum imports (`imports`).
    pub imports: i64,
    /// Maximum exports (`exports`).
    pub exports: i64,
    /// Wildcard exports allowed (`wildcards`).
    pub wildcards: bool,
    /// Bearer-token users refused (`disallow_bearer`).
    pub disallow_bearer: bool,
    /// Maximum client connections (`conn`).
    pub conn: i64,
    /// Maximum leaf node connections (`leaf`).
    pub leaf: i64,
    /// Account-wide JetStream limits; must be zero when tiers are used.
    pub jetstream: JetStreamLimits,
    /// JetStream limits per replica tier, e.g. `R1`, `R3` (`tiered_limits`).
    pub tiered_limits: BTreeMap<String, JetStreamLimits>,
}

go_fields!(OperatorLimits => [
    (omitempty subs "subs")
    (omitempty data "data")
    (omitempty payload "payload")
    (omitempty imports "imports")
    (omitempty exports "exports")
    (omitempty wildcards "wildcards")
    (omitempty disallow_bearer "disallow_bearer")
    (omitempty conn "conn")
    (omitempty leaf "leaf")
    (embed jetstream: JetStreamLimits)
    (uniquemap tiered_limits "tiered_limits")
]);
go_object!(OperatorLimits);

impl OperatorLimits {
    /// Go's `NewAccountClaims` defaults: counts unlimited, wildcards allowed, JetStream disabled.
    pub fn new_account_defaults() -> Self {
        OperatorLimits {
            subs: NO_LIMIT,
            data: NO_LIMIT,
            payload: NO_LIMIT,
            imports: NO_LIMIT,
            exports: NO_LIMIT,
            wildcards: true,
            disallow_bearer: false,
            conn: NO_LIMIT,
            leaf: NO_LIMIT,
            jetstream: JetStreamLimits::default(),
            tiered_limits: BTreeMap::new(),
        }
    }

    /// True when any tier (or, without tiers, the account-wide limits) enables JetStream.
    pub fn is_jetstream_enabled(&self) -> bool {
        if self.tiered_limits.is_empty() {
            self.jetstream.is_enabled()
        } else {
            self.tiered_limits.values().any(JetStreamLimits::is_enabled)
        }
    }

    /// True when every limit is zero (Go's `IsEmpty`).
    pub fn is_empty(&self) -> bool {
        *self == OperatorLimits::default()
    }

    /// True when nothing is limited (JetStream unlimited, no tiers).
    pub fn is_unlimited(&self) -> bool {
        self.subs == NO_LIMIT
            && self.data == NO_LIMIT
            && self.payload == NO_LIMIT
            && self.imports == NO_LIMIT
            && self.exports == NO_LIMIT
            && self.wildcards
            && !self.disallow_bearer
            && self.conn == NO_LIMIT
            && self.leaf == NO_LIMIT
            && self.jetstream.is_unlimited()
            && self.tiered_limits.is_empty()
    }

    /// Go's `OperatorLimits.Validate`: tiers exclude account-wide JetStream limits and the `""` tier.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if !self.tiered_limits.is_empty() {
            if self.jetstream != JetStreamLimits::default() {
                vr.add_error("JetStream Limits and tiered JetStream Limits are mutually exclusive");
            }
            if self.tiered_limits.contains_key("") {
                vr.add_error(r#"Tiered JetStream Limits can not contain a blank "" tier name"#);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_defaults_serialise_like_go() {
        let l = OperatorLimits::new_account_defaults();
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1}"#
        );
        assert!(!l.is_jetstream_enabled());
        assert!(!l.is_empty());
    }

    #[test]
    fn tiers_decide_jetstream() {
        let mut l = OperatorLimits::new_account_defaults();
        l.tiered_limits
            .insert("R1".into(), JetStreamLimits::default());
        assert!(!l.is_jetstream_enabled());
        l.tiered_limits.insert(
            "R3".into(),
            JetStreamLimits {
                disk_storage: 1,
                ..Default::default()
            },
        );
        assert!(l.is_jetstream_enabled());
        let json = serde_json::to_string(&l).unwrap();
        assert!(
            json.ends_with(r#""tiered_limits":{"R1":{},"R3":{"disk_storage":1}}}"#),
            "{json}"
        );
    }
}

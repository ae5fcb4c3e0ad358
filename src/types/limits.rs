//! User limits, account (operator-set) limits and JetStream limits.
//!
//! What `0` and `-1` mean depends on the field, as `nats-server` reads it (each field's
//! documentation says which):
//!
//! - `-1` ([`NO_LIMIT`]) is unlimited everywhere.
//! - For the NATS counts (`subs`, `payload`, `conn`, `leaf`, `imports`, `exports`) `0` is
//!   a limit of zero: nothing is allowed. `data` is not enforced at all.
//! - For JetStream, `0` is unlimited for the counts (`streams`, `consumer`), the ack
//!   pending and the per-stream sizes, but zero for storage; `0` memory *and* `0` disk
//!   storage leave JetStream disabled for the account.
//!
//! Go writes its limits with `omitempty`, so a `0` is left out of the JSON and a member
//! left out reads as `0`. The `Default` of these types is all zeros, which for
//! [`Limits`] and [`OperatorLimits`] means "nothing allowed": start from
//! [`Limits::unlimited`] and [`OperatorLimits::new_account_defaults`] (what the claims'
//! `new` uses) instead.

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
///
/// The server applies to each connection the smallest of the user's limit, the
/// account's ([`OperatorLimits`]) and its own `max_subscriptions` / `max_payload`,
/// ignoring the unlimited ones (`applyAccountLimits` in `server/client.go`). A user
/// signed by a scoped signing key gets the scope's template limits instead of its own.
///
/// ```
/// use natsjwt::types::{Limits, NO_LIMIT};
/// use natsjwt::{KeyPair, UserClaims};
///
/// // A new user starts unlimited (Go's `NewUserClaims`) …
/// let user = KeyPair::new_user()?;
/// let mut claims = UserClaims::new(user.public_key().as_str());
/// assert_eq!(claims.nats.limits, Limits::unlimited());
/// assert!(claims.to_json()?.contains(r#""subs":-1,"data":-1,"payload":-1"#));
///
/// // … while zeros mean zero: this user may not subscribe at all.
/// claims.nats.limits.subs = 0;
/// claims.nats.limits.payload = 1024;
/// claims.nats.limits.src.add(["10.0.0.0/8"]);
/// assert!(!claims.nats.limits.is_unlimited());
/// assert_eq!(claims.nats.limits.data, NO_LIMIT);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Networks the user may connect from (`src`); empty allows all.
    pub src: CidrList,
    /// Daily windows in which the user may connect (`times`); empty allows all.
    pub times: Vec<TimeRange>,
    /// IANA time zone for `times` (`times_location`); empty means the server's zone.
    pub times_location: String,
    /// Maximum subscriptions of a connection (`subs`).
    ///
    /// `-1`: unlimited. `0`: the connection may not subscribe at all. Positive: at most
    /// this many subscriptions.
    pub subs: i64,
    /// Maximum bytes (`data`).
    ///
    /// Not enforced: the server never reads it. `-1` by convention (Go's default).
    pub data: i64,
    /// Maximum size of a published message, headers included (`payload`).
    ///
    /// `-1`: unlimited. `0`: every message that is not empty is refused. Positive: larger
    /// messages are refused. The limit in force is sent to the client as `max_payload`.
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
/// As `nats-server` reads them (it turns them into its `JetStreamAccountLimits` in
/// `updateAccountClaimsWithRefresh`, `server/accounts.go`, and checks those in
/// `server/jetstream*.go`, `stream.go` and `consumer.go`):
///
/// - `-1` is unlimited in every field.
/// - `0` is unlimited for `streams`, `consumer`, `max_ack_pending` and the per-stream
///   sizes (the server checks `> 0`, or turns `0` into `-1`), but a limit of zero for
///   `mem_storage` and `disk_storage`.
/// - `0` memory and `0` disk storage disable JetStream: for the account (no tiers), or
///   for every tier when no tier has storage ([`OperatorLimits::is_jetstream_enabled`]).
///
/// [`JetStreamLimits::default`] is therefore "disabled", what a new account has.
///
/// ```
/// use natsjwt::types::JetStreamLimits;
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let account = KeyPair::new_account()?;
/// let mut claims = AccountClaims::new(account.public_key().as_str());
/// assert!(!claims.nats.limits.is_jetstream_enabled());
///
/// // 1 GiB of disk, no memory streams, at most 10 streams; consumers unlimited.
/// claims.nats.limits.jetstream = JetStreamLimits {
///     disk_storage: 1 << 30,
///     streams: 10,
///     consumer: -1,
///     max_bytes_required: true,
///     ..Default::default()
/// };
/// assert!(claims.nats.limits.is_jetstream_enabled());
/// assert!(claims.to_json()?.contains(
///     r#""disk_storage":1073741824,"streams":10,"consumer":-1,"max_bytes_required":true"#
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JetStreamLimits {
    /// Bytes of memory storage across the memory streams (`mem_storage`; the server's
    /// `MaxMemory`).
    ///
    /// `-1`: unlimited. `0`: none, so memory streams are refused; with `disk_storage`
    /// also `0`, JetStream is disabled. Positive: the total that the streams' `max_bytes`
    /// reservations and their messages may reach (without tiers an R3 stream counts three
    /// times; in a tier, once).
    pub mem_storage: i64,
    /// Bytes of disk storage across the file streams (`disk_storage`; the server's
    /// `MaxStore`).
    ///
    /// `-1`: unlimited. `0`: none, so file streams are refused; with `mem_storage` also
    /// `0`, JetStream is disabled. Positive: as `mem_storage`, for file streams.
    pub disk_storage: i64,
    /// Number of streams (`streams`; the server's `MaxStreams`).
    ///
    /// `-1` or `0`: unlimited (the server checks `MaxStreams > 0`: `0` is not "none").
    /// Positive: creating a stream beyond this many is refused (in a tier, the tier's
    /// streams are counted).
    pub streams: i64,
    /// Number of consumers of each stream (`consumer`; the server's `MaxConsumers`): the
    /// server counts a stream's consumers, not the account's.
    ///
    /// `-1` or `0`: unlimited (checked as `> 0`). Positive: creating a consumer on a
    /// stream that already has this many is refused (direct and sourcing consumers are not
    /// counted), and so is a stream whose own `max_consumers` is larger.
    pub consumer: i64,
    /// Maximum ack pending of a consumer (`max_ack_pending`; the server's `MaxAckPending`).
    ///
    /// `-1` or `0`: unlimited (the server turns `0` into `-1`). Positive: a consumer
    /// asking for more is refused, and a consumer that sets none gets the smaller of this
    /// and the server's default (1000).
    pub max_ack_pending: i64,
    /// Maximum `max_bytes` of one memory stream (`mem_max_stream_bytes`; the server's
    /// `MemoryMaxStreamBytes`).
    ///
    /// `-1` or `0`: no maximum (the server turns `0` into `-1`). Positive: a memory stream
    /// whose `max_bytes` is larger is refused. A stream that sets no `max_bytes` is not
    /// checked: add `max_bytes_required` to make every stream set one.
    pub mem_max_stream_bytes: i64,
    /// Maximum `max_bytes` of one file stream (`disk_max_stream_bytes`; the server's
    /// `StoreMaxStreamBytes`).
    ///
    /// `-1` or `0`: no maximum (`0` becomes `-1`). Positive: as `mem_max_stream_bytes`,
    /// for file streams.
    pub disk_max_stream_bytes: i64,
    /// Every stream must set `max_bytes` (`max_bytes_required`; the server's
    /// `MaxBytesRequired`): a stream without a positive `max_bytes` is refused.
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
    /// JetStream with no limits at all: storage, streams and consumers `-1`, the rest `0`
    /// (which the server also reads as unlimited).
    pub fn unlimited() -> Self {
        JetStreamLimits {
            mem_storage: NO_LIMIT,
            disk_storage: NO_LIMIT,
            streams: NO_LIMIT,
            consumer: NO_LIMIT,
            ..Default::default()
        }
    }

    /// True when memory or disk storage is not `0`: what the server takes as JetStream on.
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
/// A new account gets [`OperatorLimits::new_account_defaults`]; the `Default`, all zeros,
/// lets the account's users neither subscribe nor publish a non-empty message, and no
/// client connect.
///
/// The server applies `subs`, `payload`, `conn`, `leaf` and `disallow_bearer` itself
/// (`updateAccountClaimsWithRefresh` in `server/accounts.go`, `applyAccountLimits` in
/// `server/client.go`); `imports`, `exports` and `wildcards` are rules of Go's
/// validation, which the server runs on every account JWT it loads (and
/// [`Claims::validate`](crate::Claims::validate) runs too).
///
/// ```
/// use natsjwt::types::{Export, JetStreamLimits, OperatorLimits};
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let account = KeyPair::new_account()?;
/// let mut claims = AccountClaims::new(account.public_key().as_str());
/// assert_eq!(claims.nats.limits, OperatorLimits::new_account_defaults());
///
/// claims.nats.limits.conn = 100;
/// claims.nats.limits.exports = 0; // no exports at all
/// assert!(!claims.validate().is_blocking(TimeChecks::Included));
/// claims.nats.exports.push(Export::stream("prices.>"));
/// assert!(claims.validate().is_blocking(TimeChecks::Included));
///
/// // JetStream per replica tier: R1 streams only, 1 GiB of disk.
/// claims.nats.limits.tiered_limits.insert(
///     "R1".into(),
///     JetStreamLimits { disk_storage: 1 << 30, ..JetStreamLimits::unlimited() },
/// );
/// assert!(claims.nats.limits.is_jetstream_enabled());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorLimits {
    /// Maximum subscriptions of each connection of the account (`subs`): a cap on every
    /// user's own `subs`, not an account-wide total.
    ///
    /// `-1`: unlimited. `0`: no connection of the account may subscribe. Positive: at
    /// most this many subscriptions per connection.
    pub subs: i64,
    /// Maximum bytes (`data`).
    ///
    /// Not enforced: the server never reads it. `-1` by convention (Go's default).
    pub data: i64,
    /// Maximum size of a message published in the account, headers included (`payload`):
    /// a cap on every user's own `payload`.
    ///
    /// `-1`: unlimited. `0`: every message that is not empty is refused. Positive: larger
    /// messages are refused.
    pub payload: i64,
    /// Maximum imports (`imports`), a rule of Go's validation.
    ///
    /// `-1`: unlimited. `0`: an account JWT with any import is invalid (the server refuses
    /// it). Positive: at most this many imports.
    pub imports: i64,
    /// Maximum exports (`exports`), a rule of Go's validation.
    ///
    /// `-1`: unlimited. `0`: an account JWT with any export is invalid. Positive: at most
    /// this many exports.
    pub exports: i64,
    /// Wildcard exports allowed (`wildcards`); `false` makes an account JWT exporting a
    /// wildcard subject invalid, but (as in Go) is checked only when `exports` is not `-1`.
    pub wildcards: bool,
    /// Bearer-token users refused (`disallow_bearer`).
    pub disallow_bearer: bool,
    /// Maximum connections to the account (`conn`), counted across the servers that
    /// share the account (leaf node connections included, the server's internal clients
    /// not).
    ///
    /// `-1`: unlimited. `0`: no client may connect. Positive: a client beyond this many is
    /// refused, and when a new JWT lowers the limit the newest connections are closed.
    pub conn: i64,
    /// Maximum leaf node connections to the account (`leaf`), counted across servers.
    ///
    /// `-1`: unlimited. `0`: no leaf node may connect. Positive: at most this many.
    pub leaf: i64,
    /// Account-wide JetStream limits (see [`JetStreamLimits`] for what `0` and `-1`
    /// mean); must be all zeros when tiers are used, and are ignored then.
    pub jetstream: JetStreamLimits,
    /// JetStream limits per replica tier, e.g. `R1`, `R3` (`tiered_limits`).
    ///
    /// With tiers, a stream uses the tier named after its replica count: a stream of a
    /// replica count without a tier is refused, and a tier with `0` memory and `0` disk
    /// storage allows no stream. JetStream is on when any tier has storage.
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
    /// Go's `NewAccountClaims` defaults: counts unlimited (`-1`), wildcards allowed,
    /// JetStream disabled (all its limits `0`).
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

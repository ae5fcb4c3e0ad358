//! What JetStream needs from the claims: the permissions of a JetStream client
//! ([`Permissions::allow_jetstream`]) and an account's limits per replica tier
//! ([`ReplicaTier`], [`OperatorLimits::set_tier`], sizes in [`ByteSize`]). How the server
//! counts a tier is documented on [`ReplicaTier`].

use std::fmt;

use super::subjects::{is_contained_in, is_literal, is_valid_server_subject};
use super::{JetStreamLimits, OperatorLimits, Permissions};
use crate::go::quote::quote;

/// What a JetStream client publishes to: API requests, acknowledgements and flow-control
/// answers.
const PUBLISH: [&str; 3] = ["$JS.API.>", "$JS.ACK.>", "$JS.FC.>"];
/// The inbox prefix of async-nats and nats.go unless the client sets another.
const DEFAULT_INBOX_PREFIX: &str = "_INBOX";

impl Permissions {
    /// Adds to the allow lists what a JetStream client needs: publish `$JS.API.>`,
    /// `$JS.ACK.>` and `$JS.FC.>`, subscribe `_INBOX.>`.
    ///
    /// - `$JS.API.>`: every JetStream operation (creating a stream or a consumer, reading
    ///   a message, pulling the next ones) is a request on a `$JS.API.…` subject.
    /// - `$JS.ACK.>`: each message a consumer delivers has a `$JS.ACK.…` reply subject,
    ///   where the client acknowledges it.
    /// - `$JS.FC.>`: a push consumer with flow control sends, among its messages, requests
    ///   whose reply subject is `$JS.FC.…`; unanswered, delivery stalls.
    /// - `_INBOX.>`: the client's inbox, where the answers to its API requests and
    ///   publishes arrive, and the messages it pulls (or a push consumer delivers to an
    ///   inbox).
    ///
    /// Not added: the streams' own subjects (a JetStream publish is a publish to them, as
    /// are key-value puts to `$KV.<bucket>.…`), and `$JS.<domain>.API.>` for a JetStream
    /// domain. A deny entry still wins over these.
    ///
    /// A subject is added only when the list has no plain entry (one without a queue)
    /// equal to or wider than it, so calling this twice adds nothing more; nothing is
    /// removed or reordered. An allow list with entries allows only them: a user whose
    /// list was empty may afterwards publish (or subscribe) only there, and the account's
    /// `default_permissions` no longer apply to a user who had no permissions of its
    /// own. List the user's own subjects too.
    ///
    /// ```
    /// use natsjwt::types::Permissions;
    ///
    /// let mut bob = Permissions::default();
    /// bob.publish.allow.push("$JS.>".into()); // covers $JS.API.>, $JS.ACK.>, $JS.FC.>
    /// bob.subscribe.allow.push("acme.>".into());
    /// bob.allow_jetstream();
    /// bob.allow_jetstream();
    /// assert_eq!(bob.publish.allow, ["$JS.>"]);
    /// assert_eq!(bob.subscribe.allow, ["acme.>", "_INBOX.>"]);
    /// ```
    pub fn allow_jetstream(&mut self) {
        self.allow_jetstream_subjects(DEFAULT_INBOX_PREFIX);
    }

    /// [`Permissions::allow_jetstream`] for a client whose inbox prefix is
    /// `inbox_prefix` (async-nats `ConnectOptions::custom_inbox_prefix`, nats.go
    /// `CustomInboxPrefix`): subscribe `<inbox_prefix>.>` instead of `_INBOX.>`.
    ///
    /// A prefix of the user's own (`_INBOX_alice`) keeps other users from reading this
    /// user's replies, which `_INBOX.>` lets everyone who has it do.
    ///
    /// A prefix that is not a subject without wildcards (empty, with whitespace, with an
    /// empty token, or a `*` or `>` token) is refused and nothing is added: its entry
    /// would be invalid, read as a queue subscription, or wider than the inbox.
    ///
    /// ```
    /// use natsjwt::types::Permissions;
    ///
    /// let mut alice = Permissions::default();
    /// alice.allow_jetstream_with_inbox("_INBOX_alice")?;
    /// assert_eq!(alice.subscribe.allow, ["_INBOX_alice.>"]);
    /// assert!(alice.allow_jetstream_with_inbox("_INBOX.>").is_err());
    /// # Ok::<(), natsjwt::types::InboxPrefixError>(())
    /// ```
    pub fn allow_jetstream_with_inbox(
        &mut self,
        inbox_prefix: &str,
    ) -> Result<(), InboxPrefixError> {
        if !is_valid_server_subject(inbox_prefix) || !is_literal(inbox_prefix) {
            return Err(InboxPrefixError {
                prefix: inbox_prefix.to_owned(),
            });
        }
        self.allow_jetstream_subjects(inbox_prefix);
        Ok(())
    }

    fn allow_jetstream_subjects(&mut self, inbox_prefix: &str) {
        for subject in PUBLISH {
            allow(&mut self.publish.allow, subject);
        }
        allow(&mut self.subscribe.allow, &format!("{inbox_prefix}.>"));
    }
}

/// Appends `subject` unless a plain entry (a queue entry allows only its queue) equals or
/// contains it.
fn allow(list: &mut Vec<String>, subject: &str) {
    let covered = list
        .iter()
        .any(|entry| !entry.contains(' ') && is_contained_in(subject, entry));
    if !covered {
        list.push(subject.to_owned());
    }
}

/// An inbox prefix [`Permissions::allow_jetstream_with_inbox`] refuses: not a subject
/// without wildcards.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inbox prefix {} is not a subject without wildcards", quote(.prefix))]
#[non_exhaustive]
pub struct InboxPrefixError {
    /// The prefix refused.
    pub prefix: String,
}

/// A storage size in bytes, for the JetStream limits: `ByteSize::gib(10)` is 10 × 2³⁰
/// bytes. It converts into the `i64` the limits hold.
///
/// The constructors saturate at `i64::MAX` (8 EiB), the most a limit holds, rather than
/// wrap: a wrapped size could be negative, which the server reads as unlimited.
///
/// ```
/// use natsjwt::types::{ByteSize, JetStreamLimits};
///
/// let limits = JetStreamLimits { mem_storage: ByteSize::mib(64).into(), ..Default::default() };
/// assert_eq!(limits.mem_storage, 67_108_864);
/// assert_eq!(ByteSize::kib(3).get(), 3072);
/// assert_eq!(ByteSize::tib(u64::MAX).get(), i64::MAX);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(i64);

impl ByteSize {
    /// `n` bytes.
    pub const fn bytes(n: u64) -> ByteSize {
        ByteSize::scaled(n, 0)
    }

    /// `n` KiB (2¹⁰ bytes each).
    pub const fn kib(n: u64) -> ByteSize {
        ByteSize::scaled(n, 10)
    }

    /// `n` MiB (2²⁰ bytes each).
    pub const fn mib(n: u64) -> ByteSize {
        ByteSize::scaled(n, 20)
    }

    /// `n` GiB (2³⁰ bytes each).
    pub const fn gib(n: u64) -> ByteSize {
        ByteSize::scaled(n, 30)
    }

    /// `n` TiB (2⁴⁰ bytes each).
    pub const fn tib(n: u64) -> ByteSize {
        ByteSize::scaled(n, 40)
    }

    /// The number of bytes.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// `n << shift`, saturating at `i64::MAX`.
    const fn scaled(n: u64, shift: u32) -> ByteSize {
        let most = i64::MAX >> shift;
        if n > most.unsigned_abs() {
            ByteSize(i64::MAX)
        } else {
            // Exact: `n` is at most `most`, which fits an i64, and so does `most << shift`.
            ByteSize((n as i64) << shift)
        }
    }
}

impl From<ByteSize> for i64 {
    fn from(size: ByteSize) -> i64 {
        size.0
    }
}

/// A JetStream replica tier: the key of [`OperatorLimits::tiered_limits`] that holds the
/// limits of the account's streams with this many replicas, `"R1"` … `"R5"` (the server
/// allows at most 5 replicas).
///
/// # How the server counts a tier
///
/// As `nats-server` 2.14 does (`tierName`, `selectLimits`, `checkBytesLimits` and
/// `wouldExceedLimits` in `server/jetstream.go`, `tieredReservation` in
/// `server/jetstream_api.go`, `tieredStreamAndReservationCount` in
/// `server/jetstream_cluster.go`):
///
/// - A stream uses the tier named after its replica count (0 replicas is `R1`). A
///   replica count without a tier is refused (10120, "no JetStream default or applicable
///   tiered limit present").
/// - A tier's storage counts **per replica**. Creating or updating a stream reserves its
///   `max_bytes` once, whatever its replica count: it is refused when its `max_bytes` and
///   those of the tier's other streams of the same storage type exceed the tier's
///   `disk_storage` (10047, "insufficient storage resources available") or `mem_storage`
///   (10028). So a 4 GiB and a 1 GiB R3 stream fit a 10 GiB R3 tier (measured on a
///   3-node 2.14 cluster), and an 11 GiB one does not.
/// - A stream without `max_bytes` is checked as one byte and reserves nothing, unless the
///   tier sets `max_bytes_required`, which refuses it (10113).
/// - Stored messages count on every replica, against the tier's limit times the replica
///   count (a publish beyond it gets 10002): a 10 GiB R3 tier holds 10 GiB of messages,
///   30 GiB of the cluster's disks.
/// - A tier's `streams` counts that tier's streams only (10027 beyond it).
///
/// Account-wide limits ([`OperatorLimits::jetstream`], no tiers) count every replica
/// instead: an R3 stream reserves three times its `max_bytes` (2.14.0 counts the stream
/// being created once, the others three times) and its messages count three times.
///
/// ```
/// use natsjwt::types::{ByteSize, JetStreamLimits, ReplicaTier};
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{AccountClaims, KeyPair};
///
/// // R1 streams for scratch data, R3 streams for what must survive a server.
/// let account = KeyPair::new_account()?;
/// let mut tenant = AccountClaims::new(account.public_key().as_str());
/// tenant.nats.limits.set_tier(ReplicaTier::R1, JetStreamLimits {
///     disk_storage: ByteSize::gib(1).into(),
///     streams: 10,
///     ..Default::default()
/// });
/// tenant.nats.limits.set_tier(ReplicaTier::R3, JetStreamLimits {
///     disk_storage: ByteSize::gib(10).into(), // per replica: 30 GiB of disk in all
///     streams: 5,
///     max_bytes_required: true,
///     ..Default::default()
/// });
/// assert!(tenant.to_json()?.contains(concat!(
///     r#""tiered_limits":{"R1":{"disk_storage":1073741824,"streams":10},"#,
///     r#""R3":{"disk_storage":10737418240,"streams":5,"max_bytes_required":true}}"#,
/// )));
/// assert!(!tenant.validate().is_blocking(TimeChecks::Included));
///
/// assert_eq!(ReplicaTier::from_replicas(0), Some(ReplicaTier::R1));
/// assert_eq!(ReplicaTier::from_replicas(6), None);
/// assert_eq!(ReplicaTier::from_name("R3").map(ReplicaTier::replicas), Some(3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReplicaTier {
    /// Streams with one replica (or `num_replicas` 0): `"R1"`.
    R1,
    /// Streams with two replicas: `"R2"`.
    R2,
    /// Streams with three replicas: `"R3"`.
    R3,
    /// Streams with four replicas: `"R4"`.
    R4,
    /// Streams with five replicas: `"R5"`.
    R5,
}

impl ReplicaTier {
    const ALL: [ReplicaTier; 5] = [
        ReplicaTier::R1,
        ReplicaTier::R2,
        ReplicaTier::R3,
        ReplicaTier::R4,
        ReplicaTier::R5,
    ];

    /// The tier of a stream with `replicas` replicas (0 is 1, as the server has it);
    /// `None` above 5, which the server refuses.
    pub const fn from_replicas(replicas: usize) -> Option<ReplicaTier> {
        match replicas {
            0 | 1 => Some(ReplicaTier::R1),
            2 => Some(ReplicaTier::R2),
            3 => Some(ReplicaTier::R3),
            4 => Some(ReplicaTier::R4),
            5 => Some(ReplicaTier::R5),
            _ => None,
        }
    }

    /// The tier a `tiered_limits` key names; `None` for a key the server never uses
    /// (it looks tiers up by their exact name).
    pub fn from_name(name: &str) -> Option<ReplicaTier> {
        ReplicaTier::ALL
            .into_iter()
            .find(|tier| tier.as_str() == name)
    }

    /// The replica count, 1 … 5.
    pub const fn replicas(self) -> usize {
        match self {
            ReplicaTier::R1 => 1,
            ReplicaTier::R2 => 2,
            ReplicaTier::R3 => 3,
            ReplicaTier::R4 => 4,
            ReplicaTier::R5 => 5,
        }
    }

    /// The key in `tiered_limits`: `"R1"` … `"R5"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReplicaTier::R1 => "R1",
            ReplicaTier::R2 => "R2",
            ReplicaTier::R3 => "R3",
            ReplicaTier::R4 => "R4",
            ReplicaTier::R5 => "R5",
        }
    }
}

impl fmt::Display for ReplicaTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OperatorLimits {
    /// Sets the limits of `tier` (`tiered_limits["R3"] = limits`), returning the ones it
    /// replaces.
    ///
    /// Tiers and the account-wide [`jetstream`](OperatorLimits::jetstream) limits exclude
    /// each other: leave `jetstream` all zeros, as a new account has it, or the account is
    /// invalid. A tier's storage counts per replica ([`ReplicaTier`] says how).
    ///
    /// ```
    /// use natsjwt::types::{ByteSize, JetStreamLimits, OperatorLimits, ReplicaTier};
    ///
    /// let mut limits = OperatorLimits::new_account_defaults();
    /// let r1 = JetStreamLimits { disk_storage: ByteSize::mib(1).into(), streams: 2, ..Default::default() };
    /// assert_eq!(limits.set_tier(ReplicaTier::R1, r1.clone()), None);
    /// assert_eq!(limits.tier(ReplicaTier::R1), Some(&r1));
    /// assert_eq!(limits.tier(ReplicaTier::R3), None);
    /// assert_eq!(
    ///     serde_json::to_string(&limits.tiered_limits)?,
    ///     r#"{"R1":{"disk_storage":1048576,"streams":2}}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn set_tier(
        &mut self,
        tier: ReplicaTier,
        limits: JetStreamLimits,
    ) -> Option<JetStreamLimits> {
        self.tiered_limits.insert(tier.as_str().to_owned(), limits)
    }

    /// The limits of `tier`, when the account has that tier.
    pub fn tier(&self, tier: ReplicaTier) -> Option<&JetStreamLimits> {
        self.tiered_limits.get(tier.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::json::to_go_json;
    use crate::validation::ValidationResults;

    fn issues(p: &Permissions) -> Vec<String> {
        let mut vr = ValidationResults::new();
        p.validate(&mut vr);
        vr.issues.iter().map(|i| i.description.clone()).collect()
    }

    fn go_json<T: serde::Serialize>(value: &T) -> String {
        String::from_utf8(to_go_json(value).unwrap()).unwrap()
    }

    #[test]
    fn preset_subjects_are_exactly_these() {
        let mut p = Permissions::default();
        p.allow_jetstream();
        assert_eq!(p.publish.allow, ["$JS.API.>", "$JS.ACK.>", "$JS.FC.>"]);
        assert_eq!(p.subscribe.allow, ["_INBOX.>"]);
        assert!(p.publish.deny.is_empty() && p.subscribe.deny.is_empty());
        assert!(p.response.is_none());
        assert!(issues(&p).is_empty(), "{:?}", issues(&p));
        // What Go's jwt 2.3.0 writes for the same Permissions (checked with its json.Marshal).
        assert_eq!(
            go_json(&p),
            r#"{"pub":{"allow":["$JS.API.\u003e","$JS.ACK.\u003e","$JS.FC.\u003e"]},"sub":{"allow":["_INBOX.\u003e"]}}"#
        );
    }

    #[test]
    fn preset_covers_the_subjects_the_server_uses() {
        let mut p = Permissions::default();
        p.allow_jetstream();
        let allowed =
            |list: &[String], subject: &str| list.iter().any(|a| is_contained_in(subject, a));
        // API requests; acks and flow control in the server's v1 form
        // (`$JS.ACK.<stream>.<consumer>.…`) and v2 form (`$JS.ACK.<domain>.<account hash>.…`).
        for subject in [
            "$JS.API.INFO",
            "$JS.API.STREAM.CREATE.ORDERS",
            "$JS.API.CONSUMER.CREATE.ORDERS.C.orders.new",
            "$JS.API.CONSUMER.MSG.NEXT.ORDERS.C",
            "$JS.API.DIRECT.GET.ORDERS",
            "$JS.ACK.ORDERS.C.1.2.3.1700000000000000000.0",
            "$JS.ACK._.HASH.ORDERS.C.1.2.3.1700000000000000000.0",
            "$JS.FC.ORDERS.C.abc",
            "$JS.FC._.HASH.ORDERS.C.abc",
        ] {
            assert!(allowed(&p.publish.allow, subject), "publish {subject}");
        }
        assert!(allowed(&p.subscribe.allow, "_INBOX.nuid.1"));
        // Nothing else: no stream subjects, no other account's JetStream domain, no events.
        for subject in [
            "orders.new",
            "$JS.hub.API.INFO",
            "$JS.EVENT.ADVISORY.API",
            "_INBOX.x",
        ] {
            assert!(!allowed(&p.publish.allow, subject), "publish {subject}");
        }
        assert!(!allowed(&p.subscribe.allow, "_INBOX_x.y"));
    }

    #[test]
    fn preset_is_idempotent_and_keeps_what_was_there() {
        let mut p = Permissions::default();
        p.publish.allow = vec!["acme.>".into(), "$JS.API.STREAM.INFO.*".into()];
        p.publish.deny = vec!["acme.secret".into()];
        p.subscribe.allow = vec!["acme.>".into(), "_INBOX.> workers".into()];
        p.allow_jetstream();
        let once = p.clone();
        p.allow_jetstream();
        assert_eq!(p, once);
        // A narrower entry does not cover the preset's; the preset's is added after it.
        assert_eq!(
            p.publish.allow,
            [
                "acme.>",
                "$JS.API.STREAM.INFO.*",
                "$JS.API.>",
                "$JS.ACK.>",
                "$JS.FC.>"
            ]
        );
        assert_eq!(p.publish.deny, ["acme.secret"]);
        // A queue entry allows only its queue: `_INBOX.>` is still added.
        assert_eq!(
            p.subscribe.allow,
            ["acme.>", "_INBOX.> workers", "_INBOX.>"]
        );

        // Wider entries already there cover the preset's.
        let mut wide = Permissions::default();
        wide.publish.allow = vec!["$JS.*.>".into()];
        wide.subscribe.allow = vec![">".into()];
        wide.allow_jetstream();
        assert_eq!(wide.publish.allow, ["$JS.*.>"]);
        assert_eq!(wide.subscribe.allow, [">"]);
    }

    #[test]
    fn custom_inbox_prefix() {
        let mut p = Permissions::default();
        p.allow_jetstream_with_inbox("_INBOX_bob").unwrap();
        p.allow_jetstream_with_inbox("_INBOX_bob").unwrap();
        assert_eq!(p.subscribe.allow, ["_INBOX_bob.>"]);
        assert_eq!(p.publish.allow, PUBLISH);
        // A dotted prefix, and a token with `*` inside it (a literal token to the server).
        p.allow_jetstream_with_inbox("inbox.bob").unwrap();
        p.allow_jetstream_with_inbox("in*box").unwrap();
        assert_eq!(
            p.subscribe.allow,
            ["_INBOX_bob.>", "inbox.bob.>", "in*box.>"]
        );
        assert!(issues(&p).is_empty(), "{:?}", issues(&p));

        // Invalid, a queue entry, or a wildcard: refused, and nothing is added.
        for bad in [
            "",
            " ",
            "my inbox",
            "tab\there",
            "_INBOX.",
            ".x",
            "a..b",
            "_INBOX.*",
            "*",
            ">",
            "a.>",
        ] {
            let mut p = Permissions::default();
            assert_eq!(
                p.allow_jetstream_with_inbox(bad),
                Err(InboxPrefixError { prefix: bad.into() }),
                "{bad:?}"
            );
            assert!(p.is_empty(), "{bad:?}");
        }
        assert_eq!(
            InboxPrefixError {
                prefix: "my inbox".into()
            }
            .to_string(),
            r#"inbox prefix "my inbox" is not a subject without wildcards"#
        );
    }

    #[test]
    fn byte_sizes_scale_and_saturate() {
        assert_eq!(ByteSize::default().get(), 0);
        assert_eq!(ByteSize::bytes(7).get(), 7);
        assert_eq!(ByteSize::kib(3).get(), 3072);
        assert_eq!(ByteSize::mib(512).get(), 536_870_912);
        assert_eq!(ByteSize::gib(10).get(), 10_737_418_240);
        assert_eq!(ByteSize::tib(2).get(), 2_199_023_255_552);
        assert_eq!(i64::from(ByteSize::gib(1)), 1_073_741_824);
        assert!(ByteSize::mib(1024) == ByteSize::gib(1) && ByteSize::mib(1) < ByteSize::gib(1));
        // The largest sizes that fit are exact; one unit more saturates, never wraps.
        assert_eq!(ByteSize::bytes(i64::MAX.unsigned_abs()).get(), i64::MAX);
        assert_eq!(ByteSize::bytes(u64::MAX).get(), i64::MAX);
        for (size, unit) in [
            (ByteSize::kib as fn(u64) -> ByteSize, 10),
            (ByteSize::mib, 20),
            (ByteSize::gib, 30),
            (ByteSize::tib, 40),
        ] {
            let most = (i64::MAX >> unit).unsigned_abs();
            assert_eq!(size(most).get(), (i64::MAX >> unit) << unit, "2^{unit}");
            assert_eq!(size(most + 1).get(), i64::MAX, "2^{unit}");
            assert_eq!(size(u64::MAX).get(), i64::MAX, "2^{unit}");
        }
        assert_eq!(ByteSize::tib(8_388_607).get(), 8_388_607 << 40);
        assert_eq!(ByteSize::tib(8_388_608).get(), i64::MAX);
    }

    #[test]
    fn tiers_by_name_and_replicas() {
        let all = [
            (ReplicaTier::R1, "R1"),
            (ReplicaTier::R2, "R2"),
            (ReplicaTier::R3, "R3"),
            (ReplicaTier::R4, "R4"),
            (ReplicaTier::R5, "R5"),
        ];
        for (n, (tier, name)) in (1..).zip(all) {
            assert_eq!(tier.replicas(), n);
            assert_eq!(tier.as_str(), name);
            assert_eq!(tier.to_string(), name);
            assert_eq!(ReplicaTier::from_replicas(n), Some(tier));
            assert_eq!(ReplicaTier::from_name(name), Some(tier));
        }
        assert_eq!(
            ReplicaTier::ALL.map(ReplicaTier::as_str),
            all.map(|(_, name)| name)
        );
        // The server's `tierName`: 0 replicas is R1; more than 5 is refused.
        assert_eq!(ReplicaTier::from_replicas(0), Some(ReplicaTier::R1));
        for n in [6, 7, usize::MAX] {
            assert_eq!(ReplicaTier::from_replicas(n), None);
        }
        // The server looks tiers up by their exact name.
        for name in ["", "R0", "R6", "r1", "R01", "R1 ", " R1", "R"] {
            assert_eq!(ReplicaTier::from_name(name), None, "{name:?}");
        }
    }

    #[test]
    fn tiered_account_limits_are_written_as_go_writes_them() {
        let mut l = OperatorLimits::new_account_defaults();
        let r3 = JetStreamLimits {
            disk_storage: ByteSize::gib(10).into(),
            streams: 5,
            max_bytes_required: true,
            ..Default::default()
        };
        assert_eq!(l.set_tier(ReplicaTier::R3, r3.clone()), None);
        l.set_tier(
            ReplicaTier::R1,
            JetStreamLimits {
                mem_storage: ByteSize::mib(64).into(),
                disk_storage: ByteSize::gib(1).into(),
                streams: 10,
                consumer: 100,
                ..Default::default()
            },
        );
        assert_eq!(l.tier(ReplicaTier::R3), Some(&r3));
        assert_eq!(l.tier(ReplicaTier::R2), None);
        assert!(l.is_jetstream_enabled());
        // What Go's jwt 2.3.0 writes for the same OperatorLimits (NewAccountClaims' defaults,
        // `JetStreamTieredLimits["R1"]` and `["R3"]` set; checked with its json.Marshal).
        assert_eq!(
            go_json(&l),
            concat!(
                r#"{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1,"#,
                r#""tiered_limits":{"R1":{"mem_storage":67108864,"disk_storage":1073741824,"streams":10,"consumer":100},"#,
                r#""R3":{"disk_storage":10737418240,"streams":5,"max_bytes_required":true}}}"#
            )
        );
        let mut vr = ValidationResults::new();
        l.validate(&mut vr);
        assert!(vr.issues.is_empty());

        // Replacing a tier returns the old one.
        assert_eq!(
            l.set_tier(ReplicaTier::R3, JetStreamLimits::default()),
            Some(r3)
        );
        assert_eq!(l.tier(ReplicaTier::R3), Some(&JetStreamLimits::default()));
    }
}

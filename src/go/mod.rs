//! What exists only to reproduce Go: the parts of Go's standard library whose exact
//! behaviour ends up in a token's bytes or in a validation message.
//!
//! A NATS JWT is Go's `encoding/json` output, signed: to write Go's bytes (and so Go's
//! signature and `jti`), and to read what Go reads, this crate copies Go's JSON rules
//! ([`json`]), the order Go's unstable `sort.Sort` leaves equal subjects in ([`sort`]),
//! and what the validation rules are defined by: `strconv.Quote` for `%q` ([`quote`]),
//! `net/url.Parse` ([`url`]), `net.ParseCIDR` ([`net`]), `strconv.Atoi` ([`strconv`]),
//! the `15:04:05` time layout ([`time`]) and `time.LoadLocation` ([`zoneinfo`]). Each
//! follows Go's source, not a specification, because Go's answer is what counts.
//!
//! Nothing here knows about claims; it depends on nothing above the keys.

pub(crate) mod json;
pub(crate) mod net;
pub(crate) mod quote;
pub(crate) mod sort;
pub(crate) mod strconv;
pub(crate) mod time;
pub(crate) mod url;
pub(crate) mod zoneinfo;

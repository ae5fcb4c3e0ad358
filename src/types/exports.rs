//! Exports: streams and services an account offers to other accounts.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::subjects::{for_each_containment, has_wildcards, validate_subject};
use super::{GoDuration, Info, RevocationList};
use crate::clock::{Clock, SystemClock};
use crate::go::json::{IsEmpty, go_fields, go_object};
use crate::go::quote::quote;
use crate::validation::ValidationResults;

/// Whether an export or import is a stream or a service (`type`; `kind` in activations).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExportType {
    /// Not set (Go's zero value); never written, refused by validation.
    #[default]
    Unknown,
    /// A stream: messages flow from the exporter to importers.
    Stream,
    /// A service: importers send requests, the exporter replies.
    Service,
}

impl ExportType {
    /// `"stream"`, `"service"` or `"unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportType::Unknown => "unknown",
            ExportType::Stream => "stream",
            ExportType::Service => "service",
        }
    }
}

impl std::fmt::Display for ExportType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ExportType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ExportType::Unknown => Err(serde::ser::Error::custom("unknown export type")),
            other => serializer.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for ExportType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        match text.as_ref() {
            "stream" => Ok(ExportType::Stream),
            "service" => Ok(ExportType::Service),
            other => Err(D::Error::custom(format_args!(
                "unknown export type {other:?}"
            ))),
        }
    }
}

impl IsEmpty for ExportType {
    fn is_empty_value(&self) -> bool {
        *self == ExportType::Unknown
    }
}

/// Reply style of a service export (`response_type`): `Singleton` (default), `Stream`, `Chunked`.
pub mod response_type {
    /// One reply per request (also what `""` means).
    pub const SINGLETON: &str = "Singleton";
    /// Any number of replies.
    pub const STREAM: &str = "Stream";
    /// One reply in several chunks.
    pub const CHUNKED: &str = "Chunked";
}

/// Latency sampling of a service export: `0` means "headers" (trace by header), `1..=100` a percentage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SamplingRate(pub i64);

impl SamplingRate {
    /// Sample when the request carries a tracing header (written `"headers"`).
    pub const HEADERS: SamplingRate = SamplingRate(0);
}

impl Serialize for SamplingRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            0 => serializer.serialize_str("headers"),
            1..=100 => serializer.serialize_i64(self.0),
            _ => Err(serde::ser::Error::custom("unknown sampling rate")),
        }
    }
}

impl<'de> Deserialize<'de> for SamplingRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Number(i64),
            #[serde(borrow)]
            Text(std::borrow::Cow<'a, str>),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(n) => Ok(SamplingRate(n)),
            Raw::Text(t) if t.eq_ignore_ascii_case("headers") => Ok(SamplingRate::HEADERS),
            Raw::Text(t) => Err(D::Error::custom(format_args!(
                "invalid sampling rate {t:?}"
            ))),
        }
    }
}

/// Latency tracking of a service export (`service_latency`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceLatency {
    /// Sampling rate (`sampling`, always written).
    pub sampling: SamplingRate,
    /// Subject the latency results are published to (`results`, always written).
    pub results: String,
}

go_fields!(ServiceLatency => [
    (always sampling "sampling")
    (always results "results")
]);
go_object!(ServiceLatency);

impl ServiceLatency {
    /// Go's `ServiceLatency.Validate`.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if self.sampling.0 != 0 && !(1..=100).contains(&self.sampling.0) {
            vr.add_error("sampling percentage needs to be between 1-100");
        }
        validate_subject(&self.results, vr);
        if has_wildcards(&self.results) {
            vr.add_error("results subject can not contain wildcards");
        }
    }
}

/// A stream or service an account exports.
///
/// A public export (`token_req: false`) may be imported by any account; a private one
/// needs an [`ActivationClaims`](crate::ActivationClaims) token from the exporter in the
/// [`Import`](crate::types::Import).
///
/// ```
/// use natsjwt::types::{response_type, Export};
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let account = KeyPair::new_account()?;
/// let mut claims = AccountClaims::new(account.public_key().as_str());
///
/// // A public stream, and a private service each importer calls on its own subject.
/// claims.nats.exports.push(Export::stream("prices.>"));
/// let mut help = Export::service("help.*");
/// help.token_req = true;
/// help.response_type = response_type::STREAM.into();
/// help.account_token_position = 2; // help.<importing account>
/// claims.nats.exports.push(help);
/// assert!(!claims.validate().is_blocking(TimeChecks::Included));
/// assert!(claims.to_json()?.contains(concat!(
///     r#"{"subject":"help.*","type":"service","token_req":true,"#,
///     r#""response_type":"Stream","account_token_position":2}"#,
/// )));
///
/// // Go's rules: a stream has no response type.
/// let mut bad = Export::stream("news");
/// bad.response_type = response_type::STREAM.into();
/// claims.nats.exports.push(bad);
/// assert!(claims.validate().is_blocking(TimeChecks::Included));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// Display name (`name`).
    pub name: String,
    /// Subject exported (`subject`).
    pub subject: String,
    /// Stream or service (`type`).
    pub export_type: ExportType,
    /// Importers need an activation token (`token_req`): a private export.
    pub token_req: bool,
    /// Revoked activations, by importing account (`revocations`).
    pub revocations: RevocationList,
    /// Reply style of a service (`response_type`), see [`response_type`].
    pub response_type: String,
    /// How long a service may take to reply (`response_threshold`, nanoseconds).
    pub response_threshold: GoDuration,
    /// Latency tracking of a service (`service_latency`).
    pub service_latency: Option<ServiceLatency>,
    /// 1-based token of `subject` that must hold the importer's account key (`account_token_position`).
    pub account_token_position: u64,
    /// Advertise the export to other accounts (`advertise`).
    pub advertise: bool,
    /// Allow message tracing through a service export (`allow_trace`).
    pub allow_trace: bool,
    /// Description and info URL.
    pub info: Info,
}

go_fields!(Export => [
    (omitempty name "name")
    (omitempty subject "subject")
    (omitempty export_type "type")
    (omitempty token_req "token_req")
    (omitempty revocations "revocations")
    (omitempty response_type "response_type")
    (omitempty response_threshold "response_threshold")
    (omitempty service_latency "service_latency")
    (omitempty account_token_position "account_token_position")
    (omitempty advertise "advertise")
    (omitempty allow_trace "allow_trace")
    (embed info: Info)
]);
go_object!(Export);

impl Export {
    /// A stream export of `subject`.
    pub fn stream(subject: impl Into<String>) -> Self {
        Export {
            subject: subject.into(),
            export_type: ExportType::Stream,
            ..Default::default()
        }
    }

    /// A service export of `subject`.
    pub fn service(subject: impl Into<String>) -> Self {
        Export {
            subject: subject.into(),
            export_type: ExportType::Service,
            ..Default::default()
        }
    }

    /// True for a service export.
    pub fn is_service(&self) -> bool {
        self.export_type == ExportType::Service
    }

    /// True for a stream export.
    pub fn is_stream(&self) -> bool {
        self.export_type == ExportType::Stream
    }

    /// True for a service answering with one reply (`Singleton` or unset).
    pub fn is_single_response(&self) -> bool {
        self.is_service()
            && (self.response_type == response_type::SINGLETON || self.response_type.is_empty())
    }

    /// True for a service answering in chunks.
    pub fn is_chunked_response(&self) -> bool {
        self.is_service() && self.response_type == response_type::CHUNKED
    }

    /// True for a service answering with a stream of replies.
    pub fn is_stream_response(&self) -> bool {
        self.is_service() && self.response_type == response_type::STREAM
    }

    /// Go's `Export.Validate`.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if !self.is_service() && !self.is_stream() {
            vr.add_error(format!(
                "invalid export type: {}",
                quote(self.export_type.as_str())
            ));
        }
        if self.is_service()
            && !self.is_single_response()
            && !self.is_chunked_response()
            && !self.is_stream_response()
        {
            vr.add_error(format!(
                "invalid response type for service: {}",
                quote(&self.response_type)
            ));
        }
        if self.is_stream() {
            if !self.response_type.is_empty() {
                vr.add_error(format!(
                    "invalid response type for stream: {}",
                    quote(&self.response_type)
                ));
            }
            if self.allow_trace {
                vr.add_error("AllowTrace only valid for service export");
            }
        }
        if let Some(latency) = &self.service_latency {
            if !self.is_service() {
                vr.add_error("latency tracking only permitted for services");
            }
            latency.validate(vr);
        }
        if self.response_threshold.0 < 0 {
            vr.add_error("negative response threshold is invalid");
        }
        if self.response_threshold.0 > 0 && !self.is_service() {
            vr.add_error("response threshold only valid for services");
        }
        validate_subject(&self.subject, vr);
        if self.account_token_position > 0 {
            if !has_wildcards(&self.subject) {
                vr.add_error(format!(
                    "Account Token Position can only be used with wildcard subjects: {}",
                    self.subject
                ));
            } else {
                let tokens: Vec<&str> = self.subject.split('.').collect();
                let position = self.account_token_position;
                match usize::try_from(position - 1).ok().and_then(|i| tokens.get(i)) {
                    None => vr.add_error(format!(
                        "Account Token Position {position} exceeds length of subject '{}'",
                        self.subject
                    )),
                    Some(token) if *token != "*" => vr.add_error(format!(
                        "Account Token Position {position} matches '{token}' but must match a * in: {}",
                        self.subject
                    )),
                    Some(_) => {}
                }
            }
        }
        self.info.validate(vr);
    }

    /// Revokes activations for `account` issued at or before `timestamp` (`*`: every account).
    pub fn revoke_at(&mut self, account: &str, timestamp: i64) {
        self.revocations.revoke(account, timestamp);
    }

    /// Revokes activations for `account` issued up to now.
    pub fn revoke(&mut self, account: &str) {
        self.revoke_at(account, SystemClock.now());
    }

    /// Removes the revocation of `account`.
    pub fn clear_revocation(&mut self, account: &str) {
        self.revocations.clear(account);
    }

    /// True when an activation for `account` issued at `issued_at` is revoked (`*`
    /// included, inclusive).
    pub fn is_revoked(&self, account: &str, issued_at: i64) -> bool {
        self.revocations.is_revoked(account, issued_at)
    }
}

/// Go's `Exports.Validate`: each export, then overlapping subjects within services and within streams.
pub(crate) fn validate_exports(exports: &[Export], vr: &mut ValidationResults) {
    let mut services = Vec::with_capacity(exports.len());
    let mut streams = Vec::with_capacity(exports.len());
    for export in exports {
        if export.is_service() {
            services.push(export.subject.as_str());
        } else {
            streams.push(export.subject.as_str());
        }
        export.validate(vr);
    }
    report_overlaps(ExportType::Service, &services, vr);
    report_overlaps(ExportType::Stream, &streams, vr);
}

/// One error per exported subject that contains another export of the same kind.
fn report_overlaps(kind: ExportType, subjects: &[&str], vr: &mut ValidationResults) {
    // Go tests every pair and keys a map by the containing subject, keeping the first
    // contained one found (the lowest index, over every copy of the containing subject).
    // Testing every pair made validating 100 exports cost more than signing them;
    // `for_each_containment` finds the same pairs from the sorted subjects.
    let mut entries: Vec<(&str, usize)> = subjects.iter().copied().zip(0..).collect();
    let mut found: std::collections::BTreeMap<&str, (usize, &str)> = Default::default();
    for_each_containment(
        &mut entries,
        |&(subject, _)| subject,
        |&(outer, _), &(inner, i)| {
            let first = found.entry(outer).or_insert((i, inner));
            *first = (*first).min((i, inner));
        },
    );
    for (outer, (_, inner)) in found {
        vr.add_error(format!(
            "{kind} export subject {} already exports {}",
            quote(outer),
            quote(inner)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::subjects::is_contained_in;
    use super::*;

    #[test]
    fn sampling_headers_round_trip() {
        let l = ServiceLatency {
            sampling: SamplingRate::HEADERS,
            results: "r".into(),
        };
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"sampling":"headers","results":"r"}"#
        );
        let back: ServiceLatency =
            serde_json::from_str(r#"{"sampling":"HEADERS","results":"r"}"#).unwrap();
        assert_eq!(back, l);
        let n: ServiceLatency = serde_json::from_str(r#"{"sampling":50,"results":"r"}"#).unwrap();
        assert_eq!(n.sampling, SamplingRate(50));
        let bad = ServiceLatency {
            sampling: SamplingRate(101),
            results: "r".into(),
        };
        assert!(serde_json::to_string(&bad).is_err());
    }

    #[test]
    fn unknown_export_type_fails_to_read() {
        let err = serde_json::from_str::<Export>(r#"{"type":"queue"}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown export type \"queue\""),
            "{err}"
        );
        assert_eq!(serde_json::to_string(&Export::default()).unwrap(), "{}");
    }

    fn descriptions(exports: &[Export]) -> Vec<String> {
        let mut vr = ValidationResults::new();
        validate_exports(exports, &mut vr);
        vr.issues.into_iter().map(|i| i.description).collect()
    }

    #[test]
    fn overlaps_within_one_kind() {
        assert_eq!(
            descriptions(&[Export::stream("a.>"), Export::stream("a.b")]),
            [r#"stream export subject "a.>" already exports "a.b""#]
        );
        assert!(descriptions(&[Export::stream("a.b"), Export::service("a.b")]).is_empty());
        assert_eq!(
            descriptions(&[Export::service("x"), Export::service("x")]).len(),
            1
        );
    }

    /// Go's `Exports.Validate` overlap check as written there: every ordered pair.
    fn go_pairwise_overlaps(kind: ExportType, subjects: &[&str]) -> Vec<String> {
        let mut first: std::collections::BTreeMap<&str, &str> = Default::default();
        for (i, inner) in subjects.iter().enumerate() {
            for (j, outer) in subjects.iter().enumerate() {
                if i != j && is_contained_in(inner, outer) {
                    first.entry(outer).or_insert(inner);
                }
            }
        }
        first
            .into_iter()
            .map(|(outer, inner)| {
                format!(
                    "{kind} export subject {} already exports {}",
                    quote(outer),
                    quote(inner)
                )
            })
            .collect()
    }

    /// Every list of up to four subjects over a small alphabet (duplicates, wildcards,
    /// literal and wildcard copies) reports what Go's pairwise loop reports.
    #[test]
    fn overlaps_match_gos_pairwise_check() {
        let alphabet = [
            "a", "a.b", "a.*", "a.>", ">", "*", "a.b.c", "b", "*.b", "a.>.b",
        ];
        let mut cases = 0;
        for n in 1..=4u32 {
            for mut code in 0..alphabet.len().pow(n) {
                let mut subjects = Vec::new();
                for _ in 0..n {
                    subjects.push(alphabet[code % alphabet.len()]);
                    code /= alphabet.len();
                }
                let mut vr = ValidationResults::new();
                report_overlaps(ExportType::Stream, &subjects, &mut vr);
                let ours: Vec<String> = vr.issues.into_iter().map(|i| i.description).collect();
                assert_eq!(
                    ours,
                    go_pairwise_overlaps(ExportType::Stream, &subjects),
                    "{subjects:?}"
                );
                cases += 1;
            }
        }
        assert_eq!(cases, 10 + 100 + 1000 + 10000);
    }

    #[test]
    fn account_token_position() {
        let mut e = Export::service("a.*.b");
        e.account_token_position = 2;
        assert!(descriptions(&[e.clone()]).is_empty());
        e.account_token_position = 3;
        assert_eq!(
            descriptions(&[e.clone()]),
            ["Account Token Position 3 matches 'b' but must match a * in: a.*.b"]
        );
        e.account_token_position = 4;
        assert_eq!(
            descriptions(&[e]),
            ["Account Token Position 4 exceeds length of subject 'a.*.b'"]
        );
    }
}

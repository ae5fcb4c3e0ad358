//! Go's `Validate` rules (nats-io/jwt v2.8.2, spec §3), one table row per rule and case.
//!
//! Each table belongs to one claim type: a base claim that validates cleanly, and rows of
//! (name, build closure that changes the base, the exact issues Go reports, in Go's order
//! and with Go's severity). Every row runs through `validate_with(&FixedClock(NOW))`; a
//! failing table lists every failing row by name with the expected and actual issues.
//!
//! The expected issues were checked against Go's own `Validate` (jwt v2.8.2). Rows marked
//! "Deliberate difference" assert where this crate is stricter than Go on purpose; the
//! one other difference, trace sampling 0, is a warning here (Go silently rewrites it).
use std::collections::BTreeSet;

use natsjwt::claims::{
    Account, Activation, AuthorizationRequest, AuthorizationResponse, ClaimBody, Generic, MsgTrace,
    Operator, User,
};
use natsjwt::clock::FixedClock;
use natsjwt::types::{Export, Import};
use natsjwt::types::{
    ExportType, GoDuration, JetStreamLimits, OperatorLimits, ResponsePermission, SamplingRate,
    ServiceLatency, TimeRange, UserScope, WeightedMapping,
};
use natsjwt::validation::{Severity, TimeChecks, ValidationIssue};
use natsjwt::{
    AccountClaims, ActivationClaims, AuthorizationRequestClaims, AuthorizationResponseClaims,
    Claims, GenericClaims, KeyKind, KeyPair, OperatorClaims, PublicKey, UserClaims,
};

/// The validation clock.
const NOW: i64 = 1_800_000_000;
/// `iat` of the activation tokens built here.
const IAT: i64 = NOW - 3_600;

// ---------------------------------------------------------------------------------------
// Fixture and table runner
// ---------------------------------------------------------------------------------------

/// Fixed keys, so that every run (and every failure message) shows the same values.
struct Fx {
    /// An account the validated account imports from (it signs activations).
    exporter: KeyPair,
    /// A signing key of `exporter`.
    exporter_signing: KeyPair,
    /// An account that has nothing to do with the others.
    other: KeyPair,
    /// The operator.
    op: String,
    /// The account whose claims are validated (the `sub` of account claims).
    acc: String,
    /// `exporter`'s public key.
    exp: String,
    /// `exporter_signing`'s public key.
    exp_sk: String,
    /// `other`'s public key.
    oth: String,
    /// A user.
    usr: String,
    /// A server (auth callout).
    srv: String,
    /// A curve key (auth callout encryption).
    xkey: String,
}

impl Fx {
    fn new() -> Fx {
        let pair = |kind, byte| KeyPair::from_raw_seed(kind, &[byte; 32]).unwrap();
        let public = |k: &KeyPair| k.public_key().as_str().to_owned();
        let operator = pair(KeyKind::Operator, 1);
        let account = pair(KeyKind::Account, 2);
        let exporter = pair(KeyKind::Account, 3);
        let exporter_signing = pair(KeyKind::Account, 4);
        let other = pair(KeyKind::Account, 5);
        let user = pair(KeyKind::User, 6);
        let server = pair(KeyKind::Server, 7);
        Fx {
            op: public(&operator),
            acc: public(&account),
            exp: public(&exporter),
            exp_sk: public(&exporter_signing),
            oth: public(&other),
            usr: public(&user),
            srv: public(&server),
            xkey: PublicKey::from_bytes(KeyKind::Curve, [8; 32])
                .as_str()
                .to_owned(),
            exporter,
            exporter_signing,
            other,
        }
    }

    /// An activation for `self.acc` to import stream `a.>`, changed by `f`, signed by `signer`.
    fn activation(&self, signer: &KeyPair, f: impl FnOnce(&mut ActivationClaims)) -> String {
        let mut act = ActivationClaims::new(self.acc.as_str());
        act.nats.subject = "a.>".into();
        act.nats.kind = ExportType::Stream;
        f(&mut act);
        act.encode_at(signer, IAT).unwrap()
    }
}

type Build<T> = Box<dyn Fn(&Fx, &mut Claims<T>)>;

/// One rule case: `build` changes the table's base claims; `expect` is what Go reports.
struct Row<T> {
    name: &'static str,
    build: Build<T>,
    expect: Vec<ValidationIssue>,
    skip: Option<&'static str>,
}

impl<T> Row<T> {
    /// Skips the row when `condition` does not hold on this machine.
    fn skip_unless(mut self, condition: bool, why: &'static str) -> Self {
        if !condition {
            self.skip = Some(why);
        }
        self
    }
}

/// Makes the rows of one claim type's table (the type lets the closures infer `c`).
struct Rows<T>(std::marker::PhantomData<T>);

impl<T> Rows<T> {
    fn new() -> Self {
        Rows(std::marker::PhantomData)
    }

    fn row(
        &self,
        name: &'static str,
        build: impl Fn(&Fx, &mut Claims<T>) + 'static,
        expect: Vec<ValidationIssue>,
    ) -> Row<T> {
        Row {
            name,
            build: Box::new(build),
            expect,
            skip: None,
        }
    }
}

fn issue(severity: Severity, description: impl Into<String>) -> ValidationIssue {
    ValidationIssue {
        description: description.into(),
        severity,
    }
}

/// A blocking issue (Go's `AddError`).
fn e(description: impl Into<String>) -> ValidationIssue {
    issue(Severity::Blocking, description)
}

/// A warning (Go's `AddWarning`).
fn w(description: impl Into<String>) -> ValidationIssue {
    issue(Severity::Warning, description)
}

/// A time check (Go's `AddTimeCheck`).
fn t(description: impl Into<String>) -> ValidationIssue {
    issue(Severity::TimeCheck, description)
}

fn show(issues: &[ValidationIssue]) -> String {
    if issues.is_empty() {
        return "(no issues)".to_owned();
    }
    issues
        .iter()
        .map(|i| format!("\n      {:?} {:?}", i.severity, i.description))
        .collect()
}

/// Runs every row of `table`; fails once, naming every row that did not match.
fn run<T: ClaimBody>(
    table: &str,
    base: fn(&Fx) -> Claims<T>,
    rows: impl IntoIterator<Item = Row<T>>,
) {
    let rows: Vec<Row<T>> = rows.into_iter().collect();
    let fx = Fx::new();
    let mut names = BTreeSet::new();
    let mut failures = Vec::new();
    let mut skipped = 0;
    for row in &rows {
        assert!(
            names.insert(row.name),
            "{table}: duplicate row {:?}",
            row.name
        );
        if let Some(why) = row.skip {
            skipped += 1;
            eprintln!("SKIP {table} / {}: {why}", row.name);
            continue;
        }
        let mut claims = base(&fx);
        (row.build)(&fx, &mut claims);
        let got = claims.validate_with(&FixedClock(NOW)).issues;
        if got != row.expect {
            failures.push(format!(
                "{table} / {}:\n    expected (Go):{}\n    got:{}",
                row.name,
                show(&row.expect),
                show(&got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows of table {table} failed ({skipped} skipped):\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Base claims: each validates without any issue (the first row of each table checks it).
// ---------------------------------------------------------------------------------------

fn base_generic(_: &Fx) -> GenericClaims {
    GenericClaims::new("anything")
}

fn base_user(fx: &Fx) -> UserClaims {
    let mut c = UserClaims::new(fx.usr.as_str());
    c.issuer = fx.acc.clone();
    c
}

fn base_operator(fx: &Fx) -> OperatorClaims {
    let mut c = OperatorClaims::new(fx.op.as_str());
    c.issuer = fx.op.clone();
    c
}

/// Signed by the operator, so the self-signed warning does not apply.
fn base_account(fx: &Fx) -> AccountClaims {
    let mut c = AccountClaims::new(fx.acc.as_str());
    c.issuer = fx.op.clone();
    c
}

fn base_activation(fx: &Fx) -> ActivationClaims {
    let mut c = ActivationClaims::new(fx.acc.as_str());
    c.issuer = fx.exp.clone();
    c.nats.subject = "a.b".into();
    c.nats.kind = ExportType::Stream;
    c
}

fn base_auth_request(fx: &Fx) -> AuthorizationRequestClaims {
    let mut c = AuthorizationRequestClaims::new(fx.acc.as_str());
    c.issuer = fx.srv.clone();
    c.audience = "nats-authorization-request".into();
    c.nats.user_nkey = fx.usr.clone();
    c
}

fn base_auth_response(fx: &Fx) -> AuthorizationResponseClaims {
    let mut c = AuthorizationResponseClaims::new(fx.usr.as_str());
    c.issuer = fx.acc.clone();
    c.audience = fx.srv.clone();
    c.nats.jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.sig".into();
    c
}

// ---------------------------------------------------------------------------------------
// Time checks (ClaimsData.Validate): only generic claims carry nothing else.
// ---------------------------------------------------------------------------------------

#[test]
fn generic_claims_time_checks_only() {
    let r = Rows::<Generic>::new();
    run(
        "generic",
        base_generic,
        [
            r.row("base: no exp, no nbf", |_, _| {}, vec![]),
            r.row("exp in the future", |_, c| c.expires = NOW + 1, vec![]),
            r.row("exp == now is still valid", |_, c| c.expires = NOW, vec![]),
            r.row(
                "expired: now > exp",
                |_, c| c.expires = NOW - 1,
                vec![t("claim is expired")],
            ),
            r.row(
                "expired long ago",
                |_, c| c.expires = 1,
                vec![t("claim is expired")],
            ),
            r.row(
                "negative exp is ignored (exp > 0 only)",
                |_, c| c.expires = -5,
                vec![],
            ),
            r.row("nbf in the past", |_, c| c.not_before = NOW - 1, vec![]),
            r.row("nbf == now is valid", |_, c| c.not_before = NOW, vec![]),
            r.row(
                "not yet valid: nbf > now",
                |_, c| c.not_before = NOW + 1,
                vec![t("claim is not yet valid")],
            ),
            r.row(
                "expired and not yet valid: expiry first",
                |_, c| {
                    c.expires = NOW - 10;
                    c.not_before = NOW + 10;
                },
                vec![t("claim is expired"), t("claim is not yet valid")],
            ),
            r.row(
                "the free-form body is not validated",
                |_, c| {
                    c.nats
                        .data
                        .insert("subject".into(), serde_json::json!("a b .."));
                    c.nats
                        .data
                        .insert("type".into(), serde_json::json!("custom"));
                },
                vec![],
            ),
            r.row(
                "sub and iss are not checked",
                |_, c| {
                    c.subject = "not a key".into();
                    c.issuer = "also not a key".into();
                },
                vec![],
            ),
        ],
    );
}

#[test]
fn time_checks_are_not_blocking_unless_included() {
    let fx = Fx::new();
    let mut c = base_user(&fx);
    c.expires = NOW - 1;
    let vr = c.validate_with(&FixedClock(NOW));
    assert_eq!(vr.issues, vec![t("claim is expired")]);
    assert!(!vr.is_blocking(TimeChecks::Excluded));
    assert!(vr.is_blocking(TimeChecks::Included));
    c.expires = NOW;
    let vr = c.validate_with(&FixedClock(NOW));
    assert!(vr.is_empty(), "{vr:?}");
    assert!(!vr.is_blocking(TimeChecks::Included));
    // A warning alone never blocks.
    let mut a = base_account(&fx);
    a.issuer = fx.acc.clone();
    let vr = a.validate_with(&FixedClock(NOW));
    assert_eq!(
        vr.issues,
        vec![w(
            "self-signed account JWTs shouldn't contain operator limits"
        )]
    );
    assert!(!vr.is_blocking(TimeChecks::Included));
}

// ---------------------------------------------------------------------------------------
// User claims: subjects, permissions, CIDRs, time ranges, time zone, issuer_account.
// ---------------------------------------------------------------------------------------

fn pub_allow(subject: &'static str) -> impl Fn(&Fx, &mut UserClaims) {
    move |_, c| c.nats.permissions.publish.allow.push(subject.into())
}

fn sub_allow(subject: &'static str) -> impl Fn(&Fx, &mut UserClaims) {
    move |_, c| c.nats.permissions.subscribe.allow.push(subject.into())
}

fn src(cidr: &'static str) -> impl Fn(&Fx, &mut UserClaims) {
    move |_, c| c.nats.limits.src.add([cidr])
}

fn times(start: &'static str, end: &'static str) -> impl Fn(&Fx, &mut UserClaims) {
    move |_, c| c.nats.limits.times.push(TimeRange::new(start, end))
}

fn zone(name: &'static str) -> impl Fn(&Fx, &mut UserClaims) {
    move |_, c| c.nats.limits.times_location = name.into()
}

#[test]
fn user_subject_rules() {
    let r = Rows::<User>::new();
    run(
        "user subjects (Subject.Validate via pub.allow)",
        base_user,
        [
            r.row("base: new user", |_, _| {}, vec![]),
            r.row("plain subject", pub_allow("a.b.c"), vec![]),
            r.row("full wildcard", pub_allow(">"), vec![]),
            r.row("token wildcard", pub_allow("a.*.c"), vec![]),
            r.row(
                "wildcard placement is not checked: foo*",
                pub_allow("foo*"),
                vec![],
            ),
            r.row(
                "wildcard placement is not checked: a.>.b",
                pub_allow("a.>.b"),
                vec![],
            ),
            r.row("a tab is not a space", pub_allow("a\tb"), vec![]),
            r.row("a newline is not a space", pub_allow("a\nb"), vec![]),
            r.row(
                "empty subject",
                pub_allow(""),
                vec![e("subject cannot be empty")],
            ),
            r.row(
                "leading dot",
                pub_allow(".a"),
                vec![e(r#"subject ".a" cannot start or end with a `.`"#)],
            ),
            r.row(
                "trailing dot",
                pub_allow("a."),
                vec![e(r#"subject "a." cannot start or end with a `.`"#)],
            ),
            r.row(
                "single dot: one start/end issue",
                pub_allow("."),
                vec![e(r#"subject "." cannot start or end with a `.`"#)],
            ),
            r.row(
                "consecutive dots",
                pub_allow("a..b"),
                vec![e(r#"subject "a..b" cannot contain consecutive `.`"#)],
            ),
            r.row(
                "two dots: start/end and consecutive",
                pub_allow(".."),
                vec![
                    e(r#"subject ".." cannot start or end with a `.`"#),
                    e(r#"subject ".." cannot contain consecutive `.`"#),
                ],
            ),
        ],
    );
}

#[test]
fn user_permission_rules() {
    let r = Rows::<User>::new();
    run(
        "user permissions",
        base_user,
        [
            r.row("base: new user", |_, _| {}, vec![]),
            r.row("subscribe with a queue", sub_allow("work q1"), vec![]),
            r.row(
                "subscribe deny with a queue",
                |_, c| c.nats.permissions.subscribe.deny.push("work q1".into()),
                vec![],
            ),
            r.row(
                "publish with a queue is refused",
                pub_allow("a b"),
                vec![e(
                    r#"Permission Subject "a b" is not allowed to contain queue"#,
                )],
            ),
            r.row(
                "publish deny with a queue is refused",
                |_, c| c.nats.permissions.publish.deny.push("a b".into()),
                vec![e(
                    r#"Permission Subject "a b" is not allowed to contain queue"#,
                )],
            ),
            r.row(
                "subscribe with too many spaces",
                sub_allow("a b c"),
                vec![e(r#"Permission Subject "a b c" contains too many spaces"#)],
            ),
            r.row(
                "publish with too many spaces",
                pub_allow("a b c"),
                vec![e(r#"Permission Subject "a b c" contains too many spaces"#)],
            ),
            r.row(
                "two spaces in a row are too many",
                sub_allow("a  b"),
                vec![e(r#"Permission Subject "a  b" contains too many spaces"#)],
            ),
            r.row(
                "subscribe: the subject of a queue entry is validated",
                sub_allow("a. q"),
                vec![e(r#"subject "a." cannot start or end with a `.`"#)],
            ),
            r.row(
                "subscribe: the queue is validated as a subject",
                sub_allow("a q."),
                vec![e(r#"subject "q." cannot start or end with a `.`"#)],
            ),
            r.row(
                "trailing space: an empty queue",
                sub_allow("a "),
                vec![e("subject cannot be empty")],
            ),
            r.row(
                "publish, trailing space: empty queue and queue refused",
                pub_allow("a "),
                vec![
                    e("subject cannot be empty"),
                    e(r#"Permission Subject "a " is not allowed to contain queue"#),
                ],
            ),
            r.row(
                "resp is not validated",
                |_, c| {
                    c.nats.permissions.response = Some(ResponsePermission {
                        max: -5,
                        ttl: GoDuration(-1),
                    })
                },
                vec![],
            ),
            r.row(
                "sub is checked before pub, allow before deny",
                |_, c| {
                    c.nats.permissions.publish.allow.push("p q".into());
                    c.nats.permissions.publish.deny.push("p..d".into());
                    c.nats.permissions.subscribe.deny.push("s..d".into());
                    c.nats.permissions.subscribe.allow.push("s..a".into());
                },
                vec![
                    e(r#"subject "s..a" cannot contain consecutive `.`"#),
                    e(r#"subject "s..d" cannot contain consecutive `.`"#),
                    e(r#"Permission Subject "p q" is not allowed to contain queue"#),
                    e(r#"subject "p..d" cannot contain consecutive `.`"#),
                ],
            ),
        ],
    );
}

#[test]
fn user_limit_rules() {
    let r = Rows::<User>::new();
    let berlin = std::path::Path::new("/usr/share/zoneinfo/Europe/Berlin").exists();
    let zoneinfo_dir = std::path::Path::new("/usr/share/zoneinfo/Europe").is_dir();
    let zone_tab = std::path::Path::new("/usr/share/zoneinfo/zone.tab").is_file();
    run(
        "user limits",
        base_user,
        [
            r.row("base: new user", |_, _| {}, vec![]),
            // CIDRs: Go's net.ParseCIDR.
            r.row("cidr: IPv4", src("10.0.0.0/8"), vec![]),
            r.row("cidr: IPv4 host", src("192.168.1.7/32"), vec![]),
            r.row("cidr: IPv4 any", src("0.0.0.0/0"), vec![]),
            r.row("cidr: IPv6", src("2001:db8::/32"), vec![]),
            r.row("cidr: IPv4-mapped IPv6", src("::ffff:10.0.0.1/128"), vec![]),
            r.row(
                "cidr: leading zeros in the mask",
                src("10.0.0.0/08"),
                vec![],
            ),
            r.row(
                "cidr: several, each checked",
                |_, c| {
                    c.nats
                        .limits
                        .src
                        .add(["10.0.0.0/8", "bad", "::1/128", "1.2.3.4"])
                },
                vec![
                    e(r#"invalid cidr "bad" in user src limits"#),
                    e(r#"invalid cidr "1.2.3.4" in user src limits"#),
                ],
            ),
            r.row(
                "cidr: the mask is required",
                src("10.0.0.1"),
                vec![e(r#"invalid cidr "10.0.0.1" in user src limits"#)],
            ),
            r.row(
                "cidr: IPv4 mask > 32",
                src("10.0.0.0/33"),
                vec![e(r#"invalid cidr "10.0.0.0/33" in user src limits"#)],
            ),
            r.row(
                "cidr: IPv6 mask > 128",
                src("::/129"),
                vec![e(r#"invalid cidr "::/129" in user src limits"#)],
            ),
            r.row(
                "cidr: empty mask",
                src("10.0.0.0/"),
                vec![e(r#"invalid cidr "10.0.0.0/" in user src limits"#)],
            ),
            r.row(
                "cidr: signed mask",
                src("10.0.0.0/+8"),
                vec![e(r#"invalid cidr "10.0.0.0/+8" in user src limits"#)],
            ),
            r.row(
                "cidr: short IPv4",
                src("10.0.0/8"),
                vec![e(r#"invalid cidr "10.0.0/8" in user src limits"#)],
            ),
            r.row(
                "cidr: leading zero in an IPv4 octet",
                src("010.0.0.0/8"),
                vec![e(r#"invalid cidr "010.0.0.0/8" in user src limits"#)],
            ),
            r.row(
                "cidr: IPv6 zone",
                src("fe80::1%eth0/64"),
                vec![e(r#"invalid cidr "fe80::1%eth0/64" in user src limits"#)],
            ),
            r.row(
                "cidr: entries read from JSON are not trimmed",
                |_, c| c.nats.limits.src = serde_json::from_str(r#"[" 10.0.0.0/8"]"#).unwrap(),
                vec![e(r#"invalid cidr " 10.0.0.0/8" in user src limits"#)],
            ),
            r.row(
                "cidr: host name",
                src("localhost/8"),
                vec![e(r#"invalid cidr "localhost/8" in user src limits"#)],
            ),
            // Time ranges: Go's time.Parse("15:04:05", ..).
            r.row(
                "times: 2-digit hours",
                times("09:00:00", "17:30:00"),
                vec![],
            ),
            r.row("times: 1-digit hour", times("9:00:00", "5:00:00"), vec![]),
            r.row(
                "times: crossing midnight (start > end)",
                times("22:00:00", "02:00:00"),
                vec![],
            ),
            r.row(
                "times: midnight to last second",
                times("00:00:00", "23:59:59"),
                vec![],
            ),
            r.row(
                "times: fractional seconds with . and ,",
                times("12:00:00.5", "13:00:00,123456789123"),
                vec![],
            ),
            r.row(
                "times: missing start",
                times("", "10:00:00"),
                vec![e("time ranges start must contain a start")],
            ),
            r.row(
                "times: missing end",
                times("10:00:00", ""),
                vec![e("time ranges end must contain an end")],
            ),
            r.row(
                "times: both missing",
                times("", ""),
                vec![
                    e("time ranges start must contain a start"),
                    e("time ranges end must contain an end"),
                ],
            ),
            r.row(
                "times: hour 25",
                times("25:00:00", "10:00:00"),
                vec![e(r#"start in time range is invalid "25:00:00""#)],
            ),
            r.row(
                "times: hour 24",
                times("10:00:00", "24:00:00"),
                vec![e(r#"end in time range is invalid "24:00:00""#)],
            ),
            r.row(
                "times: no seconds",
                times("12:00", "13:00:00"),
                vec![e(r#"start in time range is invalid "12:00""#)],
            ),
            r.row(
                "times: minute 60",
                times("12:60:00", "13:00:00"),
                vec![e(r#"start in time range is invalid "12:60:00""#)],
            ),
            r.row(
                "times: second 60",
                times("12:00:00", "13:00:60"),
                vec![e(r#"end in time range is invalid "13:00:60""#)],
            ),
            r.row(
                "times: 1-digit minute",
                times("12:0:00", "13:00:00"),
                vec![e(r#"start in time range is invalid "12:0:00""#)],
            ),
            r.row(
                "times: 3-digit hour",
                times("123:00:00", "13:00:00"),
                vec![e(r#"start in time range is invalid "123:00:00""#)],
            ),
            r.row(
                "times: a dot without digits",
                times("12:00:00.", "13:00:00"),
                vec![e(r#"start in time range is invalid "12:00:00.""#)],
            ),
            r.row(
                "times: trailing text",
                times("12:00:00", "13:00:00 "),
                vec![e(r#"end in time range is invalid "13:00:00 ""#)],
            ),
            r.row(
                "times: leading space",
                times(" 12:00:00", "13:00:00"),
                vec![e(r#"start in time range is invalid " 12:00:00""#)],
            ),
            r.row(
                "times: AM/PM suffix",
                times("12:00:00PM", "13:00:00"),
                vec![e(r#"start in time range is invalid "12:00:00PM""#)],
            ),
            r.row(
                "times: both invalid, start first",
                times("hello", "27:11:11"),
                vec![
                    e(r#"start in time range is invalid "hello""#),
                    e(r#"end in time range is invalid "27:11:11""#),
                ],
            ),
            // times_location: Go's time.LoadLocation.
            r.row("zone: UTC", zone("UTC"), vec![]),
            r.row("zone: Local", zone("Local"), vec![]),
            r.row(
                "zone: utc (names are case-sensitive)",
                zone("utc"),
                vec![e(
                    "could not parse iana time zone by name: unknown time zone utc",
                )],
            ),
            r.row(
                "zone: unknown name",
                zone("Nowhere/Special"),
                vec![e(
                    "could not parse iana time zone by name: unknown time zone Nowhere/Special",
                )],
            ),
            r.row(
                "zone: a directory is not a zone",
                zone("Europe"),
                vec![e("could not parse iana time zone by name: is a directory")],
            )
            .skip_unless(
                zoneinfo_dir,
                "no /usr/share/zoneinfo/Europe directory on this machine",
            ),
            r.row(
                "zone: a zoneinfo file that is not TZif data",
                zone("zone.tab"),
                vec![e(
                    "could not parse iana time zone by name: malformed time zone information",
                )],
            )
            .skip_unless(zone_tab, "no /usr/share/zoneinfo/zone.tab on this machine"),
            r.row(
                "zone: path traversal",
                zone("../etc/localtime"),
                vec![e(
                    "could not parse iana time zone by name: time: invalid location name",
                )],
            ),
            r.row(
                "zone: absolute path",
                zone("/usr/share/zoneinfo/UTC"),
                vec![e(
                    "could not parse iana time zone by name: time: invalid location name",
                )],
            ),
            // Order: src, then times, then the zone.
            r.row(
                "limits: src, then times, then zone",
                |_, c| {
                    c.nats.limits.times_location = "utc".into();
                    c.nats.limits.times.push(TimeRange::new("", "x"));
                    c.nats.limits.src.add(["bad"]);
                },
                vec![
                    e(r#"invalid cidr "bad" in user src limits"#),
                    e("time ranges start must contain a start"),
                    e(r#"end in time range is invalid "x""#),
                    e("could not parse iana time zone by name: unknown time zone utc"),
                ],
            ),
            r.row(
                "counts are not validated",
                |_, c| {
                    c.nats.limits.subs = -5;
                    c.nats.limits.data = i64::MIN;
                    c.nats.limits.payload = 0;
                },
                vec![],
            ),
            r.row("zone: Europe/Berlin", zone("Europe/Berlin"), vec![])
                .skip_unless(
                    berlin,
                    "no /usr/share/zoneinfo/Europe/Berlin on this machine",
                ),
            r.row(
                "zone: europe/berlin (case-sensitive)",
                zone("europe/berlin"),
                vec![e(
                    "could not parse iana time zone by name: unknown time zone europe/berlin",
                )],
            )
            .skip_unless(
                berlin,
                "no /usr/share/zoneinfo/Europe/Berlin on this machine",
            ),
        ],
    );
}

#[test]
fn user_claim_rules() {
    let r = Rows::<User>::new();
    run(
        "user claims",
        base_user,
        [
            r.row("base: new user", |_, _| {}, vec![]),
            r.row(
                "issuer_account: an account key",
                |fx, c| c.nats.issuer_account = fx.exp.clone(),
                vec![],
            ),
            r.row(
                "issuer_account: a user key",
                |fx, c| c.nats.issuer_account = fx.usr.clone(),
                vec![e("account_id is not an account public key")],
            ),
            r.row(
                "issuer_account: not a key",
                |_, c| c.nats.issuer_account = "ABC".into(),
                vec![e("account_id is not an account public key")],
            ),
            // Deliberate difference: Go's base32 skips '\r' and '\n' inside a key, so Go
            // accepts this text as the key; it is not the key's text (the server would look
            // up another account), so this crate refuses it.
            r.row(
                "issuer_account: an account key with a trailing newline",
                |fx, c| c.nats.issuer_account = format!("{}\n", fx.exp),
                vec![e("account_id is not an account public key")],
            ),
            // Deliberate difference: Go's unpadded base32 drops a final 1-character
            // quantum, so Go accepts this text; this crate refuses it, as above.
            r.row(
                "issuer_account: an account key with one extra base32 character",
                |fx, c| c.nats.issuer_account = format!("{}A", fx.exp),
                vec![e("account_id is not an account public key")],
            ),
            r.row(
                "issuer_account: an account key with two extra characters",
                |fx, c| c.nats.issuer_account = format!("{}AA", fx.exp),
                vec![e("account_id is not an account public key")],
            ),
            r.row(
                "connection types: known names",
                |_, c| {
                    c.nats.allowed_connection_types =
                        vec!["STANDARD".into(), "WEBSOCKET".into(), "IN_PROCESS".into()]
                },
                vec![],
            ),
            r.row(
                "connection types: unknown names are not validated",
                |_, c| c.nats.allowed_connection_types = vec!["BOGUS".into(), "standard".into()],
                vec![],
            ),
            r.row(
                "bearer token, proxy required: not validated",
                |_, c| {
                    c.nats.bearer_token = true;
                    c.nats.proxy_required = true;
                },
                vec![],
            ),
            r.row(
                "scoped user (no permissions or limits)",
                |_, c| c.nats.set_scoped(true),
                vec![],
            ),
            r.row(
                "sub is not checked to be a user key",
                |fx, c| c.subject = fx.acc.clone(),
                vec![],
            ),
            r.row(
                "expired user",
                |_, c| c.expires = NOW - 1,
                vec![t("claim is expired")],
            ),
            r.row(
                "order: time, permissions, limits, issuer_account",
                |_, c| {
                    c.nats.issuer_account = "x".into();
                    c.nats.limits.src.add(["bad"]);
                    c.nats.permissions.publish.allow.push("a b".into());
                    c.not_before = NOW + 1;
                },
                vec![
                    t("claim is not yet valid"),
                    e(r#"Permission Subject "a b" is not allowed to contain queue"#),
                    e(r#"invalid cidr "bad" in user src limits"#),
                    e("account_id is not an account public key"),
                ],
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Operator claims
// ---------------------------------------------------------------------------------------

fn server_url(url: &'static str) -> impl Fn(&Fx, &mut OperatorClaims) {
    move |_, c| c.nats.account_server_url = url.into()
}

fn service_url(url: &'static str) -> impl Fn(&Fx, &mut OperatorClaims) {
    move |_, c| c.nats.operator_service_urls.push(url.into())
}

fn server_version(version: &'static str) -> impl Fn(&Fx, &mut OperatorClaims) {
    move |_, c| c.nats.assert_server_version = version.into()
}

#[test]
fn operator_rules() {
    let r = Rows::<Operator>::new();
    let fx = Fx::new();
    run(
        "operator",
        base_operator,
        [
            r.row("base: new operator", |_, _| {}, vec![]),
            // account_server_url: parses and has a scheme.
            r.row("account server url: http", server_url("http://localhost:9090/jwt/v1"), vec![]),
            r.row(
                "account server url: host:port parses with scheme \"localhost\"",
                server_url("localhost:9090"),
                vec![],
            ),
            r.row(
                "account server url: a path has no scheme",
                server_url("/jwt/v1"),
                vec![e(r#"account server url "/jwt/v1" requires a protocol"#)],
            ),
            r.row(
                "account server url: a bare host has no scheme",
                server_url("example.com"),
                vec![e(r#"account server url "example.com" requires a protocol"#)],
            ),
            r.row(
                "account server url: does not parse",
                server_url(":9090"),
                vec![e(
                    r#"error parsing account server url: parse ":9090": missing protocol scheme"#,
                )],
            ),
            // operator_service_urls
            r.row("service url: nats", service_url("nats://localhost:4222"), vec![]),
            r.row("service url: tls", service_url("tls://localhost:4222"), vec![]),
            r.row("service url: ws", service_url("ws://localhost:8080"), vec![]),
            r.row("service url: wss", service_url("wss://localhost:8443"), vec![]),
            r.row("service url: scheme is case-insensitive", service_url("NATS://h:4222"), vec![]),
            r.row("service url: IPv6 host", service_url("nats://[::1]:4222"), vec![]),
            r.row("service url: opaque nats:host has no path", service_url("nats:host"), vec![]),
            r.row("service url: empty entries are skipped", service_url(""), vec![]),
            r.row(
                "service url: http is not supported",
                service_url("http://localhost:4222"),
                vec![e(
                    r#"operator service url "http://localhost:4222" - protocol not supported (only 'nats', 'tls', 'ws', 'wss' only)"#,
                )],
            ),
            r.row(
                "service url: no scheme",
                service_url("localhost"),
                vec![e(
                    r#"operator service url "localhost" - paths are not supported"#,
                )],
            ),
            r.row(
                "service url: credentials",
                service_url("nats://u:p@localhost:4222"),
                vec![e(
                    r#"operator service url "nats://u:p@localhost:4222" - credentials are not supported"#,
                )],
            ),
            r.row(
                "service url: path",
                service_url("nats://localhost:4222/x"),
                vec![e(
                    r#"operator service url "nats://localhost:4222/x" - paths are not supported"#,
                )],
            ),
            r.row(
                "service url: bad port",
                service_url("nats://localhost:port"),
                vec![e(
                    r#"error parsing operator service url "nats://localhost:port": parse "nats://localhost:port": invalid port ":port" after host"#,
                )],
            ),
            r.row(
                "service url: each checked",
                |_, c| {
                    c.nats.operator_service_urls =
                        vec!["nats://a:1".into(), "http://b".into(), "nats://c/p".into()]
                },
                vec![
                    e(
                        r#"operator service url "http://b" - protocol not supported (only 'nats', 'tls', 'ws', 'wss' only)"#,
                    ),
                    e(r#"operator service url "nats://c/p" - paths are not supported"#),
                ],
            ),
            // signing keys, system account
            r.row(
                "signing key: an operator key",
                |fx, c| c.nats.signing_keys.push(fx.op.clone()),
                vec![],
            ),
            r.row(
                "signing key: an account key",
                |fx, c| c.nats.signing_keys.push(fx.acc.clone()),
                vec![e(format!("{} is not an operator public key", fx.acc))],
            ),
            r.row(
                "signing key: not a key",
                |_, c| c.nats.signing_keys.push("OABC".into()),
                vec![e("OABC is not an operator public key")],
            ),
            r.row(
                "system account: an account key",
                |fx, c| c.nats.system_account = fx.acc.clone(),
                vec![],
            ),
            r.row(
                "system account: an operator key",
                |fx, c| c.nats.system_account = fx.op.clone(),
                vec![e(format!("{} is not an account public key", fx.op))],
            ),
            // assert_server_version: "" or three non-negative ints.
            r.row("server version: 2.10.0", server_version("2.10.0"), vec![]),
            r.row("server version: 0.0.0", server_version("0.0.0"), vec![]),
            r.row("server version: a + sign is an int", server_version("+2.1.0"), vec![]),
            r.row(
                "server version: v prefix",
                server_version("v2.10.0"),
                vec![e(
                    "assert server version error: asserted server version cant parse v2 to int",
                )],
            ),
            r.row(
                "server version: two parts",
                server_version("2.10"),
                vec![e(
                    "assert server version error: asserted server version must be of the form <major>.<minor>.<update>",
                )],
            ),
            r.row(
                "server version: four parts",
                server_version("2.10.0.1"),
                vec![e(
                    "assert server version error: asserted server version must be of the form <major>.<minor>.<update>",
                )],
            ),
            r.row(
                "server version: pre-release suffix",
                server_version("2.10.0-beta"),
                vec![e(
                    "assert server version error: asserted server version cant parse 0-beta to int",
                )],
            ),
            r.row(
                "server version: negative",
                server_version("2.-1.0"),
                vec![e(
                    "assert server version error: asserted server version can'b contain negative values: 2.-1.0",
                )],
            ),
            r.row(
                "server version: empty part",
                server_version("2..0"),
                vec![e(
                    "assert server version error: asserted server version cant parse  to int",
                )],
            ),
            r.row(
                "strict signing key usage is not validated",
                |_, c| c.nats.strict_signing_key_usage = true,
                vec![],
            ),
            r.row(
                "order: time, url, service urls, signing keys, system account, version",
                |fx, c| {
                    c.nats.assert_server_version = "x".into();
                    c.nats.system_account = fx.usr.clone();
                    c.nats.signing_keys.push(fx.usr.clone());
                    c.nats.operator_service_urls.push("http://h".into());
                    c.nats.account_server_url = "/p".into();
                    c.expires = NOW - 1;
                },
                {
                    let usr = &fx.usr;
                    vec![
                        t("claim is expired"),
                        e(r#"account server url "/p" requires a protocol"#),
                        e(
                            r#"operator service url "http://h" - protocol not supported (only 'nats', 'tls', 'ws', 'wss' only)"#,
                        ),
                        e(format!("{usr} is not an operator public key")),
                        e(format!("{usr} is not an account public key")),
                        e(
                            "assert server version error: asserted server version must be of the form <major>.<minor>.<update>",
                        ),
                    ]
                },
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Activation claims
// ---------------------------------------------------------------------------------------

#[test]
fn activation_rules() {
    let r = Rows::<Activation>::new();
    run(
        "activation",
        base_activation,
        [
            r.row("base: stream activation", |_, _| {}, vec![]),
            r.row(
                "service activation",
                |_, c| c.nats.kind = ExportType::Service,
                vec![],
            ),
            r.row(
                "kind missing",
                |_, c| c.nats.kind = ExportType::Unknown,
                vec![e(r#"invalid import type: "unknown""#)],
            ),
            r.row(
                "subject missing",
                |_, c| c.nats.subject.clear(),
                vec![e("subject cannot be empty")],
            ),
            r.row(
                "subject with a space",
                |_, c| c.nats.subject = "a b".into(),
                vec![e(r#"subject "a b" cannot have spaces"#)],
            ),
            r.row(
                "wildcard subject",
                |_, c| c.nats.subject = "a.*.>".into(),
                vec![],
            ),
            r.row(
                "issuer_account: an account key",
                |fx, c| {
                    c.issuer = fx.exp_sk.clone();
                    c.nats.issuer_account = fx.exp.clone();
                },
                vec![],
            ),
            r.row(
                "issuer_account: a user key",
                |fx, c| c.nats.issuer_account = fx.usr.clone(),
                vec![e("account_id is not an account public key")],
            ),
            r.row(
                "expired activation (its own Validate has time checks)",
                |_, c| c.expires = NOW - 1,
                vec![t("claim is expired")],
            ),
            r.row(
                "not yet valid activation",
                |_, c| c.not_before = NOW + 60,
                vec![t("claim is not yet valid")],
            ),
            r.row(
                "order: time, kind, subject, issuer_account",
                |_, c| {
                    c.nats.issuer_account = "x".into();
                    c.nats.subject = "a..b".into();
                    c.nats.kind = ExportType::Unknown;
                    c.expires = NOW - 1;
                },
                vec![
                    t("claim is expired"),
                    e(r#"invalid import type: "unknown""#),
                    e(r#"subject "a..b" cannot contain consecutive `.`"#),
                    e("account_id is not an account public key"),
                ],
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Auth callout request and response
// ---------------------------------------------------------------------------------------

#[test]
fn authorization_request_rules() {
    let r = Rows::<AuthorizationRequest>::new();
    let fx = Fx::new();
    run(
        "authorization request",
        base_auth_request,
        [
            r.row("base: user_nkey is a user key", |_, _| {}, vec![]),
            r.row(
                "user_nkey missing",
                |_, c| c.nats.user_nkey.clear(),
                vec![e("User nkey is required")],
            ),
            r.row(
                "user_nkey is an account key",
                |fx, c| c.nats.user_nkey = fx.acc.clone(),
                vec![e(format!(
                    "User nkey {:?} is not a valid user public key",
                    fx.acc
                ))],
            ),
            r.row(
                "user_nkey is not a key",
                |_, c| c.nats.user_nkey = "UABC".into(),
                vec![e(r#"User nkey "UABC" is not a valid user public key"#)],
            ),
            r.row(
                "server id and client info are not validated",
                |_, c| {
                    c.nats.server_id.id = "not a key".into();
                    c.nats.server_id.xkey = "not a key".into();
                    c.nats.client_info.user = "a b".into();
                },
                vec![],
            ),
            r.row(
                "expired request",
                |_, c| c.expires = NOW - 1,
                vec![t("claim is expired")],
            ),
            r.row(
                "order: the body, then the time checks",
                |_, c| {
                    c.nats.user_nkey.clear();
                    c.expires = NOW - 1;
                    c.not_before = NOW + 1;
                },
                vec![
                    e("User nkey is required"),
                    t("claim is expired"),
                    t("claim is not yet valid"),
                ],
            ),
        ],
    );
}

#[test]
fn authorization_response_rules() {
    let r = Rows::<AuthorizationResponse>::new();
    run(
        "authorization response",
        base_auth_response,
        [
            r.row("base: a user JWT", |_, _| {}, vec![]),
            r.row(
                "an error instead of a JWT",
                |_, c| {
                    c.nats.jwt.clear();
                    c.nats.error = "not allowed".into();
                },
                vec![],
            ),
            r.row(
                "sub is an account key",
                |fx, c| c.subject = fx.acc.clone(),
                vec![e("Subject must be a user public key")],
            ),
            r.row(
                "sub missing",
                |_, c| c.subject.clear(),
                vec![e("Subject must be a user public key")],
            ),
            r.row(
                "aud is the request audience, not a server key",
                |_, c| c.audience = "nats-authorization-request".into(),
                vec![e("Audience must be a server public key")],
            ),
            r.row(
                "aud is a user key",
                |fx, c| c.audience = fx.usr.clone(),
                vec![e("Audience must be a server public key")],
            ),
            r.row(
                "neither jwt nor error",
                |_, c| c.nats.jwt.clear(),
                vec![e("Error or Jwt is required")],
            ),
            r.row(
                "both jwt and error",
                |_, c| c.nats.error = "no".into(),
                vec![e("Only Error or Jwt can be set")],
            ),
            r.row(
                "issuer_account: an account key",
                |fx, c| {
                    c.issuer = fx.exp_sk.clone();
                    c.nats.issuer_account = fx.acc.clone();
                },
                vec![],
            ),
            r.row(
                "issuer_account: a user key",
                |fx, c| c.nats.issuer_account = fx.usr.clone(),
                vec![e("issuer_account is not an account public key")],
            ),
            r.row(
                "the jwt itself is not decoded",
                |_, c| c.nats.jwt = "garbage".into(),
                vec![],
            ),
            r.row(
                "expired response",
                |_, c| c.expires = NOW - 1,
                vec![t("claim is expired")],
            ),
            r.row(
                "order: sub, aud, jwt/error, issuer_account, then time",
                |_, c| {
                    c.subject = "x".into();
                    c.audience = "y".into();
                    c.nats.jwt.clear();
                    c.nats.issuer_account = "z".into();
                    c.not_before = NOW + 1;
                },
                vec![
                    e("Subject must be a user public key"),
                    e("Audience must be a server public key"),
                    e("Error or Jwt is required"),
                    e("issuer_account is not an account public key"),
                    t("claim is not yet valid"),
                ],
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Account claims: imports
// ---------------------------------------------------------------------------------------

fn import(f: impl Fn(&Fx) -> Import + 'static) -> impl Fn(&Fx, &mut AccountClaims) {
    move |fx, c| c.nats.imports.push(f(fx))
}

/// A stream import of `a.b` from the exporter with an activation token signed by the
/// exporter and changed by `f`.
fn import_with_token(
    f: impl Fn(&mut ActivationClaims) + 'static,
) -> impl Fn(&Fx, &mut AccountClaims) {
    move |fx, c| {
        let mut i = Import::stream(fx.exp.as_str(), "a.b");
        i.token = fx.activation(&fx.exporter, &f);
        c.nats.imports.push(i);
    }
}

#[test]
fn account_import_rules() {
    let r = Rows::<Account>::new();
    let fx = Fx::new();
    let exp = fx.exp.clone();
    run(
        "account imports",
        base_account,
        [
            r.row("base: new account", |_, _| {}, vec![]),
            r.row("stream import", import(|fx| Import::stream(fx.exp.as_str(), "a.b")), vec![]),
            r.row("service import", import(|fx| Import::service(fx.exp.as_str(), "q")), vec![]),
            r.row(
                "type missing",
                import(|fx| Import {
                    account: fx.exp.clone(),
                    subject: "a".into(),
                    ..Default::default()
                }),
                vec![e(r#"invalid import type: "unknown""#)],
            ),
            r.row(
                "allow_trace on a stream import",
                import(|fx| Import {
                    allow_trace: true,
                    ..Import::stream(fx.exp.as_str(), "a")
                }),
                vec![],
            ),
            r.row(
                "allow_trace on a service import",
                import(|fx| Import {
                    allow_trace: true,
                    ..Import::service(fx.exp.as_str(), "q")
                }),
                vec![e("AllowTrace only valid for stream import")],
            ),
            r.row(
                "account missing",
                import(|_| Import::stream("", "a")),
                vec![e("account to import from is not specified")],
            ),
            r.row(
                "the account is not checked to be a key",
                import(|_| Import::stream("someone", "a")),
                vec![],
            ),
            r.row(
                "to is deprecated: a warning",
                import(|fx| Import {
                    to: "local.a".into(),
                    ..Import::stream(fx.exp.as_str(), "a")
                }),
                vec![w("the field to has been deprecated (use LocalSubject instead)")],
            ),
            r.row(
                "subject missing",
                import(|fx| Import::stream(fx.exp.as_str(), "")),
                vec![e("subject cannot be empty")],
            ),
            r.row(
                "subject invalid",
                import(|fx| Import::stream(fx.exp.as_str(), "a..b")),
                vec![e(r#"subject "a..b" cannot contain consecutive `.`"#)],
            ),
            r.row(
                "share on a service import",
                import(|fx| Import {
                    share: true,
                    ..Import::service(fx.exp.as_str(), "q")
                }),
                vec![],
            ),
            r.row(
                "share on a stream import",
                import(|fx| Import {
                    share: true,
                    ..Import::stream(fx.exp.as_str(), "a")
                }),
                vec![e(
                    r#"sharing information (for latency tracking) is only valid for services: "a""#,
                )],
            ),
            r.row(
                "order: type, allow_trace, account, to, subject, share",
                import(|_| Import {
                    subject: "a b".into(),
                    to: "t".into(),
                    share: true,
                    allow_trace: true,
                    ..Default::default()
                }),
                vec![
                    e(r#"invalid import type: "unknown""#),
                    e("account to import from is not specified"),
                    w("the field to has been deprecated (use LocalSubject instead)"),
                    e(r#"subject "a b" cannot have spaces"#),
                    e(r#"sharing information (for latency tracking) is only valid for services: "a b""#),
                ],
            ),
            // Service imports from one account may not overlap (since v2.8.1: per account).
            r.row(
                "service overlap: contained subject, same account",
                |fx, c| {
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "q.>"));
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "q.x"));
                },
                vec![e(format!(
                    r#"overlapping subject namespace for "q.x" and "q.>" in same account {exp:?}"#
                ))],
            ),
            r.row(
                "service overlap: identical subjects, same account",
                |fx, c| {
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "q"));
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "q"));
                },
                vec![
                    e(format!(
                        r#"overlapping subject namespace for "q" and "q" in same account {exp:?}"#
                    )),
                    e(format!(
                        r#"overlapping subject namespace for "q" in account {exp:?}"#
                    )),
                ],
            ),
            r.row(
                "service overlap: different accounts may overlap",
                |fx, c| {
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "q.>"));
                    c.nats.imports.push(Import::service(fx.oth.as_str(), "q.x"));
                },
                vec![],
            ),
            r.row(
                "service overlap: disjoint subjects",
                |fx, c| {
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "q.a"));
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "q.b"));
                },
                vec![],
            ),
            r.row(
                "service overlap: stream imports are not checked",
                |fx, c| {
                    c.nats.imports.push(Import::stream(fx.exp.as_str(), "s.>"));
                    c.nats.imports.push(Import::stream(fx.exp.as_str(), "s.x"));
                },
                vec![],
            ),
            r.row(
                "service overlap: local_subject ($n as *) is what overlaps",
                |fx, c| {
                    c.nats.imports.push(Import {
                        local_subject: "loc.$1".into(),
                        ..Import::service(fx.exp.as_str(), "q.*")
                    });
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "loc.b"));
                },
                vec![e(format!(
                    r#"overlapping subject namespace for "loc.b" and "loc.*" in same account {exp:?}"#
                ))],
            ),
            r.row(
                "service overlap: to is what overlaps",
                |fx, c| {
                    c.nats.imports.push(Import {
                        to: "t.a".into(),
                        ..Import::service(fx.exp.as_str(), "q.a")
                    });
                    c.nats.imports.push(Import::service(fx.exp.as_str(), "t.a"));
                },
                vec![
                    w("the field to has been deprecated (use LocalSubject instead)"),
                    e(format!(
                        r#"overlapping subject namespace for "t.a" and "t.a" in same account {exp:?}"#
                    )),
                    e(format!(
                        r#"overlapping subject namespace for "t.a" in account {exp:?}"#
                    )),
                ],
            ),
        ],
    );
}

fn renamed(subject: &'static str, local: &'static str) -> impl Fn(&Fx, &mut AccountClaims) {
    move |fx, c| {
        c.nats.imports.push(Import {
            local_subject: local.into(),
            ..Import::stream(fx.exp.as_str(), subject)
        })
    }
}

#[test]
fn account_import_local_subject_rules() {
    let r = Rows::<Account>::new();
    const NOT_ENOUGH: &str = "subject does not contain enough * or reference wildcards $[0-9]";
    const GT: &str = "both, renaming subject and subject, need to end or not end in >";
    run(
        "account imports: local_subject (RenamingSubject)",
        base_account,
        [
            r.row("base: new account", |_, _| {}, vec![]),
            r.row("plain rename", renamed("a.b", "x.y"), vec![]),
            r.row("$1 for the *", renamed("a.*", "x.$1"), vec![]),
            r.row("* for the *", renamed("a.*", "x.*"), vec![]),
            r.row("$2 $1 reorder two *", renamed("a.*.*", "x.$2.$1"), vec![]),
            r.row("a $ and a * for two *", renamed("a.*.*", "x.$2.*"), vec![]),
            r.row("both end in >", renamed("a.>", "x.>"), vec![]),
            r.row("$0 counts as a reference", renamed("a.*", "x.$0"), vec![]),
            r.row(
                "$ without a number is a literal",
                renamed("a.b", "x.$y"),
                vec![],
            ),
            r.row(
                "local ends in >, subject does not",
                renamed("a.b", "x.>"),
                vec![e(GT)],
            ),
            r.row(
                "subject ends in >, local does not",
                renamed("a.>", "x.y"),
                vec![e(GT)],
            ),
            r.row(
                "reference beyond the * count",
                renamed("a.*", "x.$2"),
                vec![
                    e(r#"Reference $2 in "x.$2" reference * in "a.*" that do not exist"#),
                    e(NOT_ENOUGH),
                ],
            ),
            r.row(
                "reference without any *",
                renamed("a.b", "x.$1"),
                vec![e(
                    r#"Reference $1 in "x.$1" reference * in "a.b" that do not exist"#,
                )],
            ),
            r.row(
                "too few references",
                renamed("a.*.*", "x.$1"),
                vec![e(NOT_ENOUGH)],
            ),
            r.row("too many *", renamed("a.*", "x.*.*"), vec![e(NOT_ENOUGH)]),
            r.row(
                "no reference for a *",
                renamed("a.*", "x.y"),
                vec![e(NOT_ENOUGH)],
            ),
            r.row(
                "local subject invalid",
                renamed("a", "x..y"),
                vec![e(r#"subject "x..y" cannot contain consecutive `.`"#)],
            ),
            r.row(
                "local subject with a space: reported twice",
                renamed("a", "x y"),
                vec![
                    e(r#"subject "x y" cannot have spaces"#),
                    e(r#"subject "x y" cannot have spaces"#),
                ],
            ),
            r.row(
                "import subject missing: reported twice",
                renamed("", "x"),
                vec![e("subject cannot be empty"), e("subject cannot be empty")],
            ),
            r.row(
                "local subject with to: warning, then 'Local Subject replaces To'",
                |fx, c| {
                    c.nats.imports.push(Import {
                        local_subject: "x".into(),
                        to: "y".into(),
                        ..Import::stream(fx.exp.as_str(), "a")
                    })
                },
                vec![
                    w("the field to has been deprecated (use LocalSubject instead)"),
                    e("Local Subject replaces To"),
                ],
            ),
        ],
    );
}

#[test]
fn account_import_activation_rules() {
    let r = Rows::<Account>::new();
    run(
        "account imports: activation tokens",
        base_account,
        [
            r.row("base: new account", |_, _| {}, vec![]),
            r.row("valid token: a.b in a.>", import_with_token(|_| {}), vec![]),
            r.row(
                "valid token: the exact subject",
                import_with_token(|a| a.nats.subject = "a.b".into()),
                vec![],
            ),
            r.row(
                "valid token: signed by the exporter's signing key with issuer_account",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    i.token = fx.activation(&fx.exporter_signing, |a| {
                        a.nats.issuer_account = fx.exp.clone()
                    });
                    c.nats.imports.push(i);
                },
                vec![],
            ),
            r.row(
                "valid service token",
                |fx, c| {
                    let mut i = Import::service(fx.exp.as_str(), "q.x");
                    i.token = fx.activation(&fx.exporter, |a| {
                        a.nats.kind = ExportType::Service;
                        a.nats.subject = "q.*".into();
                    });
                    c.nats.imports.push(i);
                },
                vec![],
            ),
            r.row(
                "expired activation is NOT an issue",
                import_with_token(|a| a.expires = NOW - 60),
                vec![],
            ),
            r.row(
                "not yet valid activation is NOT an issue",
                import_with_token(|a| a.not_before = NOW + 60),
                vec![],
            ),
            r.row(
                "not a token",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    i.token = "not-a-token".into();
                    c.nats.imports.push(i);
                },
                vec![e(r#"import "a.b" contains an invalid activation token"#)],
            ),
            r.row(
                "a user JWT is not an activation",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    i.token = UserClaims::new(fx.usr.as_str())
                        .encode_at(&fx.exporter, IAT)
                        .unwrap();
                    c.nats.imports.push(i);
                },
                vec![e(r#"import "a.b" contains an invalid activation token"#)],
            ),
            r.row(
                "a token with a bad signature",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    let token = fx.activation(&fx.exporter, |_| {});
                    let (signed, _) = token.rsplit_once('.').unwrap();
                    let other = fx.activation(&fx.other, |_| {});
                    let (_, signature) = other.rsplit_once('.').unwrap();
                    i.token = format!("{signed}.{signature}");
                    c.nats.imports.push(i);
                },
                vec![e(r#"import "a.b" contains an invalid activation token"#)],
            ),
            r.row(
                "issuer mismatch: signed by another account",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    i.token = fx.activation(&fx.other, |_| {});
                    c.nats.imports.push(i);
                },
                vec![e(
                    r#"activation token doesn't match account for import "a.b""#,
                )],
            ),
            r.row(
                "issuer mismatch: signing key without issuer_account",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    i.token = fx.activation(&fx.exporter_signing, |_| {});
                    c.nats.imports.push(i);
                },
                vec![e(
                    r#"activation token doesn't match account for import "a.b""#,
                )],
            ),
            r.row(
                "subject mismatch: issued to another account",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    i.token = fx.activation(&fx.exporter, |a| a.subject = fx.oth.clone());
                    c.nats.imports.push(i);
                },
                vec![e(
                    r#"activation token doesn't match account it is being included in, "a.b""#,
                )],
            ),
            r.row(
                "kind mismatch: service token for a stream import",
                import_with_token(|a| a.nats.kind = ExportType::Service),
                vec![e(
                    "mismatch between token import type service and type of import stream",
                )],
            ),
            r.row(
                "kind missing in the token: mismatch and the activation's own error",
                import_with_token(|a| a.nats.kind = ExportType::Unknown),
                vec![
                    e("mismatch between token import type unknown and type of import stream"),
                    e(r#"invalid import type: "unknown""#),
                ],
            ),
            r.row(
                "the activation's issuer_account is validated",
                import_with_token(|a| a.nats.issuer_account = "bogus".into()),
                vec![e("account_id is not an account public key")],
            ),
            r.row(
                "import subject not contained in the token's",
                import_with_token(|a| a.nats.subject = "a.c".into()),
                vec![e(
                    r#"activation token import subject "a.c" doesn't match import "a.b""#,
                )],
            ),
            r.row(
                "a is not contained in a.>",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a");
                    i.token = fx.activation(&fx.exporter, |_| {});
                    c.nats.imports.push(i);
                },
                vec![e(
                    r#"activation token import subject "a.>" doesn't match import "a""#,
                )],
            ),
            r.row(
                "a wider import than the token's",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.>");
                    i.token = fx.activation(&fx.exporter, |a| a.nats.subject = "a.b".into());
                    c.nats.imports.push(i);
                },
                vec![e(
                    r#"activation token import subject "a.b" doesn't match import "a.>""#,
                )],
            ),
            r.row(
                "service import with to: to is checked against the token",
                |fx, c| {
                    let mut i = Import::service(fx.exp.as_str(), "q");
                    i.to = "local.q".into();
                    i.token = fx.activation(&fx.exporter, |a| {
                        a.nats.kind = ExportType::Service;
                        a.nats.subject = "q".into();
                    });
                    c.nats.imports.push(i);
                },
                vec![
                    w("the field to has been deprecated (use LocalSubject instead)"),
                    e(r#"activation token import subject "q" doesn't match import "q""#),
                ],
            ),
            r.row(
                "order: issuer, subject, kind, activation rules, containment",
                |fx, c| {
                    let mut i = Import::stream(fx.exp.as_str(), "a.b");
                    i.token = fx.activation(&fx.other, |a| {
                        a.subject = fx.oth.clone();
                        a.nats.kind = ExportType::Service;
                        a.nats.subject = "z".into();
                        a.nats.issuer_account = "bogus".into();
                    });
                    c.nats.imports.push(i);
                },
                vec![
                    e(r#"activation token doesn't match account for import "a.b""#),
                    e(r#"activation token doesn't match account it is being included in, "a.b""#),
                    e("mismatch between token import type service and type of import stream"),
                    e("account_id is not an account public key"),
                    e(r#"activation token import subject "z" doesn't match import "a.b""#),
                ],
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Account claims: exports
// ---------------------------------------------------------------------------------------

fn export(f: impl Fn() -> Export + 'static) -> impl Fn(&Fx, &mut AccountClaims) {
    move |_, c| c.nats.exports.push(f())
}

fn latency(sampling: i64, results: &'static str) -> impl Fn(&Fx, &mut AccountClaims) {
    export(move || Export {
        service_latency: Some(ServiceLatency {
            sampling: SamplingRate(sampling),
            results: results.into(),
        }),
        ..Export::service("svc")
    })
}

fn token_position(subject: &'static str, position: u64) -> impl Fn(&Fx, &mut AccountClaims) {
    export(move || Export {
        account_token_position: position,
        ..Export::service(subject)
    })
}

fn export_info(description: String, info_url: String) -> impl Fn(&Fx, &mut AccountClaims) {
    move |_, c| {
        let mut x = Export::stream("s");
        x.info.description = description.clone();
        x.info.info_url = info_url.clone();
        c.nats.exports.push(x);
    }
}

#[test]
fn account_export_rules() {
    let r = Rows::<Account>::new();
    let long = "x".repeat(8 * 1024);
    let longer = "x".repeat(8 * 1024 + 1);
    let long_url = format!("https://example.com/{}", "p".repeat(8 * 1024));
    run(
        "account exports",
        base_account,
        [
            r.row("base: new account", |_, _| {}, vec![]),
            r.row("stream export", export(|| Export::stream("s.>")), vec![]),
            r.row("service export", export(|| Export::service("svc.*")), vec![]),
            r.row(
                "type missing",
                export(|| Export {
                    subject: "x".into(),
                    ..Default::default()
                }),
                vec![e(r#"invalid export type: "unknown""#)],
            ),
            r.row(
                "subject missing",
                export(|| Export::stream("")),
                vec![e("subject cannot be empty")],
            ),
            r.row(
                "subject with a space",
                export(|| Export::stream("a b")),
                vec![e(r#"subject "a b" cannot have spaces"#)],
            ),
            // response_type
            r.row(
                "service response type Singleton",
                export(|| Export {
                    response_type: "Singleton".into(),
                    ..Export::service("svc")
                }),
                vec![],
            ),
            r.row(
                "service response type Stream",
                export(|| Export {
                    response_type: "Stream".into(),
                    ..Export::service("svc")
                }),
                vec![],
            ),
            r.row(
                "service response type Chunked",
                export(|| Export {
                    response_type: "Chunked".into(),
                    ..Export::service("svc")
                }),
                vec![],
            ),
            r.row(
                "service response type is case-sensitive",
                export(|| Export {
                    response_type: "singleton".into(),
                    ..Export::service("svc")
                }),
                vec![e(r#"invalid response type for service: "singleton""#)],
            ),
            r.row(
                "service response type unknown",
                export(|| Export {
                    response_type: "Bogus".into(),
                    ..Export::service("svc")
                }),
                vec![e(r#"invalid response type for service: "Bogus""#)],
            ),
            r.row(
                "stream with a response type",
                export(|| Export {
                    response_type: "Stream".into(),
                    ..Export::stream("s")
                }),
                vec![e(r#"invalid response type for stream: "Stream""#)],
            ),
            r.row(
                "allow_trace on a service export",
                export(|| Export {
                    allow_trace: true,
                    ..Export::service("svc")
                }),
                vec![],
            ),
            r.row(
                "allow_trace on a stream export",
                export(|| Export {
                    allow_trace: true,
                    ..Export::stream("s")
                }),
                vec![e("AllowTrace only valid for service export")],
            ),
            // service_latency
            r.row("latency: headers (0)", latency(0, "lat.res"), vec![]),
            r.row("latency: 1%", latency(1, "lat.res"), vec![]),
            r.row("latency: 100%", latency(100, "lat.res"), vec![]),
            r.row(
                "latency: 101%",
                latency(101, "lat.res"),
                vec![e("sampling percentage needs to be between 1-100")],
            ),
            r.row(
                "latency: negative",
                latency(-1, "lat.res"),
                vec![e("sampling percentage needs to be between 1-100")],
            ),
            r.row(
                "latency: results missing",
                latency(50, ""),
                vec![e("subject cannot be empty")],
            ),
            r.row(
                "latency: results invalid",
                latency(50, "lat..res"),
                vec![e(r#"subject "lat..res" cannot contain consecutive `.`"#)],
            ),
            r.row(
                "latency: results with *",
                latency(50, "lat.*"),
                vec![e("results subject can not contain wildcards")],
            ),
            r.row(
                "latency: results with >",
                latency(50, "lat.>"),
                vec![e("results subject can not contain wildcards")],
            ),
            r.row(
                "latency on a stream",
                export(|| Export {
                    service_latency: Some(ServiceLatency {
                        sampling: SamplingRate(50),
                        results: "lat".into(),
                    }),
                    ..Export::stream("s")
                }),
                vec![e("latency tracking only permitted for services")],
            ),
            // response_threshold
            r.row(
                "threshold on a service",
                export(|| Export {
                    response_threshold: GoDuration(5_000_000_000),
                    ..Export::service("svc")
                }),
                vec![],
            ),
            r.row(
                "threshold negative",
                export(|| Export {
                    response_threshold: GoDuration(-1),
                    ..Export::service("svc")
                }),
                vec![e("negative response threshold is invalid")],
            ),
            r.row(
                "threshold on a stream",
                export(|| Export {
                    response_threshold: GoDuration(1),
                    ..Export::stream("s")
                }),
                vec![e("response threshold only valid for services")],
            ),
            r.row(
                "threshold negative on a stream: only the negative error",
                export(|| Export {
                    response_threshold: GoDuration(-1),
                    ..Export::stream("s")
                }),
                vec![e("negative response threshold is invalid")],
            ),
            // account_token_position
            r.row("token position: on a *", token_position("a.*.b", 2), vec![]),
            r.row("token position: the subject *", token_position("*", 1), vec![]),
            r.row("token position: 0 is unset", token_position("a.b", 0), vec![]),
            r.row(
                "token position: subject without wildcards",
                token_position("a.b", 1),
                vec![e("Account Token Position can only be used with wildcard subjects: a.b")],
            ),
            r.row(
                "token position: not a * token",
                token_position("a.*.b", 3),
                vec![e("Account Token Position 3 matches 'b' but must match a * in: a.*.b")],
            ),
            r.row(
                "token position: a > token",
                token_position("a.>", 2),
                vec![e("Account Token Position 2 matches '>' but must match a * in: a.>")],
            ),
            r.row(
                "token position: beyond the subject",
                token_position("a.*.b", 4),
                vec![e("Account Token Position 4 exceeds length of subject 'a.*.b'")],
            ),
            // Info
            r.row("info: 8 KiB description", export_info(long.clone(), String::new()), vec![]),
            r.row(
                "info: description over 8 KiB",
                export_info(longer.clone(), String::new()),
                vec![e("Description is too long")],
            ),
            r.row(
                "info: url with scheme and host",
                export_info(String::new(), "https://example.com/docs?x=1#y".into()),
                vec![],
            ),
            r.row(
                "info: url without scheme",
                export_info(String::new(), "example.com/docs".into()),
                vec![e("error parsing info url: no hostname or scheme")],
            ),
            r.row(
                "info: url without host",
                export_info(String::new(), "https:///docs".into()),
                vec![e("error parsing info url: no hostname or scheme")],
            ),
            r.row(
                "info: url host:port parses with scheme, no host",
                export_info(String::new(), "localhost:9090".into()),
                vec![e("error parsing info url: no hostname or scheme")],
            ),
            r.row(
                "info: url over 8 KiB",
                export_info(String::new(), long_url.clone()),
                vec![e("Info URL is too long")],
            ),
            r.row(
                "info: url that does not parse",
                export_info(String::new(), "http://a b".into()),
                vec![e(
                    r#"error parsing info url: parse "http://a b": invalid character " " in host name"#,
                )],
            ),
            r.row(
                "info: url with a bad escape",
                export_info(String::new(), "https://example.com/%zz".into()),
                vec![e(
                    r#"error parsing info url: parse "https://example.com/%zz": invalid URL escape "%zz""#,
                )],
            ),
            r.row(
                "info: url with an escape in the host",
                export_info(String::new(), "http://ho%41st".into()),
                vec![e(
                    r#"error parsing info url: parse "http://ho%41st": invalid URL escape "%41""#,
                )],
            ),
            r.row(
                "%q of non-printable characters",
                export(|| Export {
                    response_type: "a\u{0}\u{a0}".into(),
                    ..Export::service("svc")
                }),
                vec![e(r#"invalid response type for service: "a\x00\u00a0""#)],
            ),
            r.row(
                "order: type, response type, latency, threshold, subject, position, info",
                export(|| Export {
                    subject: "a..b".into(),
                    service_latency: Some(ServiceLatency {
                        sampling: SamplingRate(0),
                        results: "r.*".into(),
                    }),
                    response_threshold: GoDuration(-1),
                    account_token_position: 1,
                    info: natsjwt::types::Info {
                        description: String::new(),
                        info_url: "nohost".into(),
                    },
                    ..Default::default()
                }),
                vec![
                    e(r#"invalid export type: "unknown""#),
                    e("latency tracking only permitted for services"),
                    e("results subject can not contain wildcards"),
                    e("negative response threshold is invalid"),
                    e(r#"subject "a..b" cannot contain consecutive `.`"#),
                    e("Account Token Position can only be used with wildcard subjects: a..b"),
                    e("error parsing info url: no hostname or scheme"),
                ],
            ),
            // Overlaps: within services and within streams (unknown types count as streams).
            r.row(
                "overlap: streams",
                |_, c| {
                    c.nats.exports.push(Export::stream("a.>"));
                    c.nats.exports.push(Export::stream("a.b"));
                },
                vec![e(r#"stream export subject "a.>" already exports "a.b""#)],
            ),
            r.row(
                "overlap: services",
                |_, c| {
                    c.nats.exports.push(Export::service("q.x"));
                    c.nats.exports.push(Export::service("q.*"));
                },
                vec![e(r#"service export subject "q.*" already exports "q.x""#)],
            ),
            r.row(
                "overlap: identical stream subjects collide",
                |_, c| {
                    c.nats.exports.push(Export::stream("x"));
                    c.nats.exports.push(Export::stream("x"));
                },
                vec![e(r#"stream export subject "x" already exports "x""#)],
            ),
            r.row(
                "overlap: identical service subjects collide",
                |_, c| {
                    c.nats.exports.push(Export::service("x"));
                    c.nats.exports.push(Export::service("x"));
                },
                vec![e(r#"service export subject "x" already exports "x""#)],
            ),
            r.row(
                "overlap: a stream and a service may share a subject",
                |_, c| {
                    c.nats.exports.push(Export::stream("x.>"));
                    c.nats.exports.push(Export::service("x.>"));
                },
                vec![],
            ),
            r.row(
                "overlap: a is not contained in a.>",
                |_, c| {
                    c.nats.exports.push(Export::stream("a"));
                    c.nats.exports.push(Export::stream("a.>"));
                },
                vec![],
            ),
            r.row(
                "overlap: a.* and a.b.c do not overlap",
                |_, c| {
                    c.nats.exports.push(Export::stream("a.*"));
                    c.nats.exports.push(Export::stream("a.b.c"));
                },
                vec![],
            ),
            r.row(
                "overlap: unknown types are grouped with streams",
                |_, c| {
                    c.nats.exports.push(Export {
                        subject: "a.>".into(),
                        ..Default::default()
                    });
                    c.nats.exports.push(Export::stream("a.b"));
                },
                vec![
                    e(r#"invalid export type: "unknown""#),
                    e(r#"stream export subject "a.>" already exports "a.b""#),
                ],
            ),
            r.row(
                "overlap: reported after every export's own issues",
                |_, c| {
                    c.nats.exports.push(Export::service("q"));
                    c.nats.exports.push(Export::service("q"));
                    c.nats.exports.push(Export::stream("s b"));
                },
                vec![
                    e(r#"subject "s b" cannot have spaces"#),
                    e(r#"service export subject "q" already exports "q""#),
                ],
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Account claims: limits, default permissions, mappings, authorization, trace, counts,
// signing keys, info, cluster traffic, self-signed warning.
// ---------------------------------------------------------------------------------------

fn tier(disk: i64) -> JetStreamLimits {
    JetStreamLimits {
        disk_storage: disk,
        ..Default::default()
    }
}

fn mapping(from: &'static str, to: Vec<WeightedMapping>) -> impl Fn(&Fx, &mut AccountClaims) {
    move |_, c| {
        c.nats.mappings.insert(from.into(), to.clone());
    }
}

fn weighted(subject: &str, weight: u8, cluster: &str) -> WeightedMapping {
    WeightedMapping {
        subject: subject.into(),
        weight,
        cluster: cluster.into(),
    }
}

fn trace(dest: &'static str, sampling: i64) -> impl Fn(&Fx, &mut AccountClaims) {
    move |_, c| {
        c.nats.trace = Some(MsgTrace {
            dest: dest.into(),
            sampling,
        })
    }
}

fn stream_imports(n: usize) -> impl Fn(&Fx, &mut AccountClaims) {
    move |fx, c| {
        for i in 0..n {
            c.nats
                .imports
                .push(Import::stream(fx.exp.as_str(), format!("s{i}")));
        }
    }
}

fn with_limits(
    limits: impl Fn(&mut OperatorLimits) + 'static,
    then: impl Fn(&Fx, &mut AccountClaims) + 'static,
) -> impl Fn(&Fx, &mut AccountClaims) {
    move |fx, c| {
        limits(&mut c.nats.limits);
        then(fx, c);
    }
}

fn no_limits(l: &mut OperatorLimits) {
    *l = OperatorLimits::default();
}

#[test]
fn account_body_rules() {
    let r = Rows::<Account>::new();
    const MORE_IMPORTS: &str = "the account contains more imports than allowed by the operator";
    const MORE_EXPORTS: &str = "the account contains more exports than allowed by the operator";
    const WILDCARD_EXPORTS: &str =
        "the account contains wildcard exports that are not allowed by the operator";
    const SELF_SIGNED: &str = "self-signed account JWTs shouldn't contain operator limits";
    let fx = Fx::new();
    run(
        "account",
        base_account,
        [
            r.row("base: new account", |_, _| {}, vec![]),
            r.row(
                "expired account",
                |_, c| c.expires = NOW - 1,
                vec![t("claim is expired")],
            ),
            // JetStream limits and tiers
            r.row(
                "flat JetStream limits",
                |_, c| c.nats.limits.jetstream = tier(1 << 30),
                vec![],
            ),
            r.row(
                "tiered JetStream limits",
                |_, c| {
                    c.nats.limits.tiered_limits.insert("R1".into(), tier(1 << 30));
                    c.nats.limits.tiered_limits.insert("R3".into(), tier(-1));
                },
                vec![],
            ),
            r.row(
                "tiers and flat limits are mutually exclusive",
                |_, c| {
                    c.nats.limits.jetstream.mem_storage = 1;
                    c.nats.limits.tiered_limits.insert("R1".into(), tier(1));
                },
                vec![e("JetStream Limits and tiered JetStream Limits are mutually exclusive")],
            ),
            r.row(
                "tiers exclude even a flat max_bytes_required",
                |_, c| {
                    c.nats.limits.jetstream.max_bytes_required = true;
                    c.nats.limits.tiered_limits.insert("R1".into(), tier(1));
                },
                vec![e("JetStream Limits and tiered JetStream Limits are mutually exclusive")],
            ),
            r.row(
                "blank tier name",
                |_, c| {
                    c.nats.limits.tiered_limits.insert(String::new(), tier(1));
                },
                vec![e(r#"Tiered JetStream Limits can not contain a blank "" tier name"#)],
            ),
            // default_permissions: Permissions rules.
            r.row(
                "default permissions: valid, queue under sub",
                |_, c| {
                    c.nats.default_permissions.publish.allow.push("a.>".into());
                    c.nats.default_permissions.subscribe.allow.push("b q".into());
                },
                vec![],
            ),
            r.row(
                "default permissions: queue under pub",
                |_, c| c.nats.default_permissions.publish.deny.push("a q".into()),
                vec![e(r#"Permission Subject "a q" is not allowed to contain queue"#)],
            ),
            r.row(
                "default permissions: too many spaces",
                |_, c| c.nats.default_permissions.subscribe.allow.push("a q r".into()),
                vec![e(r#"Permission Subject "a q r" contains too many spaces"#)],
            ),
            r.row(
                "default permissions: invalid subject",
                |_, c| c.nats.default_permissions.subscribe.deny.push("a.".into()),
                vec![e(r#"subject "a." cannot start or end with a `.`"#)],
            ),
            // Mappings
            r.row("mapping: one target (weight 0 = 100)", mapping("a", vec![weighted("b", 0, "")]), vec![]),
            r.row(
                "mapping: weights adding up to 100",
                mapping("a", vec![weighted("b", 60, ""), weighted("c", 40, "")]),
                vec![],
            ),
            r.row(
                "mapping: weights under 100",
                mapping("a", vec![weighted("b", 10, ""), weighted("c", 20, "")]),
                vec![],
            ),
            r.row(
                "mapping: wildcards are not checked",
                mapping("a.*.>", vec![weighted("b.{{wildcard(1)}}.>", 0, "")]),
                vec![],
            ),
            r.row(
                "mapping: one weight over 100",
                mapping("a", vec![weighted("b", 101, "")]),
                vec![
                    e(r#"Mapping "a" has a weight 101 that exceeds 100"#),
                    e(r#"Mapping "a" exceeds 100% among all of it's weighted to mappings"#),
                ],
            ),
            r.row(
                "mapping: total over 100",
                mapping("a", vec![weighted("b", 80, ""), weighted("c", 30, "")]),
                vec![e(r#"Mapping "a" exceeds 100% among all of it's weighted to mappings"#)],
            ),
            r.row(
                "mapping: two unweighted targets are 200",
                mapping("a", vec![weighted("b", 0, ""), weighted("c", 0, "")]),
                vec![e(r#"Mapping "a" exceeds 100% among all of it's weighted to mappings"#)],
            ),
            r.row(
                "mapping: 100 per cluster and 100 without",
                mapping(
                    "a",
                    vec![
                        weighted("b", 100, "c1"),
                        weighted("c", 100, "c2"),
                        weighted("d", 100, ""),
                    ],
                ),
                vec![],
            ),
            r.row(
                "mapping: one cluster over 100",
                mapping("a", vec![weighted("b", 60, "c1"), weighted("c", 50, "c1")]),
                vec![e(
                    r#"Mapping "a" in cluster "c1" exceeds 100% among all of it's weighted to mappings"#,
                )],
            ),
            r.row(
                "mapping: cluster over 100 reported per entry past it",
                mapping(
                    "a",
                    vec![
                        weighted("b", 60, "c1"),
                        weighted("c", 50, "c1"),
                        weighted("d", 10, "c1"),
                    ],
                ),
                vec![
                    e(r#"Mapping "a" in cluster "c1" exceeds 100% among all of it's weighted to mappings"#),
                    e(r#"Mapping "a" in cluster "c1" exceeds 100% among all of it's weighted to mappings"#),
                ],
            ),
            r.row(
                "mapping: source subject invalid",
                mapping("a..b", vec![weighted("b", 0, "")]),
                vec![e(r#"subject "a..b" cannot contain consecutive `.`"#)],
            ),
            r.row(
                "mapping: target subject missing",
                mapping("a", vec![weighted("", 0, "")]),
                vec![e("subject cannot be empty")],
            ),
            // Authorization (auth callout)
            r.row(
                "authorization: auth users",
                |fx, c| c.nats.authorization.auth_users.push(fx.usr.clone()),
                vec![],
            ),
            r.row(
                "authorization: users and allowed accounts",
                |fx, c| {
                    c.nats.authorization.auth_users.push(fx.usr.clone());
                    c.nats.authorization.allowed_accounts.push(fx.exp.clone());
                    c.nats.authorization.allowed_accounts.push(fx.oth.clone());
                },
                vec![],
            ),
            r.row(
                "authorization: users and any account",
                |fx, c| {
                    c.nats.authorization.auth_users.push(fx.usr.clone());
                    c.nats.authorization.allowed_accounts.push("*".into());
                },
                vec![],
            ),
            r.row(
                "authorization: xkey",
                |fx, c| {
                    c.nats.authorization.auth_users.push(fx.usr.clone());
                    c.nats.authorization.xkey = fx.xkey.clone();
                },
                vec![],
            ),
            r.row(
                "authorization: allowed accounts without users",
                |fx, c| c.nats.authorization.allowed_accounts.push(fx.exp.clone()),
                vec![e("External authorization cannot have accounts without users specified")],
            ),
            r.row(
                "authorization: auth user is an account key",
                |fx, c| c.nats.authorization.auth_users.push(fx.acc.clone()),
                vec![e(format!(
                    "AuthUser {:?} is not a valid user public key",
                    fx.acc
                ))],
            ),
            r.row(
                "authorization: allowed account is a user key",
                |fx, c| {
                    c.nats.authorization.auth_users.push(fx.usr.clone());
                    c.nats.authorization.allowed_accounts.push(fx.usr.clone());
                },
                vec![e(format!(
                    "Account {:?} is not a valid account public key",
                    fx.usr
                ))],
            ),
            r.row(
                "authorization: * must be alone",
                |fx, c| {
                    c.nats.authorization.auth_users.push(fx.usr.clone());
                    c.nats.authorization.allowed_accounts.push(fx.exp.clone());
                    c.nats.authorization.allowed_accounts.push("*".into());
                },
                vec![e(r#"AllowedAccounts can only be a list of accounts or "*""#)],
            ),
            r.row(
                "authorization: xkey is a user key",
                |fx, c| {
                    c.nats.authorization.auth_users.push(fx.usr.clone());
                    c.nats.authorization.xkey = fx.usr.clone();
                },
                vec![e(format!("XKey {:?} is not a valid public xkey", fx.usr))],
            ),
            r.row(
                "authorization: order",
                |fx, c| {
                    c.nats.authorization.xkey = "X".into();
                    c.nats.authorization.allowed_accounts.push("*".into());
                    c.nats.authorization.allowed_accounts.push(fx.usr.clone());
                },
                vec![
                    e("External authorization cannot have accounts without users specified"),
                    e(r#"AllowedAccounts can only be a list of accounts or "*""#),
                    e(format!(
                        "Account {:?} is not a valid account public key",
                        fx.usr
                    )),
                    e(r#"XKey "X" is not a valid public xkey"#),
                ],
            ),
            // Trace
            r.row("trace: dest and sampling 50", trace("trace.acc", 50), vec![]),
            r.row("trace: sampling 1", trace("trace.acc", 1), vec![]),
            r.row("trace: sampling 100", trace("trace.acc", 100), vec![]),
            // Documented difference: Go's Validate silently rewrites a sampling of 0 to 100;
            // this crate leaves the claims alone and warns instead.
            r.row(
                "trace: sampling 0 (Go rewrites it to 100; here a warning)",
                trace("trace.acc", 0),
                vec![w("the account Trace.Sampling is 0, which the server treats as 100")],
            ),
            r.row(
                "trace: sampling 101",
                trace("trace.acc", 101),
                vec![e(
                    "the account Trace.Sampling value '101' is not valid, should be in the range [1..100]",
                )],
            ),
            r.row(
                "trace: sampling -1",
                trace("trace.acc", -1),
                vec![e(
                    "the account Trace.Sampling value '-1' is not valid, should be in the range [1..100]",
                )],
            ),
            r.row(
                "trace: dest missing",
                trace("", 50),
                vec![e("the account Trace.Destination subject cannot be empty")],
            ),
            r.row(
                "trace: dest with a space",
                trace("a b", 50),
                vec![e(r#"the account Trace.Destination subject "a b" cannot have spaces"#)],
            ),
            r.row(
                "trace: only the first dest issue is reported",
                trace("..", 50),
                vec![e(
                    r#"the account Trace.Destination subject ".." cannot start or end with a `.`"#,
                )],
            ),
            r.row(
                "trace: dest with *",
                trace("trace.*", 50),
                vec![e(
                    r#"the account Trace.Destination subject "trace.*" is not a valid publish subject"#,
                )],
            ),
            r.row(
                "trace: dest with >",
                trace("trace.>", 50),
                vec![e(
                    r#"the account Trace.Destination subject "trace.>" is not a valid publish subject"#,
                )],
            ),
            // Import / export counts
            r.row("imports: unlimited (-1)", stream_imports(3), vec![]),
            r.row(
                "imports: at the limit",
                with_limits(|l| l.imports = 2, stream_imports(2)),
                vec![],
            ),
            r.row(
                "imports: over the limit is reported twice (Go checks it twice)",
                with_limits(|l| l.imports = 1, stream_imports(2)),
                vec![e(MORE_IMPORTS), e(MORE_IMPORTS)],
            ),
            r.row(
                "imports: limit 0 refuses one import (twice)",
                with_limits(|l| l.imports = 0, stream_imports(1)),
                vec![e(MORE_IMPORTS), e(MORE_IMPORTS)],
            ),
            r.row(
                "imports: a negative limit other than -1 refuses (second check only)",
                with_limits(|l| l.imports = -2, stream_imports(1)),
                vec![e(MORE_IMPORTS)],
            ),
            r.row("all-zero limits, nothing imported or exported", with_limits(no_limits, |_, _| {}), vec![]),
            r.row(
                "all-zero limits refuse any import (once: limits are empty)",
                with_limits(no_limits, stream_imports(1)),
                vec![e(MORE_IMPORTS)],
            ),
            r.row(
                "all-zero limits refuse any export",
                with_limits(no_limits, export(|| Export::stream("s"))),
                vec![e(MORE_EXPORTS)],
            ),
            r.row(
                "all-zero limits refuse a wildcard export twice over",
                with_limits(no_limits, export(|| Export::stream("s.>"))),
                vec![e(MORE_EXPORTS), e(WILDCARD_EXPORTS)],
            ),
            r.row(
                "exports: at the limit",
                with_limits(
                    |l| l.exports = 1,
                    export(|| Export::stream("s")),
                ),
                vec![],
            ),
            r.row(
                "exports: over the limit",
                with_limits(|l| l.exports = 1, |_, c| {
                    c.nats.exports.push(Export::stream("s"));
                    c.nats.exports.push(Export::service("q"));
                }),
                vec![e(MORE_EXPORTS)],
            ),
            r.row(
                "wildcards false: a wildcard export",
                with_limits(
                    |l| {
                        l.exports = 5;
                        l.wildcards = false;
                    },
                    export(|| Export::stream("s.*")),
                ),
                vec![e(WILDCARD_EXPORTS)],
            ),
            r.row(
                "wildcards false: one error per wildcard export",
                with_limits(
                    |l| {
                        l.exports = 5;
                        l.wildcards = false;
                    },
                    |_, c| {
                        c.nats.exports.push(Export::stream("s.>"));
                        c.nats.exports.push(Export::service("q.*"));
                        c.nats.exports.push(Export::service("plain"));
                    },
                ),
                vec![e(WILDCARD_EXPORTS), e(WILDCARD_EXPORTS)],
            ),
            r.row(
                "wildcards false: plain exports pass",
                with_limits(
                    |l| {
                        l.exports = 5;
                        l.wildcards = false;
                    },
                    export(|| Export::stream("s")),
                ),
                vec![],
            ),
            r.row(
                "wildcards false is not checked when exports are unlimited",
                with_limits(|l| l.wildcards = false, export(|| Export::stream("s.>"))),
                vec![],
            ),
            // Signing keys
            r.row(
                "signing key: plain account key",
                |fx, c| c.nats.signing_keys.add(fx.exp_sk.clone()),
                vec![],
            ),
            r.row(
                "signing key: plain operator key",
                |fx, c| c.nats.signing_keys.add(fx.op.clone()),
                vec![e(format!("{:?} is not a valid account signing key", fx.op))],
            ),
            r.row(
                "signing key: scoped account key",
                |fx, c| c.nats.signing_keys.add_scoped(UserScope::new(fx.exp_sk.clone())),
                vec![],
            ),
            r.row(
                "signing key: scoped user key",
                |fx, c| c.nats.signing_keys.add_scoped(UserScope::new(fx.usr.clone())),
                vec![e(format!("{} is not an account public key", fx.usr))],
            ),
            r.row(
                "signing key: the scope template is not validated",
                |fx, c| {
                    let mut scope = UserScope::new(fx.exp_sk.clone());
                    scope.template.permissions.publish.allow.push("a b c".into());
                    scope.template.limits.src.add(["bad"]);
                    scope.template.limits.times.push(TimeRange::new("25:00:00", ""));
                    scope.template.limits.times_location = "utc".into();
                    c.nats.signing_keys.add_scoped(scope);
                },
                vec![],
            ),
            // Account Info
            r.row(
                "info: account description and url",
                |_, c| {
                    c.nats.info.description = "x".repeat(8 * 1024);
                    c.nats.info.info_url = "https://example.com".into();
                },
                vec![],
            ),
            r.row(
                "info: account description over 8 KiB",
                |_, c| c.nats.info.description = "x".repeat(8 * 1024 + 1),
                vec![e("Description is too long")],
            ),
            r.row(
                "info: account url without scheme",
                |_, c| c.nats.info.info_url = "example.com".into(),
                vec![e("error parsing info url: no hostname or scheme")],
            ),
            // cluster_traffic
            r.row("cluster traffic: system", |_, c| c.nats.cluster_traffic = "system".into(), vec![]),
            r.row("cluster traffic: owner", |_, c| c.nats.cluster_traffic = "owner".into(), vec![]),
            r.row(
                "cluster traffic: case-sensitive",
                |_, c| c.nats.cluster_traffic = "System".into(),
                vec![e(r#"unknown cluster traffic option: "System""#)],
            ),
            r.row(
                "cluster traffic: unknown",
                |_, c| c.nats.cluster_traffic = "bogus".into(),
                vec![e(r#"unknown cluster traffic option: "bogus""#)],
            ),
            // Self-signed accounts
            r.row(
                "self-signed with default limits: a warning",
                |fx, c| c.issuer = fx.acc.clone(),
                vec![w(SELF_SIGNED)],
            ),
            r.row(
                "self-signed with empty limits",
                |fx, c| {
                    c.issuer = fx.acc.clone();
                    c.nats.limits = OperatorLimits::default();
                },
                vec![],
            ),
            r.row(
                "signed by any account key counts as self-signed",
                |fx, c| c.issuer = fx.oth.clone(),
                vec![w(SELF_SIGNED)],
            ),
            r.row(
                "signed by an operator signing key",
                |fx, c| c.issuer = fx.op.clone(),
                vec![],
            ),
            r.row(
                "order: time, imports, exports, limits, default permissions, mappings, \
                 authorization, trace, counts, signing keys, info, cluster traffic, self-signed",
                |fx, c| {
                    c.issuer = fx.acc.clone();
                    c.nats.cluster_traffic = "x".into();
                    c.nats.info.info_url = "nohost".into();
                    c.nats.signing_keys.add("bad");
                    c.nats.limits.imports = 0;
                    c.nats.trace = Some(MsgTrace {
                        dest: "t".into(),
                        sampling: 101,
                    });
                    c.nats.authorization.allowed_accounts.push("*".into());
                    c.nats
                        .mappings
                        .insert("m".into(), vec![weighted("n", 101, "")]);
                    c.nats.default_permissions.publish.allow.push("p q".into());
                    c.nats.limits.tiered_limits.insert(String::new(), tier(1));
                    c.nats.exports.push(Export {
                        allow_trace: true,
                        ..Export::stream("s")
                    });
                    c.nats.imports.push(Import::stream("", "i"));
                    c.expires = NOW - 1;
                },
                vec![
                    t("claim is expired"),
                    e("account to import from is not specified"),
                    e("AllowTrace only valid for service export"),
                    e(r#"Tiered JetStream Limits can not contain a blank "" tier name"#),
                    e(r#"Permission Subject "p q" is not allowed to contain queue"#),
                    e(r#"Mapping "m" has a weight 101 that exceeds 100"#),
                    e(r#"Mapping "m" exceeds 100% among all of it's weighted to mappings"#),
                    e("External authorization cannot have accounts without users specified"),
                    e(
                        "the account Trace.Sampling value '101' is not valid, should be in the range [1..100]",
                    ),
                    e(MORE_IMPORTS),
                    e(MORE_IMPORTS),
                    e(r#""bad" is not a valid account signing key"#),
                    e("error parsing info url: no hostname or scheme"),
                    e(r#"unknown cluster traffic option: "x""#),
                    w(SELF_SIGNED),
                ],
            ),
        ],
    );
}

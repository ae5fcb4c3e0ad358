//! Property tests (proptest):
//! - claims of every type, generated, encode → decode to the same claims, and re-encoding
//!   the decoded claims reproduces the token byte for byte;
//! - the decoders never panic, on arbitrary text or on mutations of valid tokens, and a
//!   mutated token never verifies;
//! - creds text and decorated seeds format → parse back to the same JWT and key.
//!
//! Case counts are modest so the file runs in about a second in a debug build; raise them
//! with `PROPTEST_CASES=5000 cargo test --release --test properties`.
use crate::common::tokens::{b64, signed};
use std::collections::BTreeMap;

use natsjwt::claims::{ClaimBody, ClientTls};
use natsjwt::clock::FixedClock;
use natsjwt::dangerous::decode_unverified;
use natsjwt::jws::HEADER_B64;
use natsjwt::types::{
    Export, ExportType, GoDuration, Import, JetStreamLimits, Permission, Permissions,
    ResponsePermission, SamplingRate, ServiceLatency, TimeRange, UserScope, WeightedMapping,
    response_type,
};
use natsjwt::{
    AccountClaims, ActivationClaims, AnyClaims, AuthorizationRequestClaims,
    AuthorizationResponseClaims, Claims, ClaimsError, GenericClaims, KeyKind, KeyPair,
    OperatorClaims, UserClaims, Verified, XKey, creds,
};
use proptest::prelude::*;
use serde_json::Value;

/// Cases for the properties that sign and verify.
fn signing_cases() -> ProptestConfig {
    ProptestConfig {
        cases: env_cases(64),
        ..ProptestConfig::default()
    }
}

/// Cases for the cheap properties.
fn parsing_cases() -> ProptestConfig {
    ProptestConfig {
        cases: env_cases(256),
        ..ProptestConfig::default()
    }
}

fn env_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// Generators

/// Text with the characters Go's JSON escapes or that need escaping anyway.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => any::<char>(),
            1 => prop::sample::select(vec!['<', '>', '&', '"', '\\', '\u{2028}', '\u{2029}', '\u{7f}', '\0', '\n']),
        ],
        0..12,
    )
    .prop_map(String::from_iter)
}

fn subject() -> impl Strategy<Value = String> {
    (
        prop::collection::vec("[a-z0-9_-]{1,6}|\\*", 1..5),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(tokens, gt)| {
            let mut s = tokens.join(".");
            if gt {
                s.push_str(".>");
            }
            s
        })
}

fn time() -> impl Strategy<Value = i64> {
    prop_oneof![Just(0i64), any::<i64>(), 1_500_000_000i64..2_500_000_000]
}

fn key(kind: KeyKind) -> impl Strategy<Value = KeyPair> {
    any::<[u8; 32]>().prop_map(move |seed| KeyPair::from_raw_seed(kind, &seed).unwrap())
}

fn public(kind: KeyKind) -> impl Strategy<Value = String> {
    key(kind).prop_map(|k| k.public_key().to_string())
}

fn tags() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..3)
}

fn permission() -> impl Strategy<Value = Permission> {
    (
        prop::collection::vec(subject(), 0..3),
        prop::collection::vec(subject(), 0..3),
    )
        .prop_map(|(allow, deny)| Permission { allow, deny })
}

fn permissions() -> impl Strategy<Value = Permissions> {
    (
        permission(),
        permission(),
        prop::option::of((any::<i64>(), any::<i64>())),
    )
        .prop_map(|(publish, subscribe, response)| Permissions {
            publish,
            subscribe,
            response: response.map(|(max, ttl)| ResponsePermission {
                max,
                ttl: GoDuration(ttl),
            }),
        })
}

/// The standard fields every claim type shares.
#[derive(Debug, Clone)]
struct Standard {
    name: String,
    audience: String,
    expires: i64,
    not_before: i64,
    issued_at: i64,
}

fn standard() -> impl Strategy<Value = Standard> {
    (text(), text(), time(), time(), time()).prop_map(
        |(name, audience, expires, not_before, issued_at)| Standard {
            name,
            audience,
            expires,
            not_before,
            issued_at,
        },
    )
}

fn with_standard<T: ClaimBody>(mut claims: Claims<T>, s: &Standard) -> Claims<T> {
    claims.name = s.name.clone();
    claims.audience = s.audience.clone();
    claims.expires = s.expires;
    claims.not_before = s.not_before;
    claims
}

fn operator_claims() -> impl Strategy<Value = (OperatorClaims, KeyPair)> {
    (
        key(KeyKind::Operator),
        prop::collection::vec(public(KeyKind::Operator), 0..3),
        prop::sample::select(vec!["", "https://example.com:9090/jwt/v1", "nats://a.b"]),
        prop::collection::vec("nats://[a-z]{1,8}:[0-9]{2,4}", 0..3),
        prop::option::of(public(KeyKind::Account)),
        any::<bool>(),
        tags(),
    )
        .prop_map(|(op, keys, url, services, sys, strict, tags)| {
            let mut c = OperatorClaims::new(op.public_key().as_str());
            c.nats.signing_keys = keys;
            c.nats.account_server_url = url.to_owned();
            c.nats.operator_service_urls = services;
            c.nats.system_account = sys.unwrap_or_default();
            c.nats.strict_signing_key_usage = strict;
            c.nats.tags.add(tags);
            (c, op)
        })
}

fn export() -> impl Strategy<Value = Export> {
    (
        subject(),
        any::<bool>(),
        text(),
        any::<bool>(),
        prop::sample::select(vec![
            "",
            response_type::SINGLETON,
            response_type::STREAM,
            response_type::CHUNKED,
        ]),
        any::<i64>(),
        prop::option::of((0i64..=100, subject())),
        (0u64..5, any::<bool>(), any::<bool>(), text()),
    )
        .prop_map(
            |(subj, service, name, token_req, resp, threshold, latency, rest)| {
                let mut e = if service {
                    Export::service(subj)
                } else {
                    Export::stream(subj)
                };
                e.name = name;
                e.token_req = token_req;
                if service {
                    e.response_type = resp.to_owned();
                    e.response_threshold = GoDuration(threshold);
                    e.service_latency = latency.map(|(rate, results)| ServiceLatency {
                        sampling: SamplingRate(rate),
                        results,
                    });
                }
                let (position, advertise, allow_trace, description) = rest;
                e.account_token_position = position;
                e.advertise = advertise;
                e.allow_trace = allow_trace;
                e.info.description = description;
                e
            },
        )
}

fn import() -> impl Strategy<Value = Import> {
    (
        public(KeyKind::Account),
        subject(),
        any::<bool>(),
        text(),
        prop::option::of(subject()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(account, subj, service, name, local, share, trace)| {
            let mut i = if service {
                Import::service(account, subj)
            } else {
                Import::stream(account, subj)
            };
            i.name = name;
            i.local_subject = local.unwrap_or_default();
            i.share = share;
            i.allow_trace = trace;
            i
        })
}

fn jetstream() -> impl Strategy<Value = JetStreamLimits> {
    (any::<[i64; 7]>(), any::<bool>()).prop_map(|(n, required)| JetStreamLimits {
        mem_storage: n[0],
        disk_storage: n[1],
        streams: n[2],
        consumer: n[3],
        max_ack_pending: n[4],
        mem_max_stream_bytes: n[5],
        disk_max_stream_bytes: n[6],
        max_bytes_required: required,
    })
}

fn account_claims() -> impl Strategy<Value = (AccountClaims, KeyPair)> {
    (
        (key(KeyKind::Operator), public(KeyKind::Account)),
        prop::collection::vec(export(), 0..3),
        prop::collection::vec(import(), 0..3),
        (any::<[i64; 7]>(), any::<bool>(), any::<bool>(), jetstream()),
        prop::collection::btree_map("R[0-9]", jetstream(), 0..2),
        (
            prop::collection::vec(public(KeyKind::Account), 0..2),
            prop::option::of((public(KeyKind::Account), text(), permissions())),
            prop::collection::btree_map(public(KeyKind::User), any::<i64>(), 0..2),
        ),
        (
            permissions(),
            prop::collection::btree_map(
                subject(),
                prop::collection::vec((subject(), 0u8..=100, text()), 1..3),
                0..2,
            ),
        ),
        (
            prop::collection::vec(public(KeyKind::User), 0..2),
            prop::option::of((subject(), 0i64..=100)),
            prop::sample::select(vec!["", "system", "owner"]),
            text(),
            tags(),
        ),
    )
        .prop_map(
            |((op, sub), exports, imports, limits, tiers, keys, perms, misc)| {
                let mut c = AccountClaims::new(sub);
                c.nats.exports = exports;
                c.nats.imports = imports;
                let (n, wildcards, disallow_bearer, js) = limits;
                let l = &mut c.nats.limits;
                (
                    l.subs, l.data, l.payload, l.imports, l.exports, l.conn, l.leaf,
                ) = (n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
                l.wildcards = wildcards;
                l.disallow_bearer = disallow_bearer;
                // Go's loader drops the account-wide JetStream limits when tiers exist
                // (validation calls the two mutually exclusive), so generate one or the other.
                if tiers.is_empty() {
                    l.jetstream = js;
                }
                l.tiered_limits = tiers;
                let (plain, scoped, revoked) = keys;
                for k in plain {
                    c.nats.signing_keys.add(k);
                }
                if let Some((k, role, permissions)) = scoped {
                    let mut scope = UserScope::new(k);
                    scope.role = role;
                    scope.template.permissions = permissions;
                    c.nats.signing_keys.add_scoped(scope);
                }
                for (user, at) in revoked {
                    c.nats.revocations.revoke(&user, at);
                }
                let (default_permissions, mappings) = perms;
                c.nats.default_permissions = default_permissions;
                c.nats.mappings = mappings
                    .into_iter()
                    .map(|(from, to)| {
                        let to = to
                            .into_iter()
                            .map(|(subject, weight, cluster)| WeightedMapping {
                                subject,
                                weight,
                                cluster,
                            })
                            .collect();
                        (from, to)
                    })
                    .collect::<BTreeMap<_, _>>();
                let (auth_users, trace, traffic, description, tags) = misc;
                c.nats.authorization.auth_users = auth_users;
                c.nats.trace =
                    trace.map(|(dest, sampling)| natsjwt::claims::MsgTrace { dest, sampling });
                c.nats.cluster_traffic = traffic.to_owned();
                c.nats.info.description = description;
                c.nats.tags.add(tags);
                (c, op)
            },
        )
}

fn user_claims() -> impl Strategy<Value = (UserClaims, KeyPair)> {
    (
        (key(KeyKind::Account), public(KeyKind::User)),
        permissions(),
        (
            prop::collection::vec(
                prop::sample::select(vec!["10.0.0.0/8", "192.168.1.1/32", "::1/128"]),
                0..3,
            ),
            prop::collection::vec(
                (0u32..24, 0u32..60, 0u32..24).prop_map(|(h, m, e)| {
                    TimeRange::new(format!("{h:02}:{m:02}:00"), format!("{e:02}:00:00"))
                }),
                0..2,
            ),
            prop::sample::select(vec!["", "UTC", "Europe/Berlin"]),
            any::<[i64; 3]>(),
        ),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop::collection::vec(
            prop::sample::select(vec!["STANDARD", "WEBSOCKET", "LEAFNODE", "MQTT"]),
            0..3,
        ),
        prop::option::of(public(KeyKind::Account)),
        tags(),
    )
        .prop_map(
            |((account, sub), perms, limits, flags, conn_types, issuer_account, tags)| {
                let mut c = UserClaims::new(sub);
                let (scoped, bearer, proxy) = flags;
                if scoped {
                    c.nats.set_scoped(true);
                } else {
                    c.nats.permissions = perms;
                    let (src, times, location, n) = limits;
                    c.nats.limits.src.add(src);
                    c.nats.limits.times = times;
                    c.nats.limits.times_location = location.to_owned();
                    (
                        c.nats.limits.subs,
                        c.nats.limits.data,
                        c.nats.limits.payload,
                    ) = (n[0], n[1], n[2]);
                    c.nats.bearer_token = bearer;
                    c.nats.proxy_required = proxy;
                    c.nats.allowed_connection_types =
                        conn_types.into_iter().map(str::to_owned).collect();
                }
                c.nats.issuer_account = issuer_account.unwrap_or_default();
                c.nats.tags.add(tags);
                (c, account)
            },
        )
}

fn activation_claims() -> impl Strategy<Value = (ActivationClaims, KeyPair)> {
    (
        key(KeyKind::Account),
        public(KeyKind::Account),
        subject(),
        any::<bool>(),
        prop::option::of(public(KeyKind::Account)),
        tags(),
    )
        .prop_map(|(issuer, sub, subj, service, issuer_account, tags)| {
            let mut c = ActivationClaims::new(sub);
            c.nats.subject = subj;
            c.nats.kind = if service {
                ExportType::Service
            } else {
                ExportType::Stream
            };
            c.nats.issuer_account = issuer_account.unwrap_or_default();
            c.nats.tags.add(tags);
            (c, issuer)
        })
}

fn request_claims() -> impl Strategy<Value = (AuthorizationRequestClaims, KeyPair)> {
    (
        (key(KeyKind::Server), public(KeyKind::User)),
        (text(), text(), text(), text()),
        (text(), any::<u64>(), text(), text()),
        (text(), text(), text(), any::<i64>()),
        prop::option::of((text(), prop::collection::vec(text(), 0..2))),
        (text(), tags()),
    )
        .prop_map(|((server, user), sid, ci, co, tls, (nonce, tags))| {
            let mut c = AuthorizationRequestClaims::new(user.clone());
            c.audience = "nats-authorization-request".into();
            let s = &mut c.nats.server_id;
            (s.name, s.host, s.version, s.cluster) = sid;
            s.id = server.public_key().to_string();
            c.nats.user_nkey = user;
            let i = &mut c.nats.client_info;
            (i.host, i.id, i.user, i.name) = ci;
            let o = &mut c.nats.connect_opts;
            (o.jwt, o.user, o.password, o.protocol) = co;
            c.nats.client_tls = tls.map(|(version, certs)| ClientTls {
                version,
                certs,
                ..Default::default()
            });
            c.nats.request_nonce = nonce;
            c.nats.tags.add(tags);
            (c, server)
        })
}

fn response_claims() -> impl Strategy<Value = (AuthorizationResponseClaims, KeyPair)> {
    (
        key(KeyKind::Account),
        public(KeyKind::User),
        public(KeyKind::Server),
        text(),
        text(),
        prop::option::of(public(KeyKind::Account)),
    )
        .prop_map(|(account, user, server, jwt, error, issuer_account)| {
            let mut c = AuthorizationResponseClaims::new(user);
            c.audience = server;
            c.nats.jwt = jwt;
            c.nats.error = error;
            c.nats.issuer_account = issuer_account.unwrap_or_default();
            (c, account)
        })
}

/// JSON values Go re-encodes unchanged: no floats (Go writes float64 text).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-(1i64 << 53)..(1i64 << 53)).prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn generic_claims() -> impl Strategy<Value = (GenericClaims, KeyPair)> {
    (
        prop::sample::select(
            KeyKind::ALL
                .into_iter()
                .filter(|&k| k != KeyKind::Curve)
                .collect::<Vec<_>>(),
        )
        .prop_flat_map(key),
        text().prop_filter("encode needs a subject", |s| !s.is_empty()),
        "[a-z_]{1,12}".prop_filter("not a concrete type", |t| {
            natsjwt::ClaimType::from_name(t) == natsjwt::ClaimType::Generic
                && t != "cluster"
                && t != "server"
        }),
        prop::collection::btree_map(
            text().prop_filter("reserved", |k| k != "type" && k != "version"),
            json_value(),
            0..4,
        ),
    )
        .prop_map(|(signer, sub, claim_type, data)| {
            let mut c = GenericClaims::new(sub);
            c.nats.data = data.into_iter().collect();
            c.nats.data.insert("type".into(), Value::from(claim_type));
            (c, signer)
        })
}

// ---------------------------------------------------------------------------------------
// Encode → decode

/// Encodes, decodes with the typed and the untyped decoder, compares, and re-encodes the
/// decoded claims: the same token comes back.
fn round_trip<T: ClaimBody>(
    mut claims: Claims<T>,
    signer: &KeyPair,
    issued_at: i64,
) -> Result<(), TestCaseError>
where
    AnyClaims: From<Claims<T>>,
{
    let token = claims.encode_at(signer, issued_at).unwrap();
    prop_assert_eq!(&claims.issuer, signer.public_key().as_str());
    prop_assert_eq!(claims.issued_at, issued_at);
    let typed = Claims::<T>::decode(&token).unwrap();
    prop_assert_eq!(typed.version(), 2);
    prop_assert_eq!(typed.claims(), &claims);
    let any = natsjwt::decode(&token).unwrap();
    prop_assert_eq!(any.claims(), &AnyClaims::from(claims.clone()));
    let payload = decode_unverified::<AnyClaims>(&token).unwrap();
    prop_assert_eq!(
        std::str::from_utf8(payload.payload_json()).unwrap(),
        claims.to_json().unwrap()
    );
    let mut again = typed.into_claims();
    prop_assert_eq!(again.encode_at(signer, issued_at).unwrap(), token);
    Ok(())
}

proptest! {
    #![proptest_config(signing_cases())]

    #[test]
    fn operator_claims_round_trip((claims, signer) in operator_claims(), s in standard()) {
        round_trip(with_standard(claims, &s), &signer, s.issued_at)?;
    }

    #[test]
    fn account_claims_round_trip((claims, signer) in account_claims(), s in standard()) {
        round_trip(with_standard(claims, &s), &signer, s.issued_at)?;
    }

    #[test]
    fn user_claims_round_trip((claims, signer) in user_claims(), s in standard()) {
        round_trip(with_standard(claims, &s), &signer, s.issued_at)?;
    }

    #[test]
    fn activation_claims_round_trip((claims, signer) in activation_claims(), s in standard()) {
        round_trip(with_standard(claims, &s), &signer, s.issued_at)?;
    }

    #[test]
    fn authorization_request_claims_round_trip((claims, signer) in request_claims(), s in standard()) {
        round_trip(with_standard(claims, &s), &signer, s.issued_at)?;
    }

    #[test]
    fn authorization_response_claims_round_trip((claims, signer) in response_claims(), s in standard()) {
        round_trip(with_standard(claims, &s), &signer, s.issued_at)?;
    }

    #[test]
    fn generic_claims_round_trip((claims, signer) in generic_claims(), s in standard()) {
        round_trip(with_standard(claims, &s), &signer, s.issued_at)?;
    }
}

// ---------------------------------------------------------------------------------------
// Decoders never panic; mutations never verify

/// The seed some generated payloads carry (as `iss`, `exp`, a `nats` member, …): no error
/// may repeat it.
fn planted_seed() -> &'static str {
    static SEED: std::sync::OnceLock<natsjwt::Secret> = std::sync::OnceLock::new();
    SEED.get_or_init(|| {
        KeyPair::from_raw_seed(KeyKind::User, &[0x5e; 32])
            .unwrap()
            .seed()
    })
    .expose()
}

/// Fails when an error's text or `Debug` shows the planted seed (its 56 characters after
/// the prefix letters), also where an error repeats input (serde_json's "invalid type:
/// string …", `WrongClaimType`'s `found`).
fn error_is_clean(error: &ClaimsError, decoder: &str) -> Result<(), TestCaseError> {
    let seed = planted_seed();
    let body = &seed[2..];
    for shown in [error.to_string(), format!("{error:?}")] {
        prop_assert!(
            !shown.contains(body),
            "{} error shows the seed: {}",
            decoder,
            shown
        );
    }
    Ok(())
}

/// A typed decoder agrees with the untyped one: it gives the same claims when the token is
/// of its type, reports `WrongClaimType` (naming its type) when it is of another type, and
/// otherwise fails as the untyped decoder does.
fn typed_agrees<T: ClaimBody>(
    token: &str,
    any: &Result<Verified<AnyClaims>, ClaimsError>,
) -> Result<(), TestCaseError>
where
    AnyClaims: From<Claims<T>>,
{
    let name = T::CLAIM_TYPE.to_string();
    let typed = Claims::<T>::decode(token);
    if let Err(e) = &typed {
        error_is_clean(e, &name)?;
    }
    match (typed, any) {
        (Ok(typed), Ok(any)) => {
            prop_assert_eq!(typed.version(), any.version(), "{}", name);
            prop_assert_eq!(
                &AnyClaims::from(typed.into_claims()),
                any.claims(),
                "{}",
                name
            );
        }
        (Ok(typed), Err(e)) => {
            prop_assert!(
                false,
                "{} decoded {:?} where decode failed: {:?}",
                name,
                typed,
                e
            )
        }
        (Err(ClaimsError::WrongClaimType { expected, found }), any) => {
            prop_assert_eq!(expected, T::CLAIM_TYPE, "{}", name);
            if let Ok(any) = any {
                prop_assert_ne!(
                    any.claims().claim_type(),
                    T::CLAIM_TYPE,
                    "{} ({})",
                    name,
                    found
                );
            }
        }
        (Err(e), Err(any_error)) => {
            prop_assert_eq!(&e, any_error, "{}", name);
        }
        (Err(e), Ok(any)) => {
            prop_assert!(
                false,
                "{} failed ({:?}) on a token decode accepted: {:?}",
                name,
                e,
                any
            )
        }
    }
    Ok(())
}

/// Every decoder on `token` (any panic fails the property), checked against each other:
/// - `decode` succeeds only when `dangerous::decode_unverified` does, with the same claims
///   and version, and fails after it only for the issuer or the signature, as `verify` does;
/// - each typed decoder agrees with `decode` or reports `WrongClaimType`;
/// - `GenericClaims` reads every token `decode` reads, with the same standard fields;
/// - a payload that decodes reads back through `AnyClaims::from_json` the same way;
/// - no error repeats the planted seed.
fn decode_all(token: &str) -> Result<(), TestCaseError> {
    let any = natsjwt::decode(token);
    match decode_unverified::<AnyClaims>(token) {
        Ok(unverified) => {
            let _ = unverified.unverified_claims().validate_with(&FixedClock(0));
            if let Ok(verified) = &any {
                prop_assert_eq!(verified.claims(), unverified.unverified_claims());
                prop_assert_eq!(verified.version(), unverified.version());
                prop_assert_eq!(verified.is_v1(), unverified.is_v1());
            }
            if !unverified.is_v1() {
                // A payload that is not UTF-8 is read as Go reads it (see latin1.rs).
                let payload = crate::common::tokens::go_utf8_text(unverified.payload_json());
                prop_assert_eq!(
                    &AnyClaims::from_json(&payload).unwrap(),
                    unverified.unverified_claims()
                );
            }
            prop_assert_eq!(&unverified.verify(), &any, "verify is what decode does");
            if let Err(e) = &any {
                prop_assert!(
                    matches!(
                        e,
                        ClaimsError::InvalidIssuer(_)
                            | ClaimsError::IssuerNotAllowed { .. }
                            | ClaimsError::Signature(_)
                    ),
                    "decoded unverified, then failed for {:?}",
                    e
                );
            }
        }
        Err(unverified_error) => {
            prop_assert_eq!(
                any.as_ref().err(),
                Some(&unverified_error),
                "decode and decode_unverified disagree"
            );
        }
    }
    if let Err(e) = &any {
        error_is_clean(e, "decode")?;
    }
    typed_agrees::<natsjwt::claims::Operator>(token, &any)?;
    typed_agrees::<natsjwt::claims::Account>(token, &any)?;
    typed_agrees::<natsjwt::claims::User>(token, &any)?;
    typed_agrees::<natsjwt::claims::Activation>(token, &any)?;
    typed_agrees::<natsjwt::claims::AuthorizationRequest>(token, &any)?;
    typed_agrees::<natsjwt::claims::AuthorizationResponse>(token, &any)?;
    let generic = GenericClaims::decode(token);
    match (&generic, &any) {
        (Ok(generic), Ok(any)) => {
            let (g, a) = (generic.claims(), any.claims());
            prop_assert_eq!(
                (
                    &g.issuer,
                    &g.subject,
                    &g.name,
                    g.issued_at,
                    g.expires,
                    &g.id
                ),
                (
                    &a.issuer().to_owned(),
                    &a.subject().to_owned(),
                    &a.name().to_owned(),
                    a.issued_at(),
                    a.expires(),
                    &a.id().to_owned()
                )
            );
        }
        (Err(e), Ok(any)) => {
            prop_assert!(
                false,
                "GenericClaims failed ({:?}) where decode read {:?}",
                e,
                any
            )
        }
        (_, Err(_)) => {}
    }
    if let Err(e) = &generic {
        error_is_clean(e, "GenericClaims")?;
    }
    if let Err(e) = AnyClaims::from_json(token) {
        error_is_clean(&e, "from_json")?;
    }
    let _ = creds::parse_decorated_jwt(token);
    let _ = creds::parse_user_creds(token);
    Ok(())
}

/// Valid tokens of several types, made once.
fn valid_tokens() -> &'static [String] {
    static TOKENS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TOKENS.get_or_init(|| {
        let op = KeyPair::from_raw_seed(KeyKind::Operator, &[1; 32]).unwrap();
        let acc = KeyPair::from_raw_seed(KeyKind::Account, &[2; 32]).unwrap();
        let user = KeyPair::from_raw_seed(KeyKind::User, &[3; 32]).unwrap();
        let mut u = UserClaims::new(user.public_key().as_str());
        u.nats.permissions.publish.allow.push("a.>".into());
        let mut a = AccountClaims::new(acc.public_key().as_str());
        a.nats.exports.push(Export::service("svc.>"));
        let mut o = OperatorClaims::new(op.public_key().as_str());
        o.name = "O".into();
        vec![
            u.encode_at(&acc, 1_700_000_000).unwrap(),
            a.encode_at(&op, 1_700_000_000).unwrap(),
            o.encode_at(&op, 1_700_000_000).unwrap(),
        ]
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    SetByte(usize, u8),
    Delete(usize, usize),
    Insert(usize, String),
    SwapSegments(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        (any::<usize>(), 1usize..8).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), "[A-Za-z0-9_\\-.=+/ \n]{1,4}").prop_map(|(i, s)| Mutation::Insert(i, s)),
        (0usize..3, 0usize..3).prop_map(|(a, b)| Mutation::SwapSegments(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(token: &str, mutations: &[Mutation]) -> String {
    let mut bytes = token.as_bytes().to_vec();
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::SetByte(i, b) => {
                if !bytes.is_empty() {
                    // Stay in ASCII so the result is still text.
                    bytes[i % len] = b % 128;
                }
            }
            Mutation::Delete(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Mutation::Insert(i, s) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, s.bytes());
            }
            Mutation::SwapSegments(a, b) => {
                let text = String::from_utf8(bytes.clone()).unwrap();
                let mut parts: Vec<&str> = text.split('.').collect();
                if *a < parts.len() && *b < parts.len() {
                    parts.swap(*a, *b);
                }
                bytes = parts.join(".").into_bytes();
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
        }
    }
    String::from_utf8(bytes).unwrap()
}

proptest! {
    #![proptest_config(parsing_cases())]

    #[test]
    fn decoders_never_panic_on_arbitrary_text(text in any::<String>()) {
        decode_all(&text)?;
        prop_assert!(natsjwt::decode(&text).is_err() || text.split('.').count() == 3);
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_token_shapes(
        segments in prop::collection::vec("[A-Za-z0-9_\\-=+/ ]{0,40}", 0..5)
    ) {
        let token = segments.join(".");
        decode_all(&token)?;
        if segments.len() != 3 {
            prop_assert_eq!(
                natsjwt::decode(&token).unwrap_err(),
                ClaimsError::Jws(natsjwt::jws::JwsError::SegmentCount(segments.len().max(1)))
            );
        }
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_payload_json(
        value in json_value(),
        claim_type in prop::option::of(prop::sample::select(vec![
            "operator", "account", "user", "activation", "authorization_request",
            "authorization_response", "custom",
        ])),
        seed_at in prop::option::of(seed_member()),
    ) {
        // Arbitrary JSON as it is, or shaped as claims of a type issued by the account
        // whose key signs it, with the planted seed in one member.
        let account = KeyPair::from_raw_seed(KeyKind::Account, &[2; 32]).unwrap();
        let mut value = value;
        if claim_type.is_some() || seed_at.is_some() {
            if !value.is_object() {
                value = Value::Object(serde_json::Map::new());
            }
            value["iss"] = account.public_key().as_str().into();
            if let Some(claim_type) = claim_type {
                if !value["nats"].is_object() {
                    value["nats"] = Value::Object(serde_json::Map::new());
                }
                value["nats"]["type"] = claim_type.into();
                value["nats"]["version"] = 2.into();
            }
            if let Some((under_nats, member)) = seed_at {
                if under_nats {
                    if !value["nats"].is_object() {
                        value["nats"] = Value::Object(serde_json::Map::new());
                    }
                    value["nats"][member] = planted_seed().into();
                } else {
                    value[member] = planted_seed().into();
                }
            }
        }
        let json = value.to_string();
        decode_all(&json)?;
        let unsigned = format!("{HEADER_B64}.{}.{}", b64(json.as_bytes()), "A".repeat(86));
        decode_all(&unsigned)?;
        prop_assert!(natsjwt::decode(&unsigned).is_err(), "an all-zero signature verified");
        decode_all(&signed(json.as_bytes(), &account))?;
    }
}

/// Where the planted seed goes: `(under nats, member)`, mostly members that want another
/// JSON type, so that the decoders' type errors see it.
fn seed_member() -> impl Strategy<Value = (bool, &'static str)> {
    (
        any::<bool>(),
        prop::sample::select(vec![
            "iss",
            "sub",
            "aud",
            "exp",
            "nbf",
            "iat",
            "jti",
            "name",
            "type",
            "version",
            "pub",
            "subs",
            "limits",
            "signing_keys",
            "issuer_account",
            "tags",
            "zz",
        ]),
    )
}

#[test]
fn decoders_agree_on_the_valid_tokens() {
    // The branches where decoding succeeds, taken for certain.
    for token in valid_tokens() {
        let any = natsjwt::decode(token).unwrap();
        decode_all(token).unwrap();
        assert_eq!(
            GenericClaims::decode(token).unwrap().claims().id,
            any.claims().id()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: env_cases(128), ..ProptestConfig::default() })]

    #[test]
    fn mutated_tokens_never_verify(
        which in 0usize..3,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let original = &valid_tokens()[which];
        let mutated = mutate(original, &mutations);
        decode_all(&mutated)?;
        if &mutated != original {
            prop_assert!(
                natsjwt::decode(&mutated).is_err(),
                "a mutated token verified: {}", mutated
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Creds

proptest! {
    #![proptest_config(signing_cases())]

    #[test]
    fn creds_format_then_parse_round_trips((claims, account) in user_claims(), seed in any::<[u8; 32]>()) {
        let user = KeyPair::from_raw_seed(KeyKind::User, &seed).unwrap();
        let mut claims = claims;
        claims.subject = user.public_key().to_string();
        let jwt = claims.encode_at(&account, 1_700_000_000).unwrap();
        let text = creds::format_user_creds(&jwt, user.seed().expose()).unwrap();
        let (parsed_jwt, pair) = creds::parse_user_creds(text.expose()).unwrap();
        prop_assert_eq!(&parsed_jwt, &jwt);
        prop_assert_eq!(pair.public_key(), user.public_key());
        prop_assert_eq!(creds::parse_decorated_jwt(text.expose()), jwt.as_str());
        let parsed_seed = creds::parse_decorated_user_nkey(text.expose()).unwrap().seed();
        let user_seed = user.seed();
        prop_assert_eq!(parsed_seed.expose(), user_seed.expose());
        // Windows line ends read the same.
        let crlf = text.expose().replace('\n', "\r\n");
        let (crlf_jwt, crlf_pair) = creds::parse_user_creds(&crlf).unwrap();
        prop_assert_eq!(crlf_jwt, jwt);
        prop_assert_eq!(crlf_pair.public_key(), user.public_key());
    }
}

proptest! {
    #![proptest_config(parsing_cases())]

    #[test]
    fn decorated_seeds_parse_back(
        kind in prop::sample::select(vec![KeyKind::Operator, KeyKind::Account, KeyKind::User]),
        seed in any::<[u8; 32]>(),
        before in "[ -~\n]{0,40}",
    ) {
        let pair = KeyPair::from_raw_seed(kind, &seed).unwrap();
        let decorated = creds::decorate_seed(pair.seed().expose()).unwrap();
        let parsed = creds::parse_decorated_nkey(decorated.expose()).unwrap();
        let (parsed_seed, seed) = (parsed.seed(), pair.seed());
        prop_assert_eq!(parsed_seed.expose(), seed.expose());
        // Text before the block (a JWT block, notes) does not change which seed is read.
        let with_prefix = format!("{before}\n{}", decorated.expose());
        if !before.contains("---") && !before.contains('S') {
            let parsed = creds::parse_decorated_nkey(&with_prefix).unwrap();
            prop_assert_eq!(parsed.public_key(), pair.public_key());
        }
    }

    #[test]
    fn seeds_and_public_keys_round_trip(
        kind in prop::sample::select(KeyKind::ALL.to_vec()),
        seed in any::<[u8; 32]>(),
    ) {
        // Encoded by the key types, decoded by them again (curve seeds are XKeys).
        let (encoded, public, decoded_kind, again) = if kind == KeyKind::Curve {
            let key = XKey::from_raw_seed(&seed);
            let decoded = XKey::from_seed(key.seed().expose()).unwrap();
            prop_assert_eq!(decoded.public_key(), key.public_key());
            (key.seed(), key.public_key().clone(), decoded.public_key().kind(), decoded.seed())
        } else {
            let key = KeyPair::from_raw_seed(kind, &seed).unwrap();
            let decoded = KeyPair::from_seed(key.seed().expose()).unwrap();
            prop_assert_eq!(decoded.public_key(), key.public_key());
            (key.seed(), key.public_key().clone(), decoded.kind(), decoded.seed())
        };
        prop_assert_eq!(decoded_kind, kind);
        prop_assert_eq!(public.kind(), kind);
        prop_assert_eq!(again.expose(), encoded.expose());
        // The text holds exactly these 32 bytes: base32 of the two prefix bytes (`S` and the
        // kind), the seed and a CRC-16.
        let raw = data_encoding::BASE32_NOPAD.decode(encoded.expose().as_bytes()).unwrap();
        prop_assert_eq!(raw.len(), 36);
        prop_assert_eq!(&raw[2..34], &seed[..]);
        let prefix = kind.prefix_byte();
        prop_assert_eq!([raw[0], raw[1]], [(18 << 3) | (prefix >> 5), (prefix & 0x1f) << 3]);
        let key = natsjwt::PublicKey::from_bytes(kind, seed);
        prop_assert_eq!(natsjwt::PublicKey::parse(key.as_str()).unwrap(), key);
    }
}

//! Fuzz entry points, shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and by
//! the corpus replay in the suite's `cargo test` (`suite/tests/integration/fuzz_corpus.rs`), which both
//! include this file with `#[path]`.
//!
//! Each entry point feeds the input to a group of parsers and then checks properties that
//! must hold for every input, so the fuzzer finds wrong answers as well as panics:
//! - a token that verifies has a signature that verifies independently (with the `nkeys`
//!   crate) over the segments its header's `alg` names, by an issuer of a kind allowed to
//!   sign its claim type (the table below, from Go's `ExpectedPrefixes`);
//! - a payload signed by a known key verifies exactly when its `iss` is that key and of an
//!   allowed kind;
//! - the typed decoders agree with the untyped one;
//! - whatever parses re-serialises, and re-parsing that gives the same bytes again;
//! - accepted keys and seeds are canonical and agree with the `nkeys` crate;
//! - no error message repeats a long word of the input (a seed must never be echoed);
//! - validation is deterministic, and the building blocks' rules, which run inside claims
//!   only, give the issues that Go's rules (written out here: subjects, permissions,
//!   times of day, wildcards, containment, renaming) say they must.
//!
//! Only crates the library itself depends on are used here (`natsjwt`, `nkeys`,
//! `serde_json`, `base64`), so the file also compiles as part of the library's tests.
#![allow(dead_code)]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use natsjwt::claims::{
    Account, Activation, AuthorizationRequest, AuthorizationResponse, ClaimBody, Generic, MsgTrace,
    Operator, User,
};
use natsjwt::clock::FixedClock;
use natsjwt::creds;
use natsjwt::dangerous::decode_unverified;
use natsjwt::jws::{HEADER_B64, MAX_TOKEN_SIZE};
use natsjwt::trust::Trust;
use natsjwt::types::{
    CidrList, Export, Import, JetStreamLimits, Mapping, OperatorLimits, Permission, Permissions,
    SigningKey, SigningKeys, TimeRange, UserPermissionLimits, WeightedMapping,
};
use natsjwt::validation::{Severity, TimeChecks, ValidationResults};
use natsjwt::{
    AccountClaims, AnyClaims, ClaimType, Claims, ClaimsError, KeyError, KeyKind, KeyPair,
    PublicKey, UserClaims, Verified,
};

/// A fuzz entry point.
pub type Entry = fn(&[u8]);

/// Every entry point, by the name of its fuzz target and of its `fuzz/seeds/<name>/` and
/// `fuzz/regressions/<name>/` directories.
pub const TARGETS: &[(&str, Entry)] = &[
    ("decode_token", decode_token),
    ("claims_json", claims_json),
    ("creds", creds),
    ("keys", keys),
    ("signing_keys", signing_keys),
    ("subjects", subjects),
    ("permissions", permissions),
    ("chain", chain),
    ("xkey_open", xkey_open),
    ("store", store),
];

/// Seeds of the Go vectors (`tests/data/go-jwt-v2.8.2.json`): payloads whose `iss` is one
/// of these get a real signature in [`claims_json`].
const KNOWN_SEEDS: &[&str] = &[
    "SOACCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIPAZ4", // operator
    "SOACMJRGEYTCMJRGEYTCMJRGEYTCMJRGEYTCMJRGEYTCMJRGEYTCMJW5YI", // operator signing key
    "SAACEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEITNXI", // account
    "SAACIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJHPWU", // account signing key
    "SAACKJJFEUSSKJJFEUSSKJJFEUSSKJJFEUSSKJJFEUSSKJJFEUSSKJKQW4", // account B
    "SUACGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZBOQ", // user
    "SNACOJZHE4TSOJZHE4TSOJZHE4TSOJZHE4TSOJZHE4TSOJZHE4TSOJ3BMU", // server
];

fn known_keys() -> &'static [KeyPair] {
    static KEYS: OnceLock<Vec<KeyPair>> = OnceLock::new();
    KEYS.get_or_init(|| {
        KNOWN_SEEDS
            .iter()
            .filter_map(|seed| KeyPair::from_seed(seed).ok())
            .collect()
    })
}

/// Who may sign each claim type (Go's `ExpectedPrefixes`), written out here independently
/// of the library; `None` means any key.
fn allowed_issuers(claim_type: ClaimType) -> Option<&'static [KeyKind]> {
    match claim_type {
        ClaimType::Operator => Some(&[KeyKind::Operator]),
        ClaimType::Account | ClaimType::Activation => Some(&[KeyKind::Account, KeyKind::Operator]),
        ClaimType::User | ClaimType::AuthorizationResponse => Some(&[KeyKind::Account]),
        ClaimType::AuthorizationRequest => Some(&[KeyKind::Server]),
        _ => None,
    }
}

fn issuer_allowed(claim_type: ClaimType, kind: KeyKind) -> bool {
    match allowed_issuers(claim_type) {
        None => true,
        Some(kinds) => kinds.contains(&kind),
    }
}

/// The input as text: the parsers take `&str`, so invalid UTF-8 is tried in its lossy form.
fn text_of(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A secret must never come back in an error message: no error text may contain a word
/// of the input that could be key material (16 or more characters of the base32
/// alphabet that keys and seeds are written in).
fn assert_no_echo(input: &str, message: &str) {
    let is_base32 = |c: char| c.is_ascii_uppercase() || ('2'..='7').contains(&c);
    for word in input.split(|c: char| !is_base32(c)) {
        if word.len() >= 16 {
            assert!(
                !message.contains(word),
                "error message repeats input {word:?}: {message}"
            );
        }
    }
}

fn validate_everywhen(claims: &AnyClaims) {
    for now in [
        0,
        1,
        i64::MAX,
        i64::MIN,
        claims.expires(),
        claims.issued_at(),
    ] {
        let results = claims.validate_with(&FixedClock(now));
        assert_results_consistent(&results);
    }
    assert_eq!(
        claims.validate_with(&FixedClock(0)),
        claims.validate_with(&FixedClock(0)),
        "validation is not deterministic"
    );
}

/// What validation results say about their issues agrees with the issues.
fn assert_results_consistent(results: &ValidationResults) {
    let errors = results.errors().count();
    let time_checks = results.time_checks().count();
    assert_eq!(
        errors + results.warnings().count() + time_checks,
        results.issues.len(),
        "an issue is neither an error, a warning nor a time check"
    );
    assert_eq!(results.is_blocking(TimeChecks::Excluded), errors > 0);
    assert_eq!(
        results.is_blocking(TimeChecks::Included),
        errors + time_checks > 0
    );
    assert_eq!(results.is_empty(), results.issues.is_empty());
}

/// Serialising must work for anything that parsed, and be stable after one round trip
/// (the first may normalise, e.g. Go's float text in generic claims).
fn assert_json_fixpoint(claims: &AnyClaims) {
    let json = claims
        .to_json()
        .unwrap_or_else(|e| panic!("decoded claims do not serialise: {e}"));
    let again = AnyClaims::from_json(&json)
        .unwrap_or_else(|e| panic!("own JSON does not parse: {e}\n{json}"));
    assert_eq!(
        again.claim_type(),
        claims.claim_type(),
        "claim type changed: {json}"
    );
    let json2 = again.to_json().unwrap_or_else(|e| panic!("{e}"));
    let third = AnyClaims::from_json(&json2).unwrap_or_else(|e| panic!("{e}\n{json2}"));
    assert_eq!(
        third.to_json().ok().as_deref(),
        Some(json2.as_str()),
        "JSON is not stable after a round trip"
    );
}

/// The three segments and the decoded signature of a token that decoded.
fn segments(token: &str) -> (&str, &str, Vec<u8>) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "accepted a token without 3 segments");
    let signature = URL_SAFE_NO_PAD
        .decode(parts[2])
        .unwrap_or_else(|_| panic!("accepted a non-canonical signature segment"));
    (parts[0], parts[1], signature)
}

/// Checks a verified token without the library's verification code: header `alg` against
/// the version, the issuer kind against the table, the signature with the `nkeys` crate.
fn assert_really_signed(token: &str, verified: &Verified<AnyClaims>) {
    assert!(token.len() <= MAX_TOKEN_SIZE);
    let claims = verified.claims();
    let (header_b64, payload_b64, signature) = segments(token);
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(header_b64)
            .unwrap_or_else(|_| panic!("accepted a non-canonical header segment")),
    )
    .unwrap_or_else(|e| panic!("accepted a header that is not JSON: {e}"));
    let alg = header["alg"].as_str().unwrap_or("").to_lowercase();
    let typ = header["typ"].as_str().unwrap_or("").to_uppercase();
    assert_eq!(typ, "JWT");
    // The header decides what was signed (decode refuses a header that disagrees with the
    // payload's format); `version()` is the payload's `nats.version`, which the auth and
    // generic types may leave out.
    let message = if alg == "ed25519" {
        assert_eq!(verified.version(), 1, "v1 token with another version");
        payload_b64.to_owned()
    } else {
        assert_eq!(alg, "ed25519-nkey", "accepted alg {alg:?}");
        let version_free = matches!(
            claims.claim_type(),
            ClaimType::AuthorizationRequest | ClaimType::AuthorizationResponse | ClaimType::Generic
        );
        assert!(
            verified.version() == 2 || (version_free && verified.version() <= 2),
            "{} token verified with version {}",
            claims.claim_type(),
            verified.version()
        );
        format!("{header_b64}.{payload_b64}")
    };
    let issuer = PublicKey::parse(claims.issuer())
        .unwrap_or_else(|e| panic!("verified token's iss does not parse: {e}"));
    assert!(
        issuer_allowed(claims.claim_type(), issuer.kind()),
        "{} claims accepted from a {} key",
        claims.claim_type(),
        issuer.kind()
    );
    let theirs = nkeys::KeyPair::from_public_key(claims.issuer())
        .unwrap_or_else(|e| panic!("nkeys refuses the issuer: {e}"));
    assert!(
        theirs.verify(message.as_bytes(), &signature).is_ok(),
        "nkeys does not verify a token the library verified"
    );
}

/// `T::decode` must agree with `decode`: the same claims for the token's own type, and
/// `WrongClaimType` for another concrete type. The generic reader takes every type, any
/// issuer and any version, so it may accept more, but only past the common checks.
fn assert_typed_agrees<T: ClaimBody>(token: &str, any: &Result<Verified<AnyClaims>, ClaimsError>)
where
    AnyClaims: From<Claims<T>>,
{
    let typed = Claims::<T>::decode(token);
    let claim_type = Claims::<T>::default().claim_type();
    let generic = claim_type == ClaimType::Generic;
    match (any, typed) {
        (Ok(any), Ok(typed)) => {
            if !generic {
                assert_eq!(any.claims().claim_type(), claim_type);
                assert_eq!(&AnyClaims::from(typed.into_claims()), any.claims());
            }
        }
        (Ok(_), Err(e)) if generic => {
            panic!("generic decode refuses a token decode accepts: {e}")
        }
        (Ok(any), Err(e)) => {
            assert_ne!(
                any.claims().claim_type(),
                claim_type,
                "decode accepts, typed decode refuses: {e}"
            );
            assert!(
                matches!(e, ClaimsError::WrongClaimType { .. }),
                "typed decode of another type: {e:?}"
            );
        }
        (Err(e), Ok(_)) => {
            assert!(generic, "typed decode accepts what decode refuses ({e})");
            assert!(
                matches!(
                    e,
                    ClaimsError::IssuerNotAllowed { .. }
                        | ClaimsError::UnsupportedVersion(_)
                        | ClaimsError::PayloadJson(_)
                ),
                "generic decode accepts a token decode refuses with {e:?}"
            );
        }
        (Err(_), Err(_)) => {}
    }
}

/// Fuzz target `decode_token`: any bytes as a token, through every decoder.
pub fn decode_token(data: &[u8]) {
    let text = text_of(data);
    check_token(&text);
}

fn check_token(token: &str) {
    let unverified = decode_unverified::<AnyClaims>(token);
    let verified = natsjwt::decode(token);
    match (&unverified, &verified) {
        (Err(a), Err(b)) => assert_eq!(a, b, "decode and decode_unverified disagree"),
        (Err(e), Ok(_)) => panic!("decode accepts what decode_unverified refuses: {e}"),
        (Ok(u), Ok(v)) => {
            assert_eq!(u.unverified_claims(), v.claims());
            assert_eq!(u.version(), v.version());
            assert_really_signed(token, v);
            validate_everywhen(v.claims());
            if u.header().alg().to_lowercase() != "ed25519" {
                assert_json_fixpoint(v.claims());
            }
            let decorated = creds::decorate_jwt(token)
                .unwrap_or_else(|e| panic!("a verified token does not decorate: {e}"));
            assert_eq!(creds::parse_decorated_jwt(&decorated), token);
        }
        (Ok(u), Err(e)) => {
            assert!(
                matches!(
                    e,
                    ClaimsError::InvalidIssuer(_)
                        | ClaimsError::IssuerNotAllowed { .. }
                        | ClaimsError::Signature(_)
                ),
                "decoded but failed verification with {e:?}"
            );
            let (_, payload_b64, _) = segments(token);
            assert_eq!(
                URL_SAFE_NO_PAD.decode(payload_b64).ok().as_deref(),
                Some(u.payload_json())
            );
            validate_everywhen(u.unverified_claims());
        }
    }
    assert_typed_agrees::<Operator>(token, &verified);
    assert_typed_agrees::<Account>(token, &verified);
    assert_typed_agrees::<User>(token, &verified);
    assert_typed_agrees::<Activation>(token, &verified);
    assert_typed_agrees::<AuthorizationRequest>(token, &verified);
    assert_typed_agrees::<AuthorizationResponse>(token, &verified);
    assert_typed_agrees::<Generic>(token, &verified);
}

/// Fuzz target `claims_json`: any bytes as a payload. Parsed directly with
/// `AnyClaims::from_json`, then wrapped in a v2 token signed by a known key (the one `iss`
/// names, if any): that token must verify exactly when `iss` is the signer and of a kind
/// allowed for the claim type.
pub fn claims_json(data: &[u8]) {
    let text = text_of(data);
    if let Ok(claims) = AnyClaims::from_json(&text) {
        validate_everywhen(&claims);
        if claims.to_json().is_ok() {
            assert_json_fixpoint(&claims);
        }
    }
    let mut unsigned = String::from(HEADER_B64);
    unsigned.push('.');
    URL_SAFE_NO_PAD.encode_string(data, &mut unsigned);
    // A placeholder signature: the token must parse before it is worth signing.
    let placeholder = format!("{unsigned}.{}", URL_SAFE_NO_PAD.encode([0u8; 64]));
    let Ok(unverified) = decode_unverified::<AnyClaims>(&placeholder) else {
        return;
    };
    let issuer = unverified.unverified_claims().issuer().to_owned();
    let claim_type = unverified.unverified_claims().claim_type();
    let keys = known_keys();
    let signer = keys
        .iter()
        .find(|k| k.public_key().as_str() == issuer)
        .or(keys.get(2));
    let Some(signer) = signer else {
        return;
    };
    let signature = signer.sign(unsigned.as_bytes());
    let mut token = unsigned.clone();
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    let should_verify = issuer == signer.public_key().as_str()
        && issuer_allowed(claim_type, signer.kind())
        && token.len() <= MAX_TOKEN_SIZE;
    match natsjwt::decode(&token) {
        Ok(verified) => {
            assert!(should_verify, "{claim_type} with iss {issuer:?} verified");
            assert_really_signed(&token, &verified);
            assert_eq!(verified.claims(), unverified.unverified_claims());
        }
        Err(e) => assert!(
            !should_verify,
            "signed by its issuer {issuer} but refused: {e}"
        ),
    }
    // The typed decoders agree (only the matching one and the generic one verify).
    assert_typed_agrees::<User>(&token, &natsjwt::decode(&token));
    assert_typed_agrees::<Generic>(&token, &natsjwt::decode(&token));
}

/// Fuzz target `creds`: any bytes as a creds file, decorated JWT or decorated seed.
pub fn creds(data: &[u8]) {
    let text = text_of(data);
    let text = text.as_ref();

    let jwt = creds::parse_decorated_jwt(text);
    let start = jwt.as_ptr() as usize;
    let base = text.as_ptr() as usize;
    assert!(
        start >= base && start + jwt.len() <= base + text.len(),
        "the JWT is not a slice of the input"
    );

    match creds::parse_decorated_nkey(text) {
        Ok(pair) => {
            assert!(matches!(
                pair.kind(),
                KeyKind::Operator | KeyKind::Account | KeyKind::User
            ));
            assert!(
                text.contains(pair.seed().expose()),
                "the seed found is not in the input"
            );
        }
        Err(e) => {
            assert_no_echo(text, &e.to_string());
            assert_no_echo(text, &format!("{e:?}"));
        }
    }

    match creds::parse_user_creds(text) {
        Ok((jwt, pair)) => {
            assert_eq!(pair.kind(), KeyKind::User);
            assert_eq!(jwt, creds::parse_decorated_jwt(text).trim());
            let seed = pair.seed();
            if let Ok(formatted) = creds::format_user_creds(&jwt, seed.expose()) {
                let (jwt2, pair2) = creds::parse_user_creds(formatted.expose())
                    .unwrap_or_else(|e| panic!("formatted creds do not parse: {e}"));
                assert_eq!(jwt2, jwt);
                assert_eq!(pair2.public_key(), pair.public_key());
            }
        }
        Err(e) => assert_no_echo(text, &e.to_string()),
    }

    match creds::decorate_seed(text) {
        Ok(decorated) => {
            if let Ok(pair) = KeyPair::from_seed(text)
                && matches!(
                    pair.kind(),
                    KeyKind::Operator | KeyKind::Account | KeyKind::User
                )
            {
                let back = creds::parse_decorated_nkey(decorated.expose())
                    .unwrap_or_else(|e| panic!("decorated seed does not parse: {e}"));
                assert_eq!(back.public_key(), pair.public_key());
            }
        }
        Err(e) => assert_no_echo(text, &e.to_string()),
    }

    // The input split at its first newline as a JWT and a seed.
    let (jwt, seed) = text.split_once('\n').unwrap_or((text, ""));
    match creds::format_user_creds(jwt, seed) {
        Ok(formatted) => {
            let (jwt2, pair) = creds::parse_user_creds(formatted.expose())
                .unwrap_or_else(|e| panic!("formatted creds do not parse: {e}"));
            assert_eq!(jwt2, jwt);
            assert_eq!(pair.seed().expose(), seed.trim());
        }
        Err(e) => assert_no_echo(seed, &e.to_string()),
    }
}

/// Fuzz target `keys`: any bytes as a public key, a seed or raw seed bytes.
pub fn keys(data: &[u8]) {
    let text = text_of(data);
    let text = text.as_ref();

    match PublicKey::parse(text) {
        Ok(key) => {
            assert_eq!(key.as_str(), text);
            assert_eq!(text.parse::<PublicKey>().as_ref(), Ok(&key));
            assert_eq!(PublicKey::from_bytes(key.kind(), *key.as_bytes()), key);
            for other in KeyKind::ALL {
                let parsed = PublicKey::parse_kind(text, other);
                if other == key.kind() {
                    assert_eq!(parsed.as_ref(), Ok(&key));
                } else {
                    assert_eq!(
                        parsed,
                        Err(KeyError::WrongKind {
                            expected: other,
                            found: key.kind()
                        })
                    );
                }
            }
            let theirs = nkeys::KeyPair::from_public_key(text)
                .unwrap_or_else(|e| panic!("nkeys refuses a key we accept: {e}"));
            assert_eq!(theirs.public_key(), text);
            let _ = key.verify(b"message", &[0u8; 64]);
        }
        Err(e) => {
            // No kind accepts it, for the same reason.
            for kind in KeyKind::ALL {
                assert_eq!(PublicKey::parse_kind(text, kind).err().as_ref(), Some(&e));
            }
            assert_no_echo(text, &e.to_string());
        }
    }

    // A seed loads as a signing key pair or (curve seeds) as an XKey; whichever loads
    // writes its seed back as the text (no second spelling of a seed loads).
    let pair = KeyPair::from_seed(text);
    match &pair {
        Ok(pair) => {
            assert!(pair.kind().signs());
            assert_eq!(
                pair.seed().expose(),
                text.trim(),
                "accepted a non-canonical seed"
            );
            let theirs = nkeys::KeyPair::from_seed(text.trim())
                .unwrap_or_else(|e| panic!("nkeys refuses a seed we accept: {e}"));
            assert_eq!(theirs.public_key(), pair.public_key().as_str());
            let signature = pair.sign(data);
            assert!(pair.public_key().verify(data, &signature).is_ok());
            assert!(pair.verifying_key().verify(data, &signature).is_ok());
            assert!(!format!("{pair:?}").contains(text.trim()));
        }
        Err(e) => {
            assert_no_echo(text, &e.to_string());
            assert_no_echo(text, &format!("{e:?}"));
        }
    }
    #[cfg(feature = "xkeys")]
    {
        let curve = natsjwt::XKey::from_seed(text);
        match (&pair, &curve) {
            (Ok(pair), Err(e)) => assert_eq!(
                e,
                &KeyError::WrongKind {
                    expected: KeyKind::Curve,
                    found: pair.kind()
                }
            ),
            (Err(e), Ok(key)) => {
                assert_eq!(e, &KeyError::UnsupportedKind(KeyKind::Curve));
                assert_eq!(
                    key.seed().expose(),
                    text.trim(),
                    "accepted a non-canonical curve seed"
                );
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "the seed loaders disagree"),
            (Ok(_), Ok(_)) => panic!("a seed loads as a signing key and as a curve key"),
        }
        if let Err(e) = &curve {
            assert_no_echo(text, &e.to_string());
            assert_no_echo(text, &format!("{e:?}"));
        }
    }

    if let Some((&selector, rest)) = data.split_first()
        && let Ok(raw) = <[u8; 32]>::try_from(rest)
    {
        let kind = KeyKind::ALL[usize::from(selector) % KeyKind::ALL.len()];
        match KeyPair::from_raw_seed(kind, &raw) {
            Ok(pair) => {
                assert_eq!(pair.kind(), kind);
                let seed = pair.seed();
                let again = KeyPair::from_seed_kind(seed.expose(), kind)
                    .unwrap_or_else(|e| panic!("own seed does not load: {e}"));
                assert_eq!(again.public_key(), pair.public_key());
                assert_eq!(again.seed().expose(), seed.expose());
                assert_eq!(
                    PublicKey::parse(pair.public_key().as_str()).as_ref(),
                    Ok(pair.public_key())
                );
                let theirs = nkeys::KeyPair::from_seed(seed.expose())
                    .unwrap_or_else(|e| panic!("nkeys refuses our seed: {e}"));
                assert_eq!(theirs.public_key(), pair.public_key().as_str());
            }
            Err(e) => {
                assert!(!kind.signs(), "no {kind} key pair for raw seed bytes: {e}");
                assert_eq!(e, KeyError::UnsupportedKind(kind));
                #[cfg(feature = "xkeys")]
                {
                    let key = natsjwt::XKey::from_raw_seed(&raw);
                    let seed = key.seed();
                    let again = natsjwt::XKey::from_seed(seed.expose())
                        .unwrap_or_else(|e| panic!("own curve seed does not load: {e}"));
                    assert_eq!(again.public_key(), key.public_key());
                    assert_eq!(
                        PublicKey::parse_kind(key.public_key().as_str(), KeyKind::Curve).as_ref(),
                        Ok(key.public_key())
                    );
                    let theirs = nkeys::XKey::from_seed(seed.expose())
                        .unwrap_or_else(|e| panic!("nkeys refuses our curve seed: {e}"));
                    assert_eq!(theirs.public_key(), key.public_key().as_str());
                }
            }
        }
    }
}

/// The account the part targets validate in (and whose imports they check).
const PART_ACCOUNT: &str = "ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I";
/// The user the part targets validate in.
const PART_USER: &str = "UB2PQXG2GTI4E7CGEFEEOMPJCV44HWOGZ7ANSSZIDKQR5ELCAWFKSTJX";
/// When the part targets validate (their claims have no `exp` or `nbf`).
const PART_NOW: i64 = 1_700_000_000;

/// The account imports come from in the part targets (the Go vectors' account B).
fn exporter() -> &'static str {
    known_keys()[4].public_key().as_str()
}

fn fresh_user() -> UserClaims {
    UserClaims::new(PART_USER)
}

fn fresh_account() -> AccountClaims {
    AccountClaims::new(PART_ACCOUNT)
}

/// The building blocks' rules run inside claims only: the part targets put a part into
/// fresh claims, which validate clean without it, so every issue found is the part's.
fn assert_parts_baseline() {
    assert!(validated(&fresh_user()).is_empty(), "a new user has issues");
    assert!(
        validated(&fresh_account()).is_empty(),
        "a new account has issues"
    );
}

/// The claims' validation results, checked to be consistent and deterministic.
fn validated<T: ClaimBody>(claims: &Claims<T>) -> ValidationResults {
    let results = claims.validate_with(&FixedClock(PART_NOW));
    assert_results_consistent(&results);
    assert_eq!(
        claims.validate_with(&FixedClock(PART_NOW)),
        results,
        "the same claims validate differently twice"
    );
    results
}

/// How many issues' descriptions satisfy `what`.
fn count(results: &ValidationResults, what: impl Fn(&str) -> bool) -> usize {
    results
        .issues
        .iter()
        .filter(|issue| what(&issue.description))
        .count()
}

fn all_blocking(results: &ValidationResults) -> bool {
    results
        .issues
        .iter()
        .all(|issue| issue.severity == Severity::Blocking)
}

// Go's rules for subjects, written out here independently of the library (from
// nats-io/jwt v2), to check the answers of the validation that applies them.

/// How many issues Go's `Subject.Validate` reports for `subject`.
fn go_subject_issues(subject: &str) -> usize {
    if subject.is_empty() {
        return 1;
    }
    usize::from(subject.contains(' '))
        + usize::from(subject.starts_with('.') || subject.ends_with('.'))
        + usize::from(subject.contains(".."))
}

/// How many issues Go's `Permission.Validate` reports for one entry: a subject, or a
/// subject and a queue group (an error unless `permit_queue`), or too many spaces.
fn go_permission_issues(entry: &str, permit_queue: bool) -> usize {
    match entry.split(' ').collect::<Vec<_>>().as_slice() {
        [subject] => go_subject_issues(subject),
        [subject, queue] => {
            go_subject_issues(subject) + go_subject_issues(queue) + usize::from(!permit_queue)
        }
        _ => 1,
    }
}

/// Go's `Subject.HasWildCards`.
fn go_has_wildcards(subject: &str) -> bool {
    subject.ends_with(".>")
        || subject.contains(".*.")
        || subject.ends_with(".*")
        || subject.starts_with("*.")
        || subject == "*"
        || subject == ">"
}

/// Go's `Subject.IsContainedIn`: every subject `subject` matches, `other` matches.
fn go_is_contained_in(subject: &str, other: &str) -> bool {
    let mine: Vec<&str> = subject.split('.').collect();
    let theirs: Vec<&str> = other.split('.').collect();
    let full_wildcard = theirs.last() == Some(&">");
    if mine.len() < theirs.len() || (mine.len() > theirs.len() && !full_wildcard) {
        return false;
    }
    for (i, (token, my)) in theirs.iter().zip(&mine).enumerate() {
        if i + 1 == theirs.len() && *token == ">" {
            return true;
        }
        if token != my && *token != "*" {
            return false;
        }
    }
    true
}

/// Go's `RenamingSubject.ToSubject`: `$n` tokens become `*`.
fn go_to_subject(local: &str) -> String {
    if !local.contains('$') {
        return local.to_owned();
    }
    local
        .split('.')
        .map(|token| match token.strip_prefix('$') {
            Some(number) if number.parse::<i64>().is_ok() => "*",
            _ => token,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether Go's `time.Parse("15:04:05", text)` succeeds: one or two hour digits, two
/// minute and two second digits, an optional fraction after `.` or `,`, nothing else;
/// hour below 24, minute and second below 60.
fn go_clock_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let hour_digits = bytes
        .iter()
        .take(2)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if hour_digits == 0 {
        return false;
    }
    let number = |digits: &[u8]| {
        digits
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    };
    let (hour, rest) = bytes.split_at(hour_digits);
    let [b':', m1, m2, b':', s1, s2, fraction @ ..] = rest else {
        return false;
    };
    let (minute, second) = ([*m1, *m2], [*s1, *s2]);
    if !minute.iter().chain(&second).all(u8::is_ascii_digit) {
        return false;
    }
    let fraction_ok = match fraction {
        [] => true,
        [b'.' | b',', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    fraction_ok && number(hour) < 24 && number(&minute) < 60 && number(&second) < 60
}

/// Go's `%q` of `text` when that is just the text in quotes (printable ASCII without `"`
/// or `\`); `None` otherwise, and for 58 characters, which messages may redact as a seed.
fn simple_quote(text: &str) -> Option<String> {
    let plain = text
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
    (plain && text.len() != 58).then(|| format!("\"{text}\""))
}

/// Fuzz target `signing_keys`: any bytes as an account's `signing_keys` array.
///
/// The lookups agree with each other; validated in an account, the keys give one error
/// per key (plain, or a scope's) that is not an account public key, and nothing else.
/// Re-serialising may normalise once (a scope template's limit of 0 is left out when
/// written and read back as -1, as in Go); after that a round trip changes nothing.
pub fn signing_keys(data: &[u8]) {
    let Ok(keys) = serde_json::from_slice::<SigningKeys>(data) else {
        return;
    };
    assert_eq!(keys.len(), keys.keys().count());
    assert_eq!(keys.is_empty(), keys.keys().next().is_none());
    assert!(
        keys.iter().map(|(key, _)| key).eq(keys.keys()),
        "iter and keys disagree"
    );
    let is_account_key = |key: &str| PublicKey::parse_kind(key, KeyKind::Account).is_ok();
    let (mut bad_plain, mut bad_scoped) = (0, 0);
    for (key, found) in keys.iter() {
        assert!(keys.contains(key));
        assert_eq!(keys.get(key), Some(found));
        match found {
            SigningKey::Plain => {
                assert!(found.scope().is_none());
                bad_plain += usize::from(!is_account_key(key));
            }
            SigningKey::Scoped(scope) => {
                assert_eq!(found.scope(), Some(scope));
                bad_scoped += usize::from(!is_account_key(&scope.key));
            }
        }
    }

    assert_parts_baseline();
    let mut account = fresh_account();
    account.nats.signing_keys = keys.clone();
    let results = validated(&account);
    assert_eq!(
        results.issues.len(),
        bad_plain + bad_scoped,
        "{:?}",
        results.issues
    );
    assert!(all_blocking(&results));
    assert_eq!(
        count(&results, |d| d
            .ends_with(" is not a valid account signing key")),
        bad_plain
    );
    assert_eq!(
        count(&results, |d| d.ends_with(" is not an account public key")),
        bad_scoped
    );

    let json = serde_json::to_string(&keys).unwrap_or_else(|e| panic!("{e}"));
    let once: SigningKeys =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("own JSON does not parse: {e}"));
    assert_eq!(
        once.keys().collect::<Vec<_>>(),
        keys.keys().collect::<Vec<_>>(),
        "a round trip changed the keys: {json}"
    );
    let json2 = serde_json::to_string(&once).unwrap_or_else(|e| panic!("{e}"));
    let twice: SigningKeys =
        serde_json::from_str(&json2).unwrap_or_else(|e| panic!("own JSON does not parse: {e}"));
    assert_eq!(
        twice, once,
        "signing keys are not stable after a round trip: {json2}"
    );
}

/// Fuzz target `subjects`: the input split at its first newline into two subjects `a`
/// and `b`, put into the places of claims that Go checks as subjects, times, networks
/// and time zones: user permissions, `times`, `src` and `times_location`; an account's
/// service imports (overlaps), a renaming import, exports, message trace and mappings.
/// Each validation's issues are compared with Go's rules, written out above.
pub fn subjects(data: &[u8]) {
    let text = text_of(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    assert_parts_baseline();
    check_subject_permissions(a, b);
    check_times(a, b);
    check_src(a, b);
    check_time_zone(a);
    check_service_overlaps(a, b);
    check_renaming(a, b);
    check_exports(a, b);
    check_mapping(a, b);
}

/// `a` allowed and `b` denied, under `sub` (queue groups allowed) and `pub`.
fn check_subject_permissions(a: &str, b: &str) {
    let mut user = fresh_user();
    let permission = Permission {
        allow: vec![a.to_owned()],
        deny: vec![b.to_owned()],
    };
    user.nats.permissions.subscribe = permission.clone();
    user.nats.permissions.publish = permission;
    let results = validated(&user);
    let expected = go_permission_issues(a, true)
        + go_permission_issues(b, true)
        + go_permission_issues(a, false)
        + go_permission_issues(b, false);
    assert_eq!(
        results.issues.len(),
        expected,
        "permissions {a:?} / {b:?}: {:?}",
        results.issues
    );
    assert!(all_blocking(&results));
    // Well-formed entries add nothing.
    let mut more = user.clone();
    let permissions = &mut more.nats.permissions;
    for list in [
        &mut permissions.subscribe.allow,
        &mut permissions.subscribe.deny,
        &mut permissions.publish.allow,
        &mut permissions.publish.deny,
    ] {
        list.push("a.b".into());
    }
    permissions.subscribe.allow.push("a.b q".into());
    assert_eq!(
        validated(&more),
        results,
        "a well-formed subject added an issue"
    );
}

/// The time range `a` to `b` (and a well-formed one).
fn check_times(a: &str, b: &str) {
    let mut user = fresh_user();
    user.nats.limits.times = vec![
        TimeRange::new(a, b),
        TimeRange::new("8:00:00", "17:30:00.5"),
    ];
    let results = validated(&user);
    let bad_start = usize::from(!go_clock_time(a));
    let bad_end = usize::from(!go_clock_time(b));
    assert_eq!(
        count(&results, |d| d.starts_with("time ranges start")
            || d.starts_with("start in time range")),
        bad_start,
        "start {a:?}"
    );
    assert_eq!(
        count(&results, |d| d.starts_with("time ranges end")
            || d.starts_with("end in time range")),
        bad_end,
        "end {b:?}"
    );
    assert_eq!(results.issues.len(), bad_start + bad_end);
}

/// `a` and `b` as source networks: one error per network Go's `net.ParseCIDR` refuses.
fn check_src(a: &str, b: &str) {
    let src: CidrList = [a, b].into_iter().collect();
    let mut refused = 0;
    for network in &src {
        let mut user = fresh_user();
        user.nats.limits.src = [network].into_iter().collect();
        let results = validated(&user);
        assert!(results.issues.len() <= 1);
        assert_eq!(
            count(&results, |d| d.starts_with("invalid cidr ")
                && d.ends_with(" in user src limits")),
            results.issues.len()
        );
        let accepted = results.is_empty();
        refused += usize::from(!accepted);
        // Go needs `address/bits`, bits in decimal digits, and takes an IPv4 address
        // with at most 32 bits.
        let (address, bits) = network.split_once('/').unwrap_or((network, ""));
        let decimal = !bits.is_empty() && bits.bytes().all(|c| c.is_ascii_digit());
        if accepted {
            assert!(
                network.contains('/') && decimal,
                "accepted cidr {network:?}"
            );
        }
        if address.parse::<std::net::Ipv4Addr>().is_ok()
            && decimal
            && bits.parse::<u32>().is_ok_and(|n| n <= 32)
        {
            assert!(accepted, "refused cidr {network:?}");
        }
    }
    let mut user = fresh_user();
    user.nats.limits.src = src;
    assert_eq!(validated(&user).issues.len(), refused);
}

/// `a` as `times_location`: at most one error, never for the names Go always takes, and
/// always for names Go refuses before looking for a file.
fn check_time_zone(a: &str) {
    let mut user = fresh_user();
    user.nats.limits.times_location = a.to_owned();
    let results = validated(&user);
    assert!(results.issues.len() <= 1);
    assert_eq!(
        count(&results, |d| d
            .starts_with("could not parse iana time zone by name: ")),
        results.issues.len()
    );
    if matches!(a, "" | "UTC" | "Local") {
        assert!(results.is_empty(), "time zone {a:?} refused");
    } else if a.contains("..") || a.starts_with('/') || a.starts_with('\\') {
        assert!(!results.is_empty(), "time zone {a:?} accepted");
    }
}

/// Service imports from one account overlap when one subject contains the other; a
/// subject contains itself and `>` contains every subject.
fn check_service_overlaps(a: &str, b: &str) {
    let from = exporter();
    let overlaps = |x: &str, y: &str| {
        let mut account = fresh_account();
        account.nats.imports = vec![Import::service(from, x), Import::service(from, y)];
        count(&validated(&account), |d| {
            d.starts_with("overlapping subject namespace for ")
        })
    };
    assert_eq!(
        overlaps(a, b) > 0,
        go_is_contained_in(a, b) || go_is_contained_in(b, a),
        "overlap of imports {a:?} and {b:?}"
    );
    assert!(overlaps(a, a) > 0, "{a:?} is not contained in itself");
    assert!(overlaps(a, ">") > 0, "{a:?} is not contained in >");
}

/// An import of `b` renamed to `a` (`local_subject`).
fn check_renaming(a: &str, b: &str) {
    let from = exporter();
    let mut account = fresh_account();
    let mut renamed = Import::stream(from, b);
    renamed.local_subject = a.to_owned();
    account.nats.imports = vec![renamed];
    let results = validated(&account);
    let ends_in_gt = |s: &str| s == ">" || s.ends_with(".>");
    let stars = |s: &str| s.split('.').filter(|t| *t == "*").count();
    let gt_rule = count(&results, |d| {
        d == "both, renaming subject and subject, need to end or not end in >"
    });
    let references = count(&results, |d| d.starts_with("Reference $"));
    let wildcards = count(&results, |d| {
        d == "subject does not contain enough * or reference wildcards $[0-9]"
    });
    if a.is_empty() {
        // Not renamed: none of the renaming rules apply.
        assert_eq!(gt_rule + references + wildcards, 0);
        return;
    }
    assert_eq!(gt_rule, usize::from(ends_in_gt(a) != ends_in_gt(b)));
    if !a.contains('$') {
        assert_eq!(references, 0);
        assert_eq!(wildcards, usize::from(stars(a) != stars(b)));
    }

    // A renamed service import is known by its local subject, `$n` read as `*`.
    let mut renamed = Import::service(from, b);
    renamed.local_subject = a.to_owned();
    account.nats.imports = vec![renamed, Import::service(from, ">")];
    let results = validated(&account);
    let local = go_to_subject(a);
    if let Some(quoted) = simple_quote(&local) {
        let expected = format!(
            "overlapping subject namespace for \">\" and {quoted} in same account \"{from}\""
        );
        assert!(
            results.issues.iter().any(|i| i.description == expected),
            "{a:?} is not known as {local:?}: {:?}",
            results.issues
        );
    }
}

/// A service export of `a` with an account token position, a stream export of `b` under
/// an operator that allows no wildcard exports, a message trace to `a`; and two stream
/// exports `a` and `b`, which overlap when one contains the other.
fn check_exports(a: &str, b: &str) {
    let mut account = fresh_account();
    let mut service = Export::service(a);
    service.account_token_position = 1;
    account.nats.exports = vec![service, Export::stream(b)];
    account.nats.limits.exports = 10;
    account.nats.limits.wildcards = false;
    account.nats.trace = Some(MsgTrace {
        dest: a.to_owned(),
        sampling: 50,
    });
    let results = validated(&account);
    let wild = go_has_wildcards(a);
    assert_eq!(
        count(&results, |d| d.starts_with(
            "Account Token Position can only be used with wildcard subjects"
        )),
        usize::from(!wild),
        "wildcards in {a:?}"
    );
    let first_token_is_star = a.split('.').next() == Some("*");
    assert_eq!(
        count(&results, |d| d.starts_with("Account Token Position ")),
        usize::from(!wild || !first_token_is_star)
    );
    assert_eq!(
        count(&results, |d| {
            d == "the account contains wildcard exports that are not allowed by the operator"
        }),
        usize::from(wild) + usize::from(go_has_wildcards(b))
    );
    let trace = |d: &str| d.starts_with("the account Trace.Destination ");
    let not_publish = |d: &str| d.ends_with(" is not a valid publish subject");
    assert_eq!(
        count(&results, |d| trace(d) && not_publish(d)),
        usize::from(wild)
    );
    assert_eq!(
        count(&results, |d| trace(d) && !not_publish(d)),
        usize::from(go_subject_issues(a) > 0)
    );
    assert_eq!(
        count(&results, |d| d.starts_with("subject ")),
        go_subject_issues(a) + go_subject_issues(b)
    );

    let mut account = fresh_account();
    account.nats.exports = vec![Export::stream(a), Export::stream(b)];
    let results = validated(&account);
    assert_eq!(
        count(&results, |d| d.starts_with("stream export subject ")) > 0,
        go_is_contained_in(a, b) || go_is_contained_in(b, a),
        "overlap of exports {a:?} and {b:?}"
    );
}

/// A mapping of `a` to `b` (weight 100): only the two subjects' issues.
fn check_mapping(a: &str, b: &str) {
    let mut account = fresh_account();
    account.nats.mappings = Mapping::from([(a.to_owned(), vec![WeightedMapping::new(b)])]);
    let results = validated(&account);
    assert_eq!(
        results.issues.len(),
        go_subject_issues(a) + go_subject_issues(b),
        "mapping {a:?} -> {b:?}: {:?}",
        results.issues
    );
}

/// Parses `data` as `T`, runs `check` on it, and round-trips its JSON: the first round
/// trip may normalise, the second must change nothing.
fn json_fixpoint<T>(data: &[u8], check: impl Fn(&T))
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    check(&value);
    let mut json = serde_json::to_string(&value).unwrap_or_else(|e| panic!("{e}"));
    for round in 0..2 {
        let again: T = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("own JSON does not parse: {e}\n{json}"));
        let next = serde_json::to_string(&again).unwrap_or_else(|e| panic!("{e}"));
        if round == 1 {
            assert_eq!(next, json, "JSON is not stable after a round trip");
        }
        json = next;
    }
}

/// Fuzz target `permissions`: any bytes as the JSON of permissions, user limits, exports,
/// imports, operator limits and mappings, each round-tripped and validated in claims.
pub fn permissions(data: &[u8]) {
    assert_parts_baseline();
    json_fixpoint::<Permissions>(data, |permissions| {
        // Go's `Permissions.Validate` runs on a user's permissions and on an account's
        // default permissions alike.
        let mut user = fresh_user();
        user.nats.permissions = permissions.clone();
        let mut account = fresh_account();
        account.nats.default_permissions = permissions.clone();
        assert_eq!(validated(&user), validated(&account));
    });
    json_fixpoint::<UserPermissionLimits>(data, |limits| {
        let mut user = fresh_user();
        user.nats.set_permission_limits(limits.clone());
        assert_eq!(&user.nats.permission_limits(), limits);
        let results = validated(&user);
        // The permissions' issues come first, then the limits' (errors only).
        let mut permissions_only = fresh_user();
        permissions_only.nats.permissions = limits.permissions.clone();
        let first = validated(&permissions_only);
        assert!(
            results.issues.starts_with(&first.issues),
            "the permissions' issues are not reported first"
        );
        assert!(all_blocking(&results));
    });
    json_fixpoint::<Export>(data, |export| {
        let mut account = fresh_account();
        account.nats.exports = vec![export.clone()];
        let once = validated(&account);
        // The same export twice: its issues twice, then one overlap (a subject contains
        // itself).
        account.nats.exports.push(export.clone());
        let twice = validated(&account);
        let n = once.issues.len();
        assert_eq!(twice.issues.len(), 2 * n + 1, "{:?}", twice.issues);
        assert_eq!(twice.issues.get(..n), Some(once.issues.as_slice()));
        assert_eq!(twice.issues.get(n..2 * n), Some(once.issues.as_slice()));
        let overlap = &twice.issues[2 * n];
        assert!(
            overlap.severity == Severity::Blocking
                && (overlap.description.starts_with("service export subject ")
                    || overlap.description.starts_with("stream export subject ")),
            "{overlap:?}"
        );
    });
    json_fixpoint::<Vec<Import>>(data, |imports| {
        let mut account = fresh_account();
        account.nats.imports = imports.clone();
        validated(&account);
    });
    json_fixpoint::<OperatorLimits>(data, |limits| {
        let mut account = fresh_account();
        account.nats.limits = limits.clone();
        let results = validated(&account);
        let tiers = !limits.tiered_limits.is_empty();
        let exclusive = count(&results, |d| {
            d == "JetStream Limits and tiered JetStream Limits are mutually exclusive"
        });
        let blank = count(&results, |d| {
            d == r#"Tiered JetStream Limits can not contain a blank "" tier name"#
        });
        assert_eq!(
            blank,
            usize::from(tiers && limits.tiered_limits.contains_key(""))
        );
        assert!(exclusive <= usize::from(tiers));
        if tiers && limits.jetstream.is_enabled() {
            assert_eq!(
                exclusive, 1,
                "tiers and account-wide JetStream limits accepted"
            );
        }
        if limits.jetstream == JetStreamLimits::default() {
            assert_eq!(exclusive, 0);
        }
    });
    json_fixpoint::<Mapping>(data, |mappings| {
        let mut account = fresh_account();
        account.nats.mappings = mappings.clone();
        let results = validated(&account);
        let subjects: usize = mappings
            .iter()
            .map(|(from, to)| {
                go_subject_issues(from)
                    + to.iter()
                        .map(|target| go_subject_issues(&target.subject))
                        .sum::<usize>()
            })
            .sum();
        assert_eq!(count(&results, |d| d.starts_with("subject ")), subjects);
        assert_eq!(
            count(&results, |d| d.starts_with("Mapping ")),
            results.issues.len() - subjects,
            "{:?}",
            results.issues
        );
    });
}

/// When the chain target checks expiry: after the Go vectors' `iat`, before their `exp`.
const CHAIN_NOW: i64 = 1_795_700_000;

/// The trusted operator of the chain target: the Go vectors' operator with its signing
/// key (and not strict, so its identity key may sign accounts too).
fn chain_trust() -> &'static Trust {
    static TRUST: OnceLock<Trust> = OnceLock::new();
    TRUST.get_or_init(|| {
        let keys = known_keys();
        let mut operator = natsjwt::OperatorClaims::new(keys[0].public_key().as_str());
        operator.name = "O".into();
        operator
            .nats
            .signing_keys
            .push(keys[1].public_key().to_string());
        let jwt = operator
            .encode_at(&keys[0], 1_700_000_000)
            .unwrap_or_else(|e| panic!("{e}"));
        Trust::new()
            .with_operator_jwt(&jwt)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_clock(FixedClock(CHAIN_NOW))
    })
}

/// A part of the chain input as a token: taken as is when it looks like one, else read as
/// a payload and signed (v2) by the known key its `iss` names.
fn as_token(part: &str) -> String {
    if part.starts_with("eyJ") {
        return part.to_owned();
    }
    let issuer = serde_json::from_str::<serde_json::Value>(part)
        .ok()
        .and_then(|v| v.get("iss").and_then(|i| i.as_str().map(str::to_owned)))
        .unwrap_or_default();
    let mut token = String::from(HEADER_B64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(part.as_bytes(), &mut token);
    // Signing is most of the cost of an input: an unknown issuer gets a zero signature,
    // which cannot verify either.
    let signature = known_keys()
        .iter()
        .find(|k| k.public_key().as_str() == issuer)
        .map_or([0u8; 64], |signer| signer.sign(token.as_bytes()));
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    token
}

fn assert_in_time<T>(claims: &Claims<T>, what: &str) {
    assert!(
        !(claims.expires > 0 && claims.expires <= CHAIN_NOW),
        "an expired {what} was trusted"
    );
    assert!(
        CHAIN_NOW >= claims.not_before,
        "a not-yet-valid {what} was trusted"
    );
}

/// Fuzz target `chain`: decode + validate + chain of trust. The input is up to four parts
/// separated by NUL bytes (which JSON text cannot hold): an extra operator, an account, a
/// user and an activation, each a token or a payload that the harness signs with the known
/// key its `iss` names. Whatever the trust check accepts is re-checked here against the
/// rules, written out independently: who may sign, issuer_account, revocation, time,
/// validation, scoped users and token-required exports.
pub fn chain(data: &[u8]) {
    let text = text_of(data);
    let parts: Vec<String> = text.split('\0').map(as_token).collect();
    let part = |i: usize| parts.get(i).map(String::as_str).unwrap_or("");

    let mut trust = chain_trust().clone();
    // An operator JWT is a trust anchor: it only needs its own signature.
    let _ = trust.add_operator_jwt(part(0));

    let account = match trust.verify_account(part(1)) {
        Ok(account) => account,
        Err(e) => {
            let _ = (e.link(), e.to_string());
            return;
        }
    };
    let claims = account.claims();
    let decoded = decode_unverified::<AccountClaims>(part(1))
        .unwrap_or_else(|e| panic!("trusted an account that does not decode: {e}"));
    assert_eq!(decoded.unverified_claims(), claims);
    // Several trusted operators may share a subject (say, before and after turning on
    // strict signing keys): one of them must allow this issuer.
    let strict = account.operator_is_strict();
    assert!(
        trust.operators().any(|o| o.subject == account.operator()
            && o.nats.strict_signing_key_usage == strict
            && ((claims.issuer == o.subject && !strict)
                || o.nats.signing_keys.contains(&claims.issuer))),
        "account signed by {} trusted under operator {}",
        claims.issuer,
        account.operator()
    );
    assert_in_time(claims, "account");
    assert!(
        !claims
            .validate_with(&FixedClock(CHAIN_NOW))
            .is_blocking(TimeChecks::Excluded),
        "an invalid account was trusted"
    );

    match trust.verify_user(&account, part(2)) {
        Ok(user) => {
            let u = user.claims();
            assert_eq!(user.account(), claims.subject);
            let named = if u.nats.issuer_account.is_empty() {
                &u.issuer
            } else {
                &u.nats.issuer_account
            };
            assert_eq!(named, &claims.subject, "user of another account trusted");
            let by_identity = u.issuer == claims.subject;
            let scope = claims.nats.signing_keys.get(&u.issuer);
            assert!(
                scope.is_some() || (by_identity && !account.operator_is_strict()),
                "user signed by {} trusted",
                u.issuer
            );
            assert_eq!(
                user.is_scoped(),
                matches!(scope, Some(SigningKey::Scoped(_)))
            );
            if user.is_scoped() {
                assert!(
                    u.nats.has_empty_permissions(),
                    "scoped user with its own permissions"
                );
            }
            assert!(
                !claims.nats.revocations.is_revoked(&u.subject, u.issued_at),
                "revoked user trusted"
            );
            assert_in_time(u, "user");
            assert!(
                !u.validate_with(&FixedClock(CHAIN_NOW))
                    .is_blocking(TimeChecks::Excluded),
                "an invalid user was trusted"
            );
            let granted = user.effective_permissions();
            assert!(
                !(granted.bearer_token && claims.nats.limits.disallow_bearer),
                "bearer user trusted by an account that disallows bearer tokens"
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    let importer = decode_unverified::<AnyClaims>(part(3))
        .map(|u| u.unverified_claims().subject().to_owned())
        .unwrap_or_default();
    match trust.verify_activation(&account, &importer, part(3)) {
        Ok(activation) => {
            let a = activation.claims();
            assert_eq!(a.subject, importer);
            if a.nats.issuer_account.is_empty() {
                assert_eq!(a.issuer, claims.subject);
            } else {
                assert_eq!(a.nats.issuer_account, claims.subject);
                assert!(claims.nats.signing_keys.contains(&a.issuer));
            }
            let export = claims.nats.exports.iter().find(|e| {
                e.token_req
                    && e.export_type == a.nats.kind
                    && go_is_contained_in(&a.nats.subject, &e.subject)
            });
            let export =
                export.unwrap_or_else(|| panic!("activation without a token-required export"));
            assert!(!export.is_revoked(&a.subject, a.issued_at));
            // Go's `IsClaimRevoked` also counts an activation without `sub` or `iat` as
            // revoked; the chain check only looks at the export's revocations.
            if !a.subject.is_empty() && a.issued_at != 0 {
                assert!(!a.is_revoked_by(export), "a revoked activation was trusted");
            }
            assert_in_time(a, "activation");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Fuzz target `xkey_open`: any bytes as a sealed message from a fixed sender to a fixed
/// recipient, and as curve key text. An opened message must be exactly what sealing its
/// plaintext with its nonce gives (no second form of a sealed message opens).
pub fn xkey_open(data: &[u8]) {
    #[cfg(feature = "xkeys")]
    {
        use natsjwt::XKey;
        let header = XKey::VERSION.len() + XKey::NONCE_LENGTH;
        let recipient = XKey::from_raw_seed(&[7u8; 32]);
        let sender = XKey::from_raw_seed(&[8u8; 32]);
        match recipient.open(data, sender.public_key()) {
            Ok(plain) => {
                let mut nonce = [0u8; XKey::NONCE_LENGTH];
                nonce.copy_from_slice(&data[XKey::VERSION.len()..header]);
                let again = sender
                    .seal_with_nonce(&plain, recipient.public_key(), nonce)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(again, data, "a second form of a sealed message opened");
                // Only the sender's key opens it.
                let other = XKey::from_raw_seed(&[9u8; 32]);
                assert_eq!(
                    recipient.open(data, other.public_key()),
                    Err(KeyError::OpenFailed)
                );
            }
            Err(KeyError::SealedTooShort(n)) => {
                assert_eq!(n, data.len());
                assert!(n <= header);
            }
            Err(KeyError::UnknownSealVersion) => {
                assert!(data.len() > header);
                assert!(!data.starts_with(XKey::VERSION));
            }
            Err(KeyError::OpenFailed) => {
                assert!(data.len() > header && data.starts_with(XKey::VERSION));
            }
            Err(other) => panic!("unexpected error opening: {other:?}"),
        }
        // A signing key is not a curve key.
        let user = known_keys()[5].public_key();
        assert!(matches!(
            recipient.open(data, user),
            Err(KeyError::WrongKind {
                expected: KeyKind::Curve,
                found: KeyKind::User
            }) | Err(KeyError::SealedTooShort(_))
                | Err(KeyError::UnknownSealVersion)
        ));

        let text = text_of(data);
        match XKey::from_seed(&text) {
            Ok(key) => {
                assert_eq!(key.seed().expose(), text.trim());
                let theirs = nkeys::XKey::from_seed(text.trim())
                    .unwrap_or_else(|e| panic!("nkeys refuses a curve seed we accept: {e}"));
                assert_eq!(theirs.public_key(), key.public_key().as_str());
                assert!(!format!("{key:?}").contains(text.trim()));
            }
            Err(e) => assert_no_echo(&text, &e.to_string()),
        }
        if let Ok(key) = PublicKey::parse_kind(&text, KeyKind::Curve) {
            let sealed = sender.seal_with_nonce(b"x", &key, [0u8; XKey::NONCE_LENGTH]);
            if let Ok(sealed) = sealed {
                assert!(sealed.starts_with(XKey::VERSION));
            }
        }
    }
    #[cfg(not(feature = "xkeys"))]
    let _ = data;
}

/// The operator JWT of the `store` target's tree: signed by the known operator key.
fn store_operator_jwt() -> &'static str {
    static JWT: OnceLock<String> = OnceLock::new();
    JWT.get_or_init(|| {
        let key = &known_keys()[0];
        let mut operator = natsjwt::OperatorClaims::new(key.public_key().as_str());
        operator.name = "demo".into();
        operator
            .encode_at(key, 1_700_000_000)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Fuzz target `store`: the input split at its first newline as an operator store's
/// `.nsc` and as the seed file of the known user key, in an nsc tree
/// (`natsjwt::store::DirStore`) that is otherwise sound. The store opens exactly when
/// both are; then the seed reads back as that key. Otherwise the problems name only
/// those two files (the seed file exactly when it does not hold that seed, surrounding
/// whitespace aside), a `.nsc` that is nsc's own is never one, one that is not a JSON
/// object always is, and no message repeats the input.
pub fn store(data: &[u8]) {
    use natsjwt::store::{DirStore, Store, StoreError, StorePaths};

    let split = data.iter().position(|&b| b == b'\n');
    let (info, seed) = match split {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    let user = &known_keys()[5];
    let public = user.public_key().to_string();

    // One tree per process, made once: each input rewrites only its two files.
    static ROOT: OnceLock<std::path::PathBuf> = OnceLock::new();
    let root = ROOT.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("natsjwt-fuzz-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let operator_dir = root.join("stores/demo");
        std::fs::create_dir_all(operator_dir.join("accounts")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(operator_dir.join("demo.jwt"), store_operator_jwt())
            .unwrap_or_else(|e| panic!("{e}"));
        root
    });
    let paths = StorePaths::under(root);
    let info_path = paths.stores.join("demo/.nsc");
    let seed_path = paths
        .keys
        .join(format!("keys/U/{}/{public}.nk", &public[1..3]));
    std::fs::create_dir_all(seed_path.parent().unwrap()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&info_path, info).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&seed_path, seed).unwrap_or_else(|e| panic!("{e}"));

    let seed_ok = std::str::from_utf8(seed).map(str::trim) == Ok(user.seed().expose());
    let canonical = br#"{"managed":false,"name":"demo","kind":"operator","version":"1"}"#;
    let info_object = matches!(
        serde_json::from_slice::<serde_json::Value>(info),
        Ok(serde_json::Value::Object(_))
    );
    match DirStore::open(&paths, "demo") {
        Ok(store) => {
            assert!(seed_ok, "a store with a wrong seed file opened");
            assert!(
                info_object,
                "a store whose .nsc is not a JSON object opened"
            );
            assert_eq!(store.key_public_keys().unwrap_or_default(), vec![public]);
            let key = store
                .key(user.public_key().as_str())
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("the seed is gone"));
            assert_eq!(key.public_key(), user.public_key());
            assert!(store.check().is_empty());
        }
        Err(StoreError::Invalid(problems)) => {
            assert!(!problems.is_empty());
            let names_seed = problems.iter().any(|p| p.path == seed_path);
            let names_info = problems.iter().any(|p| p.path == info_path);
            assert!(
                problems
                    .iter()
                    .all(|p| p.path == seed_path || p.path == info_path),
                "{problems:?}"
            );
            assert_eq!(names_seed, !seed_ok, "{problems:?}");
            if info == canonical {
                assert!(!names_info, "{problems:?}");
            }
            if !info_object {
                assert!(names_info, "{problems:?}");
            }
            let error = StoreError::Invalid(problems);
            for message in [error.to_string(), format!("{error:?}")] {
                // Paths name the known key; `.nsc`'s own text may be quoted, its seeds not.
                let message = message.replace(&public, "<public key>");
                let info = String::from_utf8_lossy(info);
                assert_no_seed(&info, &message);
                // The seed file's words, except those the `.nsc` also holds (and may quote).
                let seed = String::from_utf8_lossy(seed);
                let is_base32 = |c: char| c.is_ascii_uppercase() || ('2'..='7').contains(&c);
                for word in seed.split(|c: char| !is_base32(c)) {
                    if word.len() >= 16 && !info.contains(word) {
                        assert!(
                            !message.contains(word),
                            "error message repeats the seed file's {word:?}: {message}"
                        );
                    }
                }
            }
        }
        Err(other) => panic!("unexpected error opening: {other:?}"),
    }
}

/// No seed written anywhere in `input` (58 characters that decode as one) is in `message`.
fn assert_no_seed(input: &str, message: &str) {
    let chars: Vec<char> = input.chars().collect();
    for window in chars.windows(58) {
        let candidate: String = window.iter().collect();
        if candidate.starts_with('S') && KeyPair::from_seed(&candidate).is_ok() {
            assert!(
                !message.contains(&candidate),
                "error message repeats a seed of the input: {message}"
            );
        }
    }
}

//! Fuzz entry points, shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and by
//! the corpus replay in the library's `cargo test` (`tests/fuzz_corpus.rs`), which both
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
//! - no error message repeats a long word of the input (a seed must never be echoed).
//!
//! Only crates the library itself depends on are used here (`natsjwt`, `nkeys`,
//! `serde_json`, `base64`), so the file also compiles as part of the library's tests.
#![allow(dead_code)]

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use natsjwt::claims::{
    Account, Activation, AuthorizationRequest, AuthorizationResponse, ClaimBody, Generic, Operator,
    User,
};
use natsjwt::creds;
use natsjwt::keys::{decode_seed, encode_seed, is_valid_public_key, public_key_kind};
use natsjwt::types::limits::{is_valid_cidr, is_valid_time_zone};
use natsjwt::types::permissions::parse_clock_time;
use natsjwt::types::subjects::{
    count_token_wildcards, has_wildcards, is_contained_in, renaming_to_subject,
    validate_renaming_subject, validate_subject,
};
use natsjwt::types::{
    Export, Import, Mapping, OperatorLimits, Permission, Permissions, SigningKeys, TimeRange,
    UserPermissionLimits,
};
use natsjwt::{
    AnyClaims, ClaimType, Claims, DecodeError, FixedClock, KeyKind, KeyPair, PublicKey,
    ValidationResults, Verified,
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
        let _ = results.is_blocking(true);
    }
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
    assert!(token.len() <= natsjwt::token::MAX_TOKEN_SIZE);
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
fn assert_typed_agrees<T: ClaimBody>(token: &str, any: &Result<Verified<AnyClaims>, DecodeError>)
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
                matches!(e, DecodeError::WrongClaimType { .. }),
                "typed decode of another type: {e:?}"
            );
        }
        (Err(e), Ok(_)) => {
            assert!(generic, "typed decode accepts what decode refuses ({e})");
            assert!(
                matches!(
                    e,
                    DecodeError::IssuerNotAllowed { .. }
                        | DecodeError::UnsupportedVersion(_)
                        | DecodeError::PayloadJson(_)
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
    let unverified = natsjwt::decode_unverified(token);
    let verified = natsjwt::decode(token);
    match (&unverified, &verified) {
        (Err(a), Err(b)) => assert_eq!(a, b, "decode and decode_unverified disagree"),
        (Err(e), Ok(_)) => panic!("decode accepts what decode_unverified refuses: {e}"),
        (Ok(u), Ok(v)) => {
            assert_eq!(u.unverified_claims(), v.claims());
            assert_eq!(u.version(), v.version());
            assert_really_signed(token, v);
            validate_everywhen(v.claims());
            if u.header().alg.to_lowercase() != "ed25519" {
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
                    DecodeError::InvalidIssuer(_)
                        | DecodeError::IssuerNotAllowed { .. }
                        | DecodeError::Signature(_)
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
    let mut unsigned = String::from(natsjwt::token::HEADER_B64);
    unsigned.push('.');
    URL_SAFE_NO_PAD.encode_string(data, &mut unsigned);
    // A placeholder signature: the token must parse before it is worth signing.
    let placeholder = format!("{unsigned}.{}", URL_SAFE_NO_PAD.encode([0u8; 64]));
    let Ok(unverified) = natsjwt::decode_unverified(&placeholder) else {
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
        && token.len() <= natsjwt::token::MAX_TOKEN_SIZE;
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
            if let Ok(pair) = KeyPair::from_seed(text) {
                if matches!(
                    pair.kind(),
                    KeyKind::Operator | KeyKind::Account | KeyKind::User
                ) {
                    let back = creds::parse_decorated_nkey(decorated.expose())
                        .unwrap_or_else(|e| panic!("decorated seed does not parse: {e}"));
                    assert_eq!(back.public_key(), pair.public_key());
                }
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
            assert_eq!(PublicKey::from_bytes(key.kind(), *key.as_bytes()), key);
            assert!(is_valid_public_key(text, key.kind()));
            assert_eq!(public_key_kind(text), Some(key.kind()));
            for other in KeyKind::ALL {
                assert_eq!(
                    PublicKey::parse_kind(text, other).is_ok(),
                    other == key.kind()
                );
            }
            let theirs = nkeys::KeyPair::from_public_key(text)
                .unwrap_or_else(|e| panic!("nkeys refuses a key we accept: {e}"));
            assert_eq!(theirs.public_key(), text);
            let _ = key.verify(b"message", &[0u8; 64]);
        }
        Err(e) => {
            assert_eq!(public_key_kind(text), None);
            assert_no_echo(text, &e.to_string());
        }
    }

    match decode_seed(text) {
        Ok((kind, bytes)) => {
            assert_eq!(
                encode_seed(kind, &bytes).expose(),
                text,
                "accepted a non-canonical seed"
            );
        }
        Err(e) => assert_no_echo(text, &e.to_string()),
    }

    match KeyPair::from_seed(text) {
        Ok(pair) => {
            assert_eq!(pair.seed().expose(), text.trim());
            let theirs = nkeys::KeyPair::from_seed(text.trim())
                .unwrap_or_else(|e| panic!("nkeys refuses a seed we accept: {e}"));
            assert_eq!(theirs.public_key(), pair.public_key().as_str());
            let signature = pair.sign(data);
            assert!(pair.public_key().verify(data, &signature).is_ok());
            assert!(!format!("{pair:?}").contains(text.trim()));
        }
        Err(e) => {
            assert_no_echo(text, &e.to_string());
            assert_no_echo(text, &format!("{e:?}"));
        }
    }

    if let Some((&selector, rest)) = data.split_first() {
        if let Ok(raw) = <[u8; 32]>::try_from(rest) {
            let kind = KeyKind::ALL[usize::from(selector) % KeyKind::ALL.len()];
            if let Ok(pair) = KeyPair::from_raw_seed(kind, &raw) {
                let seed = pair.seed();
                let again = KeyPair::from_seed_kind(seed.expose(), kind)
                    .unwrap_or_else(|e| panic!("own seed does not load: {e}"));
                assert_eq!(again.public_key(), pair.public_key());
                assert_eq!(
                    PublicKey::parse(pair.public_key().as_str()).as_ref(),
                    Ok(pair.public_key())
                );
            }
        }
    }
}

/// Fuzz target `signing_keys`: any bytes as an account's `signing_keys` array.
///
/// Re-serialising may normalise once (a scope template's limit of 0 is left out when
/// written and read back as -1, as in Go); after that a round trip changes nothing.
pub fn signing_keys(data: &[u8]) {
    let Ok(keys) = serde_json::from_slice::<SigningKeys>(data) else {
        return;
    };
    let mut vr = ValidationResults::new();
    keys.validate(&mut vr);
    for key in keys.keys() {
        let _ = keys.get(key);
    }
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

/// Fuzz target `subjects`: the input split at its first newline into two subjects, through
/// the subject, renaming, permission, time and CIDR checks.
pub fn subjects(data: &[u8]) {
    let text = text_of(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    let mut vr = ValidationResults::new();
    validate_subject(a, &mut vr);
    validate_subject(b, &mut vr);
    let _ = has_wildcards(a);
    let _ = count_token_wildcards(a);
    assert!(is_contained_in(a, a), "{a:?} is not contained in itself");
    assert!(is_contained_in(a, ">"), "{a:?} is not contained in >");
    let _ = is_contained_in(a, b);
    validate_renaming_subject(a, b, &mut vr);
    let plain = renaming_to_subject(a);
    assert!(plain.len() <= a.len());
    let permission = Permission {
        allow: vec![a.to_owned()],
        deny: vec![b.to_owned()],
    };
    permission.validate(&mut vr, true);
    permission.validate(&mut vr, false);
    TimeRange::new(a, b).validate(&mut vr);
    if let Some(seconds) = parse_clock_time(a) {
        assert!(seconds < 24 * 3600, "{a:?} parsed as {seconds} s");
    }
    let _ = is_valid_cidr(a);
    let _ = is_valid_time_zone(a);
    let _ = vr.is_blocking(true);
}

fn json_fixpoint<T>(data: &[u8], validate: impl Fn(&T, &mut ValidationResults))
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let mut vr = ValidationResults::new();
    validate(&value, &mut vr);
    // The first round trip may normalise; the second must change nothing.
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
/// imports, operator limits and mappings, each validated and round-tripped.
pub fn permissions(data: &[u8]) {
    json_fixpoint::<Permissions>(data, |p, vr| p.validate(vr));
    json_fixpoint::<UserPermissionLimits>(data, |p, vr| p.validate(vr));
    json_fixpoint::<Export>(data, |e, vr| e.validate(vr));
    json_fixpoint::<Vec<Import>>(data, |imports, vr| {
        natsjwt::types::imports::validate_imports(
            imports,
            "ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I",
            vr,
        )
    });
    json_fixpoint::<OperatorLimits>(data, |l, vr| l.validate(vr));
    json_fixpoint::<Mapping>(data, |m, vr| {
        natsjwt::types::mappings::validate_mappings(m, vr)
    });
}

/// When the chain target checks expiry: after the Go vectors' `iat`, before their `exp`.
const CHAIN_NOW: i64 = 1_795_700_000;

/// The trusted operator of the chain target: the Go vectors' operator with its signing
/// key (and not strict, so its identity key may sign accounts too).
fn chain_trust() -> &'static natsjwt::Trust {
    static TRUST: OnceLock<natsjwt::Trust> = OnceLock::new();
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
        natsjwt::Trust::new()
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
    let mut token = String::from(natsjwt::token::HEADER_B64);
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
    let decoded = natsjwt::AccountClaims::decode_unverified(part(1))
        .unwrap_or_else(|e| panic!("trusted an account that does not decode: {e}"));
    assert_eq!(decoded.unverified_claims(), claims);
    // Several trusted operators may share a subject (say, before and after turning on
    // strict signing keys): one of them must allow this issuer.
    let strict = account.operator_is_strict();
    assert!(
        trust
            .operators()
            .iter()
            .any(|o| o.subject == account.operator()
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
            .is_blocking(false),
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
            assert_eq!(user.is_scoped(), matches!(scope, Some(Some(_))));
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
                !u.validate_with(&FixedClock(CHAIN_NOW)).is_blocking(false),
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

    let importer = natsjwt::decode_unverified(part(3))
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
                    && is_contained_in(&a.nats.subject, &e.subject)
            });
            let export =
                export.unwrap_or_else(|| panic!("activation without a token-required export"));
            assert!(!export.is_revoked(&a.subject, a.issued_at));
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
        use natsjwt::xkeys::{XKeyError, NONCE_LENGTH, XKEY_VERSION};
        use natsjwt::XKey;
        let recipient = XKey::from_raw_seed(&[7u8; 32]);
        let sender = XKey::from_raw_seed(&[8u8; 32]);
        match recipient.open(data, sender.public_key()) {
            Ok(plain) => {
                let mut nonce = [0u8; NONCE_LENGTH];
                nonce.copy_from_slice(&data[4..4 + NONCE_LENGTH]);
                let again = sender
                    .seal_with_nonce(&plain, recipient.public_key(), nonce)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(again, data, "a second form of a sealed message opened");
                // Only the sender's key opens it.
                let other = XKey::from_raw_seed(&[9u8; 32]);
                assert_eq!(
                    recipient.open(data, other.public_key()),
                    Err(XKeyError::OpenFailed)
                );
            }
            Err(XKeyError::TooShort(n)) => {
                assert_eq!(n, data.len());
                assert!(n <= XKEY_VERSION.len() + NONCE_LENGTH);
            }
            Err(XKeyError::UnknownVersion) => assert!(!data.starts_with(XKEY_VERSION)),
            Err(XKeyError::OpenFailed) => {}
            Err(other) => panic!("unexpected error opening: {other:?}"),
        }
        // A signing key is not a curve key.
        let user = known_keys()[5].public_key();
        assert!(matches!(
            recipient.open(data, user),
            Err(XKeyError::Key(_)) | Err(XKeyError::TooShort(_)) | Err(XKeyError::UnknownVersion)
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
            let sealed = sender.seal_with_nonce(b"x", &key, [0u8; NONCE_LENGTH]);
            if let Ok(sealed) = sealed {
                assert!(sealed.starts_with(XKEY_VERSION));
            }
        }
    }
    #[cfg(not(feature = "xkeys"))]
    let _ = data;
}

//! Hostile tokens, keys and seeds: each case names the exact error the decoder must give.
//!
//! Tokens are built by hand here (header and payload JSON chosen by the test, signed with
//! fixed keys), so every case is reproducible and isolates one defect: a case that should
//! fail only for its named reason carries a valid signature by an allowed issuer.
use crate::common::tokens::{V1_HEADER, b64, pair, signed_v1, signed_v2};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use natsjwt::clock::FixedClock;
use natsjwt::dangerous::decode_unverified;
use natsjwt::jws::{HEADER_B64, HEADER_JSON, JwsError, MAX_TOKEN_SIZE, Segment};
use natsjwt::validation::{Severity, ValidationIssue};
use natsjwt::{
    AccountClaims, AnyClaims, ClaimType, ClaimsError, GenericClaims, KeyError, KeyKind, KeyPair,
    PublicKey, UserClaims, XKey,
};

fn operator() -> KeyPair {
    pair(KeyKind::Operator, 1)
}
fn account() -> KeyPair {
    pair(KeyKind::Account, 2)
}
fn other_account() -> KeyPair {
    pair(KeyKind::Account, 3)
}
fn user() -> KeyPair {
    pair(KeyKind::User, 4)
}
fn server() -> KeyPair {
    pair(KeyKind::Server, 5)
}

/// A user payload issued by the account key `issuer`, in the library's own JSON, with
/// `edit` applied.
fn user_payload(issuer: &KeyPair, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut claims = UserClaims::new(user().public_key().as_str());
    claims.name = "alice".into();
    let token = claims.encode_at(issuer, 1_700_000_000).unwrap();
    let unverified = decode_unverified::<AnyClaims>(&token).unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(unverified.payload_json()).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// A valid user token signed by the account, and its three segments.
fn valid_user_token() -> (String, [String; 3]) {
    let token = signed_v2(HEADER_JSON, &user_payload(&account(), |_| {}), &account());
    let parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    assert!(
        natsjwt::decode(&token).is_ok(),
        "the baseline token verifies"
    );
    (
        token.clone(),
        [parts[0].clone(), parts[1].clone(), parts[2].clone()],
    )
}

fn decode_err(token: &str) -> ClaimsError {
    match natsjwt::decode(token) {
        Ok(v) => panic!("accepted: {:?}", v.claims()),
        Err(e) => e,
    }
}

fn payload_error_contains(token: &str, needle: &str) {
    match decode_err(token) {
        ClaimsError::PayloadJson(error) => {
            let message = error.to_string();
            assert!(message.contains(needle), "{message:?} lacks {needle:?}")
        }
        other => panic!("expected PayloadJson({needle}…), got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Header: alg and typ

#[test]
fn alg_none_is_refused() {
    let payload = user_payload(&account(), |_| {});
    let token = format!(
        "{}.{}.",
        b64(r#"{"typ":"JWT","alg":"none"}"#),
        b64(&payload)
    );
    assert_eq!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::UnsupportedAlgorithm("none".into()))
    );
    // Even with a valid signature.
    let token = signed_v2(r#"{"typ":"JWT","alg":"none"}"#, &payload, &account());
    assert_eq!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::UnsupportedAlgorithm("none".into()))
    );
}

#[test]
fn alg_hs256_and_rs256_are_refused() {
    let payload = user_payload(&account(), |_| {});
    for alg in ["HS256", "RS256", "EdDSA", ""] {
        let header = format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#);
        let token = signed_v2(&header, &payload, &account());
        assert_eq!(
            decode_err(&token),
            ClaimsError::Jws(JwsError::UnsupportedAlgorithm(alg.into())),
            "{alg}"
        );
    }
}

#[test]
fn missing_or_odd_typ_is_refused() {
    let payload = user_payload(&account(), |_| {});
    let token = signed_v2(r#"{"alg":"ed25519-nkey"}"#, &payload, &account());
    assert_eq!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::UnsupportedType(String::new()))
    );
    for typ in ["JWS", "JOSE", "jwt ", "at+jwt"] {
        let header = format!(r#"{{"typ":"{typ}","alg":"ed25519-nkey"}}"#);
        let token = signed_v2(&header, &payload, &account());
        assert_eq!(
            decode_err(&token),
            ClaimsError::Jws(JwsError::UnsupportedType(typ.into())),
            "{typ}"
        );
    }
}

#[test]
fn header_with_wrong_json_types_is_refused() {
    let payload = user_payload(&account(), |_| {});
    for header in [
        r#"{"typ":"JWT","alg":5}"#,
        r#"{"typ":["JWT"],"alg":"ed25519-nkey"}"#,
        "null",
        "",
    ] {
        let token = signed_v2(header, &payload, &account());
        let error = decode_err(&token);
        assert!(
            matches!(error, ClaimsError::Jws(JwsError::HeaderJson(_))),
            "{header}: {error:?}"
        );
    }
}

#[test]
fn header_as_json_array_is_refused() {
    // serde's derived Deserialize reads a sequence as a struct; Go refuses an array.
    let payload = user_payload(&account(), |_| {});
    let token = signed_v2(r#"["JWT","ed25519-nkey"]"#, &payload, &account());
    assert!(matches!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::HeaderJson(_))
    ));
}

#[test]
fn duplicate_alg_in_header_is_refused() {
    // Go keeps the last member; a verifier that kept the first would see "none".
    let payload = user_payload(&account(), |_| {});
    let token = signed_v2(
        r#"{"typ":"JWT","alg":"none","alg":"ed25519-nkey"}"#,
        &payload,
        &account(),
    );
    match decode_err(&token) {
        ClaimsError::Jws(JwsError::HeaderJson(error)) => {
            let message = error.to_string();
            assert!(message.contains("duplicate field"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Segments and base64

#[test]
fn two_or_four_segments_are_refused() {
    let (token, [header, payload, _]) = valid_user_token();
    assert_eq!(
        decode_err(&format!("{header}.{payload}")),
        ClaimsError::Jws(JwsError::SegmentCount(2))
    );
    assert_eq!(
        decode_err(&format!("{token}.")),
        ClaimsError::Jws(JwsError::SegmentCount(4))
    );
    assert_eq!(
        decode_err(&format!("{token}.{payload}")),
        ClaimsError::Jws(JwsError::SegmentCount(4))
    );
    assert_eq!(
        decode_err(&header),
        ClaimsError::Jws(JwsError::SegmentCount(1))
    );
    assert_eq!(decode_err(""), ClaimsError::Jws(JwsError::SegmentCount(1)));
    assert!(matches!(
        decode_err(".."),
        ClaimsError::Jws(JwsError::HeaderJson(_))
    ));
}

#[test]
fn padded_base64_is_refused_in_each_segment() {
    let (_, [header, payload, signature]) = valid_user_token();
    let pad = |segment: &str| URL_SAFE.encode(URL_SAFE_NO_PAD.decode(segment).unwrap());
    // The fixed header is 35 bytes, so its padded form really has padding.
    assert!(pad(&header).ends_with('='));
    assert!(pad(&signature).ends_with("=="));
    assert_eq!(
        decode_err(&format!("{}.{payload}.{signature}", pad(&header))),
        ClaimsError::Jws(JwsError::Base64(Segment::Header))
    );
    let padded_payload = pad(&payload);
    if padded_payload.ends_with('=') {
        assert_eq!(
            decode_err(&format!("{header}.{padded_payload}.{signature}")),
            ClaimsError::Jws(JwsError::Base64(Segment::Payload))
        );
    }
    assert_eq!(
        decode_err(&format!("{header}.{payload}.{}", pad(&signature))),
        ClaimsError::Jws(JwsError::Base64(Segment::Signature))
    );
}

#[test]
fn standard_alphabet_base64_is_refused() {
    // "~~~" encodes to "fn5+" in the standard alphabet and "fn5-" in base64url.
    let payload = user_payload(&account(), |v| v["name"] = "~~~~~~~~~~~~".into());
    let url = b64(&payload);
    let standard = STANDARD.encode(&payload).trim_end_matches('=').to_owned();
    assert_ne!(url, standard, "the payload exercises '+' or '/'");
    let input = format!("{HEADER_B64}.{standard}");
    let token = format!("{input}.{}", b64(account().sign(input.as_bytes())));
    assert_eq!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::Base64(Segment::Payload))
    );
}

#[test]
fn non_canonical_trailing_bits_are_refused() {
    // 64 signature bytes leave 2 unused bits in the last character; setting them gives a
    // second spelling of the same signature, which must not verify.
    let (_, [header, payload, signature]) = valid_user_token();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *signature.as_bytes().last().unwrap();
    let index = alphabet.iter().position(|&c| c == last).unwrap();
    let twin = alphabet[index | 1] as char;
    assert_ne!(
        twin as u8, last,
        "the canonical form has the low bits clear"
    );
    let mut forged = signature.clone();
    forged.pop();
    forged.push(twin);
    assert_eq!(
        decode_err(&format!("{header}.{payload}.{forged}")),
        ClaimsError::Jws(JwsError::Base64(Segment::Signature))
    );
}

#[test]
fn whitespace_anywhere_is_refused() {
    let (token, [header, payload, signature]) = valid_user_token();
    assert_eq!(
        decode_err(&format!(" {token}")),
        ClaimsError::Jws(JwsError::Base64(Segment::Header))
    );
    assert_eq!(
        decode_err(&format!("{token}\n")),
        ClaimsError::Jws(JwsError::Base64(Segment::Signature))
    );
    assert_eq!(
        decode_err(&format!("{token}\r\n")),
        ClaimsError::Jws(JwsError::Base64(Segment::Signature))
    );
    let (left, right) = payload.split_at(20);
    assert_eq!(
        decode_err(&format!("{header}.{left}\n{right}.{signature}")),
        ClaimsError::Jws(JwsError::Base64(Segment::Payload))
    );
    assert_eq!(
        decode_err(&format!("{header}.{left} {right}.{signature}")),
        ClaimsError::Jws(JwsError::Base64(Segment::Payload))
    );
}

#[test]
fn one_mebibyte_plus_one_byte_is_refused_before_parsing() {
    let too_big = "a".repeat(MAX_TOKEN_SIZE + 1);
    assert_eq!(
        decode_err(&too_big),
        ClaimsError::Jws(JwsError::TooLarge {
            size: MAX_TOKEN_SIZE + 1,
            max: MAX_TOKEN_SIZE
        })
    );
    assert_eq!(
        decode_unverified::<AnyClaims>(&too_big).unwrap_err(),
        ClaimsError::Jws(JwsError::TooLarge {
            size: MAX_TOKEN_SIZE + 1,
            max: MAX_TOKEN_SIZE
        })
    );
    assert_eq!(
        UserClaims::decode(&too_big).unwrap_err(),
        ClaimsError::Jws(JwsError::TooLarge {
            size: MAX_TOKEN_SIZE + 1,
            max: MAX_TOKEN_SIZE
        })
    );
    // Exactly the limit is read (and fails for what it is: one segment).
    assert_eq!(
        decode_err(&"a".repeat(MAX_TOKEN_SIZE)),
        ClaimsError::Jws(JwsError::SegmentCount(1))
    );
}

#[test]
fn a_valid_token_padded_past_the_limit_is_refused() {
    // A real, signed token whose payload is just over 1 MiB once encoded.
    let filler = "x".repeat(MAX_TOKEN_SIZE * 3 / 4);
    let payload = user_payload(&account(), |v| v["nats"]["filler"] = filler.into());
    let token = signed_v2(HEADER_JSON, &payload, &account());
    assert!(token.len() > MAX_TOKEN_SIZE);
    assert_eq!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::TooLarge {
            size: token.len(),
            max: MAX_TOKEN_SIZE
        })
    );
}

// ---------------------------------------------------------------------------------------
// Payload JSON

#[test]
fn deeply_nested_json_fails_without_overflowing_the_stack() {
    for depth in [200, 10_000, 200_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        // As the whole payload, under a known member, under an unknown member, in the header.
        // As the whole payload it is refused at once, for not being an object.
        let whole = signed_v2(HEADER_JSON, nested.as_bytes(), &account());
        payload_error_contains(&whole, "expected");
        let known = user_payload(&account(), |_| {});
        let known = String::from_utf8(known).unwrap().replacen(
            "\"name\":\"alice\"",
            &format!("\"name\":{nested}"),
            1,
        );
        // A typed member refuses the first '[' without descending.
        payload_error_contains(
            &signed_v2(HEADER_JSON, known.as_bytes(), &account()),
            "invalid type: sequence",
        );
        // Unknown members are skipped but still read, with the same depth limit.
        let unknown = String::from_utf8(user_payload(&account(), |_| {}))
            .unwrap()
            .replacen('{', &format!("{{\"zzz\":{nested},"), 1);
        payload_error_contains(
            &signed_v2(HEADER_JSON, unknown.as_bytes(), &account()),
            "recursion limit",
        );
        let generic = format!(
            r#"{{"iss":"{}","nats":{{"type":"custom","version":2,"deep":{nested}}}}}"#,
            account().public_key()
        );
        payload_error_contains(
            &signed_v2(HEADER_JSON, generic.as_bytes(), &account()),
            "recursion limit",
        );
        let header = format!(r#"{{"typ":"JWT","alg":"ed25519-nkey","x":{nested}}}"#);
        let token = signed_v2(&header, &user_payload(&account(), |_| {}), &account());
        let error = decode_err(&token);
        assert!(
            matches!(&error, ClaimsError::Jws(JwsError::HeaderJson(m)) if m.to_string().contains("recursion limit")),
            "{error:?}"
        );
        let header = format!(r#"{{"typ":{nested},"alg":"ed25519-nkey"}}"#);
        let token = signed_v2(&header, &user_payload(&account(), |_| {}), &account());
        assert!(matches!(
            decode_err(&token),
            ClaimsError::Jws(JwsError::HeaderJson(_))
        ));
    }
    // Below the limit, an unknown member of any shape is skipped.
    let shallow = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let unknown = String::from_utf8(user_payload(&account(), |_| {}))
        .unwrap()
        .replacen('{', &format!("{{\"zzz\":{shallow},"), 1);
    let token = signed_v2(HEADER_JSON, unknown.as_bytes(), &account());
    assert_eq!(UserClaims::decode(&token).unwrap().claims().name, "alice");
}

#[test]
fn numbers_out_of_range_are_refused() {
    for (member, value) in [
        ("exp", "1e400"),
        ("exp", "99999999999999999999"),
        ("exp", "1.5"),
        ("iat", "-99999999999999999999"),
        ("nbf", "1e3"),
    ] {
        let text = String::from_utf8(user_payload(&account(), |v| {
            v.as_object_mut().unwrap().remove(member);
        }))
        .unwrap()
        .replacen('{', &format!("{{\"{member}\":{value},"), 1);
        let token = signed_v2(HEADER_JSON, text.as_bytes(), &account());
        assert!(
            matches!(decode_err(&token), ClaimsError::PayloadJson(_)),
            "{member}: {value}"
        );
    }
    let text = String::from_utf8(user_payload(&account(), |_| {}))
        .unwrap()
        .replacen("\"subs\":-1", "\"subs\":18446744073709551616", 1);
    // 2^64 fits neither i64 nor u64: serde_json reads it as a float, which the i64 field
    // refuses, pointing at the end of the number.
    let end_of_value = text
        .find("18446744073709551616")
        .expect("the value was inserted")
        + 20;
    match decode_err(&signed_v2(HEADER_JSON, text.as_bytes(), &account())) {
        ClaimsError::PayloadJson(error) => {
            assert_eq!(
                error.to_string(),
                format!(
                    "invalid type: floating point `1.8446744073709552e+19`, expected i64 \
                     at line 1 column {end_of_value}"
                )
            );
            assert_eq!((error.line(), error.column()), (1, end_of_value));
        }
        other => panic!("expected PayloadJson, got {other:?}"),
    }
}

/// The user claims of a payload whose `exp`, `nbf` and `iat` are set by `times`, as
/// decoded and verified.
fn user_with_times(times: impl FnOnce(&mut serde_json::Value)) -> UserClaims {
    let payload = user_payload(&account(), times);
    UserClaims::decode(&signed_v2(HEADER_JSON, &payload, &account()))
        .unwrap()
        .into_claims()
}

/// Every issue validation reports at `now` (the claims are otherwise valid, so these are
/// the time checks alone).
fn issues_at(claims: &UserClaims, now: i64) -> Vec<ValidationIssue> {
    claims.validate_with(&FixedClock(now)).issues
}

fn time_check(description: &str) -> ValidationIssue {
    ValidationIssue {
        description: description.into(),
        severity: Severity::TimeCheck,
    }
}

#[test]
fn negative_and_extreme_times_decode_and_validate_without_panicking() {
    // Go's ClaimsData.Validate checks `exp > 0 && now > exp` and `nbf > 0 && now < nbf`:
    // an exp or nbf <= 0 is "not set", whatever the clock says. For i64::MAX, exp is never
    // passed (no `now` is above it) and nbf is in the future for every `now` below it.
    let not_yet_valid = [time_check("claim is not yet valid")];
    for value in [-1i64, i64::MIN, i64::MAX] {
        let claims = user_with_times(|v| {
            v["exp"] = value.into();
            v["nbf"] = value.into();
            v["iat"] = value.into();
        });
        assert_eq!(
            (claims.expires, claims.not_before, claims.issued_at),
            (value, value, value)
        );
        for now in [i64::MIN, -1, 0, 1_700_000_000, i64::MAX - 1, i64::MAX] {
            let expected: &[ValidationIssue] = if value == i64::MAX && now < i64::MAX {
                &not_yet_valid
            } else {
                &[]
            };
            assert_eq!(
                issues_at(&claims, now),
                expected,
                "exp = nbf = iat = {value}, now = {now}"
            );
        }
    }
    // The same checks do fire at the extremes once the times are set (> 0), so the
    // empty results above come from the `<= 0` reading, not from checks that never run.
    let expires_at_one = user_with_times(|v| v["exp"] = 1.into());
    assert_eq!(
        issues_at(&expires_at_one, i64::MAX),
        [time_check("claim is expired")]
    );
    assert_eq!(issues_at(&expires_at_one, 1), []);
    let valid_from_one = user_with_times(|v| v["nbf"] = 1.into());
    assert_eq!(issues_at(&valid_from_one, i64::MIN), not_yet_valid);
    assert_eq!(issues_at(&valid_from_one, 1), []);
    // exp = -1 alone: still no expiry at the end of time.
    let never_expires = user_with_times(|v| v["exp"] = (-1).into());
    assert_eq!(issues_at(&never_expires, i64::MAX), []);
}

#[test]
fn duplicate_members_are_refused() {
    let base = String::from_utf8(user_payload(&account(), |_| {})).unwrap();
    let other_user = pair(KeyKind::User, 9);
    for (what, text) in [
        (
            "sub",
            base.replacen(
                '{',
                &format!("{{\"sub\":\"{}\",", other_user.public_key()),
                1,
            ),
        ),
        (
            "iss",
            base.replacen(
                '{',
                &format!("{{\"iss\":\"{}\",", other_account().public_key()),
                1,
            ),
        ),
        (
            "nats",
            base.replacen('{', "{\"nats\":{\"type\":\"user\",\"version\":2},", 1),
        ),
        (
            "type",
            base.replacen("\"nats\":{", "\"nats\":{\"type\":\"account\",", 1),
        ),
        (
            "version",
            base.replacen("\"nats\":{", "\"nats\":{\"version\":1,", 1),
        ),
        (
            "pub",
            base.replacen("\"nats\":{", "\"nats\":{\"pub\":{\"allow\":[\">\"]},", 1),
        ),
        (
            "subs",
            base.replacen("\"nats\":{", "\"nats\":{\"subs\":5,", 1),
        ),
    ] {
        assert_ne!(text, base, "{what}: the duplicate was inserted");
        let token = signed_v2(HEADER_JSON, text.as_bytes(), &account());
        payload_error_contains(&token, "duplicate field");
    }
}

#[test]
fn duplicate_members_inside_maps_are_refused() {
    let generic = format!(
        r#"{{"iss":"{}","nats":{{"type":"custom","version":2,"x":1,"x":2}}}}"#,
        account().public_key()
    );
    payload_error_contains(
        &signed_v2(HEADER_JSON, generic.as_bytes(), &account()),
        "duplicate",
    );
    let mut claims = AccountClaims::new(other_account().public_key().as_str());
    claims
        .nats
        .revocations
        .revoke(user().public_key().as_str(), 10);
    let token = claims.encode_at(&operator(), 1).unwrap();
    let json = String::from_utf8(
        decode_unverified::<AnyClaims>(&token)
            .unwrap()
            .payload_json()
            .to_vec(),
    )
    .unwrap();
    let dup = json.replacen(
        "\"revocations\":{",
        &format!("\"revocations\":{{\"{}\":0,", user().public_key()),
        1,
    );
    assert_ne!(dup, json);
    payload_error_contains(
        &signed_v2(HEADER_JSON, dup.as_bytes(), &operator()),
        "duplicate",
    );
}

#[test]
fn duplicate_unknown_members_are_refused_at_every_level() {
    // The typed decoders skip unknown members; a name given twice must still be refused,
    // as the generic decoder refuses it. Found by the claims_json fuzzer
    // (fuzz/regressions/claims_json/duplicate_unknown_member_in_limits).
    let base = String::from_utf8(user_payload(&account(), |_| {})).unwrap();
    for (place, text) in [
        ("top level", base.replacen('{', "{\"zz\":1,\"zz\":2,", 1)),
        (
            "nats",
            base.replacen("\"nats\":{", "\"nats\":{\"zz\":1,\"zz\":2,", 1),
        ),
        (
            "nats.pub",
            base.replacen("\"pub\":{", "\"pub\":{\"zz\":1,\"zz\":2,", 1),
        ),
        (
            "inside an unknown member",
            base.replacen('{', "{\"zz\":{\"a\":1,\"a\":2},", 1),
        ),
    ] {
        assert_ne!(text, base, "{place}");
        let token = signed_v2(HEADER_JSON, text.as_bytes(), &account());
        assert!(
            matches!(natsjwt::decode(&token), Err(ClaimsError::PayloadJson(_))),
            "{place}"
        );
        assert!(GenericClaims::decode(&token).is_err(), "{place}");
    }
    let mut claims = AccountClaims::new(other_account().public_key().as_str());
    let token = claims.encode_at(&operator(), 1_700_000_000).unwrap();
    let json = String::from_utf8(
        decode_unverified::<AnyClaims>(&token)
            .unwrap()
            .payload_json()
            .to_vec(),
    )
    .unwrap();
    let dup = json.replacen("\"limits\":{", "\"limits\":{\"zz\":1,\"zz\":2,", 1);
    assert_ne!(dup, json);
    let token = signed_v2(HEADER_JSON, dup.as_bytes(), &operator());
    assert!(
        matches!(natsjwt::decode(&token), Err(ClaimsError::PayloadJson(_))),
        "nats.limits"
    );
}

#[test]
fn case_variant_members_are_refused() {
    let base = String::from_utf8(user_payload(&account(), |_| {})).unwrap();
    // `SUB` after `sub`: Go takes the later one, this crate the exact name.
    let text = format!(
        "{},\"SUB\":\"{}\"}}",
        base.strip_suffix('}').unwrap(),
        pair(KeyKind::User, 9).public_key()
    );
    let token = signed_v2(HEADER_JSON, text.as_bytes(), &account());
    payload_error_contains(&token, "letter case");
    // Also inside `nats`, and before the exact name.
    let inner = base.replacen("\"nats\":{", "\"nats\":{\"PUB\":{\"allow\":[\">\"]},", 1);
    assert_ne!(inner, base);
    payload_error_contains(
        &signed_v2(HEADER_JSON, inner.as_bytes(), &account()),
        "letter case",
    );
}

#[test]
fn invalid_utf8_in_strings_reads_as_go() {
    // Go reads each byte of a string that starts no UTF-8 sequence as U+FFFD (tokens from
    // jwt.js hold Latin-1 bytes; see latin1.rs); outside strings it is a syntax error.
    let mut payload = user_payload(&account(), |_| {});
    let at = payload.windows(5).position(|w| w == b"alice").unwrap();
    payload[at] = 0xff;
    let token = signed_v2(HEADER_JSON, &payload, &account());
    let AnyClaims::User(claims) = natsjwt::decode(&token).unwrap().into_claims() else {
        panic!("not a user");
    };
    assert_eq!(claims.name, "\u{FFFD}lice");
    let mut overlong = user_payload(&account(), |_| {});
    let at = overlong.windows(5).position(|w| w == b"alice").unwrap();
    overlong[at] = 0xc0;
    overlong[at + 1] = 0xaf;
    let token = signed_v2(HEADER_JSON, &overlong, &account());
    assert_eq!(
        UserClaims::decode(&token).unwrap().claims().name,
        "\u{FFFD}\u{FFFD}ice"
    );
    let mut outside = user_payload(&account(), |_| {});
    outside.push(0xff);
    payload_error_contains(
        &signed_v2(HEADER_JSON, &outside, &account()),
        &format!("trailing characters at line 1 column {}", outside.len()),
    );
    // A lone surrogate escape is not a character either (Go writes U+FFFD).
    let text = String::from_utf8(user_payload(&account(), |_| {}))
        .unwrap()
        .replacen("alice", "\\ud800", 1);
    assert!(matches!(
        decode_err(&signed_v2(HEADER_JSON, text.as_bytes(), &account())),
        ClaimsError::PayloadJson(_)
    ));
    let mut header = HEADER_JSON.as_bytes().to_vec();
    header[9] = 0xfe;
    let input = format!("{}.{}", b64(&header), b64(user_payload(&account(), |_| {})));
    let token = format!("{input}.{}", b64(account().sign(input.as_bytes())));
    assert!(matches!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::HeaderJson(_))
    ));
}

#[test]
fn invalid_utf8_in_ignored_members_reads_as_go() {
    let mut payload = String::from_utf8(user_payload(&account(), |v| {
        v["nats"]["zzz"] = "ab".into();
    }))
    .unwrap()
    .into_bytes();
    let at = payload.windows(4).position(|w| w == b"\"ab\"").unwrap();
    payload[at + 1] = 0xff;
    let token = signed_v2(HEADER_JSON, &payload, &account());
    let generic = GenericClaims::decode(&token).unwrap();
    assert_eq!(generic.claims().nats.data["zzz"], "\u{FFFD}b");
    assert_eq!(UserClaims::decode(&token).unwrap().claims().name, "alice");
    // The header is still read strictly (Go would substitute U+FFFD there too).
    let mut header = br#"{"typ":"JWT","alg":"ed25519-nkey","x":"ab"}"#.to_vec();
    let at = header.windows(4).position(|w| w == b"\"ab\"").unwrap();
    header[at + 1] = 0xff;
    let input = format!("{}.{}", b64(&header), b64(user_payload(&account(), |_| {})));
    let token = format!("{input}.{}", b64(account().sign(input.as_bytes())));
    assert!(matches!(
        decode_err(&token),
        ClaimsError::Jws(JwsError::HeaderJson(_))
    ));
    // The same for a lone surrogate escape, refused in a known member (see above).
    let text = String::from_utf8(user_payload(&account(), |v| {
        v["nats"]["zzz"] = "LONE".into();
    }))
    .unwrap()
    .replacen("LONE", "\\udc00", 1);
    let token = signed_v2(HEADER_JSON, text.as_bytes(), &account());
    assert!(GenericClaims::decode(&token).is_err());
    assert!(matches!(decode_err(&token), ClaimsError::PayloadJson(_)));
}

#[test]
fn payloads_that_are_not_objects_are_refused() {
    for payload in ["[]", "null", "\"user\"", "7", "", "{", "{}}", "{} {}"] {
        let token = signed_v2(HEADER_JSON, payload.as_bytes(), &account());
        assert!(
            matches!(decode_err(&token), ClaimsError::PayloadJson(_)),
            "{payload:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Claim type and version

#[test]
fn unknown_nats_type_is_generic_never_a_typed_claim() {
    let payload = user_payload(&account(), |v| v["nats"]["type"] = "superuser".into());
    let token = signed_v2(HEADER_JSON, &payload, &account());
    let any = natsjwt::decode(&token).unwrap();
    assert_eq!(any.claims().claim_type(), ClaimType::Generic);
    assert!(matches!(any.claims(), AnyClaims::Generic(_)));
    assert_eq!(
        UserClaims::decode(&token).unwrap_err(),
        ClaimsError::WrongClaimType {
            expected: ClaimType::User,
            found: "superuser".into()
        }
    );
    for removed in ["cluster", "server"] {
        let payload = user_payload(&account(), |v| v["nats"]["type"] = removed.into());
        assert_eq!(
            decode_err(&signed_v2(HEADER_JSON, &payload, &account())),
            ClaimsError::UnsupportedClaimType(removed.into())
        );
    }
    // A non-string type is malformed, not generic.
    let payload = user_payload(&account(), |v| v["nats"]["type"] = 1.into());
    assert!(matches!(
        decode_err(&signed_v2(HEADER_JSON, &payload, &account())),
        ClaimsError::PayloadJson(_)
    ));
}

#[test]
fn version_3_and_missing_versions_are_refused() {
    let payload = user_payload(&account(), |v| v["nats"]["version"] = 3.into());
    assert_eq!(
        decode_err(&signed_v2(HEADER_JSON, &payload, &account())),
        ClaimsError::NewerVersion(3)
    );
    let payload = user_payload(&account(), |v| v["nats"]["version"] = i64::MAX.into());
    assert_eq!(
        decode_err(&signed_v2(HEADER_JSON, &payload, &account())),
        ClaimsError::NewerVersion(i64::MAX)
    );
    for version in [0i64, -1, i64::MIN] {
        let payload = user_payload(&account(), |v| v["nats"]["version"] = version.into());
        assert_eq!(
            decode_err(&signed_v2(HEADER_JSON, &payload, &account())),
            ClaimsError::UnsupportedVersion(version)
        );
    }
    let payload = user_payload(&account(), |v| {
        v["nats"].as_object_mut().unwrap().remove("version");
    });
    assert_eq!(
        decode_err(&signed_v2(HEADER_JSON, &payload, &account())),
        ClaimsError::UnsupportedVersion(0)
    );
    let payload = user_payload(&account(), |v| v["nats"]["version"] = 2.5.into());
    assert!(matches!(
        decode_err(&signed_v2(HEADER_JSON, &payload, &account())),
        ClaimsError::PayloadJson(_)
    ));
}

#[test]
fn v1_header_on_v2_payload_and_v2_header_on_v1_payload_are_refused() {
    let payload = user_payload(&account(), |_| {});
    // Signed the v1 way (payload only) and the v2 way: both refused for the mismatch.
    let v1_style = signed_v1(
        V1_HEADER,
        std::str::from_utf8(&payload).unwrap(),
        &account(),
    );
    assert_eq!(
        decode_err(&v1_style),
        ClaimsError::AlgorithmMismatch {
            alg: "ed25519".into(),
            version: 2
        }
    );
    let v2_style = signed_v2(V1_HEADER, &payload, &account());
    assert_eq!(
        decode_err(&v2_style),
        ClaimsError::AlgorithmMismatch {
            alg: "ed25519".into(),
            version: 2
        }
    );
    let v1_payload = format!(
        r#"{{"iss":"{}","sub":"{}","type":"user","nats":{{"pub":{{}}}}}}"#,
        account().public_key(),
        user().public_key()
    );
    let token = signed_v2(HEADER_JSON, v1_payload.as_bytes(), &account());
    assert_eq!(
        decode_err(&token),
        ClaimsError::AlgorithmMismatch {
            alg: "ed25519-nkey".into(),
            version: 1
        }
    );
    // The same v1 payload under its own header decodes, as Go does.
    let v1 = signed_v1(V1_HEADER, &v1_payload, &account());
    let decoded = UserClaims::decode(&v1).unwrap();
    assert_eq!(decoded.version(), 1);
}

// ---------------------------------------------------------------------------------------
// Keys and seeds

/// `prefix ‖ body ‖ crc16` in base32, for building keys the library would not write.
fn encode_key(prefix: &[u8], body: &[u8]) -> String {
    fn crc16(data: &[u8]) -> u16 {
        let mut crc: u16 = 0;
        for &byte in data {
            crc ^= u16::from(byte) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
            }
        }
        crc
    }
    let mut raw = prefix.to_vec();
    raw.extend_from_slice(body);
    let crc = crc16(&raw);
    raw.extend_from_slice(&crc.to_le_bytes());
    data_encoding::BASE32_NOPAD.encode(&raw)
}

fn flip_char(text: &str, at: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn public_keys_with_bad_crc_length_or_prefix_are_refused() {
    let good = account().public_key().to_string();
    assert_eq!(
        PublicKey::parse(&flip_char(&good, 30)),
        Err(KeyError::ChecksumMismatch)
    );
    let body = [7u8; 32];
    assert_eq!(
        PublicKey::parse(&encode_key(&[KeyKind::Account.prefix_byte()], &body[..31])),
        Err(KeyError::InvalidLength { actual: 31 })
    );
    assert_eq!(
        PublicKey::parse(&encode_key(&[KeyKind::Account.prefix_byte()], &[7u8; 33])),
        Err(KeyError::InvalidLength { actual: 33 })
    );
    // 'P' (private key) and a prefix Go's masked check would take for an account.
    assert_eq!(
        PublicKey::parse(&encode_key(&[15 << 3], &body)),
        Err(KeyError::InvalidPrefix)
    );
    assert_eq!(
        PublicKey::parse(&encode_key(&[KeyKind::Account.prefix_byte() | 1], &body)),
        Err(KeyError::InvalidPrefix)
    );
    assert_eq!(
        PublicKey::parse(&good.to_lowercase()),
        Err(KeyError::InvalidEncoding)
    );
    assert_eq!(
        PublicKey::parse(&format!("{good}=")),
        Err(KeyError::InvalidEncoding)
    );
    assert_eq!(
        PublicKey::parse(&format!(" {good}")),
        Err(KeyError::InvalidEncoding)
    );
    assert_eq!(
        PublicKey::parse_kind(&good, KeyKind::User),
        Err(KeyError::WrongKind {
            expected: KeyKind::User,
            found: KeyKind::Account
        })
    );
}

#[test]
fn seeds_with_bad_crc_length_or_prefix_are_refused() {
    let good = account().seed();
    let good = good.expose();
    assert_eq!(
        KeyPair::from_seed(&flip_char(good, 30)).unwrap_err(),
        KeyError::ChecksumMismatch
    );
    let seed_prefix = |kind: KeyKind| {
        let p = kind.prefix_byte();
        [(18 << 3) | (p >> 5), (p & 0x1f) << 3]
    };
    assert_eq!(
        KeyPair::from_seed(&encode_key(&seed_prefix(KeyKind::Account), &[9u8; 31])).unwrap_err(),
        KeyError::InvalidLength { actual: 31 }
    );
    assert_eq!(
        KeyPair::from_seed(&encode_key(&seed_prefix(KeyKind::Account), &[9u8; 64])).unwrap_err(),
        KeyError::InvalidLength { actual: 64 }
    );
    // The second byte names no kind.
    assert_eq!(
        KeyPair::from_seed(&encode_key(&[18 << 3, 1 << 3], &[9u8; 32])).unwrap_err(),
        KeyError::InvalidPrefix
    );
    // A public key is not a seed, and a seed is not a public key.
    assert_eq!(
        KeyPair::from_seed(account().public_key().as_str()).unwrap_err(),
        KeyError::NotASeed
    );
    assert_eq!(
        PublicKey::parse(good),
        Err(KeyError::InvalidLength { actual: 33 })
    );
    // An 'S' that decodes to another first byte.
    assert_eq!(
        KeyPair::from_seed(&encode_key(&[(17 << 3) | 7, 0], &[9u8; 32])).unwrap_err(),
        KeyError::NotASeed
    );
    assert_eq!(
        KeyPair::from_seed_kind(good, KeyKind::User).unwrap_err(),
        KeyError::WrongKind {
            expected: KeyKind::User,
            found: KeyKind::Account
        }
    );
    // Curve seeds decode but do not sign.
    let curve = XKey::from_raw_seed(&[3; 32]).seed();
    assert_eq!(
        XKey::from_seed(curve.expose()).unwrap().public_key().kind(),
        KeyKind::Curve
    );
    assert_eq!(
        KeyPair::from_seed(curve.expose()).unwrap_err(),
        KeyError::UnsupportedKind(KeyKind::Curve)
    );
}

#[test]
fn issuers_with_bad_keys_are_refused() {
    let seed = account().seed();
    for (iss, error) in [
        (
            flip_char(account().public_key().as_str(), 30),
            KeyError::ChecksumMismatch,
        ),
        (String::new(), KeyError::InvalidLength { actual: 0 }),
        (
            seed.expose().to_owned(),
            KeyError::InvalidLength { actual: 33 },
        ),
        (
            account().public_key().as_str().to_lowercase(),
            KeyError::InvalidEncoding,
        ),
        (encode_key(&[15 << 3], &[1; 32]), KeyError::InvalidPrefix),
    ] {
        let payload = user_payload(&account(), |v| v["iss"] = iss.clone().into());
        let token = signed_v2(HEADER_JSON, &payload, &account());
        assert_eq!(
            decode_err(&token),
            ClaimsError::InvalidIssuer(error),
            "{iss}"
        );
        assert!(decode_unverified::<AnyClaims>(&token).is_ok());
    }
}

// ---------------------------------------------------------------------------------------
// Signatures

#[test]
fn signature_by_another_key_is_refused() {
    let payload = user_payload(&account(), |_| {});
    let token = signed_v2(HEADER_JSON, &payload, &other_account());
    assert_eq!(
        decode_err(&token),
        ClaimsError::Signature(KeyError::BadSignature)
    );
    // The other key is even a valid signer for user claims: only `iss` counts.
    let payload = user_payload(&other_account(), |_| {});
    assert!(natsjwt::decode(&signed_v2(HEADER_JSON, &payload, &other_account())).is_ok());
}

#[test]
fn signatures_of_the_wrong_length_are_refused() {
    let (_, [header, payload, signature]) = valid_user_token();
    let bytes = URL_SAFE_NO_PAD.decode(&signature).unwrap();
    for len in [0usize, 1, 63, 65, 128] {
        let mut sig = bytes.clone();
        sig.resize(len, 0);
        assert_eq!(
            decode_err(&format!("{header}.{payload}.{}", b64(&sig))),
            ClaimsError::Signature(KeyError::SignatureLength(len)),
            "{len}"
        );
    }
    let mut flipped = bytes;
    flipped[10] ^= 1;
    assert_eq!(
        decode_err(&format!("{header}.{payload}.{}", b64(&flipped))),
        ClaimsError::Signature(KeyError::BadSignature)
    );
}

#[test]
fn payload_or_header_swapped_between_valid_tokens_is_refused() {
    let (_, [header, payload, signature]) = valid_user_token();
    let mut account_claims = AccountClaims::new(other_account().public_key().as_str());
    let account_token = account_claims
        .encode_at(&operator(), 1_700_000_000)
        .unwrap();
    let other: Vec<&str> = account_token.split('.').collect();
    assert!(natsjwt::decode(&account_token).is_ok());
    // Another token's payload under this signature, and the reverse.
    assert_eq!(
        decode_err(&format!("{header}.{}.{signature}", other[1])),
        ClaimsError::Signature(KeyError::BadSignature)
    );
    assert_eq!(
        decode_err(&format!("{}.{payload}.{}", other[0], other[2])),
        ClaimsError::Signature(KeyError::BadSignature)
    );
    // The same header in another spelling: the header is signed too.
    let respelled = b64(r#"{"typ":"jwt","alg":"ed25519-nkey"}"#);
    assert_eq!(
        decode_err(&format!("{respelled}.{payload}.{signature}")),
        ClaimsError::Signature(KeyError::BadSignature)
    );
    // A v1 header from a v1 token on this v2 token.
    assert_eq!(
        decode_err(&format!("{}.{payload}.{signature}", b64(V1_HEADER))),
        ClaimsError::AlgorithmMismatch {
            alg: "ed25519".into(),
            version: 2
        }
    );
}

#[test]
fn issuer_of_the_wrong_kind_is_refused_for_every_claim_type() {
    let cases: [(ClaimType, &str, KeyPair, KeyKind); 7] = [
        (ClaimType::User, "user", operator(), KeyKind::Operator),
        (ClaimType::User, "user", user(), KeyKind::User),
        (ClaimType::Account, "account", user(), KeyKind::User),
        (ClaimType::Operator, "operator", account(), KeyKind::Account),
        (
            ClaimType::Activation,
            "activation",
            server(),
            KeyKind::Server,
        ),
        (
            ClaimType::AuthorizationRequest,
            "authorization_request",
            account(),
            KeyKind::Account,
        ),
        (
            ClaimType::AuthorizationResponse,
            "authorization_response",
            server(),
            KeyKind::Server,
        ),
    ];
    for (claim_type, name, signer, kind) in cases {
        let payload = format!(
            r#"{{"iss":"{}","sub":"{}","nats":{{"type":"{name}","version":2}}}}"#,
            signer.public_key(),
            other_account().public_key()
        );
        let token = signed_v2(HEADER_JSON, payload.as_bytes(), &signer);
        assert_eq!(
            decode_err(&token),
            ClaimsError::IssuerNotAllowed { claim_type, kind },
            "{name} by {kind}"
        );
    }
    // A curve key cannot sign anything, not even generic claims.
    let curve = PublicKey::from_bytes(KeyKind::Curve, *account().public_key().as_bytes());
    let payload = format!(r#"{{"iss":"{curve}","nats":{{"type":"custom"}}}}"#);
    let token = signed_v2(HEADER_JSON, payload.as_bytes(), &account());
    assert_eq!(
        decode_err(&token),
        ClaimsError::Signature(KeyError::UnsupportedKind(KeyKind::Curve))
    );
}

#[test]
fn scope_template_zero_limits_are_refused_on_encode() {
    // A 0 is left out when written and read back as -1 (no limit) by Go, the server and
    // this crate, so a template meant to deny everything would grant everything.
    for field in ["subs", "data", "payload"] {
        let mut claims = AccountClaims::new(other_account().public_key().as_str());
        let mut scope = natsjwt::types::UserScope::new(account().public_key().as_str());
        match field {
            "subs" => scope.template.limits.subs = 0,
            "data" => scope.template.limits.data = 0,
            _ => scope.template.limits.payload = 0,
        }
        claims.nats.signing_keys.add_scoped(scope);
        match claims.encode_at(&operator(), 1_700_000_000) {
            Err(error @ ClaimsError::UnreadableScopeLimit { .. }) => {
                assert_eq!(
                    error,
                    ClaimsError::UnreadableScopeLimit {
                        key: account().public_key().to_string(),
                        limit: field,
                        value: 0
                    }
                );
                let message = error.to_string();
                assert!(message.contains(field), "{message}");
                assert!(message.contains("read back as -1"), "{message}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn generic_floats_survive_a_round_trip() {
    for text in [
        "1.1e+29",
        "0.3",
        "2.2250738585072014e-308",
        "1.7976931348623157e+308",
    ] {
        let json = format!(r#"{{"sub":"x","nats":{{"n":{text},"type":"custom","version":2}}}}"#);
        let claims = AnyClaims::from_json(&json).unwrap();
        assert_eq!(claims.to_json().unwrap(), json, "{text}");
    }
}

#[test]
fn small_order_issuer_keys_are_refused() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = PublicKey::from_bytes(KeyKind::Account, identity);
    let payload = format!(
        r#"{{"iss":"{weak}","sub":"{}","name":"forged","nats":{{"type":"user","version":2}}}}"#,
        user().public_key()
    );
    let mut signature = [0u8; 64];
    signature[0] = 1;
    let token = format!("{HEADER_B64}.{}.{}", b64(payload), b64(signature));
    // Anyone can make this signature (R = identity, s = 0) for any payload.
    assert_eq!(
        decode_err(&token),
        ClaimsError::Signature(KeyError::WeakKey)
    );
}

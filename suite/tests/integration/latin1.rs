//! Tokens jwt.js (npm `@nats-io/jwt`) mints for names beyond ASCII: its `btoa` writes
//! each character up to U+00FF as one byte, so "José" is `Jos` and the byte 0xE9, which is
//! not UTF-8. Go (and so nats-server) reads each such byte in a string as U+FFFD; natsjwt
//! reads them alike on every decode path, while still refusing what it refuses in valid
//! UTF-8 (a member given twice, also when the names are equal only once replaced).
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use natsjwt::dangerous::decode_unverified;
use natsjwt::jws::HEADER_B64;
use natsjwt::trust::{Link, Trust, TrustError};
use natsjwt::types::WeightedMapping;
use natsjwt::{
    AccountClaims, AnyClaims, ClaimsError, KeyError, KeyKind, KeyPair, OperatorClaims, UserClaims,
};

use crate::common::tokens::{
    V1_HEADER, b64, latin1_user_jwt, latin1_user_payload, pair, signed, signed_v1,
};

const IAT: i64 = 1_800_000_000;

fn operator() -> KeyPair {
    pair(KeyKind::Operator, 0x31)
}

fn account() -> KeyPair {
    pair(KeyKind::Account, 0x32)
}

fn user() -> KeyPair {
    pair(KeyKind::User, 0x33)
}

/// The payload segment of `token`, decoded.
fn payload_of(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap()
}

/// `payload` with `insert` put right after the first `anchor`.
fn spliced(payload: &[u8], anchor: &[u8], insert: &[u8]) -> Vec<u8> {
    let at = payload
        .windows(anchor.len())
        .position(|w| w == anchor)
        .unwrap()
        + anchor.len();
    [&payload[..at], insert, &payload[at..]].concat()
}

/// `token` with its first signature character changed (the last one carries padding bits).
fn tampered(token: &str) -> String {
    let at = token.rfind('.').unwrap() + 1;
    let replacement = if &token[at..=at] == "A" { "B" } else { "A" };
    format!("{}{replacement}{}", &token[..at], &token[at + 1..])
}

#[test]
fn the_helper_writes_what_jwtjs_writes() {
    let token = latin1_user_jwt(&account(), user().public_key().as_str(), b"Jos\xE9", "");
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3);
    assert_eq!(segments[0], HEADER_B64);
    let payload = payload_of(&token);
    assert!(std::str::from_utf8(&payload).is_err());
    let name = b"\"name\":\"Jos\xE9\"";
    assert!(
        payload.windows(name.len()).any(|w| w == name),
        "{payload:02X?}"
    );
    let nats = br#""nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}}"#;
    assert!(
        payload.ends_with(nats),
        "{}",
        String::from_utf8_lossy(&payload)
    );
    // The signature is the account's, over the first two segments as text.
    let signature = URL_SAFE_NO_PAD.decode(segments[2]).unwrap();
    let signed_text = format!("{}.{}", segments[0], segments[1]);
    assert_eq!(
        account()
            .public_key()
            .verify(signed_text.as_bytes(), &signature),
        Ok(())
    );
    // Extra `nats` members go before `type` and `version`.
    let payload = latin1_user_payload("A", "U", b"x", r#""bearer_token":true"#, IAT);
    assert!(
        payload.ends_with(br#""payload":-1,"bearer_token":true,"type":"user","version":2}}"#),
        "{}",
        String::from_utf8_lossy(&payload)
    );
    // What `JSON.stringify` escapes is escaped; bytes from 0x80 on are not.
    let payload = latin1_user_payload("A", "U", b"\"\\\x01\x7F\xFF", "", IAT);
    let expected = b"\"name\":\"\\\"\\\\\\u0001\x7F\xFF\"";
    assert!(
        payload.windows(expected.len()).any(|w| w == expected),
        "{payload:02X?}"
    );
}

#[test]
fn every_decode_path_reads_latin1_names_as_go() {
    let user = user();
    for (latin1, go_name) in [
        (&b"Jos\xE9"[..], "Jos\u{FFFD}"),
        (
            b"caf\xE9 cr\xE8me br\xFBl\xE9e",
            "caf\u{FFFD} cr\u{FFFD}me br\u{FFFD}l\u{FFFD}e",
        ),
        (b"\xC0\x80", "\u{FFFD}\u{FFFD}"),
        (b"\xE2\x82A", "\u{FFFD}\u{FFFD}A"),
        (b"\xED\xA0\x80", "\u{FFFD}\u{FFFD}\u{FFFD}"),
        (b"\"\xE9\\", "\"\u{FFFD}\\"),
        // Valid UTF-8 among the Latin-1 bytes is kept.
        (
            "Zo\u{eb} \u{20ac}\u{FFFD} ".as_bytes(),
            "Zo\u{eb} \u{20ac}\u{FFFD} ",
        ),
    ] {
        let token = latin1_user_jwt(&account(), user.public_key().as_str(), latin1, "");
        let payload = payload_of(&token);

        let verified = UserClaims::decode(&token).unwrap();
        assert_eq!(verified.claims().name, go_name, "{latin1:02X?}");
        assert_eq!(verified.claims().subject, user.public_key().as_str());
        assert_eq!(verified.claims().issuer, account().public_key().as_str());
        assert_eq!(verified.claims().nats.limits.subs, -1);
        assert_eq!(verified.version(), 2);

        let with_key = UserClaims::decode_with(&token, &account().verifying_key()).unwrap();
        assert_eq!(with_key.claims(), verified.claims());

        let AnyClaims::User(any) = natsjwt::decode(&token).unwrap().into_claims() else {
            panic!("not a user");
        };
        assert_eq!(&any, verified.claims());

        let unverified = decode_unverified::<UserClaims>(&token).unwrap();
        assert_eq!(unverified.unverified_claims(), verified.claims());
        // The payload kept is the bytes received, not the text read.
        assert_eq!(unverified.payload_json(), payload.as_slice());
        let again = unverified.verify_with(&account().verifying_key()).unwrap();
        assert_eq!(again.claims(), verified.claims());

        let unverified_any = decode_unverified::<AnyClaims>(&token).unwrap();
        assert_eq!(
            unverified_any.unverified_claims(),
            &AnyClaims::User(verified.claims().clone())
        );
        assert_eq!(unverified_any.payload_json(), payload.as_slice());

        // Written back, the name is UTF-8, as Go re-marshals it.
        let json = verified.claims().to_json().unwrap();
        assert!(
            json.contains(&serde_json::to_string(go_name).unwrap()),
            "{json}"
        );
    }
}

#[test]
fn v1_tokens_with_latin1_names_read_as_go() {
    let payload = [
        &br#"{"jti":"J","iat":1800000000,"iss":""#[..],
        account().public_key().as_str().as_bytes(),
        b"\",\"name\":\"Jos\xE9\",\"sub\":\"",
        user().public_key().as_str().as_bytes(),
        br#"","type":"user","nats":{"pub":{"allow":["a"]},"sub":{}}}"#,
    ]
    .concat();
    // `signed_v1` takes text; sign the payload segment the v1 way by hand.
    let payload_b64 = b64(&payload);
    let signature = account().sign(payload_b64.as_bytes());
    let token = format!("{}.{payload_b64}.{}", b64(V1_HEADER), b64(signature));
    let verified = UserClaims::decode(&token).unwrap();
    assert_eq!(verified.version(), 1);
    assert_eq!(verified.claims().name, "Jos\u{FFFD}");
    assert_eq!(verified.claims().nats.permissions.publish.allow, ["a"]);
    let AnyClaims::User(any) = natsjwt::decode(&token).unwrap().into_claims() else {
        panic!("not a user");
    };
    assert_eq!(any.name, "Jos\u{FFFD}");
    // The same payload in valid UTF-8 reads the same but for the name.
    let text = String::from_utf8_lossy(&payload).replace('\u{FFFD}', "e");
    let plain = UserClaims::decode(&signed_v1(V1_HEADER, &text, &account())).unwrap();
    assert_eq!(plain.claims().name, "Jose");
    assert_eq!(plain.claims().nats, verified.claims().nats);
}

/// An operator, its account, and the trust in that operator.
fn chain() -> (Trust, String) {
    let operator = operator();
    let operator_jwt = OperatorClaims::new(operator.public_key().as_str())
        .encode(&operator)
        .unwrap();
    let mut account_claims = AccountClaims::new(account().public_key().as_str());
    account_claims.name = "acme".into();
    let account_jwt = account_claims.encode(&operator).unwrap();
    let trust = Trust::new().with_operator_jwt(&operator_jwt).unwrap();
    (trust, account_jwt)
}

#[test]
fn the_chain_of_trust_accepts_a_jwtjs_user() {
    let (trust, account_jwt) = chain();
    let account = trust.verify_account(&account_jwt).unwrap();
    let token = latin1_user_jwt(
        &self::account(),
        user().public_key().as_str(),
        b"Jos\xE9",
        r#""bearer_token":true"#,
    );
    let trusted = trust.verify_user(&account, &token).unwrap();
    assert_eq!(trusted.claims().name, "Jos\u{FFFD}");
    assert!(trusted.claims().nats.bearer_token);
    assert_eq!(trusted.account(), self::account().public_key().as_str());
    assert!(!trusted.is_scoped());
}

#[test]
fn a_signature_that_does_not_verify_is_still_refused() {
    let (trust, account_jwt) = chain();
    let account = trust.verify_account(&account_jwt).unwrap();
    let token = latin1_user_jwt(
        &self::account(),
        user().public_key().as_str(),
        b"Jos\xE9",
        "",
    );
    let bad_signature = tampered(&token);
    // Another invalid byte, which Go reads as the same name, under the first signature:
    // the signature covers the base64 text, which differs.
    let other_byte = {
        let payload = payload_of(&token);
        let at = payload.iter().position(|&b| b == 0xE9).unwrap();
        let mut changed = payload.clone();
        changed[at] = 0xEA;
        let (head, rest) = token.split_once('.').unwrap();
        let signature = rest.rsplit_once('.').unwrap().1;
        format!("{head}.{}.{signature}", b64(&changed))
    };
    for token in [bad_signature, other_byte] {
        // Read without verifying, it is the same user.
        let unverified = decode_unverified::<UserClaims>(&token).unwrap();
        assert_eq!(unverified.unverified_claims().name, "Jos\u{FFFD}");
        let refused = ClaimsError::Signature(KeyError::BadSignature);
        assert_eq!(UserClaims::decode(&token).unwrap_err(), refused);
        assert_eq!(natsjwt::decode(&token).unwrap_err(), refused);
        assert_eq!(
            unverified
                .verify_with(&self::account().verifying_key())
                .unwrap_err(),
            refused
        );
        assert_eq!(
            trust.verify_user(&account, &token).unwrap_err(),
            TrustError::Decode {
                link: Link::User,
                source: refused,
            }
        );
    }
}

/// The JSON error decoding `token` gives, on every decode path alike.
fn payload_error(token: &str) -> String {
    let error = UserClaims::decode(token).unwrap_err();
    assert_eq!(natsjwt::decode(token).unwrap_err(), error);
    assert_eq!(
        decode_unverified::<AnyClaims>(token).err(),
        Some(error.clone())
    );
    let ClaimsError::PayloadJson(json) = error else {
        panic!("not a JSON error: {error:?}");
    };
    json.to_string()
}

#[test]
fn members_equal_once_replaced_are_still_duplicates() {
    let user = user();
    let payload = latin1_user_payload(
        account().public_key().as_str(),
        user.public_key().as_str(),
        b"Jos\xE9",
        "",
        IAT,
    );
    // Go keeps the last of two members of one name (and ignores unknown ones); natsjwt
    // refuses the pair, also when the names differ in bytes Go reads as one U+FFFD.
    // Columns count the text read, where each U+FFFD is three bytes: the error is at the
    // second name's closing quote.
    let fffd = "\u{FFFD}".as_bytes();
    // Where `"nats":{` ends in the text read: the name's U+FFFD comes before it.
    let nats = payload.windows(8).position(|w| w == b"\"nats\":{").unwrap() + 8 + 2;
    for (anchor, insert, message) in [
        (
            &b"{"[..],
            b"\"x\xE9\":1,\"x\xEA\":2,".to_vec(),
            "duplicate member \"x\u{FFFD}\" at line 1 column 16".to_owned(),
        ),
        (
            b"{",
            [b"\"x", fffd, b"\":1,\"x\xFF\":2,"].concat(),
            "duplicate member \"x\u{FFFD}\" at line 1 column 16".to_owned(),
        ),
        (
            b"{",
            b"\"x\\ufffd\":1,\"x\x80\":2,".to_vec(),
            "duplicate member \"x\u{FFFD}\" at line 1 column 19".to_owned(),
        ),
        (
            b"\"nats\":{",
            b"\"y\xE9\":true,\"y\xC0\":false,".to_vec(),
            format!(
                "duplicate member \"y\u{FFFD}\" at line 1 column {}",
                nats + 18
            ),
        ),
    ] {
        let token = signed(&spliced(&payload, anchor, &insert), &account());
        assert_eq!(payload_error(&token), message, "{insert:02X?}");
    }
    // A known member given twice is refused as in valid UTF-8: the first `"name":"Jos…",`
    // (16 bytes read) goes before the payload's own, whose closing quote is 5 bytes on.
    let name = payload.windows(7).position(|w| w == b"\"name\":").unwrap();
    let token = signed(
        &spliced(&payload, b"{", b"\"name\":\"Jos\xE9\","),
        &account(),
    );
    assert_eq!(
        payload_error(&token),
        format!(
            "duplicate field `name` at line 1 column {}",
            name + 16 + 5 + 1
        )
    );
    // Without the repeat, the same payloads decode.
    let token = signed(&spliced(&payload, b"{", b"\"x\xE9\":1,"), &account());
    assert_eq!(
        UserClaims::decode(&token).unwrap().claims().name,
        "Jos\u{FFFD}"
    );
}

#[test]
fn map_keys_equal_once_replaced_are_still_duplicates() {
    let operator = operator();
    let mut claims = AccountClaims::new(account().public_key().as_str());
    let to = vec![WeightedMapping {
        subject: "to".into(),
        weight: 100,
        cluster: String::new(),
    }];
    for key in ["mA", "mB"] {
        claims.nats.mappings.insert(key.into(), to.clone());
    }
    let payload = payload_of(&claims.encode_at(&operator, IAT).unwrap());
    let swap = |payload: Vec<u8>, from: &[u8], to: &[u8]| {
        let at = payload.windows(from.len()).position(|w| w == from).unwrap();
        [&payload[..at], to, &payload[at + from.len()..]].concat()
    };
    let one_key = swap(payload.clone(), b"\"mA\"", b"\"m\xE9\"");
    let both = swap(one_key.clone(), b"\"mB\"", b"\"m\xEA\"");
    let read = AccountClaims::decode(&signed(&one_key, &operator)).unwrap();
    assert_eq!(
        read.claims().nats.mappings.keys().collect::<Vec<_>>(),
        ["mB", "m\u{FFFD}"]
    );
    let error = AccountClaims::decode(&signed(&both, &operator)).unwrap_err();
    let ClaimsError::PayloadJson(json) = &error else {
        panic!("{error:?}");
    };
    // At the second key's closing quote, both keys' U+FFFD counted as three bytes.
    let second = payload.windows(4).position(|w| w == b"\"mB\"").unwrap();
    assert_eq!(
        json.to_string(),
        format!(
            "duplicate key \"m\u{FFFD}\" at line 1 column {}",
            second + 2 + 5 + 1
        )
    );
}

#[test]
fn invalid_bytes_outside_strings_are_still_errors() {
    let payload = latin1_user_payload(
        account().public_key().as_str(),
        user().public_key().as_str(),
        b"Jos\xE9",
        "",
        IAT,
    );
    let trailing = [payload.as_slice(), b"\xE9"].concat();
    // Reported where the byte is in the text read: after the name's U+FFFD.
    assert_eq!(
        payload_error(&signed(&trailing, &account())),
        format!(
            "trailing characters at line 1 column {}",
            payload.len() + 2 + 1
        )
    );
    let as_value = spliced(&payload, b"{", b"\"x\":\xE9,");
    assert_eq!(
        payload_error(&signed(&as_value, &account())),
        "expected value at line 1 column 6"
    );
    // Before the first member, a column of the bytes received (nothing was replaced yet).
    let between = spliced(&payload, b"{", b"\xE9");
    assert_eq!(
        payload_error(&signed(&between, &account())),
        "key must be a string at line 1 column 2"
    );
}

//! Go-made vectors (`tests/data/go-jwt-v2.8.2.json`, minted by nats-io/jwt v2.8.2):
//! every token decodes to its payload, re-encodes byte for byte from its payload, seed and
//! `iat`, has Go's `jti`, and the user creds text is Go's.
use base64::Engine as _;
use natsjwt::{AnyClaims, ClaimType, KeyPair, creds};
use serde_json::Value;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/go-jwt-v2.8.2.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing"))
}

#[test]
fn every_vector_decodes_to_its_payload() {
    let all = vectors();
    let list = all["vectors"].as_array().unwrap();
    assert!(list.len() >= 10);
    for v in list {
        let name = str_of(v, "name");
        let token = str_of(v, "token");
        let decoded = natsjwt::decode(token).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded.version(), 2, "{name}");
        assert_eq!(
            decoded.claims().to_json().unwrap(),
            str_of(v, "payload_json"),
            "{name}: decoded claims re-serialise to Go's payload"
        );
        assert_eq!(decoded.claims().issuer(), str_of(v, "signer_pub"), "{name}");
        assert_eq!(decoded.claims().id(), str_of(v, "jti"), "{name}");
        let unverified = natsjwt::dangerous::decode_unverified::<AnyClaims>(token).unwrap();
        assert_eq!(
            unverified.payload_json(),
            str_of(v, "payload_json").as_bytes(),
            "{name}"
        );
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        assert_eq!(header, str_of(v, "header_json").as_bytes(), "{name}");
    }
}

#[test]
fn every_vector_reencodes_byte_for_byte() {
    let all = vectors();
    for v in all["vectors"].as_array().unwrap() {
        let name = str_of(v, "name");
        let signer = KeyPair::from_seed(str_of(v, "signer_seed")).unwrap();
        assert_eq!(
            signer.public_key().as_str(),
            str_of(v, "signer_pub"),
            "{name}"
        );
        let mut claims = AnyClaims::from_json(str_of(v, "payload_json"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let iat = v["iat"].as_i64().unwrap();
        let token = claims
            .encode_at(&signer, iat)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(token, str_of(v, "token"), "{name}");
        assert_eq!(claims.id(), str_of(v, "jti"), "{name}");
    }
}

#[test]
fn jti_is_sha512_256_of_the_hash_input() {
    use sha2::Digest as _;
    let all = vectors();
    for v in all["vectors"].as_array().unwrap() {
        let name = str_of(v, "name");
        let digest = sha2::Sha512_256::digest(str_of(v, "jti_hash_input").as_bytes());
        assert_eq!(
            data_encoding::BASE32_NOPAD.encode(&digest),
            str_of(v, "jti"),
            "{name}"
        );
    }
}

#[test]
fn vectors_cover_every_claim_type() {
    let all = vectors();
    let mut seen = std::collections::BTreeSet::new();
    for v in all["vectors"].as_array().unwrap() {
        seen.insert(
            natsjwt::decode(str_of(v, "token"))
                .unwrap()
                .claims()
                .claim_type(),
        );
    }
    for t in [
        ClaimType::Operator,
        ClaimType::Account,
        ClaimType::User,
        ClaimType::Activation,
        ClaimType::AuthorizationRequest,
        ClaimType::AuthorizationResponse,
        ClaimType::Generic,
    ] {
        assert!(seen.contains(&t), "no vector of type {t}");
    }
}

#[test]
fn user_creds_match_go() {
    let all = vectors();
    let user = &all["vectors"][3];
    let seed = str_of(&all["keys"], "user_seed");
    let text = creds::format_user_creds(str_of(user, "token"), seed).unwrap();
    assert_eq!(text.expose(), str_of(&all, "user_creds_for_vector_3"));
    let (jwt, pair) = creds::parse_user_creds(text.expose()).unwrap();
    assert_eq!(jwt, str_of(user, "token"));
    assert_eq!(pair.seed().expose(), seed);
    let crlf = text.expose().replace('\n', "\r\n");
    let (jwt, pair) = creds::parse_user_creds(&crlf).unwrap();
    assert_eq!(jwt, str_of(user, "token"));
    assert_eq!(pair.public_key().as_str(), str_of(&all["keys"], "user_pub"));
}

#[test]
fn vector_keys_match_their_seeds() {
    let all = vectors();
    let keys = all["keys"].as_object().unwrap();
    for (name, value) in keys {
        if let Some(prefix) = name.strip_suffix("_seed") {
            let pair = KeyPair::from_seed(value.as_str().unwrap()).unwrap();
            assert_eq!(
                pair.public_key().as_str(),
                keys[&format!("{prefix}_pub")].as_str().unwrap(),
                "{name}"
            );
        }
    }
}

//! Keys made from fixed bytes, and tokens built by hand from exactly the JSON given.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use natsjwt::jws::HEADER_JSON;
use natsjwt::{KeyKind, KeyPair, XKey};

/// The header of Go's v1 tokens.
pub const V1_HEADER: &str = r#"{"typ":"jwt","alg":"ed25519"}"#;

/// The key pair of `kind` whose 32 seed bytes are all `byte`.
pub fn pair(kind: KeyKind, byte: u8) -> KeyPair {
    KeyPair::from_raw_seed(kind, &[byte; 32]).unwrap()
}

/// Unpadded base64url, as tokens hold their segments.
pub fn b64(data: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// A v2 token: `header.payload` signed by `signer`, both JSON texts exactly as given.
pub fn signed_v2(header_json: &str, payload_json: &[u8], signer: &KeyPair) -> String {
    let input = format!("{}.{}", b64(header_json), b64(payload_json));
    let signature = signer.sign(input.as_bytes());
    format!("{input}.{}", b64(signature))
}

/// [`signed_v2`] under the usual v2 header.
pub fn signed(payload_json: &[u8], signer: &KeyPair) -> String {
    signed_v2(HEADER_JSON, payload_json, signer)
}

/// A v1 token: the signature covers the payload segment only.
pub fn signed_v1(header_json: &str, payload_json: &str, signer: &KeyPair) -> String {
    let payload = b64(payload_json);
    let signature = signer.sign(payload.as_bytes());
    format!("{}.{payload}.{}", b64(header_json), b64(signature))
}

/// The payload jwt.js (npm `@nats-io/jwt`) writes for a v2 user of `account_public_key`:
/// `jti`, `iat`, `iss`, `name`, `sub` and `nats`, where `nats` holds what a v2 user needs
/// (`"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1`), then the members of
/// `extra_nats_json` (members without the braces, e.g. `"bearer_token":true`; empty for
/// none; they must not repeat the ones above), then `"type":"user","version":2`.
///
/// jwt.js base64-encodes its JSON text with `btoa`, one byte per JS character: a
/// character up to U+00FF becomes that one byte (Latin-1), so `name_latin1` is given as
/// those bytes (`b"Jos\xE9"` for "José") and lands in the payload as is — which is not
/// UTF-8 for any byte from 0x80 on. `"`, `\` and control bytes are escaped as
/// `JSON.stringify` escapes them. `extra_nats_json` is taken the same way (any character
/// above U+00FF makes `btoa` throw, and panics here). `jti` is the unpadded base32 of the
/// SHA-512/256 of the payload written without it.
pub fn latin1_user_payload(
    account_public_key: &str,
    user_public_key: &str,
    name_latin1: &[u8],
    extra_nats_json: &str,
    iat: i64,
) -> Vec<u8> {
    use sha2::Digest as _;
    // The name as the JS string jwt.js holds: one character per byte.
    let name: String = name_latin1.iter().map(|&b| char::from(b)).collect();
    let name = serde_json::to_string(&name).unwrap();
    let extra = if extra_nats_json.is_empty() {
        String::new()
    } else {
        format!("{extra_nats_json},")
    };
    let members = format!(
        r#""iat":{iat},"iss":"{account_public_key}","name":{name},"sub":"{user_public_key}","nats":{{"pub":{{}},"sub":{{}},"subs":-1,"data":-1,"payload":-1,{extra}"type":"user","version":2}}"#
    );
    let jti = data_encoding::BASE32_NOPAD
        .encode(&sha2::Sha512_256::digest(latin1(&format!("{{{members}}}"))));
    latin1(&format!(r#"{{"jti":"{jti}",{members}}}"#))
}

/// A v2 user JWT as jwt.js mints it, signed by `account`: the payload of
/// [`latin1_user_payload`] (so the name's bytes from 0x80 on are raw Latin-1 bytes, not
/// UTF-8) with `iat` now, under the header `{"typ":"JWT","alg":"ed25519-nkey"}`, signed
/// over `header_b64.payload_b64`. Go (nats-server) reads such a name with one U+FFFD per
/// byte that is not UTF-8, and so does natsjwt: `b"Jos\xE9"` reads as `"Jos\u{FFFD}"`.
pub fn latin1_user_jwt(
    account: &KeyPair,
    user_public_key: &str,
    name_latin1: &[u8],
    extra_nats_json: &str,
) -> String {
    let iat = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let payload = latin1_user_payload(
        account.public_key().as_str(),
        user_public_key,
        name_latin1,
        extra_nats_json,
        i64::try_from(iat).unwrap(),
    );
    signed(&payload, account)
}

/// `text` as `btoa` takes it: one byte per character, which must be at most U+00FF.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("btoa takes characters up to U+00FF only"))
        .collect()
}

/// `bytes` as Go's `encoding/json` reads the strings of a payload: each byte that does not
/// start a valid UTF-8 sequence is one U+FFFD (`utf8.DecodeRune` answers `RuneError` with
/// width 1), valid sequences are kept. A payload that decodes has such bytes only inside
/// strings, so this is the text natsjwt reads it as.
pub fn go_utf8_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(error) => {
                let (valid, invalid) = rest.split_at(error.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap());
                text.push('\u{FFFD}');
                rest = &invalid[1..];
            }
        }
    }
}

/// True when `text` holds an nkey seed (`S` + kind letter + 56 base32 characters).
pub fn holds_seed(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            word.len() == 58 && (KeyPair::from_seed(word).is_ok() || XKey::from_seed(word).is_ok())
        })
}

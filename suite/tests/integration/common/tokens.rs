//! Keys made from fixed bytes, and tokens built by hand from exactly the JSON given.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use natsjwt::jws::HEADER_JSON;
use natsjwt::{KeyKind, KeyPair};

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

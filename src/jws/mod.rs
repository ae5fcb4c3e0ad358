//! The wire format: a token is `b64(header) "." b64(payload) "." b64(signature)`, base64url
//! without padding, signed with Ed25519 by an nkey.
//!
//! v2 tokens sign the bytes `b64(header) "." b64(payload)`; v1 tokens signed
//! `b64(payload)` only. This layer splits a token, reads and checks its header, decodes
//! its segments and signs or verifies bytes; what the payload means is the claims' business.
//!
//! Reading is stricter than Go's: base64 must be canonical and free of whitespace (Go
//! skips `\r`/`\n` and ignores non-zero trailing bits), and the header is read with the
//! crate's JSON rules (no member twice, no letter-case variant of `typ` or `alg`).

mod error;
mod header;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use error::{JsonError, JwsError, Segment};
pub use header::Header;

use crate::keys::{KeyError, Signer};

/// The header every v2 token carries.
pub const HEADER_JSON: &str = r#"{"typ":"JWT","alg":"ed25519-nkey"}"#;
/// [`HEADER_JSON`] in base64url: the first segment of every v2 token.
pub const HEADER_B64: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ";
/// Largest token accepted (1 MiB), as Go's `MaxTokenSize`.
pub const MAX_TOKEN_SIZE: usize = 1 << 20;
/// `alg` of v2 tokens.
pub const ALGORITHM_V2: &str = "ed25519-nkey";
/// `alg` of v1 tokens.
pub const ALGORITHM_V1: &str = "ed25519";

/// A token split at its dots, its header read and checked, its other segments still text.
pub(crate) struct Parts<'a> {
    header: Header,
    /// `b64(header) "." b64(payload)`: what a v2 signature covers.
    signed: &'a str,
    payload_b64: &'a str,
    signature_b64: &'a str,
}

impl<'a> Parts<'a> {
    /// Splits `token`, checking its size, its three segments and its header.
    pub(crate) fn split(token: &'a str) -> Result<Parts<'a>, JwsError> {
        if token.len() > MAX_TOKEN_SIZE {
            return Err(JwsError::TooLarge {
                size: token.len(),
                max: MAX_TOKEN_SIZE,
            });
        }
        let (signed, signature_b64) = token.rsplit_once('.').ok_or(JwsError::SegmentCount(1))?;
        let (header_b64, payload_b64) = signed.split_once('.').ok_or(JwsError::SegmentCount(2))?;
        if payload_b64.contains('.') {
            return Err(JwsError::SegmentCount(token.split('.').count()));
        }
        let header = if header_b64 == HEADER_B64 {
            // Every v2 token's header: nothing to decode.
            Header::V2
        } else {
            let json = decode_segment(header_b64, Segment::Header)?;
            let header: Header = serde_json::from_slice(&json)
                .map_err(|e| JwsError::HeaderJson(JsonError::from(e)))?;
            header.check()?;
            header
        };
        Ok(Parts {
            header,
            signed,
            payload_b64,
            signature_b64,
        })
    }

    /// The header.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// Takes the header.
    pub(crate) fn into_header(self) -> Header {
        self.header
    }

    /// The decoded payload.
    pub(crate) fn payload(&self) -> Result<Vec<u8>, JwsError> {
        decode_segment(self.payload_b64, Segment::Payload)
    }

    /// The decoded signature (its length is checked when it is verified).
    pub(crate) fn signature(&self) -> Result<Vec<u8>, JwsError> {
        decode_segment(self.signature_b64, Segment::Signature)
    }

    /// The bytes the signature covers, as the header's `alg` says: `header.payload` for
    /// v2, the payload segment for v1.
    pub(crate) fn signing_input(&self) -> &'a str {
        if self.header.is_v1() {
            self.payload_b64
        } else {
            self.signed
        }
    }
}

fn decode_segment(text: &str, segment: Segment) -> Result<Vec<u8>, JwsError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JwsError::Base64(segment))
}

/// The v2 token for `payload`: the v2 header, the payload and `signer`'s signature of
/// both, built in one buffer of the final size.
#[allow(clippy::expect_used, reason = "the token is base64 and dots: ASCII")]
pub(crate) fn sign<S: Signer + ?Sized>(payload: &[u8], signer: &S) -> Result<String, KeyError> {
    let signature_len = base64_len(crate::keys::SIGNATURE_LENGTH);
    let mut token =
        Vec::with_capacity(HEADER_B64.len() + 2 + base64_len(payload.len()) + signature_len);
    token.extend_from_slice(HEADER_B64.as_bytes());
    token.push(b'.');
    append_base64(&mut token, payload);
    let signature = signer.sign(&token)?;
    token.push(b'.');
    append_base64(&mut token, &signature);
    Ok(String::from_utf8(token).expect("base64 and dots are ASCII"))
}

/// Appends unpadded base64url of `bytes` to `out`, encoding in place (`encode_string`
/// goes through chunks and a UTF-8 check per chunk; this runs over every payload signed).
#[allow(
    clippy::expect_used,
    reason = "the slice is grown to exactly the encoded length first"
)]
fn append_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(start + base64_len(bytes.len()), 0);
    let (_, tail) = out.split_at_mut(start);
    URL_SAFE_NO_PAD
        .encode_slice(bytes, tail)
        .expect("the tail has room for the encoding");
}

/// Length of unpadded base64 of `len` bytes.
fn base64_len(len: usize) -> usize {
    len / 3 * 4
        + match len % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_constant_is_its_base64() {
        assert_eq!(URL_SAFE_NO_PAD.encode(HEADER_JSON), HEADER_B64);
        let parsed: Header = serde_json::from_str(HEADER_JSON).unwrap();
        assert_eq!(parsed, Header::V2);
    }

    #[test]
    fn base64_lengths() {
        for len in 0..100 {
            assert_eq!(
                base64_len(len),
                URL_SAFE_NO_PAD.encode(vec![0u8; len]).len()
            );
        }
    }

    #[test]
    fn segments_are_counted() {
        for (token, count) in [("", 1), ("a", 1), ("a.b", 2), ("a.b.c.d", 4), ("...", 4)] {
            assert_eq!(
                Parts::split(token).err(),
                Some(JwsError::SegmentCount(count)),
                "{token:?}"
            );
        }
        let big = "a".repeat(MAX_TOKEN_SIZE + 1);
        assert_eq!(
            Parts::split(&big).err(),
            Some(JwsError::TooLarge {
                size: MAX_TOKEN_SIZE + 1,
                max: MAX_TOKEN_SIZE
            })
        );
    }

    #[test]
    fn v1_signs_the_payload_only() {
        let v1 = URL_SAFE_NO_PAD.encode(r#"{"typ":"jwt","alg":"ed25519"}"#);
        let token = format!("{v1}.cGF5bG9hZA.c2ln");
        let parts = Parts::split(&token).unwrap();
        assert!(parts.header().is_v1());
        assert_eq!(parts.signing_input(), "cGF5bG9hZA");
        assert_eq!(parts.payload().unwrap(), b"payload");
        let v2 = format!("{HEADER_B64}.cGF5bG9hZA.c2ln");
        let parts = Parts::split(&v2).unwrap();
        assert_eq!(parts.signing_input(), format!("{HEADER_B64}.cGF5bG9hZA"));
        assert_eq!(parts.signature().unwrap(), b"sig");
    }

    #[test]
    fn headers_are_checked() {
        let header = |json: &str| {
            let token = format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(json));
            Parts::split(&token).map(|p| p.into_header())
        };
        assert_eq!(
            header(r#"{"typ":"JWS","alg":"ed25519"}"#),
            Err(JwsError::UnsupportedType("JWS".into()))
        );
        assert_eq!(
            header(r#"{"typ":"jwt","alg":"HS256"}"#),
            Err(JwsError::UnsupportedAlgorithm("HS256".into()))
        );
        assert!(matches!(
            header(r#"{"typ":"jwt","alg":"ed25519","ALG":"x"}"#),
            Err(JwsError::HeaderJson(_))
        ));
        assert_eq!(
            header(r#"{"typ":"JWT","alg":"ED25519-NKEY"}"#)
                .unwrap()
                .alg(),
            "ED25519-NKEY"
        );
    }
}

//! [`JwsError`]: why a token's wire format was not accepted.

use std::fmt;

use crate::keys::redact_seeds;

/// Which part of a token a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segment {
    /// The first segment.
    Header,
    /// The second segment.
    Payload,
    /// The third segment.
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        })
    }
}

/// Why a token is not a well-formed NATS JWS: its size, its segments, their base64 or
/// its header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwsError {
    /// The token is larger than [`MAX_TOKEN_SIZE`](super::MAX_TOKEN_SIZE).
    #[error("token size {size} exceeds maximum of {max} bytes")]
    TooLarge {
        /// The token's size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The token does not have exactly three `.`-separated segments.
    #[error("expected 3 segments, found {0}")]
    SegmentCount(usize),
    /// A segment is not canonical unpadded base64url.
    #[error("{0} segment is not valid unpadded base64url")]
    Base64(Segment),
    /// The header is not a JSON object with string `typ` and `alg`.
    #[error("header is not valid JSON: {0}")]
    HeaderJson(#[source] JsonError),
    /// The header's `typ` is not `JWT` (case-insensitive).
    #[error("not supported type {0:?}")]
    UnsupportedType(String),
    /// The header's `alg` is not `ed25519-nkey` or `ed25519`.
    #[error("unexpected {0:?} algorithm")]
    UnsupportedAlgorithm(String),
}

/// A JSON error: what was wrong and where, with any seed in the text redacted (the JSON
/// parser repeats the values it refuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    message: String,
    line: usize,
    column: usize,
}

impl JsonError {
    /// Line of the input where the error was found (1-based; 0 when not from reading).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Column of that line (1-based; 0 when not from reading).
    pub fn column(&self) -> usize {
        self.column
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(error: serde_json::Error) -> Self {
        JsonError {
            message: redact_seeds(&error.to_string()).into_owned(),
            line: error.line(),
            column: error.column(),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonError {}

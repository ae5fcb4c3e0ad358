//! [`KeyError`]: everything that can go wrong reading, using or generating keys.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use super::KeyKind;

/// Why a key, a seed, a signature or a sealed message was not accepted, or a key could
/// not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not base32 (standard alphabet, no padding).
    #[error("key is not valid base32")]
    InvalidEncoding,
    /// The decoded key does not hold exactly 32 key bytes.
    #[error("key has {actual} key bytes, expected 32")]
    InvalidLength {
        /// Number of key bytes found.
        actual: usize,
    },
    /// The CRC-16 at the end of the key does not match.
    #[error("key checksum does not match")]
    ChecksumMismatch,
    /// The prefix byte is not one of the known public key kinds.
    #[error("key prefix is not a known public key kind")]
    InvalidPrefix,
    /// The text is not a seed (it does not start with the seed prefix `S`).
    #[error("not a seed: seeds start with 'S'")]
    NotASeed,
    /// The key is valid but of another kind than required.
    #[error("expected {} key, got {} key", .expected.with_article(), .found.with_article())]
    WrongKind {
        /// The kind that was required.
        expected: KeyKind,
        /// The kind that was found.
        found: KeyKind,
    },
    /// The key's kind cannot be used for this operation: curve keys do not sign or verify,
    /// Ed25519 keys do not seal.
    #[error("this operation cannot use {} key", .0.with_article())]
    UnsupportedKind(KeyKind),
    /// The 32 bytes are not a valid Ed25519 public key.
    #[error("key bytes are not a valid Ed25519 point")]
    InvalidPoint,
    /// The key is a small-order point, under which anyone can make a signature that
    /// verifies; no key pair has one (Go accepts them).
    #[error("the key is a weak (small-order) point")]
    WeakKey,
    /// A signature is not 64 bytes (as given, or as a signer returned it).
    #[error("signature has {0} bytes, expected 64")]
    SignatureLength(usize),
    /// The signature does not verify under the key.
    #[error("signature does not verify")]
    BadSignature,
    /// A signer that holds its key elsewhere (HSM, KMS, the `nkeys` crate) failed.
    #[error("signer failed: {0}")]
    Signer(#[source] SignerError),
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// A sealed message is too short to hold the prefix, the nonce and a tag.
    #[error("sealed message is too short ({0} bytes)")]
    SealedTooShort(usize),
    /// A sealed message does not start with `xkv1`.
    #[error("sealed message has an unknown version prefix")]
    UnknownSealVersion,
    /// A sealed message does not open: wrong keys, or the message was altered.
    #[error("sealed message cannot be opened")]
    OpenFailed,
    /// A message could not be sealed.
    #[error("message cannot be sealed")]
    SealFailed,
}

/// The error a signer outside this crate failed with (see [`KeyError::Signer`]).
///
/// It is shared, so that [`KeyError`] stays cheap to clone; two are equal when they are
/// the same error.
#[derive(Clone)]
pub struct SignerError(Arc<dyn Error + Send + Sync>);

impl SignerError {
    /// Wraps the error a signer returned.
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync>>) -> SignerError {
        SignerError(Arc::from(error.into()))
    }
}

impl PartialEq for SignerError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SignerError {}

impl fmt::Debug for SignerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for SignerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Error for SignerError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

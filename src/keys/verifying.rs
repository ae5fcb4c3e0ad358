//! [`VerifyingKey`]: a public key read once as a curve point, for verifying many tokens.

use ed25519_dalek::Verifier as _;

use super::{KeyError, PublicKey, SIGNATURE_LENGTH};

/// An Ed25519 public key ready to verify: its curve point decompressed and checked once.
///
/// Reading a point costs about an eighth of a verification, so a verifier that sees the
/// same issuers many times (as [`Trust`](crate::trust::Trust) does) keeps these.
///
/// ```
/// use natsjwt::{KeyPair, VerifyingKey};
///
/// let account = KeyPair::new_account()?;
/// let key = VerifyingKey::new(account.public_key())?;
/// let signature = account.sign(b"message");
/// key.verify(b"message", &signature)?;
/// assert!(key.verify(b"another", &signature).is_err());
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    public: PublicKey,
    point: ed25519_dalek::VerifyingKey,
}

impl VerifyingKey {
    /// Reads `public`'s curve point. Curve (`X…`) keys do not verify; small-order points
    /// are refused, since anyone can make a signature that verifies under them.
    pub fn new(public: &PublicKey) -> Result<VerifyingKey, KeyError> {
        if !public.kind().signs() {
            return Err(KeyError::UnsupportedKind(public.kind()));
        }
        let point = ed25519_dalek::VerifyingKey::from_bytes(public.as_bytes())
            .map_err(|_| KeyError::InvalidPoint)?;
        if point.is_weak() {
            return Err(KeyError::WeakKey);
        }
        Ok(VerifyingKey {
            public: public.clone(),
            point,
        })
    }

    /// A key pair's own verifying key, whose point it already holds.
    pub(crate) fn from_parts(public: PublicKey, point: ed25519_dalek::VerifyingKey) -> Self {
        VerifyingKey { public, point }
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Checks an Ed25519 signature of `message`, with Go's `ed25519.Verify` rule
    /// (RFC 8032, cofactorless).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        let bytes: &[u8; SIGNATURE_LENGTH] = signature
            .try_into()
            .map_err(|_| KeyError::SignatureLength(signature.len()))?;
        self.point
            .verify(message, &ed25519_dalek::Signature::from_bytes(bytes))
            .map_err(|_| KeyError::BadSignature)
    }
}

//! [`Signer`]: what signs tokens, wherever its private key lives.

use std::fmt;

use super::{KeyError, KeyPair, PublicKey, SIGNATURE_LENGTH, SignerError};

/// Something that signs tokens: a [`KeyPair`], an `nkeys::KeyPair`, or an
/// [`ExternalSigner`] backed by an HSM or KMS.
///
/// The token's `iss` is the signer's public key; its kind decides which claims it may sign.
pub trait Signer {
    /// The signer's public key (`O…`, `A…`, `N…`).
    fn public_key(&self) -> Result<PublicKey, KeyError>;

    /// Signs `message` with Ed25519, returning the 64-byte signature.
    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], KeyError>;
}

impl Signer for KeyPair {
    fn public_key(&self) -> Result<PublicKey, KeyError> {
        Ok(KeyPair::public_key(self).clone())
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], KeyError> {
        Ok(KeyPair::sign(self, message))
    }
}

impl Signer for nkeys::KeyPair {
    fn public_key(&self) -> Result<PublicKey, KeyError> {
        PublicKey::parse(&nkeys::KeyPair::public_key(self))
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], KeyError> {
        let signature = nkeys::KeyPair::sign(self, message)
            .map_err(|e| KeyError::Signer(SignerError::new(e)))?;
        signature_bytes(signature)
    }
}

/// A signature as returned by a signer: exactly 64 bytes.
fn signature_bytes(signature: Vec<u8>) -> Result<[u8; SIGNATURE_LENGTH], KeyError> {
    let len = signature.len();
    signature
        .try_into()
        .map_err(|_| KeyError::SignatureLength(len))
}

/// A signer whose private key lives elsewhere (HSM, KMS, another process): Go's `SignFn`.
///
/// The callback gets the public key and the exact bytes to sign, and returns the
/// 64-byte Ed25519 signature.
///
/// ```
/// use natsjwt::{ExternalSigner, KeyPair, Signer};
///
/// let hsm_key = KeyPair::new_account()?;
/// let public = hsm_key.public_key().to_string();
/// let signer = ExternalSigner::new(&public, move |_public: &str, data: &[u8]| {
///     Ok(hsm_key.sign(data).to_vec())
/// })?;
/// assert_eq!(Signer::public_key(&signer)?.as_str(), public);
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
pub struct ExternalSigner<F> {
    public: PublicKey,
    sign_fn: F,
}

impl<F> ExternalSigner<F>
where
    F: Fn(&str, &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>,
{
    /// Wraps `sign_fn`, which signs for `public_key`. Curve keys do not sign.
    pub fn new(public_key: &str, sign_fn: F) -> Result<Self, KeyError> {
        let public = PublicKey::parse(public_key)?;
        if !public.kind().signs() {
            return Err(KeyError::UnsupportedKind(public.kind()));
        }
        Ok(ExternalSigner { public, sign_fn })
    }
}

impl<F> fmt::Debug for ExternalSigner<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExternalSigner({})", self.public)
    }
}

impl<F> Signer for ExternalSigner<F>
where
    F: Fn(&str, &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>,
{
    fn public_key(&self) -> Result<PublicKey, KeyError> {
        Ok(self.public.clone())
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], KeyError> {
        let signature = (self.sign_fn)(self.public.as_str(), message)
            .map_err(|e| KeyError::Signer(SignerError::new(e)))?;
        signature_bytes(signature)
    }
}

//! [`KeyPair`]: an Ed25519 nkey that signs.

use std::fmt;

use ed25519_dalek::SigningKey;
use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign};
use zeroize::Zeroize;

use super::encoding::{decode_seed, encode_seed, random_bytes};
use super::{KeyError, KeyKind, PublicKey, SIGNATURE_LENGTH, Secret, VerifyingKey};

/// An Ed25519 nkey pair that can sign: operator, account, user, server or cluster.
///
/// The private key is wiped from memory when the pair is dropped; `Debug` shows only the
/// public key.
///
/// ```
/// use natsjwt::{KeyKind, KeyPair};
///
/// let account = KeyPair::new_account()?;
/// assert_eq!(account.kind(), KeyKind::Account);
/// assert!(account.public_key().as_str().starts_with('A'));
///
/// // The seed is secret: it stays inside `Secret`, which redacts and wipes it.
/// let seed = account.seed();
/// let again = KeyPair::from_seed_kind(seed.expose(), KeyKind::Account)?;
/// assert_eq!(again.public_key(), account.public_key());
///
/// let signature = account.sign(b"message");
/// account.public_key().verify(b"message", &signature)?;
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
pub struct KeyPair {
    signing: SigningKey,
    /// The signing scalar and nonce prefix (SHA-512 of the seed), kept rather than derived
    /// again for every signature as `SigningKey::sign` does: a key that signs many tokens
    /// hashes its seed once.
    expanded: ExpandedSecretKey,
    public: PublicKey,
}

impl Clone for KeyPair {
    fn clone(&self) -> Self {
        KeyPair {
            signing: self.signing.clone(),
            expanded: ExpandedSecretKey {
                scalar: self.expanded.scalar,
                hash_prefix: self.expanded.hash_prefix,
            },
            public: self.public.clone(),
        }
    }
}

impl KeyPair {
    /// Creates a new random key pair of `kind`.
    pub fn generate(kind: KeyKind) -> Result<KeyPair, KeyError> {
        let bytes = random_bytes()?;
        KeyPair::from_raw_seed(kind, &bytes)
    }

    /// A new random operator key pair.
    pub fn new_operator() -> Result<KeyPair, KeyError> {
        KeyPair::generate(KeyKind::Operator)
    }

    /// A new random account key pair (also used for account signing keys).
    pub fn new_account() -> Result<KeyPair, KeyError> {
        KeyPair::generate(KeyKind::Account)
    }

    /// A new random user key pair.
    pub fn new_user() -> Result<KeyPair, KeyError> {
        KeyPair::generate(KeyKind::User)
    }

    /// The key pair of `kind` for 32 raw seed bytes. Curve keys are [`XKey`](crate::XKey)s.
    pub fn from_raw_seed(kind: KeyKind, seed: &[u8; 32]) -> Result<KeyPair, KeyError> {
        if !kind.signs() {
            return Err(KeyError::UnsupportedKind(kind));
        }
        let signing = SigningKey::from_bytes(seed);
        let expanded = ExpandedSecretKey::from(seed);
        let public = PublicKey::from_bytes(kind, signing.verifying_key().to_bytes());
        Ok(KeyPair {
            signing,
            expanded,
            public,
        })
    }

    /// Loads a key pair from its seed (`SO…`, `SA…`, `SU…`, `SN…`, `SC…`).
    ///
    /// Surrounding whitespace is ignored.
    pub fn from_seed(seed: &str) -> Result<KeyPair, KeyError> {
        let (kind, bytes) = decode_seed(seed.trim())?;
        KeyPair::from_raw_seed(kind, &bytes)
    }

    /// Loads a key pair from its seed and checks it is of `kind`.
    pub fn from_seed_kind(seed: &str, kind: KeyKind) -> Result<KeyPair, KeyError> {
        let pair = KeyPair::from_seed(seed)?;
        if pair.kind() != kind {
            return Err(KeyError::WrongKind {
                expected: kind,
                found: pair.kind(),
            });
        }
        Ok(pair)
    }

    /// The key's kind.
    pub fn kind(&self) -> KeyKind {
        self.public.kind()
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The public key, ready to verify (the pair already holds its curve point).
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::from_parts(self.public.clone(), self.signing.verifying_key())
    }

    /// The seed, as text (`S…`). It is secret: keep it in the returned [`Secret`].
    pub fn seed(&self) -> Secret {
        let mut bytes = self.signing.to_bytes();
        let seed = encode_seed(self.kind(), &bytes);
        bytes.zeroize();
        seed
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LENGTH] {
        // What `SigningKey::sign` computes, from the expansion made once.
        raw_sign::<sha2::Sha512>(&self.expanded, message, &self.signing.verifying_key()).to_bytes()
    }
}

/// The secrets, the `SigningKey` and its `ExpandedSecretKey`, wipe themselves on drop.
impl zeroize::ZeroizeOnDrop for KeyPair {}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPair({})", self.public)
    }
}

//! [`XKey`]: curve (X25519) keys and sealed boxes in Go's xkeys format, for encrypted
//! auth callout.
//!
//! A sealed message is `"xkv1"` ‖ a 24-byte nonce ‖ a NaCl box (X25519 +
//! XSalsa20-Poly1305, the 16-byte tag first), exactly as Go's `nkeys` `Seal` writes it.
//! When an account sets `authorization.xkey`, the server seals each authorization request
//! to that key (its own xkey travels in the `Nats-Server-Xkey` header) and the callout
//! service seals its response back to the server's xkey.

use std::fmt;

use zeroize::Zeroizing;

use super::encoding::{decode_seed, random_bytes};
use super::{KeyError, KeyKind, PublicKey, Secret};

/// A curve key pair (seed `SX…`, public key `X…`) that seals and opens messages.
///
/// The private key is wiped when dropped; `Debug` shows only the public key.
///
/// ```
/// use natsjwt::XKey;
///
/// let service = XKey::generate()?;
/// let server = XKey::generate()?;
/// let sealed = server.seal(b"request", service.public_key())?;
/// assert!(sealed.starts_with(XKey::VERSION));
/// assert_eq!(service.open(&sealed, server.public_key())?, b"request");
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "xkeys")))]
pub struct XKey {
    inner: nkeys::XKey,
    public: PublicKey,
}

fn to_nkeys_public(key: &PublicKey) -> Result<nkeys::XKey, KeyError> {
    if key.kind() != KeyKind::Curve {
        return Err(KeyError::WrongKind {
            expected: KeyKind::Curve,
            found: key.kind(),
        });
    }
    nkeys::XKey::from_public_key(key.as_str()).map_err(|_| KeyError::InvalidPoint)
}

impl XKey {
    /// The version prefix of sealed messages.
    pub const VERSION: &'static [u8; 4] = b"xkv1";
    /// Length of the nonce after the version prefix.
    pub const NONCE_LENGTH: usize = 24;

    /// A new random curve key pair.
    pub fn generate() -> Result<XKey, KeyError> {
        let bytes = random_bytes()?;
        Ok(XKey::from_raw_seed(&bytes))
    }

    /// The key pair whose X25519 private scalar is `seed` (as Go uses the seed directly).
    #[allow(
        clippy::expect_used,
        reason = "nkeys writes its own public key in the nkey format"
    )]
    pub fn from_raw_seed(seed: &[u8; 32]) -> XKey {
        let inner = nkeys::XKey::new_from_raw(*seed);
        let public = PublicKey::parse_kind(&inner.public_key(), KeyKind::Curve)
            .expect("nkeys::XKey::public_key is a valid curve public key");
        XKey { inner, public }
    }

    /// Loads a curve key pair from its seed (`SX…`); surrounding whitespace is ignored.
    pub fn from_seed(seed: &str) -> Result<XKey, KeyError> {
        let (kind, bytes) = decode_seed(seed.trim())?;
        if kind != KeyKind::Curve {
            return Err(KeyError::WrongKind {
                expected: KeyKind::Curve,
                found: kind,
            });
        }
        Ok(XKey::from_raw_seed(&bytes))
    }

    /// The public key (`X…`).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The seed (`SX…`); secret.
    #[allow(
        clippy::expect_used,
        reason = "an XKey is always built from its private key"
    )]
    pub fn seed(&self) -> Secret {
        let seed = Zeroizing::new(
            self.inner
                .seed()
                .expect("an XKey made from a seed has its private key"),
        );
        Secret::new(seed.as_str().to_owned())
    }

    /// Seals `message` for `recipient` with a random nonce.
    pub fn seal(&self, message: &[u8], recipient: &PublicKey) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; Self::NONCE_LENGTH];
        getrandom::getrandom(&mut nonce).map_err(|_| KeyError::Random)?;
        self.seal_with_nonce(message, recipient, nonce)
    }

    /// Seals `message` for `recipient` with the given nonce. A nonce must never be reused
    /// with the same pair of keys; use [`XKey::seal`] unless you need determinism.
    pub fn seal_with_nonce(
        &self,
        message: &[u8],
        recipient: &PublicKey,
        nonce: [u8; Self::NONCE_LENGTH],
    ) -> Result<Vec<u8>, KeyError> {
        let recipient = to_nkeys_public(recipient)?;
        self.inner
            .seal_with_nonce(message, &recipient, nonce.into())
            .map_err(|_| KeyError::SealFailed)
    }

    /// Opens a message `sender` sealed for this key.
    pub fn open(&self, sealed: &[u8], sender: &PublicKey) -> Result<Vec<u8>, KeyError> {
        if sealed.len() <= Self::VERSION.len() + Self::NONCE_LENGTH {
            return Err(KeyError::SealedTooShort(sealed.len()));
        }
        if !sealed.starts_with(Self::VERSION) {
            return Err(KeyError::UnknownSealVersion);
        }
        let sender = to_nkeys_public(sender)?;
        self.inner
            .open(sealed, &sender)
            .map_err(|_| KeyError::OpenFailed)
    }
}

impl fmt::Debug for XKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XKey({})", self.public)
    }
}

#[cfg(test)]
#[allow(clippy::string_slice)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn array32(bytes: &[u8]) -> [u8; 32] {
        bytes.try_into().unwrap()
    }

    // The crypto_box known answer from "Cryptography in NaCl" (Bernstein), §10: Alice seals
    // for Bob. Go's Seal output is "xkv1" ‖ nonce ‖ this box.
    const ALICE_SK: &str = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const BOB_SK: &str = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    const BOB_PK: &str = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const NONCE: &str = "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37";
    const MESSAGE: &str = "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705";
    const BOX: &str = "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5";

    fn go_format_box() -> Vec<u8> {
        let mut sealed = XKey::VERSION.to_vec();
        sealed.extend(hex(NONCE));
        sealed.extend(hex(BOX));
        sealed
    }

    #[test]
    fn seals_the_nacl_known_answer_in_go_format() {
        let alice = XKey::from_raw_seed(&array32(&hex(ALICE_SK)));
        let bob = XKey::from_raw_seed(&array32(&hex(BOB_SK)));
        assert_eq!(bob.public_key().as_bytes().to_vec(), hex(BOB_PK));
        let nonce: [u8; 24] = hex(NONCE).try_into().unwrap();
        let sealed = alice
            .seal_with_nonce(&hex(MESSAGE), bob.public_key(), nonce)
            .unwrap();
        assert_eq!(sealed, go_format_box());
    }

    #[test]
    fn opens_a_go_format_box() {
        let alice = XKey::from_raw_seed(&array32(&hex(ALICE_SK)));
        let bob = XKey::from_raw_seed(&array32(&hex(BOB_SK)));
        let opened = bob.open(&go_format_box(), alice.public_key()).unwrap();
        assert_eq!(opened, hex(MESSAGE));
        let mut altered = go_format_box();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(
            bob.open(&altered, alice.public_key()),
            Err(KeyError::OpenFailed)
        );
        let mut wrong_version = go_format_box();
        wrong_version[3] = b'2';
        assert_eq!(
            bob.open(&wrong_version, alice.public_key()),
            Err(KeyError::UnknownSealVersion)
        );
        assert_eq!(
            bob.open(&go_format_box()[..28], alice.public_key()),
            Err(KeyError::SealedTooShort(28))
        );
    }

    #[test]
    fn round_trip_and_seed() {
        let a = XKey::generate().unwrap();
        let b = XKey::generate().unwrap();
        assert!(a.public_key().as_str().starts_with('X'));
        assert!(a.seed().expose().starts_with("SX"));
        let again = XKey::from_seed(a.seed().expose()).unwrap();
        assert_eq!(again.public_key(), a.public_key());
        let sealed = a.seal(b"hello", b.public_key()).unwrap();
        assert_eq!(b.open(&sealed, a.public_key()).unwrap(), b"hello");
        assert!(!format!("{a:?}").contains(a.seed().expose()));
        let user = super::super::KeyPair::new_user().unwrap();
        assert!(matches!(
            a.seal(b"x", user.public_key()),
            Err(KeyError::WrongKind { .. })
        ));
        assert!(matches!(
            XKey::from_seed(user.seed().expose()),
            Err(KeyError::WrongKind { .. })
        ));
    }
}

//! [`PublicKey`]: a parsed public nkey of any kind.

use std::fmt;
use std::str::FromStr;

use super::encoding::{decode_public, encode_public};
use super::{KeyError, KeyKind, VerifyingKey};

/// A parsed public nkey: its kind, its 32 key bytes and its text form (`A…`, 56
/// characters).
///
/// Parsing checks the text only; [`PublicKey::verify`] and [`VerifyingKey`] check that the
/// bytes are a usable Ed25519 key.
///
/// ```
/// use natsjwt::{KeyKind, PublicKey};
///
/// let key: PublicKey = "UB2PQXG2GTI4E7CGEFEEOMPJCV44HWOGZ7ANSSZIDKQR5ELCAWFKSTJX".parse()?;
/// assert_eq!(key.kind(), KeyKind::User);
/// assert!(PublicKey::parse_kind(key.as_str(), KeyKind::Account).is_err());
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    kind: KeyKind,
    bytes: [u8; 32],
    encoded: String,
}

impl PublicKey {
    /// Parses a public key of any kind, checking base32, length, CRC and prefix.
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let (kind, bytes) = decode_public(text)?;
        Ok(PublicKey {
            kind,
            bytes,
            encoded: text.to_owned(),
        })
    }

    /// Parses a public key that must be of `kind`.
    pub fn parse_kind(text: &str, kind: KeyKind) -> Result<PublicKey, KeyError> {
        let key = PublicKey::parse(text)?;
        if key.kind != kind {
            return Err(KeyError::WrongKind {
                expected: kind,
                found: key.kind,
            });
        }
        Ok(key)
    }

    /// The public key of `kind` for raw key bytes.
    pub fn from_bytes(kind: KeyKind, bytes: [u8; 32]) -> PublicKey {
        PublicKey {
            kind,
            encoded: encode_public(kind, &bytes),
            bytes,
        }
    }

    /// The key's kind.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The raw 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    /// Checks an Ed25519 signature of `message` by this key, with Go's `ed25519.Verify`
    /// rule (RFC 8032, cofactorless), refusing weak keys.
    ///
    /// This reads the key's curve point each time; to verify many signatures by one
    /// key, make a [`VerifyingKey`] once.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        VerifyingKey::new(self)?.verify(message, signature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.encoded)
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encoded)
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::parse(s)
    }
}

impl From<PublicKey> for String {
    fn from(key: PublicKey) -> String {
        key.encoded
    }
}

impl AsRef<str> for PublicKey {
    fn as_ref(&self) -> &str {
        &self.encoded
    }
}

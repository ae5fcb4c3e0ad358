//! NKeys: key kinds, public keys, seeds, key pairs and the [`Signer`] abstraction.
//!
//! An nkey is an Ed25519 key (or, for [`KeyKind::Curve`], an X25519 key) written as
//! base32 (RFC 4648 alphabet, no padding) of `prefix ‖ key ‖ crc16`, where the CRC is
//! CRC-16/XMODEM stored little-endian. Public keys are 56 characters and start with the
//! kind's letter (`O`, `A`, `U`, `N`, `C`, `X`); seeds are 58 characters and start with
//! `S` followed by the kind's letter.
//!
//! Unlike nkeys v0.4.11 in Go, every decoder here requires the key or seed to be exactly
//! 32 bytes (Go before nkeys PR #86 panics on other lengths) and requires the prefix byte
//! to be exactly one of the known kinds (Go's `IsValidPublic*Key` masks the low three bits).

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::hazmat::{raw_sign, ExpandedSecretKey};
use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use zeroize::{Zeroize, Zeroizing};

/// Length in bytes of an Ed25519 signature.
pub const SIGNATURE_LENGTH: usize = 64;

const SEED_PREFIX: u8 = 18 << 3;
const PUBLIC_KEY_BYTES: usize = 1 + 32 + 2;
const SEED_BYTES: usize = 2 + 32 + 2;
const BASE32: data_encoding::Encoding = data_encoding::BASE32_NOPAD;

/// Errors reading or using keys.
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
    #[error("expected {expected} key, got {found} key")]
    WrongKind {
        /// The kind that was required.
        expected: KeyKind,
        /// The kind that was found.
        found: KeyKind,
    },
    /// The key's kind cannot be used for this operation (for example signing with a curve key).
    #[error("a {0} key cannot be used for this operation")]
    UnsupportedKind(KeyKind),
    /// The 32 bytes are not a valid Ed25519 public key.
    #[error("key bytes are not a valid Ed25519 point")]
    InvalidPoint,
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
}

/// The kind of an nkey, given by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KeyKind {
    /// Operator key, prefix `O`; signs accounts.
    Operator,
    /// Account key, prefix `A`; signs users and activations.
    Account,
    /// User key, prefix `U`; authenticates a client.
    User,
    /// Server key, prefix `N`; signs auth callout requests.
    Server,
    /// Cluster key, prefix `C`.
    Cluster,
    /// Curve (X25519) key, prefix `X`; encrypts auth callout payloads.
    Curve,
}

impl KeyKind {
    /// Every kind a public key may have.
    pub const ALL: [KeyKind; 6] = [
        KeyKind::Operator,
        KeyKind::Account,
        KeyKind::User,
        KeyKind::Server,
        KeyKind::Cluster,
        KeyKind::Curve,
    ];

    /// The prefix byte written in front of the key bytes.
    pub const fn prefix_byte(self) -> u8 {
        match self {
            KeyKind::Operator => 14 << 3,
            KeyKind::Account => 0,
            KeyKind::User => 20 << 3,
            KeyKind::Server => 13 << 3,
            KeyKind::Cluster => 2 << 3,
            KeyKind::Curve => 23 << 3,
        }
    }

    /// The first character of a public key of this kind.
    pub const fn letter(self) -> char {
        match self {
            KeyKind::Operator => 'O',
            KeyKind::Account => 'A',
            KeyKind::User => 'U',
            KeyKind::Server => 'N',
            KeyKind::Cluster => 'C',
            KeyKind::Curve => 'X',
        }
    }

    /// The kind whose prefix byte is `byte`, if any.
    pub fn from_prefix_byte(byte: u8) -> Option<KeyKind> {
        KeyKind::ALL.into_iter().find(|k| k.prefix_byte() == byte)
    }

    /// The kind named by the first character of a public key, if any.
    pub fn from_letter(letter: char) -> Option<KeyKind> {
        KeyKind::ALL.into_iter().find(|k| k.letter() == letter)
    }

    /// Lower-case name, as in error messages ("account").
    pub const fn name(self) -> &'static str {
        match self {
            KeyKind::Operator => "operator",
            KeyKind::Account => "account",
            KeyKind::User => "user",
            KeyKind::Server => "server",
            KeyKind::Cluster => "cluster",
            KeyKind::Curve => "curve",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// CRC-16/XMODEM tables, computed at compile time: `CRC16_TABLES[k][x]` is the CRC of
/// byte `x` followed by `k` zero bytes. With them eight bytes take one step of eight
/// independent lookups instead of eight dependent ones (validation checks every key an
/// account lists, and the byte-at-a-time chain was most of that).
// Indexing in a constant is checked when compiling: it cannot panic at run time.
#[allow(clippy::indexing_slicing)]
const CRC16_TABLES: [[u16; 256]; 8] = {
    let mut tables = [[0u16; 256]; 8];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = (byte as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut byte = 0;
        while byte < 256 {
            // One more zero byte after the CRC of the shorter sequence.
            let crc = tables[k - 1][byte];
            tables[k][byte] = (crc << 8) ^ tables[0][(crc >> 8) as usize];
            byte += 1;
        }
        k += 1;
    }
    tables
};

/// The `k`-zero-bytes table entry for `index` (see [`CRC16_TABLES`]).
fn crc16_entry<const K: usize>(index: u16) -> u16 {
    CRC16_TABLES
        .get(K)
        .and_then(|table| table.get(usize::from(index)))
        .copied()
        .unwrap_or(0)
}

/// CRC-16/XMODEM (poly 0x1021, init 0), as nkeys appends to every key.
fn crc16(data: &[u8]) -> u16 {
    let mut chunks = data.chunks_exact(8);
    let mut crc = 0u16;
    for chunk in &mut chunks {
        let &[b0, b1, b2, b3, b4, b5, b6, b7] = chunk else {
            continue;
        };
        let [high, low] = crc.to_be_bytes();
        crc = crc16_entry::<7>(u16::from(high ^ b0))
            ^ crc16_entry::<6>(u16::from(low ^ b1))
            ^ crc16_entry::<5>(u16::from(b2))
            ^ crc16_entry::<4>(u16::from(b3))
            ^ crc16_entry::<3>(u16::from(b4))
            ^ crc16_entry::<2>(u16::from(b5))
            ^ crc16_entry::<1>(u16::from(b6))
            ^ crc16_entry::<0>(u16::from(b7));
    }
    chunks.remainder().iter().fold(crc, |crc, &byte| {
        (crc << 8) ^ crc16_entry::<0>(u16::from((crc >> 8) as u8 ^ byte))
    })
}

/// Encodes `prefix ‖ key ‖ crc` as base32.
fn encode_with_prefix(prefix: &[u8], key: &[u8; 32]) -> Zeroizing<String> {
    let mut raw = Zeroizing::new(Vec::with_capacity(prefix.len() + 34));
    raw.extend_from_slice(prefix);
    raw.extend_from_slice(key);
    let crc = crc16(&raw);
    raw.extend_from_slice(&crc.to_le_bytes());
    Zeroizing::new(BASE32.encode(&raw))
}

/// Base32-decodes `text` into `out`, which it must fill exactly, and checks the CRC.
///
/// The caller owns the buffer: a seed's is wiped on drop, a public key's need not be.
fn decode_checked<const N: usize>(text: &str, out: &mut [u8; N]) -> Result<(), KeyError> {
    let input = text.as_bytes();
    let len = BASE32
        .decode_len(input.len())
        .map_err(|_| KeyError::InvalidEncoding)?;
    if len == N {
        // The usual case: decode straight into the result, no heap buffer.
        let written = BASE32
            .decode_mut(input, out.as_mut_slice())
            .map_err(|_| KeyError::InvalidEncoding)?;
        if written == N {
            return check_crc(out.as_slice());
        }
        // Fewer bytes than the text's length promises cannot happen without padding, but
        // if it did the length error below is the right answer.
        return Err(KeyError::InvalidLength {
            actual: written.saturating_sub(N - 32),
        });
    }
    let mut buf = Zeroizing::new(vec![0u8; len]);
    let written = BASE32
        .decode_mut(input, &mut buf)
        .map_err(|_| KeyError::InvalidEncoding)?;
    let raw = buf.get(..written).ok_or(KeyError::InvalidEncoding)?;
    if raw.len() != N {
        return Err(KeyError::InvalidLength {
            actual: raw.len().saturating_sub(N - 32),
        });
    }
    check_crc(raw)?;
    out.copy_from_slice(raw);
    Ok(())
}

/// Checks the little-endian CRC-16 in the last two bytes of `raw`.
fn check_crc(raw: &[u8]) -> Result<(), KeyError> {
    let (body, crc) = raw.split_at(raw.len().saturating_sub(2));
    let expected = u16::from_le_bytes([
        crc.first().copied().unwrap_or(0),
        crc.get(1).copied().unwrap_or(0),
    ]);
    if crc16(body) != expected {
        return Err(KeyError::ChecksumMismatch);
    }
    Ok(())
}

fn key_bytes(raw: &[u8], offset: usize) -> [u8; 32] {
    let mut key = [0u8; 32];
    if let Some(src) = raw.get(offset..offset + 32) {
        key.copy_from_slice(src);
    }
    key
}

/// A parsed public nkey: its kind, its 32 key bytes and its text form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    kind: KeyKind,
    bytes: [u8; 32],
    encoded: String,
}

/// The kind and key bytes of a public key, checked as [`PublicKey::parse`] does but
/// without keeping the text: for checks that only need to know the key is valid.
fn parse_public(text: &str) -> Result<(KeyKind, [u8; 32]), KeyError> {
    let mut raw = [0u8; PUBLIC_KEY_BYTES];
    decode_checked(text, &mut raw)?;
    let prefix = raw.first().copied().unwrap_or(0xff);
    let kind = KeyKind::from_prefix_byte(prefix).ok_or(KeyError::InvalidPrefix)?;
    Ok((kind, key_bytes(raw.as_slice(), 1)))
}

/// [`PublicKey::parse_kind`]'s check, without building the key.
pub(crate) fn check_public_kind(text: &str, kind: KeyKind) -> Result<(), KeyError> {
    let (found, _) = parse_public(text)?;
    if found != kind {
        return Err(KeyError::WrongKind {
            expected: kind,
            found,
        });
    }
    Ok(())
}

/// The kind of a public key, checked as [`PublicKey::parse`] does, without building it.
pub(crate) fn parse_public_kind(text: &str) -> Result<KeyKind, KeyError> {
    parse_public(text).map(|(kind, _)| kind)
}

impl PublicKey {
    /// Parses a public key of any kind, checking base32, length, CRC and prefix.
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let (kind, bytes) = parse_public(text)?;
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

    /// Builds the public key of `kind` for raw key bytes.
    pub fn from_bytes(kind: KeyKind, bytes: [u8; 32]) -> PublicKey {
        let encoded = encode_with_prefix(&[kind.prefix_byte()], &bytes);
        PublicKey {
            kind,
            bytes,
            encoded: encoded.as_str().to_owned(),
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

    /// The text form (`A…`, 56 characters).
    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    /// Checks an Ed25519 signature of `message` by this key.
    ///
    /// Uses the same (non-strict, RFC 8032 cofactorless) rule as Go's `ed25519.Verify`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        if self.kind == KeyKind::Curve {
            return Err(SignatureError::CurveKey);
        }
        verify_with(&recent_point(&self.bytes)?, message, signature)
    }
}

/// How many decompressed issuer keys each thread keeps (see [`recent_point`]).
const RECENT_POINTS: usize = 8;

/// A public key's bytes and its point.
type KeptPoint = Option<([u8; 32], VerifyingKey)>;

std::thread_local! {
    /// The last issuer keys this thread decompressed, by their first byte modulo
    /// [`RECENT_POINTS`]. Only public keys, and only points derived from them, are kept.
    static POINTS: std::cell::RefCell<[KeptPoint; RECENT_POINTS]> =
        const { std::cell::RefCell::new([None; RECENT_POINTS]) };
}

/// `bytes` as a curve point.
///
/// Decoding a token parses its `iss` afresh, and decompressing the point costs about an
/// eighth of a verification. A verifier sees few issuers (accounts) many times, so each
/// thread keeps the last few points: `decode` then costs little more than the bare
/// verification. The point is a pure function of the bytes, so a hit gives exactly what
/// decompressing would; a miss, or a collision in the small table, just decompresses.
fn recent_point(bytes: &[u8; 32]) -> Result<VerifyingKey, SignatureError> {
    let slot = usize::from(bytes[0]) % RECENT_POINTS;
    let cached = POINTS
        .try_with(|points| {
            let points = points.try_borrow().ok()?;
            match points.get(slot) {
                Some(Some((key, point))) if key == bytes => Some(*point),
                _ => None,
            }
        })
        .ok()
        .flatten();
    if let Some(point) = cached {
        return Ok(point);
    }
    let point = VerifyingKey::from_bytes(bytes).map_err(|_| SignatureError::Invalid)?;
    if point.is_weak() {
        return Err(SignatureError::WeakKey);
    }
    // Best effort: a thread being torn down simply does not cache.
    let _ = POINTS.try_with(|points| {
        if let Ok(mut points) = points.try_borrow_mut() {
            if let Some(entry) = points.get_mut(slot) {
                *entry = Some((*bytes, point));
            }
        }
    });
    Ok(point)
}

/// Verifies with an already-decompressed key.
fn verify_with(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
    let bytes: &[u8; SIGNATURE_LENGTH] = signature
        .try_into()
        .map_err(|_| SignatureError::Length(signature.len()))?;
    key.verify(message, &Signature::from_bytes(bytes))
        .map_err(|_| SignatureError::Invalid)
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature is not 64 bytes.
    #[error("signature has {0} bytes, expected 64")]
    Length(usize),
    /// The signature does not verify under the key.
    #[error("signature does not verify")]
    Invalid,
    /// Curve keys do not sign.
    #[error("curve keys cannot sign or verify")]
    CurveKey,
    /// The key is a small-order point, under which anyone can make a signature that
    /// verifies; no key pair has one (Go accepts them).
    #[error("the key is a weak (small-order) point")]
    WeakKey,
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

impl AsRef<str> for PublicKey {
    fn as_ref(&self) -> &str {
        &self.encoded
    }
}

/// True when `text` is a valid public key of `kind` (Go's `IsValidPublic*Key`).
pub fn is_valid_public_key(text: &str, kind: KeyKind) -> bool {
    check_public_kind(text, kind).is_ok()
}

/// The kind of a valid public key, or `None` when `text` is not one.
pub fn public_key_kind(text: &str) -> Option<KeyKind> {
    parse_public_kind(text).ok()
}

/// Secret text: a seed or a creds file.
///
/// The text is wiped from memory when dropped and never shown by `Debug`; there is no
/// `Display`. Read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps secret text.
    pub fn new(text: String) -> Secret {
        Secret(Zeroizing::new(text))
    }

    /// The secret text. Handle with care: copies made from it are not wiped.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The text is held in `Zeroizing`, which wipes it on drop.
impl zeroize::ZeroizeOnDrop for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret::new(text)
    }
}

/// Decodes a seed into its kind and its 32 seed bytes (wiped on drop).
pub fn decode_seed(seed: &str) -> Result<(KeyKind, Zeroizing<[u8; 32]>), KeyError> {
    if !seed.starts_with('S') {
        return Err(KeyError::NotASeed);
    }
    let mut raw = Zeroizing::new([0u8; SEED_BYTES]);
    decode_checked(seed, &mut raw)?;
    let b0 = raw.first().copied().unwrap_or(0);
    let b1 = raw.get(1).copied().unwrap_or(0);
    if b0 & 0xf8 != SEED_PREFIX {
        return Err(KeyError::NotASeed);
    }
    let kind_byte = ((b0 & 0x07) << 5) | ((b1 & 0xf8) >> 3);
    let kind = KeyKind::from_prefix_byte(kind_byte).ok_or(KeyError::InvalidPrefix)?;
    let mut bytes = Zeroizing::new([0u8; 32]);
    if let Some(src) = raw.get(2..34) {
        bytes.copy_from_slice(src);
    }
    Ok((kind, bytes))
}

/// Encodes 32 seed bytes as a seed of `kind` (`S` + kind letter).
pub fn encode_seed(kind: KeyKind, bytes: &[u8; 32]) -> Secret {
    let p = kind.prefix_byte();
    let prefix = [SEED_PREFIX | (p >> 5), (p & 0x1f) << 3];
    let mut encoded = encode_with_prefix(&prefix, bytes);
    Secret::new(std::mem::take(&mut *encoded))
}

/// Fills 32 bytes from the operating system's random number generator.
pub(crate) fn random_bytes() -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(bytes.as_mut_slice()).map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

/// An Ed25519 nkey pair that can sign: operator, account, user, server or cluster.
///
/// The private key is wiped from memory when the pair is dropped; `Debug` shows only the
/// public key.
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

    /// Builds the key pair of `kind` from 32 raw seed bytes.
    pub fn from_raw_seed(kind: KeyKind, seed: &[u8; 32]) -> Result<KeyPair, KeyError> {
        if kind == KeyKind::Curve {
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
        self.public.kind
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
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
        write!(f, "KeyPair({})", self.public.encoded)
    }
}

/// Why a [`Signer`] could not sign.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The signer's public key is not a valid nkey.
    #[error("signer public key is invalid: {0}")]
    PublicKey(#[from] KeyError),
    /// The signer returned a signature that is not 64 bytes.
    #[error("signer returned {0} bytes, expected a 64-byte signature")]
    SignatureLength(usize),
    /// The signer has no private key.
    #[error("signer cannot sign: {0}")]
    CannotSign(String),
    /// An external signer (HSM, KMS) failed.
    #[error("external signer failed: {0}")]
    External(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Something that signs tokens: a [`KeyPair`], an `nkeys::KeyPair`, or an
/// [`ExternalSigner`] backed by an HSM or KMS.
///
/// The token's `iss` is the signer's public key; its kind decides which claims it may sign.
pub trait Signer {
    /// The signer's public key in text form (`O…`, `A…`, `N…`).
    fn public_key(&self) -> Result<String, SignError>;

    /// Signs `message` with Ed25519, returning the 64-byte signature.
    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], SignError>;

    /// The signer's public key and its kind. The default parses [`Signer::public_key`];
    /// signers that hold a parsed key answer without parsing it again.
    fn public_key_and_kind(&self) -> Result<(String, KeyKind), SignError> {
        let text = self.public_key()?;
        let kind = parse_public_kind(&text)?;
        Ok((text, kind))
    }
}

impl Signer for KeyPair {
    fn public_key(&self) -> Result<String, SignError> {
        Ok(self.public.encoded.clone())
    }

    fn public_key_and_kind(&self) -> Result<(String, KeyKind), SignError> {
        Ok((self.public.encoded.clone(), self.public.kind))
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], SignError> {
        Ok(KeyPair::sign(self, message))
    }
}

impl Signer for nkeys::KeyPair {
    fn public_key(&self) -> Result<String, SignError> {
        Ok(nkeys::KeyPair::public_key(self))
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], SignError> {
        let signature = nkeys::KeyPair::sign(self, message)
            .map_err(|e| SignError::CannotSign(e.to_string()))?;
        let len = signature.len();
        signature
            .try_into()
            .map_err(|_| SignError::SignatureLength(len))
    }
}

/// The error type an [`ExternalSigner`] callback returns.
pub type ExternalSignError = Box<dyn std::error::Error + Send + Sync>;

/// A signer whose private key lives elsewhere (HSM, KMS, another process): Go's `SignFn`.
///
/// The callback gets the public key and the exact bytes to sign, and returns the
/// 64-byte Ed25519 signature.
///
/// ```
/// use natsjwt::{ExternalSigner, KeyPair, Signer};
/// let hsm_key = KeyPair::new_account().unwrap();
/// let public = hsm_key.public_key().to_string();
/// let signer = ExternalSigner::new(&public, move |_public: &str, data: &[u8]| {
///     Ok(hsm_key.sign(data).to_vec())
/// })
/// .unwrap();
/// assert_eq!(Signer::public_key(&signer).unwrap(), public);
/// ```
pub struct ExternalSigner<F> {
    public: PublicKey,
    sign_fn: F,
}

impl<F> ExternalSigner<F>
where
    F: Fn(&str, &[u8]) -> Result<Vec<u8>, ExternalSignError>,
{
    /// Wraps `sign_fn`, which signs for `public_key`.
    pub fn new(public_key: &str, sign_fn: F) -> Result<Self, KeyError> {
        let public = PublicKey::parse(public_key)?;
        if public.kind() == KeyKind::Curve {
            return Err(KeyError::UnsupportedKind(KeyKind::Curve));
        }
        Ok(ExternalSigner { public, sign_fn })
    }
}

impl<F> fmt::Debug for ExternalSigner<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExternalSigner({})", self.public.encoded)
    }
}

impl<F> Signer for ExternalSigner<F>
where
    F: Fn(&str, &[u8]) -> Result<Vec<u8>, ExternalSignError>,
{
    fn public_key(&self) -> Result<String, SignError> {
        Ok(self.public.encoded.clone())
    }

    fn public_key_and_kind(&self) -> Result<(String, KeyKind), SignError> {
        Ok((self.public.encoded.clone(), self.public.kind))
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], SignError> {
        let signature =
            (self.sign_fn)(&self.public.encoded, message).map_err(SignError::External)?;
        let len = signature.len();
        signature
            .try_into()
            .map_err(|_| SignError::SignatureLength(len))
    }
}

#[cfg(test)]
#[allow(clippy::string_slice)]
mod tests {
    use super::*;

    // Vector keys from ../shared/vectors (Go nkeys).
    const OPERATOR_SEED: &str = "SOACCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIPAZ4";
    const OPERATOR_PUB: &str = "OCEEXCCX6TVKCYJ4MFIE3M2NJPVPGRSRPIHDDXR43XKNTNBADWOQWDTB";
    const USER_SEED: &str = "SUACGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZBOQ";
    const USER_PUB: &str = "UB2PQXG2GTI4E7CGEFEEOMPJCV44HWOGZ7ANSSZIDKQR5ELCAWFKSTJX";

    #[test]
    fn recent_points_never_confuse_two_keys() {
        // Keys whose first bytes share a slot of the per-thread table, used in turn: each
        // signature verifies under its own key only, whether the point was kept or not.
        let mut pairs = Vec::new();
        for seed in 0u8..=255 {
            let pair = KeyPair::from_raw_seed(KeyKind::Account, &[seed; 32]).unwrap();
            let slot = usize::from(pair.public_key().as_bytes()[0]) % RECENT_POINTS;
            if slot == 0 {
                pairs.push(pair);
            }
            if pairs.len() == 3 {
                break;
            }
        }
        assert_eq!(pairs.len(), 3);
        for round in 0..3 {
            for (i, signer) in pairs.iter().enumerate() {
                let message = format!("round {round} key {i}");
                let signature = signer.sign(message.as_bytes());
                for (j, verifier) in pairs.iter().enumerate() {
                    // A fresh parse: no point kept in the key itself.
                    let key = PublicKey::parse(verifier.public_key().as_str()).unwrap();
                    let result = key.verify(message.as_bytes(), &signature);
                    if i == j {
                        assert_eq!(result, Ok(()));
                    } else {
                        assert_eq!(result, Err(SignatureError::Invalid));
                    }
                }
            }
        }
    }

    #[test]
    fn small_order_keys_verify_nothing() {
        // The identity point: (R = identity, s = 0) "signs" any message under it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let key = PublicKey::from_bytes(KeyKind::Account, identity);
        let mut forged = [0u8; 64];
        forged[0] = 1;
        assert_eq!(
            key.verify(b"anything", &forged),
            Err(SignatureError::WeakKey)
        );
    }

    /// Signing from the kept expansion gives `SigningKey::sign`'s signature, for the
    /// pair and for its clone.
    #[test]
    fn sign_matches_signing_key_sign() {
        use ed25519_dalek::Signer as _;
        for byte in [0u8, 7, 255] {
            let pair = KeyPair::from_raw_seed(KeyKind::Account, &[byte; 32]).unwrap();
            let dalek = SigningKey::from_bytes(&[byte; 32]);
            for message in [&b""[..], b"a", &[byte; 1000]] {
                let expected = dalek.sign(message).to_bytes();
                assert_eq!(pair.sign(message), expected);
                assert_eq!(pair.clone().sign(message), expected);
            }
        }
    }

    #[test]
    fn crc16_xmodem_check_value() {
        assert_eq!(crc16(b"123456789"), 0x31c3);
    }

    /// The eight-bytes-a-step CRC equals the byte-at-a-time one for every length up to
    /// 40 (every remainder) at every offset within a step, over varied bytes.
    #[test]
    fn crc16_matches_the_bytewise_definition() {
        // One byte per step through the single-byte table (pinned by the check value).
        let bytewise = |data: &[u8]| {
            data.iter().fold(0u16, |crc, &byte| {
                (crc << 8) ^ CRC16_TABLES[0][usize::from((crc >> 8) as u8 ^ byte)]
            })
        };
        let data: Vec<u8> = (0u32..40).map(|i| (i * 97 + 13) as u8 ^ 0x5a).collect();
        for len in 0..=data.len() {
            for start in 0..8.min(data.len() - len + 1) {
                let part = &data[start..start + len];
                assert_eq!(crc16(part), bytewise(part), "{part:?}");
            }
        }
        assert_eq!(crc16(&[0xff; 35]), bytewise(&[0xff; 35]));
    }

    #[test]
    fn seeds_give_go_public_keys() {
        let op = KeyPair::from_seed(OPERATOR_SEED).unwrap();
        assert_eq!(op.kind(), KeyKind::Operator);
        assert_eq!(op.public_key().as_str(), OPERATOR_PUB);
        assert_eq!(op.seed().expose(), OPERATOR_SEED);
        let user = KeyPair::from_seed(USER_SEED).unwrap();
        assert_eq!(user.public_key().as_str(), USER_PUB);
    }

    #[test]
    fn all_ones_seed_is_the_spec_operator() {
        let pair = KeyPair::from_raw_seed(KeyKind::Operator, &[1u8; 32]).unwrap();
        assert_eq!(
            pair.seed().expose(),
            "SOAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIATA"
        );
        assert_eq!(
            pair.public_key().as_str(),
            "OCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVYOCS"
        );
    }

    #[test]
    fn generated_keys_round_trip_through_seed() {
        for kind in KeyKind::ALL.into_iter().filter(|&k| k != KeyKind::Curve) {
            let pair = KeyPair::generate(kind).unwrap();
            assert!(pair.public_key().as_str().starts_with(kind.letter()));
            assert_eq!(
                pair.seed().expose().get(..2),
                Some(format!("S{}", kind.letter()).as_str())
            );
            let again = KeyPair::from_seed(pair.seed().expose()).unwrap();
            assert_eq!(again.public_key(), pair.public_key());
        }
    }

    #[test]
    fn matches_the_nkeys_crate() {
        let ours = KeyPair::new_account().unwrap();
        let theirs = nkeys::KeyPair::from_seed(ours.seed().expose()).unwrap();
        assert_eq!(theirs.public_key(), ours.public_key().as_str());
        let msg = b"hello";
        assert_eq!(
            Signer::sign(&theirs, msg).unwrap(),
            Signer::sign(&ours, msg).unwrap()
        );
    }

    #[test]
    fn rejects_bad_crc() {
        let mut bad = OPERATOR_PUB.to_string();
        bad.replace_range(10..11, if &bad[10..11] == "A" { "B" } else { "A" });
        assert_eq!(PublicKey::parse(&bad), Err(KeyError::ChecksumMismatch));
        let mut bad_seed = USER_SEED.to_string();
        bad_seed.replace_range(20..21, if &bad_seed[20..21] == "A" { "B" } else { "A" });
        assert_eq!(
            KeyPair::from_seed(&bad_seed).unwrap_err(),
            KeyError::ChecksumMismatch
        );
    }

    #[test]
    fn rejects_wrong_lengths() {
        // 31 key bytes with a valid CRC.
        let mut raw = vec![KeyKind::Account.prefix_byte()];
        raw.extend_from_slice(&[7u8; 31]);
        let crc = crc16(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        let short = BASE32.encode(&raw);
        assert_eq!(
            PublicKey::parse(&short),
            Err(KeyError::InvalidLength { actual: 31 })
        );
        let mut raw = vec![KeyKind::Account.prefix_byte()];
        raw.extend_from_slice(&[7u8; 33]);
        let crc = crc16(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(
            PublicKey::parse(&BASE32.encode(&raw)),
            Err(KeyError::InvalidLength { actual: 33 })
        );
        let mut seed = vec![SEED_PREFIX, 0];
        seed.extend_from_slice(&[9u8; 33]);
        let crc = crc16(&seed);
        seed.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(
            KeyPair::from_seed(&BASE32.encode(&seed)).unwrap_err(),
            KeyError::InvalidLength { actual: 33 }
        );
        assert_eq!(
            PublicKey::parse(""),
            Err(KeyError::InvalidLength { actual: 0 })
        );
    }

    #[test]
    fn rejects_bad_encoding_and_prefixes() {
        assert_eq!(PublicKey::parse("a!"), Err(KeyError::InvalidEncoding));
        assert_eq!(
            PublicKey::parse(&format!("{OPERATOR_PUB}=")),
            Err(KeyError::InvalidEncoding)
        );
        // A seed is not a public key.
        assert!(matches!(
            PublicKey::parse(USER_SEED),
            Err(KeyError::InvalidLength { .. })
        ));
        assert_eq!(
            KeyPair::from_seed(USER_PUB).unwrap_err(),
            KeyError::NotASeed
        );
        // Private-key prefix 'P' in a public key.
        let mut raw = vec![15u8 << 3];
        raw.extend_from_slice(&[3u8; 32]);
        let crc = crc16(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(
            PublicKey::parse(&BASE32.encode(&raw)),
            Err(KeyError::InvalidPrefix)
        );
        assert_eq!(
            PublicKey::parse_kind(OPERATOR_PUB, KeyKind::Account),
            Err(KeyError::WrongKind {
                expected: KeyKind::Account,
                found: KeyKind::Operator
            })
        );
        assert!(is_valid_public_key(USER_PUB, KeyKind::User));
        assert!(!is_valid_public_key(USER_PUB, KeyKind::Account));
        assert_eq!(public_key_kind(OPERATOR_PUB), Some(KeyKind::Operator));
    }

    #[test]
    fn secrets_are_redacted() {
        let pair = KeyPair::from_seed(USER_SEED).unwrap();
        let seed = pair.seed();
        assert_eq!(format!("{seed:?}"), "Secret(<redacted>)");
        assert!(!format!("{pair:?}").contains("SU"));
        assert!(format!("{pair:?}").contains(USER_PUB));
    }

    #[test]
    fn curve_keys_do_not_sign() {
        assert_eq!(
            KeyPair::from_raw_seed(KeyKind::Curve, &[1; 32]).unwrap_err(),
            KeyError::UnsupportedKind(KeyKind::Curve)
        );
    }

    #[test]
    fn signatures_verify() {
        let pair = KeyPair::new_user().unwrap();
        let sig = pair.sign(b"abc");
        pair.public_key().verify(b"abc", &sig).unwrap();
        assert_eq!(
            pair.public_key().verify(b"abd", &sig),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            pair.public_key().verify(b"abc", &sig[..63]),
            Err(SignatureError::Length(63))
        );
    }

    #[test]
    fn external_signer_checks_length() {
        let signer = ExternalSigner::new(USER_PUB, |_: &str, _: &[u8]| Ok(vec![0u8; 10])).unwrap();
        assert!(matches!(
            Signer::sign(&signer, b"x"),
            Err(SignError::SignatureLength(10))
        ));
        let failing =
            ExternalSigner::new(USER_PUB, |_: &str, _: &[u8]| Err("hsm offline".into())).unwrap();
        let err = Signer::sign(&failing, b"x").unwrap_err();
        assert_eq!(err.to_string(), "external signer failed: hsm offline");
    }
}

//! [`KeyKind`]: what a key is for, as its prefix says.

use std::fmt;

/// The kind of an nkey, given by its prefix.
///
/// ```
/// use natsjwt::{KeyKind, KeyPair, PublicKey};
///
/// let account = KeyPair::new_account()?;
/// assert_eq!(account.kind(), KeyKind::Account);
/// assert!(account.public_key().as_str().starts_with(KeyKind::Account.letter()));
/// assert!(account.seed().expose().starts_with("SA"));
///
/// let server = KeyPair::generate(KeyKind::Server)?;
/// assert_eq!(PublicKey::parse(server.public_key().as_str())?.kind(), KeyKind::Server);
/// assert_eq!(KeyKind::from_prefix_byte(KeyKind::User.prefix_byte()), Some(KeyKind::User));
/// assert_eq!(KeyKind::Operator.to_string(), "operator");
/// assert!(!KeyKind::Curve.signs());
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
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

    /// The name with its indefinite article, for messages ("an account", "a user").
    pub(crate) const fn with_article(self) -> &'static str {
        match self {
            KeyKind::Operator => "an operator",
            KeyKind::Account => "an account",
            KeyKind::User => "a user",
            KeyKind::Server => "a server",
            KeyKind::Cluster => "a cluster",
            KeyKind::Curve => "a curve",
        }
    }

    /// True for the kinds whose keys are Ed25519 keys that sign (all but [`KeyKind::Curve`]).
    pub const fn signs(self) -> bool {
        !matches!(self, KeyKind::Curve)
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

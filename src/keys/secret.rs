//! [`Secret`]: seeds and creds files, wiped on drop and never shown.

use std::fmt;

use zeroize::Zeroizing;

/// Secret text: a seed or a creds file.
///
/// The text is wiped from memory when dropped and never shown by `Debug`; there is no
/// `Display`. Read it with [`Secret::expose`].
///
/// ```
/// use natsjwt::KeyPair;
///
/// let seed = KeyPair::new_user()?.seed();
/// assert_eq!(format!("{seed:?}"), "Secret(<redacted>)");
/// assert!(seed.expose().starts_with("SU"));
/// # Ok::<(), natsjwt::KeyError>(())
/// ```
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

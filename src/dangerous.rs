//! Decoding without verifying: for looking at a token whose signature cannot or need not
//! be checked yet (showing a rejected token, choosing the key to check it with).
//!
//! Nothing read this way can be trusted. [`Unverified::verify`] or
//! [`Unverified::verify_with`] turns it into [`Verified`](crate::Verified) claims.

pub use crate::claims::verified::Unverified;

use crate::claims::{ClaimsError, Decode};

/// Decodes a token as `C` ([`AnyClaims`](crate::AnyClaims), or claims of one type such as
/// [`UserClaims`](crate::UserClaims)) without checking its signature.
///
/// ```
/// use natsjwt::dangerous::decode_unverified;
/// use natsjwt::{AnyClaims, KeyPair, UserClaims};
///
/// let account = KeyPair::new_account()?;
/// let user = KeyPair::new_user()?;
/// let token = UserClaims::new(user.public_key().as_str()).encode(&account)?;
///
/// let unverified = decode_unverified::<AnyClaims>(&token)?;
/// assert_eq!(unverified.unverified_claims().issuer(), account.public_key().as_str());
/// let verified = decode_unverified::<UserClaims>(&token)?.verify_with(&account.verifying_key())?;
/// assert_eq!(verified.claims().subject, user.public_key().as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_unverified<C: Decode>(token: &str) -> Result<Unverified<'_, C>, ClaimsError> {
    crate::claims::decode_unverified(token)
}

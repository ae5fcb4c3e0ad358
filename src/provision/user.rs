//! Users: which key signs them, and what issuing one gives back.

use crate::claims::UserClaims;
use crate::creds::{CredsError, format_user_creds};
use crate::keys::{KeyPair, Secret, Signer};

/// Which key signs a user.
#[derive(Clone, Copy)]
pub enum UserSigner<'a> {
    /// The account's identity key (refused under a strict operator).
    AccountKey,
    /// One of the account's signing keys, held in the [`ManagedAccount`](super::ManagedAccount) (see
    /// [`ManagedAccount::signing_key`](super::ManagedAccount::signing_key)) or elsewhere (HSM, KMS); a scoped key makes a
    /// scoped user.
    SigningKey(&'a dyn Signer),
}

/// A user with its key and JWT.
#[derive(Debug, Clone)]
pub struct IssuedUser {
    /// The user's key pair.
    pub key: KeyPair,
    /// The signed claims.
    pub claims: UserClaims,
    /// The JWT.
    pub jwt: String,
}

impl IssuedUser {
    /// The user's `.creds` file.
    pub fn creds(&self) -> Result<Secret, CredsError> {
        format_user_creds(&self.jwt, self.key.seed().expose())
    }
}

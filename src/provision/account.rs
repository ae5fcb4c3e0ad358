//! An account and the keys that manage it.

use crate::claims::AccountClaims;
use crate::keys::KeyPair;
use crate::types::{Export, Import, UserPermissionLimits, UserScope};

use super::ProvisionError;

/// An account and the keys that manage it.
#[derive(Debug, Clone)]
pub struct ManagedAccount {
    /// The account's identity key.
    pub key: KeyPair,
    signing_keys: Vec<KeyPair>,
    /// The account's claims; after changing them, re-sign with [`Provisioner::sign_account`](super::Provisioner::sign_account).
    pub claims: AccountClaims,
    pub(super) jwt: String,
}

impl ManagedAccount {
    /// An account from its parts; `jwt` is the last signed JWT of `claims`.
    pub(super) fn from_parts(
        key: KeyPair,
        signing_keys: Vec<KeyPair>,
        claims: AccountClaims,
        jwt: String,
    ) -> ManagedAccount {
        ManagedAccount {
            key,
            signing_keys,
            claims,
            jwt,
        }
    }

    /// The account's public key.
    pub fn public_key(&self) -> &str {
        self.key.public_key().as_str()
    }

    /// The last signed JWT (what to push to the resolver).
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The signing keys held here, plain and scoped.
    pub fn signing_keys(&self) -> &[KeyPair] {
        &self.signing_keys
    }

    /// The signing key held here with this public key; sign users with it as
    /// [`UserSigner::SigningKey`](super::UserSigner::SigningKey).
    pub fn signing_key(&self, public_key: &str) -> Option<&KeyPair> {
        self.signing_keys
            .iter()
            .find(|k| k.public_key().as_str() == public_key)
    }

    /// Creates a plain signing key and adds it to the claims (re-sign to publish it).
    /// Returns its public key.
    pub fn add_signing_key(&mut self) -> Result<String, ProvisionError> {
        let key = KeyPair::new_account()?;
        let public_key = key.public_key().to_string();
        self.claims.nats.signing_keys.add(public_key.as_str());
        self.signing_keys.push(key);
        Ok(public_key)
    }

    /// Creates a scoped signing key whose users get its template (re-sign to publish it).
    /// `configure` sets the template, which starts as Go's: no permissions, counts
    /// unlimited (-1). Returns the key's public key.
    pub fn add_scoped_signing_key(
        &mut self,
        role: &str,
        configure: impl FnOnce(&mut UserPermissionLimits),
    ) -> Result<String, ProvisionError> {
        let key = KeyPair::new_account()?;
        let public_key = key.public_key().to_string();
        let mut scope = UserScope::new(public_key.as_str());
        scope.role = role.to_owned();
        configure(&mut scope.template);
        self.claims.nats.signing_keys.add_scoped(scope);
        self.signing_keys.push(key);
        Ok(public_key)
    }

    /// Removes a signing key from the claims and forgets it (re-sign to publish it).
    pub fn remove_signing_key(&mut self, public_key: &str) {
        self.claims.nats.signing_keys.remove(public_key);
        self.signing_keys
            .retain(|k| k.public_key().as_str() != public_key);
    }

    /// Revokes the user's tokens issued at or before `issued_at` (re-sign to publish it).
    pub fn revoke_user(&mut self, user_public_key: &str, issued_at: i64) {
        self.claims.revoke_at(user_public_key, issued_at);
    }

    /// Adds an export (re-sign to publish it).
    pub fn add_export(&mut self, export: Export) {
        self.claims.nats.exports.push(export);
    }

    /// Adds an import (re-sign to publish it).
    pub fn add_import(&mut self, import: Import) {
        self.claims.nats.imports.push(import);
    }
}

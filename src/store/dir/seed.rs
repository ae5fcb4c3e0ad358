//! Seed files: `<keys>/keys/<kind>/<shard>/<public key>.nk`, the seed's text.

use std::path::Path;

use zeroize::Zeroizing;

use super::super::StoreError;
use super::super::file;
use crate::keys::{KeyKind, KeyPair, Secret, decode_seed};

/// The seed in the file at `path` (surrounding whitespace removed: `nsc` writes none, a
/// hand edit may add a newline), or `None` when there is no file.
pub(crate) fn read(path: &Path) -> Result<Option<Secret>, StoreError> {
    let Some(bytes) = file::read_optional(path)? else {
        return Ok(None);
    };
    let bytes = Zeroizing::new(bytes);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| StoreError::corrupt(path, "not a seed: not UTF-8 text"))?;
    Ok(Some(Secret::new(text.trim().to_owned())))
}

/// The public key of `seed`; `None` for a curve seed when the crate is built without the
/// `xkeys` feature, whose public key it cannot derive. The error names no part of the
/// seed.
pub(crate) fn public_key_of(seed: &str) -> Result<Option<String>, String> {
    let (kind, bytes) = decode_seed(seed).map_err(|e| format!("not a seed: {e}"))?;
    if kind.signs() {
        let pair = KeyPair::from_raw_seed(kind, &bytes).map_err(|e| e.to_string())?;
        return Ok(Some(pair.public_key().to_string()));
    }
    curve_public_key(kind, &bytes)
}

#[cfg(feature = "xkeys")]
fn curve_public_key(kind: KeyKind, bytes: &[u8; 32]) -> Result<Option<String>, String> {
    match kind {
        KeyKind::Curve => Ok(Some(
            crate::keys::XKey::from_raw_seed(bytes)
                .public_key()
                .to_string(),
        )),
        other => Err(format!("a seed of unsupported kind {other}")),
    }
}

#[cfg(not(feature = "xkeys"))]
fn curve_public_key(kind: KeyKind, _bytes: &[u8; 32]) -> Result<Option<String>, String> {
    match kind {
        KeyKind::Curve => Ok(None),
        other => Err(format!("a seed of unsupported kind {other}")),
    }
}

/// Checks that the seed file at `path` for `public_key` holds that key's seed; returns
/// the seed.
pub(crate) fn read_checked(path: &Path, public_key: &str) -> Result<Option<Secret>, StoreError> {
    let Some(seed) = read(path)? else {
        return Ok(None);
    };
    match public_key_of(seed.expose()) {
        Err(why) => Err(StoreError::corrupt(path, why)),
        Ok(Some(found)) if found != public_key => Err(StoreError::corrupt(
            path,
            format!("holds the seed of {found}, not of {public_key}"),
        )),
        Ok(_) => Ok(Some(seed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_of_each_kind() {
        for kind in [KeyKind::Operator, KeyKind::Account, KeyKind::User] {
            let pair = KeyPair::generate(kind).unwrap();
            assert_eq!(
                public_key_of(pair.seed().expose()),
                Ok(Some(pair.public_key().to_string()))
            );
        }
    }

    #[cfg(feature = "xkeys")]
    #[test]
    fn public_key_of_curve_seed() {
        let x = crate::keys::XKey::generate().unwrap();
        let seed = x.seed();
        assert_eq!(
            public_key_of(seed.expose()),
            Ok(Some(x.public_key().to_string()))
        );
    }

    #[test]
    fn errors_do_not_repeat_the_input() {
        let seed = KeyPair::new_user().unwrap().seed();
        let mut broken = seed.expose().to_owned();
        broken.push('A');
        let why = public_key_of(&broken).unwrap_err();
        assert!(!why.contains(broken.get(2..20).unwrap()), "{why}");
        assert!(public_key_of("not a seed").is_err());
        assert!(public_key_of("").is_err());
    }
}

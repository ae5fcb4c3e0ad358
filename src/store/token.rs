//! What every store checks before it stores a token.

use std::path::Path;

use super::StoreError;
use crate::claims::{ClaimBody, Claims};

/// Checks that `jwt` is a verified token of claims `T` named `name` (when given), so
/// that what is stored passes a store's checks on opening.
pub(crate) fn accept<T: ClaimBody>(
    path: &Path,
    jwt: &str,
    name: Option<&str>,
) -> Result<Claims<T>, StoreError> {
    let claims = Claims::<T>::decode(jwt)
        .map_err(|e| StoreError::BadJwt {
            path: path.to_owned(),
            why: e.to_string(),
        })?
        .into_claims();
    if let Some(name) = name
        && claims.name != name
    {
        return Err(StoreError::BadJwt {
            path: path.to_owned(),
            why: format!("the token is named {:?}, not {name:?}", claims.name),
        });
    }
    Ok(claims)
}

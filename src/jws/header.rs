//! [`Header`]: a token's first segment.

use std::borrow::Cow;

use super::{ALGORITHM_V1, ALGORITHM_V2, JwsError};
use crate::keys::redact_seeds;

/// A token's header: `{"typ":"JWT","alg":"ed25519-nkey"}` for v2 tokens,
/// `{"typ":"jwt","alg":"ed25519"}` for v1 ones.
///
/// Read one from a token with [`decode_unverified`](crate::dangerous::decode_unverified);
/// this crate writes only the v2 header ([`HEADER_JSON`](super::HEADER_JSON)).
///
/// ```
/// use natsjwt::dangerous::decode_unverified;
/// use natsjwt::jws::{ALGORITHM_V2, HEADER_B64};
/// use natsjwt::{AnyClaims, KeyPair, OperatorClaims};
///
/// let operator = KeyPair::new_operator()?;
/// let token = OperatorClaims::new(operator.public_key().as_str()).encode(&operator)?;
/// assert!(token.starts_with(&format!("{HEADER_B64}.")));
///
/// let unverified = decode_unverified::<AnyClaims>(&token)?;
/// let header = unverified.header();
/// assert_eq!((header.typ(), header.alg()), ("JWT", ALGORITHM_V2));
/// assert!(!header.is_v1());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    typ: Cow<'static, str>,
    alg: Cow<'static, str>,
}

// Go's struct has no `omitempty` on these; what matters here is reading: an object only,
// members once, no letter-case variants.
crate::go::json::go_fields!(Header => [
    (always typ "typ")
    (always alg "alg")
]);
crate::go::json::go_object!(Header);

impl Header {
    /// The header of every v2 token.
    pub(crate) const V2: Header = Header {
        typ: Cow::Borrowed("JWT"),
        alg: Cow::Borrowed(ALGORITHM_V2),
    };

    /// Token type (`typ`): `JWT`, in any letter case.
    pub fn typ(&self) -> &str {
        &self.typ
    }

    /// Algorithm (`alg`): `ed25519-nkey` (v2) or `ed25519` (v1), in any letter case.
    pub fn alg(&self) -> &str {
        &self.alg
    }

    /// True for a v1 header (`alg` `ed25519`), whose signature covers the payload only.
    pub fn is_v1(&self) -> bool {
        // Asked on every decode: the usual spellings without a lower-cased copy.
        match self.alg() {
            ALGORITHM_V2 => false,
            ALGORITHM_V1 => true,
            other => other.eq_ignore_ascii_case(ALGORITHM_V1),
        }
    }

    /// Go's `Header.Valid`: `typ` is `JWT` and `alg` is `ed25519` or `ed25519-nkey`,
    /// both case-insensitive.
    pub(crate) fn check(&self) -> Result<(), JwsError> {
        if self.typ.to_uppercase() != "JWT" {
            return Err(JwsError::UnsupportedType(
                redact_seeds(&self.typ).into_owned(),
            ));
        }
        let alg = self.alg.to_lowercase();
        if alg != ALGORITHM_V1 && alg != ALGORITHM_V2 {
            return Err(JwsError::UnsupportedAlgorithm(
                redact_seeds(&self.alg).into_owned(),
            ));
        }
        Ok(())
    }
}

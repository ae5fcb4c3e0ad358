//! Writing claims as Go writes them, and signing them: the payload, its `jti`, the token.
//!
//! Go's `ClaimsData` members come first, in its order (`aud`, `exp`, `jti`, `iat`, `iss`,
//! `name`, `nbf`, `sub`), each left out when empty, then `nats`. The `jti` is the unpadded
//! base32 of SHA-512/256 over Go's JSON of those members without `jti`. The members are
//! written once: hashed for the `jti`, then grown into the payload.

use serde::Serialize;
use sha2::{Digest, Sha512_256};

use super::decode::LIBRARY_VERSION;
use super::{ClaimBody, Claims, ClaimsError};
use crate::go::json::write_go_json;
use crate::jws::JsonError;
use crate::keys::{Signer, check_public_kind};

/// `{` and the standard members other than `jti` as Go writes them, each followed by a
/// comma, and where `jti` goes among them (after `aud` and `exp`).
struct StandardMembers {
    members: Vec<u8>,
    before_jti: usize,
}

fn serialize_error(error: serde_json::Error) -> ClaimsError {
    ClaimsError::Serialize(JsonError::from(error))
}

/// Appends `"name":value,`.
fn member<V: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    name: &str,
    value: &V,
) -> Result<(), ClaimsError> {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    write_go_json(out, value).map_err(serialize_error)?;
    out.push(b',');
    Ok(())
}

impl StandardMembers {
    fn new<T>(claims: &Claims<T>) -> Result<StandardMembers, ClaimsError> {
        // Room for the whole payload of a typical user, which grows from this buffer.
        let mut members = Vec::with_capacity(1024);
        members.push(b'{');
        if !claims.audience.is_empty() {
            member(&mut members, "aud", &claims.audience)?;
        }
        if claims.expires != 0 {
            member(&mut members, "exp", &claims.expires)?;
        }
        let before_jti = members.len();
        if claims.issued_at != 0 {
            member(&mut members, "iat", &claims.issued_at)?;
        }
        if !claims.issuer.is_empty() {
            member(&mut members, "iss", &claims.issuer)?;
        }
        if !claims.name.is_empty() {
            member(&mut members, "name", &claims.name)?;
        }
        if claims.not_before != 0 {
            member(&mut members, "nbf", &claims.not_before)?;
        }
        if !claims.subject.is_empty() {
            member(&mut members, "sub", &claims.subject)?;
        }
        Ok(StandardMembers {
            members,
            before_jti,
        })
    }

    /// Go's `jti`: base32 of SHA-512/256 over the members as one object.
    fn jti(&self) -> String {
        let mut hash = Sha512_256::new();
        // The members end with a comma, unless there are none.
        hash.update(self.members.strip_suffix(b",").unwrap_or(&self.members));
        hash.update(b"}");
        data_encoding::BASE32_NOPAD.encode(&hash.finalize())
    }

    /// Go's JSON of the whole claims: the members with `jti` (when set), then `nats`.
    fn payload<B: Serialize>(self, id: &str, nats: &B) -> Result<Vec<u8>, ClaimsError> {
        let mut payload = self.members;
        if !id.is_empty() {
            // Appended, then turned into its place after `aud` and `exp`.
            let end = payload.len();
            member(&mut payload, "jti", id)?;
            let jti_len = payload.len() - end;
            let (_, moved) = payload.split_at_mut(self.before_jti);
            moved.rotate_right(jti_len);
        }
        payload.extend_from_slice(b"\"nats\":");
        write_go_json(&mut payload, nats).map_err(serialize_error)?;
        payload.push(b'}');
        Ok(payload)
    }
}

/// Go's JSON of `claims`, as a token's payload holds it.
#[allow(clippy::expect_used, reason = "serde_json writes UTF-8")]
pub(crate) fn to_json<T: ClaimBody>(claims: &Claims<T>) -> Result<String, ClaimsError> {
    let payload = StandardMembers::new(claims)?.payload(&claims.id, &claims.nats)?;
    Ok(String::from_utf8(payload).expect("JSON written by serde_json is UTF-8"))
}

/// Go's `Encode`: checks `sub` and the signer's kind, sets `iss`, `iat`, `jti` and
/// `nats.version`, and signs. On error the claims are as they were, but for the sorting
/// an account's encoding does first.
pub(crate) fn encode<T: ClaimBody, S: Signer + ?Sized>(
    claims: &mut Claims<T>,
    signer: &S,
    issued_at: i64,
) -> Result<String, ClaimsError> {
    if claims.subject.is_empty() {
        return Err(ClaimsError::MissingSubject);
    }
    if let Some(expected) = T::SUBJECT_KIND {
        check_public_kind(&claims.subject, expected)
            .map_err(|source| ClaimsError::InvalidSubject { expected, source })?;
    }
    T::prepare_encode(claims)?;
    let issuer = signer.public_key().map_err(ClaimsError::Signer)?;
    if !T::ISSUER_KINDS.is_empty() && !T::ISSUER_KINDS.contains(&issuer.kind()) {
        return Err(ClaimsError::SignerNotAllowed {
            claim_type: T::CLAIM_TYPE,
            kind: issuer.kind(),
        });
    }
    let saved = (
        std::mem::replace(&mut claims.issuer, issuer.into()),
        std::mem::replace(&mut claims.issued_at, issued_at),
        std::mem::take(&mut claims.id),
        claims.nats.version(),
    );
    let result = sign(claims, signer);
    if result.is_err() {
        let (issuer, issued_at, id, version) = saved;
        claims.issuer = issuer;
        claims.issued_at = issued_at;
        claims.id = id;
        claims.nats.set_version(version);
    }
    result
}

/// Sets `jti` and the version and signs; `iss` and `iat` are set.
fn sign<T: ClaimBody, S: Signer + ?Sized>(
    claims: &mut Claims<T>,
    signer: &S,
) -> Result<String, ClaimsError> {
    let standard = StandardMembers::new(claims)?;
    claims.id = standard.jti();
    claims.nats.set_version(LIBRARY_VERSION);
    let payload = standard.payload(&claims.id, &claims.nats)?;
    crate::jws::sign(&payload, signer).map_err(ClaimsError::Signer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{AccountClaims, UserClaims};
    use crate::keys::{KeyKind, KeyPair};

    fn jti_of(standard: &str) -> String {
        data_encoding::BASE32_NOPAD.encode(&Sha512_256::digest(standard))
    }

    #[test]
    fn jti_hashes_the_standard_members_as_go_writes_them() {
        let operator = KeyPair::from_raw_seed(KeyKind::Operator, &[1; 32]).unwrap();
        let account = KeyPair::from_raw_seed(KeyKind::Account, &[2; 32]).unwrap();
        let account_pub = account.public_key().as_str();
        for issued_at in [1_700_000_000, 0] {
            let mut claims = AccountClaims::new(account_pub);
            claims.audience = "a<u>d&\u{2028}".into();
            claims.expires = 4_000_000_000;
            claims.not_before = 1_600_000_000;
            claims.name = "n<a>m&e\u{2029}\"\u{e9}".into();
            encode(&mut claims, &operator, issued_at).unwrap();
            let iat = if issued_at == 0 {
                String::new()
            } else {
                format!(r#""iat":{issued_at},"#)
            };
            let standard = format!(
                r#"{{"aud":"a\u003cu\u003ed\u0026\u2028","exp":4000000000,{iat}"iss":"{}","name":"n\u003ca\u003em\u0026e\u2029\"é","nbf":1600000000,"sub":"{account_pub}"}}"#,
                operator.public_key().as_str()
            );
            assert_eq!(claims.id, jti_of(&standard));
            let json = to_json(&claims).unwrap();
            let with_jti = standard.replacen(
                r#""exp":4000000000,"#,
                &format!(r#""exp":4000000000,"jti":"{}","#, claims.id),
                1,
            );
            let expected_start = with_jti.strip_suffix('}').unwrap();
            assert!(json.starts_with(expected_start), "{json}");
            assert!(
                json.ends_with(r#""type":"account","version":2}}"#),
                "{json}"
            );
        }
        // Only `sub`, or nothing: `jti` still hashes a well-formed object.
        let mut bare = UserClaims::new("U");
        bare.nats = Default::default();
        assert_eq!(
            StandardMembers::new(&bare).unwrap().jti(),
            jti_of(r#"{"sub":"U"}"#)
        );
        bare.subject.clear();
        assert_eq!(StandardMembers::new(&bare).unwrap().jti(), jti_of("{}"));
    }
}

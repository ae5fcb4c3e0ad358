//! Activation claims: an exporter's permission for one account to import a private export.

use sha2::{Digest, Sha256};

use serde::Deserializer;

use super::body::Rules;
use super::v1::read_v1_parts;
use super::{ActivationClaims, AnyClaims, ClaimBody, ClaimType, Claims};
use crate::go::json::{TypeMember, deserialize_fields, go_fields, go_object};
use crate::go::quote::quote;
use crate::keys::{KeyKind, is_public_key_of};
use crate::types::subjects::validate_subject;
use crate::types::{Export, ExportType, TagList};
use crate::validation::ValidationResults;

/// The `nats` body of activation claims. `sub` is the importing account; `iss` the
/// exporting account or one of its signing keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activation {
    /// The exported subject the importer may use (`subject`).
    pub subject: String,
    /// Stream or service (`kind`; `nats.type` is the claim type).
    pub kind: ExportType,
    /// The exporting account, when a signing key signs (`issuer_account`).
    pub issuer_account: String,
    /// Tags (`tags`).
    pub tags: TagList,
    /// `nats.version`.
    pub version: i64,
}

go_fields!(Activation => [
    (omitempty subject "subject")
    (omitempty kind "kind")
    (omitempty issuer_account "issuer_account")
    (omitempty tags "tags")
    (constant "type" "activation")
    (omitempty version "version")
]);
go_object!(Activation);

impl Activation {
    /// Go's activation rules without the time checks: kind, subject, `issuer_account`.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if self.kind == ExportType::Unknown {
            vr.add_error(format!(
                "invalid import type: {}",
                quote(self.kind.as_str())
            ));
        }
        validate_subject(&self.subject, vr);
        if !self.issuer_account.is_empty()
            && !is_public_key_of(&self.issuer_account, KeyKind::Account)
        {
            vr.add_error("account_id is not an account public key");
        }
    }
}

impl ClaimBody for Activation {
    const CLAIM_TYPE: ClaimType = ClaimType::Activation;
    const ISSUER_KINDS: &'static [KeyKind] = &[KeyKind::Account, KeyKind::Operator];
    const SUBJECT_KIND: Option<KeyKind> = Some(KeyKind::Account);

    fn with_defaults() -> Self {
        Activation::default()
    }

    fn version(&self) -> i64 {
        self.version
    }
}

impl Rules for Activation {
    fn set_version(&mut self, version: i64) {
        self.version = version;
    }

    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error> {
        deserialize_fields(deserializer, Activation::default(), Some(type_member))
    }

    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults) {
        claims.nats.validate(vr);
    }

    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        let (claims, deleted) = read_v1_parts::<V1Activation>(payload)?;
        Ok(claims.map_body(|v1| Activation {
            subject: v1.subject,
            kind: v1.kind,
            issuer_account: deleted.issuer_account,
            tags: deleted.tags,
            version: 1,
        }))
    }

    fn into_any(claims: Claims<Self>) -> AnyClaims {
        AnyClaims::Activation(claims)
    }
}

/// The v1 activation body: the import type was `nats.type`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct V1Activation {
    subject: String,
    kind: ExportType,
}

go_fields!(V1Activation => [
    (omitempty subject "subject")
    (omitempty kind "type")
]);
go_object!(V1Activation);

/// Go's `cleanSubject`: the subject up to its first wildcard token; `_` when it starts with one.
fn clean_subject(subject: &str) -> String {
    let mut clean: Vec<&str> = Vec::new();
    for token in subject.split('.') {
        if token == "*" || token == ">" {
            if clean.is_empty() {
                return "_".to_owned();
            }
            break;
        }
        clean.push(token);
    }
    clean.join(".")
}

impl ActivationClaims {
    /// Go's `Export.IsClaimRevoked`: true when `export` revokes this activation, or the
    /// activation has no subject or issue time.
    pub fn is_revoked_by(&self, export: &Export) -> bool {
        if self.subject.is_empty() || self.issued_at == 0 {
            return true;
        }
        export.is_revoked(&self.subject, self.issued_at)
    }

    /// Go's `HashID`: padded base32 of SHA-256 over `iss.sub.clean_subject`, or `None`
    /// when the issuer, subject or import subject is missing.
    pub fn hash_id(&self) -> Option<String> {
        if self.issuer.is_empty() || self.subject.is_empty() || self.nats.subject.is_empty() {
            return None;
        }
        let base = format!(
            "{}.{}.{}",
            self.issuer,
            self.subject,
            clean_subject(&self.nats.subject)
        );
        let digest = Sha256::digest(base.as_bytes());
        Some(data_encoding::BASE32.encode(&digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_subjects() {
        assert_eq!(clean_subject("a.b.*.c"), "a.b");
        assert_eq!(clean_subject("*.a"), "_");
        assert_eq!(clean_subject(">"), "_");
        assert_eq!(clean_subject("a.b"), "a.b");
        assert_eq!(clean_subject("a.>"), "a");
    }

    #[test]
    fn hash_id_is_padded_base32_sha256() {
        let mut a = ActivationClaims::new("AB");
        a.issuer = "AA".into();
        a.nats.subject = "x.*".into();
        let id = a.hash_id().unwrap();
        assert_eq!(id.len(), 56);
        assert!(id.ends_with("===="));
        assert_eq!(
            id,
            data_encoding::BASE32.encode(&Sha256::digest(b"AA.AB.x"))
        );
        a.nats.subject.clear();
        assert_eq!(a.hash_id(), None);
    }
}

//! Operator claims: the root of trust, self-signed by the operator key.

use serde::Deserializer;

use super::body::Rules;
use super::v1::read_v1_parts;
use super::{AnyClaims, ClaimBody, ClaimType, Claims, ClaimsError, OperatorClaims};
use crate::go::json::{TypeMember, deserialize_fields, go_fields, go_object};
use crate::go::quote::{quote, shown};
use crate::go::strconv::atoi;
use crate::go::url;
use crate::keys::{KeyKind, is_public_key_of};
use crate::types::TagList;
use crate::validation::ValidationResults;

/// The `nats` body of operator claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operator {
    /// Operator signing keys (`O…`) that may sign accounts (`signing_keys`).
    pub signing_keys: Vec<String>,
    /// Base URL of an account server (`account_server_url`).
    pub account_server_url: String,
    /// Server URLs for tools, `nats://`, `tls://`, `ws://` or `wss://` (`operator_service_urls`).
    pub operator_service_urls: Vec<String>,
    /// The system account's public key (`system_account`).
    pub system_account: String,
    /// Minimum server version `X.Y.Z` (`assert_server_version`).
    pub assert_server_version: String,
    /// Only signing keys may sign accounts (`strict_signing_key_usage`).
    pub strict_signing_key_usage: bool,
    /// Tags (`tags`).
    pub tags: TagList,
    /// `nats.version`.
    pub version: i64,
}

go_fields!(Operator => [
    (omitempty signing_keys "signing_keys")
    (omitempty account_server_url "account_server_url")
    (omitempty operator_service_urls "operator_service_urls")
    (omitempty system_account "system_account")
    (omitempty assert_server_version "assert_server_version")
    (omitempty strict_signing_key_usage "strict_signing_key_usage")
    (omitempty tags "tags")
    (constant "type" "operator")
    (omitempty version "version")
]);
go_object!(Operator);

/// Go's `ParseServerVersion`: `""` or exactly three non-negative integers separated by dots.
pub(crate) fn parse_server_version(version: &str) -> Result<(i64, i64, i64), String> {
    if version.is_empty() {
        return Ok((0, 0, 0));
    }
    let parts: Vec<&str> = version.split('.').collect();
    let [major, minor, update] = parts.as_slice() else {
        return Err(
            "asserted server version must be of the form <major>.<minor>.<update>".to_owned(),
        );
    };
    let mut numbers = [0i64; 3];
    for (slot, part) in numbers.iter_mut().zip([major, minor, update]) {
        *slot = atoi(part)
            .ok_or_else(|| format!("asserted server version cant parse {part} to int"))?;
    }
    let [major, minor, update] = numbers;
    if major < 0 || minor < 0 || update < 0 {
        return Err(format!(
            "asserted server version can'b contain negative values: {version}"
        ));
    }
    Ok((major, minor, update))
}

/// Go's `ValidateOperatorServiceURL`.
pub(crate) fn validate_operator_service_url(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    let parsed = url::parse(value)
        .map_err(|e| format!("error parsing operator service url {}: {e}", quote(value)))?;
    if parsed.has_user {
        return Err(format!(
            "operator service url {} - credentials are not supported",
            quote(value)
        ));
    }
    if !parsed.path.is_empty() {
        return Err(format!(
            "operator service url {} - paths are not supported",
            quote(value)
        ));
    }
    match parsed.scheme.as_str() {
        "nats" | "tls" | "ws" | "wss" => Ok(()),
        _ => Err(format!(
            "operator service url {} - protocol not supported (only 'nats', 'tls', 'ws', 'wss' only)",
            quote(value)
        )),
    }
}

impl Operator {
    fn validate_account_server_url(&self) -> Result<(), String> {
        if self.account_server_url.is_empty() {
            return Ok(());
        }
        let parsed = url::parse(&self.account_server_url)
            .map_err(|e| format!("error parsing account server url: {e}"))?;
        if parsed.scheme.is_empty() {
            return Err(format!(
                "account server url {} requires a protocol",
                quote(&self.account_server_url)
            ));
        }
        Ok(())
    }

    /// Go's `Operator.Validate`.
    fn validate(&self, vr: &mut ValidationResults) {
        if let Err(e) = self.validate_account_server_url() {
            vr.add_error(e);
        }
        for service_url in &self.operator_service_urls {
            if let Err(e) = validate_operator_service_url(service_url) {
                vr.add_error(e);
            }
        }
        for key in &self.signing_keys {
            if !is_public_key_of(key, KeyKind::Operator) {
                vr.add_error(format!("{} is not an operator public key", shown(key)));
            }
        }
        if !self.system_account.is_empty()
            && !is_public_key_of(&self.system_account, KeyKind::Account)
        {
            vr.add_error(format!(
                "{} is not an account public key",
                shown(&self.system_account)
            ));
        }
        if let Err(e) = parse_server_version(&self.assert_server_version) {
            vr.add_error(format!("assert server version error: {e}"));
        }
    }
}

impl ClaimBody for Operator {
    const CLAIM_TYPE: ClaimType = ClaimType::Operator;
    const ISSUER_KINDS: &'static [KeyKind] = &[KeyKind::Operator];
    const SUBJECT_KIND: Option<KeyKind> = Some(KeyKind::Operator);

    fn with_defaults() -> Self {
        Operator::default()
    }

    fn version(&self) -> i64 {
        self.version
    }
}

impl Rules for Operator {
    fn set_version(&mut self, version: i64) {
        self.version = version;
    }

    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error> {
        deserialize_fields(deserializer, Operator::default(), Some(type_member))
    }

    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults) {
        claims.nats.validate(vr);
    }

    fn prepare_encode(claims: &mut Claims<Self>) -> Result<(), ClaimsError> {
        claims
            .nats
            .validate_account_server_url()
            .map_err(ClaimsError::InvalidAccountServerUrl)
    }

    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        let (claims, deleted) = read_v1_parts::<V1Operator>(payload)?;
        Ok(claims.map_body(|v1| Operator {
            signing_keys: v1.signing_keys,
            account_server_url: v1.account_server_url,
            operator_service_urls: v1.operator_service_urls,
            system_account: v1.system_account,
            tags: deleted.tags,
            version: 1,
            ..Default::default()
        }))
    }

    fn into_any(claims: Claims<Self>) -> AnyClaims {
        AnyClaims::Operator(claims)
    }
}

/// The v1 operator body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct V1Operator {
    signing_keys: Vec<String>,
    account_server_url: String,
    operator_service_urls: Vec<String>,
    system_account: String,
}

go_fields!(V1Operator => [
    (omitempty signing_keys "signing_keys")
    (omitempty account_server_url "account_server_url")
    (omitempty operator_service_urls "operator_service_urls")
    (omitempty system_account "system_account")
]);
go_object!(V1Operator);

impl OperatorClaims {
    /// Go's `OperatorClaims.DidSign`: `issuer` is this operator's key (unless strict and
    /// the claims are not the operator's own) or one of its signing keys.
    pub fn did_sign(&self, issuer: &str, subject: &str) -> bool {
        if issuer == self.subject {
            return !self.nats.strict_signing_key_usage || subject == self.subject;
        }
        self.nats.signing_keys.iter().any(|k| k == issuer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_versions() {
        assert_eq!(parse_server_version("2.10.0"), Ok((2, 10, 0)));
        assert_eq!(parse_server_version(""), Ok((0, 0, 0)));
        assert!(parse_server_version("v2.10.0").is_err());
        assert!(parse_server_version("2.10").is_err());
        assert!(parse_server_version("2.-1.0").is_err());
        assert_eq!(parse_server_version("+2.1.0"), Ok((2, 1, 0)));
    }

    #[test]
    fn service_urls() {
        assert!(validate_operator_service_url("nats://127.0.0.1:4222").is_ok());
        assert!(validate_operator_service_url("WSS://host").is_ok());
        assert!(validate_operator_service_url("http://host").is_err());
        assert!(validate_operator_service_url("nats://u:p@host").is_err());
        assert!(validate_operator_service_url("nats://host/path").is_err());
    }
}

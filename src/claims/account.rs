//! Account claims: signed by an operator (or its signing key); sign users and activations.

use serde::Deserializer;

use super::body::Rules;
use super::v1::read_v1_parts;
use super::{
    AccountClaims, ActivationClaims, AnyClaims, ClaimBody, ClaimType, Claims, ClaimsError,
};
use crate::clock::{Clock, SystemClock};
use crate::go::json::{TypeMember, deserialize_fields, go_fields, go_object};
use crate::go::quote::quote;
use crate::go::sort;
use crate::keys::{KeyKind, is_public_key_of};
use crate::types::subjects::{has_wildcards, is_contained_in, validate_subject};
use crate::types::{
    Export, Import, Info, JetStreamLimits, Mapping, NO_LIMIT, OperatorLimits, Permissions,
    RevocationList, SigningKeys, TagList, validate_exports, validate_imports, validate_mappings,
};
use crate::validation::ValidationResults;

/// Value of `authorization.allowed_accounts` that allows every account.
pub const ANY_ACCOUNT: &str = "*";

/// Auth callout configuration of an account (`authorization`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalAuthorization {
    /// Users (`U…`) of the callout service; they bypass the callout (`auth_users`).
    pub auth_users: Vec<String>,
    /// Accounts the service may place users in, or `["*"]` (`allowed_accounts`).
    pub allowed_accounts: Vec<String>,
    /// Curve key (`X…`) requests are encrypted to (`xkey`).
    pub xkey: String,
}

go_fields!(ExternalAuthorization => [
    (omitempty auth_users "auth_users")
    (omitempty allowed_accounts "allowed_accounts")
    (omitempty xkey "xkey")
]);
go_object!(ExternalAuthorization);

impl ExternalAuthorization {
    /// True when auth callout is on (there are auth users).
    pub fn is_enabled(&self) -> bool {
        !self.auth_users.is_empty()
    }

    /// Go's `ExternalAuthorization.Validate`.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if !self.allowed_accounts.is_empty() && self.auth_users.is_empty() {
            vr.add_error("External authorization cannot have accounts without users specified");
        }
        for user in &self.auth_users {
            if !is_public_key_of(user, KeyKind::User) {
                vr.add_error(format!(
                    "AuthUser {} is not a valid user public key",
                    quote(user)
                ));
            }
        }
        for account in &self.allowed_accounts {
            if account == ANY_ACCOUNT {
                if self.allowed_accounts.len() > 1 {
                    vr.add_error(format!(
                        "AllowedAccounts can only be a list of accounts or {}",
                        quote(ANY_ACCOUNT)
                    ));
                }
            } else if !is_public_key_of(account, KeyKind::Account) {
                vr.add_error(format!(
                    "Account {} is not a valid account public key",
                    quote(account)
                ));
            }
        }
        if !self.xkey.is_empty() && !is_public_key_of(&self.xkey, KeyKind::Curve) {
            vr.add_error(format!(
                "XKey {} is not a valid public xkey",
                quote(&self.xkey)
            ));
        }
    }
}

/// Message tracing of an account (`trace`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgTrace {
    /// Subject trace events are published to (`dest`).
    pub dest: String,
    /// Percentage of messages traced, 1–100 (`sampling`); 0 means 100.
    pub sampling: i64,
}

go_fields!(MsgTrace => [
    (omitempty dest "dest")
    (omitempty sampling "sampling")
]);
go_object!(MsgTrace);

impl MsgTrace {
    /// The sampling the server applies: 0 means 100.
    pub fn effective_sampling(&self) -> i64 {
        if self.sampling == 0 {
            100
        } else {
            self.sampling
        }
    }
}

/// `cluster_traffic` values.
pub mod cluster_traffic {
    /// Route the account's cluster traffic through the system account.
    pub const SYSTEM: &str = "system";
    /// Route it through the account itself.
    pub const OWNER: &str = "owner";
}

/// The `nats` body of account claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// Imports (`imports`), written sorted by subject.
    pub imports: Vec<Import>,
    /// Exports (`exports`), written sorted by subject.
    pub exports: Vec<Export>,
    /// Limits set by the operator (`limits`, always written).
    pub limits: OperatorLimits,
    /// Signing keys that may sign users and activations (`signing_keys`).
    pub signing_keys: SigningKeys,
    /// Revoked users (`revocations`).
    pub revocations: RevocationList,
    /// Permissions of users that carry none (`default_permissions`, always written).
    pub default_permissions: Permissions,
    /// Subject mappings (`mappings`).
    pub mappings: Mapping,
    /// Auth callout (`authorization`, always written).
    pub authorization: ExternalAuthorization,
    /// Message tracing (`trace`).
    pub trace: Option<MsgTrace>,
    /// `""`, `"system"` or `"owner"` (`cluster_traffic`).
    pub cluster_traffic: String,
    /// Description and info URL.
    pub info: Info,
    /// Tags (`tags`).
    pub tags: TagList,
    /// `nats.version`.
    pub version: i64,
}

go_fields!(Account => [
    (omitempty imports "imports")
    (omitempty exports "exports")
    (always limits "limits")
    (omitempty signing_keys "signing_keys")
    (omitempty revocations "revocations")
    (always default_permissions "default_permissions")
    (uniquemap mappings "mappings")
    (always authorization "authorization")
    (omitempty trace "trace")
    (omitempty cluster_traffic "cluster_traffic")
    (embed info: Info)
    (omitempty tags "tags")
    (constant "type" "account")
    (omitempty version "version")
]);
go_object!(Account);

impl Account {
    /// Go's `Account.Validate` for the account `account_public_key`.
    fn validate(&self, account_public_key: &str, vr: &mut ValidationResults) {
        validate_imports(&self.imports, vr, |import, vr| {
            validate_activation_token(import, account_public_key, vr)
        });
        validate_exports(&self.exports, vr);
        self.limits.validate(vr);
        self.default_permissions.validate(vr);
        validate_mappings(&self.mappings, vr);
        self.authorization.validate(vr);
        if let Some(trace) = &self.trace {
            let mut dest = ValidationResults::new();
            validate_subject(&trace.dest, &mut dest);
            if let Some(first) = dest.issues.first() {
                vr.add_error(format!(
                    "the account Trace.Destination {}",
                    first.description
                ));
            }
            if has_wildcards(&trace.dest) {
                vr.add_error(format!(
                    "the account Trace.Destination subject {} is not a valid publish subject",
                    quote(&trace.dest)
                ));
            }
            if !(0..=100).contains(&trace.sampling) {
                vr.add_error(format!(
                    "the account Trace.Sampling value '{}' is not valid, should be in the range [1..100]",
                    trace.sampling
                ));
            } else if trace.sampling == 0 {
                // Go rewrites 0 to 100 here; we leave the claims alone and say so.
                vr.add_warning("the account Trace.Sampling is 0, which the server treats as 100");
            }
        }
        let imports = i64::try_from(self.imports.len()).unwrap_or(i64::MAX);
        let exports = i64::try_from(self.exports.len()).unwrap_or(i64::MAX);
        // Go checks the import count twice and reports it twice.
        if !self.limits.is_empty() && self.limits.imports >= 0 && imports > self.limits.imports {
            vr.add_error("the account contains more imports than allowed by the operator");
        }
        if self.limits.imports != NO_LIMIT && imports > self.limits.imports {
            vr.add_error("the account contains more imports than allowed by the operator");
        }
        if self.limits.exports != NO_LIMIT {
            if exports > self.limits.exports {
                vr.add_error("the account contains more exports than allowed by the operator");
            }
            if !self.limits.wildcards {
                for export in &self.exports {
                    if has_wildcards(&export.subject) {
                        vr.add_error(
                            "the account contains wildcard exports that are not allowed by the operator",
                        );
                    }
                }
            }
        }
        self.signing_keys.validate(vr);
        self.info.validate(vr);
        if !matches!(
            self.cluster_traffic.as_str(),
            "" | cluster_traffic::SYSTEM | cluster_traffic::OWNER
        ) {
            vr.add_error(format!(
                "unknown cluster traffic option: {}",
                quote(&self.cluster_traffic)
            ));
        }
    }

    /// True when auth callout is configured.
    pub fn has_external_authorization(&self) -> bool {
        self.authorization.is_enabled()
    }
}

impl ClaimBody for Account {
    const CLAIM_TYPE: ClaimType = ClaimType::Account;
    const ISSUER_KINDS: &'static [KeyKind] = &[KeyKind::Account, KeyKind::Operator];
    const SUBJECT_KIND: Option<KeyKind> = Some(KeyKind::Account);

    fn with_defaults() -> Self {
        Account {
            limits: OperatorLimits::new_account_defaults(),
            ..Default::default()
        }
    }

    fn version(&self) -> i64 {
        self.version
    }
}

impl Rules for Account {
    fn set_version(&mut self, version: i64) {
        self.version = version;
    }

    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error> {
        deserialize_fields(deserializer, Account::default(), Some(type_member))
    }

    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults) {
        claims.nats.validate(&claims.subject, vr);
        if is_public_key_of(&claims.issuer, KeyKind::Account) && !claims.nats.limits.is_empty() {
            vr.add_warning("self-signed account JWTs shouldn't contain operator limits");
        }
    }

    fn prepare_encode(claims: &mut Claims<Self>) -> Result<(), ClaimsError> {
        check_scope_limits(&claims.nats.signing_keys)?;
        // Go's sort.Sort, not a stable sort: entries sharing a subject keep Go's order.
        sort::sort(&mut claims.nats.exports, |a, b| a.subject < b.subject);
        sort::sort(&mut claims.nats.imports, |a, b| a.subject < b.subject);
        Ok(())
    }

    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        let (claims, deleted) = read_v1_parts::<V1Account>(payload)?;
        Ok(claims.map_body(|v1| {
            let mut signing_keys = SigningKeys::new();
            for key in v1.signing_keys {
                signing_keys.add(key);
            }
            let mut limits = v1.limits;
            limits.jetstream = JetStreamLimits::default();
            Account {
                imports: v1.imports,
                exports: v1.exports,
                limits,
                signing_keys,
                revocations: v1.revocations,
                tags: deleted.tags,
                version: 1,
                ..Default::default()
            }
        }))
    }

    fn after_read(&mut self) {
        // Go's loader: tiers replace the account-wide JetStream limits.
        if !self.limits.tiered_limits.is_empty() {
            self.limits.jetstream = JetStreamLimits::default();
        }
    }

    fn into_any(claims: Claims<Self>) -> AnyClaims {
        AnyClaims::Account(claims)
    }
}

/// Refuses scope template limits that do not come back as written: a 0 is left out and
/// read back as -1 (no limit), by Go, the server and this crate, which would grant what it
/// meant to deny; and Go reads templates through `float64`, so a limit beyond ±2^53 comes
/// back rounded, or (beyond the `i64` range) makes the whole account unreadable.
fn check_scope_limits(signing_keys: &SigningKeys) -> Result<(), ClaimsError> {
    const EXACT_IN_F64: i64 = 1 << 53;
    for scope in signing_keys.iter().filter_map(|(_, key)| key.scope()) {
        let limits = &scope.template.limits;
        for (limit, value) in [
            ("subs", limits.subs),
            ("data", limits.data),
            ("payload", limits.payload),
        ] {
            if value == 0 || !(-EXACT_IN_F64..=EXACT_IN_F64).contains(&value) {
                return Err(ClaimsError::UnreadableScopeLimit {
                    key: scope.key.clone(),
                    limit,
                    value,
                });
            }
        }
    }
    Ok(())
}

/// The activation-token part of Go's `Import.Validate`: a token must decode and verify,
/// be issued by the exporting account (or for it, by one of its signing keys), be for
/// the importing account `account_public_key`, and match the import's type and subject.
/// Its expiry is deliberately not checked: an expired activation does not invalidate
/// the account.
fn validate_activation_token(
    import: &Import,
    account_public_key: &str,
    vr: &mut ValidationResults,
) {
    if import.token.is_empty() {
        return;
    }
    let activation = match ActivationClaims::decode(&import.token) {
        Ok(verified) => verified.into_claims(),
        Err(_) => {
            vr.add_error(format!(
                "import {} contains an invalid activation token",
                quote(&import.subject)
            ));
            return;
        }
    };
    if !(activation.issuer == import.account || activation.nats.issuer_account == import.account) {
        vr.add_error(format!(
            "activation token doesn't match account for import {}",
            quote(&import.subject)
        ));
    }
    if activation.subject != account_public_key {
        vr.add_error(format!(
            "activation token doesn't match account it is being included in, {}",
            quote(&import.subject)
        ));
    }
    if activation.nats.kind != import.import_type {
        vr.add_error(format!(
            "mismatch between token import type {} and type of import {}",
            activation.nats.kind, import.import_type
        ));
    }
    activation.nats.validate(vr);
    if !is_contained_in(import.activation_subject(), &activation.nats.subject) {
        vr.add_error(format!(
            "activation token import subject {} doesn't match import {}",
            quote(&activation.nats.subject),
            quote(&import.subject)
        ));
    }
}

/// The v1 account body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct V1Account {
    imports: Vec<Import>,
    exports: Vec<Export>,
    limits: OperatorLimits,
    signing_keys: Vec<String>,
    revocations: RevocationList,
}

go_fields!(V1Account => [
    (omitempty imports "imports")
    (omitempty exports "exports")
    (always limits "limits")
    (omitempty signing_keys "signing_keys")
    (omitempty revocations "revocations")
]);
go_object!(V1Account);

impl AccountClaims {
    /// Go's `AccountClaims.DidSign`: `issuer` is the account key, or a signing key of
    /// this account when the claims name it as `issuer_account`.
    ///
    /// ```
    /// use natsjwt::{AccountClaims, KeyPair};
    ///
    /// let account = KeyPair::new_account()?;
    /// let signing_key = KeyPair::new_account()?;
    /// let mut claims = AccountClaims::new(account.public_key().as_str());
    /// claims.nats.signing_keys.add(signing_key.public_key().as_str());
    /// let (account, signer) = (account.public_key().as_str(), signing_key.public_key().as_str());
    /// assert!(claims.did_sign(account, ""));
    /// assert!(claims.did_sign(signer, account));
    /// assert!(!claims.did_sign(signer, ""));
    /// # Ok::<(), natsjwt::KeyError>(())
    /// ```
    pub fn did_sign(&self, issuer: &str, issuer_account: &str) -> bool {
        if issuer == self.subject {
            return true;
        }
        issuer_account == self.subject && self.nats.signing_keys.contains(issuer)
    }

    /// Revokes the user `public_key` for tokens issued at or before `timestamp`.
    pub fn revoke_at(&mut self, public_key: &str, timestamp: i64) {
        self.nats.revocations.revoke(public_key, timestamp);
    }

    /// Revokes the user `public_key` for tokens issued up to now.
    pub fn revoke(&mut self, public_key: &str) {
        self.revoke_at(public_key, SystemClock.now());
    }

    /// Removes the revocation of `public_key`.
    pub fn clear_revocation(&mut self, public_key: &str) {
        self.nats.revocations.clear(public_key);
    }

    /// Removes the entries a `*` revocation covers (Go's `MaybeCompact`); returns them.
    pub fn compact_revocations(&mut self) -> Vec<(String, i64)> {
        self.nats.revocations.compact()
    }

    /// Go's `IsClaimRevoked`: true when the user `subject` issued at `issued_at` is revoked,
    /// or when either is missing.
    pub fn is_revoked(&self, subject: &str, issued_at: i64) -> bool {
        if subject.is_empty() || issued_at == 0 {
            return true;
        }
        self.nats.revocations.is_revoked(subject, issued_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_account_serialises_like_go() {
        let mut c = AccountClaims::new("ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I");
        c.name = "tenant-42".into();
        assert_eq!(
            c.to_json().unwrap(),
            r#"{"name":"tenant-42","sub":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","nats":{"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1},"default_permissions":{"pub":{},"sub":{}},"authorization":{},"type":"account"}}"#
        );
    }

    #[test]
    fn tiers_zero_flat_jetstream_on_read() {
        let payload = br#"{"sub":"A","nats":{"limits":{"mem_storage":5,"tiered_limits":{"R1":{"disk_storage":1}}},"type":"account","version":2}}"#;
        let c = AnyClaims::from_json(std::str::from_utf8(payload).unwrap()).unwrap();
        let AnyClaims::Account(c) = c else {
            panic!("{c:?}")
        };
        assert_eq!(c.nats.limits.jetstream, JetStreamLimits::default());
        assert_eq!(c.nats.limits.tiered_limits["R1"].disk_storage, 1);
    }

    #[test]
    fn revocation_api() {
        let mut c = AccountClaims::new("A");
        c.revoke_at("U1", 10);
        c.revoke_at("U2", 30);
        assert!(c.is_revoked("U1", 10));
        assert!(!c.is_revoked("U1", 11));
        assert!(c.is_revoked("", 11));
        assert!(c.is_revoked("U1", 0));
        c.revoke_at(RevocationList::ALL, 20);
        assert_eq!(c.compact_revocations(), vec![("U1".to_owned(), 10)]);
        c.clear_revocation("U2");
        assert!(!c.is_revoked("U2", 25));
        c.revoke("U3");
        assert!(c.is_revoked("U3", 1_700_000_000));
        let mut e = Export::service("s");
        e.revoke_at("AIMPORTER", 5);
        let mut act = ActivationClaims::new("AIMPORTER");
        act.issued_at = 5;
        assert!(act.is_revoked_by(&e));
        act.issued_at = 6;
        assert!(!act.is_revoked_by(&e));
        e.clear_revocation("AIMPORTER");
        act.issued_at = 5;
        assert!(!act.is_revoked_by(&e));
        act.issued_at = 0;
        assert!(act.is_revoked_by(&e));
    }

    #[test]
    fn zeroed_limits_refuse_imports() {
        let mut c = AccountClaims::new("A");
        c.nats.limits = OperatorLimits::default();
        c.nats.imports.push(Import::stream("AX", "a"));
        let mut vr = ValidationResults::new();
        c.nats.validate("A", &mut vr);
        let count = vr
            .issues
            .iter()
            .filter(|i| i.description.contains("more imports than allowed"))
            .count();
        assert_eq!(count, 1, "{vr:?}");
    }
}

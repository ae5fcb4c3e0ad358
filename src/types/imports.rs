//! Imports: streams and services an account takes from other accounts.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::ExportType;
use super::subjects::{
    for_each_containment, is_contained_in, is_literal, renaming_to_subject,
    validate_renaming_subject, validate_subject,
};
use crate::go::json::{go_fields, go_object};
use crate::go::quote::quote;
use crate::validation::ValidationResults;

/// A stream or service imported from another account.
///
/// ```
/// use natsjwt::types::Import;
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let exporter = KeyPair::new_account()?;
/// let importer = KeyPair::new_account()?;
/// let mut claims = AccountClaims::new(importer.public_key().as_str());
///
/// // The exporter's `prices.*` arrives here as `market.*` (`$1` is the wildcard's token).
/// let mut prices = Import::stream(exporter.public_key().as_str(), "prices.*");
/// prices.local_subject = "market.$1".into();
/// claims.nats.imports.push(prices);
/// // A service: requests on `help` go to the exporter.
/// claims.nats.imports.push(Import::service(exporter.public_key().as_str(), "help"));
/// assert!(!claims.validate().is_blocking(TimeChecks::Included));
///
/// // Go's rules: an import names its account.
/// claims.nats.imports.push(Import::stream("", "news"));
/// assert!(claims.validate().is_blocking(TimeChecks::Included));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A private export's import carries the exporter's activation token in `token`; see
/// [`ActivationClaims`](crate::ActivationClaims).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Import {
    /// Display name (`name`).
    pub name: String,
    /// The exporter's subject, as the exporter publishes it (`subject`).
    pub subject: String,
    /// The exporting account's public key (`account`).
    pub account: String,
    /// Activation token for a private export (`token`).
    pub token: String,
    /// Deprecated local subject (`to`); use `local_subject`.
    pub to: String,
    /// Subject in this account (`local_subject`); may use `$1`… for the `*` tokens of `subject`.
    pub local_subject: String,
    /// Stream or service (`type`).
    pub import_type: ExportType,
    /// Share latency information with the exporter (`share`, services only).
    pub share: bool,
    /// Allow message tracing through a stream import (`allow_trace`).
    pub allow_trace: bool,
}

go_fields!(Import => [
    (omitempty name "name")
    (omitempty subject "subject")
    (omitempty account "account")
    (omitempty token "token")
    (omitempty to "to")
    (omitempty local_subject "local_subject")
    (omitempty import_type "type")
    (omitempty share "share")
    (omitempty allow_trace "allow_trace")
]);
go_object!(Import);

impl Import {
    /// A stream import of `subject` from `account`.
    pub fn stream(account: impl Into<String>, subject: impl Into<String>) -> Self {
        Import {
            account: account.into(),
            subject: subject.into(),
            import_type: ExportType::Stream,
            ..Default::default()
        }
    }

    /// A service import of `subject` from `account`.
    pub fn service(account: impl Into<String>, subject: impl Into<String>) -> Self {
        Import {
            account: account.into(),
            subject: subject.into(),
            import_type: ExportType::Service,
            ..Default::default()
        }
    }

    /// True for a service import.
    pub fn is_service(&self) -> bool {
        self.import_type == ExportType::Service
    }

    /// True for a stream import.
    pub fn is_stream(&self) -> bool {
        self.import_type == ExportType::Stream
    }

    /// Go's `Import.Validate` without its activation token, which the account's
    /// validation checks (it is a token, read by the claims layer).
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if !self.is_service() && !self.is_stream() {
            vr.add_error(format!(
                "invalid import type: {}",
                quote(self.import_type.as_str())
            ));
        }
        if self.is_service() && self.allow_trace {
            vr.add_error("AllowTrace only valid for stream import");
        }
        if self.account.is_empty() {
            vr.add_error("account to import from is not specified");
        }
        if !self.to.is_empty() {
            vr.add_warning("the field to has been deprecated (use LocalSubject instead)");
        }
        validate_subject(&self.subject, vr);
        if !self.local_subject.is_empty() {
            validate_renaming_subject(&self.local_subject, &self.subject, vr);
            if !self.to.is_empty() {
                vr.add_error("Local Subject replaces To");
            }
        }
        if self.share && !self.is_service() {
            vr.add_error(format!(
                "sharing information (for latency tracking) is only valid for services: {}",
                quote(&self.subject)
            ));
        }
    }

    /// The subject an activation token for this import must contain: `to` for a service
    /// import that still uses it, else `subject`.
    pub(crate) fn activation_subject(&self) -> &str {
        if self.is_service() && !self.to.is_empty() {
            &self.to
        } else {
            &self.subject
        }
    }

    /// The subject this import occupies in the importing account (Go's service-overlap key).
    fn local_namespace(&self) -> Cow<'_, str> {
        if !self.to.is_empty() {
            return Cow::Borrowed(&self.to);
        }
        if !self.local_subject.is_empty() {
            let local = renaming_to_subject(&self.local_subject);
            if !local.is_empty() {
                return Cow::Owned(local);
            }
        }
        Cow::Borrowed(&self.subject)
    }
}

/// Go's `Imports.Validate`: service imports from one account may not overlap, then each
/// import, whose activation token `check_token` checks after its fields.
pub(crate) fn validate_imports(
    imports: &[Import],
    vr: &mut ValidationResults,
    mut check_token: impl FnMut(&Import, &mut ValidationResults),
) {
    if service_namespaces_overlap(imports) {
        validate_imports_reporting_overlaps(imports, vr, check_token);
    } else {
        for import in imports {
            import.validate(vr);
            check_token(import, vr);
        }
    }
}

/// True when the namespaces of two service imports from one account overlap (one
/// contains the other), found without per-account bookkeeping, which only imports that
/// do overlap need (to report them in Go's order).
fn service_namespaces_overlap(imports: &[Import]) -> bool {
    let mut services: Vec<(Cow<'_, str>, &str)> = imports
        .iter()
        .filter(|import| import.is_service())
        .map(|import| (import.local_namespace(), import.account.as_str()))
        .collect();
    let mut overlap = false;
    for_each_containment(
        &mut services,
        |(namespace, _)| namespace,
        |(_, outer), (_, inner)| overlap |= outer == inner,
    );
    overlap
}

/// [`validate_imports`] for imports that have overlapping service namespaces: Go's
/// per-account check, import by import, so that the errors come in Go's order.
fn validate_imports_reporting_overlaps(
    imports: &[Import],
    vr: &mut ValidationResults,
    mut check_token: impl FnMut(&Import, &mut ValidationResults),
) {
    /// A distinct service namespace already imported from an account.
    struct Seen<'a> {
        subject: Cow<'a, str>,
        /// No wildcard token: it overlaps another literal subject only when equal.
        literal: bool,
    }
    let mut by_account: BTreeMap<&str, Vec<Seen<'_>>> = BTreeMap::new();
    for import in imports {
        if import.import_type == ExportType::Service {
            let subject = import.local_namespace();
            let literal = is_literal(&subject);
            let seen = by_account
                .entry(import.account.as_str())
                .or_insert_with(|| Vec::with_capacity(8));
            // Reported in subject order, whatever the order of import.
            let mut overlapping: Vec<&str> = seen
                .iter()
                .filter(|other| {
                    if literal && other.literal {
                        other.subject == subject
                    } else {
                        is_contained_in(&subject, &other.subject)
                            || is_contained_in(&other.subject, &subject)
                    }
                })
                .map(|other| other.subject.as_ref())
                .collect();
            overlapping.sort_unstable();
            // A subject overlaps itself: a copy is among the overlapping ones.
            let duplicate = overlapping.contains(&subject.as_ref());
            for other in overlapping {
                vr.add_error(format!(
                    "overlapping subject namespace for {} and {} in same account {}",
                    quote(&subject),
                    quote(other),
                    quote(&import.account)
                ));
            }
            if duplicate {
                vr.add_error(format!(
                    "overlapping subject namespace for {} in account {}",
                    quote(&subject),
                    quote(&import.account)
                ));
            } else {
                seen.push(Seen { subject, literal });
            }
        }
        import.validate(vr);
        check_token(import, vr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptions(imports: &[Import]) -> Vec<String> {
        let mut vr = ValidationResults::new();
        validate_imports(imports, &mut vr, |_, _| {});
        vr.issues.into_iter().map(|i| i.description).collect()
    }

    #[test]
    fn serialises_in_go_order() {
        let mut i = Import::stream("AX", "prices.>");
        i.local_subject = "ext.prices.>".into();
        i.name = "prices".into();
        assert_eq!(
            serde_json::to_string(&i).unwrap(),
            r#"{"name":"prices","subject":"prices.>","account":"AX","local_subject":"ext.prices.>","type":"stream"}"#
        );
    }

    /// Go's `Imports.Validate` overlap check with the seen set iterated in order: every
    /// earlier distinct namespace from the same account is compared both ways.
    fn reference_overlaps(imports: &[Import]) -> Vec<String> {
        let mut by_account: BTreeMap<&str, std::collections::BTreeSet<String>> = BTreeMap::new();
        let mut out = Vec::new();
        for import in imports {
            let subject = import.local_namespace().into_owned();
            let seen = by_account.entry(import.account.as_str()).or_default();
            for other in seen.iter() {
                if is_contained_in(&subject, other) || is_contained_in(other, &subject) {
                    out.push(format!(
                        "overlapping subject namespace for {} and {} in same account {}",
                        quote(&subject),
                        quote(other),
                        quote(&import.account)
                    ));
                }
            }
            if !seen.insert(subject.clone()) {
                out.push(format!(
                    "overlapping subject namespace for {} in account {}",
                    quote(&subject),
                    quote(&import.account)
                ));
            }
        }
        out
    }

    /// Every list of up to four service imports over a small alphabet of accounts and
    /// subjects reports what the set-based check reports, in the same order.
    #[test]
    fn service_overlaps_match_the_set_based_check() {
        let alphabet = [
            ("A1", "q"),
            ("A1", "q.x"),
            ("A1", "q.>"),
            ("A1", "*.x"),
            ("A2", "q.x"),
            ("A1", "r"),
            ("A2", "q.*"),
        ];
        let mut cases = 0;
        for n in 1..=4u32 {
            for mut code in 0..alphabet.len().pow(n) {
                let mut imports = Vec::new();
                for _ in 0..n {
                    let (account, subject) = alphabet[code % alphabet.len()];
                    imports.push(Import::service(account, subject));
                    code /= alphabet.len();
                }
                let ours: Vec<String> = descriptions(&imports)
                    .into_iter()
                    .filter(|d| d.starts_with("overlapping"))
                    .collect();
                assert_eq!(ours, reference_overlaps(&imports), "{imports:?}");
                cases += 1;
            }
        }
        assert_eq!(cases, 7 + 49 + 343 + 2401);
    }

    #[test]
    fn service_overlap_per_account() {
        let a = Import::service("A1", "q.>");
        let b = Import::service("A1", "q.x");
        let c = Import::service("A2", "q.x");
        assert_eq!(
            descriptions(&[a.clone(), b]),
            [r#"overlapping subject namespace for "q.x" and "q.>" in same account "A1""#]
        );
        assert!(descriptions(&[a, c]).is_empty());
    }

    #[test]
    fn deprecated_to_and_the_token_check_in_order() {
        let mut i = Import::service("A1", "q");
        i.to = "local.q".into();
        i.local_subject = "other".into();
        let mut vr = ValidationResults::new();
        validate_imports(&[i], &mut vr, |import, vr| {
            vr.add_error(format!("token of {}", import.activation_subject()))
        });
        let found: Vec<String> = vr.issues.into_iter().map(|i| i.description).collect();
        assert_eq!(
            found,
            [
                "the field to has been deprecated (use LocalSubject instead)",
                "Local Subject replaces To",
                "token of local.q",
            ]
        );
    }
}

//! Validation results: the issues Go's `Validate` reports, with their severity.
//!
//! Validation never changes the claims and never fails: it returns every issue it
//! finds. `nats-server` refuses a token whose results are blocking with time checks
//! included ([`ValidationResults::is_blocking`]`(`[`TimeChecks::Included`]`)`).

use std::fmt;

/// How serious a [`ValidationIssue`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// The claims are invalid (Go's `AddError`).
    Blocking,
    /// Advice only (Go's `AddWarning`).
    Warning,
    /// The token is expired or not yet valid (Go's `AddTimeCheck`).
    TimeCheck,
}

/// Whether [`ValidationResults::is_blocking`] counts expiry and not-before problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeChecks {
    /// Expired or not-yet-valid claims block, as they do at the server.
    Included,
    /// Only invalid claims block (for claims checked before they are in force).
    Excluded,
}

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValidationIssue {
    /// What is wrong, in Go's wording where Go reports the same problem.
    pub description: String,
    /// How serious it is.
    pub severity: Severity,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

/// Every issue validation found, in the order Go reports them.
///
/// ```
/// use natsjwt::validation::TimeChecks;
/// use natsjwt::UserClaims;
///
/// let mut user = UserClaims::new("UB2PQXG2GTI4E7CGEFEEOMPJCV44HWOGZ7ANSSZIDKQR5ELCAWFKSTJX");
/// user.nats.permissions.publish.allow.push("orders..new".into());
/// let results = user.validate();
/// assert!(results.is_blocking(TimeChecks::Included));
/// assert_eq!(
///     results.errors().next().map(|issue| issue.description.as_str()),
///     Some(r#"subject "orders..new" cannot contain consecutive `.`"#)
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationResults {
    /// The issues.
    pub issues: Vec<ValidationIssue>,
}

impl ValidationResults {
    /// No issues yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a blocking issue.
    pub(crate) fn add_error(&mut self, description: impl Into<String>) {
        self.add(description, Severity::Blocking);
    }

    /// Adds a warning.
    pub(crate) fn add_warning(&mut self, description: impl Into<String>) {
        self.add(description, Severity::Warning);
    }

    /// Adds a time check (expired, not yet valid).
    pub(crate) fn add_time_check(&mut self, description: impl Into<String>) {
        self.add(description, Severity::TimeCheck);
    }

    fn add(&mut self, description: impl Into<String>, severity: Severity) {
        self.issues.push(ValidationIssue {
            description: description.into(),
            severity,
        });
    }

    /// True when any issue is blocking or, with [`TimeChecks::Included`], a time check.
    ///
    /// `nats-server` refuses a token when `is_blocking(TimeChecks::Included)`.
    pub fn is_blocking(&self, time_checks: TimeChecks) -> bool {
        self.issues.iter().any(|i| match i.severity {
            Severity::Blocking => true,
            Severity::TimeCheck => time_checks == TimeChecks::Included,
            Severity::Warning => false,
        })
    }

    /// True when nothing was found (not even a warning).
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// The blocking issues.
    pub fn errors(&self) -> impl Iterator<Item = &ValidationIssue> {
        self.of(Severity::Blocking)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &ValidationIssue> {
        self.of(Severity::Warning)
    }

    /// The time checks: expired, not yet valid.
    pub fn time_checks(&self) -> impl Iterator<Item = &ValidationIssue> {
        self.of(Severity::TimeCheck)
    }

    fn of(&self, severity: Severity) -> impl Iterator<Item = &ValidationIssue> {
        self.issues.iter().filter(move |i| i.severity == severity)
    }
}

/// The issues' descriptions joined with `; ` (for error messages).
pub(crate) fn describe_issues(issues: &[ValidationIssue]) -> String {
    issues
        .iter()
        .map(|i| i.description.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_depends_on_time_checks() {
        let mut vr = ValidationResults::new();
        assert!(vr.is_empty());
        vr.add_warning("w");
        assert!(!vr.is_blocking(TimeChecks::Included));
        vr.add_time_check("claim is expired");
        assert!(!vr.is_blocking(TimeChecks::Excluded));
        assert!(vr.is_blocking(TimeChecks::Included));
        vr.add_error("e");
        assert!(vr.is_blocking(TimeChecks::Excluded));
        assert_eq!(vr.errors().count(), 1);
        assert_eq!(
            vr.warnings().map(|i| i.to_string()).collect::<Vec<_>>(),
            ["w"]
        );
        assert_eq!(vr.time_checks().count(), 1);
    }
}

//! Validation results: the issues Go's `Validate` reports, with their severity.
//!
//! Validation never changes the claims and never fails: it returns every issue it
//! finds. `nats-server` refuses a token whose results are blocking with time checks
//! included ([`ValidationResults::is_blocking`]`(true)`).

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

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValidationIssue {
    /// What is wrong, in Go's wording where Go reports the same problem.
    pub description: String,
    /// How serious it is.
    pub severity: Severity,
}

impl ValidationIssue {
    /// True for errors (Go's `Blocking`).
    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Blocking
    }

    /// True for expiry / not-before problems (Go's `TimeCheck`).
    pub fn is_time_check(&self) -> bool {
        self.severity == Severity::TimeCheck
    }
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

/// Every issue validation found, in the order Go reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationResults {
    /// The issues.
    pub issues: Vec<ValidationIssue>,
}

impl ValidationResults {
    /// No issues yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a blocking issue.
    pub fn add_error(&mut self, description: impl Into<String>) {
        self.add(description, Severity::Blocking);
    }

    /// Adds a warning.
    pub fn add_warning(&mut self, description: impl Into<String>) {
        self.add(description, Severity::Warning);
    }

    /// Adds a time check (expired, not yet valid).
    pub fn add_time_check(&mut self, description: impl Into<String>) {
        self.add(description, Severity::TimeCheck);
    }

    fn add(&mut self, description: impl Into<String>, severity: Severity) {
        self.issues.push(ValidationIssue {
            description: description.into(),
            severity,
        });
    }

    /// True when any issue is blocking, or, with `include_time_checks`, is a time check.
    ///
    /// `nats-server` rejects a token when `is_blocking(true)`.
    pub fn is_blocking(&self, include_time_checks: bool) -> bool {
        self.issues.iter().any(|i| {
            i.severity == Severity::Blocking
                || (include_time_checks && i.severity == Severity::TimeCheck)
        })
    }

    /// True when nothing was found (not even a warning).
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// The blocking issues.
    pub fn errors(&self) -> impl Iterator<Item = &ValidationIssue> {
        self.issues.iter().filter(|i| i.is_blocking())
    }

    /// Everything that is not blocking: warnings and time checks (as Go's `Warnings`).
    pub fn warnings(&self) -> impl Iterator<Item = &ValidationIssue> {
        self.issues.iter().filter(|i| !i.is_blocking())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_depends_on_time_checks() {
        let mut vr = ValidationResults::new();
        assert!(vr.is_empty());
        vr.add_warning("w");
        assert!(!vr.is_blocking(true));
        vr.add_time_check("claim is expired");
        assert!(!vr.is_blocking(false));
        assert!(vr.is_blocking(true));
        vr.add_error("e");
        assert!(vr.is_blocking(false));
        assert_eq!(vr.errors().count(), 1);
        assert_eq!(vr.warnings().count(), 2);
    }
}

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

/// `text` as a message may show it: a seed pasted where a public key belongs is replaced
/// by `<redacted seed>` (Go prints it).
pub(crate) fn shown(text: &str) -> &str {
    if text.len() == 58 && text.starts_with('S') && crate::keys::decode_seed(text).is_ok() {
        "<redacted seed>"
    } else {
        text
    }
}

/// Go's `strconv.Quote`, which validation messages use for values (`%q`), of [`shown`]`(text)`.
///
/// Printable characters are kept; Go's `unicode.IsPrint` is approximated without Unicode
/// tables: controls, spaces other than U+0020, format characters, private-use characters
/// and noncharacters are escaped; unassigned code points are kept.
pub(crate) fn go_quote(text: &str) -> String {
    let text = shown(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if u32::from(c) < 0x80 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`.
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let code = u32::from(c);
    let format_or_private = matches!(
        code,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE000..=0xF8FF
            | 0xF0000..=0x10FFFF
    );
    let noncharacter = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    !format_or_private && !noncharacter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a b"), r#""a b""#);
        assert_eq!(go_quote("q\"\\"), r#""q\"\\""#);
        assert_eq!(go_quote("\0\u{7f}\n\u{7}"), r#""\x00\x7f\n\a""#);
        assert_eq!(go_quote("\u{a0}\u{200b}é"), "\"\\u00a0\\u200bé\"");
        assert_eq!(go_quote("\u{10ffff}😀"), "\"\\U0010ffff😀\"");
    }

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

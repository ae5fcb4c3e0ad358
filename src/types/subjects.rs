//! Subject rules as the Go library applies them (`Subject`, `RenamingSubject`).
//!
//! These are Go's checks, which are looser than the server's parser: only spaces, empty
//! subjects, leading/trailing dots and empty tokens are refused; wildcard placement is not
//! checked.

use crate::go::quote::quote;
use crate::go::strconv::atoi;
use crate::validation::ValidationResults;

/// Go's `Subject.Validate`: non-empty, no space, no leading/trailing `.`, no `..`.
pub(crate) fn validate_subject(subject: &str, vr: &mut ValidationResults) {
    if subject.is_empty() {
        vr.add_error("subject cannot be empty");
        return;
    }
    let (space, doubled_dot) = spaces_and_doubled_dots(subject.as_bytes());
    if space {
        vr.add_error(format!("subject {} cannot have spaces", quote(subject)));
    }
    if subject.starts_with('.') || subject.ends_with('.') {
        vr.add_error(format!(
            "subject {} cannot start or end with a `.`",
            quote(subject)
        ));
    }
    if doubled_dot {
        vr.add_error(format!(
            "subject {} cannot contain consecutive `.`",
            quote(subject)
        ));
    }
}

/// Whether `bytes` hold a space, and two dots in a row: one pass, eight bytes a step
/// without a branch on the bytes (validating a large account is mostly this, and byte
/// loops that branch on each byte took half as long again).
fn spaces_and_doubled_dots(bytes: &[u8]) -> (bool, bool) {
    let (mut spaces, mut doubled, mut previous_dots) = (0u64, 0u64, 0u64);
    for chunk in bytes.chunks(8) {
        // The last chunk is padded with zero bytes, which are neither spaces nor dots.
        let mut word = [0u8; 8];
        let (head, _) = word.split_at_mut(chunk.len());
        head.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let dots = bytes_equal_to(word, b'.');
        // A dot right after a dot, in this word or at the end of the previous one.
        doubled |= dots & ((dots << 8) | (previous_dots >> 56));
        spaces |= bytes_equal_to(word, b' ');
        previous_dots = dots;
    }
    (spaces != 0, doubled != 0)
}

/// The high bit of every byte of `word` that equals `byte`, and no other bit.
fn bytes_equal_to(word: u64, byte: u8) -> u64 {
    const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Zero bytes of `x` are the equal ones: adding 0x7f to a byte's low seven bits sets
    // its high bit unless they are all zero (and cannot carry into the next byte).
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    !(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN)
}

/// The `.`-separated tokens of a subject, as bytes (subjects are short: a byte loop beats
/// a string searcher's set-up).
fn tokens(subject: &str) -> std::slice::Split<'_, u8, impl FnMut(&u8) -> bool> {
    subject.as_bytes().split(|&byte| byte == b'.')
}

/// The server's `IsValidSubject`: non-empty tokens without whitespace, `>` only last.
pub(crate) fn is_valid_server_subject(subject: &str) -> bool {
    if subject.is_empty() {
        return false;
    }
    let mut after_full_wildcard = false;
    for token in subject.split('.') {
        if token.is_empty() || after_full_wildcard {
            return false;
        }
        if token.len() > 1 {
            if token.contains(['\t', '\n', '\x0c', '\r', ' ']) {
                return false;
            }
            continue;
        }
        match token {
            ">" => after_full_wildcard = true,
            " " | "\t" | "\n" | "\r" | "\x0c" => return false,
            _ => {}
        }
    }
    true
}

/// Go's `Subject.HasWildCards`: a textual test for `*` or `>` tokens.
pub(crate) fn has_wildcards(subject: &str) -> bool {
    subject.ends_with(".>")
        || subject.contains(".*.")
        || subject.ends_with(".*")
        || subject.starts_with("*.")
        || subject == "*"
        || subject == ">"
}

/// Number of `*` tokens in `subject`.
pub(crate) fn count_token_wildcards(subject: &str) -> usize {
    subject.split('.').filter(|t| *t == "*").count()
}

/// Go's `Subject.IsContainedIn`: every subject matched by `subject` is matched by `other`.
///
/// Token by token, `*` in `other` matches any token and a trailing `>` matches the rest;
/// `a` is not contained in `a.>`.
pub(crate) fn is_contained_in(subject: &str, other: &str) -> bool {
    let mut mine = tokens(subject);
    let mut theirs = tokens(other).peekable();
    loop {
        match (mine.next(), theirs.next()) {
            (None, None) => return true,
            (Some(_), Some(b">")) if theirs.peek().is_none() => return true,
            (Some(my), Some(their)) if their == my || their == b"*" => {}
            _ => return false,
        }
    }
}

/// The part of `subject` every subject it contains starts with: up to and including the
/// `.` before its first wildcard token (`*` anywhere, `>` last), or all of it when it has
/// none (then only the subject itself is contained in it).
#[allow(
    clippy::string_slice,
    reason = "the prefix ends before an ASCII `*` or `>`: a character boundary"
)]
fn literal_prefix(subject: &str) -> &str {
    // Wildcard bytes are rare: a scan for them (whose branch is nearly always the same
    // way) and a look at the few found, rather than a branch per token.
    let bytes = subject.as_bytes();
    for (i, &byte) in bytes.iter().enumerate() {
        if byte != b'*' && byte != b'>' {
            continue;
        }
        let starts_token = i == 0 || bytes.get(i - 1) == Some(&b'.');
        let ends_token = match bytes.get(i + 1) {
            None => true,
            Some(b'.') => byte == b'*',
            Some(_) => false,
        };
        if starts_token && ends_token {
            return &subject[..i];
        }
    }
    subject
}

/// True when `subject` has no wildcard token: it contains only itself.
pub(crate) fn is_literal(subject: &str) -> bool {
    literal_prefix(subject).len() == subject.len()
}

/// Calls `contains(outer, inner)` for every pair of distinct entries where the subject of
/// `outer` contains the subject of `inner`, after sorting `entries` (whose order must be
/// by subject first).
///
/// Validation finds overlapping exports and imports with this, without testing every
/// pair: a subject contains only subjects that start with its literal prefix, as it does
/// itself, so in sorted order they sit right before and after it; a literal subject
/// contains only its copies. Entries usually arrive sorted and distinct (encode sorts
/// exports and imports), which one comparison per entry confirms: then nothing is sorted
/// and literal subjects need no further look.
#[allow(
    clippy::indexing_slicing,
    reason = "k is an index of entries: the entries before it and after it are in bounds"
)]
pub(crate) fn for_each_containment<T: Ord>(
    entries: &mut [T],
    subject: fn(&T) -> &str,
    mut contains: impl FnMut(&T, &T),
) {
    let increasing = entries
        .iter()
        .zip(entries.iter().skip(1))
        .all(|(a, b)| subject(a) < subject(b));
    if !increasing {
        entries.sort_unstable();
    }
    let entries = &*entries;
    for (k, outer) in entries.iter().enumerate() {
        let outer_subject = subject(outer);
        let prefix = literal_prefix(outer_subject);
        let literal = prefix.len() == outer_subject.len();
        if literal && increasing {
            continue;
        }
        let near = |entry: &&T| {
            let other = subject(entry);
            if literal {
                other == outer_subject
            } else {
                other.starts_with(prefix)
            }
        };
        let (before, after) = (&entries[..k], &entries[k + 1..]);
        before
            .iter()
            .rev()
            .take_while(near)
            .chain(after.iter().take_while(near))
            .filter(|inner| literal || is_contained_in(subject(inner), outer_subject))
            .for_each(|inner| contains(outer, inner));
    }
}

/// `$n` tokens (n a decimal number) of a renaming subject, as Go's `strconv.Atoi` reads them.
fn reference_index(token: &str) -> Option<i64> {
    let digits = token.strip_prefix('$')?;
    if digits.is_empty() {
        return None;
    }
    atoi(digits)
}

/// Go's `RenamingSubject.Validate(from)`: a local subject for an import of `from`.
pub(crate) fn validate_renaming_subject(local: &str, from: &str, vr: &mut ValidationResults) {
    validate_subject(local, vr);
    if from.is_empty() {
        vr.add_error("subject cannot be empty");
    }
    if local.contains(' ') {
        vr.add_error(format!("subject {} cannot have spaces", quote(local)));
    }
    let ends_in_gt = |s: &str| s == ">" || s.ends_with(".>");
    if ends_in_gt(local) != ends_in_gt(from) {
        vr.add_error("both, renaming subject and subject, need to end or not end in >");
    }
    let from_count = count_token_wildcards(from) as i64;
    let mut ref_count = 0i64;
    for token in local.split('.') {
        if token == "*" {
            ref_count += 1;
        }
        if token.len() < 2 {
            continue;
        }
        if let Some(index) = reference_index(token) {
            if index > from_count {
                vr.add_error(format!(
                    "Reference ${index} in {} reference * in {} that do not exist",
                    quote(local),
                    quote(from)
                ));
            } else {
                ref_count += 1;
            }
        }
    }
    if ref_count != from_count {
        vr.add_error("subject does not contain enough * or reference wildcards $[0-9]");
    }
}

/// Go's `RenamingSubject.ToSubject`: `$n` tokens become `*`.
pub(crate) fn renaming_to_subject(local: &str) -> String {
    if !local.contains('$') {
        return local.to_owned();
    }
    local
        .split('.')
        .map(|token| {
            if token.len() > 1 && reference_index(token).is_some() {
                "*"
            } else {
                token
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to six characters over `a . space *`, also after prefixes that
    /// put it across eight-byte words: the word scan says what `contains` says.
    #[test]
    fn spaces_and_doubled_dots_are_found_across_words() {
        let alphabet = ['a', '.', ' ', '*'];
        let prefixes = [
            "",
            "aaa",
            "aaaaaa.",
            "aaaaaaa",
            "a.a.a.a",
            "aaaaaaaaaaaaaaa",
        ];
        let mut cases = 0;
        for len in 0..=6u32 {
            for mut code in 0..alphabet.len().pow(len) {
                let mut tail = String::new();
                for _ in 0..len {
                    tail.push(alphabet[code % alphabet.len()]);
                    code /= alphabet.len();
                }
                for prefix in prefixes {
                    let subject = format!("{prefix}{tail}");
                    assert_eq!(
                        spaces_and_doubled_dots(subject.as_bytes()),
                        (subject.contains(' '), subject.contains("..")),
                        "{subject:?}"
                    );
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 6 * 5461);
    }

    #[test]
    fn literal_prefix_is_the_text_before_the_first_wildcard_token() {
        for (subject, prefix) in [
            ("a.b", "a.b"),
            ("a.*", "a."),
            ("a.*.b", "a."),
            ("a.b.*.>", "a.b."),
            ("*", ""),
            ("*.>", ""),
            ("a.>", "a."),
            (">", ""),
            ("a.>.b", "a.>.b"),
            ("a*.b", "a*.b"),
            ("a.b>", "a.b>"),
            ("", ""),
        ] {
            assert_eq!(literal_prefix(subject), prefix, "{subject:?}");
            assert_eq!(is_literal(subject), prefix == subject, "{subject:?}");
        }
    }

    fn errors(f: impl FnOnce(&mut ValidationResults)) -> Vec<String> {
        let mut vr = ValidationResults::new();
        f(&mut vr);
        vr.issues.into_iter().map(|i| i.description).collect()
    }

    #[test]
    fn subject_rules() {
        for ok in ["a", "a.b", "foo*", "a.>.b", "a\tb", ">", "*"] {
            assert!(errors(|vr| validate_subject(ok, vr)).is_empty(), "{ok}");
        }
        assert_eq!(
            errors(|vr| validate_subject("", vr)),
            ["subject cannot be empty"]
        );
        assert_eq!(
            errors(|vr| validate_subject("a b", vr)),
            [r#"subject "a b" cannot have spaces"#]
        );
        assert_eq!(errors(|vr| validate_subject(".a", vr)).len(), 1);
        assert_eq!(errors(|vr| validate_subject("a.", vr)).len(), 1);
        assert_eq!(errors(|vr| validate_subject("a..b", vr)).len(), 1);
        assert_eq!(errors(|vr| validate_subject(". .", vr)).len(), 2);
    }

    #[test]
    fn server_subjects() {
        for ok in ["a", "a.b", "a.*", "a.>", ">", "*.*"] {
            assert!(is_valid_server_subject(ok), "{ok}");
        }
        for bad in ["", "a..b", ".a", "a.", "a.>.b", "a b", "a. ", "a.\tb"] {
            assert!(!is_valid_server_subject(bad), "{bad:?}");
        }
    }

    #[test]
    fn wildcards() {
        for w in ["a.>", "a.*.b", "a.*", "*.a", "*", ">"] {
            assert!(has_wildcards(w), "{w}");
        }
        for n in ["a", "a*", "a.b*", ">a", "a>"] {
            assert!(!has_wildcards(n), "{n}");
        }
    }

    #[test]
    fn containment() {
        assert!(is_contained_in("a.b", "a.>"));
        assert!(is_contained_in("a.b.c", "a.>"));
        assert!(!is_contained_in("a", "a.>"));
        assert!(is_contained_in("a.b", "a.*"));
        assert!(!is_contained_in("a.*", "a.b"));
        assert!(is_contained_in("a.b", "a.b"));
        assert!(!is_contained_in("a.b.c", "a.*"));
        assert!(is_contained_in("a.>", "a.>"));
        assert!(is_contained_in("x", ">"));
    }

    #[test]
    fn renaming() {
        assert!(errors(|vr| validate_renaming_subject("b.$1", "a.*", vr)).is_empty());
        assert!(errors(|vr| validate_renaming_subject("b.*", "a.*", vr)).is_empty());
        assert!(errors(|vr| validate_renaming_subject("b.>", "a.>", vr)).is_empty());
        assert_eq!(
            errors(|vr| validate_renaming_subject("b.$2", "a.*", vr)),
            [
                r#"Reference $2 in "b.$2" reference * in "a.*" that do not exist"#,
                "subject does not contain enough * or reference wildcards $[0-9]"
            ]
        );
        assert_eq!(
            errors(|vr| validate_renaming_subject("b", "a.>", vr)),
            ["both, renaming subject and subject, need to end or not end in >"]
        );
        assert_eq!(renaming_to_subject("x.$1.$2.y"), "x.*.*.y");
        assert_eq!(renaming_to_subject("x.$a"), "x.$a");
    }
}

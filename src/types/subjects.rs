//! Subject rules as the Go library applies them (`Subject`, `RenamingSubject`).
//!
//! These are Go's checks, which are looser than the server's parser: only spaces, empty
//! subjects, leading/trailing dots and empty tokens are refused; wildcard placement is not
//! checked.

use crate::validation::go_quote;
use crate::validation::ValidationResults;

/// Go's `Subject.Validate`: non-empty, no space, no leading/trailing `.`, no `..`.
pub fn validate_subject(subject: &str, vr: &mut ValidationResults) {
    if !is_well_formed(subject) {
        report_subject_faults(subject, vr);
    }
}

/// Every fault of a subject [`is_well_formed`] refused, in Go's order and words.
///
/// Out of line, so that the check of a well-formed subject stays small.
#[cold]
#[inline(never)]
fn report_subject_faults(subject: &str, vr: &mut ValidationResults) {
    if subject.is_empty() {
        vr.add_error("subject cannot be empty");
        return;
    }
    if subject.contains(' ') {
        vr.add_error(format!("subject {} cannot have spaces", go_quote(subject)));
    }
    if subject.starts_with('.') || subject.ends_with('.') {
        vr.add_error(format!(
            "subject {} cannot start or end with a `.`",
            go_quote(subject)
        ));
    }
    if subject.contains("..") {
        vr.add_error(format!(
            "subject {} cannot contain consecutive `.`",
            go_quote(subject)
        ));
    }
}

/// True when [`validate_subject`] finds nothing: the one pass an account's hundreds of
/// subjects take, eight bytes at a time, without searching for each fault separately.
fn is_well_formed(subject: &str) -> bool {
    let bytes = subject.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let mut fault = first == b'.' || last == b'.';
    let mut previous_dots = 0u64;
    for word in words(bytes) {
        let dots = bytes_equal_to(word, b'.');
        // A dot right after a dot, in this word or at the end of the previous one.
        let doubled = dots & ((dots << 8) | (previous_dots >> 56));
        fault |= (bytes_equal_to(word, b' ') | doubled) != 0;
        previous_dots = dots;
    }
    !fault
}

/// `bytes` as little-endian words of eight bytes, the last one padded with zero bytes.
fn words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes
        .chunks(8)
        .map(|chunk| match <[u8; 8]>::try_from(chunk) {
            Ok(word) => u64::from_le_bytes(word),
            // Built in a register: bytes stored one by one and read back as a word would
            // stall the load.
            Err(_) => chunk
                .iter()
                .rev()
                .fold(0, |word, &byte| (word << 8) | u64::from(byte)),
        })
}

/// The high bit of every byte of `word` that equals `byte`, and no other bit.
fn bytes_equal_to(word: u64, byte: u8) -> u64 {
    const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Zero bytes of `x` are the equal ones: adding 0x7f to a byte's low seven bits sets
    // its high bit unless they are all zero (and cannot carry into the next byte).
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    !(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN)
}

/// The server's `IsValidSubject`: non-empty tokens without whitespace, `>` only last.
pub fn is_valid_server_subject(subject: &str) -> bool {
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
pub fn has_wildcards(subject: &str) -> bool {
    subject.ends_with(".>")
        || subject.contains(".*.")
        || subject.ends_with(".*")
        || subject.starts_with("*.")
        || subject == "*"
        || subject == ">"
}

/// Number of `*` tokens in `subject`.
pub fn count_token_wildcards(subject: &str) -> usize {
    subject.split('.').filter(|t| *t == "*").count()
}

/// Go's `Subject.IsContainedIn`: every subject matched by `subject` is matched by `other`.
///
/// Token by token, `*` in `other` matches any token and a trailing `>` matches the rest;
/// `a` is not contained in `a.>`.
pub fn is_contained_in(subject: &str, other: &str) -> bool {
    // Token by token over the bytes, collecting nothing: validation compares every pair
    // of exports, so this runs thousands of times for a large account.
    let (mut mine, mut theirs) = (Some(subject.as_bytes()), Some(other.as_bytes()));
    loop {
        let (Some(my_text), Some(their_text)) = (mine, theirs) else {
            // Both ran out together: same length, every token matched.
            return mine.is_none() && theirs.is_none();
        };
        let (my, my_rest) = first_token(my_text);
        let (their, their_rest) = first_token(their_text);
        if their == b">" && their_rest.is_none() {
            return true;
        }
        if their != my && their != b"*" {
            return false;
        }
        (mine, theirs) = (my_rest, their_rest);
    }
}

/// The first `.`-separated token and what follows its `.` (`None` after the last token).
fn first_token(text: &[u8]) -> (&[u8], Option<&[u8]>) {
    match text.iter().position(|&b| b == b'.') {
        Some(dot) => (text.get(..dot).unwrap_or_default(), text.get(dot + 1..)),
        None => (text, None),
    }
}

/// The part of `subject` every subject it contains starts with: up to and including the
/// `.` before its first wildcard token (`*` anywhere, `>` last), or all of it when it has
/// none (then only the subject itself is contained in it).
fn literal_prefix(subject: &str) -> &str {
    // A scan for the wildcard bytes, eight at a time, then a look at their neighbours:
    // validation asks this of every exported and imported subject.
    let bytes = subject.as_bytes();
    for (offset, word) in (0..).step_by(8).zip(words(bytes)) {
        let mut candidates = bytes_equal_to(word, b'*') | bytes_equal_to(word, b'>');
        while candidates != 0 {
            let i = offset + (candidates.trailing_zeros() / 8) as usize;
            candidates &= candidates - 1;
            let starts_token = i == 0 || bytes.get(i - 1) == Some(&b'.');
            let next = bytes.get(i + 1);
            let wildcard_token = match bytes.get(i) {
                Some(b'*') => next.map_or(true, |&b| b == b'.'),
                _ => next.is_none(),
            };
            if starts_token && wildcard_token {
                return subject.get(..i).unwrap_or_default();
            }
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
        let before = entries.get(..k).unwrap_or_default();
        let after = entries.get(k + 1..).unwrap_or_default();
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
    parse_go_atoi(digits)
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, fits in 64 bits.
pub(crate) fn parse_go_atoi(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'+') => (false, text.get(1..)?),
        Some(b'-') => (true, text.get(1..)?),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i128 = digits.parse().ok()?;
    let value = if negative { -value } else { value };
    i64::try_from(value).ok()
}

/// Go's `RenamingSubject.Validate(from)`: a local subject for an import of `from`.
pub fn validate_renaming_subject(local: &str, from: &str, vr: &mut ValidationResults) {
    validate_subject(local, vr);
    if from.is_empty() {
        vr.add_error("subject cannot be empty");
    }
    if local.contains(' ') {
        vr.add_error(format!("subject {} cannot have spaces", go_quote(local)));
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
                    go_quote(local),
                    go_quote(from)
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
pub fn renaming_to_subject(local: &str) -> String {
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

    /// Every string of up to `max_len` characters of `alphabet`, each also after prefixes
    /// that put it across the eight-byte words the scans work in.
    fn test_subjects(alphabet: &[char], max_len: u32) -> Vec<String> {
        let prefixes = [
            "",
            "aaa",
            "aaaaaa",
            "aaaaaa.",
            "aaaaaaa",
            "a.a.a.a",
            "aaaaaaaaaaaaaaa",
        ];
        let mut subjects = Vec::new();
        for len in 0..=max_len {
            for code in 0..alphabet.len().pow(len) {
                let mut tail = String::new();
                let mut code = code;
                for _ in 0..len {
                    tail.push(alphabet[code % alphabet.len()]);
                    code /= alphabet.len();
                }
                subjects.extend(prefixes.iter().map(|prefix| format!("{prefix}{tail}")));
            }
        }
        subjects
    }

    /// The prefix found by scanning for wildcard bytes is the one found token by token:
    /// up to the first `*` token, or a last `>` token.
    #[test]
    fn literal_prefix_is_the_text_before_the_first_wildcard_token() {
        fn by_tokens(subject: &str) -> &str {
            let mut end = 0;
            let tokens: Vec<&str> = subject.split('.').collect();
            for (i, token) in tokens.iter().enumerate() {
                if *token == "*" || (*token == ">" && i + 1 == tokens.len()) {
                    return subject.get(..end).unwrap();
                }
                end += token.len() + 1;
            }
            subject
        }
        let subjects = test_subjects(&['a', '.', '*', '>'], 6);
        assert_eq!(subjects.len(), 7 * 5461);
        for subject in subjects {
            assert_eq!(literal_prefix(&subject), by_tokens(&subject), "{subject:?}");
        }
    }

    /// The word-at-a-time check accepts exactly the subjects in which Go finds no fault.
    #[test]
    fn well_formed_agrees_with_the_fault_report() {
        let subjects = test_subjects(&['a', '.', ' ', '*'], 6);
        assert_eq!(subjects.len(), 7 * 5461);
        for subject in subjects {
            let mut vr = ValidationResults::new();
            report_subject_faults(&subject, &mut vr);
            assert_eq!(
                is_well_formed(&subject),
                vr.issues.is_empty(),
                "{subject:?}"
            );
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
        assert_eq!(parse_go_atoi("+5"), Some(5));
        assert_eq!(parse_go_atoi("-"), None);
    }
}

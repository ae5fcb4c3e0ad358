//! Go's `strconv.Atoi`, as the server-version and `$n` reference rules use it.

/// Go's `strconv.Atoi`: optional sign, decimal digits, fits in 64 bits.
pub(crate) fn atoi(text: &str) -> Option<i64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_like_go() {
        assert_eq!(atoi("+5"), Some(5));
        assert_eq!(atoi("-12"), Some(-12));
        assert_eq!(atoi("007"), Some(7));
        assert_eq!(atoi("9223372036854775807"), Some(i64::MAX));
        for bad in ["-", "+", "", "1a", " 1", "9223372036854775808", "1_0"] {
            assert_eq!(atoi(bad), None, "{bad:?}");
        }
    }
}

//! Go's `time.Parse` with the layout `15:04:05`, as validation of a user's `times` applies it.

/// Parses a time of day with Go's layout `15:04:05`, returning seconds since midnight.
///
/// The hour has one or two digits (0–23), minutes and seconds exactly two; a fractional
/// second after `.` or `,` is accepted (and ignored); nothing may follow.
pub(crate) fn parse_clock_time(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    let digit = |i: usize| -> Option<u32> {
        bytes
            .get(i)
            .filter(|b| b.is_ascii_digit())
            .map(|b| u32::from(b - b'0'))
    };
    let (hour, rest) = match (digit(0), digit(1)) {
        (Some(h1), Some(h2)) => (h1 * 10 + h2, 2),
        (Some(h), None) => (h, 1),
        _ => return None,
    };
    let two = |at: usize| -> Option<u32> { Some(digit(at)? * 10 + digit(at + 1)?) };
    if bytes.get(rest) != Some(&b':') {
        return None;
    }
    let minute = two(rest + 1)?;
    if bytes.get(rest + 3) != Some(&b':') {
        return None;
    }
    let second = two(rest + 4)?;
    let mut end = rest + 6;
    if matches!(bytes.get(end), Some(b'.') | Some(b',')) && digit(end + 1).is_some() {
        end += 1;
        while digit(end).is_some() {
            end += 1;
        }
    }
    if end != bytes.len() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_follow_go_layout() {
        for (text, secs) in [
            ("9:00:00", Some(9 * 3600)),
            ("09:00:00", Some(9 * 3600)),
            ("23:59:59", Some(86399)),
            ("12:00:00.5", Some(43200)),
            ("12:00:00,123", Some(43200)),
            ("0:00:00", Some(0)),
        ] {
            assert_eq!(parse_clock_time(text), secs, "{text}");
        }
        for bad in [
            "25:00:00",
            "12:00",
            "12:60:00",
            "12:00:60",
            "12:0:00",
            "123:00:00",
            "12:00:00.",
            "12:00:00 ",
            " 12:00:00",
            "",
            "aa:00:00",
            "12:00:00.5x",
        ] {
            assert_eq!(parse_clock_time(bad), None, "{bad}");
        }
    }
}

//! The parts of Go's `net/url.Parse` that claim validation depends on.
//!
//! Go's parser is lenient (`localhost:9090` parses, with scheme `localhost`); the
//! operator and info URL rules are defined in terms of what it returns, so this follows
//! it rather than a stricter URL grammar.

use crate::go::quote::quote;

/// A URL split the way Go's `url.Parse` splits it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct GoUrl {
    /// Lower-cased scheme, or empty.
    pub scheme: String,
    /// True when an `user@` part was present.
    pub has_user: bool,
    /// Host with port, unescaped.
    pub host: String,
    /// Path (empty for opaque URLs).
    pub path: String,
}

impl GoUrl {
    /// Go's `URL.Hostname()`: the host without port or IPv6 brackets.
    pub fn hostname(&self) -> &str {
        let host = self.host.as_str();
        if let Some(rest) = host.strip_prefix('[') {
            return rest.split_once(']').map_or(rest, |(inside, _)| inside);
        }
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    }
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Host,
    Path,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape` for the host mode: characters that may not appear unescaped.
fn host_char_needs_escape(c: u8) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    !matches!(
        c,
        b'!' | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'['
            | b']'
            | b'<'
            | b'>'
            | b'"'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
    )
}

/// Go's `unescape`: validates `%XX` escapes (and host characters) and decodes them.
#[allow(
    clippy::indexing_slicing,
    reason = "i < len: a `%` was read at i; the escape shown ends at most at len"
)]
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        if c == b'%' {
            let (h1, h2) = match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(&a), Some(&b)) if is_hex(a) && is_hex(b) => (a, b),
                _ => {
                    let end = (i + 3).min(bytes.len());
                    return Err(format!(
                        "invalid URL escape {}",
                        quote(&String::from_utf8_lossy(&bytes[i..end]))
                    ));
                }
            };
            if mode == Mode::Host && hex_value(h1) < 8 && !(h1 == b'2' && h2 == b'5') {
                let escape = String::from_utf8_lossy(&bytes[i..i + 3]);
                return Err(format!("invalid URL escape {}", quote(&escape)));
            }
            out.push(hex_value(h1) << 4 | hex_value(h2));
            i += 3;
        } else {
            if mode == Mode::Host && c < 0x80 && host_char_needs_escape(c) {
                return Err(format!(
                    "invalid character {} in host name",
                    quote(&char::from(c).to_string())
                ));
            }
            out.push(c);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some((_, port)) = host.rsplit_once(']') else {
            return Err("missing ']' in host".to_owned());
        };
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", quote(port)));
        }
    } else if let Some(colon) = host.rfind(':') {
        let (_, port) = host.split_at(colon);
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", quote(port)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &str) -> bool {
    s.bytes().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b':'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
                    | b'@'
            )
    })
}

/// Go's `getScheme`: the scheme is what comes before the first `:`, when it is a
/// letter followed by letters, digits, `+`, `-` or `.`.
fn split_scheme(raw: &str) -> Result<(&str, &str), String> {
    let Some((scheme, rest)) = raw.split_once(':') else {
        return Ok(("", raw));
    };
    let mut bytes = scheme.bytes();
    match bytes.next() {
        None => return Err("missing protocol scheme".to_owned()),
        Some(first) if !first.is_ascii_alphabetic() => return Ok(("", raw)),
        Some(_) => {}
    }
    if bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) {
        Ok((scheme, rest))
    } else {
        Ok(("", raw))
    }
}

/// Parses like Go's `url.Parse`; the error is Go's message, `parse "<url>": <reason>`.
pub(crate) fn parse(raw: &str) -> Result<GoUrl, String> {
    let (without_fragment, fragment) = match raw.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (raw, None),
    };
    let url = parse_without_fragment(without_fragment)
        .map_err(|reason| format!("parse {}: {reason}", quote(without_fragment)))?;
    if let Some(fragment) = fragment {
        unescape(fragment, Mode::Fragment)
            .map_err(|reason| format!("parse {}: {reason}", quote(raw)))?;
    }
    Ok(url)
}

/// Go's `parse(rawURL, false)`.
fn parse_without_fragment(without_fragment: &str) -> Result<GoUrl, String> {
    if without_fragment.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_owned());
    }
    let mut url = GoUrl::default();
    if without_fragment == "*" {
        url.path = "*".to_owned();
        return Ok(url);
    }
    let (scheme, rest) = split_scheme(without_fragment)?;
    url.scheme = scheme.to_ascii_lowercase();
    // Go drops the query: after the first `?`, or a lone trailing one.
    let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // Rootless paths are opaque.
            return Ok(url);
        }
        if rest
            .split_once('/')
            .map_or(rest, |(first, _)| first)
            .contains(':')
        {
            return Err("first path segment in URL cannot contain colon".to_owned());
        }
    }
    let mut path = rest;
    let authority_and_path = if url.scheme.is_empty() && rest.starts_with("///") {
        None
    } else {
        rest.strip_prefix("//")
    };
    if let Some(after) = authority_and_path {
        let (authority, tail) = match after.find('/') {
            Some(i) => after.split_at(i),
            None => (after, ""),
        };
        path = tail;
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        url.host = parse_host(host)?;
        if let Some(userinfo) = userinfo {
            if !valid_userinfo(userinfo) {
                return Err("net/url: invalid userinfo".to_owned());
            }
            for part in userinfo.splitn(2, ':') {
                unescape(part, Mode::UserPassword)?;
            }
            url.has_user = true;
        }
    }
    url.path = unescape(path, Mode::Path)?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_go() {
        let u = parse("http://user:pw@localhost:9090/jwt/v1?x=1#f").unwrap();
        assert_eq!(u.scheme, "http");
        assert!(u.has_user);
        assert_eq!(u.host, "localhost:9090");
        assert_eq!(u.hostname(), "localhost");
        assert_eq!(u.path, "/jwt/v1");
        let u = parse("localhost:9090").unwrap();
        assert_eq!(u.scheme, "localhost");
        assert_eq!(u.host, "");
        let u = parse("NATS://[::1]:4222").unwrap();
        assert_eq!(u.scheme, "nats");
        assert_eq!(u.hostname(), "::1");
        assert_eq!(parse("example.com").unwrap().path, "example.com");
    }

    #[test]
    fn messages_like_go() {
        assert_eq!(
            parse("http://a b").unwrap_err(),
            r#"parse "http://a b": invalid character " " in host name"#
        );
        assert_eq!(
            parse("http://ho%41st").unwrap_err(),
            r#"parse "http://ho%41st": invalid URL escape "%41""#
        );
        assert_eq!(
            parse("https://example.com/%zz").unwrap_err(),
            r#"parse "https://example.com/%zz": invalid URL escape "%zz""#
        );
        assert_eq!(
            parse(":9090").unwrap_err(),
            r#"parse ":9090": missing protocol scheme"#
        );
        assert_eq!(
            parse("nats://localhost:port").unwrap_err(),
            r#"parse "nats://localhost:port": invalid port ":port" after host"#
        );
        assert_eq!(
            parse("http://h/#%zz").unwrap_err(),
            r#"parse "http://h/#%zz": invalid URL escape "%zz""#
        );
    }

    #[test]
    fn errors_like_go() {
        assert!(parse(":foo").is_err());
        assert!(parse("http://host:port").is_err());
        assert!(parse("http://a b").is_err());
        assert!(parse("http://h/%zz").is_err());
        assert!(parse("http://[::1").is_err());
        assert!(parse("a\nb").is_err());
        assert!(parse("1:2").is_err());
        assert!(parse("/a:b").is_ok());
        assert!(parse("a:b/c").is_ok());
        assert!(parse("ab/c:d").is_ok());
        assert!(parse("a/b:c").is_ok());
        assert!(parse("x_y:z").is_err());
    }
}

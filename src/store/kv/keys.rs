//! The key each piece of state has in the bucket.
//!
//! KV keys take `A-Z a-z 0-9 - _ = .` only, and `.` separates tokens: a name (which
//! may hold any character a directory store allows) is written with every byte outside
//! `A-Z a-z 0-9 - _` as `=XX`, its hex value, so that it is one token and reads back as
//! it was.

/// The store's description: the operator's name and the key seeds are sealed to.
pub(super) const META: &str = "meta";
/// The operator JWT.
pub(super) const OPERATOR: &str = "operator";
/// Before the escaped account name: the account JWT, the entry changes compare-and-set.
pub(super) const ACCOUNT: &str = "account.";
/// Before the escaped account and user names: the user JWT.
pub(super) const USER: &str = "user.";
/// Before the escaped account and user names: the sealed creds.
pub(super) const CREDS: &str = "creds.";
/// Before the public key: the sealed seed.
pub(super) const SEED: &str = "seed.";
/// Before the public key: a deleted account's tombstone.
pub(super) const TOMBSTONE: &str = "deleted.";

/// `name` as one key token.
pub(super) fn escape(name: &str) -> String {
    let mut token = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            token.push(char::from(byte));
        } else {
            token.push_str(&format!("={byte:02X}"));
        }
    }
    token
}

/// The name `token` was escaped from; `None` for a token no name escapes to.
pub(super) fn unescape(token: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(token.len());
    let mut rest = token.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'=' {
            let hex = tail.get(..2)?;
            let text = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(text, 16).ok()?);
            rest = tail.get(2..)?;
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The key of the account named `name`.
pub(super) fn account(name: &str) -> String {
    format!("{ACCOUNT}{}", escape(name))
}

/// The key of the user `user` of the account named `account`.
pub(super) fn user(account: &str, user: &str) -> String {
    format!("{USER}{}.{}", escape(account), escape(user))
}

/// The key of the creds of the user `user` of the account named `account`.
pub(super) fn creds(account: &str, user: &str) -> String {
    format!("{CREDS}{}.{}", escape(account), escape(user))
}

/// What follows `prefix` for the entries of the account named `account` under it
/// (`user.` or `creds.`).
pub(super) fn under_account(prefix: &str, account: &str) -> String {
    format!("{prefix}{}.", escape(account))
}

/// The names in `keys` that start with `prefix`, unescaped, sorted (keys that no name
/// escapes to are not the store's and are left out).
pub(super) fn names_under(keys: &[String], prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = keys
        .iter()
        .filter_map(|key| key.strip_prefix(prefix))
        .filter_map(unescape)
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_a_directory_store_takes_is_one_token_that_reads_back() {
        for name in ["acme", "my tenant", "a.b", "x=y", "Zoë", "tab\u{7f}", "-_-"] {
            let token = escape(name);
            assert!(!token.contains('.'), "{token}");
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b)),
                "{token}"
            );
            assert_eq!(unescape(&token).as_deref(), Some(name));
        }
        assert_eq!(escape("my tenant"), "my=20tenant");
        assert_eq!(user("a b", "c.d"), "user.a=20b.c=2Ed");
    }

    #[test]
    fn tokens_no_name_escapes_to_are_not_names() {
        for token in ["=", "=4", "=ZZ", "=FF"] {
            assert_eq!(unescape(token), None, "{token}");
        }
    }

    #[test]
    fn names_under_a_prefix_are_those_of_that_account_only() {
        let keys = [
            user("acme", "bob"),
            user("acme", "alice"),
            user("acme2", "carol"),
            account("acme"),
        ]
        .map(|k| k.to_owned());
        let prefix = under_account(USER, "acme");
        assert_eq!(names_under(&keys, &prefix), ["alice", "bob"]);
        assert_eq!(names_under(&keys, ACCOUNT), ["acme"]);
    }
}

//! Creds files and decorated JWTs and seeds, in Go's exact format.
//!
//! A user's `.creds` file is its decorated JWT followed by its decorated seed:
//!
//! ```text
//! -----BEGIN NATS USER JWT-----
//! eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ...
//! ------END NATS USER JWT------
//!
//! ************************* IMPORTANT *************************
//! NKEY Seed printed below can be used to sign and prove identity.
//! NKEYs are sensitive and should be treated as secrets.
//!
//! -----BEGIN USER NKEY SEED-----
//! SU...
//! ------END USER NKEY SEED------
//!
//! *************************************************************
//! ```
//!
//! BEGIN lines have five dashes on each side, END lines six.
//!
//! [`format_user_creds`] writes a creds file and [`parse_user_creds`] reads one;
//! [`decorate_jwt`] / [`parse_decorated_jwt`] and [`decorate_seed`] /
//! [`parse_decorated_nkey`] do the same for one block; [`write_secret_file`] saves any of
//! them where only their owner can read them.

use std::io::Write as _;
use std::path::Path;

use crate::claims::{ClaimType, ClaimsError};
use crate::decode;
use crate::keys::{KeyError, KeyKind, KeyPair, Secret};

/// Why a creds file or decorated key could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredsError {
    /// The JWT does not decode or verify.
    #[error("invalid JWT: {0}")]
    Jwt(#[from] ClaimsError),
    /// A creds file needs a user JWT.
    #[error("{0:?} cannot be serialized as a user config")]
    NotAUserJwt(String),
    /// The seed is not a user seed (`SU…`).
    #[error("nkey seed is not a user seed")]
    NotAUserSeed,
    /// The seed is not an operator, account or user seed.
    #[error("seed is not an operator, account or user seed")]
    UnsupportedSeed,
    /// The seed text is shorter than a prefix.
    #[error("seed is too short")]
    SeedTooShort,
    /// The seed does not decode.
    #[error("invalid seed: {0}")]
    InvalidSeed(#[source] KeyError),
    /// The seed's public key is not the JWT's subject.
    #[error("nkey seed does not match the jwt subject")]
    SeedMismatch,
    /// No seed was found in the text.
    #[error("no nkey seed found")]
    NoSeedFound,
}

const SEED_BANNER: &str = "************************* IMPORTANT *************************\n\
NKEY Seed printed below can be used to sign and prove identity.\n\
NKEYs are sensitive and should be treated as secrets.\n\n";
const SEED_FOOTER: &str = "\n*************************************************************\n";

fn decorate(kind: &str, jwt: &str, out: &mut String) {
    out.push_str("-----BEGIN NATS ");
    out.push_str(kind);
    out.push_str(" JWT-----\n");
    out.push_str(jwt);
    out.push_str("\n------END NATS ");
    out.push_str(kind);
    out.push_str(" JWT------\n\n");
}

/// Go's `DecorateJWT`: the token between BEGIN/END lines naming its claim type.
///
/// The token must decode and verify. [`parse_decorated_jwt`] reads it back.
///
/// ```
/// use natsjwt::creds::{decorate_jwt, parse_decorated_jwt};
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let operator = KeyPair::new_operator()?;
/// let account = KeyPair::new_account()?;
/// let jwt = AccountClaims::new(account.public_key().as_str()).encode(&operator)?;
/// let decorated = decorate_jwt(&jwt)?;
/// assert_eq!(
///     decorated,
///     format!("-----BEGIN NATS ACCOUNT JWT-----\n{jwt}\n------END NATS ACCOUNT JWT------\n\n")
/// );
/// assert_eq!(parse_decorated_jwt(&decorated), jwt);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decorate_jwt(jwt: &str) -> Result<String, CredsError> {
    let claims = decode(jwt)?;
    let kind = claims.claims().claim_type().as_str().to_uppercase();
    let mut out = String::with_capacity(jwt.len() + 80);
    decorate(&kind, jwt, &mut out);
    Ok(out)
}

/// The seed kind names Go's `DecorateSeed` knows.
fn seed_kind_name(seed: &str) -> Result<&'static str, CredsError> {
    match seed.get(..2) {
        None => Err(CredsError::SeedTooShort),
        Some("SU") => Ok("USER"),
        Some("SA") => Ok("ACCOUNT"),
        Some("SO") => Ok("OPERATOR"),
        Some(_) => Err(CredsError::UnsupportedSeed),
    }
}

fn decorate_seed_into(seed: &str, out: &mut String) -> Result<(), CredsError> {
    let seed = seed.trim();
    let kind = seed_kind_name(seed)?;
    out.push_str(SEED_BANNER);
    out.push_str("-----BEGIN ");
    out.push_str(kind);
    out.push_str(" NKEY SEED-----\n");
    out.push_str(seed);
    out.push_str("\n------END ");
    out.push_str(kind);
    out.push_str(" NKEY SEED------\n");
    out.push_str(SEED_FOOTER);
    Ok(())
}

/// Go's `DecorateSeed`: the seed with the IMPORTANT banner (operator, account or user seeds).
///
/// [`parse_decorated_nkey`] reads it back.
///
/// ```
/// use natsjwt::creds::{decorate_seed, parse_decorated_nkey};
/// use natsjwt::KeyPair;
///
/// let account = KeyPair::new_account()?;
/// let decorated = decorate_seed(account.seed().expose())?;
/// assert!(decorated.expose().contains("-----BEGIN ACCOUNT NKEY SEED-----\nSA"));
/// let read = parse_decorated_nkey(decorated.expose())?;
/// assert_eq!(read.public_key(), account.public_key());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decorate_seed(seed: &str) -> Result<Secret, CredsError> {
    // Room for all of it: growing the buffer would leave an unwiped copy of the seed.
    let mut out = String::with_capacity(SEED_BANNER.len() + SEED_FOOTER.len() + seed.len() + 128);
    decorate_seed_into(seed, &mut out)?;
    Ok(Secret::new(out))
}

/// Go's `FormatUserConfig`: the `.creds` text for a user JWT and the user's seed.
///
/// The JWT must be a valid user token and the seed's public key must be its `sub`.
/// [`parse_user_creds`] reads it back; [`write_secret_file`] saves it.
///
/// ```
/// use natsjwt::creds::{format_user_creds, parse_user_creds, CredsError};
/// use natsjwt::{KeyPair, UserClaims};
///
/// let account = KeyPair::new_account()?;
/// let user = KeyPair::new_user()?;
/// let jwt = UserClaims::new(user.public_key().as_str()).encode(&account)?;
///
/// let creds = format_user_creds(&jwt, user.seed().expose())?;
/// assert!(creds.expose().starts_with("-----BEGIN NATS USER JWT-----\n"));
/// assert!(creds.expose().contains("-----BEGIN USER NKEY SEED-----\nSU"));
///
/// let (read_jwt, read_key) = parse_user_creds(creds.expose())?;
/// assert_eq!(read_jwt, jwt);
/// assert_eq!(read_key.public_key(), user.public_key());
///
/// // The seed must be the JWT's subject.
/// let other = KeyPair::new_user()?;
/// assert!(matches!(
///     format_user_creds(&jwt, other.seed().expose()),
///     Err(CredsError::SeedMismatch)
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn format_user_creds(jwt: &str, seed: &str) -> Result<Secret, CredsError> {
    let claims = decode(jwt)?;
    let claims = claims.claims();
    if claims.claim_type() != ClaimType::User {
        return Err(CredsError::NotAUserJwt(
            claims.claim_type().as_str().to_owned(),
        ));
    }
    let seed = seed.trim();
    if !seed.starts_with("SU") {
        return Err(CredsError::NotAUserSeed);
    }
    let pair = KeyPair::from_seed(seed).map_err(CredsError::InvalidSeed)?;
    if pair.public_key().as_str() != claims.subject() {
        return Err(CredsError::SeedMismatch);
    }
    // Room for all of it: growing the buffer would leave an unwiped copy of the seed.
    let mut out =
        String::with_capacity(jwt.len() + SEED_BANNER.len() + SEED_FOOTER.len() + seed.len() + 256);
    decorate("USER", jwt, &mut out);
    decorate_seed_into(seed, &mut out)?;
    Ok(Secret::new(out))
}

/// A line with its end: the text without `\n`, and whether a `\n` followed.
struct Line<'a> {
    text: &'a str,
    newline: bool,
}

fn lines(contents: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut rest = contents;
    while !rest.is_empty() {
        match rest.split_once('\n') {
            Some((text, tail)) => {
                out.push(Line {
                    text,
                    newline: true,
                });
                rest = tail;
            }
            None => {
                out.push(Line {
                    text: rest,
                    newline: false,
                });
                rest = "";
            }
        }
    }
    out
}

/// `[-]{3,}.*[-]{3,}` over all of `text`.
fn is_dash_line(text: &str) -> bool {
    text.len() >= 6 && text.starts_with("---") && text.ends_with("---")
}

/// Go's block pattern, line by line: a line ending in a dashed marker (which may start
/// mid-line), a line of `[A-Za-z0-9_.=-]+`, and a dashed line. Returns the middle lines.
fn decorated_blocks(contents: &str) -> Vec<&str> {
    let lines = lines(contents);
    let mut blocks = Vec::new();
    let mut i = 0;
    while let (Some(begin), Some(body), Some(end)) =
        (lines.get(i), lines.get(i + 1), lines.get(i + 2))
    {
        let begin_text = begin.text.strip_suffix('\r').unwrap_or(begin.text);
        let begin_ok = begin.newline
            && begin_text
                .find("---")
                .and_then(|p| begin_text.get(p..))
                .is_some_and(is_dash_line);
        let body_text = body.text.strip_suffix('\r').unwrap_or(body.text);
        let body_ok = body.newline
            && !body_text.is_empty()
            && body_text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'='));
        let end_text = if end.newline {
            end.text.strip_suffix('\r').unwrap_or(end.text)
        } else {
            end.text
        };
        if begin_ok && body_ok && is_dash_line(end_text) {
            blocks.push(body_text);
            i += 3;
        } else {
            i += 1;
        }
    }
    blocks
}

/// Go's `ParseDecoratedJWT`: the JWT from a decorated JWT or a creds file; text with no
/// decorated block is returned whole (a bare token passes through).
///
/// See the example of [`decorate_jwt`]; for a creds file, [`parse_user_creds`].
///
/// ```
/// use natsjwt::creds::parse_decorated_jwt;
///
/// assert_eq!(parse_decorated_jwt("eyJ.a.b"), "eyJ.a.b");
/// assert_eq!(parse_decorated_jwt("-----BEGIN X-----\neyJ.a.b\n------END X------\n"), "eyJ.a.b");
/// ```
pub fn parse_decorated_jwt(contents: &str) -> &str {
    decorated_blocks(contents)
        .first()
        .copied()
        .unwrap_or(contents)
}

/// Go's `ParseDecoratedNKey`: the operator, account or user seed from a creds file or a
/// decorated seed, or else from the first line that starts with `SO`, `SA` or `SU`.
///
/// Unlike Go, that line may be indented (Go fails on it with "doesn't contain a seed nkey").
///
/// See the example of [`decorate_seed`]; a bare seed line is found too:
///
/// ```
/// use natsjwt::creds::parse_decorated_nkey;
/// use natsjwt::{KeyKind, KeyPair};
///
/// let operator = KeyPair::new_operator()?;
/// let text = format!("# operator seed\n{}\n", operator.seed().expose());
/// assert_eq!(parse_decorated_nkey(&text)?.kind(), KeyKind::Operator);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_decorated_nkey(contents: &str) -> Result<KeyPair, CredsError> {
    let blocks = decorated_blocks(contents);
    let seed = match blocks.get(1) {
        Some(seed) => *seed,
        None => contents
            .split('\n')
            .map(str::trim)
            .find(|line| ["SO", "SA", "SU"].iter().any(|p| line.starts_with(p)))
            .ok_or(CredsError::NoSeedFound)?,
    };
    if seed_kind_name(seed).is_err() {
        return Err(CredsError::UnsupportedSeed);
    }
    KeyPair::from_seed(seed).map_err(CredsError::InvalidSeed)
}

/// Go's `ParseDecoratedUserNKey`: like [`parse_decorated_nkey`], and the seed must be a user's.
///
/// [`parse_user_creds`] uses it; see the example of [`format_user_creds`].
pub fn parse_decorated_user_nkey(contents: &str) -> Result<KeyPair, CredsError> {
    let pair = parse_decorated_nkey(contents)?;
    if pair.kind() != KeyKind::User {
        return Err(CredsError::NotAUserSeed);
    }
    Ok(pair)
}

/// Reads a `.creds` file's text: the user JWT and the user key pair.
///
/// The JWT is not decoded here. See the example of [`format_user_creds`].
pub fn parse_user_creds(contents: &str) -> Result<(String, KeyPair), CredsError> {
    let jwt = parse_decorated_jwt(contents).trim().to_owned();
    let pair = parse_decorated_user_nkey(contents)?;
    Ok((jwt, pair))
}

/// Writes secret text (a seed, a creds file) to a new file readable only by its owner
/// (mode 0600 on Unix). Refuses to overwrite an existing file; on a write error the
/// partial file is removed.
///
/// ```
/// use natsjwt::creds::{format_user_creds, write_secret_file};
/// use natsjwt::{KeyPair, UserClaims};
///
/// let account = KeyPair::new_account()?;
/// let user = KeyPair::new_user()?;
/// let jwt = UserClaims::new(user.public_key().as_str()).encode(&account)?;
/// let creds = format_user_creds(&jwt, user.seed().expose())?;
///
/// let path = std::env::temp_dir().join(format!("{}.creds", user.public_key()));
/// write_secret_file(&path, creds.expose())?;
/// #[cfg(unix)]
/// {
///     use std::os::unix::fs::PermissionsExt as _;
///     assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
/// }
/// // An existing file is never overwritten.
/// assert!(write_secret_file(&path, creds.expose()).is_err());
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_secret_file(path: impl AsRef<Path>, contents: &str) -> std::io::Result<()> {
    let path = path.as_ref();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let written = file
        .write_all(contents.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_go_regex() {
        let text = "-----BEGIN NATS USER JWT-----\neyJ.a.b\n------END NATS USER JWT------\n\n junk -----BEGIN USER NKEY SEED-----\r\nSUABC\r\n------END USER NKEY SEED------";
        assert_eq!(decorated_blocks(text), ["eyJ.a.b", "SUABC"]);
        assert_eq!(parse_decorated_jwt("eyJ.bare.token"), "eyJ.bare.token");
        // A body line with other characters, or a short marker, is not a block.
        assert!(decorated_blocks("------\na b\n------\n").is_empty());
        assert!(decorated_blocks("-----\nab\n------\n").is_empty());
        // The END line must be followed by a newline or the end of the text.
        assert!(decorated_blocks("------\nab\n------\r").is_empty());
    }

    #[test]
    fn seed_decoration() {
        let seed = "SUACGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZBOQ";
        let text = decorate_seed(&format!("  {seed}\n")).unwrap();
        assert!(
            text.expose()
                .contains("-----BEGIN USER NKEY SEED-----\nSUACG")
        );
        assert_eq!(decorate_seed("S").unwrap_err(), CredsError::SeedTooShort);
        assert_eq!(
            decorate_seed("SNABC").unwrap_err(),
            CredsError::UnsupportedSeed
        );
        let pair = parse_decorated_nkey(text.expose()).unwrap();
        assert_eq!(pair.seed().expose(), seed);
        let indented = parse_decorated_nkey(&format!("x\n   {seed}\n")).unwrap();
        assert_eq!(indented.kind(), KeyKind::User);
        assert_eq!(
            parse_decorated_nkey("nothing").unwrap_err(),
            CredsError::NoSeedFound
        );
    }
}

//! Go's `time.LoadLocation`, as validation of a user's `times_location` applies it.

/// Go's `time.LoadLocation` on this machine: `UTC`, `Local`, or a zone file under
/// `$ZONEINFO` or the system's zoneinfo directories (names are case-sensitive); the error
/// is Go's text.
pub(crate) fn load_location(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "UTC" || name == "Local" {
        return Ok(());
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".to_owned());
    }
    let dirs = std::env::var("ZONEINFO")
        .ok()
        .filter(|d| !d.is_empty())
        .into_iter()
        .chain(
            [
                "/usr/share/zoneinfo/",
                "/usr/share/lib/zoneinfo/",
                "/usr/lib/locale/TZ/",
                "/etc/zoneinfo/",
            ]
            .into_iter()
            .map(String::from),
        );
    // Go reports the first error other than "file not found".
    let mut first_error = None;
    for dir in dirs {
        let error = match std::fs::read(std::path::Path::new(&dir).join(name)) {
            Ok(bytes) if bytes.starts_with(b"TZif") => return Ok(()),
            Ok(_) => "malformed time zone information".to_owned(),
            Err(e) => match e.kind() {
                std::io::ErrorKind::NotFound => continue,
                std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
                std::io::ErrorKind::NotADirectory => "not a directory".to_owned(),
                std::io::ErrorKind::InvalidInput => "invalid argument".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => e.to_string(),
            },
        };
        first_error.get_or_insert(error);
    }
    Err(first_error.unwrap_or_else(|| format!("unknown time zone {name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        assert_eq!(load_location(""), Ok(()));
        assert_eq!(load_location("UTC"), Ok(()));
        assert_eq!(load_location("Local"), Ok(()));
        assert!(load_location("utc").is_err());
        assert!(load_location("../etc/passwd").is_err());
        assert_eq!(
            load_location("/etc/x"),
            Err("time: invalid location name".into())
        );
        assert_eq!(
            load_location("Nowhere/X"),
            Err("unknown time zone Nowhere/X".into())
        );
        if std::path::Path::new("/usr/share/zoneinfo/Europe/Berlin").exists() {
            assert_eq!(load_location("Europe/Berlin"), Ok(()));
        }
    }
}

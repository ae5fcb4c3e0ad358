//! The `.nsc` file: what `nsc` records about an operator store (its `store.Info`).

use serde::Serialize;

use crate::go::json::write_go_json;
use crate::keys::redact_seeds;

/// `nsc`'s `store.Info`, in its field order (Go's `json.Marshal` writes fields in
/// declaration order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Info {
    pub(crate) managed: bool,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) version: String,
}

/// `jwt.OperatorClaim`, the kind of an operator store.
pub(crate) const OPERATOR_KIND: &str = "operator";
/// `store.Version`.
const VERSION: &str = "1";

impl Info {
    /// What `nsc`'s `CreateStore` records for a local operator (it holds the operator's
    /// JWT, so it is not managed by a remote service).
    pub(crate) fn operator(name: &str) -> Info {
        Info {
            managed: false,
            name: name.to_owned(),
            kind: OPERATOR_KIND.to_owned(),
            version: VERSION.to_owned(),
        }
    }

    /// The file's bytes, as Go's `json.Marshal` writes them: no spaces, no newline.
    pub(crate) fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = Vec::with_capacity(80);
        write_go_json(&mut out, self)?;
        Ok(out)
    }

    /// Reads the file as Go's `json.Unmarshal` reads it into `store.Info`: member names
    /// in any letter case, unknown members and `null`s ignored, a member of the wrong
    /// type refused.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Info, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let serde_json::Value::Object(members) = value else {
            return Err("not a JSON object".to_owned());
        };
        let mut info = Info {
            managed: false,
            name: String::new(),
            kind: String::new(),
            version: String::new(),
        };
        for (key, value) in &members {
            // The file is not secret, but a seed pasted into it must not be repeated.
            let wrong = || format!("member {:?} has the wrong type", redact_seeds(key));
            let field = match key.to_ascii_lowercase().as_str() {
                "managed" => {
                    match value {
                        serde_json::Value::Bool(b) => info.managed = *b,
                        serde_json::Value::Null => {}
                        _ => return Err(wrong()),
                    }
                    continue;
                }
                "name" => &mut info.name,
                "kind" => &mut info.kind,
                "version" => &mut info.version,
                _ => continue,
            };
            match value {
                serde_json::Value::String(s) => s.clone_into(field),
                serde_json::Value::Null => {}
                _ => return Err(wrong()),
            }
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nsc_json_exactly() {
        let json = Info::operator("demo").to_json().unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            r#"{"managed":false,"name":"demo","kind":"operator","version":"1"}"#
        );
        // Go escapes HTML characters.
        let json = Info::operator("a<b>&").to_json().unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            r#"{"managed":false,"name":"a\u003cb\u003e\u0026","kind":"operator","version":"1"}"#
        );
    }

    #[test]
    fn parses_what_it_writes_and_what_go_accepts() {
        let info = Info::operator("demo");
        assert_eq!(Info::parse(&info.to_json().unwrap()), Ok(info.clone()));
        let loose = br#" {"NAME":"demo","Kind":"operator","version":"1","managed":null,"x":[1]} "#;
        assert_eq!(Info::parse(loose), Ok(info));
    }

    #[test]
    fn refuses_what_go_refuses() {
        for bad in [
            &b""[..],
            b"[]",
            b"{",
            br#"{"name":1}"#,
            br#"{"managed":"no"}"#,
            b"\xff",
        ] {
            assert!(
                Info::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}

//! Go's `TagList` and `CIDRList`: string lists that lower-case and de-duplicate on add.

use serde::{Deserialize, Deserializer, Serialize};

use crate::go::json::IsEmpty;

/// Adds `value` lower-cased and trimmed unless it is empty or already present (Go's `TagList.Add`).
fn add_normalised(list: &mut Vec<String>, value: &str) {
    let value = value.trim().to_lowercase();
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// Removes the first entry equal to `value` lower-cased and trimmed.
fn remove_normalised(list: &mut Vec<String>, value: &str) {
    let value = value.trim().to_lowercase();
    if let Some(pos) = list.iter().position(|t| *t == value) {
        list.remove(pos);
    }
}

/// The methods `TagList` and `CidrList` share: both are a `Vec<String>` whose entries are
/// lower-cased, trimmed and de-duplicated when added (Go's `TagList` and `CIDRList`).
macro_rules! normalised_list {
    ($list:ident, $what:literal) => {
        impl $list {
            #[doc = concat!("An empty list of ", $what, ".")]
            pub fn new() -> Self {
                Self::default()
            }

            #[doc = concat!("Adds each of the ", $what, " lower-cased and trimmed, skipping empty and present ones.")]
            pub fn add<I, S>(&mut self, values: I)
            where
                I: IntoIterator<Item = S>,
                S: AsRef<str>,
            {
                for value in values {
                    add_normalised(&mut self.0, value.as_ref());
                }
            }

            #[doc = concat!("Removes each of the ", $what, " (compared lower-cased and trimmed).")]
            pub fn remove<I, S>(&mut self, values: I)
            where
                I: IntoIterator<Item = S>,
                S: AsRef<str>,
            {
                for value in values {
                    remove_normalised(&mut self.0, value.as_ref());
                }
            }

            /// True when `value`, lower-cased and trimmed, is in the list.
            pub fn contains(&self, value: &str) -> bool {
                let value = value.trim().to_lowercase();
                self.0.contains(&value)
            }

            #[doc = concat!("The ", $what, " in order.")]
            pub fn as_slice(&self) -> &[String] {
                &self.0
            }

            #[doc = concat!("Iterates over the ", $what, ".")]
            pub fn iter(&self) -> std::slice::Iter<'_, String> {
                self.0.iter()
            }

            #[doc = concat!("Number of ", $what, ".")]
            pub fn len(&self) -> usize {
                self.0.len()
            }

            #[doc = concat!("True when there are no ", $what, ".")]
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl<S: AsRef<str>> FromIterator<S> for $list {
            fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
                let mut list = $list::new();
                list.add(iter);
                list
            }
        }

        impl<'a> IntoIterator for &'a $list {
            type Item = &'a String;
            type IntoIter = std::slice::Iter<'a, String>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }

        impl IsEmpty for $list {
            fn is_empty_value(&self) -> bool {
                self.0.is_empty()
            }
        }
    };
}

/// Tags: lower-cased, trimmed and de-duplicated when added (Go's `TagList`).
///
/// Tags read from a token are kept exactly as written, so that re-encoding a decoded
/// token reproduces it byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TagList(Vec<String>);

normalised_list!(TagList, "tags");

/// Source networks a user may connect from (`src`), in CIDR notation; empty allows every source.
///
/// Written as a JSON array; read from an array or, as Go accepts, from one
/// comma-separated string (lower-cased and trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CidrList(Vec<String>);

normalised_list!(CidrList, "networks");

impl CidrList {
    /// Replaces the list with the networks in a comma-separated string (Go's `CIDRList.Set`).
    pub fn set(&mut self, comma_separated: &str) {
        self.0.clear();
        self.add(comma_separated.split(','));
    }
}

impl<'de> Deserialize<'de> for CidrList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum ListOrString {
            List(Vec<String>),
            Comma(String),
        }
        match ListOrString::deserialize(deserializer)? {
            ListOrString::List(list) => Ok(CidrList(list)),
            ListOrString::Comma(text) => {
                let mut list = CidrList::new();
                list.set(&text);
                Ok(list)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_normalise_on_add_only() {
        let mut tags = TagList::new();
        tags.add(["  Env:Prod ", "env:prod", "", "b"]);
        assert_eq!(tags.as_slice(), ["env:prod", "b"]);
        assert!(tags.contains("ENV:PROD"));
        tags.remove(["B"]);
        assert_eq!(tags.as_slice(), ["env:prod"]);
        let read: TagList = serde_json::from_str(r#"["Keep","Keep"]"#).unwrap();
        assert_eq!(read.as_slice(), ["Keep", "Keep"]);
    }

    #[test]
    fn cidrs_read_from_array_or_comma_string() {
        let a: CidrList = serde_json::from_str(r#"["10.0.0.0/8"]"#).unwrap();
        assert_eq!(a.as_slice(), ["10.0.0.0/8"]);
        let b: CidrList = serde_json::from_str(r#"" 10.0.0.0/8 , 2001:DB8::/32,""#).unwrap();
        assert_eq!(b.as_slice(), ["10.0.0.0/8", "2001:db8::/32"]);
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"["10.0.0.0/8","2001:db8::/32"]"#
        );
        assert!(serde_json::from_str::<CidrList>("5").is_err());
    }
}

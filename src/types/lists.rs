//! Go's `TagList` and `CIDRList`: string lists that lower-case and de-duplicate on add.

use serde::{Deserialize, Deserializer, Serialize};

use crate::json::IsEmpty;

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

/// Tags: lower-cased, trimmed and de-duplicated when added (Go's `TagList`).
///
/// Tags read from a token are kept exactly as written, so that re-encoding a decoded
/// token reproduces it byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TagList(Vec<String>);

impl TagList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds each tag lower-cased and trimmed, skipping empty and present ones.
    pub fn add<I, S>(&mut self, tags: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for tag in tags {
            add_normalised(&mut self.0, tag.as_ref());
        }
    }

    /// Removes each tag (compared lower-cased and trimmed).
    pub fn remove<I, S>(&mut self, tags: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for tag in tags {
            remove_normalised(&mut self.0, tag.as_ref());
        }
    }

    /// True when `tag`, lower-cased and trimmed, is in the list.
    pub fn contains(&self, tag: &str) -> bool {
        let tag = tag.trim().to_lowercase();
        self.0.contains(&tag)
    }

    /// The tags in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Iterates over the tags.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: AsRef<str>> FromIterator<S> for TagList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut list = TagList::new();
        list.add(iter);
        list
    }
}

impl<'a> IntoIterator for &'a TagList {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IsEmpty for TagList {
    fn is_empty_value(&self) -> bool {
        self.0.is_empty()
    }
}

/// Source networks a user may connect from (`src`), in CIDR notation.
///
/// Written as a JSON array; read from an array or, as Go accepts, from one
/// comma-separated string (lower-cased and trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CidrList(Vec<String>);

impl CidrList {
    /// An empty list (every source allowed).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds each network lower-cased and trimmed, skipping empty and present ones.
    pub fn add<I, S>(&mut self, cidrs: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for cidr in cidrs {
            add_normalised(&mut self.0, cidr.as_ref());
        }
    }

    /// Removes each network.
    pub fn remove<I, S>(&mut self, cidrs: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for cidr in cidrs {
            remove_normalised(&mut self.0, cidr.as_ref());
        }
    }

    /// Replaces the list with the networks in a comma-separated string (Go's `CIDRList.Set`).
    pub fn set(&mut self, comma_separated: &str) {
        self.0.clear();
        self.add(comma_separated.split(','));
    }

    /// True when `cidr`, lower-cased and trimmed, is in the list.
    pub fn contains(&self, cidr: &str) -> bool {
        let cidr = cidr.trim().to_lowercase();
        self.0.contains(&cidr)
    }

    /// The networks in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Iterates over the networks.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }

    /// Number of networks.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: AsRef<str>> FromIterator<S> for CidrList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut list = CidrList::new();
        list.add(iter);
        list
    }
}

impl<'a> IntoIterator for &'a CidrList {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IsEmpty for CidrList {
    fn is_empty_value(&self) -> bool {
        self.0.is_empty()
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

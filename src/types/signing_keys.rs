//! Account signing keys, plain or scoped by a [`UserScope`] template.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::json::{go_fields, go_object, IsEmpty};
use crate::keys::{is_valid_public_key, KeyKind};
use crate::types::limits::{Limits, UserPermissionLimits};
use crate::validation::ValidationResults;

/// The `kind` of a [`UserScope`].
pub const USER_SCOPE_KIND: &str = "user_scope";

/// A scoped signing key: users it signs get `template` as their permissions and limits
/// and must carry none of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScope {
    /// The signing key (`key`, an account key `A…`).
    pub key: String,
    /// A role name for tools (`role`).
    pub role: String,
    /// Permissions and limits given to users signed by this key (`template`).
    ///
    /// Subjects may use `{{name()}}`, `{{subject()}}`, `{{account-name()}}`,
    /// `{{account-subject()}}`, `{{tag(x)}}` and `{{account-tag(x)}}`.
    pub template: UserPermissionLimits,
    /// Free text (`description`).
    pub description: String,
}

impl Default for UserScope {
    /// Go's `NewUserScope`: a template with unlimited subs, data and payload.
    fn default() -> Self {
        UserScope {
            key: String::new(),
            role: String::new(),
            template: UserPermissionLimits {
                limits: Limits::unlimited(),
                ..Default::default()
            },
            description: String::new(),
        }
    }
}

go_fields!(UserScope => [
    (constant "kind" USER_SCOPE_KIND)
    (always key "key")
    (always role "role")
    (merge template "template")
    (always description "description")
]);
go_object!(UserScope);

impl UserScope {
    /// A scope for signing key `key` with Go's default template (unlimited counts, no permissions).
    pub fn new(key: impl Into<String>) -> Self {
        UserScope {
            key: key.into(),
            ..Default::default()
        }
    }

    /// Go's `UserScope.Validate`: the key must be an account key. The template is not checked.
    pub fn validate(&self, vr: &mut ValidationResults) {
        if !is_valid_public_key(&self.key, KeyKind::Account) {
            vr.add_error(format!("{} is not an account public key", self.key));
        }
    }
}

/// The account's signing keys (`signing_keys`): key → optional scope.
///
/// Written as one JSON array sorted by key, plain keys as strings and scoped keys as
/// [`UserScope`] objects, as Go does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigningKeys(pub BTreeMap<String, Option<UserScope>>);

impl SigningKeys {
    /// No signing keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a plain (unscoped) signing key, replacing a scope it had.
    pub fn add(&mut self, key: impl Into<String>) {
        self.0.insert(key.into(), None);
    }

    /// Adds or replaces a scoped signing key.
    pub fn add_scoped(&mut self, scope: UserScope) {
        self.0.insert(scope.key.clone(), Some(scope));
    }

    /// Removes a signing key.
    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }

    /// True when `key` is a signing key, scoped or not.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// `Some(None)` for a plain key, `Some(Some(scope))` for a scoped key, `None` when absent.
    pub fn get(&self, key: &str) -> Option<Option<&UserScope>> {
        self.0.get(key).map(Option::as_ref)
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Go's `SigningKeys.Validate`: plain keys and scope keys must be account keys.
    pub fn validate(&self, vr: &mut ValidationResults) {
        for (key, scope) in &self.0 {
            match scope {
                Some(scope) => scope.validate(vr),
                None => {
                    if !is_valid_public_key(key, KeyKind::Account) {
                        vr.add_error(format!("{key:?} is not a valid account signing key"));
                    }
                }
            }
        }
    }
}

impl IsEmpty for SigningKeys {
    fn is_empty_value(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for SigningKeys {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (key, scope) in &self.0 {
            match scope {
                Some(scope) => seq.serialize_element(scope)?,
                None => seq.serialize_element(key)?,
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for SigningKeys {
    /// Strings are plain keys, `user_scope` objects are scoped keys; other array items are
    /// ignored (as Go does), and an object of another kind is an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<serde_json::Value>::deserialize(deserializer)?;
        let mut keys = SigningKeys::new();
        for item in items {
            match item {
                serde_json::Value::String(key) => keys.add(key),
                serde_json::Value::Object(object) => {
                    let kind = object.get("kind").and_then(serde_json::Value::as_str);
                    if kind != Some(USER_SCOPE_KIND) {
                        return Err(D::Error::custom(format_args!(
                            "unknown signing key scope {}",
                            object
                                .get("kind")
                                .map_or_else(|| "<missing>".to_owned(), |k| k.to_string())
                        )));
                    }
                    let scope: UserScope =
                        serde_json::from_value(serde_json::Value::Object(object))
                            .map_err(D::Error::custom)?;
                    keys.add_scoped(scope);
                }
                _ => {}
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sorted_array_of_strings_and_scopes() {
        let mut keys = SigningKeys::new();
        keys.add("B");
        let mut scope = UserScope::new("A");
        scope.role = "r".into();
        keys.add_scoped(scope);
        assert_eq!(
            serde_json::to_string(&keys).unwrap(),
            r#"[{"kind":"user_scope","key":"A","role":"r","template":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1},"description":""},"B"]"#
        );
        let back: SigningKeys =
            serde_json::from_str(&serde_json::to_string(&keys).unwrap()).unwrap();
        assert_eq!(back, keys);
    }

    #[test]
    fn reading_scopes_defaults_limits_and_ignores_odd_items() {
        let keys: SigningKeys = serde_json::from_str(
            r#"[1, null, "K", {"kind":"user_scope","key":"S","template":{"subs":5}}]"#,
        )
        .unwrap();
        assert_eq!(keys.get("K"), Some(None));
        let scope = keys.get("S").flatten().unwrap();
        assert_eq!(scope.template.limits.subs, 5);
        assert_eq!(scope.template.limits.data, -1);
        let err =
            serde_json::from_str::<SigningKeys>(r#"[{"kind":"role","key":"S"}]"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown signing key scope"),
            "{err}"
        );
    }
}

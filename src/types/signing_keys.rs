//! Account signing keys, plain or scoped by a [`UserScope`] template.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::subjects::is_valid_server_subject;
use super::{Limits, TagList, UserPermissionLimits};
use crate::go::json::{IsEmpty, UniqueValue, go_fields, go_object};
use crate::go::quote::{quote, shown};
use crate::keys::{KeyKind, is_public_key_of};
use crate::validation::ValidationResults;

/// Most subjects one template entry may expand to (the server's limit).
pub(crate) const MAX_TEMPLATE_EXPANSIONS: usize = 4096;

/// Why a scope's template cannot be applied to a user; the server refuses the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// `{{…}}` names an operation the server does not know.
    #[error("template operation in {}: {} is not defined", quote(.subject), quote(.operation))]
    UnknownOperation {
        /// The permission entry.
        subject: String,
        /// The operation inside the braces.
        operation: String,
    },
    /// A deny entry uses a tag the user or account does not have.
    #[error("generated invalid subject {}: {} is not defined", quote(.subject), quote(.tag))]
    MissingTag {
        /// The permission entry.
        subject: String,
        /// The tag name.
        tag: String,
    },
    /// A deny entry expands to an invalid subject.
    #[error("generated invalid subject from {}", quote(.0))]
    InvalidSubject(String),
    /// An entry expands to more subjects than the server allows (4096).
    #[error("template expansion exceeds limit: {MAX_TEMPLATE_EXPANSIONS}")]
    TooManySubjects,
}

/// What a template may refer to: the user and its account.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TemplateContext<'a> {
    /// `{{name()}}`: the user JWT's `name`.
    pub(crate) user_name: &'a str,
    /// `{{subject()}}`: the user's public key.
    pub(crate) user_subject: &'a str,
    /// `{{tag(x)}}`: the user's tags `x:…`.
    pub(crate) user_tags: &'a TagList,
    /// `{{account-name()}}`: the account JWT's `name`.
    pub(crate) account_name: &'a str,
    /// `{{account-subject()}}`: the user's `issuer_account`.
    pub(crate) account_subject: &'a str,
    /// `{{account-tag(x)}}`: the account's tags `x:…`.
    pub(crate) account_tags: &'a TagList,
}

/// The `{{…}}` parts of `entry`, each with what is inside its braces, as the server's
/// `{{2}([^}]+)}{2}` finds them.
#[allow(
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "every index is at an ASCII brace found in entry, or just past one: in bounds \
              and on a character boundary"
)]
fn mustaches(entry: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = entry[from..].find("{{") {
        let start = from + offset;
        let body = &entry[start + 2..];
        // No `}` at all: the body would run to the end, and no `}}` follows it.
        let body_len = body.find('}').unwrap_or(body.len());
        if body_len > 0 && body[body_len..].starts_with("}}") {
            let end = start + 2 + body_len + 2;
            found.push((&entry[start..end], &body[..body_len]));
            from = end;
        } else {
            from = start + 1;
        }
    }
    found
}

/// The server's `isTag`: `tag(x)` or `account-tag(x)`, prefix matched case-insensitively
/// but trimmed case-sensitively (so `TAG(x)` looks for the tag `tag(x`).
fn tag_operation(op: &str) -> Option<(bool, &str)> {
    let strip = |prefix: &str| -> Option<&str> {
        let head = op.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(prefix) || !op.ends_with(')') {
            return None;
        }
        let value = op.strip_prefix(prefix).unwrap_or(op);
        Some(value.strip_suffix(')').unwrap_or(value))
    };
    if let Some(value) = strip("tag(") {
        return Some((false, value));
    }
    strip("account-tag(").map(|value| (true, value))
}

fn tag_values(tags: &TagList, name: &str) -> Vec<String> {
    let prefix = format!("{}:", name.to_lowercase());
    tags.iter()
        .filter_map(|t| t.strip_prefix(&prefix))
        .map(str::to_owned)
        .collect()
}

/// Expands the templates in one permission list, as the server's `applyTemplate`.
fn apply_template(
    list: &[String],
    context: &TemplateContext<'_>,
    fail_on_bad_subject: bool,
) -> Result<Vec<String>, TemplateError> {
    if !list.iter().any(|entry| !mustaches(entry).is_empty()) {
        return Ok(list.to_vec());
    }
    let mut emitted = Vec::with_capacity(list.len());
    for entry in list {
        let sources = mustaches(entry);
        let mut values: Vec<Vec<String>> = Vec::with_capacity(sources.len());
        let mut has_tags = false;
        for (_, inner) in &sources {
            let op = inner.trim();
            let value = if op.eq_ignore_ascii_case("name()") {
                vec![context.user_name.to_owned()]
            } else if op.eq_ignore_ascii_case("subject()") {
                vec![context.user_subject.to_owned()]
            } else if op.eq_ignore_ascii_case("account-name()") {
                vec![context.account_name.to_owned()]
            } else if op.eq_ignore_ascii_case("account-subject()") {
                vec![context.account_subject.to_owned()]
            } else if let Some((of_account, name)) = tag_operation(op) {
                has_tags = true;
                let tags = if of_account {
                    context.account_tags
                } else {
                    context.user_tags
                };
                let found = tag_values(tags, name);
                if !found.is_empty() {
                    found
                } else if fail_on_bad_subject {
                    return Err(TemplateError::MissingTag {
                        subject: entry.clone(),
                        tag: name.to_owned(),
                    });
                } else {
                    // An invalid subject, dropped below.
                    vec![" ".to_owned()]
                }
            } else {
                return Err(TemplateError::UnknownOperation {
                    subject: entry.clone(),
                    operation: op.to_owned(),
                });
            };
            values.push(value);
        }
        // Only tags expand to several values (the server caps them); the other operations
        // give one each, so their product is one subject.
        if has_tags {
            let mut count: usize = 1;
            for v in &values {
                if count > MAX_TEMPLATE_EXPANSIONS / v.len().max(1) {
                    return Err(TemplateError::TooManySubjects);
                }
                count *= v.len();
            }
            if emitted.len() > MAX_TEMPLATE_EXPANSIONS.saturating_sub(count) {
                return Err(TemplateError::TooManySubjects);
            }
        }
        for combination in cartesian_product(&values) {
            let mut subject = entry.clone();
            for ((source, _), value) in sources.iter().zip(combination) {
                subject = subject.replace(source, value);
            }
            if is_valid_server_subject(&subject) {
                emitted.push(subject);
            } else if fail_on_bad_subject {
                return Err(TemplateError::InvalidSubject(entry.clone()));
            }
        }
    }
    Ok(emitted)
}

/// Every combination of one value per list, the last list varying fastest.
fn cartesian_product(lists: &[Vec<String>]) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = vec![Vec::with_capacity(lists.len())];
    for list in lists {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |value| {
                    let mut next = prefix.clone();
                    next.push(value.as_str());
                    next
                })
            })
            .collect();
    }
    out
}

/// A scoped signing key: users it signs get `template` as their permissions and limits
/// and must carry none of their own.
///
/// [`UserScope::new`] is Go's `NewUserScope`: no permissions, `subs`, `data` and
/// `payload` unlimited (`-1`).
///
/// ```
/// use natsjwt::trust::Trust;
/// use natsjwt::types::UserScope;
/// use natsjwt::{AccountClaims, KeyPair, OperatorClaims, UserClaims};
///
/// let operator = KeyPair::new_operator()?;
/// let operator_jwt = OperatorClaims::new(operator.public_key().as_str()).encode(&operator)?;
///
/// // The account gives its signing key a scope: its users may publish under their name.
/// let account = KeyPair::new_account()?;
/// let scoped_key = KeyPair::new_account()?;
/// let mut scope = UserScope::new(scoped_key.public_key().as_str());
/// scope.role = "writer".into();
/// scope.template.permissions.publish.allow.push("orders.{{name()}}.>".into());
/// let mut account_claims = AccountClaims::new(account.public_key().as_str());
/// account_claims.nats.signing_keys.add_scoped(scope);
/// let account_jwt = account_claims.encode(&operator)?;
///
/// // A user of the scoped key carries no permissions or limits of its own.
/// let user = KeyPair::new_user()?;
/// let mut user_claims = UserClaims::new(user.public_key().as_str());
/// user_claims.name = "alice".into();
/// user_claims.nats.issuer_account = account.public_key().to_string();
/// user_claims.nats.set_scoped(true);
/// let user_jwt = user_claims.encode(&scoped_key)?;
///
/// // The server gives it the template, expanded.
/// let trust = Trust::new().with_operator_jwt(&operator_jwt)?;
/// let trusted = trust.verify_user(&trust.verify_account(&account_jwt)?, &user_jwt)?;
/// assert!(trusted.is_scoped());
/// assert_eq!(trusted.effective_permissions().permissions.publish.allow, ["orders.alice.>"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    (constant "kind" UserScope::KIND)
    (always key "key")
    (always role "role")
    (merge template "template")
    (always description "description")
]);
go_object!(UserScope);

impl UserScope {
    /// The `kind` a scope is written with.
    pub const KIND: &'static str = "user_scope";

    /// A scope for signing key `key` with Go's default template (unlimited counts, no permissions).
    pub fn new(key: impl Into<String>) -> Self {
        UserScope {
            key: key.into(),
            ..Default::default()
        }
    }

    /// The permissions and limits a user of this scope gets: the template with its
    /// `{{…}}` parts expanded as the server does (allow entries that expand to nothing are
    /// dropped, and an allow list emptied that way becomes a deny of `>`; a deny entry that
    /// cannot expand is an error).
    pub(crate) fn apply_template(
        &self,
        context: &TemplateContext<'_>,
    ) -> Result<UserPermissionLimits, TemplateError> {
        let mut result = self.template.clone();
        let template = &self.template.permissions;
        let permissions = &mut result.permissions;
        permissions.subscribe.allow = apply_template(&template.subscribe.allow, context, false)?;
        permissions.subscribe.deny = apply_template(&template.subscribe.deny, context, true)?;
        permissions.publish.allow = apply_template(&template.publish.allow, context, false)?;
        permissions.publish.deny = apply_template(&template.publish.deny, context, true)?;
        for (was, now) in [
            (&template.subscribe, &mut permissions.subscribe),
            (&template.publish, &mut permissions.publish),
        ] {
            if !was.allow.is_empty() && now.allow.is_empty() && !now.deny.iter().any(|d| d == ">") {
                now.deny.push(">".to_owned());
            }
        }
        Ok(result)
    }

    /// Go's `UserScope.Validate`: the key must be an account key. The template is not checked.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if !is_public_key_of(&self.key, KeyKind::Account) {
            vr.add_error(format!("{} is not an account public key", shown(&self.key)));
        }
    }
}

/// One of an account's signing keys, as [`SigningKeys::get`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKey<'a> {
    /// A plain key: its users carry their own permissions.
    Plain,
    /// A scoped key: its users get the scope's template.
    Scoped(&'a UserScope),
}

impl<'a> SigningKey<'a> {
    /// The scope, for a scoped key.
    pub fn scope(self) -> Option<&'a UserScope> {
        match self {
            SigningKey::Plain => None,
            SigningKey::Scoped(scope) => Some(scope),
        }
    }
}

/// The account's signing keys (`signing_keys`), plain or scoped, by public key.
///
/// Written as one JSON array sorted by key, plain keys as strings and scoped keys as
/// [`UserScope`] objects, as Go does.
///
/// ```
/// use natsjwt::types::{SigningKey, UserScope};
/// use natsjwt::{AccountClaims, KeyPair};
///
/// let account = KeyPair::new_account()?;
/// let (plain, scoped) = (KeyPair::new_account()?, KeyPair::new_account()?);
/// let mut claims = AccountClaims::new(account.public_key().as_str());
/// let keys = &mut claims.nats.signing_keys;
/// keys.add(plain.public_key().as_str());
/// keys.add_scoped(UserScope::new(scoped.public_key().as_str()));
///
/// assert_eq!(keys.len(), 2);
/// assert_eq!(keys.get(plain.public_key().as_str()), Some(SigningKey::Plain));
/// let scope = keys.get(scoped.public_key().as_str()).and_then(SigningKey::scope);
/// assert_eq!(scope.map(|s| s.key.as_str()), Some(scoped.public_key().as_str()));
/// // A scoped key is written as an object, with Go's default template.
/// let scope_json = format!(
///     concat!(
///         r#"{{"kind":"user_scope","key":"{}","role":"","#,
///         r#""template":{{"pub":{{}},"sub":{{}},"subs":-1,"data":-1,"payload":-1}},"#,
///         r#""description":""}}"#,
///     ),
///     scoped.public_key()
/// );
/// assert!(claims.to_json()?.contains(&scope_json));
///
/// claims.nats.signing_keys.remove(plain.public_key().as_str());
/// assert!(!claims.nats.signing_keys.contains(plain.public_key().as_str()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigningKeys(BTreeMap<String, Option<UserScope>>);

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

    /// The signing key `key`, if the account has it.
    pub fn get(&self, key: &str) -> Option<SigningKey<'_>> {
        self.0.get(key).map(signing_key)
    }

    /// The keys and what they are, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, SigningKey<'_>)> {
        self.0
            .iter()
            .map(|(key, scope)| (key.as_str(), signing_key(scope)))
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
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        for (key, scope) in &self.0 {
            match scope {
                Some(scope) => scope.validate(vr),
                None => {
                    if !is_public_key_of(key, KeyKind::Account) {
                        vr.add_error(format!("{} is not a valid account signing key", quote(key)));
                    }
                }
            }
        }
    }
}

fn signing_key(scope: &Option<UserScope>) -> SigningKey<'_> {
    match scope {
        Some(scope) => SigningKey::Scoped(scope),
        None => SigningKey::Plain,
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
        let items = Vec::<UniqueValue>::deserialize(deserializer)?;
        let mut keys = SigningKeys::new();
        for UniqueValue(item) in items {
            match item {
                serde_json::Value::String(key) => keys.add(key),
                serde_json::Value::Object(object) => {
                    let kind = object.get("kind").and_then(serde_json::Value::as_str);
                    if kind != Some(UserScope::KIND) {
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

    fn context<'a>(user_tags: &'a TagList, account_tags: &'a TagList) -> TemplateContext<'a> {
        TemplateContext {
            user_name: "alice",
            user_subject: "UALICE",
            user_tags,
            account_name: "acme",
            account_subject: "AACME",
            account_tags,
        }
    }

    fn scope(pub_allow: &[&str], pub_deny: &[&str]) -> UserScope {
        let mut s = UserScope::new("ASCOPE");
        s.template.permissions.publish.allow = pub_allow.iter().map(|s| s.to_string()).collect();
        s.template.permissions.publish.deny = pub_deny.iter().map(|s| s.to_string()).collect();
        s
    }

    #[test]
    fn templates_expand_like_the_server() {
        let user_tags: TagList = ["dept:eng", "dept:ops", "x:1"].into_iter().collect();
        let account_tags: TagList = ["region:eu"].into_iter().collect();
        let ctx = context(&user_tags, &account_tags);
        let out = scope(
            &[
                "{{name()}}.>",
                "u.{{ subject() }}",
                "{{account-name()}}.{{account-subject()}}",
                "{{tag(dept)}}.{{account-tag(region)}}.{{tag(dept)}}",
                "plain",
            ],
            &[],
        )
        .apply_template(&ctx)
        .unwrap();
        assert_eq!(
            out.permissions.publish.allow,
            [
                "alice.>",
                "u.UALICE",
                "acme.AACME",
                "eng.eu.eng",
                "eng.eu.eng",
                "ops.eu.ops",
                "ops.eu.ops",
                "plain"
            ]
        );
        assert_eq!(out.limits.subs, -1);
    }

    #[test]
    fn missing_tags_drop_allows_and_fail_denies() {
        let none = TagList::new();
        let ctx = context(&none, &none);
        let out = scope(&["{{tag(team)}}.x"], &[])
            .apply_template(&ctx)
            .unwrap();
        assert!(out.permissions.publish.allow.is_empty());
        assert_eq!(out.permissions.publish.deny, [">"]);
        assert_eq!(
            scope(&[], &["{{tag(team)}}.x"]).apply_template(&ctx),
            Err(TemplateError::MissingTag {
                subject: "{{tag(team)}}.x".into(),
                tag: "team".into()
            })
        );
        assert!(matches!(
            scope(&["{{nope()}}"], &[]).apply_template(&ctx),
            Err(TemplateError::UnknownOperation { .. })
        ));
        // A queue entry is not a valid subject to the server: allow drops it.
        let out = scope(&["{{name()}} q"], &[]).apply_template(&ctx).unwrap();
        assert_eq!(out.permissions.publish.deny, [">"]);
    }

    #[test]
    fn expansion_is_capped() {
        let many: TagList = (0..64).map(|i| format!("t:{i}")).collect();
        let none = TagList::new();
        let ctx = context(&many, &none);
        assert!(
            scope(&["{{tag(t)}}.{{tag(t)}}"], &[])
                .apply_template(&ctx)
                .is_ok()
        );
        assert_eq!(
            scope(&["{{tag(t)}}.{{tag(t)}}.{{tag(t)}}"], &[]).apply_template(&ctx),
            Err(TemplateError::TooManySubjects)
        );
        assert_eq!(
            mustaches("a.{{{x}}.{{y}}"),
            [("{{{x}}", "{x"), ("{{y}}", "y")]
        );
        assert_eq!(mustaches("{{}}.{{a}"), Vec::<(&str, &str)>::new());
    }

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
        assert_eq!(keys.get("K"), Some(SigningKey::Plain));
        let scope = keys.get("S").and_then(SigningKey::scope).unwrap();
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

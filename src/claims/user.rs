//! User claims: signed by an account key or one of its signing keys.

use serde::Deserializer;

use super::body::Rules;
use super::v1::read_v1_parts;
use super::{AnyClaims, ClaimBody, ClaimType, Claims, UserClaims};
use crate::go::json::{TypeMember, deserialize_fields, go_fields, go_object};
use crate::keys::{KeyKind, is_public_key_of};
use crate::types::{Limits, Permissions, TagList, UserPermissionLimits};
use crate::validation::ValidationResults;

/// Connection types a user may be limited to (`allowed_connection_types`).
pub mod connection_type {
    /// A plain NATS client connection.
    pub const STANDARD: &str = "STANDARD";
    /// A websocket client.
    pub const WEBSOCKET: &str = "WEBSOCKET";
    /// A leaf node.
    pub const LEAFNODE: &str = "LEAFNODE";
    /// A leaf node over websocket.
    pub const LEAFNODE_WS: &str = "LEAFNODE_WS";
    /// An MQTT client.
    pub const MQTT: &str = "MQTT";
    /// An MQTT client over websocket.
    pub const MQTT_WS: &str = "MQTT_WS";
    /// An in-process connection.
    pub const IN_PROCESS: &str = "IN_PROCESS";

    /// Every connection type the server knows.
    pub const ALL: [&str; 7] = [
        STANDARD,
        WEBSOCKET,
        LEAFNODE,
        LEAFNODE_WS,
        MQTT,
        MQTT_WS,
        IN_PROCESS,
    ];
}

/// The `nats` body of user claims.
///
/// The first five fields are Go's embedded `UserPermissionLimits` (what a scoped signing
/// key's template replaces); see [`User::permission_limits`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    /// Publish, subscribe and response permissions (`pub`, `sub`, `resp`).
    pub permissions: Permissions,
    /// Source networks, times and counts (`src`, `times`, `times_location`, `subs`, `data`, `payload`).
    pub limits: Limits,
    /// Connect without signing the server's nonce (`bearer_token`).
    pub bearer_token: bool,
    /// Must connect through a trusted proxy (`proxy_required`).
    pub proxy_required: bool,
    /// Connection types allowed (`allowed_connection_types`); empty allows all.
    pub allowed_connection_types: Vec<String>,
    /// The account, when a signing key (not the account key) signs (`issuer_account`).
    pub issuer_account: String,
    /// Tags (`tags`).
    pub tags: TagList,
    /// `nats.version`.
    pub version: i64,
}

go_fields!(User => [
    (embed permissions: Permissions)
    (embed limits: Limits)
    (omitempty bearer_token "bearer_token")
    (omitempty proxy_required "proxy_required")
    (omitempty allowed_connection_types "allowed_connection_types")
    (omitempty issuer_account "issuer_account")
    (omitempty tags "tags")
    (constant "type" "user")
    (omitempty version "version")
]);
go_object!(User);

impl User {
    /// The permissions and limits the user carries.
    pub fn permission_limits(&self) -> UserPermissionLimits {
        UserPermissionLimits {
            permissions: self.permissions.clone(),
            limits: self.limits.clone(),
            bearer_token: self.bearer_token,
            proxy_required: self.proxy_required,
            allowed_connection_types: self.allowed_connection_types.clone(),
        }
    }

    /// Replaces the permissions and limits.
    pub fn set_permission_limits(&mut self, value: UserPermissionLimits) {
        self.permissions = value.permissions;
        self.limits = value.limits;
        self.bearer_token = value.bearer_token;
        self.proxy_required = value.proxy_required;
        self.allowed_connection_types = value.allowed_connection_types;
    }

    /// True when no permission or limit is set at all (Go's `HasEmptyPermissions`): what a
    /// user of a scoped signing key must be. Note that `-1` limits are not empty.
    pub fn has_empty_permissions(&self) -> bool {
        self.permissions == Permissions::default()
            && self.limits == Limits::default()
            && !self.bearer_token
            && !self.proxy_required
            && self.allowed_connection_types.is_empty()
    }

    /// True when nothing was set beyond what a new user has (no permissions, unlimited
    /// limits): what a scoped signing key's user may be turned into with `set_scoped(true)`.
    pub(crate) fn is_as_new(&self) -> bool {
        self.permissions == Permissions::default()
            && self.limits == Limits::unlimited()
            && !self.bearer_token
            && !self.proxy_required
            && self.allowed_connection_types.is_empty()
    }

    /// Go's `SetScoped`: `true` clears every permission and limit (a scoped user);
    /// `false` restores the unlimited defaults of a new user.
    pub fn set_scoped(&mut self, scoped: bool) {
        if scoped {
            self.set_permission_limits(UserPermissionLimits::default());
        } else {
            self.limits = Limits::unlimited();
        }
    }
}

impl ClaimBody for User {
    const CLAIM_TYPE: ClaimType = ClaimType::User;
    const ISSUER_KINDS: &'static [KeyKind] = &[KeyKind::Account];
    const SUBJECT_KIND: Option<KeyKind> = Some(KeyKind::User);

    fn with_defaults() -> Self {
        User {
            limits: Limits::unlimited(),
            ..Default::default()
        }
    }

    fn version(&self) -> i64 {
        self.version
    }
}

impl Rules for User {
    fn set_version(&mut self, version: i64) {
        self.version = version;
    }

    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error> {
        deserialize_fields(deserializer, User::default(), Some(type_member))
    }

    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults) {
        let user = &claims.nats;
        user.permissions.validate(vr);
        user.limits.validate(vr);
        if !user.issuer_account.is_empty()
            && !is_public_key_of(&user.issuer_account, KeyKind::Account)
        {
            vr.add_error("account_id is not an account public key");
        }
    }

    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        let (claims, deleted) = read_v1_parts::<V1User>(payload)?;
        Ok(claims.map_body(|v1| User {
            permissions: v1.permissions,
            limits: v1.limits,
            bearer_token: v1.bearer_token,
            issuer_account: deleted.issuer_account,
            tags: deleted.tags,
            version: 1,
            ..Default::default()
        }))
    }

    fn into_any(claims: Claims<Self>) -> AnyClaims {
        AnyClaims::User(claims)
    }
}

/// The v1 user body; missing limits default to no limit, as Go migrates them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct V1User {
    permissions: Permissions,
    limits: Limits,
    bearer_token: bool,
}

impl Default for V1User {
    fn default() -> Self {
        V1User {
            permissions: Permissions::default(),
            limits: Limits::unlimited(),
            bearer_token: false,
        }
    }
}

go_fields!(V1User => [
    (embed permissions: Permissions)
    (embed limits: Limits)
    (omitempty bearer_token "bearer_token")
]);
go_object!(V1User);

impl UserClaims {
    /// Go's `IsBearerToken`.
    pub fn is_bearer_token(&self) -> bool {
        self.nats.bearer_token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_user_has_unlimited_counts_and_scoped_has_none() {
        let mut u = UserClaims::new("UB2PQXG2GTI4E7CGEFEEOMPJCV44HWOGZ7ANSSZIDKQR5ELCAWFKSTJX");
        assert_eq!(
            serde_json::to_string(&u.nats).unwrap(),
            r#"{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user"}"#
        );
        assert!(!u.nats.has_empty_permissions());
        u.nats.set_scoped(true);
        assert!(u.nats.has_empty_permissions());
        assert_eq!(
            serde_json::to_string(&u.nats).unwrap(),
            r#"{"pub":{},"sub":{},"type":"user"}"#
        );
    }
}

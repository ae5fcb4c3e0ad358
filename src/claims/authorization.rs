//! Auth callout claims: the request the server sends and the response a service returns.

use serde::Deserializer;

use super::body::Rules;
use super::decode::PlainClaims;
use super::{AnyClaims, ClaimBody, ClaimType, Claims};
use crate::go::json::{TypeMember, deserialize_fields, from_json_bytes, go_fields, go_object};
use crate::go::quote::quote;
use crate::keys::{KeyKind, is_public_key_of};
use crate::types::TagList;
use crate::validation::ValidationResults;

/// The server asking (`server_id`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerId {
    /// Server name (`name`, always written).
    pub name: String,
    /// Server host (`host`, always written).
    pub host: String,
    /// Server public key, `N…` (`id`, always written).
    pub id: String,
    /// Server version (`version`).
    pub version: String,
    /// Cluster name (`cluster`).
    pub cluster: String,
    /// Server tags (`tags`).
    pub tags: TagList,
    /// The server's curve key when requests are encrypted (`xkey`).
    pub xkey: String,
}

go_fields!(ServerId => [
    (always name "name")
    (always host "host")
    (always id "id")
    (omitempty version "version")
    (omitempty cluster "cluster")
    (omitempty tags "tags")
    (omitempty xkey "xkey")
]);
go_object!(ServerId);

/// The connecting client (`client_info`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInformation {
    /// Client address (`host`).
    pub host: String,
    /// Client id (`id`).
    pub id: u64,
    /// User name (`user`).
    pub user: String,
    /// Client name (`name`).
    pub name: String,
    /// Tags (`tags`).
    pub tags: TagList,
    /// Name tag (`name_tag`).
    pub name_tag: String,
    /// Connection kind, e.g. `Client` (`kind`).
    pub kind: String,
    /// Client type, e.g. `nats`, `mqtt` (`type`).
    pub client_type: String,
    /// MQTT client id (`mqtt_id`).
    pub mqtt_id: String,
    /// The nonce the client was given (`nonce`).
    pub nonce: String,
}

go_fields!(ClientInformation => [
    (omitempty host "host")
    (omitempty id "id")
    (omitempty user "user")
    (omitempty name "name")
    (omitempty tags "tags")
    (omitempty name_tag "name_tag")
    (omitempty kind "kind")
    (omitempty client_type "type")
    (omitempty mqtt_id "mqtt_id")
    (omitempty nonce "nonce")
]);
go_object!(ClientInformation);

/// What the client sent in CONNECT (`connect_opts`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// User JWT (`jwt`).
    pub jwt: String,
    /// Nkey (`nkey`).
    pub nkey: String,
    /// Signed nonce (`sig`).
    pub signed_nonce: String,
    /// Token (`auth_token`).
    pub auth_token: String,
    /// User name (`user`).
    pub user: String,
    /// Password (`pass`).
    pub password: String,
    /// Client name (`name`).
    pub name: String,
    /// Client language (`lang`).
    pub lang: String,
    /// Client version (`version`).
    pub version: String,
    /// Protocol (`protocol`, always written).
    pub protocol: i64,
}

go_fields!(ConnectOptions => [
    (omitempty jwt "jwt")
    (omitempty nkey "nkey")
    (omitempty signed_nonce "sig")
    (omitempty auth_token "auth_token")
    (omitempty user "user")
    (omitempty password "pass")
    (omitempty name "name")
    (omitempty lang "lang")
    (omitempty version "version")
    (always protocol "protocol")
]);
go_object!(ConnectOptions);

/// The client's TLS state (`client_tls`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientTls {
    /// TLS version (`version`).
    pub version: String,
    /// Cipher (`cipher`).
    pub cipher: String,
    /// PEM certificates (`certs`).
    pub certs: Vec<String>,
    /// Verified chains of PEM certificates (`verified_chains`).
    pub verified_chains: Vec<Vec<String>>,
}

go_fields!(ClientTls => [
    (omitempty version "version")
    (omitempty cipher "cipher")
    (omitempty certs "certs")
    (omitempty verified_chains "verified_chains")
]);
go_object!(ClientTls);

/// The `nats` body of an auth callout request, signed by the server's `N` key.
///
/// `sub` is the callout account and `aud` is `nats-authorization-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The server (`server_id`).
    pub server_id: ServerId,
    /// The user key the response's user JWT must have as `sub` (`user_nkey`, always written).
    pub user_nkey: String,
    /// The client (`client_info`).
    pub client_info: ClientInformation,
    /// The client's CONNECT options (`connect_opts`).
    pub connect_opts: ConnectOptions,
    /// The client's TLS state (`client_tls`).
    pub client_tls: Option<ClientTls>,
    /// The nonce the client signed (`request_nonce`).
    pub request_nonce: String,
    /// Tags (`tags`).
    pub tags: TagList,
    /// `nats.version`.
    pub version: i64,
}

go_fields!(AuthorizationRequest => [
    (always server_id "server_id")
    (always user_nkey "user_nkey")
    (always client_info "client_info")
    (always connect_opts "connect_opts")
    (omitempty client_tls "client_tls")
    (omitempty request_nonce "request_nonce")
    (omitempty tags "tags")
    (constant "type" "authorization_request")
    (omitempty version "version")
]);
go_object!(AuthorizationRequest);

/// `aud` of the requests the server sends.
pub const AUTHORIZATION_REQUEST_AUDIENCE: &str = "nats-authorization-request";

impl ClaimBody for AuthorizationRequest {
    const CLAIM_TYPE: ClaimType = ClaimType::AuthorizationRequest;
    const ISSUER_KINDS: &'static [KeyKind] = &[KeyKind::Server];
    const SUBJECT_KIND: Option<KeyKind> = None;

    fn with_defaults() -> Self {
        AuthorizationRequest::default()
    }

    fn version(&self) -> i64 {
        self.version
    }
}

impl Rules for AuthorizationRequest {
    const TIMES_LAST: bool = true;
    const ANY_VERSION: bool = true;

    fn set_version(&mut self, version: i64) {
        self.version = version;
    }

    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error> {
        deserialize_fields(
            deserializer,
            AuthorizationRequest::default(),
            Some(type_member),
        )
    }

    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults) {
        let user_nkey = &claims.nats.user_nkey;
        if user_nkey.is_empty() {
            vr.add_error("User nkey is required");
        } else if !is_public_key_of(user_nkey, KeyKind::User) {
            vr.add_error(format!(
                "User nkey {} is not a valid user public key",
                quote(user_nkey)
            ));
        }
    }

    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        // Go reads auth callout claims without looking at the version.
        from_json_bytes::<PlainClaims<Self>>(payload).map(|claims| claims.0)
    }

    fn into_any(claims: Claims<Self>) -> AnyClaims {
        AnyClaims::AuthorizationRequest(claims)
    }
}

/// The `nats` body of an auth callout response, signed by the callout account (or, with
/// `issuer_account`, one of its signing keys).
///
/// `sub` is the request's `user_nkey` and `aud` the server id (`N…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationResponse {
    /// The user JWT granting access (`jwt`); exclusive with `error`.
    pub jwt: String,
    /// Why access is refused (`error`).
    pub error: String,
    /// The callout account when a signing key signs (`issuer_account`).
    pub issuer_account: String,
    /// Tags (`tags`).
    pub tags: TagList,
    /// `nats.version`.
    pub version: i64,
}

go_fields!(AuthorizationResponse => [
    (omitempty jwt "jwt")
    (omitempty error "error")
    (omitempty issuer_account "issuer_account")
    (omitempty tags "tags")
    (constant "type" "authorization_response")
    (omitempty version "version")
]);
go_object!(AuthorizationResponse);

impl ClaimBody for AuthorizationResponse {
    const CLAIM_TYPE: ClaimType = ClaimType::AuthorizationResponse;
    const ISSUER_KINDS: &'static [KeyKind] = &[KeyKind::Account];
    const SUBJECT_KIND: Option<KeyKind> = None;

    fn with_defaults() -> Self {
        AuthorizationResponse::default()
    }

    fn version(&self) -> i64 {
        self.version
    }
}

impl Rules for AuthorizationResponse {
    const TIMES_LAST: bool = true;
    const ANY_VERSION: bool = true;

    fn set_version(&mut self, version: i64) {
        self.version = version;
    }

    fn read_body<'de, D: Deserializer<'de>>(
        deserializer: D,
        type_member: &mut TypeMember<'de>,
    ) -> Result<Self, D::Error> {
        deserialize_fields(
            deserializer,
            AuthorizationResponse::default(),
            Some(type_member),
        )
    }

    fn validate_body(claims: &Claims<Self>, vr: &mut ValidationResults) {
        let response = &claims.nats;
        if !is_public_key_of(&claims.subject, KeyKind::User) {
            vr.add_error("Subject must be a user public key");
        }
        if !is_public_key_of(&claims.audience, KeyKind::Server) {
            vr.add_error("Audience must be a server public key");
        }
        if response.error.is_empty() && response.jwt.is_empty() {
            vr.add_error("Error or Jwt is required");
        }
        if !response.error.is_empty() && !response.jwt.is_empty() {
            vr.add_error("Only Error or Jwt can be set");
        }
        if !response.issuer_account.is_empty()
            && !is_public_key_of(&response.issuer_account, KeyKind::Account)
        {
            vr.add_error("issuer_account is not an account public key");
        }
    }

    fn read_v1(payload: &[u8]) -> Result<Claims<Self>, serde_json::Error> {
        from_json_bytes::<PlainClaims<Self>>(payload).map(|claims| claims.0)
    }

    fn into_any(claims: Claims<Self>) -> AnyClaims {
        AnyClaims::AuthorizationResponse(claims)
    }
}

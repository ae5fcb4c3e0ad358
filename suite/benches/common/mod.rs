//! The claims the benchmarks measure, shared by `benches/jwt.rs` and `examples/bench.rs`.
//!
//! Every key comes from a fixed raw seed so that runs (and the Go program in
//! `scripts/go-bench/`, which builds the same claims from the same seeds) do the same work.
#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use natsjwt::types::{Export, GoDuration, Import, ResponsePermission};
use natsjwt::{AccountClaims, KeyKind, KeyPair, UserClaims};

/// `iat` of every token the benchmarks encode (tokens are then identical run to run).
pub const ISSUED_AT: i64 = 1_700_000_000;
/// `exp` of the claims: far enough ahead that validation finds nothing.
pub const EXPIRES: i64 = 4_000_000_000;

/// The key pair of `kind` whose 32 seed bytes are all `byte`.
pub fn fixed_key(kind: KeyKind, byte: u8) -> KeyPair {
    KeyPair::from_raw_seed(kind, &[byte; 32]).expect("fixed seed")
}

/// The operator, the account it signs and the user the account signs.
pub struct Keys {
    pub operator: KeyPair,
    pub account: KeyPair,
    pub user: KeyPair,
}

impl Keys {
    pub fn new() -> Keys {
        Keys {
            operator: fixed_key(KeyKind::Operator, 1),
            account: fixed_key(KeyKind::Account, 2),
            user: fixed_key(KeyKind::User, 3),
        }
    }
}

/// A typical user: a name, an expiry, publish/subscribe allow and deny lists, a response
/// permission, connection limits, connection types and a tag (about 700 bytes of JSON).
pub fn typical_user(subject: &str) -> UserClaims {
    let mut user = UserClaims::new(subject);
    user.name = "alice".into();
    user.expires = EXPIRES;
    let permissions = &mut user.nats.permissions;
    permissions.publish.allow = vec![
        "orders.>".into(),
        "billing.invoices.*".into(),
        "_INBOX.>".into(),
    ];
    permissions.publish.deny = vec!["orders.admin.>".into()];
    permissions.subscribe.allow = vec!["orders.events.>".into(), "_INBOX.>".into()];
    permissions.subscribe.deny = vec!["orders.secret".into()];
    permissions.response = Some(ResponsePermission {
        max: 1,
        ttl: GoDuration(1_000_000_000),
    });
    user.nats.limits.subs = 1000;
    user.nats.limits.data = 10 * 1024 * 1024;
    user.nats.limits.payload = 1024 * 1024;
    user.nats.allowed_connection_types = vec!["STANDARD".into(), "WEBSOCKET".into()];
    user.nats.tags.add(["team:orders"]);
    user
}

/// Seed byte of the `i`-th (0..10) account the large account imports from.
pub fn exporter_seed(i: usize) -> u8 {
    100 + i as u8
}

/// Seed byte of the `i`-th (0..20) signing key of the large account.
pub fn signing_key_seed(i: usize) -> u8 {
    200 + i as u8
}

/// A large account: 100 exports (50 streams, 50 services, every fifth private), 100
/// imports (50 streams, 50 services) from 10 other accounts, 20 signing keys, JetStream
/// and connection limits (about 20 KB of JSON).
pub fn large_account(subject: &str) -> AccountClaims {
    let exporters: Vec<String> = (0..10)
        .map(|i| {
            fixed_key(KeyKind::Account, exporter_seed(i))
                .public_key()
                .to_string()
        })
        .collect();
    let mut account = AccountClaims::new(subject);
    account.name = "large".into();
    account.expires = EXPIRES;
    for i in 0..50 {
        let mut stream = Export::stream(format!("events.{i}.>"));
        stream.name = format!("events {i}");
        stream.token_req = i % 5 == 0;
        account.nats.exports.push(stream);
        let mut service = Export::service(format!("svc.{i}.request"));
        service.name = format!("service {i}");
        service.token_req = i % 5 == 0;
        account.nats.exports.push(service);
    }
    for i in 0..50 {
        let mut stream = Import::stream(exporters[i % 10].clone(), format!("feed.{i}.>"));
        stream.name = format!("feed {i}");
        account.nats.imports.push(stream);
        let mut service = Import::service(exporters[i % 10].clone(), format!("api.{i}.query"));
        service.name = format!("api {i}");
        account.nats.imports.push(service);
    }
    for i in 0..20 {
        account.nats.signing_keys.add(
            fixed_key(KeyKind::Account, signing_key_seed(i))
                .public_key()
                .to_string(),
        );
    }
    let limits = &mut account.nats.limits;
    limits.conn = 100;
    limits.leaf = 10;
    limits.subs = 10_000;
    limits.data = 1 << 30;
    limits.payload = 1 << 20;
    limits.jetstream.mem_storage = 1 << 30;
    limits.jetstream.disk_storage = 10 << 30;
    limits.jetstream.streams = 100;
    limits.jetstream.consumer = 1000;
    account
}

/// The claims and the tokens every benchmark starts from.
pub struct Fixtures {
    pub keys: Keys,
    pub user: UserClaims,
    pub account: AccountClaims,
    pub user_token: String,
    pub account_token: String,
    pub user_creds: String,
}

impl Fixtures {
    pub fn new() -> Fixtures {
        let keys = Keys::new();
        let mut user = typical_user(keys.user.public_key().as_str());
        let mut account = large_account(keys.account.public_key().as_str());
        let user_token = user
            .encode_at(&keys.account, ISSUED_AT)
            .expect("encode user");
        let account_token = account
            .encode_at(&keys.operator, ISSUED_AT)
            .expect("encode account");
        let user_creds = natsjwt::creds::format_user_creds(&user_token, keys.user.seed().expose())
            .expect("creds")
            .expose()
            .to_owned();
        Fixtures {
            keys,
            user,
            account,
            user_token,
            account_token,
            user_creds,
        }
    }
}

/// The bytes a token's signature covers (`header.payload`) and the signature.
pub fn signing_input_and_signature(token: &str) -> (&[u8], [u8; 64]) {
    use base64::Engine as _;
    let dot = token.rfind('.').expect("three segments");
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&token[dot + 1..])
        .expect("base64 signature");
    (
        &token.as_bytes()[..dot],
        signature.try_into().expect("64 bytes"),
    )
}

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

use natsjwt::callout::{Responder, Response};
use natsjwt::claims::AUTHORIZATION_REQUEST_AUDIENCE;
use natsjwt::types::{Export, GoDuration, Import, ResponsePermission};
use natsjwt::{
    AccountClaims, AuthorizationRequestClaims, AuthorizationResponseClaims, KeyKind, KeyPair,
    PublicKey, UserClaims, VerifyingKey, XKey,
};

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

/// One auth-callout authorization, and the bare crypto it cannot avoid, on the same
/// bytes: a server, a callout account, the two curve keys and a responder.
pub struct CalloutFixture {
    server: KeyPair,
    account: KeyPair,
    server_xkey: XKey,
    service_xkey: XKey,
    header: String,
    responder: Responder,
    /// What one real authorization verifies, signs and seals.
    request_input: Vec<u8>,
    request_signature: Vec<u8>,
    server_key: VerifyingKey,
    user_input: Vec<u8>,
    response_input: Vec<u8>,
    response_token: Vec<u8>,
}

/// `header.payload` of a token.
fn signing_input(token: &[u8]) -> Vec<u8> {
    let dot = token.iter().rposition(|b| *b == b'.').unwrap();
    token[..dot].to_vec()
}

impl CalloutFixture {
    /// `replay_capacity` as [`natsjwt::callout::ResponderBuilder::replay_capacity`]: 0
    /// lets one request be opened again and again.
    pub fn new(replay_capacity: usize) -> CalloutFixture {
        let server = KeyPair::generate(KeyKind::Server).unwrap();
        let account = KeyPair::new_account().unwrap();
        let server_xkey = XKey::generate().unwrap();
        let service_xkey = XKey::generate().unwrap();
        let header = server_xkey.public_key().to_string();
        let responder = Responder::operator_mode(account.public_key().as_str(), account.clone())
            .xkey(XKey::from_seed(service_xkey.seed().expose()).unwrap())
            .replay_capacity(replay_capacity)
            .build()
            .unwrap();
        let mut fixture = CalloutFixture {
            server_key: VerifyingKey::new(server.public_key()).unwrap(),
            server,
            account,
            server_xkey,
            service_xkey,
            header,
            responder,
            request_input: Vec::new(),
            request_signature: Vec::new(),
            user_input: Vec::new(),
            response_input: Vec::new(),
            response_token: Vec::new(),
        };
        // The bytes the floor works on: one real authorization's request, user and response.
        let sample = fixture.sealed_request();
        let request_token = fixture
            .service_xkey
            .open(&sample, fixture.server_xkey.public_key())
            .unwrap();
        let response = fixture.authorize(&sample);
        let response_token = fixture
            .service_xkey
            .open(response.payload(), fixture.server_xkey.public_key())
            .unwrap();
        let response_claims =
            AuthorizationResponseClaims::decode(std::str::from_utf8(&response_token).unwrap())
                .unwrap()
                .into_claims();
        fixture.request_input = signing_input(&request_token);
        let dot = request_token.iter().rposition(|b| *b == b'.').unwrap();
        fixture.request_signature = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&request_token[dot + 1..])
                .unwrap()
        };
        fixture.user_input = signing_input(response_claims.nats.jwt.as_bytes());
        fixture.response_input = signing_input(&response_token);
        fixture.response_token = response_token;
        assert!(
            fixture
                .server_key
                .verify(&fixture.request_input, &fixture.request_signature)
                .is_ok()
        );
        fixture
    }

    /// A sealed request for a new connection, as nats-server 2.14 sends it.
    pub fn sealed_request(&self) -> Vec<u8> {
        let user_nkey = KeyPair::new_user().unwrap();
        let mut claims = AuthorizationRequestClaims::new(self.account.public_key().as_str());
        claims.audience = AUTHORIZATION_REQUEST_AUDIENCE.into();
        claims.expires = 4_000_000_000;
        let server_id = &mut claims.nats.server_id;
        server_id.id = self.server.public_key().to_string();
        server_id.name = "n1".into();
        server_id.host = "127.0.0.1".into();
        server_id.version = "2.14.0".into();
        server_id.xkey = self.server_xkey.public_key().to_string();
        claims.nats.user_nkey = user_nkey.public_key().to_string();
        let client = &mut claims.nats.client_info;
        client.host = "127.0.0.1".into();
        client.id = 42;
        client.user = "alice".into();
        client.kind = "Client".into();
        client.client_type = "nats".into();
        let connect = &mut claims.nats.connect_opts;
        connect.user = "alice".into();
        connect.password = "wonderland".into();
        connect.lang = "rust".into();
        connect.version = "0.51.0".into();
        connect.protocol = 1;
        let token = claims.encode(&self.server).unwrap();
        self.server_xkey
            .seal(token.as_bytes(), self.service_xkey.public_key())
            .unwrap()
    }

    /// What a service does per client: open, verify, mint, sign twice, seal.
    pub fn authorize(&self, sealed: &[u8]) -> Response {
        let request = self.responder.open(sealed, Some(&self.header)).unwrap();
        let mut user = UserClaims::new(request.user_nkey());
        user.name = "alice".into();
        user.nats.permissions.publish.allow = vec!["alice.>".into(), "_INBOX.>".into()];
        user.nats.permissions.subscribe.allow = vec!["alice.>".into(), "_INBOX.>".into()];
        self.responder.allow(&request, user).unwrap()
    }

    /// The floor of [`CalloutFixture::authorize`]: one box open, one verification (the
    /// server key kept), two signatures, one box seal.
    pub fn floor(&self, sealed: &[u8]) -> usize {
        let server_xkey: &PublicKey = self.server_xkey.public_key();
        let opened = self.service_xkey.open(sealed, server_xkey).unwrap();
        self.server_key
            .verify(&self.request_input, &self.request_signature)
            .unwrap();
        let user_signature = self.account.sign(&self.user_input);
        let response_signature = self.account.sign(&self.response_input);
        let sealed_response = self
            .service_xkey
            .seal(&self.response_token, server_xkey)
            .unwrap();
        opened.len() + user_signature.len() + response_signature.len() + sealed_response.len()
    }
}

//! An auth-callout service: nats-server asks it who may connect, it answers with a user JWT.
//!
//! ```text
//! auth_callout --server nats://127.0.0.1:4222 --creds service.creds \
//!              --issuer-seed @AUTH.nk [--account <AUTH public key>] \
//!              [--xkey-seed @service-xkey.nk] --users users.json
//! ```
//!
//! Each seed is `SEED`, `@FILE` or `@-` (standard input, not echoed by a terminal; one of
//! the two at most).
//!
//! The callout account (`AUTH`) lists the service's user in `authorization.auth_users`, so
//! the service itself connects without a callout. For every other client the server sends
//! an `authorization_request` JWT on `$SYS.REQ.USER.AUTH`; when the account sets
//! `authorization.xkey`, the request is sealed to that curve key and the header
//! `Nats-Server-Xkey` carries the server's key, and the answer must be sealed back.
//!
//! The service checks `connect_opts.user` / `connect_opts.password` against `--users`, a
//! JSON table
//!
//! ```json
//! { "alice": { "password": "...", "publish": ["alice.>"], "subscribe": ["alice.>"] } }
//! ```
//!
//! and answers with an `authorization_response` that holds either a user JWT for the
//! server's ephemeral user key (named after the user, with the table's permissions) or an
//! error. Both are signed with `--issuer-seed`: the callout account's key, or one of its
//! signing keys (then `--account` names the account, written as `issuer_account`).
//! The users land in the callout account.
//!
//! It prints `ready` once it is subscribed, then one line per decision (`allowed alice`,
//! `refused alice: bad password`; with ` (sealed)` after the name when the request was
//! encrypted).
//!
//! Exit codes:
//! - `0`: the server closed the connection;
//! - `1`: the server cannot be reached, or a subscription or an answer failed;
//! - `64`: bad arguments;
//! - `65`: a seed, `--account`, the creds or the user table is not what it should be;
//! - `66`: a seed file, standard input, the creds file or the users file cannot be read.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use async_nats::Message;
use common::{is_stdin_argument, load_seed_of, main_with, read_secret_argument, Args, Failure};
use futures_util::StreamExt as _;
use natsjwt::validation::TimeChecks;
use natsjwt::{
    AuthorizationRequestClaims, AuthorizationResponseClaims, KeyKind, KeyPair, PublicKey,
    UserClaims, XKey,
};

const USAGE: &str = "auth_callout --server URL --creds FILE --issuer-seed SEED|@FILE|@- \
                     [--account ACCOUNT] [--xkey-seed SEED|@FILE|@-] --users FILE";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the server closed the connection"),
    (
        1,
        "the server cannot be reached, or a subscription or an answer failed",
    ),
    (64, "bad arguments"),
    (
        65,
        "a seed, --account, the creds or the user table is not what it should be",
    ),
    (
        66,
        "a seed file, standard input, the creds file or the users file cannot be read",
    ),
];

/// The subject nats-server sends authorization requests to.
const AUTH_SUBJECT: &str = "$SYS.REQ.USER.AUTH";
/// The header holding the server's curve key when requests are encrypted.
const SERVER_XKEY_HEADER: &str = "Nats-Server-Xkey";

/// One row of the user table.
#[derive(serde::Deserialize)]
struct UserEntry {
    password: String,
    #[serde(default)]
    publish: Vec<String>,
    #[serde(default)]
    subscribe: Vec<String>,
}

/// What the service needs to answer requests.
struct Service {
    issuer: KeyPair,
    /// The callout account when `issuer` is one of its signing keys.
    issuer_account: Option<String>,
    xkey: Option<XKey>,
    users: BTreeMap<String, UserEntry>,
}

/// The decision for one request, and the line to print about it.
struct Decision {
    response: Vec<u8>,
    log: String,
}

impl Service {
    /// Answers one request message; `Err` when it cannot even be addressed (no answer is
    /// sent then, and the server refuses the client when its wait runs out).
    fn answer(&self, message: &Message) -> Result<Decision, String> {
        let server_xkey = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(SERVER_XKEY_HEADER))
            .map(|value| PublicKey::parse_kind(value.as_str(), KeyKind::Curve))
            .transpose()
            .map_err(|e| format!("bad {SERVER_XKEY_HEADER} header: {e}"))?;
        let sealed = if server_xkey.is_some() {
            " (sealed)"
        } else {
            ""
        };
        let token = match (&server_xkey, &self.xkey) {
            (Some(server), Some(ours)) => {
                let opened = ours
                    .open(&message.payload, server)
                    .map_err(|e| format!("cannot open the request: {e}"))?;
                String::from_utf8(opened).map_err(|_| "the request is not UTF-8".to_owned())?
            }
            (Some(_), None) => {
                return Err("the request is encrypted but no --xkey-seed was given".into())
            }
            (None, _) => String::from_utf8(message.payload.to_vec())
                .map_err(|_| "the request is not UTF-8".to_owned())?,
        };
        // Checks the signature, that the issuer is a server (N) key and the claim type.
        let verified = AuthorizationRequestClaims::decode(&token)
            .map_err(|e| format!("invalid authorization request: {e}"))?;
        let request = verified.claims();
        let validation = request.validate();
        if validation.is_blocking(TimeChecks::Included) {
            return Err(format!(
                "authorization request does not validate: {validation:?}"
            ));
        }
        let user_key = &request.nats.user_nkey;
        let server_id = &request.nats.server_id.id;
        if request.issuer != *server_id {
            return Err(format!(
                "request signed by {} on behalf of server {server_id}",
                request.issuer
            ));
        }
        let username = &request.nats.connect_opts.user;

        // A small in-memory table keeps the example short; a real service would keep
        // password hashes and compare them in constant time.

        let (jwt, error, log) = match self.users.get(username.as_str()) {
            Some(entry) if entry.password == request.nats.connect_opts.password => {
                let jwt = self.user_jwt(user_key, username, entry)?;
                (jwt, String::new(), format!("allowed {username}{sealed}"))
            }
            Some(_) => (
                String::new(),
                "bad password".to_owned(),
                format!("refused {username}{sealed}: bad password"),
            ),
            None => (
                String::new(),
                "unknown user".to_owned(),
                format!("refused {username:?}{sealed}: unknown user"),
            ),
        };

        let mut response = AuthorizationResponseClaims::new(user_key.as_str());
        response.audience = server_id.clone();
        response.nats.jwt = jwt;
        response.nats.error = error;
        if let Some(account) = &self.issuer_account {
            response.nats.issuer_account = account.clone();
        }
        let response = response
            .encode(&self.issuer)
            .map_err(|e| format!("cannot sign the response: {e}"))?;
        let response = match (&server_xkey, &self.xkey) {
            (Some(server), Some(ours)) => ours
                .seal(response.as_bytes(), server)
                .map_err(|e| format!("cannot seal the response: {e}"))?,
            _ => response.into_bytes(),
        };
        Ok(Decision { response, log })
    }

    /// The user JWT for the server's ephemeral `user_key`.
    fn user_jwt(
        &self,
        user_key: &str,
        username: &str,
        entry: &UserEntry,
    ) -> Result<String, String> {
        let mut user = UserClaims::new(user_key);
        user.name = username.to_owned();
        user.nats.permissions.publish.allow = entry.publish.clone();
        user.nats.permissions.subscribe.allow = entry.subscribe.clone();
        if let Some(account) = &self.issuer_account {
            user.nats.issuer_account = account.clone();
        }
        user.encode(&self.issuer)
            .map_err(|e| format!("cannot sign the user JWT: {e}"))
    }
}

fn load_service(args: &Args) -> Result<Service, Failure> {
    let issuer_seed = args.required("issuer-seed", USAGE)?;
    let users_path = args.required("users", USAGE)?;
    args.required("server", USAGE)?;
    args.required("creds", USAGE)?;
    if is_stdin_argument(Some(issuer_seed)) && is_stdin_argument(args.value("xkey-seed")) {
        return Err(Failure::usage(
            "--issuer-seed and --xkey-seed cannot both be read from standard input",
        ));
    }
    let issuer = load_seed_of(issuer_seed, KeyKind::Account, "issuer")?;
    let issuer_account = args.value("account").map(str::to_owned);
    if let Some(account) = &issuer_account {
        PublicKey::parse_kind(account, KeyKind::Account)
            .map_err(|e| Failure::data(format!("--account is not an account key: {e}")))?;
    }
    let xkey = args
        .value("xkey-seed")
        .map(|argument| {
            let seed = read_secret_argument(argument, "xkey seed")?;
            XKey::from_seed(seed.expose().trim())
                .map_err(|e| Failure::data(format!("invalid xkey seed: {e}")))
        })
        .transpose()?;
    let users = std::fs::read_to_string(users_path)
        .map_err(|e| Failure::no_input(format!("cannot read {users_path}: {e}")))?;
    let users = serde_json::from_str(&users)
        .map_err(|e| Failure::data(format!("{users_path} is not a user table: {e}")))?;
    Ok(Service {
        issuer,
        issuer_account,
        xkey,
        users,
    })
}

async fn serve(args: &Args, service: Service) -> Result<u8, Failure> {
    let server = args.required("server", USAGE)?;
    let creds_path = args.required("creds", USAGE)?;
    let creds = std::fs::read_to_string(creds_path)
        .map(natsjwt::Secret::new)
        .map_err(|e| Failure::no_input(format!("cannot read {creds_path}: {e}")))?;
    let options = async_nats::ConnectOptions::with_credentials(creds.expose())
        .map_err(|e| Failure::data(format!("{creds_path} is not a creds file: {e}")))?;
    let client = options
        .connect(server)
        .await
        .map_err(|e| Failure::other(format!("cannot connect to {server}: {e}")))?;
    let mut requests = client
        .subscribe(AUTH_SUBJECT)
        .await
        .map_err(|e| Failure::other(format!("cannot subscribe to {AUTH_SUBJECT}: {e}")))?;
    // A request nobody answers comes back as "no responders" only after the server has
    // processed everything sent before it, the subscription included: then we are ready.
    let _ = client.request("auth_callout.ready", "".into()).await;
    println!("ready");

    while let Some(message) = requests.next().await {
        let Some(reply) = message.reply.clone() else {
            eprintln!("auth_callout: a request without a reply subject; ignored");
            continue;
        };
        match service.answer(&message) {
            Ok(decision) => {
                client
                    .publish(reply, decision.response.into())
                    .await
                    .map_err(|e| Failure::other(format!("cannot answer: {e}")))?;
                client
                    .flush()
                    .await
                    .map_err(|e| Failure::other(format!("cannot answer: {e}")))?;
                println!("{}", decision.log);
            }
            Err(why) => eprintln!("auth_callout: {why}; not answered"),
        }
    }
    Ok(0)
}

fn run() -> Result<u8, Failure> {
    let args = Args::parse(
        &[
            "server",
            "creds",
            "issuer-seed",
            "account",
            "xkey-seed",
            "users",
        ],
        &[],
        USAGE,
        EXIT_CODES,
    )?;
    if !args.positional.is_empty() {
        return Err(Failure::usage(format!("usage: {USAGE}")));
    }
    let service = load_service(&args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(&args, service))
}

fn main() -> std::process::ExitCode {
    main_with("auth_callout", run)
}

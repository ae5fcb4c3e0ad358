//! An auth-callout service over `natsjwt::callout`: nats-server asks it who may connect,
//! it answers with a user JWT.
//!
//! ```text
//! auth_callout --server URL (--creds FILE | --user NAME --password PASSWORD)
//!              --account ACCOUNT --issuer-seed SEED|@FILE|@- [--xkey-seed SEED|@FILE|@-]
//!              [--user-seed SEED|@FILE|@- --user-account ACCOUNT] [--config-account NAME]
//!              [--on-deny error|drop] [--queue NAME] --users FILE
//! ```
//!
//! - `--account`: the callout account's public key (operator mode), or the
//!   `auth_callout.issuer` key (config mode); `--issuer-seed` signs the responses: that
//!   account's key or, in operator mode, one of its signing keys (`issuer_account` is set).
//! - `--xkey-seed`: the curve key the server seals requests to (the account's
//!   `authorization.xkey`, or `auth_callout.xkey`).
//! - `--user-seed` / `--user-account`: operator mode, place the users in another account
//!   (one of the callout account's `allowed_accounts`), signed by that account's key or a
//!   signing key of it.
//! - `--config-account NAME`: the server runs in config mode; users land in account NAME.
//! - `--on-deny`: answer a refusal with an error (the default; the client is refused at
//!   once) or not at all (`drop`: the client is refused when the server's wait runs out).
//! - `--queue`: the queue group (default `auth-callout`); run several instances with the
//!   same one to share the load.
//! - `--users`: a JSON table
//!   `{ "alice": { "password": "...", "publish": ["alice.>"], "subscribe": ["alice.>"] } }`.
//!
//! Each seed is `SEED`, `@FILE` or `@-` (standard input, not echoed by a terminal; one of
//! them at most). It prints `ready` once subscribed, then one line per decision
//! (`allowed alice`, `refused alice: bad password`, `dropped alice: unknown user`, with
//! ` (sealed)` after the name when the request was encrypted); requests it cannot open
//! are reported on standard error and not answered.
//!
//! Exit codes:
//! - `0`: the server closed the connection;
//! - `1`: the server cannot be reached, or the service cannot start;
//! - `64`: bad arguments;
//! - `65`: a seed, an account key, the creds, the user table or the set-up is not what it should be;
//! - `66`: a seed file, standard input, the creds file or the users file cannot be read.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{Args, Failure, is_stdin_argument, load_seed_of, main_with, read_secret_argument};
use natsjwt::callout::service::{Decision, DenyAs, Outcome, Service, ServiceOptions};
use natsjwt::callout::{AuthRequest, Responder};
use natsjwt::{KeyKind, UserClaims, XKey};

const USAGE: &str = "auth_callout --server URL (--creds FILE | --user NAME --password PASSWORD) \
                     --account ACCOUNT --issuer-seed SEED|@FILE|@- [--xkey-seed SEED|@FILE|@-] \
                     [--user-seed SEED|@FILE|@- --user-account ACCOUNT] [--config-account NAME] \
                     [--on-deny error|drop] [--queue NAME] --users FILE";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the server closed the connection"),
    (
        1,
        "the server cannot be reached, or the service cannot start",
    ),
    (64, "bad arguments"),
    (
        65,
        "a seed, an account key, the creds, the user table or the set-up is not what it should be",
    ),
    (
        66,
        "a seed file, standard input, the creds file or the users file cannot be read",
    ),
];

/// One row of the user table.
#[derive(serde::Deserialize)]
struct UserEntry {
    password: String,
    #[serde(default)]
    publish: Vec<String>,
    #[serde(default)]
    subscribe: Vec<String>,
}

/// Compares without stopping at the first difference, so the time taken says nothing
/// about how much of a password was right. A real service keeps password hashes.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Who may connect, and where users are placed.
struct Users {
    table: BTreeMap<String, UserEntry>,
    /// The account users are placed in, when not where `allow` places them.
    placement: Option<String>,
}

impl Users {
    fn decide(&self, request: &AuthRequest) -> Decision {
        let options = request.connect_options();
        match self.table.get(&options.user) {
            Some(entry) if same_secret(&entry.password, &options.password) => {
                let mut user = UserClaims::new(request.user_nkey());
                user.name = options.user.clone();
                user.nats.permissions.publish.allow = entry.publish.clone();
                user.nats.permissions.subscribe.allow = entry.subscribe.clone();
                match &self.placement {
                    Some(account) => Decision::AllowIn {
                        account: account.clone(),
                        user,
                    },
                    None => Decision::Allow(user),
                }
            }
            Some(_) => Decision::Deny("bad password".into()),
            None => Decision::Deny("unknown user".into()),
        }
    }
}

/// The line printed about a decision.
fn describe(request: &AuthRequest, outcome: &Outcome) -> String {
    let name = &request.connect_options().user;
    let sealed = if request.is_sealed() { " (sealed)" } else { "" };
    match outcome {
        Outcome::Allowed => format!("allowed {name}{sealed}"),
        Outcome::Denied(reason) => format!("refused {name}{sealed}: {reason}"),
        Outcome::Dropped => format!("dropped {name}{sealed}"),
        _ => format!("{name}{sealed}: {outcome:?}"),
    }
}

fn load_responder(args: &Args) -> Result<Responder, Failure> {
    let account = args.required("account", USAGE)?;
    let issuer_seed = args.required("issuer-seed", USAGE)?;
    let stdin_seeds = [
        Some(issuer_seed),
        args.value("xkey-seed"),
        args.value("user-seed"),
    ]
    .into_iter()
    .filter(|argument| is_stdin_argument(*argument))
    .count();
    if stdin_seeds > 1 {
        return Err(Failure::usage(
            "at most one seed can be read from standard input",
        ));
    }
    let issuer = load_seed_of(issuer_seed, KeyKind::Account, "issuer")?;
    let mut builder = match args.value("config-account") {
        Some(_) => Responder::config_mode(account, issuer),
        None => Responder::operator_mode(account, issuer),
    };
    if let Some(argument) = args.value("xkey-seed") {
        let seed = read_secret_argument(argument, "xkey seed")?;
        let xkey = XKey::from_seed(seed.expose().trim())
            .map_err(|e| Failure::data(format!("invalid xkey seed: {e}")))?;
        builder = builder.xkey(xkey);
    }
    match (args.value("user-seed"), args.value("user-account")) {
        (Some(seed), Some(user_account)) => {
            let signer = load_seed_of(seed, KeyKind::Account, "user signer")?;
            builder = builder.account_signer(user_account, signer);
        }
        (None, None) => {}
        _ => return Err(Failure::usage("--user-seed and --user-account go together")),
    }
    builder
        .build()
        .map_err(|e| Failure::data(format!("the set-up is refused: {e}")))
}

fn load_users(args: &Args) -> Result<Users, Failure> {
    let path = args.required("users", USAGE)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::no_input(format!("cannot read {path}: {e}")))?;
    let table = serde_json::from_str(&text)
        .map_err(|e| Failure::data(format!("{path} is not a user table: {e}")))?;
    let placement = args
        .value("config-account")
        .or(args.value("user-account"))
        .map(str::to_owned);
    Ok(Users { table, placement })
}

fn service_options(args: &Args) -> Result<ServiceOptions, Failure> {
    let deny_as = match args.value("on-deny") {
        None | Some("error") => DenyAs::Error,
        Some("drop") => DenyAs::Drop,
        Some(other) => {
            return Err(Failure::usage(format!(
                "--on-deny is error or drop, not {other:?}"
            )));
        }
    };
    let mut options = ServiceOptions::new()
        .deny_as(deny_as)
        .on_outcome(|request, outcome| println!("{}", describe(request, outcome)))
        .on_invalid_user(|request, error| {
            eprintln!(
                "auth_callout: the user for {:?} is refused: {error}",
                request.connect_options().user
            )
        })
        .on_error(|error| eprintln!("auth_callout: {error}; not answered"));
    if let Some(queue) = args.value("queue") {
        options = options.queue_group(queue);
    }
    Ok(options)
}

async fn connect(args: &Args) -> Result<async_nats::Client, Failure> {
    let server = args.required("server", USAGE)?;
    let options = match (
        args.value("creds"),
        args.value("user"),
        args.value("password"),
    ) {
        (Some(path), None, None) => {
            let creds = std::fs::read_to_string(path)
                .map(natsjwt::Secret::new)
                .map_err(|e| Failure::no_input(format!("cannot read {path}: {e}")))?;
            async_nats::ConnectOptions::with_credentials(creds.expose())
                .map_err(|e| Failure::data(format!("{path} is not a creds file: {e}")))?
        }
        (None, Some(user), Some(password)) => {
            async_nats::ConnectOptions::with_user_and_password(user.into(), password.into())
        }
        _ => {
            return Err(Failure::usage(format!(
                "give --creds, or --user and --password\nusage: {USAGE}"
            )));
        }
    };
    options
        .connect(server)
        .await
        .map_err(|e| Failure::other(format!("cannot connect to {server}: {e}")))
}

async fn serve(args: &Args, responder: Responder, users: Users) -> Result<u8, Failure> {
    let options = service_options(args)?;
    let client = connect(args).await?;
    let users = Arc::new(users);
    let authorizer = move |request: Arc<AuthRequest>| {
        let users = Arc::clone(&users);
        async move { users.decide(&request) }
    };
    let service = Service::start(client, responder, authorizer, options)
        .await
        .map_err(|e| Failure::other(format!("cannot start the service: {e}")))?;
    println!("ready");
    service
        .join()
        .await
        .map_err(|e| Failure::other(format!("the service failed: {e}")))?;
    Ok(0)
}

fn run() -> Result<u8, Failure> {
    let args = Args::parse(
        &[
            "server",
            "creds",
            "user",
            "password",
            "account",
            "issuer-seed",
            "xkey-seed",
            "user-seed",
            "user-account",
            "config-account",
            "on-deny",
            "queue",
            "users",
        ],
        &[],
        USAGE,
        EXIT_CODES,
    )?;
    if !args.positional.is_empty() {
        return Err(Failure::usage(format!("usage: {USAGE}")));
    }
    args.required("server", USAGE)?;
    let responder = load_responder(&args)?;
    let users = load_users(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(&args, responder, users))
}

fn main() -> std::process::ExitCode {
    main_with("auth_callout", run)
}

//! The seed document's `createUser`, with its bug fixed (it encoded the account claims):
//! a new user key and user claims named NAME, signed by the account key.
//!
//! `cargo run --example create_user -- --account-seed <SEED|@FILE|@-> --name <NAME>
//!  [--issuer-account <PUB>] [--creds] [--json]`
//!
//! When the seed is an account *signing* key, pass the account's public key as
//! `--issuer-account`. Prints the user JWT and seed on two lines, the `.creds` file with
//! `--creds`, or `{"jwt","seed","public_key"}` with `--json`. `@-` reads the seed from
//! standard input (a terminal does not echo it).
//!
//! Exit codes:
//! - `0`: the user is printed;
//! - `1`: a key could not be made or the user signed;
//! - `64`: bad arguments;
//! - `65`: the seed is no seed or not an account seed, or `--issuer-account` is not an
//!   account public key;
//! - `66`: the seed file (or standard input) cannot be read.

mod common;

use common::{Args, Failure, json_string, load_seed_of, main_with};
use natsjwt::creds::format_user_creds;
use natsjwt::{KeyKind, KeyPair, PublicKey, UserClaims};

const USAGE: &str = "create_user --account-seed <SEED|@FILE|@-> --name <NAME> [--issuer-account <PUB>] [--creds] [--json]";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the user is printed"),
    (1, "a key could not be made or the user signed"),
    (64, "bad arguments"),
    (
        65,
        "the seed is no seed or not an account seed, or --issuer-account is not an account public key",
    ),
    (66, "the seed file (or standard input) cannot be read"),
];

fn run() -> Result<u8, Failure> {
    let args = Args::parse(
        &["account-seed", "name", "issuer-account"],
        &["creds", "json"],
        USAGE,
        EXIT_CODES,
    )?;
    if !args.positional.is_empty() {
        return Err(Failure::usage(format!(
            "unexpected arguments; usage: {USAGE}"
        )));
    }
    if args.switch("creds") && args.switch("json") {
        return Err(Failure::usage("--creds and --json cannot be combined"));
    }
    let seed = args.required("account-seed", USAGE)?;
    let name = args.required("name", USAGE)?;
    let signer = load_seed_of(seed, KeyKind::Account, "account")?;

    let user =
        KeyPair::new_user().map_err(|e| Failure::other(format!("cannot create a key: {e}")))?;
    let mut claims = UserClaims::new(user.public_key().as_str());
    claims.name = name.to_owned();
    if let Some(account) = args.value("issuer-account") {
        if PublicKey::parse_kind(account, KeyKind::Account).is_err() {
            return Err(Failure::data(format!(
                "--issuer-account {account:?} is not an account public key"
            )));
        }
        claims.nats.issuer_account = account.to_owned();
    }
    let jwt = claims
        .encode(&signer)
        .map_err(|e| Failure::other(format!("cannot sign the user: {e}")))?;
    let seed = user.seed();
    if args.switch("creds") {
        let creds = format_user_creds(&jwt, seed.expose())
            .map_err(|e| Failure::other(format!("cannot write the creds: {e}")))?;
        print!("{}", creds.expose());
    } else if args.switch("json") {
        println!(
            "{{\"jwt\":{},\"seed\":{},\"public_key\":{}}}",
            json_string(&jwt),
            json_string(seed.expose()),
            json_string(user.public_key().as_str())
        );
    } else {
        println!("{jwt}");
        println!("{}", seed.expose());
    }
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("create_user", run)
}

//! The seed document's `createAccount`: a new account key and account claims named NAME,
//! signed by the operator key. Unlike the original snippet, the new seed is returned.
//!
//! `cargo run --example create_account -- --operator-seed <SEED|@FILE|@-> --name <NAME> [--json]`
//!
//! Prints the account JWT and the account seed on two lines, or with `--json` one object
//! `{"jwt","seed","public_key"}`. The operator seed may be an operator signing key; `@-`
//! reads it from standard input (a terminal does not echo it).
//!
//! Exit codes:
//! - `0`: the account is printed;
//! - `1`: a key could not be made or the account signed;
//! - `64`: bad arguments;
//! - `65`: the seed is no seed, or not an operator seed;
//! - `66`: the seed file (or standard input) cannot be read.

mod common;

use common::{Args, Failure, json_string, load_seed_of, main_with};
use natsjwt::{AccountClaims, KeyKind, KeyPair};

const USAGE: &str = "create_account --operator-seed <SEED|@FILE|@-> --name <NAME> [--json]";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the account is printed"),
    (1, "a key could not be made or the account signed"),
    (64, "bad arguments"),
    (65, "the seed is no seed, or not an operator seed"),
    (66, "the seed file (or standard input) cannot be read"),
];

fn run() -> Result<u8, Failure> {
    let args = Args::parse(&["operator-seed", "name"], &["json"], USAGE, EXIT_CODES)?;
    if !args.positional.is_empty() {
        return Err(Failure::usage(format!(
            "unexpected arguments; usage: {USAGE}"
        )));
    }
    let seed = args.required("operator-seed", USAGE)?;
    let name = args.required("name", USAGE)?;
    let operator = load_seed_of(seed, KeyKind::Operator, "operator")?;

    let account =
        KeyPair::new_account().map_err(|e| Failure::other(format!("cannot create a key: {e}")))?;
    let mut claims = AccountClaims::new(account.public_key().as_str());
    claims.name = name.to_owned();
    let jwt = claims
        .encode(&operator)
        .map_err(|e| Failure::other(format!("cannot sign the account: {e}")))?;
    let seed = account.seed();
    if args.switch("json") {
        println!(
            "{{\"jwt\":{},\"seed\":{},\"public_key\":{}}}",
            json_string(&jwt),
            json_string(seed.expose()),
            json_string(account.public_key().as_str())
        );
    } else {
        println!("{jwt}");
        println!("{}", seed.expose());
    }
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("create_account", run)
}

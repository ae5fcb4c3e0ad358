//! Signs a claims payload: reads the JSON inside a token (its type from `nats.type`),
//! parses it into the typed claims and signs it with SEED at IAT.
//!
//! `cargo run --example encode -- --seed <SEED|@FILE> --iat <UNIX> [FILE|-]`
//!
//! Given a Go token's payload, seed and `iat`, it prints Go's token byte for byte.

mod common;

use common::{load_seed, main_with, read_input, Args, Failure};
use natsjwt::AnyClaims;

const USAGE: &str = "encode --seed <SEED|@FILE> --iat <UNIX> [FILE|-]";

fn run() -> Result<u8, Failure> {
    let args = Args::parse(&["seed", "iat"], &[], USAGE)?;
    let signer = load_seed(args.required("seed", USAGE)?, "signer")?;
    let iat_text = args.required("iat", USAGE)?;
    let iat: i64 = iat_text
        .parse()
        .map_err(|_| Failure::usage(format!("--iat {iat_text:?} is not a Unix time in seconds")))?;
    let input = match args.positional.as_slice() {
        [] => None,
        [path] => Some(path.as_str()),
        _ => return Err(Failure::usage(format!("usage: {USAGE}"))),
    };
    let payload = read_input(input)?;
    let mut claims = AnyClaims::from_json(payload.trim())
        .map_err(|e| Failure::input(format!("cannot read the claims: {e}")))?;
    let token = claims
        .encode_at(&signer, iat)
        .map_err(|e| Failure::input(format!("cannot sign: {e}")))?;
    println!("{token}");
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("encode", run)
}

//! Signs a claims payload: reads the JSON inside a token (its type from `nats.type`),
//! parses it into the typed claims and signs it with SEED at IAT.
//!
//! `cargo run --example encode -- --seed <SEED|@FILE|@-> --iat <UNIX> [FILE|-]`
//!
//! Given a Go token's payload, seed and `iat`, it prints Go's token byte for byte. The
//! payload comes from FILE, or from standard input; `--seed @-` reads the seed from
//! standard input instead (a terminal does not echo it), and then the payload must be a
//! FILE.
//!
//! Exit codes:
//! - `0`: the token is printed;
//! - `64`: bad arguments (also: both the seed and the payload on standard input);
//! - `65`: the seed is no seed, the payload is not claims JSON, or the claims cannot be
//!   signed by that seed;
//! - `66`: the seed file, FILE or standard input cannot be read.

mod common;

use common::{Args, Failure, is_stdin_argument, load_seed, main_with, read_input};
use natsjwt::AnyClaims;

const USAGE: &str = "encode --seed <SEED|@FILE|@-> --iat <UNIX> [FILE|-]";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the token is printed"),
    (
        64,
        "bad arguments (also: both the seed and the payload on standard input)",
    ),
    (
        65,
        "the seed is no seed, the payload is not claims JSON, or the claims cannot be signed by that seed",
    ),
    (66, "the seed file, FILE or standard input cannot be read"),
];

fn run() -> Result<u8, Failure> {
    let args = Args::parse(&["seed", "iat"], &[], USAGE, EXIT_CODES)?;
    let seed = args.required("seed", USAGE)?;
    let iat_text = args.required("iat", USAGE)?;
    let iat: i64 = iat_text
        .parse()
        .map_err(|_| Failure::usage(format!("--iat {iat_text:?} is not a Unix time in seconds")))?;
    let input = match args.positional.as_slice() {
        [] => None,
        [path] => Some(path.as_str()),
        _ => return Err(Failure::usage(format!("usage: {USAGE}"))),
    };
    if is_stdin_argument(Some(seed)) && matches!(input, None | Some("-")) {
        return Err(Failure::usage(
            "--seed @- reads standard input, so the payload must be given as FILE",
        ));
    }
    let signer = load_seed(seed, "signer")?;
    let payload = read_input(input)?;
    let mut claims = AnyClaims::from_json(payload.trim())
        .map_err(|e| Failure::data(format!("cannot read the claims: {e}")))?;
    let token = claims
        .encode_at(&signer, iat)
        .map_err(|e| Failure::data(format!("cannot sign the claims: {e}")))?;
    println!("{token}");
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("encode", run)
}

//! Decodes, verifies and validates a token and prints one JSON object:
//! `{"claims": <payload>, "claim_type", "version", "signature_verified", "issues": [{"description","blocking","time_check"}]}`.
//!
//! `cargo run --example describe -- [FILE|-]`
//!
//! Accepts a bare token, a decorated JWT or a creds file. Exit status: 0 when valid, 1 when
//! the token is rejected (format, header, signature, issuer kind), 2 when an issue is
//! blocking or a time check fails (what a server would refuse).

mod common;

use common::{json_string, main_with, read_input, Args, Failure};
use natsjwt::creds::parse_decorated_jwt;
use natsjwt::{decode_unverified, ValidationResults};

const USAGE: &str = "describe [FILE|-]";

fn issues_json(results: &ValidationResults) -> String {
    let items: Vec<String> = results
        .issues
        .iter()
        .map(|issue| {
            format!(
                "{{\"description\":{},\"blocking\":{},\"time_check\":{}}}",
                json_string(&issue.description),
                issue.is_blocking(),
                issue.is_time_check()
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

fn run() -> Result<u8, Failure> {
    let args = Args::parse(&[], &[], USAGE)?;
    let input = match args.positional.as_slice() {
        [] => None,
        [path] => Some(path.as_str()),
        _ => return Err(Failure::usage(format!("usage: {USAGE}"))),
    };
    let text = read_input(input)?;
    let token = parse_decorated_jwt(&text).trim();
    let unverified =
        decode_unverified(token).map_err(|e| Failure::input(format!("rejected: {e}")))?;
    let claims = unverified.unverified_claims().clone();
    let payload = String::from_utf8_lossy(unverified.payload_json()).into_owned();
    let version = unverified.version();
    let verified = unverified.verify();
    let results = claims.validate();
    println!(
        "{{\"claims\":{payload},\"claim_type\":{},\"version\":{version},\"signature_verified\":{},\"issues\":{}}}",
        json_string(claims.claim_type().as_str()),
        verified.is_ok(),
        issues_json(&results)
    );
    if let Err(e) = verified {
        eprintln!("describe: rejected: {e}");
        return Ok(1);
    }
    Ok(if results.is_blocking(true) { 2 } else { 0 })
}

fn main() -> std::process::ExitCode {
    main_with("describe", run)
}

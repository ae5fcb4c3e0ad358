//! Decodes, verifies and validates a token and prints one JSON object:
//! `{"claims": <payload>, "claim_type", "version", "signature_verified", "issues": [{"description","blocking","time_check"}]}`.
//! `claim_type` is the token's `nats.type`: for generic claims with a custom type its
//! name (where Go's `ClaimType()` says `generic`), `generic` when there is none.
//!
//! `cargo run --example describe -- [FILE|-] [--operator FILE [--account FILE]]`
//!
//! Accepts a bare token, a decorated JWT or a creds file. With `--operator` it also checks
//! the chain of trust (an account against the operator; a user or an activation against
//! `--account`, itself checked against the operator) and adds
//! `"chain": {"trusted", "link", "error"}` naming the link that failed.
//!
//! Exit codes:
//! - `0`: the token is valid (and trusted, with `--operator`);
//! - `1`: the token is read but rejected: not a token, or its header, signature or issuer
//!   kind is wrong;
//! - `2`: the token is refused: an issue is blocking, a time check fails or the chain does
//!   not hold (what a server would refuse);
//! - `64`: bad arguments;
//! - `66`: FILE, standard input or an `--operator` / `--account` file cannot be read.

mod common;

use common::{Args, FAILURE_EXIT, Failure, json_string, main_with, read_input};
use natsjwt::AnyClaims;
use natsjwt::creds::parse_decorated_jwt;
use natsjwt::dangerous::decode_unverified;
use natsjwt::trust::{Trust, TrustError};
use natsjwt::validation::{Severity, TimeChecks, ValidationResults};

const USAGE: &str = "describe [FILE|-] [--operator FILE [--account FILE]]";
/// Exit code for a token that is read and decoded but refused.
const REFUSED_EXIT: u8 = 2;
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the token is valid (and trusted, with --operator)"),
    (
        1,
        "the token is read but rejected: not a token, or its header, signature or issuer kind is wrong",
    ),
    (
        2,
        "the token is refused: an issue is blocking, a time check fails or the chain does not hold",
    ),
    (64, "bad arguments"),
    (
        66,
        "FILE, standard input or an --operator / --account file cannot be read",
    ),
];

/// The claim type to show: a generic token's custom `nats.type` by its name.
fn claim_type_name(claims: &AnyClaims) -> &str {
    match claims {
        AnyClaims::Generic(generic) => generic
            .nats
            .type_name()
            .filter(|name| !name.is_empty())
            .unwrap_or(claims.claim_type().as_str()),
        other => other.claim_type().as_str(),
    }
}

/// Reads a JWT file (bare or decorated).
fn read_jwt(path: &str) -> Result<String, Failure> {
    let text = read_input(Some(path))?;
    Ok(parse_decorated_jwt(&text).trim().to_owned())
}

/// Checks `token` against the operator (and account) files.
fn check_chain(
    token: &str,
    claims: &AnyClaims,
    operator: &str,
    account: Option<&str>,
) -> Result<Result<(), TrustError>, Failure> {
    let trust = match Trust::new().with_operator_jwt(&read_jwt(operator)?) {
        Ok(trust) => trust,
        Err(e) => return Ok(Err(e)),
    };
    let account_for = |what: &str| -> Result<Result<_, TrustError>, Failure> {
        let path = account
            .ok_or_else(|| Failure::usage(format!("checking {what} needs --account <FILE>")))?;
        Ok(trust.verify_account(&read_jwt(path)?))
    };
    Ok(match claims {
        AnyClaims::Account(_) => trust.verify_account(token).map(drop),
        AnyClaims::User(_) => match account_for("a user")? {
            Ok(account) => trust.verify_user(&account, token).map(drop),
            Err(e) => Err(e),
        },
        AnyClaims::Activation(activation) => match account_for("an activation")? {
            Ok(exporter) => trust
                .verify_activation(&exporter, &activation.subject, token)
                .map(drop),
            Err(e) => Err(e),
        },
        other => {
            return Err(Failure::usage(format!(
                "--operator checks accounts, users and activations, not {} claims",
                claim_type_name(other)
            )));
        }
    })
}

fn chain_json(result: &Result<(), TrustError>) -> String {
    match result {
        Ok(()) => "{\"trusted\":true}".to_owned(),
        Err(e) => format!(
            "{{\"trusted\":false,\"link\":{},\"error\":{}}}",
            json_string(&e.link().to_string()),
            json_string(&e.to_string())
        ),
    }
}

fn issues_json(results: &ValidationResults) -> String {
    let items: Vec<String> = results
        .issues
        .iter()
        .map(|issue| {
            format!(
                "{{\"description\":{},\"blocking\":{},\"time_check\":{}}}",
                json_string(&issue.description),
                issue.severity == Severity::Blocking,
                issue.severity == Severity::TimeCheck
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

fn run() -> Result<u8, Failure> {
    let args = Args::parse(&["operator", "account"], &[], USAGE, EXIT_CODES)?;
    if args.value("account").is_some() && args.value("operator").is_none() {
        return Err(Failure::usage("--account needs --operator"));
    }
    let input = match args.positional.as_slice() {
        [] => None,
        [path] => Some(path.as_str()),
        _ => return Err(Failure::usage(format!("usage: {USAGE}"))),
    };
    let text = read_input(input)?;
    let token = parse_decorated_jwt(&text).trim();
    let unverified = decode_unverified::<AnyClaims>(token)
        .map_err(|e| Failure::other(format!("rejected: {e}")))?;
    let claims = unverified.unverified_claims().clone();
    let payload = String::from_utf8_lossy(unverified.payload_json()).into_owned();
    let version = unverified.version();
    let verified = unverified.verify();
    let results = claims.validate();
    let chain = match args.value("operator") {
        Some(operator) => Some(check_chain(
            token,
            &claims,
            operator,
            args.value("account"),
        )?),
        None => None,
    };
    let chain_member = chain
        .as_ref()
        .map(|c| format!(",\"chain\":{}", chain_json(c)))
        .unwrap_or_default();
    println!(
        "{{\"claims\":{payload},\"claim_type\":{},\"version\":{version},\"signature_verified\":{},\"issues\":{}{chain_member}}}",
        json_string(claim_type_name(&claims)),
        verified.is_ok(),
        issues_json(&results)
    );
    if let Err(e) = verified {
        eprintln!("describe: rejected: {e}");
        return Ok(FAILURE_EXIT);
    }
    if let Some(Err(e)) = &chain {
        eprintln!("describe: not trusted: {e}");
        return Ok(REFUSED_EXIT);
    }
    Ok(if results.is_blocking(TimeChecks::Included) {
        REFUSED_EXIT
    } else {
        0
    })
}

fn main() -> std::process::ExitCode {
    main_with("describe", run)
}

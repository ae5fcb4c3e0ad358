//! Whole-process timings, for comparing with other implementations (`scripts/compare-go.sh`).
//!
//! ```text
//! cargo run --release -p natsjwt-bench --example bench -- <N>            # N of each; ns per op
//! cargo run --release -p natsjwt-bench --example bench -- only <OP> <N>  # just OP, N times
//! cargo run --release -p natsjwt-bench --example bench -- scale <N>      # N users; time, peak RSS
//! cargo run --release -p natsjwt-bench --example bench -- ratios <R>     # the ratios, interleaved
//! ```
//!
//! The first form prints `encode_user_ns_per_op`, `decode_user_ns_per_op`,
//! `raw_sign_ns_per_op` and `raw_verify_ns_per_op`, one `name value` per line, then the
//! same for the large account (`encode_account_ns_per_op` …, N/10 runs) and the token sizes.
//! `ratios` runs R rounds; each round times a batch of every operation in turn, and each
//! operation's figure is its fastest batch: on a shared machine, load that comes and
//! goes then hits all operations alike instead of skewing the ratios between them.
//! `only` runs one operation so that `valgrind --tool=dhat` can count its allocations
//! (`scripts/op-costs.sh` runs it with N and with 0 and divides the difference by N).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

#[path = "../benches/common/mod.rs"]
mod fixtures;

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use natsjwt::clock::FixedClock;
use natsjwt::{AccountClaims, KeyPair, Secret, UserClaims, creds};

use fixtures::{CalloutFixture, Fixtures, ISSUED_AT, signing_input_and_signature, typical_user};

const USAGE: &str =
    "usage: bench <N> | bench only <OP> <N> | bench scale <N> | bench ratios <ROUNDS>";

/// The operations `only` can run; each closure does one.
const OPS: &[&str] = &[
    "encode_user",
    "decode_user",
    "decode_user_known_issuer",
    "validate_user",
    "encode_account",
    "decode_account",
    "validate_account",
    "raw_sign",
    "raw_verify",
    "format_creds",
    "parse_creds",
    "issue_user",
    "callout_authorize",
    "callout_floor",
];

/// What the operations use besides the fixtures, made once.
struct Extras<'a> {
    account_key: SigningKey,
    message: &'a [u8],
    signature: Signature,
    verifying: VerifyingKey,
    clock: FixedClock,
    seed: Secret,
    /// The user tokens' issuer, read once as a verifier keeps it.
    issuer: natsjwt::VerifyingKey,
}

impl<'a> Extras<'a> {
    fn new(f: &'a Fixtures) -> Extras<'a> {
        let account_key = SigningKey::from_bytes(&[2; 32]);
        let (message, signature) = signing_input_and_signature(&f.user_token);
        Extras {
            verifying: account_key.verifying_key(),
            account_key,
            message,
            signature: Signature::from_bytes(&signature),
            clock: FixedClock(ISSUED_AT),
            seed: f.keys.user.seed(),
            issuer: f.keys.account.verifying_key(),
        }
    }
}

/// One run of operation `op`, ready to call (set-up done here, not in the timed calls).
fn step<'a>(op: &str, f: &'a Fixtures, x: &'a Extras<'a>) -> Option<Box<dyn FnMut() + 'a>> {
    Some(match op {
        "encode_user" => {
            let mut user = f.user.clone();
            Box::new(move || {
                black_box(user.encode_at(&f.keys.account, ISSUED_AT).unwrap());
            })
        }
        "decode_user" => Box::new(|| {
            black_box(UserClaims::decode(black_box(&f.user_token)).unwrap());
        }),
        "decode_user_known_issuer" => Box::new(|| {
            black_box(UserClaims::decode_with(black_box(&f.user_token), &x.issuer).unwrap());
        }),
        "validate_user" => Box::new(|| {
            black_box(black_box(&f.user).validate_with(&x.clock));
        }),
        "encode_account" => {
            let mut account = f.account.clone();
            Box::new(move || {
                black_box(account.encode_at(&f.keys.operator, ISSUED_AT).unwrap());
            })
        }
        "decode_account" => Box::new(|| {
            black_box(AccountClaims::decode(black_box(&f.account_token)).unwrap());
        }),
        "validate_account" => Box::new(|| {
            black_box(black_box(&f.account).validate_with(&x.clock));
        }),
        "raw_sign" => Box::new(|| {
            black_box(x.account_key.sign(black_box(x.message)));
        }),
        "raw_verify" => Box::new(|| {
            x.verifying
                .verify(black_box(x.message), &x.signature)
                .unwrap();
        }),
        "format_creds" => Box::new(|| {
            black_box(creds::format_user_creds(&f.user_token, x.seed.expose()).unwrap());
        }),
        "parse_creds" => Box::new(|| {
            black_box(creds::parse_user_creds(black_box(&f.user_creds)).unwrap());
        }),
        "issue_user" => Box::new(|| {
            black_box(issue_user(&f.keys.account));
        }),
        // One request opened again and again: replays are let through (capacity 0), so
        // the replay check's bookkeeping is not in this figure.
        "callout_authorize" | "callout_floor" => {
            let callout = CalloutFixture::new(0);
            let sealed = callout.sealed_request();
            if op == "callout_authorize" {
                Box::new(move || {
                    black_box(callout.authorize(black_box(&sealed)));
                })
            } else {
                Box::new(move || {
                    black_box(callout.floor(black_box(&sealed)));
                })
            }
        }
        _ => return None,
    })
}

/// Runs operation `op` of the fixtures `n` times.
fn run(op: &str, f: &Fixtures, n: u64) -> Option<()> {
    let extras = Extras::new(f);
    let mut step = step(op, f, &extras)?;
    for _ in 0..n {
        step();
    }
    Some(())
}

/// Nanoseconds per operation over `n` runs, after `n / 10` (at least 10) to warm up.
fn time_op(op: &str, f: &Fixtures, n: u64) -> u64 {
    run(op, f, (n / 10).max(10));
    let start = Instant::now();
    run(op, f, n);
    let nanos = start.elapsed().as_nanos() / u128::from(n.max(1));
    u64::try_from(nanos).unwrap_or(u64::MAX)
}

/// What issuing a user takes: a new key, its claims, the JWT and the creds file.
fn issue_user(account: &KeyPair) -> usize {
    let user = KeyPair::new_user().unwrap();
    let mut claims = typical_user(user.public_key().as_str());
    let token = claims.encode(account).unwrap();
    let creds = creds::format_user_creds(&token, user.seed().expose()).unwrap();
    creds.expose().len()
}

/// Peak resident set size of this process so far, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Issues `n` users, printing the elapsed time and the peak RSS ten times on the way.
fn scale(n: u64) {
    let account = fixtures::Keys::new().account;
    let step = (n / 10).max(1);
    println!("users seconds peak_rss_kib");
    println!("0 0.000 {}", peak_rss_kib());
    let start = Instant::now();
    let mut bytes = 0usize;
    for i in 1..=n {
        bytes += issue_user(&account);
        if i % step == 0 || i == n {
            println!(
                "{i} {:.3} {}",
                start.elapsed().as_secs_f64(),
                peak_rss_kib()
            );
        }
    }
    eprintln!("issued {n} users, {bytes} bytes of creds");
}

/// Interleaved rounds of every operation; prints each one's best batch and the ratios.
fn ratios(f: &Fixtures, rounds: u64) {
    // (operation, runs per batch): about a millisecond or two per batch.
    let ops: [(&str, u64); 11] = [
        ("raw_sign", 50),
        ("encode_user", 50),
        ("raw_verify", 50),
        ("decode_user", 50),
        ("decode_user_known_issuer", 50),
        ("encode_account", 10),
        ("validate_account", 10),
        ("format_creds", 20),
        ("parse_creds", 50),
        ("callout_floor", 10),
        ("callout_authorize", 10),
    ];
    let extras = Extras::new(f);
    let mut steps: Vec<_> = ops
        .iter()
        .map(|(op, _)| step(op, f, &extras).unwrap())
        .collect();
    let mut best = [u64::MAX; 11];
    for _ in 0..rounds.max(1) {
        for (((_, batch), best), step) in ops.iter().zip(best.iter_mut()).zip(&mut steps) {
            let start = Instant::now();
            for _ in 0..*batch {
                step();
            }
            let nanos = u64::try_from(start.elapsed().as_nanos() / u128::from(*batch));
            *best = (*best).min(nanos.unwrap_or(u64::MAX));
        }
    }
    let ns = |name: &str| {
        ops.iter()
            .zip(best)
            .find(|((op, _), _)| *op == name)
            .map_or(0.0, |(_, ns)| ns as f64)
    };
    for ((op, _), ns) in ops.iter().zip(best) {
        println!("{op}_ns_per_op {ns}");
    }
    println!(
        "ratio_encode_user_to_raw_sign {:.3}",
        ns("encode_user") / ns("raw_sign")
    );
    println!(
        "ratio_decode_user_to_raw_verify {:.3}",
        ns("decode_user") / ns("raw_verify")
    );
    println!(
        "ratio_decode_user_known_issuer_to_raw_verify {:.3}",
        ns("decode_user_known_issuer") / ns("raw_verify")
    );
    println!(
        "ratio_validate_account_to_encode_account {:.3}",
        ns("validate_account") / ns("encode_account")
    );
    println!(
        "ratio_callout_authorize_to_floor {:.3}",
        ns("callout_authorize") / ns("callout_floor")
    );
}

fn parse_count(text: Option<&String>) -> Option<u64> {
    text?.parse().ok()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("only") => {
            let (Some(op), Some(n)) = (args.get(1), parse_count(args.get(2))) else {
                eprintln!("{USAGE}");
                return ExitCode::from(64);
            };
            let f = Fixtures::new();
            if run(op, &f, n).is_none() {
                eprintln!("unknown operation {op:?}; one of {}", OPS.join(", "));
                return ExitCode::from(64);
            }
        }
        Some("ratios") => {
            let Some(rounds) = parse_count(args.get(1)) else {
                eprintln!("{USAGE}");
                return ExitCode::from(64);
            };
            ratios(&Fixtures::new(), rounds);
        }
        Some("scale") => {
            let Some(n) = parse_count(args.get(1)) else {
                eprintln!("{USAGE}");
                return ExitCode::from(64);
            };
            scale(n);
        }
        _ => {
            let Some(n) = parse_count(args.first()).filter(|n| *n > 0) else {
                eprintln!("{USAGE}");
                return ExitCode::from(64);
            };
            let f = Fixtures::new();
            for op in [
                "encode_user",
                "decode_user",
                "raw_sign",
                "raw_verify",
                "decode_user_known_issuer",
            ] {
                println!("{op}_ns_per_op {}", time_op(op, &f, n));
            }
            // The large account costs about ten users: a tenth of the runs.
            for op in ["encode_account", "decode_account", "validate_account"] {
                println!("{op}_ns_per_op {}", time_op(op, &f, (n / 10).max(1)));
            }
            println!("user_token_bytes {}", f.user_token.len());
            println!("account_token_bytes {}", f.account_token.len());
        }
    }
    ExitCode::SUCCESS
}

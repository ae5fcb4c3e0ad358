//! Argument handling shared by the examples (each example uses part of it).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read as _;

use natsjwt::{creds, KeyKind, KeyPair, Secret};

/// Exit code for bad command-line arguments.
pub const USAGE_EXIT: u8 = 64;

/// An error to print as one line, with its exit code.
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: USAGE_EXIT,
        }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 1,
        }
    }
}

/// Runs `body`, printing a failure as `<example>: <message>` on stderr.
pub fn main_with(name: &str, body: impl FnOnce() -> Result<u8, Failure>) -> std::process::ExitCode {
    match body() {
        Ok(code) => std::process::ExitCode::from(code),
        Err(failure) => {
            eprintln!("{name}: {}", failure.message);
            std::process::ExitCode::from(failure.code)
        }
    }
}

/// `--flag value` options, `--switch` booleans and positional arguments.
pub struct Args {
    pub values: BTreeMap<String, String>,
    pub switches: Vec<String>,
    pub positional: Vec<String>,
}

impl Args {
    /// Parses the process arguments; `valued` lists the flags that take a value,
    /// `switches` the boolean ones. Anything else starting with `--` is an error.
    pub fn parse(valued: &[&str], switches: &[&str], usage: &str) -> Result<Args, Failure> {
        let mut args = Args {
            values: BTreeMap::new(),
            switches: Vec::new(),
            positional: Vec::new(),
        };
        let mut iter = std::env::args().skip(1);
        while let Some(arg) = iter.next() {
            if arg == "--help" || arg == "-h" {
                return Err(Failure::usage(format!("usage: {usage}")));
            }
            if let Some(flag) = arg.strip_prefix("--") {
                if valued.contains(&flag) {
                    let value = iter.next().ok_or_else(|| {
                        Failure::usage(format!("--{flag} needs a value; usage: {usage}"))
                    })?;
                    if args.values.insert(flag.to_owned(), value).is_some() {
                        return Err(Failure::usage(format!("--{flag} given twice")));
                    }
                } else if switches.contains(&flag) {
                    args.switches.push(flag.to_owned());
                } else {
                    return Err(Failure::usage(format!(
                        "unknown option --{flag}; usage: {usage}"
                    )));
                }
            } else {
                args.positional.push(arg);
            }
        }
        Ok(args)
    }

    pub fn value(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    pub fn required(&self, flag: &str, usage: &str) -> Result<&str, Failure> {
        self.value(flag)
            .ok_or_else(|| Failure::usage(format!("--{flag} is required; usage: {usage}")))
    }

    pub fn switch(&self, flag: &str) -> bool {
        self.switches.iter().any(|s| s == flag)
    }
}

/// Loads a key pair from `SEED` or `@FILE` (a seed file, decorated seed or creds file).
pub fn load_seed(argument: &str, what: &str) -> Result<KeyPair, Failure> {
    let text = match argument.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("cannot read {what} seed file {path}: {e}")))?,
        None => argument.to_owned(),
    };
    creds::parse_decorated_nkey(&text)
        .or_else(|_| KeyPair::from_seed(text.trim()).map_err(|e| e.to_string()))
        .map_err(|e| Failure::input(format!("invalid {what} seed: {e}")))
}

/// [`load_seed`] for a seed that must be of `kind`.
pub fn load_seed_of(argument: &str, kind: KeyKind, what: &str) -> Result<KeyPair, Failure> {
    let pair = load_seed(argument, what)?;
    if pair.kind() != kind {
        return Err(Failure::input(format!(
            "expected {kind} seed for the {what}, got {} seed",
            pair.kind()
        )));
    }
    Ok(pair)
}

/// Reads `FILE`, or standard input for `-` or no argument.
pub fn read_input(path: Option<&str>) -> Result<String, Failure> {
    match path {
        None | Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::input(format!("cannot read standard input: {e}")))?;
            Ok(text)
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("cannot read {path}: {e}"))),
    }
}

/// The text of a `.nk` seed file: the seed and a newline, built without copies that
/// would not be wiped.
pub fn seed_file_text(pair: &KeyPair) -> Secret {
    let seed = pair.seed();
    let mut text = String::with_capacity(seed.expose().len() + 1);
    text.push_str(seed.expose());
    text.push('\n');
    Secret::new(text)
}

/// A JSON string literal.
pub fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

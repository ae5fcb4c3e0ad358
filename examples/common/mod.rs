//! Argument handling shared by the examples (each example uses part of it), and the exit
//! codes they share:
//!
//! - `0`: success;
//! - `1`: anything else (for `describe`: the token is rejected);
//! - `64` (`EX_USAGE`): bad arguments;
//! - `65` (`EX_DATAERR`): input that is read but is not what was asked for (a seed that is
//!   no seed, or not of the kind needed; a payload that is not claims JSON);
//! - `66` (`EX_NOINPUT`): an input file, or standard input, that cannot be read;
//! - `73` (`EX_CANTCREAT`): an output file that exists already or cannot be written.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Read as _};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use natsjwt::{KeyKind, KeyPair, Secret, creds};

/// Exit code for anything else that fails (for `describe`: a rejected token).
pub const FAILURE_EXIT: u8 = 1;
/// Exit code for bad command-line arguments (`EX_USAGE`).
pub const USAGE_EXIT: u8 = 64;
/// Exit code for input that is read but is not what was asked for (`EX_DATAERR`).
pub const DATA_EXIT: u8 = 65;
/// Exit code for an input that cannot be read (`EX_NOINPUT`).
pub const NO_INPUT_EXIT: u8 = 66;
/// Exit code for an output that exists already or cannot be written (`EX_CANTCREAT`).
pub const CANT_CREATE_EXIT: u8 = 73;

/// An error to print as one line, with its exit code.
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code,
        }
    }

    /// Bad arguments (64).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(USAGE_EXIT, message)
    }

    /// Input that is read but is not what was asked for (65).
    pub fn data(message: impl Into<String>) -> Self {
        Failure::new(DATA_EXIT, message)
    }

    /// An input that cannot be read (66).
    pub fn no_input(message: impl Into<String>) -> Self {
        Failure::new(NO_INPUT_EXIT, message)
    }

    /// An output that exists already or cannot be written (73).
    pub fn cant_create(message: impl Into<String>) -> Self {
        Failure::new(CANT_CREATE_EXIT, message)
    }

    /// Anything else (1).
    pub fn other(message: impl Into<String>) -> Self {
        Failure::new(FAILURE_EXIT, message)
    }

    /// `--help`: the text goes to standard output and the exit code is 0.
    fn help(text: String) -> Self {
        Failure::new(0, text)
    }
}

/// A `map_err` adapter: the error as a failure with exit code 1, after `what: `.
pub fn fail<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| Failure::other(format!("{what}: {e}"))
}

/// A `map_err` adapter: the error as a failure with exit code 65 (input that is not
/// what it should be), after `what: `.
pub fn bad<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| Failure::data(format!("{what}: {e}"))
}

/// Runs `body`, printing a failure as `<example>: <message>` on stderr.
pub fn main_with(name: &str, body: impl FnOnce() -> Result<u8, Failure>) -> std::process::ExitCode {
    match body() {
        Ok(code) => std::process::ExitCode::from(code),
        Err(failure) if failure.code == 0 => {
            print!("{}", failure.message);
            std::process::ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{name}: {}", failure.message);
            std::process::ExitCode::from(failure.code)
        }
    }
}

/// The `--help` text: the usage line and the exit codes, one a line.
pub fn help_text(usage: &str, exit_codes: &[(u8, &str)]) -> String {
    let mut text = format!("usage: {usage}\n\nexit codes:\n");
    for (code, meaning) in exit_codes {
        text.push_str(&format!("  {code:<3} {meaning}\n"));
    }
    text
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
    /// `--help` (or `-h`) prints the usage and `exit_codes` and exits with 0.
    pub fn parse(
        valued: &[&str],
        switches: &[&str],
        usage: &str,
        exit_codes: &[(u8, &str)],
    ) -> Result<Args, Failure> {
        let mut args = Args {
            values: BTreeMap::new(),
            switches: Vec::new(),
            positional: Vec::new(),
        };
        let mut iter = std::env::args().skip(1);
        while let Some(arg) = iter.next() {
            if arg == "--help" || arg == "-h" {
                return Err(Failure::help(help_text(usage, exit_codes)));
            }
            if let Some(flag) = arg.strip_prefix("--") {
                if valued.contains(&flag) {
                    let value = iter.next().ok_or_else(|| {
                        Failure::usage(format!("--{flag} needs a value; usage: {usage}"))
                    })?;
                    if args.values.insert(flag.to_owned(), value).is_some() {
                        return Err(Failure::usage(format!("--{flag} is given twice")));
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

/// "a" or "an" before a key kind or claim type name ("an operator", "a user").
pub fn article(word: &str) -> &'static str {
    match word.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o') => "an",
        _ => "a",
    }
}

/// A TCP port from `--port`: 1 to 65535.
pub fn parse_port(text: &str) -> Result<u16, Failure> {
    match text.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(Failure::usage(format!(
            "--port {text:?} is not a port number from 1 to 65535"
        ))),
    }
}

/// Set once standard input has been read: it holds one value only.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// True when `argument` is `@-` (the value is read from standard input).
pub fn is_stdin_argument(argument: Option<&str>) -> bool {
    argument == Some("@-")
}

fn take_stdin(what: &str) -> Result<(), Failure> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(Failure::usage(format!(
            "standard input is already read; give the {what} another way"
        )));
    }
    Ok(())
}

/// Turns off the terminal's echo while it lives (with `stty`, which reads the terminal
/// from our standard input).
struct EchoOff;

impl EchoOff {
    fn new() -> Option<EchoOff> {
        stty("-echo").then_some(EchoOff)
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        stty("echo");
    }
}

#[cfg(unix)]
fn stty(setting: &str) -> bool {
    std::process::Command::new("stty")
        .arg(setting)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[cfg(not(unix))]
fn stty(_setting: &str) -> bool {
    false
}

/// Reads a secret (`what`) from standard input: all of it from a pipe or file, one line
/// without echo from a terminal. Refuses a terminal whose echo cannot be turned off.
fn read_stdin_secret(what: &str) -> Result<Secret, Failure> {
    take_stdin(what)?;
    let stdin = std::io::stdin();
    let mut text = String::new();
    let read = if stdin.is_terminal() {
        let echo_off = EchoOff::new().ok_or_else(|| {
            Failure::no_input(format!(
                "cannot turn off the terminal's echo to read the {what}; pipe it in or give @FILE"
            ))
        })?;
        eprint!("{what} (not echoed): ");
        let read = stdin.lock().read_line(&mut text);
        drop(echo_off);
        eprintln!();
        read
    } else {
        stdin.lock().read_to_string(&mut text)
    };
    let text = Secret::new(text);
    read.map_err(|e| {
        Failure::no_input(format!("cannot read the {what} from standard input: {e}"))
    })?;
    Ok(text)
}

/// The text of a secret given as `VALUE`, `@FILE` or `@-` (standard input, not echoed).
pub fn read_secret_argument(argument: &str, what: &str) -> Result<Secret, Failure> {
    match argument.strip_prefix('@') {
        Some("-") => read_stdin_secret(what),
        Some(path) => std::fs::read_to_string(path)
            .map(Secret::new)
            .map_err(|e| Failure::no_input(format!("cannot read the {what} file {path}: {e}"))),
        None => Ok(Secret::new(argument.to_owned())),
    }
}

/// Loads a key pair from `SEED`, `@FILE` or `@-` (a seed, decorated seed or creds file).
pub fn load_seed(argument: &str, what: &str) -> Result<KeyPair, Failure> {
    let text = read_secret_argument(argument, &format!("{what} seed"))?;
    let text = text.expose();
    creds::parse_decorated_nkey(text)
        .or_else(|_| KeyPair::from_seed(text.trim()).map_err(|e| e.to_string()))
        .map_err(|e| Failure::data(format!("invalid {what} seed: {e}")))
}

/// [`load_seed`] for a seed that must be of `kind`.
pub fn load_seed_of(argument: &str, kind: KeyKind, what: &str) -> Result<KeyPair, Failure> {
    let pair = load_seed(argument, what)?;
    let found = pair.kind();
    if found != kind {
        return Err(Failure::data(format!(
            "expected {} {kind} seed for the {what}, got {} {found} seed",
            article(kind.name()),
            article(found.name()),
        )));
    }
    Ok(pair)
}

/// Reads `FILE`, or standard input for `-` or no argument.
pub fn read_input(path: Option<&str>) -> Result<String, Failure> {
    match path {
        None | Some("-") => {
            take_stdin("input")?;
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::no_input(format!("cannot read standard input: {e}")))?;
            Ok(text)
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::no_input(format!("cannot read {path}: {e}"))),
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

/// True when the `Cargo.toml` in `dir` declares a workspace.
fn declares_workspace(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}

/// `path` made absolute and free of symbolic links, `.` and `..`, also when it does not
/// exist yet: its longest existing ancestor is canonicalised, the rest appended.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let components: Vec<Component<'_>> = path.components().collect();
    for split in (1..=components.len()).rev() {
        let (Some(existing), Some(rest)) = (components.get(..split), components.get(split..))
        else {
            continue;
        };
        let Ok(mut resolved) = existing.iter().collect::<PathBuf>().canonicalize() else {
            continue;
        };
        for component in rest {
            match component {
                Component::ParentDir => {
                    resolved.pop();
                }
                Component::Normal(name) => resolved.push(name),
                _ => {}
            }
        }
        return Ok(resolved);
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "no part of the path exists",
    ))
}

/// Refuses to write seeds into `dir` when it lies inside the directory this example was
/// built from (its package's `Cargo.toml`) or that package's workspace root: secrets do
/// not belong in a repository. `example_dir` is the directory to suggest instead.
pub fn refuse_inside_repository(dir: &Path, example_dir: &str) -> Result<(), Failure> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace_root = manifest_dir
        .ancestors()
        .find(|dir| declares_workspace(dir))
        .unwrap_or(manifest_dir);
    let target = resolve(dir)
        .map_err(|e| Failure::cant_create(format!("cannot resolve {}: {e}", dir.display())))?;
    for root in [workspace_root, manifest_dir] {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        if target.starts_with(&root) {
            return Err(Failure::usage(format!(
                "refusing to write seeds into {}, inside the repository {}; choose a directory outside it (e.g. {example_dir})",
                dir.display(),
                root.display()
            )));
        }
    }
    Ok(())
}

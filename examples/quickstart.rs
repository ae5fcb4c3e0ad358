//! Creates everything a NATS server in operator mode needs, and a user to connect with.
//!
//! `cargo run --example quickstart -- <dir> [--port N]` writes into `<dir>`:
//! - `operator.jwt`: the operator, self-signed, with one signing key and the system account;
//! - `SYS.jwt`, `APP.jwt`: the system account and an application account, both signed by
//!   the operator's signing key; `APP` has a signing key of its own;
//! - `user.jwt`, `user.creds`: a user of `APP` signed by `APP`'s signing key;
//! - `*.nk`: every seed (mode 0600);
//! - `server.conf`: operator mode with a memory resolver preloaded with both accounts,
//!   listening on 127.0.0.1:N (default 4222).
//!
//! It refuses to overwrite any of these files, and to write into the repository it was
//! built from (seeds do not belong there): choose a directory outside it, such as
//! `../nats-setup`.
//!
//! Exit codes:
//! - `0`: the setup is written;
//! - `1`: a key could not be made or a token signed;
//! - `64`: bad arguments, a `--port` outside 1-65535, or a directory inside the repository;
//! - `73`: a file exists already or cannot be written.

mod common;

use std::path::{Path, PathBuf};

use common::{Args, Failure, main_with, parse_port, refuse_inside_repository, seed_file_text};
use natsjwt::creds::{format_user_creds, write_secret_file};
use natsjwt::{AccountClaims, KeyPair, OperatorClaims, Secret, UserClaims};

const USAGE: &str = "quickstart <dir> [--port N]";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the setup is written"),
    (1, "a key could not be made or a token signed"),
    (
        64,
        "bad arguments, a --port outside 1-65535, or a directory inside the repository",
    ),
    (73, "a file exists already or cannot be written"),
];

/// One file the quickstart writes.
struct Output {
    name: &'static str,
    /// Held as a `Secret` so that seed and creds text is wiped when dropped.
    contents: Secret,
    secret: bool,
}

fn keypair(make: fn() -> Result<KeyPair, natsjwt::KeyError>) -> Result<KeyPair, Failure> {
    make().map_err(|e| Failure::other(format!("cannot create a key: {e}")))
}

fn encode_error(what: &str) -> impl Fn(natsjwt::ClaimsError) -> Failure + '_ {
    move |e| Failure::other(format!("cannot sign the {what}: {e}"))
}

/// Builds every file in memory; nothing is written until all of it succeeded.
fn build(port: u16) -> Result<Vec<Output>, Failure> {
    let operator = keypair(KeyPair::new_operator)?;
    let operator_signing = keypair(KeyPair::new_operator)?;
    let system = keypair(KeyPair::new_account)?;
    let app = keypair(KeyPair::new_account)?;
    let app_signing = keypair(KeyPair::new_account)?;
    let user = keypair(KeyPair::new_user)?;

    let mut operator_claims = OperatorClaims::new(operator.public_key().as_str());
    operator_claims.name = "quickstart".into();
    operator_claims
        .nats
        .signing_keys
        .push(operator_signing.public_key().to_string());
    operator_claims.nats.system_account = system.public_key().to_string();
    let operator_jwt = operator_claims
        .encode(&operator)
        .map_err(encode_error("operator"))?;

    let mut system_claims = AccountClaims::new(system.public_key().as_str());
    system_claims.name = "SYS".into();
    let system_jwt = system_claims
        .encode(&operator_signing)
        .map_err(encode_error("system account"))?;

    let mut app_claims = AccountClaims::new(app.public_key().as_str());
    app_claims.name = "APP".into();
    app_claims
        .nats
        .signing_keys
        .add(app_signing.public_key().as_str());
    let app_jwt = app_claims
        .encode(&operator_signing)
        .map_err(encode_error("APP account"))?;

    let mut user_claims = UserClaims::new(user.public_key().as_str());
    user_claims.name = "user".into();
    user_claims.nats.issuer_account = app.public_key().to_string();
    let user_jwt = user_claims
        .encode(&app_signing)
        .map_err(encode_error("user"))?;
    let creds = format_user_creds(&user_jwt, user.seed().expose())
        .map_err(|e| Failure::other(format!("cannot write the creds: {e}")))?;

    let server_conf = format!(
        "# NATS server in operator mode, written by natsjwt's quickstart.\n\
         listen: 127.0.0.1:{port}\n\
         operator: {operator_jwt}\n\
         system_account: {sys}\n\
         resolver: MEMORY\n\
         resolver_preload: {{\n  {sys}: {system_jwt}\n  {app_pub}: {app_jwt}\n}}\n",
        sys = system.public_key(),
        app_pub = app.public_key(),
    );

    let seed = |name, pair: &KeyPair| Output {
        name,
        contents: seed_file_text(pair),
        secret: true,
    };
    let public = |name, contents: String| Output {
        name,
        contents: Secret::new(contents),
        secret: false,
    };
    Ok(vec![
        public("operator.jwt", format!("{operator_jwt}\n")),
        public("SYS.jwt", format!("{system_jwt}\n")),
        public("APP.jwt", format!("{app_jwt}\n")),
        public("user.jwt", format!("{user_jwt}\n")),
        Output {
            name: "user.creds",
            contents: creds,
            secret: true,
        },
        seed("operator.nk", &operator),
        seed("operator-signing.nk", &operator_signing),
        seed("SYS.nk", &system),
        seed("APP.nk", &app),
        seed("APP-signing.nk", &app_signing),
        seed("user.nk", &user),
        public("server.conf", server_conf),
    ])
}

fn write_all(dir: &Path, outputs: &[Output]) -> Result<(), Failure> {
    let existing: Vec<&str> = outputs
        .iter()
        .filter(|o| dir.join(o.name).exists())
        .map(|o| o.name)
        .collect();
    if !existing.is_empty() {
        return Err(Failure::cant_create(format!(
            "refusing to overwrite {} in {}",
            existing.join(", "),
            dir.display()
        )));
    }
    for output in outputs {
        let path = dir.join(output.name);
        let written = if output.secret {
            write_secret_file(&path, output.contents.expose())
        } else {
            std::fs::write(&path, output.contents.expose())
        };
        written
            .map_err(|e| Failure::cant_create(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

fn run() -> Result<u8, Failure> {
    let args = Args::parse(&["port"], &[], USAGE, EXIT_CODES)?;
    let [dir] = args.positional.as_slice() else {
        return Err(Failure::usage(format!("usage: {USAGE}")));
    };
    let port = args
        .value("port")
        .map(parse_port)
        .transpose()?
        .unwrap_or(4222);
    let dir = PathBuf::from(dir);
    refuse_inside_repository(&dir, "../nats-setup")?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::cant_create(format!("cannot create {}: {e}", dir.display())))?;
    let outputs = build(port)?;
    write_all(&dir, &outputs)?;
    println!("wrote to {}:", dir.display());
    for output in &outputs {
        let note = if output.secret {
            "  (secret, mode 0600)"
        } else {
            ""
        };
        println!("  {}{note}", output.name);
    }
    let conf = dir.join("server.conf");
    let creds = dir.join("user.creds");
    println!();
    println!("start the server:");
    println!("  nats-server -c {}", conf.display());
    println!("then connect with the user's creds, for example:");
    println!(
        "  nats --server nats://127.0.0.1:{port} --creds {} pub hello world",
        creds.display()
    );
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("quickstart", run)
}

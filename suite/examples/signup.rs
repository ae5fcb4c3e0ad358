//! A multi-tenant signup flow against a running server with a full account resolver.
//!
//! ```text
//! cargo run --example signup -- init <dir> [--port 4222]   # operator, SYS, sys user, server.conf
//! nats-server -c <dir>/server.conf                         # in another terminal
//! cargo run --example signup -- run <dir>                  # tenant acme, users alice and bob
//! ```
//!
//! `init` refuses to overwrite its files, and to write into the repository it was built
//! from (seeds do not belong there): choose a directory outside it, such as `../signup`.
//!
//! `run` creates the tenant `acme` (an account with JetStream limits per replica tier,
//! `R1` and `R3`), pushes it to the server, issues `alice` (full access to `acme.>`, by
//! the tenant's signing key) and `bob` (read-only, by a scoped signing key), writes their
//! creds into `<dir>`, then revokes `bob` by pushing an updated account.
//!
//! Exit codes:
//! - `0`: done;
//! - `1`: the setup could not be made, the server cannot be reached or refused a push;
//! - `64`: bad arguments, a `--port` outside 1-65535, or (`init`) a directory inside the
//!   repository;
//! - `65`: (`run`) a file `init` wrote is not what it should be;
//! - `66`: (`run`) a file `init` wrote cannot be read;
//! - `73`: a file exists already (`init`) or cannot be written.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{main_with, parse_port, refuse_inside_repository, seed_file_text, Args, Failure};
use natsjwt::creds::write_secret_file;
use natsjwt::provision::{ManagedAccount, Provisioner, SigningKeyUsage, UserSigner};
use natsjwt::resolver::client::push_account;
use natsjwt::types::JetStreamLimits;
use natsjwt::KeyPair;

const USAGE: &str = "signup init <dir> [--port N] | signup run <dir> [--server URL]";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "done"),
    (
        1,
        "the setup could not be made, the server cannot be reached or refused a push",
    ),
    (
        64,
        "bad arguments, a --port outside 1-65535, or (init) a directory inside the repository",
    ),
    (65, "(run) a file init wrote is not what it should be"),
    (66, "(run) a file init wrote cannot be read"),
    (73, "a file exists already (init) or cannot be written"),
];

/// A failure with exit code 1.
fn fail<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| Failure::other(format!("{what}: {e}"))
}

/// A failure with exit code 65: a file `init` wrote is not what it should be.
fn bad<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| Failure::data(format!("{what}: {e}"))
}

fn write_new(path: &Path, contents: &str, secret: bool) -> Result<(), Failure> {
    if path.exists() {
        return Err(Failure::cant_create(format!(
            "refusing to overwrite {}",
            path.display()
        )));
    }
    let written = if secret {
        write_secret_file(path, contents)
    } else {
        std::fs::write(path, contents)
    };
    written.map_err(|e| Failure::cant_create(format!("cannot write {}: {e}", path.display())))
}

/// `init`: the operator side, done once.
fn init(dir: &Path, port: u16) -> Result<(), Failure> {
    refuse_inside_repository(dir, "../signup")?;
    std::fs::create_dir_all(dir.join("jwt")).map_err(|e| {
        Failure::cant_create(format!("cannot create {}: {e}", dir.join("jwt").display()))
    })?;
    let setup = Provisioner::bootstrap("signup-operator", SigningKeyUsage::Required)
        .map_err(fail("bootstrap"))?;
    let jwt_dir = dir.join("jwt");
    let mut config = setup.full_config(&jwt_dir.to_string_lossy(), &[]);
    config.listen = format!("127.0.0.1:{port}");
    write_new(
        &dir.join("operator.jwt"),
        &format!("{}\n", setup.jwt),
        false,
    )?;
    write_new(
        &dir.join("operator.nk"),
        seed_file_text(&setup.operator_key).expose(),
        true,
    )?;
    write_new(
        &dir.join("operator-signing.nk"),
        seed_file_text(&setup.signing_key).expose(),
        true,
    )?;
    let sys_creds = setup.system_user.creds().map_err(fail("sys creds"))?;
    write_new(&dir.join("sys.creds"), sys_creds.expose(), true)?;
    write_new(&dir.join("server.conf"), &config.render(), false)?;
    println!("wrote the operator setup to {}", dir.display());
    println!(
        "start the server:  nats-server -c {}",
        dir.join("server.conf").display()
    );
    println!(
        "then:              cargo run --example signup -- run {} --server nats://127.0.0.1:{port}",
        dir.display()
    );
    Ok(())
}

fn read(dir: &Path, name: &str) -> Result<String, Failure> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|e| {
        Failure::no_input(format!(
            "cannot read {} (run `signup init` first): {e}",
            path.display()
        ))
    })
}

/// Pushes the tenant's current JWT and reports the server's answer.
async fn push(client: &async_nats::Client, tenant: &ManagedAccount) -> Result<(), Failure> {
    let reply = push_account(client, tenant.jwt(), Duration::from_secs(5))
        .await
        .map_err(fail("push"))?;
    println!(
        "pushed {}: {} ({})",
        tenant.claims.name, reply.message, reply.server
    );
    Ok(())
}

/// `run`: the signup service's side, per tenant and per person.
async fn run(dir: &Path, server: &str) -> Result<(), Failure> {
    let operator_jwt = read(dir, "operator.jwt")?;
    let signing_key = KeyPair::from_seed(&read(dir, "operator-signing.nk")?)
        .map_err(bad("operator-signing.nk"))?;
    let provisioner =
        Provisioner::new(operator_jwt.trim(), signing_key).map_err(bad("operator.jwt"))?;
    let client = async_nats::ConnectOptions::with_credentials(&read(dir, "sys.creds")?)
        .map_err(bad("sys.creds"))?
        .connect(server)
        .await
        .map_err(fail(&format!("cannot connect to {server}")))?;

    // The tenant: JetStream per replica tier (R1 for scratch data, R3 for what must
    // survive a server failure).
    let mut tenant = provisioner
        .create_account("acme", |account| {
            let limits = &mut account.nats.limits;
            let tier = |disk: i64, streams: i64| JetStreamLimits {
                mem_storage: 64 << 20,
                disk_storage: disk,
                streams,
                consumer: 100,
                max_bytes_required: true,
                ..Default::default()
            };
            limits.tiered_limits.insert("R1".into(), tier(1 << 30, 10));
            limits.tiered_limits.insert("R3".into(), tier(10 << 30, 5));
        })
        .map_err(fail("tenant"))?;
    let reader_key = tenant
        .add_scoped_signing_key("reader", |read_only| {
            read_only.permissions.subscribe.allow = vec!["acme.>".into(), "_INBOX.>".into()];
            read_only.permissions.publish.deny = vec![">".into()];
        })
        .map_err(fail("scoped key"))?;
    provisioner
        .sign_account(&mut tenant)
        .map_err(fail("tenant"))?;
    push(&client, &tenant).await?;

    let writer_key = tenant
        .signing_keys()
        .first()
        .ok_or_else(|| Failure::other("the tenant has no signing key"))?;
    let alice = provisioner
        .create_user(
            &tenant,
            "alice",
            UserSigner::SigningKey(writer_key),
            |user| {
                user.nats.permissions.publish.allow = vec!["acme.>".into(), "_INBOX.>".into()];
                user.nats.permissions.subscribe.allow = vec!["acme.>".into(), "_INBOX.>".into()];
            },
        )
        .map_err(fail("alice"))?;
    let reader_key = tenant
        .signing_key(&reader_key)
        .ok_or_else(|| Failure::other("the tenant has no scoped signing key"))?;
    let bob = provisioner
        .create_user(&tenant, "bob", UserSigner::SigningKey(reader_key), |_| {})
        .map_err(fail("bob"))?;
    for (name, user) in [("alice", &alice), ("bob", &bob)] {
        let creds = user.creds().map_err(fail(name))?;
        let path = dir.join(format!("{name}.creds"));
        let _ = std::fs::remove_file(&path);
        write_new(&path, creds.expose(), true)?;
        println!("{name}: {}", path.display());
        print!("{}", creds.expose());
    }

    // Bob leaves: revoke his JWT and push the updated account.
    tenant.revoke_user(bob.key.public_key().as_str(), bob.claims.issued_at);
    provisioner
        .sign_account(&mut tenant)
        .map_err(fail("tenant"))?;
    push(&client, &tenant).await?;
    println!("revoked bob ({})", bob.key.public_key());
    Ok(())
}

fn main_body() -> Result<u8, Failure> {
    let args = Args::parse(&["port", "server"], &[], USAGE, EXIT_CODES)?;
    let (command, dir) = match args.positional.as_slice() {
        [command, dir] => (command.as_str(), PathBuf::from(dir)),
        _ => return Err(Failure::usage(format!("usage: {USAGE}"))),
    };
    match command {
        "init" => {
            if args.value("server").is_some() {
                return Err(Failure::usage(format!(
                    "--server is for run; usage: {USAGE}"
                )));
            }
            let port = args
                .value("port")
                .map(parse_port)
                .transpose()?
                .unwrap_or(4222);
            init(&dir, port)?;
        }
        "run" => {
            if args.value("port").is_some() {
                return Err(Failure::usage(format!(
                    "--port is for init (run takes --server URL); usage: {USAGE}"
                )));
            }
            let server = args
                .value("server")
                .unwrap_or("nats://127.0.0.1:4222")
                .to_owned();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(fail("runtime"))?;
            runtime.block_on(run(&dir, &server))?;
        }
        other => {
            return Err(Failure::usage(format!(
                "unknown command {other:?}; usage: {USAGE}"
            )))
        }
    }
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("signup", main_body)
}

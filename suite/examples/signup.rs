//! A multi-tenant signup flow against a running server with a full account resolver.
//!
//! ```text
//! cargo run --example signup -- init <dir> [--port 4222]   # operator, SYS, sys user, server.conf
//! nats-server -c <dir>/server.conf                         # in another terminal
//! cargo run --example signup -- run <dir>                  # tenant acme, users alice and bob
//! ```
//!
//! `run` creates the tenant `acme` (an account with JetStream limits per replica tier,
//! `R1` and `R3`), pushes it to the server, issues `alice` (full access to `acme.>`, by
//! the tenant's signing key) and `bob` (read-only, by a scoped signing key), writes their
//! creds into `<dir>`, then revokes `bob` by pushing an updated account.

#[path = "../../examples/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{main_with, seed_file_text, Args, Failure};
use natsjwt::creds::write_secret_file;
use natsjwt::provision::{ManagedAccount, Provisioner, SigningKeyUsage, UserSigner};
use natsjwt::resolver::client::push_account;
use natsjwt::types::JetStreamLimits;
use natsjwt::KeyPair;

const USAGE: &str = "signup init <dir> [--port N] | signup run <dir> [--server URL]";

fn fail<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| Failure::input(format!("{what}: {e}"))
}

fn write_new(path: &Path, contents: &str, secret: bool) -> Result<(), Failure> {
    if path.exists() {
        return Err(Failure::input(format!(
            "refusing to overwrite {}",
            path.display()
        )));
    }
    let written = if secret {
        write_secret_file(path, contents)
    } else {
        std::fs::write(path, contents)
    };
    written.map_err(fail(&format!("cannot write {}", path.display())))
}

/// `init`: the operator side, done once.
fn init(dir: &Path, port: u16) -> Result<(), Failure> {
    std::fs::create_dir_all(dir.join("jwt")).map_err(fail("cannot create the directory"))?;
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
    std::fs::read_to_string(dir.join(name)).map_err(fail(&format!(
        "cannot read {} (run `signup init` first)",
        name
    )))
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
        .map_err(fail("operator signing key"))?;
    let provisioner =
        Provisioner::new(operator_jwt.trim(), signing_key).map_err(fail("provisioner"))?;
    let client = async_nats::ConnectOptions::with_credentials(&read(dir, "sys.creds")?)
        .map_err(fail("sys creds"))?
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
        .ok_or_else(|| Failure::input("the tenant has no signing key"))?;
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
        .ok_or_else(|| Failure::input("the tenant has no scoped signing key"))?;
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
    let args = Args::parse(&["port", "server"], &[], USAGE)?;
    let (command, dir) = match args.positional.as_slice() {
        [command, dir] => (command.as_str(), PathBuf::from(dir)),
        _ => return Err(Failure::usage(format!("usage: {USAGE}"))),
    };
    match command {
        "init" => {
            let port = match args.value("port") {
                Some(p) => p
                    .parse()
                    .map_err(|_| Failure::usage(format!("--port {p:?} is not a port")))?,
                None => 4222,
            };
            init(&dir, port)?;
        }
        "run" => {
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

//! A restartable multi-tenant signup service over a store in `nsc`'s layout, against a
//! running server with a full account resolver.
//!
//! ```text
//! cargo run -p natsjwt-suite --example signup -- init <dir> [--port 4222]      # operator, SYS, sys user, store, server.conf
//! nats-server -c <dir>/server.conf                            # in another terminal
//! cargo run -p natsjwt-suite --example signup -- tenant <dir> acme             # create (or reuse) and push a tenant
//! cargo run -p natsjwt-suite --example signup -- user <dir> acme alice --jetstream
//! cargo run -p natsjwt-suite --example signup -- user <dir> acme bob --read-only
//! cargo run -p natsjwt-suite --example signup -- revoke <dir> acme bob
//! cargo run -p natsjwt-suite --example signup -- run <dir>                     # all of the above, as a demo
//! cargo run -p natsjwt-suite --example signup -- delete <dir> acme [--allow-missing] [--remove-streams | --keep-streams]
//! cargo run -p natsjwt-suite --example signup -- reconcile <dir>               # one repair pass
//! cargo run -p natsjwt-suite --example signup -- watch <dir>                   # repair whenever a server joins
//! cargo run -p natsjwt-suite --example signup -- prune <dir> [--dry-run] [--allow-missing]
//! ```
//!
//! Every step takes `--store dir` (the default: the directory store) or `--store
//! kv://<bucket>` (a JetStream KV bucket, which several `signup` processes share at once,
//! on one tenant too). `init <dir> --store kv://<bucket> [--replicas N]` sets up a KV
//! store; the later steps may leave `--store` out (they use the store `<dir>/store`
//! names, or the directory store when there is no such file) and refuse another one.
//!
//! On a cluster: `init <dir> --cluster 3 [--port <first client port>] [--resolver-interval
//! <duration>]` writes `n1.conf` … `n3.conf` (consecutive client, route and monitoring
//! ports: 4222-4224, 4225-4227, 4228-4230 by default), each node with its resolver and
//! JetStream directories under `<dir>/n<k>`; start all three. Every push and delete then
//! needs all of them: the steps print `confirmed by 3/3 servers` and fail when fewer
//! confirmed.
//!
//! Every step is its own process: the state lives in the store. The directory store is
//! `<dir>/keys`, nsc's keys directory, and `<dir>/stores`, its stores directory (`nsc`
//! reads both with `NKEYS_PATH=<dir>/keys` and `nsc env -s <dir>/stores`); one step at a
//! time opens it (the others fail, exit code 1). A step stores each seed before the JWT
//! that depends on it, and the JWT before it pushes it, so a step cut short by a crash is
//! either done or not done, and running it again finishes it. Nothing printed holds a
//! seed: `user` prints the path of the creds file it wrote (mode 0600).
//!
//! A KV store holds everything the directory store would, its seeds and creds sealed to
//! the curve key in `<dir>/seal.xk`; `<dir>` keeps only how to reach it. `init` cannot
//! create the bucket (the servers it writes the config of are not running yet), so it
//! works in two phases: it writes the operator, `SYS` and a `SERVICE` account with its
//! user `service` (JetStream in the bucket's replica tier and in R1 with memory, which
//! listing the bucket's keys needs), preloaded in the servers' config, into a directory
//! store in `<dir>/pending` (0700), and writes `<dir>/store` (`kv://<bucket>
//! replicas=<n>`), `<dir>/service.creds` and `<dir>/seal.xk` (both 0600). The first step
//! after the servers are up creates the bucket (`--replicas`: by default 3 on a cluster
//! of 3 or more, else the number of nodes), copies `<dir>/pending` into it and removes
//! it; steps that start at the same time wait for it. A KV store's user creds files are
//! written to `<dir>/creds/<tenant>/<user>.creds` (0600). Changes to a tenant are
//! compare-and-sets on its entry, re-applied on top of another process's change (`<tenant>
//! was changed by another process meanwhile: applied N times`), then pushed as the store
//! holds them: processes at the same time lose no revocation. A new tenant is the first
//! one stored under its name.
//!
//! - `tenant` creates the account with JetStream per replica tier (`R1`: 1 GiB disk and
//!   10 streams; `R3`: 10 GiB and 5 streams), a signing key and a scoped `reader` signing
//!   key; for an existing tenant it pushes what the store holds.
//! - `user` issues a user of the tenant (`<tenant>.>` to publish and subscribe) signed by
//!   the tenant's signing key, or with `--read-only` by the `reader` key (subscribe only);
//!   `--jetstream` adds JetStream's subjects; `--expires <seconds>` sets an expiry. An
//!   existing user is left as it is.
//! - `revoke` revokes the user's tokens issued until now and pushes the tenant.
//! - `run` is the demo: tenant `acme`, `alice` with JetStream, `bob` read-only, then bob
//!   revoked; running it again changes nothing.
//! - `delete` deletes a tenant on every server; while an expected server is down it
//!   refuses, unless `--allow-missing`: then it deletes where it can, and the tombstone it
//!   leaves in the store lets `reconcile` or `watch` delete it on the others. The servers
//!   keep a deleted account's JetStream streams on disk: first, as a short-lived user of
//!   the tenant (publish `$JS.API.>`, subscribe `_INBOX.>`), it lists them, and refuses
//!   when there are some, unless `--remove-streams` (it deletes them first, KV buckets and
//!   object stores included) or `--keep-streams` (it leaves them, and does not look).
//! - `prune` deletes from every server the accounts they hold and the store does not
//!   know (as `nsc push --prune` does; the system account is never pruned), printing
//!   each with the servers holding it; `--dry-run` only prints them (`nsc push --diff`).
//!   It refuses while an expected server is down, unless `--allow-missing`; a tombstone
//!   for each pruned account lets `reconcile` or `watch` delete it again where it stayed.
//! - `reconcile` compares what every server holds with the store and re-pushes (or
//!   re-deletes) where a server is behind; `watch` does so whenever a server joins (a
//!   restarted one comes back with the old state) until interrupted.
//!
//! Every step after `init` connects to the servers `init` wrote in `<dir>/server.url`
//! (and expects those named in `<dir>/servers`, or whoever answers), or to `--server
//! URL`. `init` refuses to overwrite its files and to write into the
//! repository it was built from (seeds do not belong there): choose a directory outside
//! it, such as `../signup`.
//!
//! Exit codes:
//! - `0`: done;
//! - `1`: the server cannot be reached or refused a push, or the store is in use (the
//!   first step after a KV `init` tries to create the bucket for 30 s first);
//! - `64`: bad arguments, a `--port` outside 1-65535, a `--store` other than the one
//!   `init` set up, (`init`) a directory inside the repository, or (`delete`) a tenant
//!   with streams and neither `--remove-streams` nor `--keep-streams`;
//! - `65`: the store is not what it should be, or has no such tenant or user;
//! - `66`: there is no store (run `init` first);
//! - `73`: a file exists already (`init`) or cannot be written.

#[path = "../../../examples/common/mod.rs"]
mod common;
mod init;
mod service;
mod store;

use std::path::PathBuf;

use common::{Args, Failure, fail, main_with, parse_port};
use init::{InitOptions, init, parse_duration};
use natsjwt::provision::ProvisionError;
use natsjwt::store::StoreError;
use service::{Service, UserOptions, WhenStreams, run};
use store::{KvSetup, StoreKind};

const USAGE: &str = "signup init <dir> [--port N] [--cluster N] [--resolver-interval DURATION] [--store kv://BUCKET [--replicas N]] | signup tenant <dir> <tenant> | signup user <dir> <tenant> <user> [--read-only] [--jetstream] [--expires SECONDS] | signup revoke <dir> <tenant> <user> | signup delete <dir> <tenant> [--allow-missing] [--remove-streams | --keep-streams] | signup reconcile <dir> | signup watch <dir> | signup prune <dir> [--dry-run] [--allow-missing] | signup run <dir>  (every step: [--store dir|kv://BUCKET]; after init: [--server URL])";
const EXIT_CODES: &[(u8, &str)] = &[
    (0, "done"),
    (
        1,
        "the server cannot be reached or refused a push, or the store is in use",
    ),
    (
        64,
        "bad arguments, a --port outside 1-65535, a --store other than the one init set up, (init) a directory inside the repository, or (delete) a tenant with streams and neither --remove-streams nor --keep-streams",
    ),
    (
        65,
        "the store is not what it should be, or has no such tenant or user",
    ),
    (66, "there is no store (run init first)"),
    (73, "a file exists already (init) or cannot be written"),
];

/// The operator's name, and so the store's.
const OPERATOR: &str = "signup";

/// The exit code a store error deserves.
fn store_failure(error: StoreError) -> Failure {
    match error {
        StoreError::NotFound { .. } => {
            Failure::no_input(format!("{error} (run `signup init` first)"))
        }
        StoreError::Locked { .. } | StoreError::Kv { .. } => Failure::other(error.to_string()),
        StoreError::Io { .. } => Failure::cant_create(error.to_string()),
        _ => Failure::data(error.to_string()),
    }
}

/// The exit code a provisioning error deserves.
fn provision_failure(what: &str) -> impl Fn(ProvisionError) -> Failure + '_ {
    move |error| match error {
        ProvisionError::Store(error) => store_failure(error),
        other => Failure::data(format!("{what}: {other}")),
    }
}

fn main_body() -> Result<u8, Failure> {
    let args = Args::parse(
        &[
            "port",
            "server",
            "expires",
            "cluster",
            "resolver-interval",
            "store",
            "replicas",
        ],
        &[
            "read-only",
            "jetstream",
            "allow-missing",
            "dry-run",
            "remove-streams",
            "keep-streams",
        ],
        USAGE,
        EXIT_CODES,
    )?;
    let usage = || Failure::usage(format!("usage: {USAGE}"));
    let (command, rest) = args.positional.split_first().ok_or_else(usage)?;
    let dir = PathBuf::from(rest.first().ok_or_else(usage)?);
    let rest = rest.get(1..).unwrap_or_default();
    let only_for = |flag: &str, command: &str| {
        Failure::usage(format!("--{flag} is for {command}; usage: {USAGE}"))
    };
    let store = args.value("store").map(StoreKind::parse).transpose()?;
    let kv_init = command == "init" && matches!(store, Some(StoreKind::Kv(_)));
    if !kv_init && args.value("replicas").is_some() {
        return Err(only_for("replicas", "init --store kv://<bucket>"));
    }
    if command != "init" && args.value("port").is_some() {
        return Err(only_for("port", "init (the other steps take --server URL)"));
    }
    for flag in ["cluster", "resolver-interval"] {
        if command != "init" && args.value(flag).is_some() {
            return Err(only_for(flag, "init"));
        }
    }
    if !matches!(command.as_str(), "delete" | "prune") && args.switch("allow-missing") {
        return Err(only_for("allow-missing", "delete and prune"));
    }
    if command != "prune" && args.switch("dry-run") {
        return Err(only_for("dry-run", "prune"));
    }
    for flag in ["remove-streams", "keep-streams"] {
        if command != "delete" && args.switch(flag) {
            return Err(only_for(flag, "delete"));
        }
    }
    let streams = match (args.switch("remove-streams"), args.switch("keep-streams")) {
        (true, true) => {
            return Err(Failure::usage(
                "--remove-streams and --keep-streams exclude each other: choose one",
            ));
        }
        (true, false) => WhenStreams::Remove,
        (false, true) => WhenStreams::Keep,
        (false, false) => WhenStreams::Refuse,
    };
    if command != "user" {
        for flag in ["read-only", "jetstream"] {
            if args.switch(flag) {
                return Err(only_for(flag, "user"));
            }
        }
        if args.value("expires").is_some() {
            return Err(only_for("expires", "user"));
        }
    }
    if command == "init" {
        if args.value("server").is_some() {
            return Err(only_for("server", "the steps after init"));
        }
        if !rest.is_empty() {
            return Err(usage());
        }
        let cluster = args
            .value("cluster")
            .map(|text| match text.parse::<usize>() {
                Ok(n) if (1..=32).contains(&n) => Ok(n),
                _ => Err(Failure::usage(format!(
                    "--cluster {text:?} is not a number of nodes from 1 to 32"
                ))),
            })
            .transpose()?;
        let kv = match store {
            Some(StoreKind::Kv(bucket)) => {
                let nodes = cluster.unwrap_or(1);
                let replicas = match args.value("replicas") {
                    None => nodes.min(3),
                    Some(text) => match text.parse::<usize>() {
                        Ok(n) if (1..=5).contains(&n) && n <= nodes => n,
                        _ => {
                            return Err(Failure::usage(format!(
                                "--replicas {text:?} is not a number from 1 to 5 and at most the {nodes} nodes init sets up"
                            )));
                        }
                    },
                };
                Some(KvSetup { bucket, replicas })
            }
            _ => None,
        };
        let options = InitOptions {
            port: args
                .value("port")
                .map(parse_port)
                .transpose()?
                .unwrap_or(4222),
            cluster,
            resolver_interval: args
                .value("resolver-interval")
                .map(parse_duration)
                .transpose()?,
            kv,
        };
        init(&dir, &options)?;
        return Ok(0);
    }
    let options = UserOptions {
        read_only: args.switch("read-only"),
        jetstream: args.switch("jetstream"),
        expires: args
            .value("expires")
            .map(|text| match text.parse::<i64>() {
                Ok(seconds) if seconds > 0 => Ok(seconds),
                _ => Err(Failure::usage(format!(
                    "--expires {text:?} is not a positive number of seconds"
                ))),
            })
            .transpose()?,
    };
    if options.read_only && options.jetstream {
        return Err(Failure::usage(
            "--read-only users get the reader scope, which has no JetStream: choose one",
        ));
    }
    let arity = match command.as_str() {
        "run" | "reconcile" | "watch" | "prune" => 0,
        "tenant" | "delete" => 1,
        "user" | "revoke" => 2,
        other => {
            return Err(Failure::usage(format!(
                "unknown command {other:?}; usage: {USAGE}"
            )));
        }
    };
    if rest.len() != arity {
        return Err(usage());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(fail("runtime"))?;
    runtime.block_on(async {
        let service = Service::open(&dir, args.value("server"), store.as_ref()).await?;
        match (command.as_str(), rest) {
            ("tenant", [tenant]) => service.tenant(tenant).await,
            ("delete", [tenant]) => {
                service
                    .delete(tenant, args.switch("allow-missing"), streams)
                    .await
            }
            ("prune", []) => {
                service
                    .prune(args.switch("dry-run"), args.switch("allow-missing"))
                    .await
            }
            ("reconcile", []) => service.reconcile().await,
            ("watch", []) => service.watch().await,
            ("user", [tenant, user]) => service.user(tenant, user, &options).await,
            ("revoke", [tenant, user]) => service.revoke(tenant, user).await,
            _ => run(&service).await,
        }
    })?;
    Ok(0)
}

fn main() -> std::process::ExitCode {
    main_with("signup", main_body)
}

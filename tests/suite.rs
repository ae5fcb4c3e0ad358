//! `cargo test` runs the crate's test suite through this test: the `natsjwt-suite`
//! workspace member (the tests against real nats-servers, Go and jwt.js, the async
//! examples, the fuzz corpus). The suite is not a default member of the workspace, so
//! that its heavy dependencies (tokio, async-nats, criterion, proptest) are not built for
//! `cargo run --example quickstart`; running it from here keeps `cargo test` the whole
//! suite. Arguments after `--` (a test name filter, `--nocapture`…) are passed on.
//!
//! `cargo test --workspace` would run the suite twice (directly and from here): use
//! `cargo test`. (`cargo test -p natsjwt-suite` alone does not build the crate's own
//! examples, which the suite's `cli` tests run: `cargo build --examples` first.)

use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// How many of the suite's tests run at once, unless `RUST_TEST_THREADS` or
/// `--test-threads` says otherwise. They mostly wait (for servers to start, clusters to
/// form, resolvers to sync) rather than compute: eight at a time take half the time that
/// two (cargo's default on a 2-core machine) do.
const TEST_THREADS: &str = "8";

fn main() -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let passed_on: Vec<OsString> = std::env::args_os().skip(1).collect();
    // The outer cargo holds no lock while tests run: this one builds into the same
    // target directory and reuses what the outer one built.
    let mut command = Command::new(&cargo);
    if std::env::var_os("RUST_TEST_THREADS").is_none() {
        command.env("RUST_TEST_THREADS", TEST_THREADS);
    }
    let status = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["test", "-p", "natsjwt-suite", "--"])
        .args(&passed_on)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("the natsjwt-suite tests failed ({status})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot run {}: {e}", cargo.to_string_lossy());
            ExitCode::FAILURE
        }
    }
}

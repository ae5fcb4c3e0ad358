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

fn main() -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let passed_on: Vec<OsString> = std::env::args_os().skip(1).collect();
    // The outer cargo holds no lock while tests run: this one builds into the same
    // target directory and reuses what the outer one built.
    let status = Command::new(&cargo)
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

//! The real peers some tests need (nats-server 2.9 and 2.14, Go with `nats-io/jwt`): a
//! missing one is reported once per run, on a line the test harness does not capture, or
//! fails the test when `NATSJWT_REQUIRE_PEERS=1`.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::Mutex;

/// Whether a missing peer fails the test instead of being skipped.
pub fn required() -> bool {
    std::env::var("NATSJWT_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// Reports that `peer` is missing (`why`, and how to install it): a panic under
/// `NATSJWT_REQUIRE_PEERS=1`, else one `SKIP` line for the whole run, written straight to
/// the standard error handle so that a plain `cargo test` shows it.
pub fn missing(peer: &str, why: &str) {
    assert!(
        !required(),
        "NATSJWT_REQUIRE_PEERS=1 but {peer} is missing: {why}"
    );
    static REPORTED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let first = REPORTED
        .lock()
        .map(|mut reported| reported.insert(peer.to_owned()))
        .unwrap_or(true);
    if first {
        let line = format!(
            "SKIP: {peer} is missing, the tests that need it did not run: {why} \
             (NATSJWT_REQUIRE_PEERS=1 makes this a failure)\n"
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

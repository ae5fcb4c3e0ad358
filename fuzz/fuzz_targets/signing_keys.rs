//! Fuzz target `signing_keys`: see `harness::signing_keys` for what it checks.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::signing_keys(data));

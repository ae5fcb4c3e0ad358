//! Fuzz target `claims_json`: see `harness::claims_json` for what it checks.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::claims_json(data));

//! Fuzz target `decode_token`: see `harness::decode_token` for what it checks.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::decode_token(data));

//! Fuzz target `xkey_open`: see `harness::xkey_open` for what it checks.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::xkey_open(data));

//! Shared by the `server_*` test files: finding and running nats-server, building operator
//! worlds with this crate, and connecting to them with `async-nats`.
//!
//! Each test binary compiles this module on its own and uses only part of it, so unused
//! items are expected here and not dead code.
#![allow(dead_code)]

pub mod client;
pub mod nats_server;
pub mod world;

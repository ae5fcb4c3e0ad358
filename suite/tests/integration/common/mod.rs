//! The fixtures the test modules share: fixed keys and hand-built tokens, finding and
//! running nats-server, operator worlds made with this crate, and connecting to them with
//! `async-nats`.

pub mod callout;
pub mod client;
pub mod cluster;
pub mod nats_server;
pub mod peers;
pub mod tokens;
pub mod world;

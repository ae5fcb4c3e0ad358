//! The integration tests: one binary, a module per subject, the fixtures they share in
//! [`common`].
//!
//! - `vectors`: tokens Go v2.8.2 minted, byte for byte; `v1`: Go's v1 tokens migrated.
//! - `validation_rules`: every Go validation rule, by its exact message.
//! - `trust`, `provision`: the chain of trust and provisioning, by their exact outcomes.
//! - `store`: the directory store on a tree laid out as nsc lays it out (`tests/data/nsc`).
//! - `hostile`, `properties`, `secrets`: hostile input, properties over generated input,
//!   secret hygiene (wiping observed in a child process).
//! - `go_interop`: a live cross-check with Go's `nats-io/jwt` (needs Go).
//! - `server_*`: real `nats-server`s (2.9 and 2.14) accepting and refusing what they should.
//! - `cli`: the example binaries. `fuzz_corpus`: the fuzz corpus replayed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]

mod common;

mod cli;
mod fuzz_corpus;
mod go_interop;
mod hostile;
mod latin1;
mod properties;
mod provision;
mod secrets;
mod server_accounts;
mod server_auth;
mod server_auth_callout;
mod server_callout_cluster;
mod server_callout_service;
mod server_cluster_jetstream;
mod server_cluster_kv;
mod server_cluster_provision;
mod server_cluster_streams;
mod server_config;
mod server_jetstream;
mod server_permissions;
mod server_provision;
mod server_resolver_cluster;
mod server_signup;
mod server_store_crash;
mod server_store_kv;
mod store;
mod trust;
mod v1;
mod validation_rules;
mod vectors;

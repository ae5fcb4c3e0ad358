//! natsjwt's test suite, a package of its own so that the crate's examples never build its
//! dependencies (async-nats, tokio, proptest): the integration tests in
//! `tests/integration/` and the examples that need a NATS client (`signup`,
//! `auth_callout`, `provision_loop`, `replica_loop`). It has no library code.

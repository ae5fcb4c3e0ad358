//! natsjwt's test suite, a package of its own so that the crate's examples never build its
//! dependencies (async-nats, tokio, proptest, criterion): the integration tests in
//! `tests/integration/`, the benchmarks in `benches/`, and the examples that need a NATS
//! client (`signup`, `auth_callout`) or the benchmark fixtures (`bench`). It has no library
//! code.

//! natsjwt's benchmarks, a package of their own so that neither the crate's examples nor
//! its test suite build criterion: the criterion benches in `benches/` (each operation
//! next to the bare Ed25519 signature or verification it rests on) and the `bench`
//! example, the whole-process timings that `scripts/{compare-go,op-costs,scale}.sh` run.
//! It has no library code.

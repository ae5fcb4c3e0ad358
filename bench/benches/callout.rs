//! One auth-callout authorization next to its crypto floor, both in one run:
//!
//! - `callout/authorize_sealed`: what a service does per client — open the sealed
//!   request, decode and verify it, refuse a replay, mint and check the user, sign the
//!   user JWT and the response, seal the response (`Responder::open` + `Responder::allow`);
//! - `callout/crypto_floor`: the bare operations it cannot avoid on the same bytes — one
//!   box open, one signature verification (server key kept, as the responder keeps it),
//!   two signatures, one box seal.
//!
//! Target: `authorize_sealed` ≤ 1.15 × `crypto_floor`. Each iteration gets a request of
//! its own, made outside the measurement, as a server makes one per connection.
//!
//! Run with `cargo bench -p natsjwt-bench --bench callout`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use common::CalloutFixture;

fn bench_callout(c: &mut Criterion) {
    let fixture = CalloutFixture::new(natsjwt::callout::DEFAULT_REPLAY_CAPACITY);
    let mut group = c.benchmark_group("callout");
    group.bench_function("authorize_sealed", |b| {
        b.iter_batched(
            || fixture.sealed_request(),
            |sealed| fixture.authorize(black_box(&sealed)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("crypto_floor", |b| {
        b.iter_batched(
            || fixture.sealed_request(),
            |sealed| fixture.floor(black_box(&sealed)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn config() -> Criterion {
    // A shared 2-core machine: more samples over a longer time steady the medians.
    Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = callout;
    config = config();
    targets = bench_callout
}
criterion_main!(callout);

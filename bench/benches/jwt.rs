//! Encode, decode + verify, validate and creds, each next to the bare Ed25519 operation
//! on a message of the same size, so the ratios (the issue's targets) come from one run:
//!
//! - `user/encode` ≤ 1.10 × `raw/sign_user_sized` (`…_kept_expansion`: the same signature
//!   without hashing the seed again, as the crate's `KeyPair` signs)
//! - `user/decode_verify` ≤ 1.10 × `raw/verify_user_sized`
//! - `account/validate` < 5% of `account/encode`
//!
//! Run with `cargo bench -p natsjwt-bench --bench jwt` (add `-- user/` etc. to filter).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign};
use ed25519_dalek::{Sha512, Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use natsjwt::clock::FixedClock;
use natsjwt::{AccountClaims, UserClaims, creds};

use common::{Fixtures, ISSUED_AT, signing_input_and_signature};

fn bench_user(c: &mut Criterion, f: &Fixtures) {
    let mut group = c.benchmark_group("user");
    let mut claims = f.user.clone();
    group.bench_function("encode", |b| {
        b.iter(|| {
            claims
                .encode_at(black_box(&f.keys.account), ISSUED_AT)
                .unwrap()
        })
    });
    group.bench_function("decode_verify", |b| {
        b.iter(|| UserClaims::decode(black_box(&f.user_token)).unwrap())
    });
    // A verifier that keeps the issuer's key (its point decompressed once), as `Trust` does.
    let issuer = f.keys.account.verifying_key();
    group.bench_function("decode_verify_known_issuer", |b| {
        b.iter(|| UserClaims::decode_with(black_box(&f.user_token), &issuer).unwrap())
    });
    let clock = FixedClock(ISSUED_AT);
    group.bench_function("validate", |b| {
        b.iter(|| black_box(&f.user).validate_with(&clock))
    });
    group.finish();
}

fn bench_account(c: &mut Criterion, f: &Fixtures) {
    let mut group = c.benchmark_group("account");
    let mut claims = f.account.clone();
    group.bench_function("encode", |b| {
        b.iter(|| {
            claims
                .encode_at(black_box(&f.keys.operator), ISSUED_AT)
                .unwrap()
        })
    });
    group.bench_function("decode_verify", |b| {
        b.iter(|| AccountClaims::decode(black_box(&f.account_token)).unwrap())
    });
    let clock = FixedClock(ISSUED_AT);
    group.bench_function("validate", |b| {
        b.iter(|| black_box(&f.account).validate_with(&clock))
    });
    group.finish();
}

fn bench_creds(c: &mut Criterion, f: &Fixtures) {
    let mut group = c.benchmark_group("creds");
    let seed = f.keys.user.seed();
    group.bench_function("format", |b| {
        b.iter(|| creds::format_user_creds(black_box(&f.user_token), seed.expose()).unwrap())
    });
    group.bench_function("parse", |b| {
        b.iter(|| creds::parse_user_creds(black_box(&f.user_creds)).unwrap())
    });
    group.finish();
}

/// The bare `ed25519-dalek` operations on the exact bytes the tokens sign: the floor
/// the encode and decode above are measured against.
fn bench_raw(c: &mut Criterion, f: &Fixtures) {
    let mut group = c.benchmark_group("raw");
    let account_key = SigningKey::from_bytes(&[2; 32]);
    let operator_key = SigningKey::from_bytes(&[1; 32]);
    for (name, token, key) in [
        ("user_sized", &f.user_token, &account_key),
        ("account_sized", &f.account_token, &operator_key),
    ] {
        let (message, signature) = signing_input_and_signature(token);
        let signature = Signature::from_bytes(&signature);
        let verifying: VerifyingKey = key.verifying_key();
        assert!(verifying.verify(message, &signature).is_ok());
        group.bench_function(format!("sign_{name}"), |b| {
            b.iter(|| key.sign(black_box(message)))
        });
        // The same signature with the seed's expansion made once, as `KeyPair` keeps it:
        // the floor for a key that signs many tokens.
        let expanded = ExpandedSecretKey::from(&key.to_bytes());
        group.bench_function(format!("sign_{name}_kept_expansion"), |b| {
            b.iter(|| raw_sign::<Sha512>(&expanded, black_box(message), &verifying))
        });
        group.bench_function(format!("verify_{name}"), |b| {
            b.iter(|| verifying.verify(black_box(message), &signature).unwrap())
        });
    }
    // What verifying costs when the key arrives as 32 bytes: the point decompression.
    let key_bytes = account_key.verifying_key().to_bytes();
    group.bench_function("decompress_key", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&key_bytes)).unwrap())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let fixtures = Fixtures::new();
    bench_raw(c, &fixtures);
    bench_user(c, &fixtures);
    bench_account(c, &fixtures);
    bench_creds(c, &fixtures);
}

fn config() -> Criterion {
    // A shared 2-core machine: more samples over a longer time steady the medians.
    Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = jwt;
    config = config();
    targets = benches
}
criterion_main!(jwt);

//! Replays every committed fuzz input (`fuzz/seeds/<target>/` and
//! `fuzz/regressions/<target>/`) through the same entry points the fuzz targets call
//! (`fuzz/harness.rs`), so `cargo test` re-checks the corpus and every past crash without
//! a fuzzer or a nightly toolchain.
#[path = "../../../fuzz/harness.rs"]
mod harness;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files in `dir`, sorted; none when the directory does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn subdirectories(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Runs `entry` on every file in `dir`; returns the names of the inputs that panicked.
fn replay(entry: fn(&[u8]), dir: &Path) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let files = inputs(dir);
    for path in &files {
        let data = std::fs::read(path).unwrap();
        if std::panic::catch_unwind(|| entry(&data)).is_err() {
            failures.push(path.display().to_string());
        }
    }
    (files.len(), failures)
}

#[test]
fn every_seed_and_regression_input_passes_its_target() {
    let root = fuzz_dir();
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, entry) in harness::TARGETS {
        let (seeds, mut failed) = replay(*entry, &root.join("seeds").join(name));
        assert!(seeds > 0, "fuzz target {name} has no committed seeds");
        let (regressions, failed_regressions) =
            replay(*entry, &root.join("regressions").join(name));
        failed.extend(failed_regressions);
        total += seeds + regressions;
        failures.extend(failed);
    }
    assert!(
        failures.is_empty(),
        "{} of {total} fuzz inputs failed (the panic messages are above):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_corpus_directory_belongs_to_a_target() {
    let root = fuzz_dir();
    let targets: BTreeSet<String> = harness::TARGETS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    for kind in ["seeds", "regressions"] {
        let dirs = subdirectories(&root.join(kind));
        let orphans: Vec<&String> = dirs.difference(&targets).collect();
        assert!(
            orphans.is_empty(),
            "fuzz/{kind} has directories no target replays: {orphans:?}"
        );
    }
    let binaries: BTreeSet<String> = inputs(&root.join("fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        binaries, targets,
        "fuzz/fuzz_targets/*.rs and harness::TARGETS name different targets"
    );
}

/// The replay itself must be able to fail: a planted wrong answer is caught.
#[test]
fn replay_reports_a_failing_input() {
    let dir = std::env::temp_dir().join(format!("natsjwt-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("boom"), b"x").unwrap();
    fn always_fails(_: &[u8]) {
        panic!("planted failure");
    }
    let (count, failed) = replay(always_fails, &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(count, 1);
    assert_eq!(failed.len(), 1);
}

#!/usr/bin/env bash
# Packages the crate as `cargo publish` would (cargo verifies that the archive builds),
# then, in the extracted archive, builds its examples and runs its unit tests and doctests
# — what a user of the published crate gets. Lists what the archive holds.
#
#   scripts/check-package.sh      (uses target/package; needs no network beyond the registry)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"

cargo package -p natsjwt --locked --allow-dirty
version=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "natsjwt"))')
archive="$target/package/natsjwt-$version.crate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work"
echo "check-package: $(tar -tzf "$archive" | wc -l) files in $(basename "$archive")"
# Nothing a command writes (seeds, creds, configs) may be in the archive.
if tar -tzf "$archive" | grep -E '\.(nk|creds|jwt|conf)$'; then
  echo "check-package: the archive holds files a command wrote" >&2
  exit 1
fi
cd "$work/natsjwt-$version"
# The extracted crate is its own workspace: it uses the lock file the archive carries.
CARGO_TARGET_DIR="$target/package-check" cargo test --locked
CARGO_TARGET_DIR="$target/package-check" cargo build --locked --examples --all-features

#!/usr/bin/env bash
# Instructions and heap allocations per operation, counted by valgrind (repeatable on a
# noisy machine, unlike timings). Each operation of `bench/examples/bench.rs only OP N` is run
# with N and with 0 iterations; the difference divided by N is the cost of one.
#
#   scripts/op-costs.sh [N] [OP...]      (default N=200, every operation)
#
# Prints one line per operation: op, instructions/op, allocations/op, bytes allocated/op.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v valgrind >/dev/null || { echo "op-costs.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
n="${1:-200}"
shift || true
ops=("$@")
if [ ${#ops[@]} -eq 0 ]; then
  ops=(encode_user decode_user decode_user_known_issuer validate_user raw_sign raw_verify encode_account decode_account
       validate_account format_creds parse_creds)
fi
cargo build -q --release -p natsjwt-bench --example bench
bin="$CARGO_TARGET_DIR/release/examples/bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Total instructions of one run (callgrind).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$bin" only "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# "blocks bytes" allocated in one run (dhat's totals).
allocations() {
  valgrind --tool=dhat --dhat-out-file="$work/dh" "$bin" only "$1" "$2" 2>&1 |
    sed -n 's/.*Total: *\([0-9,]*\) bytes in \([0-9,]*\) blocks.*/\2 \1/p' | tr -d ,
}

printf '%-26s %14s %10s %12s\n' op instructions allocs bytes
for op in "${ops[@]}"; do
  i0=$(instructions "$op" 0); i1=$(instructions "$op" "$n")
  read -r b0 y0 < <(allocations "$op" 0); read -r b1 y1 < <(allocations "$op" "$n")
  printf '%-26s %14d %10.1f %12.0f\n' "$op" $(((i1 - i0) / n)) \
    "$(echo "($b1 - $b0) / $n" | bc -l)" "$(echo "($y1 - $y0) / $n" | bc -l)"
done

#!/usr/bin/env bash
# Issues N users (default 100000) in one process, each a new key, typical claims, a JWT
# signed by one account and a creds file, and prints at ten points the users issued so
# far, the seconds taken and the peak RSS, with the rate over each step: time should
# grow linearly and memory stay flat.
#
#   scripts/scale.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
n="${1:-100000}"
cargo build -q --release -p natsjwt-bench --example bench
echo "machine: $(nproc --all) vCPU, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$CARGO_TARGET_DIR/release/examples/bench" scale "$n" |
  awk 'NR == 1 { printf "%10s %10s %14s %18s\n", "users", "seconds", "peak_rss_kib", "us_per_user_step"; next }
       { step = ($1 > prev_users) ? ($2 - prev_s) * 1e6 / ($1 - prev_users) : 0
         printf "%10d %10.3f %14d %18.1f\n", $1, $2, $3, step; prev_users = $1; prev_s = $2 }'

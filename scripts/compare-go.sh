#!/usr/bin/env bash
# Rust (bench/examples/bench.rs) against Go's nats-io/jwt v2 (scripts/go-bench/main.go), side
# by side in one run: encode and decode + verify of the same typical user, and the bare
# Ed25519 sign and verify of the same bytes on each side.
#
#   scripts/compare-go.sh [N] [ROUNDS]     (defaults: N=5000 operations, 3 rounds)
#
# The two programs run alternately ROUNDS times and each figure is the best (lowest) of
# its rounds, which steadies the numbers on a shared machine. Needs Go and Debian's
# golang-github-nats-io-jwt-dev (jwt 2.3.0; built in GOPATH mode, nothing downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
n="${1:-5000}"
rounds="${2:-3}"
gocode="${GOCODE:-/usr/share/gocode}"
command -v go >/dev/null || { echo "compare-go.sh: go is needed (apt-get install golang-go)" >&2; exit 1; }
[ -d "$gocode/src/github.com/nats-io/jwt/v2" ] ||
  { echo "compare-go.sh: $gocode has no nats-io/jwt/v2 (apt-get install golang-github-nats-io-jwt-dev)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gopath/src"
cp -r "$root/scripts/go-bench" "$work/gopath/src/go-bench"
(cd "$work/gopath/src/go-bench" &&
  GO111MODULE=off GOPATH="$work/gopath:$gocode" GOFLAGS= go build -o "$work/go-bench" .)
cargo build -q --release -p natsjwt-bench --example bench
rust_bin="$CARGO_TARGET_DIR/release/examples/bench"

for round in $(seq "$rounds"); do
  "$rust_bin" "$n" >"$work/rust.$round"
  "$work/go-bench" "$n" >"$work/go.$round"
done

# best NAME SIDE: the lowest value of NAME over the rounds of SIDE.
best() {
  cat "$work/$2".* | awk -v k="$1" '$1 == k && (m == "" || $2 < m) { m = $2 } END { print m }'
}

echo "machine: $(nproc --all) vCPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
jwt_version=$(zcat /usr/share/doc/golang-github-nats-io-jwt-dev/changelog.Debian.gz 2>/dev/null |
  sed -n '1s/.*(\([^)]*\)).*/\1/p')
echo "go: $(go version | cut -d' ' -f3), nats-io/jwt ${jwt_version:-unknown} (Debian)"
echo "N=$n per operation, best of $rounds alternating rounds"
printf '%-22s %12s %12s %10s\n' op rust_ns go_ns go/rust
for op in encode_user decode_user raw_sign raw_verify; do
  r=$(best "${op}_ns_per_op" rust); g=$(best "${op}_ns_per_op" go)
  printf '%-22s %12s %12s %10.2f\n' "$op" "$r" "$g" "$(echo "$g / $r" | bc -l)"
done
r_tok=$(best user_token_bytes rust); g_tok=$(best user_token_bytes go)
echo "user token bytes: rust $r_tok, go $g_tok"
[ "$r_tok" = "$g_tok" ] || echo "WARNING: the two sides' tokens differ in size: not the same work"

r_enc=$(best encode_user_ns_per_op rust); g_enc=$(best encode_user_ns_per_op go)
r_dec=$(best decode_user_ns_per_op rust); g_dec=$(best decode_user_ns_per_op go)
r_sign=$(best raw_sign_ns_per_op rust); r_ver=$(best raw_verify_ns_per_op rust)
r_known=$(best decode_user_known_issuer_ns_per_op rust)
printf 'rust encode / rust raw sign:   %.3f\n' "$(echo "$r_enc / $r_sign" | bc -l)"
printf 'rust decode / rust raw verify: %.3f (issuer key kept: %.3f)\n' \
  "$(echo "$r_dec / $r_ver" | bc -l)" "$(echo "$r_known / $r_ver" | bc -l)"
enc_x=$(echo "$g_enc / $r_enc" | bc -l); dec_x=$(echo "$g_dec / $r_dec" | bc -l)
verdict() { if [ "$(echo "$1 >= $2" | bc -l)" = 1 ]; then echo "met"; else echo "MISSED"; fi; }
printf 'encode throughput: %.2fx Go (goal 3x: %s)\n' "$enc_x" "$(verdict "$enc_x" 3)"
printf 'decode throughput: %.2fx Go (goal 1.5x: %s)\n' "$dec_x" "$(verdict "$dec_x" 1.5)"

#!/usr/bin/env bash
# Auth-callout responders side by side in one run: the crate's example
# (suite/examples/auth_callout.rs) against a minimal Go responder built from Debian's
# packages (scripts/callout-go/responder), both answering a config-mode nats-server 2.14
# on 127.0.0.1, driven by the same Go connection driver (scripts/callout-go/driver).
#
#   scripts/callout-perf.sh [--connections N] [--concurrency C] [--warmup W] [--rounds R] [--only-go]
#
# Defaults: N=2000 measured connections, C=16 at a time, W=200 warm-up connections (not
# measured), R=3 rounds; each round runs the Rust responder, then the Go one (--only-go:
# the Go responder in both slots, for checking the script itself). A responder is started
# alone (both would answer the same subject), waited for (`ready`), warmed up, and its CPU
# time (utime + stime from /proc/PID/stat) read before and after the measured run. One row
# per responder and round: authorizations answered, responder CPU µs per authorization,
# connects/s, p50 and p99 connect latency; then the medians over the rounds, the ratio
# Rust/Go of CPU per authorization, and whether Rust's p99 is no worse than Go's.
# After each measured run one connection with a wrong password must be refused.
#
# Exits non-zero when any connection failed (or a wrong password was let in). Not part of
# cargo test or CI. Needs Go with Debian's nats.go, jwt and nkeys sources
# (scripts/install-go-peer.sh --nats-go) and nats-server 2.14 (scripts/install-nats-servers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
gocode="${GOCODE:-/usr/share/gocode}"

usage() {
  sed -n 's/^#   \(scripts\/callout-perf.sh.*\)/usage: \1/p' "$0" >&2
  exit 64
}
connections=2000 concurrency=16 warmup=200 rounds=3 only_go=0
command_line="$0"
[ $# -eq 0 ] || command_line+="$(printf ' %q' "$@")"
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections="${2:-}"; shift 2 || usage ;;
    --concurrency) concurrency="${2:-}"; shift 2 || usage ;;
    --warmup) warmup="${2:-}"; shift 2 || usage ;;
    --rounds) rounds="${2:-}"; shift 2 || usage ;;
    --only-go) only_go=1; shift ;;
    -h|--help) usage ;;
    *) echo "callout-perf.sh: unknown argument $1" >&2; usage ;;
  esac
done
for v in "$connections" "$concurrency" "$rounds"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "callout-perf.sh: counts must be positive integers" >&2; usage; }
done
[[ "$warmup" =~ ^[0-9]+$ ]] || usage

say() { echo "callout-perf: $*" >&2; }
die() { say "error: $*"; exit 1; }

command -v go >/dev/null || die "go is needed (scripts/install-go-peer.sh --nats-go)"
for package in github.com/nats-io/nats.go github.com/nats-io/jwt/v2 github.com/nats-io/nkeys; do
  [ -d "$gocode/src/$package" ] || die "$gocode has no $package (scripts/install-go-peer.sh --nats-go)"
done
if [ -z "${NATS_SERVER_2_14:-}" ]; then
  eval "$(bash scripts/install-nats-servers.sh)"
fi
[ -x "${NATS_SERVER_2_14:-}" ] || die "no nats-server 2.14 (scripts/install-nats-servers.sh)"

echo "command: $command_line"
echo "machine: nproc $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: $("$NATS_SERVER_2_14" --version); go: $(go version | cut -d' ' -f3), nats.go, jwt, nkeys from $gocode"

# --- build -----------------------------------------------------------------------------
out="$CARGO_TARGET_DIR/callout-go"
mkdir -p "$out"
for program in responder driver; do
  GO111MODULE=off GOPATH="$gocode" GOCACHE="$out/cache" GOFLAGS='' \
    go build -o "$out/$program" "./scripts/callout-go/$program"
done
go_bin="$out/responder"
driver="$out/driver"
rust_bin="$CARGO_TARGET_DIR/release/examples/auth_callout"
if [ "$only_go" = 0 ]; then
  cargo build -q --release -p natsjwt-suite --example auth_callout
  help=$("$rust_bin" --help 2>&1 || true)
  for flag in --server --user --password --account --issuer-seed --users --config-account; do
    grep -q -- "$flag\b" <<<"$help" ||
      die "$rust_bin does not take $flag yet (see its --help); run with --only-go meanwhile"
  done
fi

# --- keys, config, server -------------------------------------------------------------------
dir="$(mktemp -d)"
chmod 700 "$dir"
server_pid='' responder_pid=''
stop() { # PID: TERM, then KILL after 5 s
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$responder_pid"
  stop "$server_pid"
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

random_password() { head -c 18 /dev/urandom | base64 | tr '+/' '-_'; }
auth_password=$(random_password)
user_password=$(random_password)
issuer=$("$go_bin" keys "$dir") # the seed goes to $dir/issuer.nk (0600); only the public key is printed
echo "issuer account: $issuer"
cat >"$dir/users.json" <<EOF
{"perf": {"password": "$user_password", "publish": ["perf.>"], "subscribe": ["perf.>", "_INBOX.>"]}}
EOF
# Port -1: the server picks a free one and logs it.
cat >"$dir/server.conf" <<EOF
listen: 127.0.0.1:-1
server_name: perf
accounts {
  AUTH { users: [ {user: auth, password: "$auth_password"} ] }
  APP {}
}
authorization {
  timeout: 2
  auth_callout {
    issuer: $issuer
    auth_users: [ auth ]
    account: AUTH
  }
}
EOF
"$NATS_SERVER_2_14" -c "$dir/server.conf" -l "$dir/server.log" &
server_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*Listening for client connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/server.log" 2>/dev/null | head -1 || true)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { cat "$dir/server.log" >&2 || true; die "the server did not start within 10 s"; }
url="nats://127.0.0.1:$port"
echo "server: $url (config mode; users land in account APP)"

# --- measurements ---------------------------------------------------------------------------
ticks=$(getconf CLK_TCK)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime + stime
decisions() { grep -c -E '^(allowed|refused) ' "$1" || true; }
field() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2"; }
drive() { timeout 300 "$driver" --url "$url" "$@"; }

failed=0
rows="$dir/rows"
: >"$rows"
printf '%-8s %5s %8s %14s %11s %8s %8s\n' responder round auths cpu_us/auth connects/s p50_ms p99_ms
measure() { # NAME ROUND BINARY
  local name="$1" round="$2" bin="$3" log="$dir/$1.$2.out"
  "$bin" --server "$url" --user auth --password "$auth_password" --account "$issuer" \
    --issuer-seed "@$dir/issuer.nk" --users "$dir/users.json" --config-account APP \
    >"$log" 2>"$log.err" &
  responder_pid=$!
  for _ in $(seq 100); do
    grep -q '^ready$' "$log" && break
    kill -0 "$responder_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^ready$' "$log" || { cat "$log.err" >&2; die "$name responder not ready within 10 s"; }
  if [ "$warmup" -gt 0 ]; then
    drive --user perf --password "$user_password" -n "$warmup" -c "$concurrency" >/dev/null ||
      { say "$name: warm-up connections failed"; failed=1; }
  fi
  local cpu0 n0 cpu1 n1 result status=0
  cpu0=$(cpu_ticks "$responder_pid"); n0=$(decisions "$log")
  result=$(drive --user perf --password "$user_password" -n "$connections" -c "$concurrency") || status=$?
  cpu1=$(cpu_ticks "$responder_pid"); n1=$(decisions "$log")
  [ -n "$result" ] || die "$name: the driver printed nothing (exit $status)"
  local fails auths cpu_us
  fails=$(field failures "$result")
  auths=$((n1 - n0))
  if [ "$status" != 0 ] || [ "$fails" != 0 ]; then
    say "$name round $round: $fails of $connections connections failed: $result"
    failed=1
  fi
  [ "$auths" = "$connections" ] || say "$name round $round: $auths decisions for $connections connections"
  cpu_us=$(awk -v d=$((cpu1 - cpu0)) -v t="$ticks" -v n="$auths" 'BEGIN { printf "%.1f", n ? d / t * 1e6 / n : 0 }')
  printf '%s %s %s %s %.0f %.2f %.2f\n' "$name" "$round" "$auths" "$cpu_us" \
    "$(field connects_per_s "$result")" "$(field p50_ms "$result")" "$(field p99_ms "$result")" >>"$rows"
  tail -n 1 "$rows" | awk '{ printf "%-8s %5s %8s %14s %11s %8s %8s\n", $1, $2, $3, $4, $5, $6, $7 }'
  # Outside the measured window: a wrong password is refused (answered with an error).
  drive --user perf --password "wrong-$user_password" -n 1 -c 1 --expect-fail >/dev/null ||
    { say "$name: a wrong password was not refused"; failed=1; }
  stop "$responder_pid"
  responder_pid=''
  if [ -s "$log.err" ]; then
    say "$name stderr (first lines):"; head -5 "$log.err" >&2
  fi
}

if [ "$only_go" = 1 ]; then
  first_name=go-a first_bin="$go_bin" second_name=go-b
else
  first_name=rust first_bin="$rust_bin" second_name=go
fi
for round in $(seq "$rounds"); do
  measure "$first_name" "$round" "$first_bin"
  measure "$second_name" "$round" "$go_bin"
done

# median NAME COLUMN: the median of a column (3 = auths ... 7 = p99) over NAME's rounds.
median() {
  awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$rows" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "median of $rounds round(s), $connections connections at concurrency $concurrency (warm-up $warmup):"
for name in "$first_name" "$second_name"; do
  printf '%-8s %5s %8s %14s %11s %8s %8s\n' "$name" med "$(median "$name" 3)" "$(median "$name" 4)" \
    "$(median "$name" 5)" "$(median "$name" 6)" "$(median "$name" 7)"
done
a_cpu=$(median "$first_name" 4) b_cpu=$(median "$second_name" 4)
a_p99=$(median "$first_name" 7) b_p99=$(median "$second_name" 7)
awk -v a="$a_cpu" -v b="$b_cpu" -v an="$first_name" -v bn="$second_name" \
  'BEGIN { printf "CPU per authorization, %s/%s: %.3f\n", an, bn, b ? a / b : 0 }'
awk -v a="$a_p99" -v b="$b_p99" -v an="$first_name" -v bn="$second_name" \
  'BEGIN { printf "p99 %s %.2f ms vs %s %.2f ms (ratio %.3f): %s\n", an, a, bn, b, b ? a / b : 0,
           (a <= b ? "no worse" : "worse") }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$failed" != 0 ]; then
  say "some connections failed"
  exit 1
fi

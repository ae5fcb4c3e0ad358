#!/usr/bin/env bash
# Fuzzes each named target (default: all) for SECONDS (default 600) in turn, on stable
# Rust: `-s none` because the default AddressSanitizer build needs nightly.
#   fuzz/run.sh [SECONDS] [TARGET...]
# The working corpus grows in fuzz/corpus/<target> (git-ignored); the committed seeds and
# regressions are read too. A crash stops its target and lands in fuzz/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
status=0
for target in "${targets[@]}"; do
  case $target in
    decode_token | creds | keys | subjects) dict=$target ;;
    *) dict=json ;;
  esac
  dirs=("fuzz/corpus/$target" "fuzz/seeds/$target")
  [ -d "fuzz/regressions/$target" ] && dirs+=("fuzz/regressions/$target")
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log="fuzz/artifacts/$target/last-run.log"
  echo "== $target for ${seconds}s (full log: $log)"
  if ! cargo fuzz run -s none "$target" "${dirs[@]}" -- \
    -max_total_time="$seconds" -use_value_profile=1 -dict="fuzz/dicts/$dict.dict" \
    -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    status=1
    grep -A2 -E 'panicked|ERROR: libFuzzer' "$log" || true
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" || true
done
exit $status

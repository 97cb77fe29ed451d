#!/bin/sh
# Builds etcd-go offline in GOPATH mode against Debian's etcd 3.4.23 sources
# (golang-etcd-server-dev, under /usr/share/gocode). taala runs this with cwd = this
# directory and TAALA_BUILD_DIR = the cache directory the binary goes to.
set -eu
out=${TAALA_BUILD_DIR:?TAALA_BUILD_DIR is not set}
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
# go needs a cache directory: with no HOME (some CI runners) use one in the temporary GOPATH (a cold build)
[ -n "${GOCACHE:-}${XDG_CACHE_HOME:-}${HOME:-}" ] || export GOCACHE="$gopath/cache"
mkdir -p "$gopath/src/taala/etcdgo"
cp main.go "$gopath/src/taala/etcdgo/"
cd "$gopath/src/taala/etcdgo"
GOPATH="$gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOPROXY=off go build -o "$out/etcd-go" .

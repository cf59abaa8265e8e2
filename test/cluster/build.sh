#!/usr/bin/env bash
# Builds the cluster tier's binaries from Go modules (no release tarballs: only package registries
# are reachable) into a git-ignored cache keyed by version. Seconds when cached; ~15-20 minutes the
# first time on a 2-core machine (kube-apiserver and kube-controller-manager dominate).
#
#   test/cluster/build.sh          # prints the bin directory
#
# METAHOOKS_CLUSTER_CACHE moves the cache (default: .cache/cluster in the repository).
set -euo pipefail

K8S_VERSION=1.35.4
ETCD_VERSION=3.6.6

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${METAHOOKS_CLUSTER_CACHE:-$ROOT/.cache/cluster}
BIN="$CACHE/bin/kubernetes-v$K8S_VERSION-etcd-v$ETCD_VERSION"
K8S_TOOLS=(kube-apiserver kube-controller-manager kubectl)

done_already() {
  for tool in etcd "${K8S_TOOLS[@]}"; do [[ -x "$BIN/$tool" ]] || return 1; done
}
if done_already; then echo "$BIN"; exit 0; fi

command -v go >/dev/null || { echo "build.sh: the cluster tier needs Go (go1.26) on PATH" >&2; exit 1; }
mkdir -p "$BIN" "$CACHE/work"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local} CGO_ENABLED=0

log() { echo "build.sh: $*" >&2; }

if [[ ! -x "$BIN/etcd" ]]; then
  log "etcd v$ETCD_VERSION from go.etcd.io/etcd/server/v3 (about a minute)"
  work="$CACHE/work/etcd-v$ETCD_VERSION"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init metahooks.local/etcd-build >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go build -trimpath -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  mv "$BIN/etcd.tmp" "$BIN/etcd"
fi

missing=()
for tool in "${K8S_TOOLS[@]}"; do [[ -x "$BIN/$tool" ]] || missing+=("$tool"); done
if ((${#missing[@]} > 0)); then
  log "${missing[*]} v$K8S_VERSION from k8s.io/kubernetes (the first time takes a while)"
  work="$CACHE/work/kubernetes-v$K8S_VERSION"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init metahooks.local/kubernetes-build >/dev/null 2>&1
  go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null
  upstream="$(go env GOMODCACHE)/k8s.io/kubernetes@v$K8S_VERSION/go.mod"
  # k8s.io/kubernetes replaces its staging modules with ./staging/...; point each at its published
  # v0.x release instead (the same code, tagged with the release).
  staging_version="v0.${K8S_VERSION#1.}"
  {
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/.*#\t\1 => \1 '"$staging_version"'#p' "$upstream"
    echo ")"
  } >> go.mod
  packages=()
  for tool in "${missing[@]}"; do packages+=("k8s.io/kubernetes/cmd/$tool"); done
  # `go mod tidy` records what the commands import (go.sum included).
  printf 'package tools\n\nimport (\n' > tools.go
  for p in "${packages[@]}"; do printf '\t_ "%s"\n' "$p" >> tools.go; done
  printf ')\n' >> tools.go
  sed -i '1i //go:build tools\n' tools.go
  go mod tidy -e >&2
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  for tool in "${missing[@]}"; do
    log "go build $tool"
    go build -trimpath -ldflags "$ldflags" -o "$BIN/$tool.tmp" "k8s.io/kubernetes/cmd/$tool" >&2
    mv "$BIN/$tool.tmp" "$BIN/$tool"
  done
fi

done_already
echo "$BIN"

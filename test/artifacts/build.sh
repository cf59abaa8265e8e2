#!/usr/bin/env bash
# Builds the artifact tier's programs from Go modules (only package registries are reachable) into a
# git-ignored cache keyed by version: rclone (the client the executor runs in Pods, the same release
# as the rclone/rclone image it names) and SeaweedFS's `weed` (an S3-compatible server, Apache-2.0).
# Seconds when cached; the first time about 4 minutes for rclone and 8 for weed on a 2-core machine.
#
#   test/artifacts/build.sh          # prints the bin directory
#
# METAHOOKS_ARTIFACTS_CACHE moves the cache (default: .cache/artifacts in the repository).
set -euo pipefail

RCLONE_VERSION=1.76.0   # keep equal to ARTIFACT_IMAGE in hooks/workflow/artifact-pod.ts
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${METAHOOKS_ARTIFACTS_CACHE:-$ROOT/.cache/artifacts}
BIN="$CACHE/bin/rclone-v$RCLONE_VERSION-seaweedfs-$SEAWEEDFS_VERSION"

if [[ -x "$BIN/rclone" && -x "$BIN/weed" ]]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "build.sh: the artifact tier needs Go (go1.26) on PATH" >&2; exit 1; }
mkdir -p "$BIN"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-local} CGO_ENABLED=0
log() { echo "build.sh: $*" >&2; }

if [[ ! -x "$BIN/rclone" ]]; then
  log "rclone v$RCLONE_VERSION from github.com/rclone/rclone (about 4 minutes)"
  GOBIN="$BIN/.rclone" go install -trimpath -ldflags "-s -w -X github.com/rclone/rclone/fs.Version=v$RCLONE_VERSION" "github.com/rclone/rclone@v$RCLONE_VERSION" >&2
  mv "$BIN/.rclone/rclone" "$BIN/rclone" && rmdir "$BIN/.rclone"
fi

if [[ ! -x "$BIN/weed" ]]; then
  # `go install` refuses the module (its go.mod has replace directives): build it in its own tree.
  log "weed $SEAWEEDFS_VERSION from github.com/seaweedfs/seaweedfs (about 8 minutes, 2.6 GB of memory)"
  work="$CACHE/work/seaweedfs"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init metahooks.local/seaweedfs-build >/dev/null 2>&1
  dir=$(go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d "$dir" ]] || { echo "build.sh: could not download github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" >&2; exit 1; }
  cd "$dir"
  go build -trimpath -ldflags "-s -w" -o "$BIN/weed.tmp" ./weed >&2
  mv "$BIN/weed.tmp" "$BIN/weed"
fi
echo "$BIN"

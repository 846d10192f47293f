#!/usr/bin/env bash
# Installs kustomize into .run/bin/kustomize from the Go module proxy (compiled here with the
# machine's Go), for machines without kubectl or kustomize; tests/k8s looks there.
#   bash k8s/tools/install-kustomize.sh        (idempotent; KUSTOMIZE_VERSION to choose)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${KUSTOMIZE_VERSION:-v5.5.0}"
BIN="$ROOT/.run/bin"
# `go install` leaves the version string empty ("(devel)"), so a stamp file records it.
if [[ -x "$BIN/kustomize" && "$(cat "$BIN/kustomize.version" 2>/dev/null)" == "$VERSION" ]]; then
  echo "kustomize $VERSION already in $BIN"
  exit 0
fi
# Debian images often have Go installed under /usr/local/go without it on the PATH.
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "install-kustomize: needs Go (https://go.dev/dl/) or a kustomize/kubectl on the PATH" >&2; exit 1; }
mkdir -p "$BIN"
GOBIN="$BIN" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION"
echo "$VERSION" > "$BIN/kustomize.version"
echo "kustomize $VERSION installed in $BIN"

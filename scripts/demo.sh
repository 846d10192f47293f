#!/usr/bin/env bash
# `make demo [MODE=embedded|cluster]`: runs the demo through the rlhf CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node services/cli/bin/rlhf.mjs demo --mode "${1:-embedded}"

#!/usr/bin/env bash
# Starts Kafka and Postgres if they are not running, runs the tests, and stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
suite="${1:-all}"
started=0
if ! bash infra/stack.sh status >/dev/null 2>&1; then
  bash infra/stack.sh up
  started=1
fi
cleanup() { if [ "$started" = 1 ]; then bash infra/stack.sh down; fi; }
trap cleanup EXIT
set -a; source .run/stack.env; set +a
node scripts/run-tests.mjs "$suite"

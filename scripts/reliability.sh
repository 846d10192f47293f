#!/usr/bin/env bash
# `make reliability`: an isolated Kafka + Postgres (own run dir and ports, never the dev stack),
# the fault scenarios, the soak, the security suite when present, one table; stops everything.
# Env: RELIABILITY_RUN_DIR (.run/reliability), RELIABILITY_KAFKA_PORT (39092),
# RELIABILITY_KAFKA_CONTROLLER_PORT (39093), RELIABILITY_PG_PORT (35432), SOAK_SECONDS (120), SOAK_RATE (200).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export RELIABILITY_RUN_DIR="${RELIABILITY_RUN_DIR:-$ROOT/.run/reliability}"
export RELIABILITY_KAFKA_PORT="${RELIABILITY_KAFKA_PORT:-39092}"
export RELIABILITY_KAFKA_CONTROLLER_PORT="${RELIABILITY_KAFKA_CONTROLLER_PORT:-39093}"
export RELIABILITY_PG_PORT="${RELIABILITY_PG_PORT:-35432}"
stack() {
  RLHF_RUN_DIR="$RELIABILITY_RUN_DIR" KAFKA_PORT="$RELIABILITY_KAFKA_PORT" KAFKA_CONTROLLER_PORT="$RELIABILITY_KAFKA_CONTROLLER_PORT" \
    PG_PORT="$RELIABILITY_PG_PORT" KAFKA_HEAP="${KAFKA_HEAP:--Xmx384m -Xms128m}" bash infra/stack.sh "$@"
}
if [[ "$(realpath -m "$RELIABILITY_RUN_DIR")" == "$(realpath -m "$ROOT/.run")" ]]; then
  echo "RELIABILITY_RUN_DIR must not be the shared .run" >&2; exit 2
fi
mkdir -p "$RELIABILITY_RUN_DIR"
rm -rf "$RELIABILITY_RUN_DIR/results" "$RELIABILITY_RUN_DIR/logs"
trap 'stack down >/dev/null 2>&1 || true' EXIT
stack up >/dev/null || { echo "the reliability stack did not start; logs in $RELIABILITY_RUN_DIR" >&2; exit 1; }
set -a; . "$RELIABILITY_RUN_DIR/stack.env"; set +a

node --import tsx tests/reliability/run.ts
node --import tsx tests/reliability/soak.ts --seconds "${SOAK_SECONDS:-120}" --rate "${SOAK_RATE:-200}"

security=()
if [[ -f tests/reliability/security/run.ts ]]; then
  log="$RELIABILITY_RUN_DIR/results/security.log"
  node --import tsx tests/reliability/security/run.ts >"$log" 2>"$RELIABILITY_RUN_DIR/results/security.progress.log"
  security=(--security-log "$log" --security-exit "$?")
fi
node --import tsx tests/reliability/report.ts "${security[@]}"

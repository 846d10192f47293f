#!/usr/bin/env bash
# Local stack for cluster mode and tests: Kafka (KRaft, 127.0.0.1:${KAFKA_PORT:-19092}) and
# Postgres (127.0.0.1:${PG_PORT:-15432}, database rlhf).
#   bash infra/stack.sh up      start both (idempotent), write .run/stack.env
#   bash infra/stack.sh down    stop both by pid
#   bash infra/stack.sh status  say what runs; exit 0 only when both run
#   bash infra/stack.sh env     print the env lines (source <(bash infra/stack.sh env))
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# RLHF_RUN_DIR: where state, pids, logs and stack.env live (an isolated stack, e.g. the reliability suite).
RUN="${RLHF_RUN_DIR:-$ROOT/.run}"
export RLHF_RUN_DIR="$RUN"
KAFKA_PORT="${KAFKA_PORT:-19092}"
PG_PORT="${PG_PORT:-15432}"
PG_PASSWORD="${PG_PASSWORD:-postgres}"
ENVFILE="$RUN/stack.env"

env_lines() {
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "DATABASE_URL=postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/rlhf"
}

alive() { # pidfile pattern
  [[ -f "$1" ]] || return 1
  local pid
  pid="$(head -n1 "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q "$2" "/proc/$pid/cmdline" 2>/dev/null
}

# Serialize concurrent `up`/`down` calls from several shells. The daemons must not inherit the
# lock's fd (9>&- below), or they would hold it for their whole life.
lock() {
  mkdir -p "$RUN"
  exec 9>"$RUN/stack.lock"
  flock -w 180 9 || { echo "another stack.sh up/down has run for over 180s" >&2; exit 1; }
}

case "${1:-}" in
  up)
    lock
    bash "$HERE/postgres/start.sh" 9>&-
    bash "$HERE/kafka/start.sh" 9>&-
    env_lines >"$ENVFILE"
    echo "stack up; env in $ENVFILE:"
    cat "$ENVFILE"
    ;;
  down)
    lock
    rc=0
    bash "$HERE/kafka/stop.sh" 9>&- || rc=1
    bash "$HERE/postgres/stop.sh" 9>&- || rc=1
    rm -f "$ENVFILE"
    exit $rc
    ;;
  status)
    ok=0
    if alive "$RUN/kafka.pid" kafka.Kafka; then echo "kafka: running (pid $(cat "$RUN/kafka.pid"), 127.0.0.1:$KAFKA_PORT)"; else echo "kafka: stopped"; ok=1; fi
    if alive "$RUN/pg.pid" postgres; then echo "postgres: running (pid $(head -n1 "$RUN/pg.pid"), 127.0.0.1:$PG_PORT)"; else echo "postgres: stopped"; ok=1; fi
    exit $ok
    ;;
  env)
    env_lines
    ;;
  *)
    echo "usage: bash infra/stack.sh up|down|status|env" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Stops the local Postgres by its pid: SIGINT (fast shutdown), bounded wait, then SIGKILL.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIDFILE="${RLHF_RUN_DIR:-$ROOT/.run}/pg.pid"
WAIT_S="${PG_STOP_TIMEOUT_S:-20}"
[[ -f "$PIDFILE" ]] || { echo "postgres not running (no pid file)"; exit 0; }
pid="$(head -n1 "$PIDFILE")"
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
  echo "postgres not running (stale pid file)"; rm -f "$PIDFILE"; exit 0
fi
if ! grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
  echo "pid $pid is not postgres; leaving it alone" >&2; rm -f "$PIDFILE"; exit 1
fi
kill -INT "$pid"
for ((i = 0; i < WAIT_S * 10; i++)); do
  kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; echo "postgres stopped"; exit 0; }
  sleep 0.1
done
echo "postgres did not stop within ${WAIT_S}s; SIGKILL" >&2
kill -KILL "$pid" 2>/dev/null || true
rm -f "$PIDFILE"

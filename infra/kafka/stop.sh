#!/usr/bin/env bash
# Stops the local Kafka by its pid: SIGTERM (controlled shutdown), bounded wait, then SIGKILL.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIDFILE="${RLHF_RUN_DIR:-$ROOT/.run}/kafka.pid"
WAIT_S="${KAFKA_STOP_TIMEOUT_S:-30}"
[[ -f "$PIDFILE" ]] || { echo "kafka not running (no pid file)"; exit 0; }
pid="$(cat "$PIDFILE")"
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
  echo "kafka not running (stale pid file)"; rm -f "$PIDFILE"; exit 0
fi
if ! grep -q "kafka.Kafka" "/proc/$pid/cmdline" 2>/dev/null; then
  echo "pid $pid is not kafka; leaving it alone" >&2; rm -f "$PIDFILE"; exit 1
fi
kill -TERM "$pid"
for ((i = 0; i < WAIT_S * 10; i++)); do
  kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; echo "kafka stopped"; exit 0; }
  sleep 0.1
done
echo "kafka did not stop within ${WAIT_S}s; SIGKILL" >&2
kill -KILL "$pid" 2>/dev/null || true
rm -f "$PIDFILE"

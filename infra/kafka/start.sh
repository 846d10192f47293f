#!/usr/bin/env bash
# Starts a single-node KRaft Kafka (Maven jars, the machine's Java) on 127.0.0.1:${KAFKA_PORT:-19092},
# waits until it answers, and creates every topic of @rlhf-loop/proto. Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN="${RLHF_RUN_DIR:-$ROOT/.run}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
LIBS="$HERE/target/libs"
DATA="$RUN/kafka/data"
PROPS="$RUN/kafka/server.properties"
PIDFILE="$RUN/kafka.pid"
LOG="$RUN/kafka.log"
HEAP="${KAFKA_HEAP:--Xmx512m -Xms256m}"
mkdir -p "$RUN/kafka"

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q "kafka.Kafka" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

if [[ ! -f "$LIBS/kafka_2.13-3.9.1.jar" ]]; then
  echo "fetching Kafka jars with Maven..."
  (cd "$HERE" && mvn -q -B package) || { echo "mvn failed to fetch Kafka" >&2; exit 1; }
fi

if pid="$(running_pid)"; then
  echo "kafka already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
else
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" -e "s|@LOG_DIR@|$DATA|g" \
    "$HERE/server.properties" >"$PROPS"
  JAVA_OPTS=(-Dlog4j.configuration="file:$HERE/log4j.properties" -Djava.awt.headless=true)
  if [[ ! -f "$DATA/meta.properties" ]]; then
    cluster_id="$(java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
    java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" --ignore-formatted >"$RUN/kafka-format.log" 2>&1 \
      || { cat "$RUN/kafka-format.log" >&2; exit 1; }
  fi
  # setsid + nohup: the broker outlives this script and the shell that ran it.
  setsid nohup java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$PROPS" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  echo "kafka starting (pid $(cat "$PIDFILE")) on 127.0.0.1:$KAFKA_PORT, log $LOG"
fi

# Wait until it answers (bounded by KAFKA_WAIT_S) and create the topics.
if ! (cd "$ROOT" && KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" node --import tsx "$HERE/create-topics.mjs"); then
  if ! running_pid >/dev/null; then echo "kafka exited; last log lines:" >&2; tail -n 30 "$LOG" >&2; fi
  exit 1
fi

#!/usr/bin/env bash
# `make bench`: every benchmark under tests/bench, each printing its figures beside the reference
# it is measured against in the same run. Starts Kafka and Postgres if needed; stops what it started.
# BENCH=ml,ingest,... runs a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
only="${BENCH:-}"
want() { [[ -z "$only" || ",$only," == *",$1,"* ]]; }
started=0
if ! bash infra/stack.sh status >/dev/null 2>&1; then bash infra/stack.sh up >/dev/null; started=1; fi
cleanup() { if [ "$started" = 1 ]; then bash infra/stack.sh down >/dev/null; fi; }
trap cleanup EXIT
set -a; source .run/stack.env; set +a
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for dir in tests/bench/*/; do
  name="$(basename "$dir")"
  want "$name" || continue
  entry=""
  for f in run.ts bench.ts; do [[ -f "$dir$f" ]] && entry="$dir$f" && break; done
  [[ -n "$entry" ]] || continue
  echo; echo "== bench: $name ($entry)"
  node --import tsx "$entry"
done

#!/usr/bin/env bash
# The ClickHouse store's figures (issue 15), release build, against the real engine (chDB behind
# scripts/chdb-front.py, as the tests use it):
#   1. `correlate ingest --store` of LOGS (log lines) and of SPANS (OTLP JSON): records/s;
#   2. `correlate trace` and `correlate lookup` on what that left (whole process, median of
#      RUNS), beside the same commands on the SQLite store SQLITE_DB, in the same run.
#
#   scripts/bench-clickhouse.sh LOGS SPANS ALERTS [SQLITE_DB] [RUNS]
#
# e.g. (the files correlate-bench store writes into bench-data/):
#   scripts/bench-clickhouse.sh bench-data/trace-logs-20000000.log bench-data/spans-1000000t.otlp.jsonl \
#       bench-data/alerts-100.json bench-data/big-20000000-1000000.db 5
# Needs scripts/setup.sh --tests (chDB) and swift build -c release --static-swift-stdlib. The chDB data folder is
# bench-data/chdb (removed first).
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$1 spans=$2 alerts=$3 sqlite=${4:-} runs=${5:-5}
correlate=.build/release/correlate
folder=bench-data/chdb
rm -rf "$folder" && mkdir -p "$folder"
.build-python/bin/python3 scripts/chdb-front.py --path "$folder/data" --port 0 > "$folder/port" 2> "$folder/stderr" &
front=$!
trap 'kill -9 $front 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q listening "$folder/port" 2>/dev/null && break; sleep 0.5; done
port=$(awk '{print $3}' "$folder/port")
# A long timeout: a loaded machine (a build beside it) can keep an insert waiting past 30 s.
store="clickhouse://127.0.0.1:$port/bench?timeout=600"
$correlate store init --store "$store" > /dev/null

seconds() { local start=$(date +%s.%N); "$@" > /dev/null 2> "$folder/last.err"; echo "$(date +%s.%N) - $start" | bc; }

records_of() { grep -o 'stored [0-9]*' "$folder/last.err" | head -1 | awk '{print $2}'; }
t=$(seconds $correlate ingest --store "$store" --logs "$logs")
n=$(records_of)
echo "ingest logs: $n records in ${t}s = $(echo "$n / $t" | bc) records/s"
t=$(seconds $correlate ingest --store "$store" --spans "$spans")
n=$(grep -o 'spans: read [0-9]* in [0-9]* documents ([a-z-]*), stored [0-9]*' "$folder/last.err" | awk '{print $NF}')
echo "ingest spans: $n spans in ${t}s = $(echo "$n / $t" | bc) spans/s"
$correlate ingest --store "$store" --alerts "$alerts" 2> /dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# A trace with spans and log lines, and an alert name, from the store itself.
trace=$(curl -s "http://127.0.0.1:$port/?default_format=TabSeparated" --data-binary \
  "SELECT TraceId FROM bench.otel_logs WHERE TraceId IN (SELECT TraceId FROM bench.otel_traces_trace_id_ts LIMIT 100000) LIMIT 1")
name=$(curl -s "http://127.0.0.1:$port/?default_format=TabSeparated" --data-binary \
  "SELECT AlertName FROM bench.correlate_alerts LIMIT 1 OFFSET 50")
for label in clickhouse sqlite; do
  if [ $label = clickhouse ]; then where=(--store "$store"); else [ -n "$sqlite" ] || continue; where=(--db "$sqlite"); fi
  tr=$(for _ in $(seq 1 "$runs"); do seconds $correlate trace "$trace" --format json "${where[@]}"; done | median)
  lk=$(for _ in $(seq 1 "$runs"); do seconds $correlate lookup --name "$name" --format json "${where[@]}"; done | median)
  echo "$label: trace $trace ${tr}s, lookup --name $name ${lk}s (median of $runs)"
done
curl -s "http://127.0.0.1:$port/?default_format=TabSeparated" --data-binary \
  "SELECT 'rows', (SELECT count() FROM bench.otel_logs), (SELECT count() FROM bench.otel_traces)"

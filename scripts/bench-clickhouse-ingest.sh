#!/usr/bin/env bash
# `correlate ingest --store clickhouse://…` (issue 15: ≥ 100,000 log records/s and ≥ 100,000
# spans/s) of several release builds, alternating, in the same run, against the real engine
# (chDB behind scripts/chdb-front.py, as the tests use it). Whole process, median of ROUNDS.
#
#   scripts/bench-clickhouse-ingest.sh LOGS SPANS ROUNDS [--into FOLDER DATABASE] -- BUILD...
#
# Without --into, each build ingests into a fresh database (`correlate store init`) of an empty
# chDB folder: SPANS (OTLP JSON lines), then LOGS (log lines).
# With --into, the front runs on a copy of FOLDER (a chDB data folder, such as the 20 M / 5 M
# store scripts/bench-clickhouse.sh leaves in bench-data/chdb/data) and every build ingests into
# DATABASE there — the state users live in. So that nothing is a duplicate, each run's spans get
# trace ids of their own (the first three hex digits, `000` in correlate-bench's files, made
# `a` + round + build, each one hex digit: at most 15 rounds and 16 builds) and its logs a file
# name of their own.
#
# FRONT=path runs another front script (an older one, to measure a change of the front).
#
# e.g. head -n 24000 bench-data/spans-1000000t.otlp.jsonl > /tmp/spans100k.jsonl
#      head -n 200000 bench-data/trace-logs-20000000.log > /tmp/logs200k.log
#      scripts/bench-clickhouse-ingest.sh /tmp/logs200k.log /tmp/spans100k.jsonl 5 -- /tmp/correlate-old .build/release/correlate
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$1 spans=$2 rounds=$3
shift 3
into="" database=""
if [ "${1:-}" = --into ]; then into=$2 database=$3; shift 3; fi
[ "${1:-}" = -- ] && shift
builds=("$@")
[ ${#builds[@]} -gt 0 ] || { echo "usage: $0 LOGS SPANS ROUNDS [--into FOLDER DATABASE] -- BUILD..." >&2; exit 2; }
if [ -n "$into" ] && { [ "$rounds" -gt 15 ] || [ ${#builds[@]} -gt 16 ]; }; then
  echo "$0: with --into, at most 15 rounds and 16 builds (one hex digit each in the trace ids)" >&2; exit 2
fi
work=$(mktemp -d /tmp/bench-ch-ingest.XXXXXX)
if [ -n "$into" ]; then
  cp -r "$into" "$work/data"
else
  mkdir -p "$work/data"
fi
.build-python/bin/python3 "${FRONT:-scripts/chdb-front.py}" --path "$work/data" --port 0 > "$work/port" 2> "$work/stderr" &
front=$!
trap 'kill -9 $front 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q listening "$work/port" 2>/dev/null && break; sleep 0.5; done
port=$(awk '{print $3}' "$work/port")
seconds() { local start=$(date +%s.%N); "$@" > /dev/null 2> "$work/last.err" || { cat "$work/last.err" >&2; exit 1; }; echo "$(date +%s.%N) - $start" | bc; }
stored() { grep -o "$1" "$work/last.err" | head -1 | awk '{print $NF}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for round in $(seq 1 "$rounds"); do
  for b in "${!builds[@]}"; do
    build=${builds[$b]}
    if [ -n "$into" ]; then
      store="clickhouse://127.0.0.1:$port/$database?timeout=600"
      sed "s/\"traceId\":\"000/\"traceId\":\"a$(printf %x "$round")$(printf %x "$b")/g" "$spans" > "$work/spans.jsonl"
      cp "$logs" "$work/logs-$round-$b.log"
      spans_in=$work/spans.jsonl logs_in=$work/logs-$round-$b.log
    else
      store="clickhouse://127.0.0.1:$port/r${round}b$b?timeout=600"
      "$build" store init --store "$store" > /dev/null
      spans_in=$spans logs_in=$logs
    fi
    t=$(seconds "$build" ingest --store "$store" --spans "$spans_in")
    n=$(stored 'spans: read [0-9]* in [0-9]* documents ([a-z-]*), stored [0-9]*')
    echo "$b spans $t $n" >> "$work/times"
    t=$(seconds "$build" ingest --store "$store" --logs "$logs_in")
    n=$(stored 'stored [0-9]*')
    echo "$b logs $t $n" >> "$work/times"
  done
done
for b in "${!builds[@]}"; do
  for kind in spans logs; do
    t=$(awk -v b="$b" -v k="$kind" '$1 == b && $2 == k {print $3}' "$work/times" | median)
    n=$(awk -v b="$b" -v k="$kind" '$1 == b && $2 == k {print $4}' "$work/times" | sort -n | tail -1)
    echo "${builds[$b]}: ingest $kind: $n in ${t}s (median of $rounds) = $(echo "$n / $t" | bc)/s"
  done
done

#!/usr/bin/env bash
# Whole-process times of `correlate trace` and `correlate lookup --name` on a ClickHouse store
# that already holds the data (the one scripts/bench-clickhouse.sh builds), for several builds in
# the same run, alternating round by round so that the machine's drift falls on all alike; and,
# when SQLITE_DB is given, `lookup` on that SQLite store too. Checks first that every build
# prints the same for each command.
#
#   scripts/bench-clickhouse-compare.sh STORE TRACE ALERT_NAME ROUNDS [SQLITE_DB] -- BUILD...
#
# e.g. (the front started on the folder bench-clickhouse.sh left):
#   .build-python/bin/python3 scripts/chdb-front.py --path bench-data/chdb/data --port 18232 &
#   scripts/bench-clickhouse-compare.sh 'clickhouse://127.0.0.1:18232/bench?timeout=600' \
#       0000000018bc9088759c71d5584da7ea JobLatencyHigh 11 bench-data/big-20000000-1000000.db \
#       -- /tmp/correlate-before .build/release/correlate
# Prints, per command and build, the median and the sorted times in seconds.
set -euo pipefail
store=$1 trace=$2 name=$3 rounds=$4
shift 4
sqlite=
if [ "${1:-}" != "--" ]; then sqlite=$1; shift; fi
[ "${1:-}" = "--" ] || { echo "usage: $0 STORE TRACE ALERT_NAME ROUNDS [SQLITE_DB] -- BUILD..." >&2; exit 2; }
shift
builds=("$@")
commands=("trace $trace --format json --store $store" "lookup --name $name --format json --store $store")
[ -n "$sqlite" ] && commands+=("lookup --name $name --format json --db $sqlite")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Same answers (and one untimed pass of each, which warms the server's caches for all).
for c in "${!commands[@]}"; do
  for b in "${!builds[@]}"; do
    # shellcheck disable=SC2086
    "${builds[$b]}" ${commands[$c]} > "$out/answer-$c-$b" 2> /dev/null
    cmp -s "$out/answer-$c-0" "$out/answer-$c-$b" || { echo "${builds[$b]} answers '${commands[$c]}' differently" >&2; exit 1; }
  done
done
for _ in $(seq 1 "$rounds"); do
  for c in "${!commands[@]}"; do
    for b in "${!builds[@]}"; do
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "${builds[$b]}" ${commands[$c]} > /dev/null 2>&1
      echo "$c $b $(echo "$(date +%s.%N) - $start" | bc)" >> "$out/times"
    done
  done
done
for c in "${!commands[@]}"; do
  for b in "${!builds[@]}"; do
    times=$(awk -v c="$c" -v b="$b" '$1 == c && $2 == b {print $3}' "$out/times" | sort -n)
    median=$(echo "$times" | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}')
    echo "${commands[$c]%% *} ${commands[$c]##* } | ${builds[$b]} | median ${median} s | $(echo "$times" | awk '{printf "%.3f ", $1}')"
  done
done

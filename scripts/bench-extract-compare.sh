#!/usr/bin/env bash
# `correlate extract --only-linked` of several release builds against issue 14's references,
# alternating, in the same run: `grep -oP` with one trace-id pattern on the same file, and lnav
# indexing a prefix of it with a format that captures the trace id
# (scripts/lnav-mixed-trace-format.json). Whole process, every command writing into a pipe
# (GNU grep stops at the first match when its output is /dev/null). Prints each command's
# median and the ratios of the medians.
#
#   scripts/bench-extract-compare.sh FILE PREFIX ROUNDS -- BUILD...
#
# FILE and PREFIX are what `correlate-bench --size-mb 256 --lnav-mb 64` leaves in bench-data/
# (bench-data/mixed-256mb.log and bench-data/mixed-256mb.log.lnav-64mb). correlate-bench
# measures one build at a time, best of its runs; on a machine whose speed drifts from minute to
# minute, medians of alternating rounds compare builds more fairly.
#
# e.g. scripts/bench-extract-compare.sh bench-data/mixed-256mb.log bench-data/mixed-256mb.log.lnav-64mb 7 -- /tmp/correlate-old .build/release/correlate
set -euo pipefail
cd "$(dirname "$0")/.."
file=$1 prefix=$2 rounds=$3
shift 3
[ "${1:-}" = -- ] && shift
builds=("$@")
[ ${#builds[@]} -gt 0 ] || { echo "usage: $0 FILE PREFIX ROUNDS -- BUILD..." >&2; exit 2; }
command -v lnav > /dev/null || { echo "$0: lnav is not installed (apt-get install -y lnav)" >&2; exit 2; }

lnav_home=$(mktemp -d)
trap 'rm -rf "$lnav_home"' EXIT
# correlate-bench's one trace-id pattern, in a file (`grep -f` with one line is that pattern).
pattern="$lnav_home/trace-id.pattern"
cat > "$pattern" <<'PATTERN'
(?:trace_id|traceId|traceID|trace\.id|otelTraceID)["']?\s*[=:]\s*["']?\K[0-9a-f]{32}
PATTERN
mkdir -p "$lnav_home/.lnav/formats/installed"
cp scripts/lnav-mixed-trace-format.json "$lnav_home/.lnav/formats/installed/"
cat "$file" "$prefix" > /dev/null  # warm the page cache

seconds() {  # the wall time of a shell command, in seconds
    local start end
    start=$(date +%s.%N)
    bash -c "$1"
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

declare -A times
for round in $(seq "$rounds"); do
    times[grep]+="$(seconds "LC_ALL=C grep -oP -f '$pattern' '$file' | cat > /dev/null") "
    times[lnav]+="$(seconds "HOME='$lnav_home' lnav -n -c \";SELECT trace_id FROM mixed_trace_log WHERE trace_id != '0'\" '$prefix' | cat > /dev/null") "
    for index in "${!builds[@]}"; do
        build=${builds[$index]}
        times[file$index]+="$(seconds "'$build' extract -q --only-linked '$file' | cat > /dev/null") "
        times[prefix$index]+="$(seconds "'$build' extract -q --only-linked '$prefix' | cat > /dev/null") "
    done
    echo "round $round of $rounds done" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
grep_median=$(echo "${times[grep]}" | median)
lnav_median=$(echo "${times[lnav]}" | median)
printf '%-60s %8.3f s\n' "grep -oP, one trace-id pattern, $(basename "$file")" "$grep_median"
printf '%-60s %8.3f s\n' "lnav, a format capturing the trace id, $(basename "$prefix")" "$lnav_median"
for index in "${!builds[@]}"; do
    on_file=$(echo "${times[file$index]}" | median)
    on_prefix=$(echo "${times[prefix$index]}" | median)
    printf '%-60s %8.3f s  %.2fx grep -oP\n' "${builds[$index]} --only-linked, $(basename "$file")" "$on_file" "$(echo "$grep_median / $on_file" | bc -l)"
    printf '%-60s %8.3f s  %.2fx lnav\n' "${builds[$index]} --only-linked, $(basename "$prefix")" "$on_prefix" "$(echo "$lnav_median / $on_prefix" | bc -l)"
done

#!/usr/bin/env bash
# Runs one libFuzzer target of the fuzz package (Fuzz/) for a while. See --help.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

targets=(
    fuzz-otlp-traces-protobuf
    fuzz-otlp-logs-protobuf
    fuzz-otlp-json
    fuzz-jaeger
    fuzz-zipkin
    fuzz-alerts
    fuzz-log-lines
    fuzz-rules
    fuzz-trace-analysis
)
scratch=.build-fuzz
config=${FUZZ_CONFIGURATION:-release}

usage() {
    cat <<EOF
Usage: scripts/fuzz.sh TARGET SECONDS [LIBFUZZER-FLAG...]
       scripts/fuzz.sh all SECONDS        every target in turn, SECONDS each
       scripts/fuzz.sh list               the target names
       scripts/fuzz.sh --help

Builds the fuzz package Fuzz/ (its own SwiftPM package, which depends on the main one by
path) into $scratch/ with libFuzzer and AddressSanitizer, when anything changed:

    swift build --package-path Fuzz --scratch-path $scratch -c release -Xswiftc -g \\
        --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address \\
        --product TARGET

(FUZZ_CONFIGURATION=debug builds debug instead). Then copies the committed seed corpus
Fuzz/Corpus/TARGET/ into the working corpus $scratch/corpus/TARGET/ (libFuzzer adds the
inputs it finds there; the committed corpus stays as it is) and runs the target for SECONDS
with -rss_limit_mb=4096 -timeout=10 and the target's dictionary (Fuzz/dictionaries/) if it
has one. Further arguments go to libFuzzer (e.g. -jobs=2, -max_len=4096).

The libFuzzer output goes to $scratch/logs/TARGET.log. The last line printed is

    fuzz TARGET: SECONDS s, N executions, no finding
    fuzz TARGET: SECONDS s, N executions, FINDING: $scratch/artifacts/TARGET-crash-…

and the exit status is 1 on a finding (a crash, a trap, an ASan report, a timeout of 10 s
on one input, or more than 4 GiB). To reproduce a finding, run the target on the file alone:

    SWIFT_BACKTRACE=enable=no $scratch/$config/TARGET FILE

Keep Swift's backtracer off (SWIFT_BACKTRACE=enable=no) when running a target by hand,
else it holds the output open and the run does not end. Regenerate the seed corpora with
Fuzz/make-corpus.sh.
EOF
}

dictionary_of() {
    case "$1" in
        fuzz-otlp-json | fuzz-jaeger | fuzz-zipkin | fuzz-alerts | fuzz-trace-analysis) echo Fuzz/dictionaries/json.dict ;;
        fuzz-rules) echo Fuzz/dictionaries/yaml.dict ;;
        *) echo "" ;;
    esac
}

is_target() {
    local name
    for name in "${targets[@]}"; do [ "$name" = "$1" ] && return 0; done
    return 1
}

build() {
    # --sanitize twice gives the C targets both; the Swift frontend honours only the last
    # -sanitize= it is given (SwiftPM passes one per --sanitize), hence the combined flag.
    # A build after a file was added to the main package can fail with "cannot find … in
    # scope": SwiftPM keeps its plan of the path dependency's files. Build again without the
    # plan (the compiled modules stay).
    local attempt
    for attempt in 1 2; do
        swift build --package-path Fuzz --scratch-path "$scratch" -c "$config" -Xswiftc -g \
            --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address --product "$1" >&2 && return 0
        if [ "$attempt" -eq 1 ]; then
            echo "fuzz.sh: build failed; planning the build again and building once more" >&2
            rm -f "$scratch/$config.yaml" "$scratch/$config/description.json" "$scratch/build.db"
        fi
    done
    return 1
}

# run TARGET SECONDS [FLAGS...]: one fuzzing run and its summary line.
run() {
    local target=$1 seconds=$2
    shift 2
    build "$target"
    local binary=$scratch/$config/$target
    local corpus=$scratch/corpus/$target
    local artifacts=$scratch/artifacts
    local log=$scratch/logs/$target.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    cp -n Fuzz/Corpus/"$target"/* "$corpus"/ 2>/dev/null || true

    local flags=(
        -max_total_time="$seconds" -print_final_stats=1
        -artifact_prefix="$artifacts/$target-"
        -rss_limit_mb=4096 -timeout=10
    )
    local dict
    dict=$(dictionary_of "$target")
    [ -n "$dict" ] && flags+=(-dict="$dict")

    echo "fuzzing $target for $seconds s (log: $log)" >&2
    local status=0
    SWIFT_BACKTRACE=enable=no "$binary" "${flags[@]}" "$@" "$corpus" > "$log" 2>&1 || status=$?

    local executions artifact
    executions=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ "$status" -eq 0 ] && [ -z "$artifact" ]; then
        echo "fuzz $target: $seconds s, ${executions:-?} executions, no finding"
        return 0
    fi
    # The report: the sanitizer's or Swift's message and the first frames.
    grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer)|Fatal error|fatal error|SUMMARY' "$log" >&2 || tail -20 "$log" >&2
    echo "fuzz $target: $seconds s, ${executions:-?} executions, FINDING: ${artifact:-(no artifact; libFuzzer exited with $status, see $log)}"
    return 1
}

case "${1:-}" in
    -h | --help | help) usage ;;
    list) printf '%s\n' "${targets[@]}" ;;
    all)
        [ $# -eq 2 ] || { usage >&2; exit 2; }
        failed=0
        for target in "${targets[@]}"; do run "$target" "$2" || failed=1; done
        exit "$failed"
        ;;
    "") usage >&2; exit 2 ;;
    *)
        if ! is_target "$1"; then
            echo "fuzz.sh: unknown target '$1' (scripts/fuzz.sh list names them)" >&2
            exit 2
        fi
        if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
            usage >&2
            exit 2
        fi
        run "$@"
        ;;
esac

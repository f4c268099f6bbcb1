#!/usr/bin/env bash
# Regenerates the seed corpora Fuzz/Corpus/<target>/ from the project's fixtures.
# Usage: Fuzz/make-corpus.sh   (from anywhere; rewrites Fuzz/Corpus/ entirely)
# Every seed is at most 64 KiB; needs jq.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=Fuzz/Corpus
max=65536
rm -rf "$out"
mkdir -p "$out"

# put TARGET NAME < bytes: one seed, skipped when over $max.
put() {
    local dir="$out/$1" file="$out/$1/$2"
    mkdir -p "$dir"
    cat > "$file"
    if [ "$(wc -c < "$file")" -gt "$max" ]; then rm "$file"; fi
}

# lines FILE: the file's non-empty lines, numbered, as "N<TAB>line".
lines() { awk 'NF { printf "%04d\t%s\n", NR, $0 }' "$1"; }

# 1, 2. OTLP protobuf request bodies, recorded from the sample's SDK exporters.
for f in samples/celery-redis/requests/*-traces.pb; do put fuzz-otlp-traces-protobuf "$(basename "$f")" < "$f"; done
for f in samples/celery-redis/requests/*-logs.pb; do put fuzz-otlp-logs-protobuf "$(basename "$f")" < "$f"; done

# 3. OTLP JSON: one request per line of the sample's span and log exports (every other line).
for kind in traces logs; do
    lines "samples/celery-redis/$kind.otlp.jsonl" | awk 'NR % 2 == 1' | while IFS=$'\t' read -r n line; do
        printf '%s' "$line" | put fuzz-otlp-json "$kind-$n.json"
    done
done

# 4. Jaeger: the fixture, each of its traces alone (the one-trace form) and in a data list.
put fuzz-jaeger jaeger.json < Tests/Fixtures/spans/jaeger.json
count=$(jq '.data | length' Tests/Fixtures/spans/jaeger.json)
for ((i = 0; i < count; i++)); do
    jq -c ".data[$i]" Tests/Fixtures/spans/jaeger.json | put fuzz-jaeger "trace-$i.json"
    jq -c "{data: [.data[$i]]}" Tests/Fixtures/spans/jaeger.json | put fuzz-jaeger "data-$i.json"
done

# 5. Zipkin: the fixture, compact, and each span as a one-span list.
put fuzz-zipkin zipkin.json < Tests/Fixtures/spans/zipkin.json
jq -c . Tests/Fixtures/spans/zipkin.json | put fuzz-zipkin zipkin-compact.json
count=$(jq 'length' Tests/Fixtures/spans/zipkin.json)
for ((i = 0; i < count; i++)); do
    jq -c "[.[$i]]" Tests/Fixtures/spans/zipkin.json | put fuzz-zipkin "span-$i.json"
done

# 6. Alert payloads: webhook bodies, API v2 lists, Grafana; and an NDJSON file of two.
for f in samples/celery-redis/alerts/*.json samples/celery-redis/alerts/webhook-requests/*.json Tests/Fixtures/alerts/*.json; do
    name=$(basename "$(dirname "$f")")-$(basename "$f")
    put fuzz-alerts "$name" < "$f"
done
cat samples/celery-redis/alerts/alertmanager-webhook.json samples/celery-redis/alerts/alertmanager-webhook-resolved.json \
    | put fuzz-alerts ndjson-firing-resolved.json

# 7. Log lines: chunks of 30 lines of each sample log (plain, JSON lines, journald export).
for f in samples/celery-redis/logs/*; do
    base=$(basename "$f")
    total=$(wc -l < "$f")
    for ((start = 1; start <= total; start += 30)); do
        sed -n "${start},$((start + 29))p" "$f" | put fuzz-log-lines "$base-$(printf %04d "$start")"
    done
done

# 8. Rule files: the shipped rules and alert mappings, and the broken ones of the tests.
for f in rules/*.yaml; do put fuzz-rules "$(basename "$f")" < "$f"; done
for f in Tests/Fixtures/bad-rules/*/*.yaml Tests/Fixtures/failing-rules/*.yaml Tests/Fixtures/override-rules/*.yaml; do
    put fuzz-rules "$(basename "$(dirname "$f")")-$(basename "$f")" < "$f"
done

# 9. Span graphs for the engine: the sample's span export in documents of 8 requests (whole
# jobs, several traces each), and the hand-made job joined by a span link.
total=$(wc -l < samples/celery-redis/traces.otlp.jsonl)
for ((start = 1; start <= total; start += 8)); do
    sed -n "${start},$((start + 7))p" samples/celery-redis/traces.otlp.jsonl \
        | jq -s -c '{resourceSpans: [.[].resourceSpans[]]}' | put fuzz-trace-analysis "traces-$(printf %04d "$start").json"
done
jq -s -c '{resourceSpans: [.[].resourceSpans[]]}' Tests/Fixtures/spans/linked-job.otlp.jsonl | put fuzz-trace-analysis linked-job.json

for d in "$out"/*/; do printf '%-28s %3d files\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done

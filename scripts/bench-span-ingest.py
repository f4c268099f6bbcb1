#!/usr/bin/env python3
"""Whole-process times of `correlate ingest --spans FILE` into a fresh SQLite store, several builds
in the same run, alternating (so that the machine's drift falls on all of them alike).

    scripts/bench-span-ingest.py --spans bench-data/spans-200000t.otlp.jsonl \
        --correlate /tmp/correlate-before,.build/release/correlate [--rounds 5] [--work /tmp/bench-span-ingest]

Each round runs every build once, in order, each into a store of its own made anew under
`--work`. It prints a Markdown table per build: the wall times (seconds), their median, the spans
the build stored (from its summary line) and spans/s at the median, and the median user and
system CPU; then whether every build stored the same rows (an MD5 of the `spans` rows of the last
round's stores, in key order, with their resources' JSON, and of `span_links`).
"""
import argparse, glob, hashlib, os, re, resource, shutil, sqlite3, statistics, subprocess, sys, time


def run(binary, spans, store):
    for path in glob.glob(store + "*"):
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run([binary, "ingest", "--db", store, "--spans", spans], capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{binary} failed ({done.returncode}): {done.stderr.strip()}")
    stored = re.search(r"stored (\d+)", done.stderr)
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, int(stored.group(1)) if stored else 0


def rows_digest(store):
    digest = hashlib.md5()
    for segment in sorted(glob.glob(store + "-segments/*.db")):
        db = sqlite3.connect(f"file:{segment}?mode=ro", uri=True)
        for row in db.execute("""
                SELECT hex(s.trace_id), hex(s.span_id), hex(s.parent_span_id), s.name, s.kind, s.start, s.end, s.status,
                       s.status_message, s.service, s.message_id, s.attributes, r.json, s.events, s.links
                FROM spans s JOIN resources r ON r.id = s.resource_id ORDER BY s.trace_id, s.span_id"""):
            digest.update(repr(row).encode())
        for row in db.execute("SELECT linked_trace, hex(trace_id) FROM span_links ORDER BY 1, 2"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", required=True, help="a span file (OTLP JSON lines, OTLP protobuf, …)")
    parser.add_argument("--correlate", required=True, help="comma-separated correlate binaries")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", default="/tmp/bench-span-ingest", help="where the stores are made")
    options = parser.parse_args()
    binaries = options.correlate.split(",")
    os.makedirs(options.work, exist_ok=True)
    stores = {b: os.path.join(options.work, f"store-{i}.db") for i, b in enumerate(binaries)}
    results = {b: [] for b in binaries}
    for _ in range(options.rounds):
        for binary in binaries:
            results[binary].append(run(binary, options.spans, stores[binary]))
    print(f"`correlate ingest --spans {options.spans}` into a fresh store, {options.rounds} alternating rounds\n")
    print("| build | wall (s) | median | spans stored | spans/s at the median | user CPU | system CPU |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for binary in binaries:
        walls = [r[0] for r in results[binary]]
        median = statistics.median(walls)
        stored = results[binary][-1][3]
        print(f"| `{binary}` | {', '.join(f'{w:.2f}' for w in walls)} | **{median:.2f}** | {stored:,} | "
              f"{stored / median:,.0f} | {statistics.median(r[1] for r in results[binary]):.2f} | "
              f"{statistics.median(r[2] for r in results[binary]):.2f} |")
    digests = {b: rows_digest(stores[b]) for b in binaries}
    print(f"\nSame rows: {'yes' if len(set(digests.values())) == 1 else 'NO: ' + str(digests)}")


if __name__ == "__main__":
    main()

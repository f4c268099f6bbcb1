#!/usr/bin/env python3
"""Whole-process times of the one-shot commands on an existing SQLite store, several builds in the
same run, alternating (so that the machine's drift falls on all of them alike).

    scripts/bench-oneshot.py --db bench-data/big-20000000-1000000.db \
        --correlate /tmp/correlate-before,.build/release/correlate [--rounds 2]

After one untimed pass of every command (so that no build reads the store's pages from disk
while the others find them cached), it times `correlate --version` (15 runs each), `correlate trace ID` for 20 traces of the store
and `correlate lookup --fingerprint FP` for 20 of its alerts (each `--rounds` times), checks that
every build printed the same, and prints a Markdown table: median, p90 and median CPU (user +
system) per build. The traces are every 50,000th span of the newest segment that holds spans;
the alerts every fifth of the first hundred the store lists (in its primary key order).
"""
import argparse, os, resource, sqlite3, statistics, subprocess, sys, time


def pick(db):
    catalog = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    fingerprints = [row[0] for row in catalog.execute("SELECT fingerprint FROM alerts LIMIT 100")][::5]
    segments = [row[0] for row in catalog.execute(
        "SELECT file FROM segments WHERE file IS NOT NULL AND span_first IS NOT NULL ORDER BY id DESC")]
    traces = []
    for file in segments:
        segment = sqlite3.connect(f"file:{db}-segments/{file}?mode=ro", uri=True)
        traces = [row[0].hex() for row in segment.execute("SELECT trace_id FROM spans WHERE rowid % 50000 = 7 LIMIT 20")]
        if len(traces) == 20:
            break
    return fingerprints, traces


def measure(binaries, argument_lists):
    # One untimed pass first: otherwise the first build of each pair reads the store's pages
    # from disk and the others from the page cache it just filled.
    for arguments in dict.fromkeys(map(tuple, argument_lists)):
        subprocess.run([binaries[0]] + list(arguments), capture_output=True)
    wall = {b: [] for b in binaries}
    cpu = {b: [] for b in binaries}
    outputs = {b: [] for b in binaries}
    for arguments in argument_lists:
        for binary in binaries:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run([binary] + arguments, capture_output=True)
            wall[binary].append((time.perf_counter() - start) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[binary].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
            outputs[binary].append((done.returncode, done.stdout))
    same = all(outputs[b] == outputs[binaries[0]] for b in binaries)
    return wall, cpu, same


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--correlate", required=True, help="builds to compare, separated by commas")
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    binaries = options.correlate.split(",")
    fingerprints, traces = pick(options.db)
    if len(fingerprints) < 20 or len(traces) < 20:
        sys.exit(f"bench-oneshot: picked {len(fingerprints)} alerts (every fifth of the first 100) and {len(traces)} traces; "
                 "20 of each are needed (a store of correlate-bench store)")
    runs = [
        ("`correlate --version`", [["--version"]] * 15),
        ("`correlate trace ID`, 20 traces", [["trace", "--db", options.db, t] for t in traces] * options.rounds),
        ("`correlate lookup --fingerprint FP`, 20 alerts", [["lookup", "--db", options.db, "--fingerprint", f] for f in fingerprints] * options.rounds),
    ]
    print("| command | " + " | ".join(f"`{b}`" for b in binaries) + " | same output |")
    print("|---|" + "---:|" * len(binaries) + "---|")
    for name, argument_lists in runs:
        wall, cpu, same = measure(binaries, argument_lists)
        cells = []
        for b in binaries:
            times = sorted(wall[b])
            cells.append(f"{statistics.median(times):.1f} ms (p90 {times[int(len(times) * 0.9)]:.1f}, CPU {statistics.median(cpu[b]):.1f})")
        print(f"| {name} | " + " | ".join(cells) + f" | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What the ClickHouse engine itself takes to insert rows shaped as correlate writes them: the
bound under `correlate ingest --store clickhouse://…` on this machine (issue 15).

    scripts/chdb-insert-bound.py --front http://127.0.0.1:PORT --database bench --table otel_traces \\
        [--rows 100000] [--batch 10000]

Reads ROWS rows of TABLE from a running front (`scripts/chdb-front.py`, holding a store that
correlate filled), with the table's DDL and that of the materialized views reading from it and
their target tables (the exporter's `otel_traces_trace_id_ts`); then, in this process, with a
chDB session of its own on a new folder (no HTTP, no front, no correlate), creates them and
times `INSERT INTO TABLE FORMAT JSONEachRow` of the rows, BATCH rows per statement. Prints the
rows per second. Needs chDB (`scripts/setup.sh --tests`: run with .build-python/bin/python3).
"""
import argparse, json, tempfile, time, urllib.parse, urllib.request

import chdb.session


def ask(front, sql):
    request = urllib.request.Request(front + "/?" + urllib.parse.urlencode({"default_format": "JSONEachRow"}), data=sql.encode())
    with urllib.request.urlopen(request) as answer:
        return answer.read().decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--front", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    options = parser.parse_args()
    database, table = options.database, options.table
    tables = [json.loads(line) for line in ask(options.front, f"SELECT name, create_table_query, engine FROM system.tables WHERE database = '{database}'").splitlines()]
    # Views that write into a table of their own (`TO`); one without keeps its rows inside.
    views = [t for t in tables if t["engine"] == "MaterializedView" and f"FROM {database}.{table}" in t["create_table_query"]
             and " TO " in t["create_table_query"]]
    targets = {t["create_table_query"].split(" TO ")[1].split()[0].split(".")[-1] for t in views}
    ordered = [t for t in tables if t["name"] == table] + [t for t in tables if t["name"] in targets] + views
    rows = ask(options.front, f"SELECT * FROM {database}.{table} LIMIT {options.rows} FORMAT JSONEachRow").splitlines()
    session = chdb.session.Session(tempfile.mkdtemp(prefix="chdb-insert-bound-"))
    session.query(f"CREATE DATABASE {database}")
    for t in ordered:
        session.query(t["create_table_query"])
    start = time.perf_counter()
    for first in range(0, len(rows), options.batch):
        session.query(f"INSERT INTO {database}.{table} FORMAT JSONEachRow\n" + "\n".join(rows[first:first + options.batch]))
    took = time.perf_counter() - start
    print(f"{table}: {len(rows)} rows in {took:.2f} s = {len(rows) / took:,.0f} rows/s "
          f"({options.batch} a statement; with {', '.join(t['name'] for t in ordered[1:]) or 'no view'})")


if __name__ == "__main__":
    main()

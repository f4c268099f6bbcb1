#!/usr/bin/env python3
"""The part of ClickHouse's HTTP interface that correlate uses, in front of chDB.

chDB (PyPI `chdb-core`) is the ClickHouse engine compiled as a library: the same SQL parser,
table engines, functions and formats as clickhouse-server. This front lets correlate's tests and
benchmarks talk to it the way they talk to a server, over HTTP, as ClickHouse documents the
interface (https://clickhouse.com/docs/interfaces/http):

- the query in the `query` URL parameter, or in the body of a POST; with both, the body follows
  the query. An `INSERT ... FORMAT NAME` in `query` takes the body as its data, in any of
  ClickHouse's input formats (binary ones too: `Native`, `RowBinary`), given to the engine's
  parser for that format as data (chDB's `send_insert`, the whole body at once), not pasted
  into the statement's text;
- `database`, `default_format` (TabSeparated when absent, as ClickHouse), `param_NAME=value` for
  typed parameters `{NAME:Type}`;
- the user and password from `X-ClickHouse-User`/`X-ClickHouse-Key`, HTTP basic auth or the
  `user`/`password` parameters; a wrong pair is Code 516 (AUTHENTICATION_FAILED), HTTP 403;
- a gzip or deflate request body (`Content-Encoding`); a gzip answer when
  `enable_http_compression=1` and the client accepts it;
- errors as ClickHouse sends them: the `Code: N. DB::Exception: ...` text, the
  `X-ClickHouse-Exception-Code` header, and the HTTP status ClickHouse gives the code (404 for
  unknown tables, databases and functions, 400 for syntax and parsing, 403 for authentication
  and access, 408 for a timeout; 500 otherwise).

Not implemented: settings in the URL other than `default_format` (chDB runs with its own
defaults), read-only GET, chunked request bodies; the request line is limited to 64 KiB
(Python's), where ClickHouse takes 1 MiB.

Every statement is run by chDB itself: nothing here parses SQL. Statements run concurrently, as
on a server: each request takes a chDB session of its own from a pool (`--sessions`, default 8;
a request waits while all are busy). The sessions share one engine and its data; each has its
own current database, which a request's `database` sets for that request only.

    chdb-front.py --path DIR [--port 0] [--user U --password P] [--delay SECONDS] [--sessions N] [--parent-pid PID]

prints `listening on PORT` once it accepts connections. `--delay` holds every answer that long
(how the tests make a slow server).
"""

import argparse
import base64
import gzip
import os
import queue
import re
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chdb import session as chdb_session

CODE = re.compile(r"Code: (\d+)\.")
# An INSERT whose data follows it: `INSERT INTO t [(columns)] FORMAT Name`, the name last.
INSERT_WITH_DATA = re.compile(r"^\s*(INSERT\s.*?)\s+FORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
# ClickHouse's HTTP status for error codes (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp).
STATUS = {
    516: 403, 497: 403, 194: 401,                       # AUTHENTICATION_FAILED, ACCESS_DENIED, REQUIRED_PASSWORD
    60: 404, 81: 404, 46: 404, 47: 404, 115: 404,        # UNKNOWN_TABLE, UNKNOWN_DATABASE, UNKNOWN_FUNCTION, UNKNOWN_IDENTIFIER, UNKNOWN_SETTING
    62: 400, 27: 400, 26: 400, 6: 400, 36: 400, 53: 400, 117: 400, 41: 400, 72: 400, 73: 400,  # syntax, parsing, bad arguments
    159: 408, 209: 503,                                 # TIMEOUT_EXCEEDED, SOCKET_TIMEOUT
}


class Front:
    def __init__(self, path, user, password, delay, sessions):
        self.path = path
        # The first session opens the engine on `path` (an error here stops the front at once);
        # the others are opened as requests come in at the same time, up to `sessions`.
        self.idle = queue.LifoQueue()
        self.idle.put(chdb_session.Session(path))
        self.opened = 1
        self.limit = max(1, sessions)
        self.opening = threading.Lock()
        self.user = user
        self.password = password
        self.delay = delay

    def take(self):
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.opening:
            if self.opened < self.limit:
                session = chdb_session.Session(self.path)
                self.opened += 1
                return session
        return self.idle.get()

    def run(self, sql, database, fmt, params, data=None):
        """Runs `sql`; with `data`, `sql` is an INSERT's head and `fmt` the format of `data`."""
        session = self.take()
        try:
            # A session serves one request at a time: its `database` holds for this request only.
            if database:
                session.query(f"USE `{database}`")
            try:
                if data is not None:
                    inserter = session.send_insert(sql, fmt)
                    try:
                        inserter.append(data)
                        inserter.finish()
                    except BaseException:
                        try:
                            inserter.cancel()
                        except Exception:  # noqa: BLE001 - the insert's own error is the answer
                            pass
                        raise
                    return b""
                result = session.query(sql, fmt, params=params) if params else session.query(sql, fmt)
                return result.bytes() if result is not None else b""
            finally:
                if database:
                    session.query("USE default")
        finally:
            self.idle.put(session)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK (40 ms a request), which no ClickHouse server makes anyone wait.
    disable_nagle_algorithm = True
    front: Front = None

    def log_message(self, format, *args):  # quiet: the tests read stderr
        pass

    def do_GET(self):
        self.answer(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
        except Exception as error:  # noqa: BLE001 - a bad body is the client's error
            return self.error(400, 27, f"Code: 27. DB::Exception: Cannot decompress the request body: {error}. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)")
        self.answer(body)

    def answer(self, body):
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/ping", "/ping/"):
            return self.send(200, b"Ok.\n", {})
        args = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        if not self.authenticated(args):
            user = self.headers.get("X-ClickHouse-User") or args.get("user") or "default"
            return self.error(403, 516, f"Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)")
        query = args.get("query", "")
        params = {name[len("param_"):]: value for name, value in args.items() if name.startswith("param_")}
        fmt = args.get("default_format") or "TabSeparated"
        insert = INSERT_WITH_DATA.match(query) if query and body else None
        if insert:
            sql, data_format, data = insert.group(1), insert.group(2), body
        else:
            text = body.decode("utf-8", errors="replace")
            sql, data_format, data = (query + "\n" + text) if query and text else (query or text), fmt, None
        if not sql.strip():
            return self.send(200, b"Ok.\n", {})
        if self.front.delay:
            time.sleep(self.front.delay)
        try:
            data = self.front.run(sql, args.get("database") or self.headers.get("X-ClickHouse-Database"), data_format, params, data)
        except Exception as error:  # noqa: BLE001 - chDB raises its errors as RuntimeError-like
            message = str(error)
            match = CODE.search(message)
            code = int(match.group(1)) if match else 1002
            status = STATUS.get(code, 500)
            # From `Code:` on: chDB's streaming insert puts words of its own before it.
            return self.error(status, code, message[match.start():] if match else f"Code: {code}. DB::Exception: {message}")
        headers = {"Content-Type": "application/json; charset=UTF-8" if "JSON" in fmt else "text/plain; charset=UTF-8"}
        if args.get("enable_http_compression") == "1" and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            data = gzip.compress(data, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        self.send(200, data, headers)

    def authenticated(self, args):
        if self.front.user is None:
            return True
        user = self.headers.get("X-ClickHouse-User")
        key = self.headers.get("X-ClickHouse-Key")
        authorization = self.headers.get("Authorization") or ""
        if user is None and authorization.startswith("Basic "):
            try:
                user, _, key = base64.b64decode(authorization[6:]).decode().partition(":")
            except Exception:  # noqa: BLE001
                return False
        if user is None:
            user, key = args.get("user"), args.get("password")
        return user == self.front.user and (key or "") == (self.front.password or "")

    def error(self, status, code, message):
        self.send(status, (message.rstrip() + "\n").encode(), {
            "X-ClickHouse-Exception-Code": str(code),
            "Content-Type": "text/plain; charset=UTF-8",
        })

    def send(self, status, data, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = argparse.ArgumentParser(description="ClickHouse's HTTP interface in front of chDB")
    parser.add_argument("--path", required=True, help="chDB's data folder")
    parser.add_argument("--port", type=int, default=0, help="0: a free port, printed")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--delay", type=float, default=0)
    parser.add_argument("--sessions", type=int, default=8, help="statements run at once (chDB sessions)")
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone (the test run that started it)")
    options = parser.parse_args()
    if options.parent_pid:
        def watch():
            while True:
                time.sleep(0.5)
                try:
                    os.kill(options.parent_pid, 0)
                except OSError:
                    os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    Handler.front = Front(options.path, options.user, options.password, options.delay, options.sessions)
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

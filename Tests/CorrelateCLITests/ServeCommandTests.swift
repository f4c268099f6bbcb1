#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite
import CorrelateModel
import CorrelateStore
import CorrelateClickHouse
import CorrelateTestSupport
import Foundation
import Testing

/// `correlate serve`, spoken to over loopback by curl and by the OpenTelemetry Python SDK.
@Suite struct ServeCommandTests {
    /// A `correlate serve` on a free port, in a folder of its own (store `c.db`).
    final class Server: Sendable {
        let folder: URL
        let command: BackgroundCommand
        let port: Int
        var base: String { "http://127.0.0.1:\(port)" }
        var db: String { folder.appendingPathComponent("c.db").path }

        /// `store`: where it stores (`--db c.db` in its folder unless given, `--store …`).
        init(_ arguments: [String] = [], folder given: URL? = nil, launcher: [String] = [], store: [String] = ["--db", "c.db"]) throws {
            let folder = try given ?? Fixtures.temporaryDirectory("serve")
            let command = try BackgroundCommand(["serve", "--listen", "127.0.0.1:0"] + store + arguments, folder: folder,
                                                launcher: launcher)
            self.folder = folder
            self.command = command
            let started = command.waitFor(seconds: 30) { command.stderr.contains("listening on") || !command.process.isRunning }
            let line = command.stderr.split(separator: "\n").first { $0.contains("listening on 127.0.0.1:") }
            let port = line.flatMap { $0.split(separator: " ").first { $0.hasPrefix("127.0.0.1:") } }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .punctuationCharacters)) }
            guard started, let port else {
                throw ServerDidNotStart(stderr: command.stderr)
            }
            self.port = port
        }

        func post(_ path: String, _ body: Data, type: String = "application/x-protobuf", headers: [String: String] = [:]) throws -> HTTPReply {
            var all = headers
            all["Content-Type"] = type
            return try Curl.request(base + path, headers: all, body: body)
        }

        func store() throws -> EventStore { try TestStore.open(path: db) }

        /// The bundle files `--emit dir:out` wrote, by file name.
        func emitted(_ directory: String = "out") -> [String: [String: Any]] {
            let folder = folder.appendingPathComponent(directory)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            var bundles: [String: [String: Any]] = [:]
            for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
                guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                      let bundle = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { continue }
                bundles[name] = bundle
            }
            return bundles
        }
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var stderr: String
        var description: String { "correlate serve did not start: \(stderr)" }
    }

    private func data(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// The Celery sample's recorded OTLP/HTTP requests, as the SDK sent them.
    private func recordedRequests() throws -> [(endpoint: String, body: Data)] {
        let folder = Fixtures.celery("requests")
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().filter { $0.hasSuffix(".pb") }.map {
            ($0.contains("traces") ? "/v1/traces" : "/v1/logs", try data(folder + "/" + $0))
        }
    }

    /// An ExportTraceServiceRequest in OTLP JSON with one span per trace id given.
    private func jsonSpans(_ traces: [String], service: String = "load") -> Data {
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        let spans = traces.enumerated().map { index, trace in
            #"{"traceId":"\#(trace)","spanId":"\#(String(format: "%016x", index + 1))","name":"job","kind":5,"startTimeUnixNano":"\#(now)","endTimeUnixNano":"\#(now + 1_000_000)"}"#
        }
        return Data(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"\#(service)"}}]},"scopeSpans":[{"scope":{"name":"test"},"spans":[\#(spans.joined(separator: ","))]}]}]}"#.utf8)
    }

    private func randomTrace() -> String { String(format: "%016llx%016llx", UInt64.random(in: 1...UInt64.max), UInt64.random(in: 1...UInt64.max)) }

    private func gzip(_ data: Data, in folder: URL) throws -> Data {
        let plain = folder.appendingPathComponent("plain-\(UUID().uuidString)")
        try data.write(to: plain)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-f", plain.path]
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: URL(fileURLWithPath: plain.path + ".gz"))
    }

    // MARK: - OTLP

    @Test func recordedOTLPProtobufRequestsAreStoredAndAnsweredInProtobuf() throws {
        let server = try Server()
        defer { server.command.stop() }
        #expect(try Curl.get(server.base + "/healthz").status == 200)
        for (endpoint, body) in try recordedRequests() {
            let reply = try server.post(endpoint, body)
            #expect(reply.status == 200, "\(endpoint): \(reply.text)")
            #expect(reply.headers["content-type"] == "application/x-protobuf")
            #expect(reply.body.isEmpty, "full success: an empty Export…ServiceResponse")
        }
        // Each request was committed before it was answered: the store has it all now.
        let store = try server.store()
        #expect(try store.statistics().spans == 139)
        let slow = try #require(TraceID.parse("6e5bbfb43e75ba84fca988cb58246552", format: .hex))
        let logs = try store.logs(inTrace: slow)
        #expect(!logs.isEmpty, "OTLP log records keep their own trace ids")
        #expect(logs.allSatisfy { $0.source.file.hasPrefix("otlp-http ") })
        // Sent again (an exporter's retry), nothing is stored twice.
        for (endpoint, body) in try recordedRequests().prefix(10) { #expect(try server.post(endpoint, body).status == 200) }
        #expect(try store.statistics().spans == 139)
        #expect(try store.logs(inTrace: slow).count == logs.count)
    }

    @Test func jsonAndGzipBodiesAndPartialSuccess() throws {
        let server = try Server()
        defer { server.command.stop() }
        let first = try #require(try String(contentsOfFile: Fixtures.celery("traces.otlp.jsonl"), encoding: .utf8)
            .split(separator: "\n").first)
        let reply = try server.post("/v1/traces", try gzip(Data(first.utf8), in: server.folder), type: "application/json",
                                    headers: ["Content-Encoding": "gzip"])
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.text == "{}")
        #expect(try server.store().statistics().spans > 0)

        // One span with the all-zero trace id: rejected and counted, the other kept.
        let good = randomTrace()
        let partial = try server.post("/v1/traces", jsonSpans([good, String(repeating: "0", count: 32)]), type: "application/json; charset=utf-8")
        #expect(partial.status == 200)
        let answer = try #require(try JSONSerialization.jsonObject(with: partial.body) as? [String: Any])
        let success = try #require(answer["partialSuccess"] as? [String: Any])
        #expect(success["rejectedSpans"] as? String == "1")
        #expect((success["errorMessage"] as? String)?.isEmpty == false)
        #expect(try server.store().spans(inTrace: #require(TraceID.parse(good, format: .hex))).count == 1)

        // OTLP JSON log records: their own trace id, or the one the rules find in the body.
        let traced = randomTrace()
        let untraced = randomTrace()
        let logs = #"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"w"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1764059549000000000","severityNumber":9,"body":{"stringValue":"started"},"traceId":"\#(traced)","spanId":"00f067aa0ba902b7"},{"timeUnixNano":"1764059550000000000","severityText":"WARN","body":{"stringValue":"done trace_id=\#(untraced)"}}]}]}]}"#
        let logReply = try server.post("/v1/logs", Data(logs.utf8), type: "application/json")
        #expect(logReply.status == 200, "\(logReply.text)")
        let store = try server.store()
        let own = try store.logs(inTrace: #require(TraceID.parse(traced, format: .hex)))
        #expect(own.map(\.message) == ["started"])
        #expect(own.first?.service == "w")
        let found = try store.logs(inTrace: #require(TraceID.parse(untraced, format: .hex)))
        #expect(found.map(\.message) == ["done trace_id=\(untraced)"])
        #expect(found.first?.rule != nil, "found by an extraction rule")
    }

    @Test func badAndHostileRequestsGetAClearStatusAndTheServerGoesOn() throws {
        let server = try Server(["--max-body", "64KiB"])
        defer { server.command.stop() }
        let unknownType = try server.post("/v1/traces", Data("{}".utf8), type: "text/plain")
        #expect(unknownType.status == 415)
        #expect(unknownType.text.contains("application/x-protobuf"))

        let notJSON = try server.post("/v1/traces", Data("{\"resourceSpans\": [".utf8), type: "application/json")
        #expect(notJSON.status == 400)
        #expect(notJSON.text.contains("cannot decode"))
        let notProtobuf = try server.post("/v1/logs", Data([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))
        #expect(notProtobuf.status == 400)
        #expect(notProtobuf.headers["content-type"] == "application/x-protobuf", "a google.rpc.Status")
        let notGzip = try server.post("/v1/traces", Data("plainly not gzip".utf8), type: "application/json", headers: ["Content-Encoding": "gzip"])
        #expect(notGzip.status == 400)
        let brotli = try server.post("/v1/traces", Data("x".utf8), headers: ["Content-Encoding": "br"])
        #expect(brotli.status == 415)

        // 64 KiB limit: a larger body, and a small gzip body that inflates past it (a bomb).
        let large = try server.post("/v1/traces", Data(repeating: 0x20, count: 200_000), type: "application/json")
        #expect(large.status == 413)
        let bomb = try gzip(Data(repeating: 0, count: 8 << 20), in: server.folder)
        #expect(bomb.count < 64 << 10)
        let bombReply = try server.post("/v1/traces", bomb, type: "application/json", headers: ["Content-Encoding": "gzip"])
        #expect(bombReply.status == 413)
        #expect(bombReply.text.contains("inflates to more than"))

        let notAlerts = try server.post("/api/alerts/alertmanager", Data(#"{"hello": 1}"#.utf8), type: "application/json")
        #expect(notAlerts.status == 400)
        #expect(try Curl.get(server.base + "/v1/secrets/../../etc/passwd").status == 404)
        #expect(try Curl.get(server.base + "/v1/traces").status == 405 || (try Curl.get(server.base + "/v1/traces").status == 404))

        #expect(server.command.process.isRunning)
        #expect(try Curl.get(server.base + "/healthz").status == 200)
        #expect(try server.store().statistics().spans == 0, "nothing of the bad requests was stored")
        // Each refusal is counted; the first ones are said with their reason.
        #expect(server.command.stop())
        #expect(server.command.stderr.contains("correlate serve: warning: refused a request: 415 unsupported Content-Type text/plain"))
        #expect(server.command.stderr.contains("refused a request: 413 the body inflates to more than 65536 bytes"))
        // The closing line names the first refusal, as the first warning said it.
        let first = server.command.stderr.split(separator: "\n").first { $0.contains("warning: refused a request: ") }
            .map { String($0.split(separator: "refused a request: ", maxSplits: 1)[1]) } ?? "?"
        #expect(server.command.stderr.contains("refused 8 requests (400: 4, 413: 2, 415: 2; first: \(first))"), "\(server.command.stderr)")
    }

    /// A client that opens a connection, or starts a request, and then sends nothing more is
    /// disconnected after --idle-timeout.
    @Test func aClientThatStopsSendingIsDisconnected() throws {
        let server = try Server(["--idle-timeout", "1s"])
        defer { server.command.stop() }
        for partial in ["", "POST /v1/traces HTTP/1.1\r\nHost: x\r\n",
                        "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"re"] {
            let socket = try RawConnection(port: server.port)
            defer { socket.disconnect() }
            socket.send(partial)
            let started = Date()
            #expect(socket.waitForClose(seconds: 8), "closed: \(partial.prefix(20))")
            let waited = Date().timeIntervalSince(started)
            #expect(waited > 0.5 && waited < 4, "\(waited) s")
        }
        #expect(try Curl.get(server.base + "/healthz").status == 200)
    }

    /// A TCP connection to loopback, for requests no well-behaved client sends.
    struct RawConnection {
        let descriptor: Int32

        init(port: Int) throws {
            #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard descriptor >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        }

        /// True when the server closes the connection (read returns 0 or fails) within `seconds`.
        func waitForClose(seconds: Int) -> Bool {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count == 0 { return true }
                if count < 0 { return errno == ECONNRESET }
            }
        }

        /// What arrives within `waitingMilliseconds`: nil for nothing, "" when the server closed.
        func readAvailable(waitingMilliseconds: Int32) -> String? {
            var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, waitingMilliseconds) > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(self.descriptor, &buffer, buffer.count)
            return count <= 0 ? "" : String(decoding: buffer[0..<count], as: UTF8.self)
        }

        func disconnect() { _ = close(descriptor) }
    }

    @Test func aBearerTokenGuardsEveryWrite() throws {
        let folder = try Fixtures.temporaryDirectory("serve")
        try "s3cret-token\n".write(to: folder.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        let server = try Server(["--token-file", "token"], folder: folder)
        defer { server.command.stop() }
        let body = jsonSpans([randomTrace()])
        let without = try server.post("/v1/traces", body, type: "application/json")
        #expect(without.status == 401)
        #expect(without.headers["www-authenticate"] == "Bearer")
        #expect(try server.post("/v1/traces", body, type: "application/json", headers: ["Authorization": "Bearer s3cret-tokem"]).status == 401)
        #expect(try server.post("/v1/traces", body, type: "application/json", headers: ["Authorization": "Bearer s3cret-token-and-more"]).status == 401)
        #expect(try server.post("/api/alerts/grafana", Data("{}".utf8), type: "application/json").status == 401)
        #expect(try Curl.get(server.base + "/api/bundles").status == 401)
        #expect(try server.store().statistics().spans == 0)
        #expect(try server.post("/v1/traces", body, type: "application/json", headers: ["Authorization": "Bearer s3cret-token"]).status == 200)
        #expect(try server.store().statistics().spans == 1)
        #expect(try Curl.get(server.base + "/healthz").status == 200, "health checks need no token")
    }

    // MARK: - Alerts and bundles

    @Test func alertWebhooksGiveBundlesInTheDirectoryOnStdoutAndFromTheAPI() throws {
        let server = try Server(["--settle", "1s", "--emit", "dir:out", "--emit", "stdout"])
        defer { server.command.stop() }
        for (endpoint, body) in try recordedRequests() { #expect(try server.post(endpoint, body).status == 200) }
        let alertmanager = try server.post("/api/alerts/alertmanager", try data(Fixtures.celery("alerts/alertmanager-webhook.json")), type: "application/json")
        #expect(alertmanager.status == 200)
        #expect(alertmanager.text.contains(#""accepted":2"#))
        let grafana = try server.post("/api/alerts/grafana", try data(Fixtures.fixture("alerts/grafana-webhook.json")), type: "application/json")
        #expect(grafana.status == 200)
        #expect(grafana.text.contains(#""accepted":1"#))

        // Alertmanager repeats a notification: the payload is kept again, the alerts are the same.
        #expect(try server.post("/api/alerts/alertmanager", try data(Fixtures.celery("alerts/alertmanager-webhook.json")), type: "application/json").status == 200)
        #expect(try server.store().statistics().rawAlerts == 3)

        #expect(server.command.waitFor(seconds: 20) { server.emitted().count == 3 }, "\(server.command.stderr)")
        let files = server.emitted()
        #expect(files.keys.sorted().map { $0.split(separator: "-").first.map(String.init) ?? "" } == ["ErrorRateHigh", "ExportErrors", "JobLatencyHigh"])
        #expect(files.keys.allSatisfy { $0.hasSuffix("-r0.json") })
        let schema = try JSONSchema.bundle()
        for name in files.keys {
            let text = try String(contentsOf: server.folder.appendingPathComponent("out/" + name), encoding: .utf8)
            #expect(schema.validate(text).isEmpty, "\(name)")
        }
        let latency = try #require(files.first { $0.key.hasPrefix("JobLatencyHigh-") }?.value)
        let traces = latency["traces"] as? [[String: Any]] ?? []
        let culprits = traces.filter { ($0["duration_ms"] as? Double ?? 0) > 2_000 }.compactMap { ($0["culprit"] as? [String: Any])?["name"] as? String }
        #expect(culprits.filter { $0 == "db.query" }.count == 4)
        #expect(traces.filter { ($0["duration_ms"] as? Double ?? 0) > 2_000 }.allSatisfy { !($0["logs"] as? [Any] ?? []).isEmpty },
                "the slow jobs' OTLP log records are in their bundles")
        // The Grafana alert names its exemplar trace: that trace comes first.
        let grafanaBundle = try #require(files.first { $0.key.hasPrefix("ExportErrors-") }?.value)
        #expect((grafanaBundle["traces"] as? [[String: Any]])?.first?["trace_id"] as? String == "023a851b1df899d303d8383f992cf98c")

        // stdout got the same bundles, one per line.
        #expect(server.command.waitFor(seconds: 20) { $0.split(separator: "\n").count == 3 })
        let api = try Curl.get(server.base + "/api/bundles?alert=JobLatencyHigh")
        #expect(api.status == 200)
        let listed = try #require(try JSONSerialization.jsonObject(with: api.body) as? [[String: Any]])
        #expect(listed.count == 1)
        #expect(((listed.first?["alert"] as? [String: Any])?["fingerprint"] as? String) == "11d7c3d7e168b8e8")
        let all = try #require(try JSONSerialization.jsonObject(with: try Curl.get(server.base + "/api/bundles").body) as? [Any])
        #expect(all.count == 3)
    }

    // MARK: - Backpressure and shutdown

    /// The store is held by another writer: of three requests sent one after the other
    /// meanwhile, the first waits in the writer, the second in the queue (capacity 1), and the
    /// third is refused at once with 503 and Retry-After; once the store is free, the other two
    /// are answered 200 and stored.
    @Test(.enabled(if: TestStore.sqliteOnly, "an SQLite lock holds the store; on ClickHouse: onClickHouseAcknowledgedIsStoredAndAnUnreachableStoreIs503"))
    func aFullQueueIsAnswered503WithRetryAfterAndNothingAcknowledgedIsLost() throws {
        let server = try Server(["--queue", "1"])
        defer { server.command.stop() }
        #expect(try server.post("/v1/traces", jsonSpans([randomTrace()]), type: "application/json").status == 200)
        var db: OpaquePointer?
        #expect(sqlite3_open(server.db, &db) == SQLITE_OK)
        defer { sqlite3_close(db) }
        #expect(sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)

        let traces = [randomTrace(), randomTrace(), randomTrace()]
        let replies = Replies()
        var clients: [Thread] = []
        for trace in traces {
            let body = jsonSpans([trace])
            let client = Thread {
                let reply = try? server.post("/v1/traces", body, type: "application/json")
                replies.add(trace, reply?.status ?? -1, retryAfter: reply?.headers["retry-after"])
            }
            client.start()
            clients.append(client)
            // One at a time: the first reaches the writer (which waits for the lock), the second
            // the queue, before the third comes.
            usleep(300_000)
        }
        // The refusal came at once; the store is released well within its 5 s busy timeout.
        let refusedInTime = server.command.waitFor(seconds: 3) { replies.statuses.values.contains(503) }
        #expect(refusedInTime)
        #expect(replies.statuses.count == 1, "the other two wait for the store")
        #expect(sqlite3_exec(db, "COMMIT", nil, nil, nil) == SQLITE_OK)
        #expect(server.command.waitFor(seconds: 10) { replies.statuses.count == 3 })
        #expect(replies.statuses.values.sorted() == [200, 200, 503])
        #expect(replies.retryAfter.values.sorted() == ["1"])
        let store = try server.store()
        for (trace, status) in replies.statuses {
            let stored = try store.spans(inTrace: #require(TraceID.parse(trace, format: .hex))).count
            #expect(stored == (status == 200 ? 1 : 0))
        }
        #expect(try store.statistics().spans == 3)
    }

    /// Clients keep sending while SIGTERM comes: every request answered 2xx is in the store
    /// after the exit, and the exit is clean.
    @Test func sigtermKeepsEveryAcknowledgedRequest() throws {
        let server = try Server()
        let replies = Replies()
        let group = DispatchGroup()
        let stopAt = Date(timeIntervalSinceNow: 1.5)
        for client in 0..<4 {
            group.enter()
            DispatchQueue.global().async {
                var sent = 0
                // Until well after the stop: the last requests find the port closed (status 0).
                while Date() < stopAt.addingTimeInterval(1.5) {
                    let traces = (0..<50).map { _ in self.randomTrace() }
                    let status = (try? server.post("/v1/traces", self.jsonSpans(traces, service: "client-\(client)"), type: "application/json"))?.status ?? -1
                    replies.add(traces.joined(separator: ","), status)
                    sent += 1
                }
                group.leave()
            }
        }
        Thread.sleep(until: stopAt)
        #expect(server.command.stop(signal: SIGTERM), "stopped within 10 s")
        group.wait()
        #expect(server.command.process.terminationStatus == 0)
        #expect(server.command.stderr.contains("correlate serve: stopped; stored"))
        let acknowledged = replies.statuses.filter { $0.value == 200 }.keys
        #expect(acknowledged.count > 0)
        #expect(replies.statuses.values.allSatisfy { [200, 503, 0].contains($0) }, "\(Set(replies.statuses.values))")
        let store = try server.store()
        var missing = 0
        for batch in acknowledged {
            for trace in batch.split(separator: ",") where try store.spans(inTrace: #require(TraceID.parse(String(trace), format: .hex))).isEmpty {
                missing += 1
            }
        }
        #expect(missing == 0)
        #expect(try store.statistics().spans >= acknowledged.count * 50)
    }

    final class Replies: @unchecked Sendable {
        // Written under the lock from the client threads.
        private let lock = NSLock()
        private var all: [String: Int] = [:]
        private var retryAfters: [String: String] = [:]
        func add(_ key: String, _ status: Int, retryAfter: String? = nil) {
            lock.lock()
            all[key] = status
            retryAfters[key] = retryAfter
            lock.unlock()
        }
        var retryAfter: [String: String] {
            lock.lock()
            defer { lock.unlock() }
            return retryAfters
        }
        var statuses: [String: Int] {
            lock.lock()
            defer { lock.unlock() }
            return all
        }
    }

    // MARK: - Options

    @Test func badOptionsFailFastAndABusyPortIsSaid() throws {
        for (arguments, message) in [
            (["--listen", "localhost"], "--listen 'localhost' is not HOST:PORT"),
            (["--listen", "127.0.0.1:70000"], "is not HOST:PORT"),
            (["--emit", "ftp://example.com/x"], "--emit 'ftp://example.com/x' is not stdout, dir:PATH or an http(s) URL"),
            // Ports Foundation takes and the HTTP client then fails on (a crash at the first bundle).
            (["--emit", "http://127.0.0.1:65536/x"], "--emit 'http://127.0.0.1:65536/x' is not stdout, dir:PATH or an http(s) URL (whose port"),
            (["--emit", "https://u:p@example.com:0/x"], "is not stdout, dir:PATH or an http(s) URL (whose port"),
            (["--emit", "http://[::1]:99999999999999999999/x"], "is not stdout, dir:PATH or an http(s) URL (whose port"),
            (["--store", "clickhouse://127.0.0.1:99999999999999999999/otel"], "port '99999999999999999999' in 'clickhouse://127.0.0.1:99999999999999999999/otel' is not a port (1 to 65535)"),
            (["--max-body", "lots"], "--max-body 'lots' is not a size"),
            (["--settle", "soon"], "--settle 'soon' is not a duration"),
            (["--token-file", "/nonexistent/token"], "--token-file '/nonexistent/token' cannot be read"),
        ] {
            let result = try CommandRunner.run(["serve"] + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let first = try Server()
        defer { first.command.stop() }
        let second = try CommandRunner.run(["serve", "--listen", "127.0.0.1:\(first.port)", "--db", first.db])
        #expect(second.status == 1)
        #expect(second.stderr.contains("correlate serve: error:"), "\(second.stderr)")
        #expect(second.stderr.lowercased().contains("address already in use"), "\(second.stderr)")
    }

    // MARK: - Real clients

    /// The stock OpenTelemetry Python SDK exports a producer/consumer trace and its log records
    /// over OTLP/HTTP; curl posts an Alertmanager webhook; the bundle names that trace, its
    /// queue wait and its logs.
    @Test func theOpenTelemetryPythonSDKAndAnAlertmanagerWebhookMakeABundle() throws {
        let python = Fixtures.path(".build-python/bin/python3")
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/setup.sh --tests first")
        let server = try Server(["--settle", "1s", "--emit", "dir:out"])
        defer { server.command.stop() }
        let started = Date()

        let client = Process()
        client.executableURL = URL(fileURLWithPath: python)
        client.arguments = [Fixtures.fixture("otel/producer_consumer.py")]
        client.environment = ProcessInfo.processInfo.environment.merging([
            "OTEL_EXPORTER_OTLP_ENDPOINT": server.base, "QUEUE_WAIT_SECONDS": "0.4", "WORK_SECONDS": "0.8",
        ]) { $1 }
        let output = Pipe()
        client.standardOutput = output
        try client.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        #expect(client.terminationStatus == 0)
        let sent = try #require(try JSONSerialization.jsonObject(with: printed) as? [String: Any])
        let traceID = try #require(sent["trace_id"] as? String)
        let messages = try #require(sent["messages"] as? [String])

        let format = ISO8601DateFormatter()
        // Whole seconds would cut up to a second off the window's end, before the worker's spans.
        format.formatOptions.insert(.withFractionalSeconds)
        let payload = """
            {"version":"4","status":"resolved","receiver":"correlate","groupKey":"{}:{alertname=\\"InvoiceLatencyHigh\\"}",
             "alerts":[{"status":"resolved","fingerprint":"5e1d1a7e0b0c0d0e",
               "labels":{"alertname":"InvoiceLatencyHigh","job":"billing-worker","queue":"invoices","task":"jobs.tasks.send_invoice"},
               "annotations":{"description":"p95 runtime of jobs.tasks.send_invoice above threshold 1s"},
               "startsAt":"\(format.string(from: started.addingTimeInterval(-30)))","endsAt":"\(format.string(from: Date()))"}]}
            """
        let folder = server.folder
        try payload.write(to: folder.appendingPathComponent("alert.json"), atomically: true, encoding: .utf8)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-sf", "-H", "Content-Type: application/json", "--data-binary", "@alert.json",
                          server.base + "/api/alerts/alertmanager"]
        curl.currentDirectoryURL = folder
        curl.standardOutput = FileHandle.nullDevice
        try curl.run()
        curl.waitUntilExit()
        #expect(curl.terminationStatus == 0)

        #expect(server.command.waitFor(seconds: 20) { !server.emitted().isEmpty }, "\(server.command.stderr)")
        let bundle = try #require(server.emitted().values.first)
        #expect((bundle["alert"] as? [String: Any])?["name"] as? String == "InvoiceLatencyHigh")
        let trace = try #require((bundle["traces"] as? [[String: Any]])?.first, "\(bundle) \(server.command.stderr)")
        #expect(trace["trace_id"] as? String == traceID)
        let queueWait = try #require(trace["queue_wait_ms"] as? Double)
        #expect(queueWait >= 390 && queueWait < 1_500, "slept 400 ms between enqueue and execute: \(queueWait)")
        #expect(((trace["culprit"] as? [String: Any])?["name"] as? String) == "smtp.send")
        let spans = trace["spans"] as? [[String: Any]] ?? []
        #expect(Set(spans.compactMap { $0["service"] as? String }) == ["billing-api", "billing-worker"])
        let logged = (trace["logs"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(Set(logged) == Set(messages), "every log record, the one found in its text too")
    }

    // MARK: - On ClickHouse

    /// A store on ClickHouse: what `serve` acknowledges is there; while ClickHouse cannot be
    /// reached, requests are answered 503 with Retry-After and nothing is acknowledged.
    @Test func onClickHouseAcknowledgedIsStoredAndAnUnreachableStoreIs503() throws {
        let front = try ClickHouseFront()
        defer { front.stop() }
        let address = front.address(database: "otel")
        #expect(try CommandRunner.run(["store", "init", "--store", address]).status == 0)
        let server = try Server(store: ["--store", address])
        defer { server.command.stop() }
        let first = (0..<20).map { _ in randomTrace() }
        #expect(try server.post("/v1/traces", jsonSpans(first), type: "application/json").status == 200)
        let store = try ClickHouseEventStore(endpoint: try ClickHouseEndpoint.parse(address), access: .read)
        #expect(try store.statistics().spans == 20)
        front.stop()
        let refused = try server.post("/v1/traces", jsonSpans((0..<5).map { _ in randomTrace() }), type: "application/json")
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.text.contains("cannot reach ClickHouse"), "\(refused.text)")
        #expect(try Curl.get(server.base + "/healthz").status == 200, "the server goes on")
    }

    /// Two servers on one ClickHouse, each sent half the exports and both the same Alertmanager
    /// notification (as an HA pair of Alertmanagers may send it): every span stored once, and
    /// the bundle of each alert written by one of them.
    @Test func twoServersOnOneClickHouseStoreOnceAndEmitEachRevisionOnce() throws {
        let front = try ClickHouseFront.shared.get()
        let address = front.address(database: ClickHouseFront.freshDatabase("serve"))
        #expect(try CommandRunner.run(["store", "init", "--store", address]).status == 0)
        let servers = try (0..<2).map { _ in try Server(["--settle", "1s", "--emit", "dir:out"], store: ["--store", address]) }
        defer { for server in servers { server.command.stop() } }
        for (index, (endpoint, body)) in try recordedRequests().enumerated() {
            #expect(try servers[index % 2].post(endpoint, body).status == 200)
        }
        // A retry of a request already stored, to the other server.
        let (endpoint, body) = try recordedRequests()[0]
        #expect(try servers[1].post(endpoint, body).status == 200)
        let webhook = try data(Fixtures.celery("alerts/alertmanager-webhook.json"))
        for server in servers { #expect(try server.post("/api/alerts/alertmanager", webhook, type: "application/json").status == 200) }
        let store = try ClickHouseEventStore(endpoint: try ClickHouseEndpoint.parse(address), access: .read)
        #expect(try store.statistics().spans == 139)
        let both = { servers.flatMap { $0.emitted().keys } }
        #expect(servers[0].command.waitFor(seconds: 30) { both().count >= 2 }, "\(servers.map(\.command.stderr))")
        usleep(3_000_000)
        #expect(both().sorted().map { $0.split(separator: "-").first.map(String.init) ?? "" } == ["ErrorRateHigh", "JobLatencyHigh"])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CorrelateDecode
import CorrelateModel
import CorrelateOTLP
import CorrelateStore
import Foundation
import CorrelateJSON

/// `correlate-bench serve`: OTLP/HTTP load on a release `correlate serve`, over loopback.
///
///     .build/release/correlate-bench serve [--clients 8] [--seconds 20] [--batch 512]
///         [--spans N] [--every 1000000] [--db PATH] [--correlate PATH]
///
/// `--spans N` sends N spans (then stops) instead of sending for `--seconds`; `--every` prints
/// the rate of each stretch of that many acknowledged spans as the store grows; `--db` serves
/// an existing store (kept; the spans stored must then grow by exactly those acknowledged)
/// instead of a fresh one under `bench-data/serve/`; `--correlate` serves with another build
/// (default: the `correlate` beside this bench).
///
/// Starts `correlate serve` on a free port with a fresh store, then `--clients` exporters, each
/// a thread with one keep-alive connection, send OTLP protobuf `ExportTraceServiceRequest`s of
/// `--batch` spans (the SDK's BatchSpanProcessor default, 512) as fast as they are answered,
/// for `--seconds`. Every span is new: copies of the Celery sample's traces, each copy with a
/// trace id of its own. A 503 is retried after a short pause (counted). Then SIGTERM; once the
/// server has exited, the store's span count must equal the spans acknowledged with 200.
/// Prints spans/s sustained, request latency p50/p99, the server's peak resident memory.
enum ServeBench {
    static func run(_ arguments: [String]) throws {
        var clients = 8
        var seconds = 20.0
        var batch = 512
        var spanLimit: Int?
        var every = 1_000_000
        var existing: String?
        var binary: String?
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--clients": clients = Int(iterator.next() ?? "") ?? clients
            case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
            case "--batch": batch = Int(iterator.next() ?? "") ?? batch
            case "--spans": spanLimit = Int(iterator.next() ?? "")
            case "--every": every = Int(iterator.next() ?? "") ?? every
            case "--db": existing = iterator.next()
            case "--correlate": binary = iterator.next()
            default:
                Bench.log("unknown option \(argument)")
                exit(2)
            }
        }
        let root = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let correlate = binary ?? root.appendingPathComponent("correlate").path
        let folder = "bench-data/serve"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = existing ?? "\(folder)/serve.db"
        let before = existing == nil ? 0 : try SQLiteEventStore(path: database, access: .readOnly).statistics().spans
        if existing != nil { Bench.log("\(database) holds \(before) spans") }
        let template = try RequestTemplate(batch: batch)
        Bench.log("request: \(template.body.count) bytes, \(batch) spans in \(template.traceOffsets.count) traces")

        // The server.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: correlate)
        server.arguments = ["serve", "--listen", "127.0.0.1:0", "--db", database, "--emit", "dir:\(folder)/bundles"]
        let errors = Pipe()
        server.standardError = errors
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        var announced = Data()
        while !String(decoding: announced, as: UTF8.self).contains("\n") {
            let chunk = errors.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw BenchError("correlate serve did not start: \(String(decoding: announced, as: UTF8.self))") }
            announced += chunk
        }
        let line = String(decoding: announced, as: UTF8.self)
        guard let address = line.split(separator: " ").first(where: { $0.hasPrefix("127.0.0.1:") }),
              let port = Int(address.split(separator: ":")[1].trimmingCharacters(in: .punctuationCharacters))
        else { throw BenchError("no port in: \(line)") }
        Bench.log("correlate serve pid \(server.processIdentifier) on port \(port)")

        // The exporters.
        let spansPerRequest = batch
        let counter = Counter()
        let results = Results()
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64((spanLimit == nil ? seconds : 3_600) * 1e9)
        let requestLimit = spanLimit.map { UInt64(($0 + batch - 1) / batch) } ?? .max
        let started = DispatchTime.now().uptimeNanoseconds
        let group = DispatchGroup()
        for _ in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                var latencies: [Double] = []
                var acknowledged = 0
                var refused = 0
                var failed = 0
                var body = template.body
                do {
                    var connection = try Connection(port: port)
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        let number = counter.next()
                        if number > requestLimit { break }
                        template.stamp(&body, request: number)
                        let sent = DispatchTime.now().uptimeNanoseconds
                        let status = try connection.post("/v1/traces", body: body)
                        latencies.append(Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e6)
                        switch status {
                        case 200:
                            acknowledged += spansPerRequest
                            results.acknowledge(spansPerRequest)
                        case 503, 429:
                            counter.retry(number)
                            refused += 1
                            usleep(50_000)
                        default: failed += 1
                        }
                    }
                } catch {
                    Bench.log("client: \(error)")
                    failed += 1
                }
                results.add(latencies: latencies, acknowledged: acknowledged, refused: refused, failed: failed)
            }
            thread.start()
        }
        var peakKiB = 0
        var nextMark = every
        var stretchStart = started
        var stretches: [String] = []
        while group.wait(timeout: .now() + 0.1) == .timedOut {
            peakKiB = max(peakKiB, peakResidentKiB(server.processIdentifier) ?? 0)
            if results.acknowledgedSoFar >= nextMark {
                let now = DispatchTime.now().uptimeNanoseconds
                stretches.append(String(format: "| %d | %.2f | %.0f | %d |", nextMark, Double(now - stretchStart) / 1e9,
                                        Double(every) / (Double(now - stretchStart) / 1e9), (SteadyBench.residentKiB(server.processIdentifier) ?? 0) >> 10))
                Bench.log(stretches.last!)
                stretchStart = now
                nextMark += every
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        peakKiB = max(peakKiB, peakResidentKiB(server.processIdentifier) ?? 0)

        // Stop, then count what the store holds.
        kill(server.processIdentifier, SIGTERM)
        let stopStart = DispatchTime.now().uptimeNanoseconds
        server.waitUntilExit()
        let stopSeconds = Double(DispatchTime.now().uptimeNanoseconds - stopStart) / 1e9
        let stored = try SQLiteEventStore(path: database, access: .readOnly).statistics().spans - before

        let sorted = results.latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        let rate = Double(results.acknowledged) / elapsed
        print("| clients | batch | seconds | requests | spans acknowledged | spans/s | p50 ms | p99 ms | max ms | 503s | errors | peak RSS | stored = acknowledged | stop |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        print(String(format: "| %d | %d | %.1f | %d | %d | **%.0f** | %.1f | %.1f | %.0f | %d | %d | %d MiB | %@ (%d) | %.2f s |",
                     clients, batch, elapsed, sorted.count, results.acknowledged, rate, percentile(0.5), percentile(0.99), sorted.last ?? 0,
                     results.refused, results.failed, peakKiB >> 10, stored == results.acknowledged ? "yes" : "**NO**", stored, stopSeconds))
        if !stretches.isEmpty {
            print("")
            print("| spans acknowledged | seconds (stretch) | spans/s | RSS MiB |")
            print("|---:|---:|---:|---:|")
            for stretch in stretches { print(stretch) }
        }
        print("")
        print("Command: `.build/release/correlate-bench serve --clients \(clients) "
              + (spanLimit.map { "--spans \($0) --every \(every)" } ?? "--seconds \(Int(seconds))") + " --batch \(batch)"
              + (existing.map { " --db \($0)" } ?? "") + "`; target 100,000 spans/s.")
        guard stored == results.acknowledged else {
            throw BenchError("\(results.acknowledged) spans acknowledged but \(stored) stored")
        }
    }

    /// VmHWM of a running process, in KiB.
    static func peakResidentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// A request body made once; `stamp` makes it a new request: every trace id carries the
    /// request's number, every job id (`messaging.message.id`, `celery.task_id`) too, and the
    /// spans' times are moved to now, so each request's spans are new to the store and arrive
    /// in time order, as a live exporter's do.
    struct RequestTemplate: Sendable {
        let body: [UInt8]
        /// Where each trace's id starts, for every span of it.
        let traceOffsets: [[Int]]
        /// Where each job id starts (13 characters, `xxxxxxxx-kkkk`, are rewritten).
        let jobOffsets: [(offset: Int, number: Int)]
        /// Where each span's start and end times are, and their offsets from the batch's first start.
        let timeOffsets: [(offset: Int, relative: Int64)]

        init(batch: Int) throws {
            let lines = try String(contentsOfFile: "samples/celery-redis/traces.otlp.jsonl", encoding: .utf8).split(separator: "\n")
            var sample: [Span] = []
            for line in lines { sample += try SpanDocumentDecoder.decode(try JSONDocument.parse(String(line))).spans }
            let byTrace = Dictionary(grouping: sample, by: \.traceID).values.sorted { $0[0].start < $1[0].start }
            let first = sample.map(\.start.nanoseconds).min() ?? 0
            // Copies of the sample's traces until the batch is full, with placeholders found
            // again in the encoded bytes: copy n's trace id is marker:n, span i's times
            // timeMarker + 2i (+1), job id k's first 13 characters "fee1dead-kkkk".
            var spans: [Span] = []
            var times: [(placeholder: UInt64, relative: Int64)] = []
            var jobs: [String: Int] = [:]
            var copy: UInt64 = 0
            while spans.count < batch {
                for trace in byTrace where spans.count < batch {
                    copy += 1
                    var jobsOfCopy: [String: String] = [:]
                    for var span in trace.prefix(batch - spans.count) {
                        span.traceID = TraceID(high: Self.marker, low: copy)
                        let index = UInt64(spans.count)
                        times.append((Self.timeMarker + 2 * index, span.start.nanoseconds - first))
                        times.append((Self.timeMarker + 2 * index + 1, span.end.nanoseconds - first))
                        span.start = Timestamp(nanoseconds: Int64(bitPattern: Self.timeMarker + 2 * index))
                        span.end = Timestamp(nanoseconds: Int64(bitPattern: Self.timeMarker + 2 * index + 1))
                        span.attributes = span.attributes.map { attribute in
                            guard ["messaging.message.id", "messaging.message_id", "celery.task_id"].contains(attribute.key),
                                  case .string(let id) = attribute.value, id.utf8.count >= 13 else { return attribute }
                            if jobsOfCopy[id] == nil {
                                let placeholder = String(format: "fee1dead-%04x", jobs.count) + id.dropFirst(13)
                                jobs[placeholder] = jobs.count
                                jobsOfCopy[id] = placeholder
                            }
                            return Attribute(attribute.key, .string(jobsOfCopy[id]!))
                        }
                        spans.append(span)
                    }
                }
            }
            let body = Array(try OTLPProtobufEncoder.encodeTraces(spans))
            self.body = body
            func find(_ pattern: [UInt8]) -> [Int] {
                var found: [Int] = []
                var index = 0
                while index + pattern.count <= body.count {
                    if body[index] == pattern[0], Array(body[index..<index + pattern.count]) == pattern { found.append(index) }
                    index += 1
                }
                return found
            }
            traceOffsets = try (1...copy).map { number in
                let found = find(Self.bytes(Self.marker) + Self.bytes(number))
                guard !found.isEmpty else { throw BenchError("trace copy \(number) not found in the encoded request") }
                return found
            }
            timeOffsets = try times.map { time in
                // fixed64, little-endian.
                let found = find((0..<8).map { UInt8(truncatingIfNeeded: time.placeholder >> (8 * $0)) })
                guard found.count == 1 else { throw BenchError("span time placeholder found \(found.count) times") }
                return (found[0], time.relative)
            }
            jobOffsets = jobs.flatMap { placeholder, number in find(Array(placeholder.utf8.prefix(13))).map { ($0, number) } }
        }

        static let marker: UInt64 = 0xFEED_FACE_CAFE_BEEF
        static let timeMarker: UInt64 = 0x1EAD_BEEF_0000_0000

        static func bytes(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

        /// Request `number`: its number in the high half of every trace id (the copy in the
        /// low), in every job id, and its spans starting now.
        func stamp(_ body: inout [UInt8], request number: UInt64) {
            let high = Self.bytes(number | 0x4000_0000_0000_0000)
            for (copy, offsets) in traceOffsets.enumerated() {
                let low = Self.bytes(UInt64(copy + 1))
                for offset in offsets {
                    body.replaceSubrange(offset..<offset + 8, with: high)
                    body.replaceSubrange(offset + 8..<offset + 16, with: low)
                }
            }
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            for (offset, relative) in timeOffsets {
                let value = UInt64(now + relative)
                body.replaceSubrange(offset..<offset + 8, with: (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
            }
            for (offset, job) in jobOffsets {
                body.replaceSubrange(offset..<offset + 13, with: Array(String(format: "%08x-%04x", UInt32(truncatingIfNeeded: number), job).utf8))
            }
        }
    }

    /// One keep-alive HTTP/1.1 connection, blocking.
    struct Connection {
        let descriptor: Int32
        var buffer: [UInt8] = []

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
            guard descriptor >= 0, connected == 0 else { throw BenchError("cannot connect to port \(port)") }
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }

        /// Sends the request, reads the whole response; its status.
        mutating func post(_ path: String, body: [UInt8]) throws -> Int {
            let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: \(body.count)\r\n\r\n"
            try send(Array(head.utf8) + body)
            // Headers, then Content-Length bytes of body.
            var headerEnd: Int?
            while headerEnd == nil {
                if let end = find([13, 10, 13, 10]) { headerEnd = end + 4 } else { try receive() }
            }
            let header = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
            let status = Int(header.split(separator: " ").dropFirst().first ?? "") ?? 0
            var length = 0
            for line in header.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
            while buffer.count < headerEnd! + length { try receive() }
            buffer.removeFirst(headerEnd! + length)
            return status
        }

        private func find(_ pattern: [UInt8]) -> Int? {
            guard buffer.count >= pattern.count else { return nil }
            for index in 0...(buffer.count - pattern.count) where buffer[index] == pattern[0] {
                if Array(buffer[index..<index + pattern.count]) == pattern { return index }
            }
            return nil
        }

        private func send(_ bytes: [UInt8]) throws {
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { throw BenchError("connection closed while sending") }
                sent += count
            }
        }

        private mutating func receive() throws {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { throw BenchError("connection closed while receiving") }
            buffer += chunk[0..<count]
        }
    }

    final class Counter: @unchecked Sendable {
        // Under the lock.
        private let lock = NSLock()
        private var value: UInt64 = 0
        private var again: [UInt64] = []
        /// The next request number (one refused with 503 first: it is sent again).
        func next() -> UInt64 {
            lock.lock()
            defer { lock.unlock() }
            if let number = again.popLast() { return number }
            value += 1
            return value
        }

        func retry(_ number: UInt64) {
            lock.lock()
            again.append(number)
            lock.unlock()
        }
    }

    final class Results: @unchecked Sendable {
        // Under the lock.
        private let lock = NSLock()
        private(set) var latencies: [Double] = []
        private(set) var acknowledged = 0
        private(set) var refused = 0
        private(set) var failed = 0
        private var running = 0
        var acknowledgedSoFar: Int {
            lock.lock()
            defer { lock.unlock() }
            return running
        }

        func acknowledge(_ spans: Int) {
            lock.lock()
            running += spans
            lock.unlock()
        }

        func add(latencies more: [Double], acknowledged: Int, refused: Int, failed: Int) {
            lock.lock()
            latencies += more
            self.acknowledged += acknowledged
            self.refused += refused
            self.failed += failed
            lock.unlock()
        }
    }
}

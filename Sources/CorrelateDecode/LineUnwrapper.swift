#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CorrelateModel
import CorrelateJSON

/// Finds the line an application wrote inside what a container runtime, a log shipper or a
/// terminal-minded logger put around it, so that it is decoded as its own format:
///
/// - **Kubernetes CRI** (containerd, CRI-O; the kubelet's log files): `<RFC 3339 nano>
///   <stdout|stderr> <P|F> <content>`. A line longer than the runtime's buffer is written as
///   `P` (partial) lines ended by an `F` line; they are joined into one. (kubernetes/cri-api,
///   "CRI logging format".)
/// - **Docker json-file** and the shippers that keep its shape (Fluent Bit, Fluentd, FireLens):
///   `{"log":"<content>\n","stream":"stdout","time":"…"}`; a content without its final `\n`
///   is a partial (Docker cuts lines at 16 KiB) joined with the next of its stream. Vector's
///   and Fluentd's Kubernetes envelopes, `{"message":"<content>","kubernetes":{…}}`, too.
/// - **Syslog**, RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`) and RFC 3164
///   (`[<PRI>]Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, and rsyslog's high-precision
///   `<RFC 3339> HOST TAG[PID]: MSG`).
/// - **Pretty-printed JSON**: a line that is `{` alone opens an object written over several
///   lines (the OpenTelemetry SDKs' console exporters, `json.dumps(indent=…)`); its lines are
///   joined up to the `}` that closes it, into one JSON line of several physical lines.
/// - **Terminal colours**: ANSI escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL`, and
///   two-byte escapes), as structlog's console renderer, zap's and Rust tracing's development
///   output write them, are removed.
///
/// The wrapper's time and stream are kept (``Inner``) for when the inner line has none: CRI's
/// and Docker's `stdout`/`stderr` are streams of their own, so a stack trace on stderr is not
/// broken by a line on stdout; syslog's host, app and process id are one stream per writer.
///
/// A class, used by one thread: the body a line is handed to may ask it about its partials.
public final class LineUnwrapper {
    /// What the wrapper said about the line inside it.
    public struct Inner: Sendable {
        public var timestamp: Timestamp?
        public var severity: Severity?
        /// The writer's stream (0: no wrapper, or none told).
        public var streamKey: UInt64 = 0
        /// The physical line the content began on (a partial's first line).
        public var firstLine: Int
        /// Physical lines joined into this one.
        public var lines = 1
        /// Longer than the bound once joined: cut.
        public var truncated = false

        public init(firstLine: Int) {
            self.firstLine = firstLine
        }
    }

    /// Partials waiting for the rest of their line, by stream (a pretty-printed JSON object
    /// being read, under ``blockKey``).
    public struct Partial: Sendable {
        var bytes: [UInt8] = []
        var inner: Inner
        /// Objects open, in a pretty-printed JSON block.
        var depth = 0
    }

    /// The key of the pretty-printed JSON block being read (no stream has key 0).
    static let blockKey: UInt64 = 0

    /// Physical lines a pretty-printed block may take before it is handed on as it is.
    static let maxBlockLines = 1_000

    private var scratch: [UInt8] = []
    private var stripped: [UInt8] = []
    public private(set) var partials: [UInt64: Partial] = [:]
    private let maxLineBytes: Int

    public init(maxLineBytes: Int = 1 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Whether partial lines are waiting for their end.
    public var hasPartials: Bool { !partials.isEmpty }

    /// Takes the partials of another unwrapper (the state the line-by-line path has at a chunk
    /// boundary).
    public func restore(partials: [UInt64: Partial]) {
        self.partials = partials
    }

    /// Calls `body` with the line the application wrote inside `line` (line `number` of its
    /// input) — or `line` itself, when nothing is around it — unless `line` is a partial kept
    /// until its end arrives. The bytes are valid only during the call.
    /// - Parameter truncated: the line was cut to the reader's bound (a partial so cut makes
    ///   the joined line cut).
    public func unwrap(
        _ line: UnsafeBufferPointer<UInt8>, number: Int, truncated: Bool = false,
        _ body: (UnsafeBufferPointer<UInt8>, Inner) -> Void
    ) {
        var inner = Inner(firstLine: number)
        inner.truncated = truncated
        if partials[Self.blockKey] != nil { return continueBlock(line, number: number, truncated: truncated, body) }
        if Self.opensBlock(line) {
            var block = Partial(inner: inner)
            block.depth = 1
            append(line, to: &block)
            partials[Self.blockKey] = block
            return
        }
        guard let first = line.first else { return body(line, inner) }
        if first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9"), let cri = Self.cri(line) {
            inner.timestamp = cri.timestamp
            inner.streamKey = cri.stream
            let content = UnsafeBufferPointer(rebasing: line[cri.content])
            if cri.partial {
                keepPartial(content, inner: inner)
                return
            }
            return finish(content, inner: inner, body)
        }
        if first == UInt8(ascii: "{"), let envelope = Self.jsonEnvelope(line) {
            inner.timestamp = envelope.timestamp
            inner.streamKey = envelope.stream
            // The buffer is taken out while it is read (no copy), and put back after.
            var content = scratch
            scratch = []
            defer { scratch = content }
            content.removeAll(keepingCapacity: true)
            let raw = UnsafeBufferPointer(rebasing: line[envelope.content])
            if envelope.escaped { JSONStringEscapes.unescape(raw, into: &content) } else { content.append(contentsOf: raw) }
            let complete = content.last == 0x0A
            if complete {
                content.removeLast()
                if content.last == 0x0D { content.removeLast() }
            } else if envelope.partialWithoutNewline {
                return content.withUnsafeBufferPointer { keepPartial($0, inner: inner) }
            }
            return content.withUnsafeBufferPointer { finish($0, inner: inner, body) }
        }
        if let syslog = Self.syslog(line) {
            inner.timestamp = syslog.timestamp
            inner.severity = syslog.severity
            inner.streamKey = syslog.stream
            guard let data = syslog.structuredData else {
                return finish(UnsafeBufferPointer(rebasing: line[syslog.content]), inner: inner, body)
            }
            // The message as written, then the structured data, where ids are often put.
            var content = scratch
            scratch = []
            defer { scratch = content }
            content.removeAll(keepingCapacity: true)
            content.append(contentsOf: UnsafeBufferPointer(rebasing: line[syslog.content]))
            if !content.isEmpty { content.append(UInt8(ascii: " ")) }
            content.append(contentsOf: UnsafeBufferPointer(rebasing: line[data]))
            return content.withUnsafeBufferPointer { finish($0, inner: inner, body) }
        }
        finish(line, inner: inner, body)
    }

    /// `{` alone on its line (spaces around it allowed).
    static func opensBlock(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var open = false
        for byte in line {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "{") where !open: open = true
            default: return false
            }
        }
        return open
    }

    /// A line of the pretty-printed block: joined; the block is handed on once its braces close.
    /// A line that cannot be one of pretty-printed JSON (a timed log line after a `{` that was
    /// not JSON) ends it: its lines are handed on one by one, as they came, then that line.
    private func continueBlock(
        _ line: UnsafeBufferPointer<UInt8>, number: Int, truncated: Bool, _ body: (UnsafeBufferPointer<UInt8>, Inner) -> Void
    ) {
        guard var block = partials.removeValue(forKey: Self.blockKey) else { return }
        guard Self.mayContinueBlock(line) else {
            var first = block.inner.firstLine
            for piece in block.bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                Array(piece).withUnsafeBufferPointer { stripColour($0, inner: Inner(firstLine: first), body) }
                first += 1
            }
            return unwrap(line, number: number, truncated: truncated, body)
        }
        block.bytes.append(0x0A)
        append(line, to: &block)
        block.inner.lines += 1
        var inString = false
        var escaped = false
        for byte in line {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): block.depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): block.depth -= 1
            default: break
            }
        }
        if block.depth > 0, block.inner.lines < Self.maxBlockLines, !block.inner.truncated {
            partials[Self.blockKey] = block
            return
        }
        block.bytes.withUnsafeBufferPointer { stripColour($0, inner: block.inner, body) }
    }

    /// Whether a line can be one of a pretty-printed JSON object: after its indentation, a key,
    /// a value or a bracket.
    static func mayContinueBlock(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = line.first(where: { $0 != 0x20 && $0 != 0x09 }) else { return false }
        switch first {
        case UInt8(ascii: "\""), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "["),
             UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: ","):
            // A timed log line starts with a digit too: not when it reads as a time.
            return Timestamp.parsePrefix(line) == nil
        default:
            return false
        }
    }

    /// Hands on the partials still waiting (the input ended), oldest first.
    public func flush(_ body: (UnsafeBufferPointer<UInt8>, Inner) -> Void) {
        let waiting = partials.values.sorted { $0.inner.firstLine < $1.inner.firstLine }
        partials.removeAll()
        for partial in waiting {
            partial.bytes.withUnsafeBufferPointer { stripColour($0, inner: partial.inner, body) }
        }
    }

    /// The content a whole line ends with: joined to its stream's partials, colours removed.
    private func finish(
        _ content: UnsafeBufferPointer<UInt8>, inner given: Inner, _ body: (UnsafeBufferPointer<UInt8>, Inner) -> Void
    ) {
        guard given.streamKey != 0, var partial = partials.removeValue(forKey: given.streamKey) else {
            return stripColour(content, inner: given, body)
        }
        append(content, to: &partial)
        partial.inner.lines += 1
        partial.inner.truncated = partial.inner.truncated || given.truncated
        partial.bytes.withUnsafeBufferPointer { stripColour($0, inner: partial.inner, body) }
    }

    private func keepPartial(_ content: UnsafeBufferPointer<UInt8>, inner: Inner) {
        if var partial = partials[inner.streamKey] {
            append(content, to: &partial)
            partial.inner.lines += 1
            partial.inner.truncated = partial.inner.truncated || inner.truncated
            partials[inner.streamKey] = partial
        } else {
            var partial = Partial(inner: inner)
            append(content, to: &partial)
            partials[inner.streamKey] = partial
        }
    }

    private func append(_ content: UnsafeBufferPointer<UInt8>, to partial: inout Partial) {
        let room = maxLineBytes - partial.bytes.count
        if content.count > room {
            partial.bytes.append(contentsOf: content.prefix(max(0, room)))
            partial.inner.truncated = true
        } else {
            partial.bytes.append(contentsOf: content)
        }
    }

    private func stripColour(
        _ content: UnsafeBufferPointer<UInt8>, inner: Inner, _ body: (UnsafeBufferPointer<UInt8>, Inner) -> Void
    ) {
        guard let base = content.baseAddress, memchr(base, 0x1B, content.count) != nil else { return body(content, inner) }
        var plain = stripped
        stripped = []
        defer { stripped = plain }
        plain.removeAll(keepingCapacity: true)
        ANSIEscapes.strip(content, into: &plain)
        plain.withUnsafeBufferPointer { body($0, inner) }
    }

    // MARK: - The wrappers

    /// `2026-01-14T10:00:00.200000000Z stdout F <content>`
    static func cri(_ line: UnsafeBufferPointer<UInt8>) -> (timestamp: Timestamp, stream: UInt64, partial: Bool, content: Range<Int>)? {
        guard line.count >= 30, let (timestamp, used) = Timestamp.parsePrefix(line), used + 10 <= line.count,
              line[used] == UInt8(ascii: " ")
        else { return nil }
        let stream = UnsafeBufferPointer(rebasing: line[(used + 1)..<(used + 7)])
        guard stream.hasBytes(of: "stdout") || stream.hasBytes(of: "stderr"),
              line[used + 7] == UInt8(ascii: " "),
              line[used + 8] == UInt8(ascii: "P") || line[used + 8] == UInt8(ascii: "F")
        else { return nil }
        let contentStart = used + 9
        guard contentStart == line.count || line[contentStart] == UInt8(ascii: " ") else { return nil }
        var key = StreamKey("cri")
        key.add(stream)
        return (timestamp, key.value, line[used + 8] == UInt8(ascii: "P"), min(contentStart + 1, line.count)..<line.count)
    }

    /// `{"log":"…\n","stream":"stdout","time":"…"}` (Docker json-file, Fluent Bit, FireLens) or
    /// `{"message":"…","kubernetes":{…}}` (Vector, Fluentd), `{"message":"…","agent":{…},"ecs":{…}}`
    /// (Filebeat, Elastic Agent), `{"message":"…","source_type":"file"}` (Vector).
    static func jsonEnvelope(_ line: UnsafeBufferPointer<UInt8>)
        -> (content: Range<Int>, escaped: Bool, timestamp: Timestamp?, stream: UInt64, partialWithoutNewline: Bool)?
    {
        // Cheap rejection: the key must appear near the start.
        let head = UnsafeBufferPointer(rebasing: line[0..<min(line.count, 64)])
        guard head.contains(UInt8(ascii: "\"")) else { return nil }
        var log: JSONValue?
        var message: JSONValue?
        var stream: Range<Int>?
        var time: JSONValue?
        var kubernetes = false
        /// A key only a shipper writes (Filebeat's `agent`, Vector's `source_type`, …).
        var shipper = false
        var container: Range<Int>?
        var foreign = false
        let problem = JSONScanner.scanObject(line, while: { key, escaped, value in
            guard !escaped, let kind = Self.envelopeKey(UnsafeBufferPointer(rebasing: line[key])) else {
                foreign = true
                return false
            }
            switch kind {
            case .log: if case .string = value.kind { log = value }
            case .message: if case .string = value.kind { message = value }
            case .stream: if case .string(false) = value.kind { stream = value.range }
            case .time: time = value
            case .kubernetes: if value.kind == .container { kubernetes = true }
            case .shipper: shipper = true
            case .container: if case .string(false) = value.kind { container = value.range }
            case .other: break
            }
            return true
        })
        // An application's own fields beside `log` or `message` (Fluent Bit's Merge_Log, a
        // logger that calls its message `log`): the line is the application's, not a wrapper.
        guard problem == nil, !foreign else { return nil }
        let content: JSONValue
        let docker: Bool
        if let log, stream != nil || kubernetes || container != nil || time != nil {
            content = log
            docker = stream != nil && !kubernetes
        } else if let message, kubernetes || shipper {
            content = message
            docker = false
        } else {
            return nil
        }
        guard case .string(let escaped) = content.kind else { return nil }
        var timestamp: Timestamp?
        if let time, case .string(false) = time.kind { timestamp = Timestamp.parse(UnsafeBufferPointer(rebasing: line[time.range])) }
        var key = StreamKey("json")
        if let container { key.add(UnsafeBufferPointer(rebasing: line[container])) }
        if let stream { key.add(UnsafeBufferPointer(rebasing: line[stream])) }
        return (content.range, escaped, timestamp, key.value, docker)
    }

    /// What a key of a container runtime's or shipper's envelope says.
    enum EnvelopeKey {
        case log, message, stream, time, kubernetes, container
        /// A key only a shipper writes (Filebeat's `agent`, Vector's `source_type`, …): with
        /// one, `message` is the application's line.
        case shipper
        case other
    }

    /// The keys of container runtime and shipper envelopes, by length; an object with any other
    /// key is an application's own JSON line.
    static let envelopeKeys: [[(name: [UInt8], kind: EnvelopeKey)]] = {
        let keys: [(String, EnvelopeKey)] = [
            ("log", .log), ("message", .message), ("stream", .stream),
            ("time", .time), ("timestamp", .time), ("@timestamp", .time), ("kubernetes", .kubernetes),
            ("container_id", .container), ("container_name", .container),
            // Filebeat/Elastic Agent, Logstash and Vector event metadata.
            ("source_type", .shipper), ("agent", .shipper), ("ecs", .shipper), ("input", .shipper),
            ("@metadata", .shipper), ("data_stream", .shipper),
            // Fluent Bit's time key, Docker's partial-message and Fluentd's metadata, ECS (FireLens).
            ("date", .other), ("docker", .other), ("source", .other), ("tag", .other), ("host", .other),
            ("hostname", .other), ("file", .other), ("offset", .other), ("partial_message", .other),
            ("partial_id", .other), ("partial_ordinal", .other), ("partial_last", .other),
            ("ecs_cluster", .other), ("ecs_task_arn", .other), ("ecs_task_definition", .other), ("attrs", .other),
            ("_p", .other), ("logtag", .other), ("kubernetes_namespace", .other), ("pod", .other),
            ("namespace", .other), ("@version", .other), ("fields", .other), ("container", .other),
            ("cloud", .other), ("orchestrator", .other),
        ]
        var table = [[(name: [UInt8], kind: EnvelopeKey)]](repeating: [], count: 1 + keys.map(\.0.utf8.count).max()!)
        for (name, kind) in keys { table[name.utf8.count].append((Array(name.utf8), kind)) }
        return table
    }()

    /// The envelope key `name` is, or `nil` for an application's own key.
    @inline(__always)
    static func envelopeKey(_ name: UnsafeBufferPointer<UInt8>) -> EnvelopeKey? {
        guard name.count < envelopeKeys.count, let base = name.baseAddress else { return nil }
        for key in envelopeKeys[name.count] where key.name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, base, name.count) == 0 }) {
            return key.kind
        }
        return nil
    }

    /// RFC 5424 `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`; RFC 3164 `[<PRI>]Mmm dd
    /// hh:mm:ss HOST TAG[PID]: MSG`; rsyslog's `<RFC 3339> HOST TAG[PID]: MSG`.
    /// `structuredData`: RFC 5424's SD elements when there are any (`[otel trace_id="…"]`):
    /// they are given to the rules after the message.
    static func syslog(_ line: UnsafeBufferPointer<UInt8>)
        -> (timestamp: Timestamp?, severity: Severity?, stream: UInt64, content: Range<Int>, structuredData: Range<Int>?)?
    {
        var i = 0
        var severity: Severity?
        if line.first == UInt8(ascii: "<") {
            var pri = 0
            i = 1
            while i < line.count, i <= 4, line[i] >= UInt8(ascii: "0"), line[i] <= UInt8(ascii: "9") {
                pri = pri * 10 + Int(line[i] - UInt8(ascii: "0"))
                i += 1
            }
            guard i > 1, i < line.count, line[i] == UInt8(ascii: ">"), pri <= 191 else { return nil }
            severity = Severity(syslogPriority: pri % 8)
            i += 1
            if i + 1 < line.count, line[i] == UInt8(ascii: "1"), line[i + 1] == UInt8(ascii: " ") {
                return rfc5424(line, from: i + 2, severity: severity)
            }
        }
        guard i < line.count else { return nil }
        let rest = UnsafeBufferPointer(rebasing: line[i...])
        guard let (timestamp, used) = Timestamp.parsePrefix(rest) else { return nil }
        let isoTime = rest.first.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false
        var j = i + used
        guard j < line.count, line[j] == UInt8(ascii: " ") else { return nil }
        j += 1
        // HOST
        let hostStart = j
        while j < line.count, line[j] != UInt8(ascii: " ") { j += 1 }
        guard j > hostStart, j < line.count else { return nil }
        let host = UnsafeBufferPointer(rebasing: line[hostStart..<j])
        if Severity(text: host) != nil { return nil }  // "INFO worker: …" is a level, not a host
        // A host name (or address): letters, digits, '.', '-', '_', ':' — not "trace_id=…".
        guard host.allSatisfy({ Self.isTagByte($0) || $0 == UInt8(ascii: ":") }), !host.contains(UInt8(ascii: "/")),
              host.contains(where: { ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") })
        else { return nil }
        j += 1
        // TAG, optionally [PID], then ':' and a space.
        let tagStart = j
        while j < line.count, Self.isTagByte(line[j]) { j += 1 }
        guard j > tagStart, j - tagStart <= 48, j < line.count else { return nil }
        var hasPID = false
        if line[j] == UInt8(ascii: "[") {
            j += 1
            let pidStart = j
            while j < line.count, line[j] != UInt8(ascii: "]"), j - pidStart < 32 { j += 1 }
            guard j < line.count, j > pidStart else { return nil }
            hasPID = true
            j += 1
        }
        guard j < line.count, line[j] == UInt8(ascii: ":"), isoTime ? hasPID : true else { return nil }
        j += 1
        if j < line.count, line[j] == UInt8(ascii: " ") { j += 1 }
        var key = StreamKey("syslog")
        key.add(host)
        key.add(UnsafeBufferPointer(rebasing: line[tagStart..<j]))
        return (timestamp, severity, key.value, j..<line.count, nil)
    }

    private static func rfc5424(_ line: UnsafeBufferPointer<UInt8>, from start: Int, severity: Severity?)
        -> (timestamp: Timestamp?, severity: Severity?, stream: UInt64, content: Range<Int>, structuredData: Range<Int>?)?
    {
        var fields: [Range<Int>] = []
        var j = start
        // TIMESTAMP HOST APP PROCID MSGID
        while fields.count < 5 {
            let fieldStart = j
            while j < line.count, line[j] != UInt8(ascii: " ") { j += 1 }
            guard j < line.count, j > fieldStart else { return nil }
            fields.append(fieldStart..<j)
            j += 1
        }
        // STRUCTURED-DATA: "-" or [..][..] with \] escapes inside.
        var structuredData: Range<Int>?
        if j < line.count, line[j] == UInt8(ascii: "-") {
            j += 1
        } else {
            let sdStart = j
            defer { if j > sdStart { structuredData = sdStart..<min(j, line.count) } }
            while j < line.count, line[j] == UInt8(ascii: "[") {
                j += 1
                while j < line.count, line[j] != UInt8(ascii: "]") {
                    if line[j] == UInt8(ascii: "\\") { j += 1 }
                    j += 1
                }
                guard j < line.count else { return nil }
                j += 1
            }
        }
        if j < line.count, line[j] == UInt8(ascii: " ") { j += 1 }
        // A UTF-8 byte order mark may begin MSG.
        if j + 2 < line.count, line[j] == 0xEF, line[j + 1] == 0xBB, line[j + 2] == 0xBF { j += 3 }
        let time = UnsafeBufferPointer(rebasing: line[fields[0]])
        let timestamp = time.hasBytes(of: "-") ? nil : Timestamp.parse(time)
        var key = StreamKey("syslog")
        for field in fields[1...3] { key.add(UnsafeBufferPointer(rebasing: line[field])) }
        return (timestamp, severity, key.value, min(j, line.count)..<line.count, structuredData)
    }

    @inline(__always)
    private static func isTagByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "@")
    }
}

/// A stream key: FNV-1a of the wrapper's kind and its stream's fields; never 0.
struct StreamKey {
    private var hash = FNV1a()

    init(_ kind: StaticString) {
        hash.add(UnsafeBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount))
        hash.add(0xFF)
    }

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        hash.add(bytes)
        hash.add(0xFF)
    }

    var value: UInt64 { hash.value | 1 }
}

/// ANSI escape sequences (ECMA-48): CSI `ESC [ params intermediates final`, OSC and the other
/// strings (`ESC ] … BEL` or `… ESC \`), and two-byte escapes.
public enum ANSIEscapes {
    public static func strip(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        let n = text.count
        while i < n {
            let byte = text[i]
            guard byte == 0x1B else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < n else { return }
            let kind = text[i + 1]
            i += 2
            switch kind {
            case UInt8(ascii: "["):
                // Parameters 0x30–0x3F, intermediates 0x20–0x2F, one final 0x40–0x7E.
                while i < n, text[i] >= 0x20, text[i] <= 0x3F { i += 1 }
                if i < n, text[i] >= 0x40, text[i] <= 0x7E { i += 1 }
            case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "X"), UInt8(ascii: "^"), UInt8(ascii: "_"):
                // A string, ended by BEL or ST (ESC \).
                while i < n {
                    if text[i] == 0x07 {
                        i += 1
                        break
                    }
                    if text[i] == 0x1B, i + 1 < n, text[i + 1] == UInt8(ascii: "\\") {
                        i += 2
                        break
                    }
                    i += 1
                }
            default:
                break  // a two-byte escape
            }
        }
    }
}

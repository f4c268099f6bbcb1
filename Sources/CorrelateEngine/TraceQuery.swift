public import CorrelateModel

/// Gathers what the engine needs about one trace from the store, and analyses it.
public struct TraceQuery {
    public let store: EventStore
    /// The spans of linked traces read so far: many consumer traces of a fan-out link to the
    /// same producer trace, which is read once.
    private let linkedSpans = TraceCache(capacity: 64)

    public init(store: EventStore) {
        self.store = store
    }

    /// The trace with this id, or nil when the store has no span of it and no log line.
    /// - Parameter includeLogs: false for an analysis of the spans alone (what ranking needs):
    ///   no log line is read, and a trace with log lines only is nil.
    public func analyze(_ traceID: TraceID, includeLogs: Bool = true) throws -> TraceAnalysis? {
        store.willAnalyse(trace: traceID)
        let spans = try store.spans(inTrace: traceID)
        let traceLogs = includeLogs ? try store.logs(inTrace: traceID) : []
        guard !spans.isEmpty || !traceLogs.isEmpty else { return nil }
        let ownJobs = spans.jobIDs
        let loggedJobs = Set(traceLogs.compactMap(\.jobID))
        var related = try store.spans(withMessageIDs: ownJobs.union(loggedJobs)).filter { $0.traceID != traceID }
        var present = Set(related.map { SpanKey($0.traceID, $0.spanID) })
        func relate(_ span: Span) {
            if present.insert(SpanKey(span.traceID, span.spanID)).inserted { related.append(span) }
        }
        // The spans this trace's links point at (a consumer that started a new trace links to
        // its producer), and not the rest of their traces: a fan-out's producer trace may hold
        // thousands of spans, and each of its consumers needs one.
        var targets: [TraceID: [SpanID]] = [:]
        var order: [TraceID] = []
        for span in spans {
            for link in span.links where link.traceID != traceID {
                if targets[link.traceID] == nil { order.append(link.traceID) }
                targets[link.traceID, default: []].append(link.spanID)
            }
        }
        for other in order.prefix(Self.linkedTraceLimit) {
            let index = try linkedSpans.index(of: other, store)
            for id in targets[other] ?? [] { if let span = index[id] { relate(span) } }
        }
        // The spans of other traces that link to this one (its producers' consumers).
        for other in try store.traceIDs(linkingTo: traceID, limit: Self.linkedTraceLimit) where other != traceID {
            for span in try linkedSpans.index(of: other, store).values where span.links.contains(where: { $0.traceID == traceID }) {
                relate(span)
            }
        }
        let jobLogs = includeLogs ? try store.logs(withJobIDs: ownJobs) : []
        var analysis = TraceAnalyzer.analyze(TraceAnalyzer.Input(
            traceID: traceID, spans: spans, relatedSpans: related, traceLogs: traceLogs, jobLogs: jobLogs))
        if spans.isEmpty {
            analysis.diagnostics.append(TraceDiagnostic(
                code: "no_spans", message: "log lines carry trace id \(traceID) but the store has no span of it",
                traceID: traceID))
        }
        return analysis
    }

    /// How many linked traces one analysis reads, each way (a batch receive may link to
    /// hundreds of producers, a producer's trace be linked from hundreds of consumers).
    public static let linkedTraceLimit = 64

    /// Why ``trace(named:storeName:)`` found no single trace.
    public enum NotFound: Error, Sendable, Equatable, CustomStringConvertible {
        /// The text is not a trace id, a prefix of at least 8 hex digits, or a 64-bit id.
        case notAnID(String)
        /// A valid id that the store holds no spans or log lines of.
        case absent(String, store: String)
        /// A prefix or 64-bit id shared by several traces.
        case ambiguous(String, [TraceID])

        public var description: String {
            switch self {
            case .notAnID(let text): "'\(text)' is not a trace id (32 hex digits, a prefix of at least 8, or a 64-bit id)"
            case .absent(let text, let store): "no trace \(text) in \(store)"
            case .ambiguous(let text, let ids): "'\(text)' names several traces: " + ids.map(\.description).joined(separator: ", ")
            }
        }
    }

    /// The trace a user named (``resolve(_:)``), analysed.
    /// - Parameter storeName: how messages name the store (its path).
    /// - Throws: ``NotFound``; the store's error.
    public func trace(named text: String, storeName: String) throws -> TraceAnalysis {
        let matches = try resolve(text)
        guard let id = matches.first else {
            // A decimal 64-bit id (Datadog's) of any length is an id; else 8 to 32 hex digits.
            let decimal = !text.isEmpty && text.count <= 20 && text.allSatisfy(\.isNumber)
            let hex = text.count >= 8 && text.count <= 32 && text.allSatisfy(\.isHexDigit)
            throw decimal || hex ? NotFound.absent(text, store: storeName) : NotFound.notAnID(text)
        }
        guard matches.count == 1 else { throw NotFound.ambiguous(text, matches) }
        guard let analysis = try analyze(id) else { throw NotFound.absent(id.description, store: storeName) }
        return analysis
    }

    /// Resolves a trace id given in full, as a prefix of at least 8 hex digits, or as a 64-bit
    /// id (16 hex digits, or a decimal as Datadog logs it): the trace whose low 64 bits it is,
    /// else the logs' own id with the high half zero.
    public func resolve(_ text: String) throws -> [TraceID] {
        let digits = text.lowercased()
        if digits.count == 32, let id = TraceID(hex: digits) { return [id] }
        if !digits.isEmpty, digits.count <= 20, digits.allSatisfy(\.isNumber), digits.count != 16,
           let value = UInt64(digits) {
            return try low64(value)
        }
        guard digits.count >= 8, digits.allSatisfy(\.isHexDigit) else { return [] }
        let prefixed = try store.traceIDs(withPrefix: digits, limit: 10)
        if digits.count == 16, let value = UInt64(digits, radix: 16) {
            let full = try store.traceIDs(withLow64: value, limit: 10)
            if !full.isEmpty { return Array(Set(full + prefixed)).sorted { $0.description < $1.description } }
            if prefixed.isEmpty { return try low64(value) }
        }
        return prefixed
    }

    /// The traces a 64-bit id names: the full ones whose low half it is, else its own (as the
    /// log lines carry it) when lines do.
    private func low64(_ value: UInt64) throws -> [TraceID] {
        let full = try store.traceIDs(withLow64: value, limit: 10)
        if !full.isEmpty { return full }
        let own = TraceID(high: 0, low: value)
        return try store.logs(inTrace: own).isEmpty ? [] : [own]
    }
}

/// The spans of a few traces by span id, the most recently read kept.
final class TraceCache {
    private let capacity: Int
    private var traces: [TraceID: [SpanID: Span]] = [:]
    private var order: [TraceID] = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    func index(of trace: TraceID, _ store: EventStore) throws -> [SpanID: Span] {
        if let known = traces[trace] { return known }
        let index = Dictionary(try store.spans(inTrace: trace).map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
        if order.count == capacity { traces[order.removeFirst()] = nil }
        order.append(trace)
        traces[trace] = index
        return index
    }
}

import CorrelateModel

/// Gathers what the engine needs about one trace from the store, and analyses it.
public struct TraceQuery {
    public let store: EventStore

    public init(store: EventStore) {
        self.store = store
    }

    /// The trace with this id, or nil when the store has no span of it and no log line.
    /// - Parameter includeLogs: false for an analysis of the spans alone (what ranking needs):
    ///   no log line is read, and a trace with log lines only is nil.
    public func analyze(_ traceID: TraceID, includeLogs: Bool = true) throws -> TraceAnalysis? {
        let spans = try store.spans(inTrace: traceID)
        let traceLogs = includeLogs ? try store.logs(inTrace: traceID) : []
        guard !spans.isEmpty || !traceLogs.isEmpty else { return nil }
        let ownJobs = Set(spans.filter { $0.kind == .producer || $0.kind == .consumer }.compactMap(\.messageID))
        let loggedJobs = Set(traceLogs.compactMap(\.jobID))
        let related = try store.spans(withMessageIDs: ownJobs.union(loggedJobs)).filter { $0.traceID != traceID }
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

    /// Resolves a trace id given in full or as a prefix of at least 8 hex digits.
    public func resolve(_ text: String) throws -> [TraceID] {
        let digits = text.lowercased()
        if digits.count == 32, let id = TraceID(hex: digits) { return [id] }
        guard digits.count >= 8, digits.allSatisfy(\.isHexDigit) else { return [] }
        return try store.traceIDs(withPrefix: digits, limit: 10)
    }
}

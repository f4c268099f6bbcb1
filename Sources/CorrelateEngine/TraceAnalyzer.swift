public import CorrelateModel

/// Analyses one trace: its span tree, producer→consumer hops and queue waits, critical path,
/// culprit, errors, log placement and what looks broken. Pure: everything comes in as values.
public enum TraceAnalyzer {
    /// What the engine knows around one trace.
    public struct Input: Sendable {
        public var traceID: TraceID
        /// The trace's spans.
        public var spans: [Span]
        /// Spans of other traces that share a job id with this one (`messaging.message.id`).
        public var relatedSpans: [Span]
        /// Log records carrying the trace id.
        public var traceLogs: [LogRecord]
        /// Log records carrying the job id of one of the trace's producer or consumer spans.
        public var jobLogs: [LogRecord]

        public init(traceID: TraceID, spans: [Span], relatedSpans: [Span] = [], traceLogs: [LogRecord] = [], jobLogs: [LogRecord] = []) {
            self.traceID = traceID
            self.spans = spans
            self.relatedSpans = relatedSpans
            self.traceLogs = traceLogs
            self.jobLogs = jobLogs
        }
    }

    public static func analyze(_ input: Input) -> TraceAnalysis {
        var tree = SpanTree(input.spans)
        let hops = findHops(input, tree)
        var path = CriticalPath(tree: tree, hops: hops)
        path.walk()
        // A job whose consumer starts this trace with a span link to its producer: the wait in
        // the queue comes before the consumer, on the job's critical path.
        for hop in hops where hop.connection == .link && hop.consumerTrace == input.traceID && hop.producerTrace != input.traceID {
            path.addWaitBeforeRoot(hop)
        }
        tree.apply(path)
        var diagnostics: [TraceDiagnostic] = []
        diagnostics += structuralDiagnostics(input, tree, hops)
        diagnostics += disconnectedChains(input, hops)
        let logs = placeLogs(input, tree)
        let onPathWait = Set(hops.map(\.consumer)).compactMap { path.waitOnPath[$0] }.reduce(0, +)
        // A hop whose consumer started before its producer (clock skew) has no wait.
        let waits = hops.filter { !$0.clockSkew }.map(\.waitMilliseconds)
        let queueWait: Double? = waits.isEmpty ? nil : (path.waitOnPath.isEmpty ? waits.max() : onPathWait)
        return TraceAnalysis(
            traceID: input.traceID, spans: tree.ordered, start: tree.start, end: tree.end,
            hasError: input.spans.contains { $0.hasError }, hops: hops,
            queueWaitMilliseconds: queueWait, culprit: path.culprit(tree), failure: failure(tree, logs), logs: logs,
            diagnostics: diagnostics)
    }

    // MARK: - Hops

    static func findHops(_ input: Input, _ tree: SpanTree) -> [QueueHop] {
        var hops: [QueueHop] = []
        let producers = ProducerIndex(input.spans + input.relatedSpans)
        // Consumers of this trace: by parent, by each link, by job id.
        var seen: Set<SpanID> = []
        for consumer in input.spans where consumer.mayExecuteJob && seen.insert(consumer.spanID).inserted {
            for (producer, connection) in producers.producers(of: consumer) {
                hops.append(hop(producer, consumer, connection))
            }
        }
        // Producers of this trace whose consumer ran in another trace: consumers that link back
        // to the producer span, else one with the same job id.
        var linkingTo: [SpanKey: [Span]] = [:]
        var byJob: [String: Span] = [:]
        for span in input.relatedSpans where span.kind == .consumer && span.traceID != input.traceID {
            for link in Set(span.links.map { SpanKey($0.traceID, $0.spanID) }) { linkingTo[link, default: []].append(span) }
            if let id = span.messageID, byJob[id] == nil { byJob[id] = span }
        }
        let joined = Set(hops.map(\.producer))
        for producer in input.spans where producer.kind == .producer && !joined.contains(producer.spanID) {
            let linked = linkingTo[SpanKey(producer.traceID, producer.spanID)] ?? []
            if !linked.isEmpty {
                for consumer in linked { hops.append(hop(producer, consumer, .link)) }
            } else if let id = producer.messageID, let consumer = byJob[id] {
                hops.append(hop(producer, consumer, .messageID))
            }
        }
        return hops
    }

    static func hop(_ producer: Span, _ consumer: Span, _ connection: QueueHop.Connection) -> QueueHop {
        let skew = consumer.start < producer.start
        let (difference, overflow) = consumer.start.nanoseconds.subtractingReportingOverflow(producer.end.nanoseconds)
        let gap = overflow ? (skew ? Int64.min : Int64.max) : difference
        // Published inside the producer span: a worker may start just before that span closes.
        let wait = skew ? Double(gap) / 1_000_000 : Double(max(0, gap)) / 1_000_000
        return QueueHop(producer: producer.spanID, producerTrace: producer.traceID, consumer: consumer.spanID,
                        consumerTrace: consumer.traceID, connection: connection, waitMilliseconds: wait,
                        clockSkew: skew)
    }

    // MARK: - Diagnostics

    static func structuralDiagnostics(_ input: Input, _ tree: SpanTree, _ hops: [QueueHop]) -> [TraceDiagnostic] {
        var diagnostics: [TraceDiagnostic] = []
        let orphans = tree.ordered.filter(\.missingParent)
        if !orphans.isEmpty {
            let names = orphans.prefix(3).map { "'\($0.span.name)'" }.joined(separator: ", ")
            diagnostics.append(TraceDiagnostic(
                code: "missing_parent",
                message: "\(orphans.count) span\(orphans.count == 1 ? "" : "s") (\(names)) name a parent that is not in the trace; shown as roots",
                traceID: input.traceID))
        }
        let linkedConsumers = Set(hops.filter { $0.connection == .link && $0.consumerTrace == input.traceID }.map(\.consumer))
        for analyzed in tree.ordered where analyzed.depth == 0 && analyzed.span.kind == .consumer {
            let span = analyzed.span
            // A receive span whose process span (or itself) links to the producer.
            let linked = !linkedConsumers.isEmpty && tree.subtree(of: span.spanID).contains { linkedConsumers.contains($0) }
            if !linked {
                diagnostics.append(TraceDiagnostic(
                    code: "consumer_root",
                    message: "consumer span '\(span.name)' is a root: the trace context did not reach the worker",
                    traceID: input.traceID))
            }
        }
        for hop in hops where hop.clockSkew {
            diagnostics.append(TraceDiagnostic(
                code: "clock_skew",
                message: "consumer span \(hop.consumer) starts before its producer span \(hop.producer) started (\(Milliseconds.text(-hop.waitMilliseconds)) ms before that span ended): the hosts' clocks disagree",
                traceID: input.traceID))
        }
        return diagnostics
    }

    /// One job id under two trace ids: a producer or consumer span of another trace with the
    /// same `messaging.message.id`, or a log line naming the job under another trace id — unless
    /// a span link joins the two traces (a consumer that starts a new trace and links to its
    /// producer, as the messaging conventions do for batch receives): that job is whole.
    static func disconnectedChains(_ input: Input, _ hops: [QueueHop]) -> [TraceDiagnostic] {
        var joined: Set<TraceID> = []
        for hop in hops where hop.connection == .link {
            joined.insert(hop.producerTrace)
            joined.insert(hop.consumerTrace)
        }
        for span in input.spans + input.relatedSpans {
            for link in span.links {
                if span.traceID == input.traceID { joined.insert(link.traceID) }
                if link.traceID == input.traceID { joined.insert(span.traceID) }
            }
        }
        var related: [TraceID: String] = [:]  // other trace → job id
        let ownJobs = Set(input.spans.compactMap(\.messageID))
        for span in input.relatedSpans where span.traceID != input.traceID {
            if let job = span.messageID, ownJobs.contains(job) || input.traceLogs.contains(where: { $0.jobID == job }) {
                related[span.traceID] = related[span.traceID] ?? job
            }
        }
        for record in input.jobLogs {
            if let other = record.traceID, other != input.traceID, other.low != input.traceID.low || other.high != 0,
                let job = record.jobID
            {
                related[other] = related[other] ?? job
            }
        }
        return related.keys.filter { !joined.contains($0) }.sorted().map { other in
            let job = related[other]!
            return TraceDiagnostic(
                code: "disconnected_chain",
                message: "job \(job) appears under trace \(input.traceID) and under trace \(other): the trace context was lost between the request and the job",
                traceID: input.traceID, relatedTraceID: other)
        }
    }

    // MARK: - Failure

    /// The origin of the trace's failure (see ``Failure``): among failing spans with no failing
    /// span under them, the one that ended first.
    static func failure(_ tree: SpanTree, _ logs: [PlacedLog]) -> Failure? {
        let spans = tree.ordered.map(\.span)
        let above = SpanKey.failingOrAboveFailure(spans)
        let origins = spans.filter { span in
            span.hasError && !(tree.children[span.spanID] ?? []).contains { above.contains(SpanKey(span.traceID, $0)) }
        }
        // In a parent cycle of damaged data every failing span has one under it: take them all.
        let firstFailures = origins.isEmpty ? spans.filter(\.hasError) : origins
        guard let span = firstFailures.min(by: { $0.end != $1.end ? $0.end < $1.end : $0.spanID < $1.spanID }) else { return nil }
        var failure = Failure(spanID: span.spanID, spanName: span.name, durationMilliseconds: span.durationMilliseconds)
        if let event = span.events.first(where: { $0.name == "exception" }) {
            failure.exceptionType = event.attributes["exception.type"]?.text
            failure.exceptionMessage = event.attributes["exception.message"]?.text
            failure.stacktrace = event.attributes["exception.stacktrace"]?.text
            failure.source = .spanEvent
            if failure.exceptionType != nil || failure.exceptionMessage != nil { return failure }
        }
        // An error line placed under the span (or its job), else any error line of the trace.
        let errors = logs.filter { $0.record.severity == .error || $0.record.severity == .fatal }
        let candidates = errors.filter { $0.spanID == span.spanID } + errors.filter { $0.spanID != span.spanID }
        for placed in candidates {
            guard let (type, message, stack) = ExceptionText.parse(placed.record.message) else { continue }
            failure.exceptionType = type
            failure.exceptionMessage = message
            failure.stacktrace = stack ?? failure.stacktrace
            failure.source = .log
            failure.logSource = placed.record.source
            return failure
        }
        if let message = span.statusMessage, !message.isEmpty {
            failure.exceptionMessage = message
            failure.source = .status
        }
        return failure
    }

    // MARK: - Logs

    static func placeLogs(_ input: Input, _ tree: SpanTree) -> [PlacedLog] {
        var consumerByJob: [String: SpanID] = [:]
        for span in input.spans where span.mayExecuteJob || span.mayEnqueueJob {
            guard let job = span.messageID else { continue }
            if span.mayExecuteJob || consumerByJob[job] == nil { consumerByJob[job] = span.spanID }
        }
        var placed: [PlacedLog] = []
        var seen: Set<SourceLocation> = []
        for record in input.traceLogs where seen.insert(record.source).inserted {
            var span = record.spanID.flatMap { tree.byID[$0] != nil ? $0 : nil }
            if span == nil, let job = record.jobID { span = consumerByJob[job] }
            placed.append(PlacedLog(record: record, spanID: span, via: .traceID))
        }
        for record in input.jobLogs where seen.insert(record.source).inserted {
            // A job's line that carries another trace id belongs to that trace.
            if let other = record.traceID, other != input.traceID, other != TraceID(high: 0, low: input.traceID.low) { continue }
            placed.append(PlacedLog(record: record, spanID: record.jobID.flatMap { consumerByJob[$0] }, via: .jobID))
        }
        return placed.sorted { a, b in
            switch (a.record.timestamp, b.record.timestamp) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default:
                return (a.record.source.file, a.record.source.line) < (b.record.source.file, b.record.source.line)
            }
        }
    }
}

struct SpanKey: Hashable {
    let trace: TraceID
    let span: SpanID

    init(_ trace: TraceID, _ span: SpanID) {
        self.trace = trace
        self.span = span
    }

    /// The spans that failed or have a failed span under them (walking up parent ids within
    /// each trace; a parent cycle in damaged data ends the walk where it closes). With
    /// `stoppingAt`, the walk up ends at the first span of that kind (a failure inside a job is
    /// not a failure of the job that enqueued it).
    static func failingOrAboveFailure(_ spans: [Span], stoppingAt stop: Span.Kind? = nil) -> Set<SpanKey> {
        var byKey: [SpanKey: Span] = [:]
        for span in spans { byKey[SpanKey(span.traceID, span.spanID)] = span }
        var marked: Set<SpanKey> = []
        for span in spans where span.hasError {
            var current = span
            while marked.insert(SpanKey(current.traceID, current.spanID)).inserted, current.kind != stop || stop == nil,
                let parent = current.parentSpanID, let above = byKey[SpanKey(current.traceID, parent)]
            {
                current = above
            }
        }
        return marked
    }
}

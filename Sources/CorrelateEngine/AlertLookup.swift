public import CorrelateModel

/// Alert → traces: the traces that explain an alert, ranked, each analysed.
///
/// The alert's mapped labels (see `rules/alerts.yaml`) are evidence, not filters: candidates
/// are the traces with spans in the alert's window (`lookback` before `startsAt`, to `endsAt` or
/// `now`) that match at least one of them, and each label a trace matches adds its weight to
/// the trace's score (a Prometheus target label such as `job` or `instance`, which usually
/// names an exporter, weighs little). When a label of full weight (``strongWeight`` or more)
/// matches some trace, a trace that matches only weak labels is no candidate: `job=celery-worker`
/// matches every job of the worker, `queue=exports` the ones the alert is about. A label that no span in the window matches is ignored and
/// named in the bundle's diagnostics (`label_ignored`); only when none matches is the answer
/// empty (`no_matching_trace`, with the labels tried). An alert with no mapped label has every
/// trace of the window as a candidate.
///
/// Exemplar trace ids the alert names come first; then the ranking follows what the alert
/// measures (``AlertMeasure``): for `queue_wait` the longest wait on the alert's queue, for
/// `execution` the longest consumer span, for `end_to_end` the whole trace, for `errors` failed
/// traces first with the failing span as culprit; `unknown` ranks duration and queue wait alike.
/// The top `limit` are kept, followed by the other side of each job joined by a span link.
public struct AlertLookup {
    public let store: EventStore
    /// Where a second handle on the same store comes from: on another thread, it reads the
    /// queue figures while `store` reads and analyses the candidate traces, then the window's
    /// log lines without spans or ids while `store` reads the kept traces' lines. On a store
    /// that computes the figures itself (ClickHouse), they are asked for at once, before the
    /// window's spans are read, and the window's log lines are read on `store` while they run.
    /// Nil, or a handle that cannot be opened: all is read in turn on `store`.
    public var secondStore: SecondStore?
    public let matcher: AlertMatcher
    public var limit: Int
    public var unlinkedLimit: Int

    /// The weight from which a label's match alone makes a candidate when weaker ones also match.
    public static let strongWeight = 0.5

    public init(store: EventStore, secondStore: SecondStore? = nil, matcher: AlertMatcher, limit: Int = 10, unlinkedLimit: Int = 200) {
        self.store = store
        self.secondStore = secondStore
        self.matcher = matcher
        self.limit = max(1, limit)
        self.unlinkedLimit = max(0, unlinkedLimit)
    }

    public func bundle(for alert: Alert, now: Timestamp) throws -> IncidentBundle {
        // What the store prefetched for the previous bundle is not this one's.
        try store.prefetch(traces: [])
        let windowStart = alert.startsAt.advanced(by: -matcher.lookbackNanoseconds)
        let windowEnd = alert.endsAt ?? max(now, alert.startsAt)
        let queueNames = matcher.queues(alert)
        let queueAttributes = matcher.queueAttributes
        // The alert's queues in its window against as long a stretch before it. Those of a
        // still-firing alert end with the newest span, not the clock: a store of last week's data
        // compares the alert's minutes with as many before them. `windowSpans`: the window's
        // spans, when read.
        func queueFigures(on store: EventStore, windowSpans: [Span]?) throws -> [QueueComparison] {
            guard !queueNames.isEmpty else { return [] }
            var queueEnd = windowEnd
            if alert.endsAt == nil, let newest = try store.latestSpanStart() {
                queueEnd = max(windowStart, min(windowEnd, newest.advanced(by: 1)))
            }
            return try QueueReport(store: store, queueAttributes: queueAttributes)
                .comparison(of: queueNames, window: windowStart, queueEnd, spans: queueEnd == windowEnd ? windowSpans : nil)
        }
        // A store that computes the queue figures itself needs none of the window's spans for
        // them: with a second handle, they are asked for at once, while this thread reads the
        // window's spans and analyses the candidates.
        var figures: Background<[QueueComparison]?, any Error>?
        if let secondStore, store.computesQueueStatistics, !queueNames.isEmpty {
            figures = Background {
                guard let second = secondStore.store() else { return nil }
                return try queueFigures(on: second, windowSpans: nil)
            }
        }
        // Whatever ends this, the other thread must be done with its handle first.
        defer { _ = try? figures?.value() }
        let (measure, measureFrom) = matcher.measure(alert)
        let stated = matcher.statedThresholdMilliseconds(alert)
        let threshold = stated ?? matcher.defaultThresholdMilliseconds

        // Candidates: traces with a span in the window that match the labels.
        var spansByTrace: [TraceID: [Span]] = [:]
        let windowSpans = try store.spans(startingBetween: windowStart, and: windowEnd)
        for span in windowSpans {
            spansByTrace[span.traceID, default: []].append(span)
        }
        // Each mapped label: the traces it matches, and the weight it gives them.
        let labels = matcher.matches(for: alert)
        var evidence: [TraceID: (weight: Double, labels: [String])] = [:]
        var ignored: [(value: String, mapping: AlertMatcher.Mapping)] = []
        // Traces matched by a label of full weight: when there are some, a weak label alone
        // (a Prometheus target label that names the exporter) makes no candidate.
        var strong: Set<TraceID> = []
        for (value, mapping) in labels {
            var matchedAny = false
            for (id, spans) in spansByTrace where AlertMatcher.spans(spans, match: value, of: mapping) {
                matchedAny = true
                evidence[id, default: (0, [])].weight += mapping.weight
                evidence[id, default: (0, [])].labels.append("\(mapping.label)=\(value)")
                if mapping.weight >= Self.strongWeight { strong.insert(id) }
            }
            if !matchedAny { ignored.append((value, mapping)) }
        }
        var candidates = labels.isEmpty ? Set(spansByTrace.keys) : strong.isEmpty ? Set(evidence.keys) : strong
        let exemplars = matcher.exemplars(alert)
        for id in exemplars where !(try store.spans(inTrace: id)).isEmpty { candidates.insert(id) }

        // Neither the analyses nor the ranking's order needs the queue figures (the ranking's
        // words do): with a second handle, the figures are read meanwhile.
        let query = TraceQuery(store: store)
        var analyses: [TraceAnalysis] = []
        func analyseCandidates() throws {
            try store.prefetch(traces: candidates)
            for id in candidates {
                if let analysis = try query.analyze(id, includeLogs: false) { analyses.append(analysis) }
            }
        }
        // The window's log lines that no kept trace explains: trace ids without spans, and
        // lines with neither a trace nor a job id. They depend on the window alone.
        let services = Set(matcher.services(alert))
        let unlinkedLimit = self.unlinkedLimit
        func windowLogs(on store: EventStore) throws -> (orphans: [TraceID], unlinked: [LogRecord]) {
            (try store.traceIDsOfLogsWithoutSpans(between: windowStart, and: windowEnd, limit: 20),
             try store.unlinkedLogs(between: windowStart, and: windowEnd, services: services, limit: unlinkedLimit))
        }
        // The figures and the window's log lines on the second handle, in turn, when the figures
        // come from the window's spans (they are read here first; without a second handle, all
        // is read here, the figures first).
        var later: Background<(figures: [QueueComparison]?, windowLogs: (orphans: [TraceID], unlinked: [LogRecord]))?, any Error>?
        defer { _ = try? later?.value() }
        var windowLogsRead: (orphans: [TraceID], unlinked: [LogRecord])?
        var queues: [QueueComparison] = []
        if let secondStore {
            // On the second handle (opened on the other thread, the first time only): the queue
            // figures while the candidates are analysed here and the kept traces' log lines read;
            // then the window's log lines. Figures asked for at once (see above) take longer than
            // all that: the window's log lines are read here meanwhile.
            if figures == nil {
                later = Background {
                    guard let second = secondStore.store() else { return nil }
                    return (try queueFigures(on: second, windowSpans: windowSpans), try windowLogs(on: second))
                }
            }
            try analyseCandidates()
            if figures != nil { windowLogsRead = try windowLogs(on: store) }
        } else {
            queues = try queueFigures(on: store, windowSpans: windowSpans)
            try analyseCandidates()
        }
        // A trace's score does not depend on the queue figures (only its words do: the window's
        // p95): the traces are ranked, kept and their log lines read before the figures are
        // there; then their words are written with them. Should the order ever differ, the
        // traces are chosen again.
        let awaited = figures != nil || later != nil
        func makeRanking(_ queues: [QueueComparison]) -> Ranking {
            Ranking(measure: measure, threshold: threshold, queues: queues, queueAttributes: matcher.queueAttributes, thresholdIsDefault: stated == nil)
        }
        var ranking = makeRanking(awaited ? queueNames.map { QueueComparison(queue: $0, window: nil, baseline: nil) } : queues)
        func rank(_ analysis: TraceAnalysis) -> RankedTrace {
            var trace = ranking.rank(analysis)
            if exemplars.contains(analysis.traceID) {
                trace.reasons.insert("exemplar", at: 0)
                trace.explanation.insert("the alert names this trace", at: 0)
                trace.score += 1_000
            }
            if let matched = evidence[analysis.traceID] {
                trace.reasons.append("label_match")
                trace.explanation.append("matches " + matched.labels.joined(separator: ", "))
                trace.score += Self.labelScore * matched.weight
            }
            trace.score = (trace.score * 1_000_000).rounded() / 1_000_000
            if measure == .errors, let failure = analysis.failure { trace.analysis.culprit = Culprit(failure: failure) }
            return trace
        }
        // Ranking needs the spans only; the log lines are read for the traces kept, and their
        // reasons said again with what the lines add (an exception read from a log line).
        func topRanked() -> ArraySlice<RankedTrace> {
            var ranked = analyses.map(rank)
            // One job joined by a span link is one entry: the consumer's side, where the job ran
            // and waited; the producer's side follows it as `linked`.
            let rankedIDs = Set(ranked.map(\.analysis.traceID))
            ranked.removeAll { trace in
                trace.analysis.hops.contains { hop in
                    hop.connection == .link && hop.producerTrace == trace.analysis.traceID
                        && hop.consumerTrace != trace.analysis.traceID && rankedIDs.contains(hop.consumerTrace)
                }
            }
            ranked.sort { a, b in
                if a.score != b.score { return a.score > b.score }
                if a.analysis.start != b.analysis.start { return a.analysis.start < b.analysis.start }
                return a.analysis.traceID < b.analysis.traceID
            }
            return ranked.prefix(limit)
        }
        /// The top traces analysed with their log lines, then the other sides of their link
        /// hops (up to `limit`): the kept traces, and how many linked ones were left out.
        func keep(_ top: ArraySlice<RankedTrace>) throws -> (kept: [RankedTrace], linkedLeftOut: Int) {
            var kept: [RankedTrace] = []
            var keptIDs: Set<TraceID> = []
            try store.prefetchLogs(traces: Set(top.map(\.analysis.traceID)))
            for trace in top {
                kept.append(rank(try query.analyze(trace.analysis.traceID) ?? trace.analysis))
                keptIDs.insert(trace.analysis.traceID)
            }
            // A job whose consumer started a new trace linked to its producer is both traces:
            // the other sides of the kept traces' link hops follow, up to `limit` of them.
            var linkedLeftOut = 0
            var linkedKept = 0
            for index in kept.indices {
                for hop in kept[index].analysis.hops where hop.connection == .link {
                    for other in [hop.producerTrace, hop.consumerTrace] where !keptIDs.contains(other) {
                        guard linkedKept < limit else {
                            linkedLeftOut += 1
                            continue
                        }
                        keptIDs.insert(other)
                        guard let analysis = try query.analyze(other) else { continue }
                        linkedKept += 1
                        let side = other == hop.producerTrace ? "producer" : "consumer"
                        var linked = RankedTrace(
                            analysis: analysis, reasons: ["linked"],
                            explanation: ["the \(side) side of a job of trace \(kept[index].analysis.traceID), joined by a span link"],
                            score: 0)
                        if measure == .errors, let failure = analysis.failure { linked.analysis.culprit = Culprit(failure: failure) }
                        kept.append(linked)
                    }
                }
            }
            return (kept, linkedLeftOut)
        }
        let top = topRanked()
        var (kept, linkedLeftOut) = try keep(top)
        if awaited {
            var found: [QueueComparison]?
            if let figures {
                found = try figures.value()
            } else if let read = try later?.value() {
                found = read.figures
                windowLogsRead = read.windowLogs
            }
            queues = try found ?? queueFigures(on: store, windowSpans: windowSpans)
            ranking = makeRanking(queues)
            let final = topRanked()
            if final.map(\.analysis.traceID) == top.map(\.analysis.traceID), final.map(\.score) == top.map(\.score) {
                for index in 0..<min(top.count, kept.count) { kept[index] = rank(kept[index].analysis) }
            } else {
                (kept, linkedLeftOut) = try keep(final)
            }
        }

        var diagnostics: [TraceDiagnostic] = []
        var seen: Set<String> = []
        for trace in kept {
            for diagnostic in trace.analysis.diagnostics where seen.insert(diagnostic.code + diagnostic.message).inserted {
                diagnostics.append(diagnostic)
            }
        }
        if linkedLeftOut > 0 {
            diagnostics.append(TraceDiagnostic(
                code: "linked_traces_left_out",
                message: "at least \(linkedLeftOut) more trace\(linkedLeftOut == 1 ? "" : "s") joined to the kept ones by span links left out (at most \(limit) follow the top \(limit))"))
        }
        if kept.isEmpty {
            diagnostics.append(TraceDiagnostic(
                code: "no_matching_trace",
                message: "no trace in \(windowStart)…\(windowEnd) matches the alert's labels"
                    + (labels.isEmpty ? "" : " (tried " + labels.map { "\($0.mapping.label)=\($0.value)" }.joined(separator: ", ") + ")")))
        } else {
            for (value, mapping) in ignored {
                diagnostics.append(TraceDiagnostic(
                    code: "label_ignored",
                    message: "label \(mapping.label)=\(value) matched nothing in the window, ignored"))
            }
        }
        let (orphans, unlinked) = try windowLogsRead ?? windowLogs(on: store)
        for orphan in orphans {
            diagnostics.append(TraceDiagnostic(
                code: "logs_without_spans",
                message: "log lines carry trace id \(orphan) but the store has no span of it", traceID: orphan))
        }
        return IncidentBundle(
            alert: alert, windowStart: windowStart, windowEnd: windowEnd, traces: kept, candidates: candidates.count,
            unlinkedLogs: unlinked, diagnostics: diagnostics, measure: measure, measureFrom: measureFrom, queues: queues)
    }

    /// What a label of weight 1 adds to a trace's score: more than being slow or failed (100
    /// each), so that a trace on the alert's queue and service outranks a slow one elsewhere.
    static let labelScore = 150.0

    /// Scores one trace by what the alert measures, and says why in words.
    struct Ranking {
        var measure: AlertMeasure
        var threshold: Double
        var queues: [QueueComparison]
        var queueAttributes: [String]
        var thresholdIsDefault: Bool
        /// The alert's queue names, made once for all the traces ranked.
        private let queueNames: Set<String>

        init(measure: AlertMeasure, threshold: Double, queues: [QueueComparison], queueAttributes: [String], thresholdIsDefault: Bool) {
            self.measure = measure
            self.threshold = threshold
            self.queues = queues
            self.queueAttributes = queueAttributes
            self.thresholdIsDefault = thresholdIsDefault
            self.queueNames = Set(queues.map(\.queue))
        }

        func rank(_ analysis: TraceAnalysis) -> RankedTrace {
            var reasons: [String] = []
            var explanation: [String] = []
            var score = 0.0
            let threshold = max(1, self.threshold)
            func slow(_ value: Double, _ words: String, _ more: String = "") {
                if value > threshold {
                    reasons.append("slow")
                    score += 100
                }
                score += min(99, value / threshold)
                explanation.append(words + " (\(thresholdIsDefault ? "default threshold" : "threshold") \(Milliseconds.spoken(threshold)))" + more)
            }
            switch measure {
            case .queueWait:
                let (longest, skewed) = longestWait(analysis)
                if let (wait, queue) = longest {
                    let p95 = queues.first { $0.queue == queue }?.window?.wait?.p95
                    slow(wait, "waited \(Milliseconds.spoken(wait))" + (queue.map { " in \($0)" } ?? ""),
                         p95.map { "; window p95 \(Milliseconds.spoken($0))" } ?? "")
                } else if skewed {
                    explanation.append("wait unknown: the consumer started before its producer (the hosts' clocks disagree)")
                } else {
                    explanation.append("no queue wait on the alert's queue")
                }
            case .execution:
                if let (run, span) = longestRun(analysis) {
                    slow(run, "ran \(Milliseconds.spoken(run)) in \(span.name)")
                } else {
                    slow(analysis.durationMilliseconds, "took \(Milliseconds.spoken(analysis.durationMilliseconds)) (no consumer span)")
                }
            case .endToEnd:
                // From the producer's end when the job's wait came before this trace (a link).
                let total = Double(max(0, analysis.end.nanoseconds(since: analysis.timelineStart))) / 1_000_000
                slow(total, "took \(Milliseconds.spoken(total)) end to end")
            case .errors:
                if analysis.hasError {
                    reasons.append("error")
                    score += 100
                    explanation.append(analysis.failure.map { "failed in \($0.spanName)" + ($0.summary.map { ": \($0)" } ?? "") } ?? "failed")
                }
                score += min(99, max(analysis.durationMilliseconds, analysis.queueWaitMilliseconds ?? 0) / threshold)
            case .unknown:
                if analysis.hasError {
                    reasons.append("error")
                    explanation.append("failed")
                    score += 10
                }
                let slowest = max(analysis.durationMilliseconds, analysis.queueWaitMilliseconds ?? 0)
                score += min(99, slowest / threshold)
                explanation.append("took \(Milliseconds.spoken(analysis.durationMilliseconds))"
                    + (analysis.queueWaitMilliseconds.map { ", waited \(Milliseconds.spoken($0))" } ?? ""))
            }
            if measure != .errors, measure != .unknown, analysis.hasError { score += 1 }
            return RankedTrace(analysis: analysis, reasons: reasons, explanation: explanation, score: score)
        }

        /// Whether a span is on one of the alert's queues (any span when it names none), and
        /// which.
        private func queue(of spans: Span?...) -> (on: Bool, name: String?) {
            let found = spans.compactMap { $0 }.flatMap { $0.queueNames(in: queueAttributes) }
            if queueNames.isEmpty { return (true, found.first) }
            if let name = found.first(where: queueNames.contains) { return (true, name) }
            return (false, nil)
        }

        /// The trace's longest queue wait on one of the alert's queues, and that queue; and
        /// whether a hop on them was left out for clock skew.
        func longestWait(_ analysis: TraceAnalysis) -> (longest: (Double, String?)?, skewed: Bool) {
            let spans = analysis.spanIndex
            var best: (Double, String?)?
            var skewed = false
            for hop in analysis.hops {
                let (on, queue) = queue(of: spans[hop.consumer], spans[hop.producer])
                guard on else { continue }
                if hop.clockSkew {
                    skewed = true
                } else if hop.waitMilliseconds > (best?.0 ?? -1) {
                    best = (hop.waitMilliseconds, queue)
                }
            }
            return (best, skewed)
        }

        /// The trace's longest consumer span on one of the alert's queues (any consumer span
        /// when none is on them).
        func longestRun(_ analysis: TraceAnalysis) -> (Double, Span)? {
            let executing = Set(analysis.hops.filter { $0.consumerTrace == analysis.traceID }.map(\.consumer))
            let consumers = analysis.spans.map(\.span).filter { $0.kind == .consumer || executing.contains($0.spanID) }
            let onQueue = queues.isEmpty ? [] : consumers.filter { queue(of: $0).on }
            return (onQueue.isEmpty ? consumers : onQueue).map { ($0.durationMilliseconds, $0) }.max { $0.0 < $1.0 }
        }
    }
}

/// The alert rules as the engine needs them (the engine does not read YAML).
public struct AlertMatcher: Sendable {
    public struct Mapping: Sendable {
        public var label: String
        public var attributes: [String]
        public var matchSpanName: Bool
        /// How much a match adds to a trace's score (1: full evidence; Prometheus target
        /// labels less).
        public var weight: Double

        /// It maps a label to a queue (its attributes include `messaging.destination.name` or
        /// `messaging.destination`).
        public var isQueue: Bool {
            attributes.contains { $0 == "messaging.destination.name" || $0 == "messaging.destination" }
        }

        public init(label: String, attributes: [String], matchSpanName: Bool, weight: Double = 1) {
            self.label = label
            self.attributes = attributes
            self.matchSpanName = matchSpanName
            self.weight = weight
        }
    }

    public var mappings: [Mapping]
    public var lookbackNanoseconds: Int64
    /// What the alert measures, and what said so.
    public var measure: @Sendable (Alert) -> (measure: AlertMeasure, from: String)
    /// The latency threshold (ms) the alert's annotations state, or nil.
    public var statedThresholdMilliseconds: @Sendable (Alert) -> Double?
    /// The threshold of an alert whose annotations state none (said as "default threshold" in
    /// the reasons).
    public var defaultThresholdMilliseconds: Double

    public init(
        mappings: [Mapping], lookbackNanoseconds: Int64,
        measure: @escaping @Sendable (Alert) -> (measure: AlertMeasure, from: String),
        statedThresholdMilliseconds: @escaping @Sendable (Alert) -> Double?, defaultThresholdMilliseconds: Double = 2_000
    ) {
        self.mappings = mappings
        self.lookbackNanoseconds = lookbackNanoseconds
        self.measure = measure
        self.statedThresholdMilliseconds = statedThresholdMilliseconds
        self.defaultThresholdMilliseconds = defaultThresholdMilliseconds
    }

    public func matches(for alert: Alert) -> [(value: String, mapping: Mapping)] {
        mappings.compactMap { mapping in alert.label(mapping.label).map { ($0, mapping) } }
    }

    /// Some span of `spans` has one of the mapping's attributes with `value` (or, with
    /// `matchSpanName`, is named `value` or `<anything>/value`).
    public static func spans(_ spans: [Span], match value: String, of mapping: Mapping) -> Bool {
        // A queue label: the spans' queue names, read as the queue statistics read them.
        if mapping.isQueue {
            return spans.contains { $0.queueNames(in: mapping.attributes).contains(value) }
        }
        return spans.contains { span in
            for key in mapping.attributes {
                if (key == "service.name" ? span.service : (span.attributes[key] ?? span.resource[key])?.text) == value {
                    return true
                }
            }
            return mapping.matchSpanName && (span.name == value || span.name.hasSuffix("/" + value))
        }
    }

    /// Trace ids the alert names in its annotations (exemplars).
    public func exemplars(_ alert: Alert) -> [TraceID] {
        var ids: [TraceID] = []
        for (_, text) in alert.annotations {
            var run = ""
            for character in text + " " {
                if character.isHexDigit {
                    run.append(character)
                    continue
                }
                if run.count == 32, let id = TraceID(hex: run), id.isValid, !ids.contains(id) { ids.append(id) }
                run = ""
            }
        }
        return ids
    }

    /// Queues the alert is about (labels mapped to `messaging.destination.name` or the older
    /// `messaging.destination`), each once.
    public func queues(_ alert: Alert) -> [String] {
        var names: [String] = []
        for (value, mapping) in matches(for: alert) where mapping.isQueue && !names.contains(value) {
            names.append(value)
        }
        return names
    }

    /// The span attributes that name a queue: those of the labels mapped to
    /// `messaging.destination.name` or `messaging.destination`, in order; the usual ones when
    /// no label is.
    public var queueAttributes: [String] {
        var attributes: [String] = []
        for mapping in mappings where mapping.isQueue {
            for attribute in mapping.attributes where !attributes.contains(attribute) { attributes.append(attribute) }
        }
        return attributes.isEmpty ? Span.queueAttributes : attributes
    }

    /// Service names the alert is about (labels mapped to `service.name`).
    public func services(_ alert: Alert) -> [String] {
        matches(for: alert).filter { $0.mapping.attributes.contains("service.name") }.map(\.value)
    }
}

/// A second handle on a store, for ``AlertLookup/secondStore``: opened by `open` the first time
/// it is asked for (on the thread that asks), then kept; nil when it cannot be opened.
/// Used by one thread at a time: each bundle waits for its work on the other thread before the
/// next bundle starts.
public final class SecondStore: @unchecked Sendable {
    private let open: () throws -> EventStore?
    /// nil: not tried yet; `.some(nil)`: tried, could not be opened.
    private var opened: EventStore??

    public init(_ open: @escaping () throws -> EventStore?) {
        self.open = open
    }

    func store() -> EventStore? {
        if let opened { return opened }
        let store = (try? open()) ?? nil
        opened = .some(store)
        return store
    }
}

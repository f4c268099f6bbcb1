import CorrelateModel

/// Alert → traces: the traces that explain an alert, ranked, each analysed.
///
/// The alert's mapped labels (see `rules/alerts.yaml`) are evidence, not filters: candidates
/// are the traces with spans in the alert's window (`lookback` before `startsAt`, to `endsAt` or
/// `now`) that match at least one of them, and each label a trace matches adds its weight to
/// the trace's score (a Prometheus target label such as `job` or `instance`, which usually
/// names an exporter, weighs little). A label that no span in the window matches is ignored and
/// named in the bundle's diagnostics (`label_ignored`); only when none matches is the answer
/// empty (`no_matching_trace`, with the labels tried). An alert with no mapped label has every
/// trace of the window as a candidate.
///
/// Exemplar trace ids the alert names come first; then, for an error alert, traces with errors;
/// for a latency alert, the slowest (by duration and by queue wait). The top `limit` are kept.
public struct AlertLookup {
    public let store: EventStore
    public let matcher: AlertMatcher
    public var limit: Int
    public var unlinkedLimit: Int

    public init(store: EventStore, matcher: AlertMatcher, limit: Int = 10, unlinkedLimit: Int = 200) {
        self.store = store
        self.matcher = matcher
        self.limit = limit
        self.unlinkedLimit = unlinkedLimit
    }

    public func bundle(for alert: Alert, now: Timestamp) throws -> IncidentBundle {
        let windowStart = Timestamp(nanoseconds: alert.startsAt.nanoseconds - matcher.lookbackNanoseconds)
        let windowEnd = alert.endsAt ?? max(now, alert.startsAt)
        let kind = matcher.kind(alert)
        let threshold = matcher.thresholdMilliseconds(alert)

        // Candidates: traces with a span in the window that match the labels.
        var spansByTrace: [TraceID: [Span]] = [:]
        for span in try store.spans(startingBetween: windowStart, and: windowEnd) {
            spansByTrace[span.traceID, default: []].append(span)
        }
        // Each mapped label: the traces it matches, and the weight it gives them.
        let labels = matcher.matches(for: alert)
        var evidence: [TraceID: (weight: Double, labels: Int)] = [:]
        var ignored: [(value: String, mapping: AlertMatcher.Mapping)] = []
        for (value, mapping) in labels {
            var matchedAny = false
            for (id, spans) in spansByTrace where AlertMatcher.spans(spans, match: value, of: mapping) {
                matchedAny = true
                evidence[id, default: (0, 0)].weight += mapping.weight
                evidence[id, default: (0, 0)].labels += 1
            }
            if !matchedAny { ignored.append((value, mapping)) }
        }
        var candidates = labels.isEmpty ? Set(spansByTrace.keys) : Set(evidence.keys)
        let exemplars = matcher.exemplars(alert)
        for id in exemplars where !(try store.spans(inTrace: id)).isEmpty { candidates.insert(id) }

        let query = TraceQuery(store: store)
        var ranked: [RankedTrace] = []
        // Ranking needs the spans only; the log lines are read for the traces kept.
        for id in candidates {
            guard let analysis = try query.analyze(id, includeLogs: false) else { continue }
            var reasons: [String] = []
            var score = 0.0
            if exemplars.contains(id) {
                reasons.append("exemplar")
                score += 1_000
            }
            let execution = analysis.spans.filter { $0.span.kind == .consumer }.map(\.span.durationMilliseconds).max()
            let slowest = max(analysis.durationMilliseconds, analysis.queueWaitMilliseconds ?? 0)
            switch kind {
            case "error":
                if analysis.hasError {
                    reasons.append("error")
                    score += 100
                }
                score += min(99, slowest / max(1, threshold))
            case "latency":
                let slow = (execution ?? analysis.durationMilliseconds) > threshold || (analysis.queueWaitMilliseconds ?? 0) > threshold
                if slow {
                    reasons.append("slow")
                    score += 100
                }
                score += min(99, slowest / max(1, threshold))
                if analysis.hasError { score += 1 }
            default:
                if analysis.hasError {
                    reasons.append("error")
                    score += 10
                }
                score += min(99, slowest / max(1, threshold))
            }
            if let matched = evidence[id] {
                reasons.append("label_match")
                score += Self.labelScore * matched.weight
            }
            ranked.append(RankedTrace(analysis: analysis, reasons: reasons, score: (score * 1000).rounded() / 1000))
        }
        ranked.sort { a, b in
            a.score != b.score ? a.score > b.score : a.analysis.start < b.analysis.start
        }
        let kept = try ranked.prefix(limit).map { trace in
            var whole = trace
            whole.analysis = try query.analyze(trace.analysis.traceID) ?? trace.analysis
            return whole
        }

        var diagnostics: [TraceDiagnostic] = []
        var seen: Set<String> = []
        for trace in kept {
            for diagnostic in trace.analysis.diagnostics where seen.insert(diagnostic.code + diagnostic.message).inserted {
                diagnostics.append(diagnostic)
            }
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
        for orphan in try store.traceIDsOfLogsWithoutSpans(between: windowStart, and: windowEnd, limit: 20) {
            diagnostics.append(TraceDiagnostic(
                code: "logs_without_spans",
                message: "log lines carry trace id \(orphan) but the store has no span of it", traceID: orphan))
        }
        let services = Set(matcher.services(alert))
        let unlinked = try store.unlinkedLogs(between: windowStart, and: windowEnd, services: services, limit: unlinkedLimit)
        return IncidentBundle(
            alert: alert, windowStart: windowStart, windowEnd: windowEnd, traces: kept, candidates: candidates.count,
            unlinkedLogs: unlinked, diagnostics: diagnostics, kind: kind)
    }

    /// What a label of weight 1 adds to a trace's score: more than being slow or failed (100
    /// each), so that a trace on the alert's queue and service outranks a slow one elsewhere.
    static let labelScore = 150.0
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

        public init(label: String, attributes: [String], matchSpanName: Bool, weight: Double = 1) {
            self.label = label
            self.attributes = attributes
            self.matchSpanName = matchSpanName
            self.weight = weight
        }
    }

    public var mappings: [Mapping]
    public var lookbackNanoseconds: Int64
    public var kind: @Sendable (Alert) -> String?
    public var thresholdMilliseconds: @Sendable (Alert) -> Double

    public init(
        mappings: [Mapping], lookbackNanoseconds: Int64, kind: @escaping @Sendable (Alert) -> String?,
        thresholdMilliseconds: @escaping @Sendable (Alert) -> Double
    ) {
        self.mappings = mappings
        self.lookbackNanoseconds = lookbackNanoseconds
        self.kind = kind
        self.thresholdMilliseconds = thresholdMilliseconds
    }

    public func matches(for alert: Alert) -> [(value: String, mapping: Mapping)] {
        mappings.compactMap { mapping in alert.label(mapping.label).map { ($0, mapping) } }
    }

    /// Some span of `spans` has one of the mapping's attributes with `value` (or, with
    /// `matchSpanName`, is named `value` or `<anything>/value`).
    public static func spans(_ spans: [Span], match value: String, of mapping: Mapping) -> Bool {
        spans.contains { span in
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

    /// Service names the alert is about (labels mapped to `service.name`).
    public func services(_ alert: Alert) -> [String] {
        matches(for: alert).filter { $0.mapping.attributes.contains("service.name") }.map(\.value)
    }
}

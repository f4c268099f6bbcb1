public import CorrelateModel

/// Draws a trace as a terminal waterfall: one row per span, indented by depth, a bar scaled to
/// the width, the queue wait before a consumer as a segment of its own, the culprit and error
/// spans marked, and the trace's log lines under their span in time order. Every text from input
/// (names, services, messages, paths) has its control characters shown escaped
/// (``Swift/String/escapingControlCharacters``): the only control sequences written are the
/// colours of `colour`.
///
/// ```
/// trace cddaa145622ea1854204e01d78b04e0d  667.8 ms  ok  POST /api/v1/reports/{report_id}/export (export-api)
/// culprit: db.query 355.2 ms · queue wait 5.2 ms
///   POST /api/v1/reports/{report_id}/e… export-api    |██████▊                     |  280 ms
///     apply_async/jobs.tasks.export_re… export-api    |      ▏                     |  11.2 ms
///     ░ queue wait                                    |      ░                     |  5.2 ms
///       run/jobs.tasks.export_report    celery-worker |      ███████████████████▊  |  383.3 ms
///         db.query                      celery-worker |       ████████████████▌    |  355.2 ms  ◀ culprit
///           08:32:27.339 info  query returned 1459 rows in 355 ms   (worker.otel.log:4)
/// ```
public struct TerminalWaterfall {
    public var width: Int
    public var colour: Bool

    public init(width: Int = 120, colour: Bool = false) {
        self.width = max(60, width)
        self.colour = colour
    }

    private enum Style: String {
        case bold = "1", dim = "2", red = "31", yellow = "33", cyan = "36", green = "32"
    }

    private func paint(_ text: String, _ style: Style) -> String {
        colour ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    public func render(_ analysis: TraceAnalysis) -> String {
        var lines: [String] = []
        let status = analysis.hasError ? paint("error", .red) : paint("ok", .green)
        var head = "trace \(analysis.traceID)  \(Milliseconds.text(analysis.durationMilliseconds)) ms  \(status)"
        if let root = analysis.root?.span {
            head += "  \(root.name.escapingControlCharacters)" + (root.service.map { " (\($0.escapingControlCharacters))" } ?? "")
        }
        lines.append(paint(head, .bold))
        var facts: [String] = []
        if let culprit = analysis.culprit {
            facts.append("culprit: \(culprit.name.escapingControlCharacters) \(Milliseconds.text(culprit.selfTimeMilliseconds)) ms")
        }
        if let wait = analysis.queueWaitMilliseconds { facts.append("queue wait \(Milliseconds.text(wait)) ms") }
        facts.append("\(analysis.spans.count) span\(analysis.spans.count == 1 ? "" : "s"), \(analysis.logs.count) log record\(analysis.logs.count == 1 ? "" : "s")")
        lines.append(facts.joined(separator: " · "))
        // Jobs of this trace that ran in another trace (a consumer that started a new trace).
        for hop in analysis.hops where hop.producerTrace == analysis.traceID && hop.consumerTrace != analysis.traceID {
            lines.append("consumed in trace \(hop.consumerTrace) (joined by \(hop.connection == .link ? "a span link" : "its job id")), "
                + (hop.clockSkew ? "started before its producer ended (clock skew)" : "waited \(Milliseconds.text(hop.waitMilliseconds)) ms"))
        }
        if let failure = analysis.failure {
            lines.append(paint("failed in \(failure.spanName.escapingControlCharacters)", .red)
                + (failure.summary.map { ": " + $0.escapingControlCharacters } ?? ""))
        }

        let nameWidth = min(44, max(24, width / 3))
        let serviceWidth = 14
        let durationWidth = 12
        let barWidth = max(10, width - nameWidth - serviceWidth - durationWidth - 8)
        let start = analysis.timelineStart.nanoseconds
        let total = max(1, analysis.end.nanoseconds(since: analysis.timelineStart))
        func column(_ nanos: Int64) -> Double { (Double(nanos) - Double(start)) / Double(total) * Double(barWidth) }
        func bar(from: Int64, to: Int64, fill: Character) -> String {
            let left = column(from)
            let right = max(column(to), left + 0.5)
            var cells = Array(repeating: Character(" "), count: barWidth)
            let first = min(barWidth - 1, max(0, Int(left.rounded(.down))))
            let last = min(barWidth - 1, max(first, Int(right.rounded(.up)) - 1))
            for index in first...last { cells[index] = fill }
            return String(cells)
        }
        var logsBySpan: [SpanID?: [PlacedLog]] = [:]
        for placed in analysis.logs { logsBySpan[placed.spanID, default: []].append(placed) }
        let hopsByConsumer = analysis.drawnHops
        let spanIDs = Set(analysis.spans.map(\.span.spanID))

        lines.append("")
        for analyzed in analysis.spans {
            let span = analyzed.span
            let indent = String(repeating: "  ", count: analyzed.depth + 1)
            if let hop = hopsByConsumer[span.spanID] {
                let producerEnd = hop.waitStart(consumerStart: span.start).nanoseconds
                let linked = hop.producerTrace != analysis.traceID ? " (linked)" : ""
                let label = fit(indent + "░ queue wait" + linked, nameWidth + serviceWidth + 1)
                lines.append(label + " |" + paint(bar(from: producerEnd, to: span.start.nanoseconds, fill: "░"), .yellow)
                             + "| " + pad(Milliseconds.text(hop.waitMilliseconds) + " ms", durationWidth)
                             + (analysis.culprit?.kind == .queueWait && analysis.culprit?.spanID == span.spanID ? paint("  ◀ culprit", .red) : ""))
            }
            let isCulprit = analysis.culprit?.kind != .queueWait && analysis.culprit?.spanID == span.spanID
            let marker = span.hasError ? "✗ " : ""
            var name = fit(indent + marker + span.name.escapingControlCharacters + (analyzed.missingParent ? " (parent missing)" : ""), nameWidth)
            if span.hasError { name = paint(name, .red) }
            let service = fit((span.service ?? "").escapingControlCharacters, serviceWidth)
            var row = name + " " + paint(service, .dim) + " |"
            let fill: Character = analyzed.onCriticalPath ? "█" : "▒"
            row += paint(bar(from: span.start.nanoseconds, to: span.end.nanoseconds, fill: fill), span.hasError ? .red : .cyan)
            row += "| " + pad(Milliseconds.text(span.durationMilliseconds) + " ms", durationWidth)
            if isCulprit { row += paint("  ◀ culprit", .red) }
            if span.hasError, let message = span.statusMessage ?? span.events.first(where: { $0.name == "exception" })?.attributes["exception.message"]?.text {
                row += paint("  " + String(message.escapingControlCharacters.prefix(60)), .red)
            }
            lines.append(row)
            for placed in logsBySpan[span.spanID] ?? [] {
                lines.append(logLine(placed, indent: indent + "    "))
            }
        }
        let loose = analysis.logs.filter { $0.spanID == nil || !spanIDs.contains($0.spanID!) }
        if !loose.isEmpty {
            lines.append("")
            lines.append(paint("log records not under a span of this trace:", .dim))
            for placed in loose { lines.append(logLine(placed, indent: "  ")) }
        }
        if !analysis.diagnostics.isEmpty {
            lines.append("")
            for diagnostic in analysis.diagnostics {
                lines.append(paint("⚠ \(diagnostic.code): ", .yellow) + diagnostic.message.escapingControlCharacters)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func logLine(_ placed: PlacedLog, indent: String) -> String {
        let record = placed.record
        var time = record.timestamp.map { String($0.description.dropFirst(11).prefix(12)) } ?? "            "
        time = paint(time, .dim)
        let level = pad(record.severity?.rawValue ?? "", 5)
        let firstLine = (record.message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "").escapingControlCharacters
        let extra = record.lines > 1 ? " (+\(record.lines - 1) lines)" : ""
        let source = " (\(shortPath(record.source.file).escapingControlCharacters):\(record.source.line))"
        let room = max(20, width - indent.count - 20 - source.count - extra.count)
        var text = indent + time + " " + (record.severity == .error || record.severity == .fatal ? paint(level, .red) : level)
            + " " + fit(firstLine, room, padded: false) + extra
        text += paint(source, .dim)
        return text
    }

    private func shortPath(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.suffix(2).joined(separator: "/")
    }

    private func fit(_ text: String, _ length: Int, padded: Bool = true) -> String {
        if text.count > length { return String(text.prefix(length - 1)) + "…" }
        return padded ? text + String(repeating: " ", count: length - text.count) : text
    }

    private func pad(_ text: String, _ length: Int) -> String {
        text.count >= length ? text : text + String(repeating: " ", count: length - text.count)
    }
}

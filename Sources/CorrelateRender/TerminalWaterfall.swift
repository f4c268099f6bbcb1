public import CorrelateModel

/// Draws a trace as a terminal waterfall that fits ``RenderOptions/width`` columns: a header
/// (trace id, date, start time and zone, duration, status; the root; for an error trace the
/// exception first; the culprit with its key attributes), then one row per span indented by
/// depth with a bar on a common time axis, the queue wait before a consumer as a row of its own,
/// the culprit marked `◀`, error spans `✗` with their message, and the trace's log events
/// under their span (``TraceLogView``: filtered, the same event from several files once, capped
/// per span). No line is longer than the width, but a link (a URL is never cut). Every text from
/// input has its control characters shown escaped (``Swift/String/escapingControlCharacters``):
/// the only control sequences written are the colours of ``RenderOptions/colour``.
///
/// ```
/// trace cddaa145622ea1854204e01d78b04e0d · 2026-11-25 08:32:27.001 UTC · 668 ms · ok
/// POST /api/v1/reports/{report_id}/export (export-api) · 5 spans · 6 log events
/// culprit ◀ db.query (celery-worker) · 355 ms of its own
///   db.statement: SELECT o.id, o.created_at, o.total_cents, c.email FROM orders o JOIN…
///   db.system: postgresql · db.sql.table: orders · db.rows_returned: 1459
///
///   POST /api/v1/reports/{repor… export-api   │██████▊            │  280 ms
///     apply_async/jobs.tasks.exp… export-api   │      ▏            │ 11.2 ms
///     ░ queue wait                             │      ░            │  5.2 ms
///       run/jobs.tasks.export_re… celery-work… │      ████████████▊│  383 ms
///         db.query                celery-work… │       ██████████▌ │  355 ms ◀
///           08:32:27.339 info  query returned 1459 rows in 355 ms   worker.otel.log:4 +2
/// ```
public struct TerminalWaterfall {
    public var options: RenderOptions

    public init(options: RenderOptions) {
        self.options = options
    }

    public init(width: Int = 120, colour: Bool = false) {
        self.init(options: RenderOptions(width: width, colour: colour))
    }

    public var width: Int { options.width }

    enum Style: String {
        case bold = "1", dim = "2", red = "31", yellow = "33", cyan = "36", green = "32"
    }

    func paint(_ text: String, _ style: Style) -> String {
        options.colour && !text.isEmpty ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// The waterfall of one trace, lines ending in `\n`.
    public func render(_ analysis: TraceAnalysis, links: [(label: String, url: String)] = []) -> String {
        let logs = TraceLogView(analysis, options: options)
        var lines = header(analysis, logs: logs, links: links)
        lines.append("")
        lines += rows(analysis, logs: logs)
        return lines.map(trimmingTrailingSpaces).joined(separator: "\n") + "\n"
    }

    // MARK: Header

    func header(_ analysis: TraceAnalysis, logs: TraceLogView, links: [(label: String, url: String)]) -> [String] {
        var lines: [String] = []
        let status = analysis.hasError ? "error" : "ok"
        var parts = ["trace \(analysis.traceID)", status, Milliseconds.spoken(analysis.durationMilliseconds),
                     "started " + TimeText.dateTime(analysis.start)]
        if let root = analysis.root?.span {
            parts.append(root.name.escapingControlCharacters + (root.service.map { " (\($0.escapingControlCharacters))" } ?? ""))
        }
        parts.append(counted(analysis.spans.count, "span"))
        if options.logs != .none {
            parts.append(counted(logs.events, "log event") + (logs.records != logs.events ? " (\(logs.records) records)" : ""))
        }
        // The status painted after fitting (colour codes take no cells), on the line it fell on.
        var painted = false
        for line in TextLayout.packed(parts, width) {
            let pieces = line.components(separatedBy: " · ")
            if !painted, let at = pieces.firstIndex(of: status) {
                var colouredPieces = pieces
                colouredPieces[at] = paint(status, analysis.hasError ? .red : .green)
                lines.append(colouredPieces.joined(separator: " · "))
                painted = true
            } else {
                lines.append(line)
            }
        }
        if let first = lines.first { lines[0] = first.replacingOccurrences(of: "trace \(analysis.traceID)", with: paint("trace \(analysis.traceID)", .bold)) }

        if let failure = analysis.failure {
            lines += failureLines(failure, analysis: analysis)
        }
        if let culprit = analysis.culprit {
            lines += culpritLines(culprit, analysis: analysis)
        }
        if let wait = analysis.queueWaitMilliseconds, analysis.culprit?.kind != .queueWait {
            lines.append(TextLayout.fit("queue wait " + Milliseconds.spoken(wait), width))
        }
        // Jobs of this trace that ran in another trace (a consumer that started a new trace).
        for hop in analysis.hops where hop.producerTrace == analysis.traceID && hop.consumerTrace != analysis.traceID {
            let joined = hop.connection == .link ? "a span link" : hop.connection == .messageID ? "its message id" : "its job id"
            let what = hop.clockSkew ? "started before its producer ended (clock skew)" : "waited " + Milliseconds.spoken(hop.waitMilliseconds)
            lines += TextLayout.wrap("consumed in trace \(hop.consumerTrace) (joined by \(joined)), \(what)", width, hanging: 2)
        }
        for link in links {
            // A URL is never cut: a terminal keeps it whole, and whole it can be opened.
            lines.append(paint(TextLayout.fit(link.label.escapingControlCharacters, max(8, width / 3)) + ": ", .dim) + link.url.escapingControlCharacters)
        }
        return lines
    }

    func failureLines(_ failure: Failure, analysis: TraceAnalysis) -> [String] {
        let service = analysis.span(failure.spanID)?.service.map { " (\($0.escapingControlCharacters))" } ?? ""
        let text = "✗ failed in \(failure.spanName.escapingControlCharacters)\(service)" + (failure.summary.map { ": " + $0.escapingControlCharacters } ?? "")
        var lines = (options.full ? TextLayout.wrap(text, width, hanging: 2) : TextLayout.wrap(text, width, hanging: 2, atMost: 3)).map { paint($0, .red) }
        if let stack = failure.stacktrace, !stack.isEmpty {
            var stackLines = stack.replacingOccurrences(of: "\t", with: "    ").splitLines()
            while stackLines.last?.allSatisfy({ $0 == " " }) == true { stackLines.removeLast() }
            if options.full {
                for line in stackLines {
                    lines += TextLayout.wrap("  " + String(line).escapingControlCharacters, width, hanging: 4)
                }
            } else {
                lines.append(paint(TextLayout.fit("  traceback of \(stackLines.count) lines (--full shows it)", width), .dim))
            }
        }
        return lines
    }

    func culpritLines(_ culprit: Culprit, analysis: TraceAnalysis) -> [String] {
        let span = analysis.span(culprit.spanID)
        let service = span?.service.map { " (\($0.escapingControlCharacters))" } ?? ""
        let what: String
        switch culprit.kind {
        case .queueWait:
            let queue = span.flatMap { $0.queueNames(in: Span.queueAttributes).first }
            what = "queue wait before \(span?.name.escapingControlCharacters ?? culprit.name.escapingControlCharacters)\(service)"
                + (queue.map { " on queue \($0.escapingControlCharacters)" } ?? "") + " · " + Milliseconds.spoken(culprit.selfTimeMilliseconds)
        case .span:
            what = "\(culprit.name.escapingControlCharacters)\(service) · \(Milliseconds.spoken(culprit.selfTimeMilliseconds)) of its own"
        case .error:
            what = "\(culprit.name.escapingControlCharacters)\(service) · failed after \(Milliseconds.spoken(culprit.selfTimeMilliseconds))"
        }
        var lines = TextLayout.wrap("culprit ◀ " + what, width, hanging: 2, atMost: 2)
        lines[0] = lines[0].replacingOccurrences(of: "culprit ◀", with: "culprit " + paint("◀", .red))
        if culprit.kind != .queueWait { lines += attributeLines(span) }
        return lines
    }

    /// The span's key attributes (``SpanFacts``): a long value on a line of its own, short ones
    /// together.
    func attributeLines(_ span: Span?) -> [String] {
        guard let span else { return [] }
        var lines: [String] = []
        var short: [String] = []
        for (key, value) in SpanFacts.keyAttributes(of: span) {
            let text = "\(key.escapingControlCharacters): \(value.escapingControlCharacters)"
            if TextLayout.cells(text) > width / 2 {
                lines += options.full ? TextLayout.wrap("  " + text, width, hanging: 2) : ["  " + TextLayout.fit(text, width - 2)]
            } else {
                short.append(text)
            }
        }
        lines += TextLayout.packed(short, width - 2).map { "  " + $0 }
        return lines.map { paint($0, .dim) }
    }

    // MARK: Rows

    /// Column widths: the service column as wide as the longest service (at most 14; none
    /// under 72 columns), the names as wide as the longest indented name while the bar keeps
    /// at least a third of the room, the bar the rest (at most 100 cells).
    struct Columns {
        var name: Int
        var service: Int
        var bar: Int
        static let duration = 8

        init(width: Int, analysis: TraceAnalysis) {
            let services = analysis.spans.map { TextLayout.cells(($0.span.service ?? "").escapingControlCharacters) }.max() ?? 0
            service = width >= 72 ? min(14, services) : 0
            // The name and service columns each followed by a space; the bar between │ │; a
            // space, the duration, the culprit marker (2).
            let room = width - (service > 0 ? service + 1 : 0) - 1 - 2 - 1 - Columns.duration - 2
            var names = 0
            for analyzed in analysis.spans {
                var cells = 2 * analyzed.depth + 2 + TextLayout.cells(analyzed.span.name.escapingControlCharacters)
                if analyzed.span.hasError { cells += 2 }
                if analyzed.missingParent { cells += 17 }
                names = max(names, cells)
            }
            let barMinimum = max(8, room / 3)
            name = max(10, min(names, room - barMinimum, 60))
            bar = max(8, min(100, room - name))
        }
    }

    func rows(_ analysis: TraceAnalysis, logs: TraceLogView) -> [String] {
        let columns = Columns(width: width, analysis: analysis)
        let start = analysis.timelineStart.nanoseconds
        let total = max(1, analysis.end.nanoseconds(since: analysis.timelineStart))
        // The cell of a time, held to just outside the bar: a span of another trace's time
        // (a hop's producer, clock skew) may lie a long way off, further than an Int reaches.
        func cell(_ nanos: Int64) -> Double {
            let position = (Double(nanos) - Double(start)) / Double(total) * Double(columns.bar)
            return position.isNaN ? 0 : min(Double(columns.bar + 1), max(-1, position))
        }
        func bar(from: Int64, to: Int64, fill: Character) -> String {
            let left = cell(from)
            let right = max(cell(to), left + 0.5)
            var cells = Array(repeating: Character(" "), count: columns.bar)
            let first = min(columns.bar - 1, max(0, Int(left.rounded(.down))))
            let last = min(columns.bar - 1, max(first, Int(right.rounded(.up)) - 1))
            for index in first...last { cells[index] = fill }
            return String(cells)
        }
        func row(indent: String, name: String, nameStyle: Style?, service: String, bar barText: String, barStyle: Style, duration: Double, culprit: Bool) -> String {
            var text = TextLayout.padded(indent + TextLayout.fitMiddle(name, columns.name - indent.count), columns.name)
            if let nameStyle { text = paint(text, nameStyle) }
            text += " "
            if columns.service > 0 { text += paint(TextLayout.padded(service, columns.service), .dim) + " " }
            text += "│" + paint(barText, barStyle) + "│ " + TextLayout.rightAligned(Milliseconds.spoken(duration), Columns.duration)
            if culprit { text += " " + paint("◀", .red) }
            return trimmingTrailingSpaces(text)
        }

        let hopsByConsumer = analysis.drawnHops
        let maximumIndent = columns.name / 2
        var lines: [String] = []
        var cut = false
        for analyzed in analysis.spans {
            let span = analyzed.span
            let indent = String(repeating: " ", count: min(maximumIndent, 2 * analyzed.depth + 2))
            if let hop = hopsByConsumer[span.spanID] {
                let producerEnd = hop.waitStart(consumerStart: span.start).nanoseconds
                let linked = hop.producerTrace != analysis.traceID ? " (linked)" : ""
                lines.append(row(
                    indent: indent, name: "░ queue wait" + linked, nameStyle: nil, service: "",
                    bar: bar(from: producerEnd, to: span.start.nanoseconds, fill: "░"), barStyle: .yellow,
                    duration: hop.waitMilliseconds,
                    culprit: analysis.culprit?.kind == .queueWait && analysis.culprit?.spanID == span.spanID))
            }
            let isCulprit = analysis.culprit?.kind != .queueWait && analysis.culprit?.spanID == span.spanID
            let name = (span.hasError ? "✗ " : "") + span.name.escapingControlCharacters + (analyzed.missingParent ? " (parent missing)" : "")
            cut = cut || TextLayout.cells(indent + name) > columns.name
            lines.append(row(
                indent: indent, name: name, nameStyle: span.hasError ? .red : nil, service: (span.service ?? "").escapingControlCharacters,
                bar: bar(from: span.start.nanoseconds, to: span.end.nanoseconds, fill: analyzed.onCriticalPath ? "█" : "▒"),
                barStyle: span.hasError ? .red : .cyan, duration: span.durationMilliseconds, culprit: isCulprit))
            let eventIndent = String(repeating: " ", count: min(maximumIndent, 2 * analyzed.depth + 4))
            if span.hasError, let message = span.statusMessage ?? span.events.first(where: { $0.name == "exception" }).flatMap(exceptionText) {
                let text = eventIndent + "✗ " + message.escapingControlCharacters
                let wrapped = options.full ? TextLayout.wrap(text, width, hanging: 2) : [TextLayout.fit(text, width)]
                lines += wrapped.map { paint($0, .red) }
            }
            let group = logs.group(span.spanID)
            for event in group.shown { lines += eventLines(event, indent: eventIndent, cut: &cut) }
            if group.hidden > 0 { lines.append(moreLine(group.hidden, indent: eventIndent, under: "this span")) }
        }
        if !logs.loose.isEmpty {
            lines.append("")
            lines.append(paint(TextLayout.fit("log events of this trace not under one of its spans:", width), .dim))
            for event in logs.loose.shown { lines += eventLines(event, indent: "  ", cut: &cut) }
            if logs.loose.hidden > 0 { lines.append(moreLine(logs.loose.hidden, indent: "  ", under: "no span")) }
        }
        if !analysis.diagnostics.isEmpty {
            lines.append("")
            for diagnostic in analysis.diagnostics {
                let text = "⚠ \(diagnostic.code): " + diagnostic.message.escapingControlCharacters
                lines += (options.full ? TextLayout.wrap(text, width, hanging: 2) : [TextLayout.fit(text, width)]).map { paint($0, .yellow) }
            }
        }
        if cut && !options.full {
            lines.append("")
            lines.append(paint(TextLayout.fit("(cut to \(width) columns: --full shows every line whole)", width), .dim))
        }
        return lines
    }

    private func exceptionText(_ event: Span.Event) -> String? {
        let type = event.attributes["exception.type"]?.text
        let message = event.attributes["exception.message"]?.text
        switch (type, message) {
        case let (type?, message?): return "\(type): \(message)"
        case let (type?, nil): return type
        case let (nil, message?): return message
        default: return nil
        }
    }

    private func moreLine(_ count: Int, indent: String, under: String) -> String {
        paint(TextLayout.fit(indent + "… \(count) more log event\(count == 1 ? "" : "s") under \(under) (--all-logs shows them)", width), .dim)
    }

    /// A log event: time, level, message, where it was read. The message comes first: when
    /// the line is short of room the source goes, then the message is cut at its end (its
    /// known prefixes already taken off, UUIDs shortened).
    func eventLines(_ event: LogEvent, indent: String, cut: inout Bool) -> [String] {
        let record = event.record
        let time = record.timestamp.map { TimeText.clock($0) } ?? String(repeating: " ", count: 12)
        let severity = record.severity?.rawValue ?? ""
        let level = TextLayout.padded(severity, 5)
        let paintedLevel = record.severity.map { $0 >= .error } == true ? paint(level, .red) : record.severity == .warn ? paint(level, .yellow) : level
        let lead = indent + time + " " + level + " "
        let leadCells = TextLayout.cells(lead)
        let available = max(10, width - leadCells)
        let paintedLead = indent + paint(time, .dim) + " " + paintedLevel + " "
        let source = SourceName.short(event.sources[0]).escapingControlCharacters + (event.sources.count > 1 ? " +\(event.sources.count - 1)" : "")
        let bodyLines = event.message.splitLines()

        if options.full {
            var lines: [String] = []
            let continuation = String(repeating: " ", count: leadCells)
            for (number, line) in bodyLines.enumerated() {
                let text = String(line).replacingOccurrences(of: "\t", with: "    ").escapingControlCharacters
                for (part, wrapped) in TextLayout.wrap(text, available).enumerated() {
                    lines.append(trimmingTrailingSpaces((number == 0 && part == 0 ? paintedLead : continuation) + wrapped))
                }
            }
            let sources = event.sources.map { SourceName.short($0).escapingControlCharacters }.joined(separator: ", ")
            lines += TextLayout.wrap("↳ " + sources, available, hanging: 2).map { paint(continuation + $0, .dim) }
            return lines
        }

        var message = String(bodyLines.first ?? "").escapingControlCharacters
        let more = bodyLines.count > 1 ? " (+\(bodyLines.count - 1) lines)" : ""
        if bodyLines.count > 1 { cut = true }
        let sourceCells = TextLayout.cells(source) + 2
        var total = TextLayout.cells(message) + TextLayout.cells(more)
        if total + sourceCells > available {
            message = LogMessage.shorteningUUIDs(Substring(message))
            total = TextLayout.cells(message) + TextLayout.cells(more)
        }
        if total + sourceCells <= available {
            return [paintedLead + message + more + "  " + paint(source, .dim)]
        }
        cut = true
        // The source stays when the message still has 60 cells beside it; else the message
        // takes the line (the sources are in --full, and in the JSON).
        let keepSource = available - sourceCells >= 60
        let room = keepSource ? available - sourceCells : available
        // The count of further lines goes before the message does.
        let moreShown = room - TextLayout.cells(more) >= 12 ? more : ""
        let body = TextLayout.fit(message, room - TextLayout.cells(moreShown)) + moreShown
        return [trimmingTrailingSpaces(paintedLead + body + (keepSource ? "  " + paint(source, .dim) : ""))]
    }

    private func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    private func trimmingTrailingSpaces(_ text: String) -> String {
        var text = Substring(text)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}

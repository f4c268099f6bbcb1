public import CorrelateModel

/// Incident bundles as terminal text (`--format text`): for each alert what fired, since when,
/// what it says and where its runbook and graph are, the traces found as a table, then each
/// trace's waterfall (``TerminalWaterfall``) with its links out. Fits ``RenderOptions/width``
/// but for URLs, which are never cut.
public enum BundleText {
    public static func render(_ bundles: [IncidentBundle], title: String, options: RenderOptions) -> String {
        var lines: [String] = []
        if bundles.count != 1 { lines.append(TextLayout.fit(title.escapingControlCharacters, options.width)) }
        for bundle in bundles {
            if !lines.isEmpty { lines.append("") }
            lines += render(bundle, options: options)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func render(_ bundle: IncidentBundle, options: RenderOptions) -> [String] {
        let width = options.width
        let waterfall = TerminalWaterfall(options: options)
        let alert = bundle.alert
        var lines: [String] = []
        let status = alert.status == .firing ? "FIRING" : "resolved"
        let when = "since " + TimeText.dateTime(alert.startsAt) + (alert.endsAt.map { ", resolved " + TimeText.dateTime($0) } ?? "")
        lines += TextLayout.packed(["\(status) \(alert.name.escapingControlCharacters)", when], width)
            .map { waterfall.paint($0, alert.status == .firing ? .red : .green) }
        for key in ["summary", "description"] {
            if let text = alert.annotation(key) { lines += TextLayout.wrap("\(key): " + text.escapingControlCharacters, width, hanging: 2, atMost: options.full ? .max : 3) }
        }
        lines += TextLayout.wrap("labels: " + alert.labels.map { "\($0.0)=\($0.1)".escapingControlCharacters }.joined(separator: " "), width, hanging: 2, atMost: options.full ? .max : 2)
        // URLs whole: a terminal opens them.
        if let runbook = alert.annotation("runbook_url") { lines.append("runbook: " + runbook.escapingControlCharacters) }
        if let graph = alert.generatorURL, !graph.isEmpty { lines.append("graph: " + graph.escapingControlCharacters) }
        for queue in bundle.queues { lines += TextLayout.wrap("queue " + QueueText.comparison(queue).escapingControlCharacters, width, hanging: 2) }
        let found = "\(bundle.candidates) matching trace\(bundle.candidates == 1 ? "" : "s")"
            + (bundle.traces.count < bundle.candidates ? ", the top \(bundle.traces.count) below" : "")
        lines += TextLayout.packed([
            "measures \(bundle.measure.rawValue)",
            "searched \(TimeText.dateTime(bundle.windowStart)) … \(TimeText.dateTime(bundle.windowEnd))", found,
        ], width)
        if bundle.traces.isEmpty {
            lines.append("no trace matches this alert in the window")
        } else {
            lines.append("")
            lines += table(bundle, width: width)
        }
        for (index, trace) in bundle.traces.enumerated() {
            lines.append("")
            let rule = "── \(index + 1)/\(bundle.traces.count) " + (trace.explanation.first.map { $0.escapingControlCharacters + " " } ?? "")
            lines.append(waterfall.paint(TextLayout.fit(rule + String(repeating: "─", count: max(0, width - TextLayout.cells(rule))), width), .dim))
            var text = waterfall.render(trace.analysis, links: links(trace.analysis, options: options))
            if text.hasSuffix("\n") { text.removeLast() }
            lines.append(text)
        }
        if !bundle.diagnostics.isEmpty {
            lines.append("")
            for diagnostic in bundle.diagnostics {
                lines += TextLayout.wrap("⚠ \(diagnostic.code): " + diagnostic.message.escapingControlCharacters, width, hanging: 2, atMost: options.full ? .max : 2)
            }
        }
        if options.logs == .all, !bundle.unlinkedLogs.isEmpty {
            lines.append("")
            lines.append(TextLayout.fit("log lines of the window with no trace id (\(bundle.unlinkedLogs.count) records):", width))
            lines += unlinked(bundle, options: options)
        } else if !bundle.unlinkedLogs.isEmpty {
            lines.append("")
            lines.append(TextLayout.fit("\(bundle.unlinkedLogs.count) log line\(bundle.unlinkedLogs.count == 1 ? "" : "s") of the window carry no trace id (--logs all shows them)", width))
        }
        return lines
    }

    /// The traces as a table: rank, trace id (its first 8 digits: `correlate trace` takes them),
    /// duration, queue wait, status, culprit.
    static func table(_ bundle: IncidentBundle, width: Int) -> [String] {
        var rows = [["#", "trace", "duration", "queue wait", "status", "culprit"]]
        for (index, trace) in bundle.traces.enumerated() {
            let analysis = trace.analysis
            rows.append([
                String(index + 1), String(analysis.traceID.description.prefix(8)), Milliseconds.spoken(analysis.durationMilliseconds),
                analysis.queueWaitMilliseconds.map(Milliseconds.spoken) ?? "—", analysis.hasError ? "error" : "ok",
                analysis.culprit.map { ($0.kind == .queueWait ? "queue wait" : $0.name.escapingControlCharacters) + " " + Milliseconds.spoken($0.selfTimeMilliseconds) } ?? "—",
            ])
        }
        let columns = rows[0].indices.dropLast().map { column in rows.map { TextLayout.cells($0[column]) }.max() ?? 0 }
        return rows.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                if column == row.count - 1 {
                    line += cell
                } else if column == 1 || column == 4 {
                    line += TextLayout.padded(cell, columns[column]) + "  "
                } else {
                    line += TextLayout.rightAligned(cell, columns[column]) + "  "
                }
            }
            return TextLayout.fit(line, width)
        }
    }

    /// The trace's links out (``RenderOptions/traceLinks``), labelled.
    public static func links(_ analysis: TraceAnalysis, options: RenderOptions) -> [(label: String, url: String)] {
        options.traceLinks.map { ($0.label, $0.url(traceID: analysis.traceID, start: analysis.start, end: analysis.end)) }
    }

    /// The bundle's log lines without a trace id, folded and capped like a span's.
    static func unlinked(_ bundle: IncidentBundle, options: RenderOptions) -> [String] {
        let view = TraceLogView(windowRecords: bundle.unlinkedLogs, options: options)
        let waterfall = TerminalWaterfall(options: options)
        var cut = false
        var lines = view.loose.shown.flatMap { waterfall.eventLines($0, indent: "  ", cut: &cut) }
        if view.loose.hidden > 0 { lines.append("  … \(view.loose.hidden) more (--all-logs shows them)") }
        return lines
    }
}

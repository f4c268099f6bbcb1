public import CorrelateModel

/// Incident bundles as one self-contained HTML page: no external asset, no script; an inline
/// SVG waterfall per trace with the queue wait and the culprit, the log lines under each trace,
/// and every piece of log or attribute text escaped (a log line holding `<script>` is shown,
/// never run).
public enum BundleHTML {
    public static func render(_ bundles: [IncidentBundle], title: String) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(style)</style>
            </head><body>
            <header><h1>\(escape(title))</h1>
            <p class="meta">\(bundles.count) alert\(bundles.count == 1 ? "" : "s") · made by correlate</p></header>

            """
        if bundles.count > 1 {
            out += "<nav><ol>"
            for (index, bundle) in bundles.enumerated() {
                out += "<li><a href=\"#alert-\(index + 1)\">\(escape(bundle.alert.name))</a> <span class=\"meta\">\(bundle.alert.startsAt)</span></li>"
            }
            out += "</ol></nav>\n"
        }
        for (index, bundle) in bundles.enumerated() { out += section(bundle, index: index + 1) }
        out += "</body></html>\n"
        return out
    }

    static func section(_ bundle: IncidentBundle, index: Int) -> String {
        let alert = bundle.alert
        var out = "<section class=\"alert\" id=\"alert-\(index)\">\n"
        out += "<h2><span class=\"status \(alert.status.rawValue)\">\(alert.status.rawValue)</span> \(escape(alert.name))</h2>\n"
        out += "<p class=\"meta\">fired \(alert.startsAt) · " + (alert.endsAt.map { "resolved \($0)" } ?? "still firing")
            + " · fingerprint <code>\(escape(alert.fingerprint))</code> · from \(escape(alert.source))</p>\n"
        out += "<p>" + alert.labels.map { "<span class=\"label\">\(escape($0.0))=\(escape($0.1))</span>" }.joined(separator: " ") + "</p>\n"
        for key in ["summary", "description"] {
            if let text = alert.annotation(key) { out += "<p class=\"annotation\"><b>\(key)</b> \(escape(text))</p>\n" }
        }
        out += "<p class=\"meta\">measures <b>\(bundle.measure.rawValue)</b>" + (bundle.measureFrom.isEmpty ? "" : " (\(escape(bundle.measureFrom)))")
            + " · searched \(bundle.windowStart) … \(bundle.windowEnd)"
            + " · \(bundle.candidates) matching trace\(bundle.candidates == 1 ? "" : "s")</p>\n"
        for queue in bundle.queues { out += "<p class=\"queue\"><b>queue</b> \(escape(QueueText.comparison(queue)))</p>\n" }
        if bundle.traces.isEmpty {
            out += "<p class=\"empty\">No trace matches this alert in the window.</p>\n"
        } else {
            out += "<table class=\"traces\"><thead><tr><th>#</th><th>trace</th><th>root</th><th>duration</th><th>queue wait</th><th>culprit</th><th>status</th><th>why</th></tr></thead><tbody>\n"
            for (number, trace) in bundle.traces.enumerated() {
                let analysis = trace.analysis
                let root = analysis.root.map { $0.span.name + ($0.span.service.map { " (\($0))" } ?? "") } ?? "—"
                out += "<tr><td>\(number + 1)</td><td><a href=\"#t-\(index)-\(number + 1)\"><code>\(analysis.traceID.description.prefix(12))…</code></a></td>"
                    + "<td>\(escape(root))</td><td>\(BundleMarkdown.duration(analysis.durationMilliseconds))</td>"
                    + "<td>\(analysis.queueWaitMilliseconds.map(BundleMarkdown.duration) ?? "—")</td>"
                    + "<td class=\"culprit\">\(analysis.culprit.map { escape($0.name) + " " + BundleMarkdown.duration($0.selfTimeMilliseconds) } ?? "—")</td>"
                    + "<td>\(analysis.hasError ? "<b class=\"error\">error</b>" : "ok")</td><td>\(escape(BundleMarkdown.why(trace)))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        for (number, trace) in bundle.traces.enumerated() { out += traceSection(trace, id: "t-\(index)-\(number + 1)") }
        if !bundle.diagnostics.isEmpty {
            out += "<h3>What looks broken</h3><ul class=\"diagnostics\">"
            for diagnostic in bundle.diagnostics { out += "<li><b>\(escape(diagnostic.code))</b> \(escape(diagnostic.message))</li>" }
            out += "</ul>\n"
        }
        if !bundle.unlinkedLogs.isEmpty {
            out += "<details><summary>Log lines of the window with no trace id (\(bundle.unlinkedLogs.count))</summary>"
            out += logTable(bundle.unlinkedLogs.map { PlacedLog(record: $0, spanID: nil, via: .traceID) })
            out += "</details>\n"
        }
        return out + "</section>\n"
    }

    static func traceSection(_ trace: RankedTrace, id: String) -> String {
        let analysis = trace.analysis
        var out = "<article class=\"trace\" id=\"\(id)\"><h3>trace <code>\(analysis.traceID)</code></h3>\n"
        out += "<p class=\"meta\">\(BundleMarkdown.duration(analysis.durationMilliseconds))"
            + (analysis.culprit.map { " · culprit <b class=\"culprit\">\(escape($0.name))</b> \(BundleMarkdown.duration($0.selfTimeMilliseconds))" } ?? "")
            + (analysis.queueWaitMilliseconds.map { " · queue wait \(BundleMarkdown.duration($0))" } ?? "")
            + " · \(escape(BundleMarkdown.why(trace)))</p>\n"
        if let failure = analysis.failure {
            out += "<p class=\"failure\"><b class=\"error\">failed in</b> <code>\(escape(failure.spanName))</code>"
                + (failure.summary.map { ": " + escape($0) } ?? "") + "</p>\n"
            if let stack = failure.stacktrace { out += "<details><summary>stack</summary><pre>\(escape(stack))</pre></details>\n" }
        }
        out += waterfall(analysis)
        if !analysis.logs.isEmpty { out += logTable(analysis.logs) }
        return out + "</article>\n"
    }

    /// One row per span: the name column, then a bar on a common time axis; the queue wait
    /// before a consumer is a hatched bar of its own; the culprit is outlined.
    static func waterfall(_ analysis: TraceAnalysis) -> String {
        let rowHeight = 20.0
        let labelWidth = 330.0
        let barWidth = 620.0
        let start = analysis.timelineStart.nanoseconds
        let total = Double(max(1, analysis.end.nanoseconds(since: analysis.timelineStart)))
        func x(_ nanos: Int64) -> Double { labelWidth + (Double(nanos) - Double(start)) / total * barWidth }
        var rows: [String] = []
        let hops = analysis.drawnHops
        for analyzed in analysis.spans {
            let span = analyzed.span
            if let hop = hops[span.spanID] {
                let y = Double(rows.count) * rowHeight
                let from = x(hop.waitStart(consumerStart: span.start).nanoseconds)
                let culprit = analysis.culprit?.kind == .queueWait && analysis.culprit?.spanID == span.spanID
                rows.append("<g class=\"queue\(culprit ? " culprit" : "")\"><text x=\"\(4 + Double(analyzed.depth) * 12)\" y=\"\(y + 14)\">queue wait</text>"
                    + "<rect x=\"\(format(from))\" y=\"\(y + 4)\" width=\"\(format(max(1.5, x(span.start.nanoseconds) - from)))\" height=\"12\"/>"
                    + "<text class=\"d\" x=\"\(format(labelWidth + barWidth + 6))\" y=\"\(y + 14)\">\(BundleMarkdown.duration(hop.waitMilliseconds))</text></g>")
            }
            let y = Double(rows.count) * rowHeight
            let isCulprit = analysis.culprit?.kind != .queueWait && analysis.culprit?.spanID == span.spanID
            var classes = ["span"]
            if span.hasError { classes.append("error") }
            if isCulprit { classes.append("culprit") }
            if analyzed.onCriticalPath { classes.append("critical") }
            let left = x(span.start.nanoseconds)
            let name = String(span.name.prefix(44))
            rows.append("<g class=\"\(classes.joined(separator: " "))\"><title>\(escape(span.name)) · \(escape(span.service ?? "")) · \(BundleMarkdown.duration(span.durationMilliseconds))</title>"
                + "<text x=\"\(4 + Double(analyzed.depth) * 12)\" y=\"\(y + 14)\">\(escape(name))</text>"
                + "<rect x=\"\(format(left))\" y=\"\(y + 4)\" width=\"\(format(max(1.5, x(span.end.nanoseconds) - left)))\" height=\"12\"/>"
                + "<text class=\"d\" x=\"\(format(labelWidth + barWidth + 6))\" y=\"\(y + 14)\">\(BundleMarkdown.duration(span.durationMilliseconds))\(isCulprit ? " ◀ culprit" : "")</text></g>")
        }
        let height = Double(rows.count) * rowHeight + 6
        return "<svg class=\"waterfall\" viewBox=\"0 0 \(format(labelWidth + barWidth + 120)) \(format(height))\" width=\"100%\" role=\"img\" aria-label=\"waterfall of trace \(analysis.traceID)\">"
            + "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#d9a400\"/></pattern></defs>"
            + rows.joined() + "</svg>\n"
    }

    static func logTable(_ logs: [PlacedLog]) -> String {
        var out = "<table class=\"logs\"><tbody>"
        for placed in logs.prefix(500) {
            let record = placed.record
            let time = record.timestamp.map { String($0.description.dropFirst(11).prefix(12)) } ?? ""
            let level = record.severity?.rawValue ?? ""
            out += "<tr class=\"\(escape(level))\"><td class=\"t\">\(time)</td><td>\(escape(level))</td>"
                + "<td><pre>\(escape(record.message))</pre></td><td class=\"meta\">\(escape(record.source.description))</td></tr>"
        }
        return out + "</tbody></table>\n"
    }

    /// Text as HTML shows it: `&`, `<`, `>`, `"` and `'` escaped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func format(_ value: Double) -> String {
        String((value * 10).rounded() / 10)
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1200px;padding:0 20px 40px;color:#1d1d1f;background:#fff}
        header{border-bottom:1px solid #ddd;margin-bottom:16px}h1{font-size:22px}h2{font-size:19px;margin-top:32px}h3{font-size:15px}
        .meta{color:#666;font-size:12px}code{font:12px ui-monospace,Menlo,monospace}
        .status{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff;vertical-align:middle}.status.firing{background:#c62828}.status.resolved{background:#2e7d32}
        .label{display:inline-block;background:#eef;border-radius:4px;padding:1px 6px;margin:1px;font:12px ui-monospace,monospace}
        table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}
        .traces th{background:#f5f5f7}.culprit{color:#b71c1c;font-weight:600}.error{color:#c62828}
        article.trace{border:1px solid #e3e3e3;border-radius:6px;padding:4px 14px 10px;margin:14px 0}
        svg.waterfall{font:11px ui-monospace,monospace;background:#fafafa}
        svg .span rect{fill:#90a4ae}svg .span.critical rect{fill:#1e88e5}svg .span.error rect{fill:#e53935}
        svg .culprit rect{stroke:#b71c1c;stroke-width:2}svg .queue rect{fill:url(#hatch);stroke:#d9a400}svg .d{fill:#555}
        .logs pre{margin:0;white-space:pre-wrap;font:12px ui-monospace,monospace}.logs td.t{white-space:nowrap;color:#666}
        .logs tr.error td,.logs tr.fatal td{background:#fff3f3}.diagnostics li{margin:4px 0}
        """
}

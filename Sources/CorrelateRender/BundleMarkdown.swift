import CorrelateModel

/// An incident bundle as Markdown, to paste into an incident ticket: the alert, a table of the
/// traces with their culprit and queue wait, each trace's waterfall and log lines, what looks
/// broken, and the log lines of the window that no trace explains.
public enum BundleMarkdown {
    public static func render(_ bundles: [IncidentBundle], title: String? = nil) -> String {
        var out = ""
        if let title { out += "# \(escape(title))\n\n" }
        for bundle in bundles { out += render(bundle) + "\n" }
        return out
    }

    public static func render(_ bundle: IncidentBundle) -> String {
        let alert = bundle.alert
        var out = "## \(alert.status == .firing ? "🔥" : "✅") \(escape(alert.name)) — \(alert.status.rawValue)\n\n"
        out += "- **fired** \(alert.startsAt), **" + (alert.endsAt.map { "resolved** \($0)" } ?? "still firing**") + "\n"
        out += "- **labels** " + alert.labels.map { "`\($0.0)=\($0.1)`" }.joined(separator: " ") + "\n"
        for key in ["summary", "description"] {
            if let text = alert.annotation(key) { out += "- **\(key)** \(escape(text))\n" }
        }
        if let runbook = alert.annotation("runbook_url") { out += "- **runbook** <\(runbook)>\n" }
        out += "- **searched** \(bundle.windowStart) … \(bundle.windowEnd)"
            + (bundle.kind.map { " as a \($0) alert" } ?? "") + "; \(bundle.candidates) matching trace\(bundle.candidates == 1 ? "" : "s")"
            + (bundle.traces.count < bundle.candidates ? ", the top \(bundle.traces.count) below" : "") + "\n\n"
        if bundle.traces.isEmpty {
            out += "_No trace matches this alert in the window._\n\n"
        } else {
            out += "| # | trace | root | duration | queue wait | culprit | status | why |\n"
            out += "|---:|---|---|---:|---:|---|---|---|\n"
            for (index, trace) in bundle.traces.enumerated() {
                let analysis = trace.analysis
                let root = analysis.root.map { "\($0.span.name)" + ($0.span.service.map { " (\($0))" } ?? "") } ?? "—"
                let culprit = analysis.culprit.map { "\($0.name) \(duration($0.selfTimeMilliseconds))" } ?? "—"
                out += "| \(index + 1) | `\(analysis.traceID)` | \(cell(root)) | \(duration(analysis.durationMilliseconds)) | "
                    + (analysis.queueWaitMilliseconds.map(duration) ?? "—") + " | \(cell(culprit)) | "
                    + (analysis.hasError ? "**error**" : "ok") + " | \(trace.reasons.joined(separator: ", ")) |\n"
            }
            out += "\n"
        }
        let waterfall = TerminalWaterfall(width: 110, colour: false)
        for (index, trace) in bundle.traces.enumerated() {
            out += "### \(index + 1). `\(trace.analysis.traceID)`\n\n"
            out += "```text\n" + waterfall.render(trace.analysis) + "```\n\n"
        }
        if !bundle.diagnostics.isEmpty {
            out += "### What looks broken\n\n"
            for diagnostic in bundle.diagnostics { out += "- **\(diagnostic.code)** \(escape(diagnostic.message))\n" }
            out += "\n"
        }
        if !bundle.unlinkedLogs.isEmpty {
            out += "### Log lines of the window with no trace id (\(bundle.unlinkedLogs.count))\n\n```text\n"
            for record in bundle.unlinkedLogs.prefix(50) {
                let time = record.timestamp.map { String($0.description.dropFirst(11).prefix(12)) } ?? "            "
                var level = record.severity?.rawValue ?? ""
                level += String(repeating: " ", count: max(0, 5 - level.count))
                let firstLine = String(record.message.split(separator: "\n").first ?? "")
                out += time + " " + level + " " + firstLine + "  (\(record.source))\n"
            }
            out += "```\n\n"
        }
        return out
    }

    static func duration(_ milliseconds: Double) -> String {
        milliseconds >= 1000 ? Milliseconds.text((milliseconds / 10).rounded() / 100) + " s" : Milliseconds.text(milliseconds) + " ms"
    }

    /// Markdown that shows text as it is.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\`*_{}[]<>#|".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    static func cell(_ text: String) -> String { escape(text).replacingNewlines() }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}

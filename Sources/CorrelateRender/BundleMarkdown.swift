public import CorrelateModel

/// An incident bundle as Markdown, to paste into an incident ticket: the alert, a table of the
/// traces with their culprit and queue wait, each trace's waterfall and log lines, what looks
/// broken, and the log lines of the window that no trace explains. Every value from input is
/// written for its Markdown context by ``MarkdownText``: nothing in an alert, a span or a log
/// line can become markup, HTML or a link other than an http(s) one.
public enum BundleMarkdown {
    /// - Parameter options: the waterfalls' width (default 100: what a ticket shows without a
    ///   scroll bar), the log events shown, the links out per trace.
    public static func render(_ bundles: [IncidentBundle], title: String? = nil, options: RenderOptions = RenderOptions(width: 100)) -> String {
        var out = ""
        if let title { out += "# \(MarkdownText.inline(title))\n\n" }
        for bundle in bundles { out += render(bundle, options: options) + "\n" }
        return out
    }

    public static func render(_ bundle: IncidentBundle, options: RenderOptions = RenderOptions(width: 100)) -> String {
        let alert = bundle.alert
        var options = options
        options.colour = false
        var out = "## \(alert.status == .firing ? "🔥" : "✅") \(MarkdownText.inline(alert.name)) — \(alert.status.rawValue)\n\n"
        out += "- **fired** \(TimeText.dateTime(alert.startsAt)), **" + (alert.endsAt.map { "resolved** \(TimeText.dateTime($0))" } ?? "still firing**") + "\n"
        out += "- **labels** " + alert.labels.map { MarkdownText.code("\($0.0)=\($0.1)") }.joined(separator: " ") + "\n"
        for key in ["summary", "description"] {
            if let text = alert.annotation(key) { out += "- **\(key)** \(MarkdownText.inline(text))\n" }
        }
        if let runbook = alert.annotation("runbook_url") { out += "- **runbook** \(MarkdownText.link(runbook))\n" }
        if let graph = alert.generatorURL, !graph.isEmpty { out += "- **graph** \(MarkdownText.link(graph))\n" }
        out += "- **measures** \(bundle.measure.rawValue)" + (bundle.measureFrom.isEmpty ? "" : " (\(MarkdownText.inline(bundle.measureFrom)))") + "\n"
        for queue in bundle.queues { out += "- **queue** \(MarkdownText.inline(QueueText.comparison(queue)))\n" }
        out += "- **searched** \(TimeText.dateTime(bundle.windowStart)) … \(TimeText.dateTime(bundle.windowEnd))"
            + "; \(bundle.candidates) matching trace\(bundle.candidates == 1 ? "" : "s")"
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
                out += "| \(index + 1) | `\(analysis.traceID)` | \(MarkdownText.inline(root)) | \(duration(analysis.durationMilliseconds)) | "
                    + (analysis.queueWaitMilliseconds.map(duration) ?? "—") + " | \(MarkdownText.inline(culprit)) | "
                    + (analysis.hasError ? "**error**" : "ok") + " | \(MarkdownText.inline(why(trace))) |\n"
            }
            out += "\n"
        }
        let waterfall = TerminalWaterfall(options: options)
        for (index, trace) in bundle.traces.enumerated() {
            out += "### \(index + 1). `\(trace.analysis.traceID)`\n\n"
            let links = BundleText.links(trace.analysis, options: options)
            if !links.isEmpty {
                out += links.map { "**\(MarkdownText.inline($0.label))** \(MarkdownText.link($0.url))" }.joined(separator: " · ") + "\n\n"
            }
            if let failure = trace.analysis.failure {
                out += "**failed in** \(MarkdownText.code(failure.spanName))" + (failure.summary.map { ": " + MarkdownText.inline($0) } ?? "") + "\n\n"
                if let stack = failure.stacktrace {
                    // Java and .NET frames start with a tab: shown as spaces, not as \t.
                    let lines = stack.replacingOccurrences(of: "\t", with: "    ")
                    out += MarkdownText.fencedBlock(lines.escapingControlCharacters(keepingNewlines: true)) + "\n"
                }
            }
            var analysis = trace.analysis
            // The exception is shown above, whole.
            analysis.failure?.stacktrace = nil
            out += MarkdownText.fencedBlock(waterfall.render(analysis)) + "\n"
        }
        if !bundle.diagnostics.isEmpty {
            out += "### What looks broken\n\n"
            for diagnostic in bundle.diagnostics { out += "- **\(diagnostic.code)** \(MarkdownText.inline(diagnostic.message))\n" }
            out += "\n"
        }
        if options.logs == .all, !bundle.unlinkedLogs.isEmpty {
            out += "### Log lines of the window with no trace id (\(bundle.unlinkedLogs.count))\n\n"
            out += MarkdownText.fencedBlock(BundleText.unlinked(bundle, options: options).joined(separator: "\n") + "\n") + "\n"
        } else if !bundle.unlinkedLogs.isEmpty {
            out += "_\(bundle.unlinkedLogs.count) log line\(bundle.unlinkedLogs.count == 1 ? "" : "s") of the window carry no trace id (`--logs all` shows them)._\n\n"
        }
        return out
    }

    /// A trace's reasons in words, else its codes.
    static func why(_ trace: RankedTrace) -> String {
        trace.explanation.isEmpty ? trace.reasons.joined(separator: ", ") : trace.explanation.joined(separator: "; ")
    }

    static func duration(_ milliseconds: Double) -> String {
        Milliseconds.spoken(milliseconds)
    }
}

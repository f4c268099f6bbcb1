public import CorrelateModel

/// Incident bundles as one self-contained HTML page: no external asset, no script, readable
/// from 400 px wide (a phone) to a desktop, in light and dark.
///
/// For each alert: what fired and since when, its summary and description, its runbook and the
/// graph of its firing expression (links out, http(s) only), its labels, what it measures, its
/// queues, then the traces found as a table, and each trace as an article:
///
/// - a header: status, root span, date, start time and zone, duration; for a failed trace the
///   exception first (type: message, the stack in a `<details>`), then the culprit with its key
///   attributes (``SpanFacts``), the queue wait, the links out of ``RenderOptions/traceLinks``;
/// - a waterfall on a time axis (round ticks, ``TimeAxis``): a row per span with its service and
///   duration, the queue wait before a consumer as a hatched row of its own, the culprit
///   labelled on the side of its bar that has room, error spans marked ✗ with their message;
///   each row opens in place (`<details>`) on the span's attributes, events, exceptions and
///   links;
/// - each span's log events under its row (``TraceLogView``: filtered, the same event from
///   several files once with all its sources, capped per span) and as ticks on its bar.
///
/// Every text from input is escaped (``HTMLText``): a log line holding `<script>` is shown,
/// never run.
public struct BundleHTML {
    let options: RenderOptions
    /// The id of the article where each trace of the page is drawn first: a span link to another
    /// trace on the page becomes a link to it.
    let traceAnchors: [TraceID: String]

    /// The page for `bundles`.
    /// - Parameters:
    ///   - title: the page's title and heading.
    ///   - options: the log events shown with each trace (``RenderOptions/logs``, services,
    ///     severity, cap per span) and the links out per trace. Width, colour and `full` are the
    ///     terminal's and are not used.
    public static func render(_ bundles: [IncidentBundle], title: String, options: RenderOptions = RenderOptions()) -> String {
        var anchors: [TraceID: String] = [:]
        for (alert, bundle) in bundles.enumerated() {
            for (rank, trace) in bundle.traces.enumerated() where anchors[trace.analysis.traceID] == nil {
                anchors[trace.analysis.traceID] = articleID(alert: alert + 1, rank: rank + 1)
            }
        }
        return BundleHTML(options: options, traceAnchors: anchors).page(bundles, title: title)
    }

    /// Text as HTML shows it: `&`, `<`, `>`, `"` and `'` escaped.
    public static func escape(_ text: String) -> String {
        HTMLText.escape(text)
    }

    static func articleID(alert: Int, rank: Int) -> String { "a\(alert)-t\(rank)" }

    func page(_ bundles: [IncidentBundle], title: String) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>\(HTMLText.text(title))</title>
            <style>\(BundleHTML.style)</style>
            </head><body>
            <header class="page"><h1>\(HTMLText.text(title))</h1>
            <p class="meta">\(counted(bundles.count, "alert")) · made by correlate</p>

            """
        if bundles.count > 1 {
            out += "<nav><ol>"
            for (index, bundle) in bundles.enumerated() {
                out += "<li><a href=\"#a\(index + 1)\">\(statusBadge(bundle.alert)) \(HTMLText.text(bundle.alert.name))</a>"
                    + " <span class=\"meta\">fired \(TimeText.dateTime(bundle.alert.startsAt)) · \(counted(bundle.traces.count, "trace"))</span></li>"
            }
            out += "</ol></nav>\n"
        }
        out += "</header>\n<main>\n"
        for (index, bundle) in bundles.enumerated() { out += section(bundle, index: index + 1) }
        if bundles.isEmpty { out += "<p class=\"empty\">No alert.</p>\n" }
        out += "</main>\n</body></html>\n"
        return out
    }

    func statusBadge(_ alert: Alert) -> String {
        alert.status == .firing ? "<span class=\"badge firing\">firing</span>" : "<span class=\"badge resolved\">resolved</span>"
    }

    // MARK: An alert

    func section(_ bundle: IncidentBundle, index: Int) -> String {
        let alert = bundle.alert
        var out = "<section class=\"alert\" id=\"a\(index)\">\n"
        out += "<h2>\(statusBadge(alert)) \(HTMLText.text(alert.name))</h2>\n<dl class=\"facts\">\n"
        var fired = "<time datetime=\"\(alert.startsAt)\">\(TimeText.dateTime(alert.startsAt))</time>"
        if let end = alert.endsAt {
            let lasted = Milliseconds.spoken(Double(end.nanoseconds(since: alert.startsAt)) / 1_000_000)
            fired += " · resolved <time datetime=\"\(end)\">\(TimeText.dateTime(end))</time> (after \(lasted))"
        } else {
            fired += " · still firing"
        }
        out += fact("fired", fired)
        for key in ["summary", "description"] {
            if let text = alert.annotation(key) { out += fact(key, HTMLText.text(text)) }
        }
        if let runbook = alert.annotation("runbook_url"), !runbook.isEmpty {
            out += fact("runbook", HTMLText.link(runbook, label: HTMLText.text(runbook), className: "out runbook"))
        }
        if let graph = alert.generatorURL, !graph.isEmpty {
            var text = HTMLText.link(graph, label: "graph of the firing expression", className: "out graph")
            if let host = BundleHTML.host(graph) { text += " <span class=\"meta\">on \(HTMLText.text(host))</span>" }
            if let expression = BundleHTML.expression(graph) { text += "<br><code class=\"expr\">\(HTMLText.text(expression))</code>" }
            out += fact("graph", text)
        }
        out += fact("labels", alert.labels.map { "<span class=\"label\">\(HTMLText.text($0.0))=\(HTMLText.text($0.1))</span>" }.joined(separator: " "))
        out += fact("measures", "<b>\(bundle.measure.rawValue)</b>" + (bundle.measureFrom.isEmpty ? "" : " <span class=\"meta\">(\(HTMLText.text(bundle.measureFrom)))</span>"))
        for queue in bundle.queues { out += fact("queue", HTMLText.text(QueueText.comparison(queue))) }
        out += fact("searched", "\(TimeText.dateTime(bundle.windowStart)) … \(TimeText.dateTime(bundle.windowEnd))"
            + " · \(counted(bundle.candidates, "matching trace"))"
            + (bundle.traces.count < bundle.candidates ? ", the top \(bundle.traces.count) below" : ""))
        out += fact("from", HTMLText.text(alert.source) + " · fingerprint <code>\(HTMLText.text(alert.fingerprint))</code>"
            + (bundle.revision > 0 ? " · revision \(bundle.revision)" : ""))
        out += "</dl>\n"

        if bundle.traces.isEmpty {
            out += "<p class=\"empty\">No trace matches this alert in the window.</p>\n"
        } else {
            out += table(bundle, alert: index)
        }
        for (rank, trace) in bundle.traces.enumerated() {
            out += article(trace, rank: rank + 1, id: BundleHTML.articleID(alert: index, rank: rank + 1))
        }
        if !bundle.diagnostics.isEmpty {
            out += "<h3>What looks broken</h3>\n<ul class=\"diagnostics\">"
            for diagnostic in bundle.diagnostics {
                out += "<li>⚠ <b>\(HTMLText.text(diagnostic.code))</b> \(HTMLText.text(diagnostic.message))</li>"
            }
            out += "</ul>\n"
        }
        out += unlinked(bundle, alert: index)
        return out + "</section>\n"
    }

    func fact(_ term: String, _ html: String) -> String {
        "<dt>\(term)</dt><dd>\(html)</dd>\n"
    }

    /// The traces as a table; below 760 px each row is a card (`data-label` names the values).
    func table(_ bundle: IncidentBundle, alert: Int) -> String {
        var out = "<table class=\"traces\"><thead><tr><th>#</th><th>trace</th><th>root</th><th>duration</th>"
            + "<th>queue wait</th><th>culprit</th><th>status</th><th>why</th></tr></thead><tbody>\n"
        for (rank, trace) in bundle.traces.enumerated() {
            let analysis = trace.analysis
            let root = analysis.root.map { HTMLText.name($0.span.name) + ($0.span.service.map { " <span class=\"svc\">\(HTMLText.text($0))</span>" } ?? "") } ?? "—"
            let id = analysis.traceID.description
            out += "<tr\(analysis.hasError ? " class=\"error\"" : "")>"
                + "<td data-label=\"#\">\(rank + 1)</td>"
                + "<td data-label=\"trace\"><a href=\"#\(BundleHTML.articleID(alert: alert, rank: rank + 1))\" title=\"\(id)\"><code>\(id.prefix(8))…</code></a></td>"
                + "<td data-label=\"root\">\(root)</td>"
                + "<td data-label=\"duration\" class=\"num\">\(Milliseconds.spoken(analysis.durationMilliseconds))</td>"
                + "<td data-label=\"queue wait\" class=\"num\">\(analysis.queueWaitMilliseconds.map(Milliseconds.spoken) ?? "—")</td>"
                + "<td data-label=\"culprit\" class=\"culprit\">\(culpritCell(analysis))</td>"
                + "<td data-label=\"status\">\(status(analysis))</td>"
                + "<td data-label=\"why\">\(HTMLText.text(BundleMarkdown.why(trace)))</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    func culpritCell(_ analysis: TraceAnalysis) -> String {
        guard let culprit = analysis.culprit else { return "—" }
        let name = culprit.kind == .queueWait ? "queue wait" : HTMLText.text(culprit.name)
        return "◀ \(name) \(Milliseconds.spoken(culprit.selfTimeMilliseconds))"
    }

    func status(_ analysis: TraceAnalysis) -> String {
        analysis.hasError ? "<span class=\"st error\">✗ error</span>" : "<span class=\"st ok\">✓ ok</span>"
    }

    func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    // MARK: The generator URL

    /// The URL's host, for saying where a link goes.
    static func host(_ url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let host = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return host.isEmpty ? nil : String(host)
    }

    /// The PromQL expression of a Prometheus graph URL (`g0.expr`), decoded; Grafana's and
    /// others' URLs have none.
    static func expression(_ url: String) -> String? {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.prefix(while: { $0 != "#" }).split(separator: "&") where pair.hasPrefix("g0.expr=") {
            let value = percentDecoded(pair.dropFirst("g0.expr=".count))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count, let value = UInt8(String(decoding: utf8[index + 1...index + 2], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

import CorrelateModel

/// A trace of the page: its header (status, root, when, how long; the exception first for a
/// failed trace, then the culprit, the queue wait, the links out), its waterfall with each
/// span's log events, and the log events under none of its spans.
extension BundleHTML {
    func article(_ trace: RankedTrace, rank: Int, id: String) -> String {
        let analysis = trace.analysis
        let logs = TraceLogView(analysis, options: options)
        var out = "<article class=\"trace\(analysis.hasError ? " failed" : "")\" id=\"\(id)\">\n"
        let root = analysis.root?.span
        out += "<h3><span class=\"rank\">\(rank)</span> \(status(analysis)) "
            + (root.map { HTMLText.name($0.name) + ($0.service.map { " <span class=\"svc\">\(HTMLText.text($0))</span>" } ?? "") } ?? "trace")
            + "</h3>\n"
        var when = "started <b><time datetime=\"\(analysis.start)\">\(TimeText.dateTime(analysis.start))</time></b>"
            + " · took <b>\(Milliseconds.spoken(analysis.durationMilliseconds))</b> · \(counted(analysis.spans.count, "span"))"
        if options.logs != .none {
            when += " · \(counted(logs.events, "log event"))" + (logs.records != logs.events ? " (\(logs.records) records)" : "")
        }
        out += "<p class=\"when\">\(when)</p>\n"
        var ids = "trace <code class=\"id\">\(analysis.traceID)</code>"
        for link in BundleText.links(analysis, options: options) {
            ids += " · " + HTMLText.link(link.url, label: HTMLText.text(link.label), className: "out trace-link")
        }
        out += "<p class=\"ids\">\(ids)</p>\n"
        if let failure = analysis.failure { out += failureBox(failure, analysis: analysis, article: id) }
        if let culprit = analysis.culprit { out += culpritBox(culprit, analysis: analysis, article: id) }
        if let wait = analysis.queueWaitMilliseconds, analysis.culprit?.kind != .queueWait {
            out += "<p class=\"qw\"><span class=\"swatch queue\"></span> queue wait <b>\(Milliseconds.spoken(wait))</b></p>\n"
        }
        out += "<p class=\"why\"><span class=\"meta\">why here:</span> \(HTMLText.text(BundleMarkdown.why(trace)))</p>\n"
        out += hopLines(analysis)
        out += waterfall(analysis, logs: logs, article: id)
        if !logs.loose.isEmpty {
            out += "<div class=\"loose\"><p class=\"meta\">Log events of this trace under none of its spans</p>\n"
            out += logList(logs.loose, spanService: nil, depth: 0)
            out += "</div>\n"
        }
        if !analysis.diagnostics.isEmpty {
            out += "<ul class=\"diagnostics\">"
            for diagnostic in analysis.diagnostics {
                out += "<li>⚠ <b>\(HTMLText.text(diagnostic.code))</b> \(HTMLText.text(diagnostic.message))</li>"
            }
            out += "</ul>\n"
        }
        return out + "</article>\n"
    }

    /// Where the trace failed: the exception's type and message, the span, the stack.
    func failureBox(_ failure: Failure, analysis: TraceAnalysis, article: String) -> String {
        let span = analysis.span(failure.spanID)
        var what: String
        switch (failure.exceptionType, failure.exceptionMessage) {
        case let (type?, message?) where !message.isEmpty: what = "<b>\(HTMLText.text(type))</b>: \(HTMLText.text(message))"
        case let (type?, _): what = "<b>\(HTMLText.text(type))</b>"
        case let (nil, message?): what = HTMLText.text(message)
        default: what = "failed"
        }
        var out = "<div class=\"failure\"><p><span class=\"x\">✗</span> \(what)"
            + " <span class=\"meta\">in</span> <a href=\"#\(spanAnchor(article, failure.spanID))\">\(HTMLText.text(failure.spanName))</a>"
            + (span?.service.map { " <span class=\"svc\">\(HTMLText.text($0))</span>" } ?? "")
            + (failure.logSource.map { " <span class=\"meta\" title=\"\(HTMLText.text($0.description))\">from \(HTMLText.text(SourceName.short($0)))</span>" } ?? "")
            + "</p>\n"
        if let stack = failure.stacktrace, !stack.isEmpty {
            let lines = stack.splitLines().count
            out += "<details class=\"stack\"><summary>stack trace · \(counted(lines, "line"))</summary><pre>\(HTMLText.block(stack))</pre></details>\n"
        }
        return out + "</div>\n"
    }

    /// The culprit: the span (or the queue wait before it), its own time, its key attributes.
    func culpritBox(_ culprit: Culprit, analysis: TraceAnalysis, article: String) -> String {
        let span = analysis.span(culprit.spanID)
        let service = span?.service.map { " <span class=\"svc\">\(HTMLText.text($0))</span>" } ?? ""
        let name = "<a href=\"#\(spanAnchor(article, culprit.spanID))\">\(HTMLText.text(span?.name ?? culprit.name))</a>"
        var out = "<div class=\"culprit-box\"><p><b class=\"mark\">◀ culprit</b> "
        switch culprit.kind {
        case .queueWait:
            let queue = span?.queueNames(in: Span.queueAttributes).first
            out += "<span class=\"swatch queue\"></span> <b>queue wait</b> before \(name)\(service)"
                + (queue.map { " on queue <code>\(HTMLText.text($0))</code>" } ?? "")
                + " · <b>\(Milliseconds.spoken(culprit.selfTimeMilliseconds))</b>"
        case .span:
            out += "\(name)\(service) · <b>\(Milliseconds.spoken(culprit.selfTimeMilliseconds))</b> of its own"
        case .error:
            out += "<span class=\"x\">✗</span> \(name)\(service) · failed after <b>\(Milliseconds.spoken(culprit.selfTimeMilliseconds))</b>"
        }
        out += "</p>\n"
        if culprit.kind != .queueWait, let span {
            let facts = SpanFacts.keyAttributes(of: span)
            if !facts.isEmpty {
                out += "<dl class=\"kv\">" + facts.map { "<dt>\(HTMLText.text($0.key))</dt><dd>\(HTMLText.text($0.value))</dd>" }.joined() + "</dl>\n"
            }
        }
        return out + "</div>\n"
    }

    /// Jobs of this trace that ran in another trace (a consumer that started a new trace).
    func hopLines(_ analysis: TraceAnalysis) -> String {
        var out = ""
        for hop in analysis.hops where hop.producerTrace == analysis.traceID && hop.consumerTrace != analysis.traceID {
            let joined = hop.connection == .link ? "a span link" : hop.connection == .messageID ? "its message id" : "its job id"
            let what = hop.clockSkew ? "started before its producer ended (clock skew)" : "waited " + Milliseconds.spoken(hop.waitMilliseconds)
            let trace = traceAnchors[hop.consumerTrace].map { "<a href=\"#\($0)\"><code class=\"id\">\(hop.consumerTrace)</code></a>" }
                ?? "<code class=\"id\">\(hop.consumerTrace)</code>"
            out += "<p class=\"hop\">consumed in trace \(trace) (joined by \(joined)), \(what)</p>\n"
        }
        return out
    }

    /// The id of a span's section in an article.
    func spanAnchor(_ article: String, _ span: SpanID) -> String {
        "\(article)-s\(span)"
    }
}

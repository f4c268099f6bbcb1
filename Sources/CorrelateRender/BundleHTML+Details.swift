import CorrelateModel

/// What a span's row opens on: its ids, kind, times and status, its attributes and resource,
/// its events (an exception with its stack trace), and its links (to the span's section when it
/// is on the page).
extension BundleHTML {
    func spanDetails(_ analyzed: AnalyzedSpan, analysis: TraceAnalysis, article: String) -> String {
        let span = analyzed.span
        var out = "<div class=\"detail\">\n<dl class=\"kv\">"
        var ids = "<code>\(span.spanID)</code> · \(span.kind.name)"
        if let parent = span.parentSpanID {
            ids += " · parent " + (analysis.span(parent) != nil
                ? "<a href=\"#\(spanAnchor(article, parent))\"><code>\(parent)</code></a>" : "<code>\(parent)</code> (not in the trace)")
        }
        out += "<dt>span</dt><dd>\(ids)</dd>"
        if let service = span.service { out += "<dt>service</dt><dd>\(HTMLText.text(service))</dd>" }
        let offset = Double(span.start.nanoseconds(since: analysis.start)) / 1_000_000
        out += "<dt>started</dt><dd><time datetime=\"\(span.start)\">\(TimeText.clock(span.start))</time>"
            + " · \(Milliseconds.spoken(offset)) into the trace</dd>"
        out += "<dt>took</dt><dd>\(Milliseconds.spoken(span.durationMilliseconds))"
            + (analyzed.onCriticalPath ? " · \(Milliseconds.spoken(analyzed.selfTimeMilliseconds)) of its own on the critical path" : " · off the critical path")
            + "</dd>"
        out += "<dt>status</dt><dd>" + (span.hasError ? "<span class=\"x\">✗</span> " : "") + span.status.name
            + (span.statusMessage.map { $0.isEmpty ? "" : ": " + HTMLText.text($0) } ?? "") + "</dd>"
        out += "</dl>\n"
        if !span.attributes.isEmpty { out += "<h4>attributes</h4>\n" + attributeList(span.attributes) }
        if !span.events.isEmpty {
            out += "<h4>events</h4>\n<ol class=\"events\">"
            for event in span.events { out += eventItem(event, span: span) }
            out += "</ol>\n"
        }
        if !span.links.isEmpty {
            out += "<h4>links</h4>\n<ul class=\"links\">"
            for link in span.links { out += "<li>" + linkText(link, analysis: analysis, article: article) + "</li>" }
            out += "</ul>\n"
        }
        if !span.resource.isEmpty {
            out += "<details class=\"resource\"><summary>resource · \(counted(span.resource.count, "attribute"))</summary>\n"
                + attributeList(span.resource) + "</details>\n"
        }
        return out + "</div>\n"
    }

    func attributeList(_ attributes: [Attribute]) -> String {
        "<dl class=\"kv\">" + attributes.map { "<dt>\(HTMLText.text($0.key))</dt><dd>\(HTMLText.text($0.value.text))</dd>" }.joined() + "</dl>\n"
    }

    /// A span event: when (from the span's start), its name, its attributes; an exception as
    /// `type: message` with its stack trace whole.
    func eventItem(_ event: Span.Event, span: Span) -> String {
        let offset = Double(event.time.nanoseconds(since: span.start)) / 1_000_000
        var out = "<li><span class=\"meta\">+\(Milliseconds.spoken(offset))</span> "
        if event.name == "exception" {
            let type = event.attributes["exception.type"]?.text
            let message = event.attributes["exception.message"]?.text
            out += "<span class=\"x\">✗</span> <b>exception</b> "
                + [type.map { "<b>\(HTMLText.text($0))</b>" }, message.map(HTMLText.text)].compactMap { $0 }.joined(separator: ": ")
            if let stack = event.attributes["exception.stacktrace"]?.text, !stack.isEmpty {
                out += "<pre class=\"stack\">\(HTMLText.block(stack))</pre>"
            }
            let rest = event.attributes.filter { !["exception.type", "exception.message", "exception.stacktrace"].contains($0.key) }
            if !rest.isEmpty { out += attributeList(rest) }
        } else {
            out += "<b>\(HTMLText.text(event.name))</b>"
            if !event.attributes.isEmpty { out += attributeList(event.attributes) }
        }
        return out + "</li>"
    }

    func linkText(_ link: Span.Link, analysis: TraceAnalysis, article: String) -> String {
        if link.traceID == analysis.traceID {
            let target = analysis.span(link.spanID) != nil ? "<a href=\"#\(spanAnchor(article, link.spanID))\"><code>\(link.spanID)</code></a>" : "<code>\(link.spanID)</code>"
            return "span \(target) of this trace"
        }
        let trace = traceAnchors[link.traceID].map { "<a href=\"#\($0)\"><code class=\"id\">\(link.traceID)</code></a>" }
            ?? "<code class=\"id\">\(link.traceID)</code>"
        return "span <code>\(link.spanID)</code> of trace \(trace)" + (link.attributes.isEmpty ? "" : attributeList(link.attributes))
    }
}

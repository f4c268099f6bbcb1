import CorrelateModel

/// The waterfall of a trace in HTML and CSS: a time axis, then per span a section holding its
/// row (name, service, bar, duration; opening on the span's details), its error message and its
/// log events. Positions are percentages of the track, so the drawing takes any width; below
/// 760 px the bar goes on a line of its own under the name.
extension BundleHTML {
    func waterfall(_ analysis: TraceAnalysis, logs: TraceLogView, article: String) -> String {
        let start = analysis.timelineStart
        let total = Double(max(1, analysis.end.nanoseconds(since: start)))
        func fraction(_ time: Timestamp) -> Double { Double(time.nanoseconds(since: start)) / total }
        let axis = TimeAxis(total: total / 1_000_000)

        var out = "<div class=\"wf\" style=\"--step:\(HTMLText.percent(axis.stepFraction))\">\n"
        out += "<div class=\"row axis\" aria-hidden=\"true\"><span class=\"name\">from \(TimeText.clock(start))</span><span class=\"svc\">service</span><span class=\"track\">"
        // On a track under 560 px only every other label of a crowded axis is shown (`odd`).
        let ticks = axis.ticks
        for (index, tick) in ticks.enumerated() {
            var place = tick.fraction == 0 ? " first" : tick.fraction > 0.9 ? " last" : ""
            if ticks.count > 5, index % 2 == 1 { place += " odd" }
            out += "<span class=\"t\(place)\" style=\"left:\(HTMLText.percent(tick.fraction))\">\(tick.label)</span>"
        }
        out += "</span><span class=\"dur\">took</span></div>\n"

        let hops = analysis.drawnHops
        for analyzed in analysis.spans {
            let span = analyzed.span
            if let hop = hops[span.spanID] {
                out += queueRow(hop, consumer: analyzed, analysis: analysis, from: fraction(hop.waitStart(consumerStart: span.start)), to: fraction(span.start))
            }
            out += spanSection(analyzed, analysis: analysis, logs: logs.group(span.spanID), article: article, fraction: fraction)
        }
        out += "</div>\n"
        out += "<p class=\"legend meta\"><span class=\"swatch crit\"></span> on the critical path <span class=\"swatch\"></span> off it "
            + "<span class=\"swatch queue\"></span> queue wait <span class=\"swatch tick\"></span> a log event "
            + "<b class=\"mark\">◀ culprit</b> <span class=\"x\">✗</span> error · a row opens on the span's details</p>\n"
        return out
    }

    /// The wait in the broker before a consumer: a hatched bar from the producer's end to the
    /// consumer's start.
    func queueRow(_ hop: QueueHop, consumer: AnalyzedSpan, analysis: TraceAnalysis, from: Double, to: Double) -> String {
        let isCulprit = analysis.culprit?.kind == .queueWait && analysis.culprit?.spanID == consumer.span.spanID
        let queue = consumer.span.queueNames(in: Span.queueAttributes).first
        let linked = hop.producerTrace != analysis.traceID ? " (linked trace)" : ""
        var out = "<div class=\"span queue\(isCulprit ? " culprit" : "")\" style=\"--d:\(consumer.depth)\">"
        out += "<div class=\"row\"><span class=\"name\">queue wait\(linked)"
            + (queue.map { " <span class=\"meta\">on \(HTMLText.text($0))</span>" } ?? "") + "</span>"
            + "<span class=\"svc\"></span><span class=\"track\">" + bar(from: from, to: to)
        if isCulprit { out += barLabel("culprit", from: from, to: to) }
        out += "</span><span class=\"dur\">\(Milliseconds.spoken(hop.waitMilliseconds))</span></div></div>\n"
        return out
    }

    func spanSection(_ analyzed: AnalyzedSpan, analysis: TraceAnalysis, logs: TraceLogView.Group, article: String, fraction: (Timestamp) -> Double) -> String {
        let span = analyzed.span
        let isCulprit = analysis.culprit.map { $0.kind != .queueWait && $0.spanID == span.spanID } ?? false
        var classes = ["span"]
        if analyzed.onCriticalPath { classes.append("crit") }
        if span.hasError { classes.append("error") }
        if isCulprit { classes.append("culprit") }
        let from = fraction(span.start), to = fraction(span.end)
        var out = "<div class=\"\(classes.joined(separator: " "))\" id=\"\(spanAnchor(article, span.spanID))\" data-span=\"\(span.spanID)\" style=\"--d:\(analyzed.depth)\">\n"
        out += "<details><summary class=\"row\"><span class=\"name\">"
            + (span.hasError ? "<span class=\"x\" title=\"error\">✗</span> " : "") + HTMLText.name(span.name)
            + (analyzed.missingParent ? " <span class=\"meta\">(parent missing)</span>" : "") + "</span>"
            + "<span class=\"svc\">\(HTMLText.text(span.service ?? ""))</span><span class=\"track\">" + bar(from: from, to: to)
        for event in logs.shown {
            guard let time = event.record.timestamp else { continue }
            let level = event.record.severity.map { $0 >= .error ? " error" : $0 == .warn ? " warn" : "" } ?? ""
            let title = TimeText.clock(time) + " " + (event.record.severity?.rawValue ?? "") + " " + TextLayout.fit(event.firstLine, 100)
            out += "<i class=\"ev\(level)\" style=\"left:\(HTMLText.percent(fraction(time)))\" title=\"\(HTMLText.text(title))\"></i>"
        }
        if isCulprit { out += barLabel("culprit", from: from, to: to) }
        out += "</span><span class=\"dur\">\(Milliseconds.spoken(span.durationMilliseconds))</span></summary>\n"
        out += spanDetails(analyzed, analysis: analysis, article: article)
        out += "</details>\n"
        if span.hasError, let message = errorMessage(span) {
            out += "<p class=\"err-msg\"><span class=\"x\">✗</span> \(HTMLText.text(message))</p>\n"
        }
        if !logs.isEmpty { out += logList(logs, spanService: span.service, depth: analyzed.depth) }
        return out + "</div>\n"
    }

    func bar(from: Double, to: Double) -> String {
        "<span class=\"bar\" style=\"left:\(HTMLText.percent(from));width:\(HTMLText.percent(max(0, to - from)))\"></span>"
    }

    /// A label on a bar, on the side that has room: after a bar that ends before 70 % of the
    /// track, before one that starts after 30 %, else inside it (then it is at least 40 % of the
    /// track wide). Never past the track's edges, at any width.
    func barLabel(_ text: String, from: Double, to: Double) -> String {
        if to <= 0.7 {
            return "<b class=\"mark after\" style=\"left:\(HTMLText.percent(to))\">◀ \(text)</b>"
        }
        if from >= 0.3 {
            return "<b class=\"mark before\" style=\"right:\(HTMLText.percent(1 - from))\">\(text) ▶</b>"
        }
        return "<b class=\"mark inside\" style=\"left:\(HTMLText.percent(from));width:\(HTMLText.percent(to - from))\"><span>◀ \(text)</span></b>"
    }

    /// What an error span says went wrong: its status message, else its exception event.
    func errorMessage(_ span: Span) -> String? {
        if let message = span.statusMessage, !message.isEmpty { return message }
        guard let event = span.events.first(where: { $0.name == "exception" }) else { return nil }
        switch (event.attributes["exception.type"]?.text, event.attributes["exception.message"]?.text) {
        case let (type?, message?): return "\(type): \(message)"
        case let (type?, nil): return type
        case let (nil, message?): return message
        default: return nil
        }
    }
}

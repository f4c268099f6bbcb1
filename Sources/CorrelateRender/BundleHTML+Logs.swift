import CorrelateModel

/// Log events as the page lists them: one line per event (time, level, message, where it was
/// read — every source of a folded event, by its short name, the full path in `title`), a
/// record of several lines (a traceback) opening on the rest; then how many the cap left out.
extension BundleHTML {
    /// The events of a group (a span's, or those under no span), indented to the span's depth.
    func logList(_ group: TraceLogView.Group, spanService: String?, depth: Int) -> String {
        var out = "<ol class=\"logs\" style=\"--d:\(depth)\">"
        for event in group.shown { out += logItem(event, spanService: spanService) }
        if group.hidden > 0 {
            out += "<li class=\"hidden-logs meta\">… \(counted(group.hidden, "more log event")) (use --all-logs)</li>"
        }
        return out + "</ol>\n"
    }

    func logItem(_ event: LogEvent, spanService: String?) -> String {
        let record = event.record
        let level = record.severity?.rawValue ?? ""
        let levelClass = record.severity.map { $0 >= .error ? " error" : $0 == .warn ? " warn" : "" } ?? ""
        var out = "<li class=\"log\(levelClass)\">"
        if let time = record.timestamp {
            out += "<time datetime=\"\(time)\">\(TimeText.clock(time))</time>"
        } else {
            out += "<time>—</time>"
        }
        out += "<span class=\"lvl\">\(HTMLText.text(level))</span>"
        let lines = event.message.splitLines()
        var message = HTMLText.text(String(lines.first ?? ""))
        if lines.count > 1 {
            let rest = lines.dropFirst().joined(separator: "\n")
            message += "<details class=\"more\"><summary>\(counted(lines.count - 1, "more line"))</summary><pre>\(HTMLText.block(rest))</pre></details>"
        }
        out += "<span class=\"msg\">\(message)</span>"
        var placeText = event.sources.map { "<span title=\"\(HTMLText.text($0.description))\">\(HTMLText.text(SourceName.short($0)))</span>" }.joined(separator: ", ")
        if let service = record.service, service != spanService {
            placeText = "<span class=\"lsvc\">\(HTMLText.text(service))</span> " + placeText
        }
        out += "<span class=\"src\">\(placeText)</span></li>"
        return out
    }

    /// The log lines of the alert's window that carry no trace id: listed (folded, capped) with
    /// `--logs all`, else counted.
    func unlinked(_ bundle: IncidentBundle, alert: Int) -> String {
        guard !bundle.unlinkedLogs.isEmpty else { return "" }
        let count = bundle.unlinkedLogs.count
        guard options.logs == .all else {
            return "<p class=\"meta unlinked\">\(counted(count, "log line")) of the window carry no trace id (--logs all shows them).</p>\n"
        }
        let view = TraceLogView(windowRecords: bundle.unlinkedLogs, options: options)
        var out = "<section class=\"unlinked\" id=\"a\(alert)-unlinked\"><h3>Log lines of the window with no trace id</h3>\n"
        out += "<p class=\"meta\">\(counted(view.records, "record"))"
            + (view.events != view.records ? ", \(counted(view.events, "event")) once the same line from several files is shown once" : "") + "</p>\n"
        out += logList(view.loose, spanService: nil, depth: 0)
        return out + "</section>\n"
    }
}

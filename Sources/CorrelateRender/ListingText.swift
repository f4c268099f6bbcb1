public import CorrelateModel

/// What `correlate traces`, `alerts` and `sources` list, as tables for people: a line saying
/// what was asked, then one row per item, columns aligned. Values from the input (names,
/// labels, paths) are shown with control characters escaped.
public enum ListingText {
    /// start, trace, root (service), duration, spans, error, logs.
    public static func traces(_ traces: [TraceListing], since: Timestamp, until: Timestamp, limit: Int) -> String {
        var out = "traces that started \(TimeText.dateTime(since)) … \(TimeText.dateTime(until))"
        out += traces.count == limit ? ", the newest \(limit) (--limit for more)\n" : ": \(traces.count)\n"
        guard !traces.isEmpty else { return out + "no trace started in this time (with these filters)\n" }
        var rows = [["start", "trace", "root (service)", "duration", "spans", "error", "logs"]]
        for trace in traces {
            let root = shortened(trace.rootName.escapingControlCharacters, 60)
                + (trace.rootService.map { " (\($0.escapingControlCharacters))" } ?? "")
            rows.append([TimeText.dateTime(trace.start), trace.traceID.description, root,
                         Milliseconds.spoken(Double(trace.durationNanoseconds) / 1e6), String(trace.spans),
                         trace.errors > 0 ? "yes (\(trace.errors))" : "no", String(trace.logs)])
        }
        return out + table(rows, rightAligned: [3, 4, 6])
    }

    /// starts, ends, status, name, fingerprint, labels (`key=value`, the alertname left out).
    public static func alerts(_ alerts: [Alert]) -> String {
        guard !alerts.isEmpty else { return "no alert in the store (with these filters)\n" }
        var rows = [["starts", "ends", "status", "name", "fingerprint", "labels"]]
        for alert in alerts {
            let labels = alert.labels.filter { $0.0 != "alertname" }.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            rows.append([TimeText.dateTime(alert.startsAt), alert.endsAt.map(TimeText.dateTime) ?? "(open)", alert.status.rawValue,
                         alert.name.escapingControlCharacters, alert.fingerprint.escapingControlCharacters, labels.escapingControlCharacters])
        }
        return table(rows, rightAligned: [])
    }

    /// source, records, with trace id, first, last.
    public static func sources(_ sources: [LogSourceListing]) -> String {
        guard !sources.isEmpty else { return "no log record in the store\n" }
        var rows = [["source", "records", "with trace id", "first", "last"]]
        for source in sources {
            let share = source.records > 0 ? " (\(source.withTraceID * 100 / source.records)%)" : ""
            rows.append([source.path.escapingControlCharacters, String(source.records), String(source.withTraceID) + share,
                         source.first.map(TimeText.dateTime) ?? "—", source.last.map(TimeText.dateTime) ?? "—"])
        }
        return table(rows, rightAligned: [1, 2])
    }

    private static func shortened(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// Columns separated by two spaces, padded to the widest cell; the last column is not
    /// padded.
    private static func table(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        let columns = rows.first?.count ?? 0
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                if column > 0 { line += "  " }
                if rightAligned.contains(column) {
                    line += pad + cell
                } else {
                    line += column == columns - 1 ? cell : cell + pad
                }
            }
            out += line + "\n"
        }
        return out
    }
}

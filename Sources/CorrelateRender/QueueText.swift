public import CorrelateModel

/// Queue statistics for people: the table of `correlate queues`, and the one-line comparison a
/// bundle gives for each queue its alert names ("wait p95 3.4 s in the window searched, 20 ms
/// before").
public enum QueueText {
    /// One row per queue: jobs, wait p50/p95/p99/max, execution p50/p95/p99, failures, then
    /// the longest-waiting traces.
    /// - Parameter others: with a queue filter that matched nothing, the queues that had jobs.
    public static func table(_ statistics: [QueueStatistics], start: Timestamp, end: Timestamp, others: [String] = []) -> String {
        var out = "jobs that started \(TimeText.dateTime(start)) … \(TimeText.dateTime(end))\n"
        guard !statistics.isEmpty else {
            guard !others.isEmpty else { return out + "no consumer span started in this time\n" }
            return out + "no job on the queues asked for; jobs ran on " + others.map(\.escapingControlCharacters).joined(separator: ", ") + "\n"
        }
        let header = ["queue", "jobs", "wait p50", "p95", "p99", "max", "exec p50", "p95", "p99", "failed"]
        var rows: [[String]] = [header]
        for queue in statistics {
            let wait = queue.wait.map { [$0.p50, $0.p95, $0.p99, $0.max].map(Milliseconds.spoken) } ?? ["—", "—", "—", "—"]
            let run = queue.execution.map { [$0.p50, $0.p95, $0.p99].map(Milliseconds.spoken) } ?? ["—", "—", "—"]
            rows.append([queue.queue.escapingControlCharacters, String(queue.jobs)] + wait + run + [String(queue.failures)])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            out += row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ") + "\n"
        }
        for queue in statistics where queue.clockSkew > 0 {
            out += "\n\(queue.queue.escapingControlCharacters): \(queue.clockSkew) job\(queue.clockSkew == 1 ? "" : "s") started before "
                + "\(queue.clockSkew == 1 ? "its" : "their") producer (the hosts' clocks disagree): no wait counted\n"
        }
        // One width for the waits of every queue: the lists line up.
        let waitWidth = statistics.flatMap(\.longestWaits).map { Milliseconds.spoken($0.waitMilliseconds).count }.max() ?? 0
        for queue in statistics where !queue.longestWaits.isEmpty {
            let unknown = queue.jobs - queue.waited - queue.clockSkew
            out += "\nlongest waits in \(queue.queue.escapingControlCharacters)"
                + (unknown > 0 ? " (\(unknown) of \(queue.jobs) jobs with no producer span, no wait known)" : "") + ":\n"
            for waiter in queue.longestWaits {
                let wait = Milliseconds.spoken(waiter.waitMilliseconds)
                out += "  " + String(repeating: " ", count: waitWidth - wait.count) + wait + "  trace \(waiter.traceID)"
                    + (waiter.producerTraceID.map { " (producer trace \($0))" } ?? "") + "\n"
            }
        }
        return out
    }

    /// "emails: wait p95 3.4 s in the window searched (09:55:00–10:02:00, 12 jobs), 20 ms before
    /// (40 jobs); execution p95 120 ms, 130 ms before; 2 failed, 0 before" — or, with no job
    /// before, "…; no job in the 7 min before". The window searched is the alert's lookback
    /// before it fired and its time firing.
    public static func comparison(_ comparison: QueueComparison) -> String {
        func figure(_ value: Double?) -> String { value.map(Milliseconds.spoken) ?? "unknown" }
        func jobs(_ count: Int) -> String { "\(count) job\(count == 1 ? "" : "s")" }
        func clock(_ time: Timestamp) -> String { String(time.description.dropFirst(11).prefix(8)) }
        guard let now = comparison.window else {
            return "\(comparison.queue): no job in the window searched" + (comparison.baseline.map { ", \(jobs($0.jobs)) in as long a time before" } ?? "")
        }
        let window = "in the window searched (\(clock(now.start))–\(clock(now.end)), \(jobs(now.jobs)))"
        guard let before = comparison.baseline else {
            let length = Double(max(0, now.end.nanoseconds(since: now.start))) / 1_000_000
            return "\(comparison.queue): wait p95 \(figure(now.wait?.p95)) \(window); execution p95 "
                + "\(figure(now.execution?.p95)); \(now.failures) failed; no job in the \(Milliseconds.spoken(length)) before"
        }
        return "\(comparison.queue): wait p95 \(figure(now.wait?.p95)) \(window), "
            + "\(figure(before.wait?.p95)) before (\(jobs(before.jobs))); execution p95 \(figure(now.execution?.p95)), "
            + "\(figure(before.execution?.p95)) before; \(now.failures) failed, \(before.failures) before"
    }
}

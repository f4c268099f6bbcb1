import CorrelateModel
import Foundation

/// Requests refused (4xx, 5xx), counted by status for the closing line; the first few are also
/// said on stderr with their reason, so a misconfigured exporter shows at once without a
/// flood of lines from a broken one.
final class Refusals: @unchecked Sendable {
    // Unchecked: everything is used under `lock`.
    private let lock = NSLock()
    private var counts: [Int: Int] = [:]
    private var said = 0
    private let sayAtMost: Int
    /// The first refusal: its status and reason.
    private var first: String?

    init(sayAtMost: Int = 10) {
        self.sayAtMost = sayAtMost
    }

    func record(status: Int, reason: String) {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines).escapingControlCharacters
        lock.lock()
        counts[status, default: 0] += 1
        if first == nil { first = "\(status) \(reason)" }
        let say = said < sayAtMost
        if say { said += 1 }
        lock.unlock()
        guard say else { return }
        let more = said == sayAtMost ? " (further refusals are only counted)" : ""
        FileHandle.standardError.write(Data("correlate serve: warning: refused a request: \(status) \(reason)\(more)\n".utf8))
    }

    /// "refused 12 requests (400: 10, 413: 2; first: 400 not JSON: …)", or "refused no request".
    var summary: String {
        lock.lock()
        defer { lock.unlock() }
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return "refused no request" }
        let byStatus = counts.keys.sorted().map { "\($0): \(counts[$0]!)" }.joined(separator: ", ")
        return "refused \(total) request\(total == 1 ? "" : "s") (\(byStatus)" + (first.map { "; first: \($0)" } ?? "") + ")"
    }
}

/// What accepted requests carried that could not be used — spans left out for their ids,
/// alerts left out of a webhook payload — counted for the closing line, with the first one's
/// request (route and time of arrival) and reason. The client is told in its answer
/// (`partialSuccess`, the webhook's `problems`).
final class LeftOut: @unchecked Sendable {
    // Unchecked: everything is used under `lock`.
    private let lock = NSLock()
    private var spans = 0
    private var firstSpan: String?
    private var alerts = 0
    private var firstAlert: String?

    /// `count` spans of a request to `route` left out; `reason` says why the first was.
    func spans(_ count: Int, route: String, reason: String?) {
        guard count > 0 else { return }
        let place = Self.place(route)
        lock.lock()
        spans += count
        if firstSpan == nil { firstSpan = "\(place): \(reason ?? "invalid or all-zero ids")" }
        lock.unlock()
    }

    /// The problems of an alert payload posted to `route` (each an alert left out, or why).
    func alerts(_ problems: [String], route: String) {
        guard let first = problems.first else { return }
        let place = Self.place(route)
        lock.lock()
        alerts += problems.count
        if firstAlert == nil { firstAlert = "\(place): \(first)" }
        lock.unlock()
    }

    private static func place(_ route: String) -> String {
        "POST \(route) at \(Timestamp.now)"
    }

    /// "rejected 400 spans (first in POST /v1/traces at …: span 3 ("GET"): all-zero trace id)";
    /// the same for alerts; empty when nothing was left out.
    var summary: String {
        lock.lock()
        defer { lock.unlock() }
        var parts: [String] = []
        if let firstSpan {
            parts.append("rejected \(spans) span\(spans == 1 ? "" : "s") (invalid or all-zero ids; first in \(firstSpan))")
        }
        if let firstAlert {
            parts.append("left out \(alerts) alert\(alerts == 1 ? "" : "s") of webhook payloads (first in \(firstAlert))")
        }
        return parts.joined(separator: "; ")
    }
}

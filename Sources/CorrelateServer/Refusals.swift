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

    init(sayAtMost: Int = 10) {
        self.sayAtMost = sayAtMost
    }

    func record(status: Int, reason: String) {
        lock.lock()
        counts[status, default: 0] += 1
        let say = said < sayAtMost
        if say { said += 1 }
        lock.unlock()
        guard say else { return }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines).escapingControlCharacters
        let more = said == sayAtMost ? " (further refusals are only counted)" : ""
        FileHandle.standardError.write(Data("correlate serve: warning: refused a request: \(status) \(reason)\(more)\n".utf8))
    }

    /// "refused 12 requests (400: 10, 413: 2)", or "refused no request".
    var summary: String {
        lock.lock()
        defer { lock.unlock() }
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return "refused no request" }
        let byStatus = counts.keys.sorted().map { "\($0): \(counts[$0]!)" }.joined(separator: ", ")
        return "refused \(total) request\(total == 1 ? "" : "s") (\(byStatus))"
    }
}

/// What an alert measures, which decides how its traces are ranked and what their culprit is.
/// Decided by the `measures` rules of `rules/alerts.yaml` (see `AlertRules.measure(of:)`).
public enum AlertMeasure: String, Sendable, CaseIterable {
    /// How long jobs run (task runtime): ranked by the consumer span's duration.
    case execution
    /// How long jobs wait (backlog, consumer lag, age of the oldest message, time in queue):
    /// ranked by the wait on the alert's queue.
    case queueWait = "queue_wait"
    /// Request or job latency, enqueue to done: ranked by the whole trace.
    case endToEnd = "end_to_end"
    /// Failures: failed jobs first, the failing span and its exception as culprit.
    case errors
    /// No rule said: ranked by duration and queue wait alike, errors a little higher.
    case unknown

    /// The older two-way kind of the bundle's `kind` field: `error` for errors, `latency` for
    /// the three durations, nil for unknown.
    public var kind: String? {
        switch self {
        case .errors: "error"
        case .execution, .queueWait, .endToEnd: "latency"
        case .unknown: nil
        }
    }
}

/// Nearest-rank percentiles of a set of durations, in milliseconds: the p-th percentile is the
/// smallest value with at least p % of the values at or below it (so every percentile is one of
/// the values, and p100 is the maximum).
public struct Percentiles: Sendable, Equatable {
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var max: Double

    /// Nil when `values` is empty.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ percent: Int) -> Double {
            // ceil(percent/100 · n), as integers: no rounding error at exact ranks.
            let index = (percent * sorted.count + 99) / 100
            return sorted[Swift.max(1, index) - 1]
        }
        p50 = rank(50)
        p95 = rank(95)
        p99 = rank(99)
        max = sorted[sorted.count - 1]
    }

    public init(p50: Double, p95: Double, p99: Double, max: Double) {
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }
}

/// What the jobs of one queue did in a time range: a job is an outermost consumer span (the
/// execute side of a producer→consumer hop) that started in the range; its queue is named by
/// the consumer's `messaging.destination.name` (or the other queue attributes), else its
/// producer's.
public struct QueueStatistics: Sendable, Equatable {
    /// One job that waited, for the longest-waiting list.
    public struct Waiter: Sendable, Equatable {
        /// The consumer's trace (where the job ran).
        public var traceID: TraceID
        public var consumer: SpanID
        /// The producer's trace when it is another one (joined by a link or a job id).
        public var producerTraceID: TraceID?
        public var waitMilliseconds: Double

        public init(traceID: TraceID, consumer: SpanID, producerTraceID: TraceID?, waitMilliseconds: Double) {
            self.traceID = traceID
            self.consumer = consumer
            self.producerTraceID = producerTraceID
            self.waitMilliseconds = waitMilliseconds
        }
    }

    /// The queue name of jobs whose spans name none.
    public static let noQueue = "(no queue)"

    public var queue: String
    public var start: Timestamp
    public var end: Timestamp
    /// Consumer spans that started in the range.
    public var jobs: Int
    /// Queue wait (producer end → consumer start, ms) of the jobs whose producer span is known.
    public var wait: Percentiles?
    /// How many jobs `wait` is over (jobs with a known producer span).
    public var waited: Int
    /// Jobs whose consumer started before their producer (the hosts' clocks disagree): no wait
    /// is counted for them.
    public var clockSkew: Int
    /// Consumer span duration (ms).
    public var execution: Percentiles?
    /// Jobs whose consumer span, or a span under it, failed.
    public var failures: Int
    /// The (at most three) jobs that waited longest, longest first.
    public var longestWaits: [Waiter]

    public init(
        queue: String, start: Timestamp, end: Timestamp, jobs: Int, wait: Percentiles?, waited: Int, clockSkew: Int = 0,
        execution: Percentiles?, failures: Int, longestWaits: [Waiter]
    ) {
        self.queue = queue
        self.start = start
        self.end = end
        self.jobs = jobs
        self.wait = wait
        self.waited = waited
        self.clockSkew = clockSkew
        self.execution = execution
        self.failures = failures
        self.longestWaits = longestWaits
    }
}

/// A queue the alert names, in the window searched (the lookback before the alert fired and its
/// time firing; a still-firing alert's up to the newest span) and in as long a time just before it
/// (the baseline).
public struct QueueComparison: Sendable {
    public var queue: String
    /// Statistics in the window searched (nil: no job of the queue started in it).
    public var window: QueueStatistics?
    /// Statistics in the same length of time before the window.
    public var baseline: QueueStatistics?

    public init(queue: String, window: QueueStatistics?, baseline: QueueStatistics?) {
        self.queue = queue
        self.window = window
        self.baseline = baseline
    }
}

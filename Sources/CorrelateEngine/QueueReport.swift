import CorrelateModel

/// Per-queue statistics of the jobs in a time range (`correlate queues`, and the queue figures
/// of a bundle): a job is a consumer span that started in the range; its wait is the time from
/// its producer span's end to its start, the producer found as the trace analysis finds it
/// (parent, span link, or job id), also when it started before the range.
public struct QueueReport {
    public let store: EventStore
    /// How many traces outside the range are read to find producers of jobs in it.
    public var producerTraceLimit = 5_000

    public init(store: EventStore) {
        self.store = store
    }

    /// Statistics per queue for jobs starting in `start..<end`, sorted by queue name; only the
    /// `queues` named when given. Jobs with no queue name are under `(no queue)`.
    public func statistics(from start: Timestamp, to end: Timestamp, queues: Set<String>? = nil) throws -> [QueueStatistics] {
        let spans = try store.spans(startingBetween: start, and: end)
        var producers = ProducerIndex(spans)
        let consumers = spans.filter { $0.kind == .consumer && $0.start >= start && $0.start < end }
        // Producers outside the range: by job id in one query, by parent or link per trace.
        var missingJobs: Set<String> = []
        var missingTraces: [TraceID] = []
        var seenTraces: Set<TraceID> = []
        for consumer in consumers where producers.producer(of: consumer) == nil {
            if let id = consumer.messageID { missingJobs.insert(id) }
            var traces = consumer.links.map(\.traceID)
            if consumer.parentSpanID != nil { traces.append(consumer.traceID) }
            for trace in traces where seenTraces.insert(trace).inserted { missingTraces.append(trace) }
        }
        if !missingJobs.isEmpty { producers.add(try store.spans(withMessageIDs: missingJobs)) }
        for trace in missingTraces.prefix(producerTraceLimit) { producers.add(try store.spans(inTrace: trace)) }
        return Self.statistics(consumers: consumers, spans: spans, producers: producers, start: start, end: end, queues: queues)
    }

    /// The same statistics over `spans` alone (no store): producers are looked for among them.
    public static func statistics(of spans: [Span], from start: Timestamp, to end: Timestamp, queues: Set<String>? = nil) -> [QueueStatistics] {
        let consumers = spans.filter { $0.kind == .consumer && $0.start >= start && $0.start < end }
        return statistics(consumers: consumers, spans: spans, producers: ProducerIndex(spans), start: start, end: end, queues: queues)
    }

    static func statistics(
        consumers: [Span], spans: [Span], producers: ProducerIndex, start: Timestamp, end: Timestamp, queues: Set<String>?
    ) -> [QueueStatistics] {
        // Failures under a consumer: an error span whose ancestors include it.
        let failed = SpanKey.failingOrAboveFailure(spans)
        struct Tally {
            var jobs = 0
            var waits: [Double] = []
            var executions: [Double] = []
            var failures = 0
            var waiters: [QueueStatistics.Waiter] = []
        }
        var tallies: [String: Tally] = [:]
        for consumer in consumers {
            let found = producers.producer(of: consumer)
            let queue = consumer.destination ?? found?.span.destination ?? Self.noQueue
            if let queues, !queues.contains(queue) { continue }
            var tally = tallies[queue] ?? Tally()
            tally.jobs += 1
            tally.executions.append(consumer.durationMilliseconds)
            if consumer.hasError || failed.contains(SpanKey(consumer.traceID, consumer.spanID)) { tally.failures += 1 }
            if let (producer, connection) = found {
                let wait = max(0, TraceAnalyzer.hop(producer, consumer, connection).waitMilliseconds)
                tally.waits.append(wait)
                tally.waiters.append(QueueStatistics.Waiter(
                    traceID: consumer.traceID, consumer: consumer.spanID,
                    producerTraceID: producer.traceID == consumer.traceID ? nil : producer.traceID, waitMilliseconds: wait))
            }
            tallies[queue] = tally
        }
        return tallies.keys.sorted().map { queue in
            let tally = tallies[queue]!
            let longest = tally.waiters.sorted {
                $0.waitMilliseconds != $1.waitMilliseconds ? $0.waitMilliseconds > $1.waitMilliseconds : $0.traceID < $1.traceID
            }
            return QueueStatistics(
                queue: queue, start: start, end: end, jobs: tally.jobs, wait: Percentiles(tally.waits), waited: tally.waits.count,
                execution: Percentiles(tally.executions), failures: tally.failures, longestWaits: Array(longest.prefix(3)))
        }
    }

    /// The queue name of jobs whose spans name none.
    public static let noQueue = "(no queue)"

    /// The named queues in `window` and in as long a time just before it.
    public func comparison(of queues: [String], window start: Timestamp, _ end: Timestamp) throws -> [QueueComparison] {
        guard !queues.isEmpty else { return [] }
        let names = Set(queues)
        let length = max(0, end.nanoseconds - start.nanoseconds)
        let during = try statistics(from: start, to: end, queues: names)
        let before = try statistics(from: Timestamp(nanoseconds: start.nanoseconds - length), to: start, queues: names)
        return queues.map { queue in
            QueueComparison(queue: queue, window: during.first { $0.queue == queue }, baseline: before.first { $0.queue == queue })
        }
    }
}

public import CorrelateModel

/// Per-queue statistics of the jobs in a time range (`correlate queues`, and the queue figures
/// of a bundle): a job is an outermost consumer span that started in the range (a receive span
/// and its process span are one job); its wait is the time from its producer span's end to its
/// start, the producer found as the trace analysis finds it (parent, span links, or job id),
/// also when it started before the range; with several producers (a batch receive) the
/// longest wait, the oldest message. A job whose consumer started before its producer (clock
/// skew) has no wait and is counted apart. A failure is a failed span under the job's consumer
/// and not under a job it enqueued. A store that computes these itself (ClickHouse, in SQL:
/// `EventStore.queueStatistics`) is asked first; otherwise they are computed here from spans.
public struct QueueReport {
    public let store: EventStore
    /// How many traces outside the range are read to find producers of jobs in it.
    public var producerTraceLimit = 5_000
    /// The span attributes that name a job's queue, in order (the first a span has names it
    /// in the list of all queues; a queue asked for by name matches any of them).
    public var queueAttributes: [String]
    /// Whether a store that computes the statistics itself (ClickHouse, in SQL) is asked to;
    /// false: always from the spans, here.
    public var computedByStore = true

    public init(store: EventStore, queueAttributes: [String] = Span.queueAttributes) {
        self.store = store
        self.queueAttributes = queueAttributes
    }

    /// Statistics per queue for jobs starting in `start..<end`, sorted by queue name; only the
    /// `queues` named when given. Jobs with no queue name are under `(no queue)`.
    /// - Parameter spans: the spans that started in the range, when the caller has read them.
    public func statistics(from start: Timestamp, to end: Timestamp, queues: Set<String>? = nil, spans known: [Span]? = nil) throws -> [QueueStatistics] {
        if computedByStore, let computed = try store.queueStatistics(in: [(start, end)], queues: queues, queueAttributes: queueAttributes) {
            return computed.first ?? []
        }
        let spans = try known ?? store.spans(startingBetween: start, and: end)
        var producers = ProducerIndex(spans)
        let consumers = spans.filter { $0.mayExecuteJob && $0.start >= start && $0.start < end }
        // Producers outside the range: by job id in one query, by parent or link per trace.
        var missingJobs: Set<String> = []
        var missingTraces: [TraceID] = []
        var seenTraces: Set<TraceID> = []
        for consumer in consumers where producers.producers(of: consumer).isEmpty {
            if consumer.kind == .consumer, let id = consumer.messageID { missingJobs.insert(id) }
            var traces = consumer.links.map(\.traceID)
            if consumer.parentSpanID != nil { traces.append(consumer.traceID) }
            for trace in traces where seenTraces.insert(trace).inserted { missingTraces.append(trace) }
        }
        if !missingJobs.isEmpty { producers.add(try store.spans(withMessageIDs: missingJobs)) }
        for trace in missingTraces.prefix(producerTraceLimit) { producers.add(try store.spans(inTrace: trace)) }
        return Self.statistics(consumers: consumers, spans: spans, producers: producers, start: start, end: end, queues: queues,
                               queueAttributes: queueAttributes)
    }

    /// The same statistics over `spans` alone (no store): producers are looked for among them.
    public static func statistics(
        of spans: [Span], from start: Timestamp, to end: Timestamp, queues: Set<String>? = nil,
        queueAttributes: [String] = Span.queueAttributes
    ) -> [QueueStatistics] {
        let consumers = spans.filter { $0.mayExecuteJob && $0.start >= start && $0.start < end }
        return statistics(consumers: consumers, spans: spans, producers: ProducerIndex(spans), start: start, end: end, queues: queues,
                          queueAttributes: queueAttributes)
    }

    static func statistics(
        consumers: [Span], spans: [Span], producers: ProducerIndex, start: Timestamp, end: Timestamp, queues: Set<String>?,
        queueAttributes: [String] = Span.queueAttributes
    ) -> [QueueStatistics] {
        var byKey: [SpanKey: Span] = [:]
        for span in spans { byKey[SpanKey(span.traceID, span.spanID)] = span }
        // One job per outermost consumer span: a receive span and the process span under it are
        // one job.
        var jobs: [SpanKey: [Span]] = [:]
        var order: [SpanKey] = []
        // A SERVER span is a job only with its producer (a CLIENT parent with its job id).
        var producersOf: [SpanKey: [(span: Span, connection: QueueHop.Connection)]] = [:]
        for consumer in consumers {
            let found = producers.producers(of: consumer)
            guard consumer.kind == .consumer || !found.isEmpty else { continue }
            producersOf[SpanKey(consumer.traceID, consumer.spanID)] = found
            var top = consumer
            var steps = 0
            while let parent = top.parentSpanID, let above = byKey[SpanKey(top.traceID, parent)], above.kind == .consumer, steps < 10_000 {
                top = above
                steps += 1
            }
            let key = SpanKey(top.traceID, top.spanID)
            if jobs[key] == nil { order.append(key) }
            jobs[key, default: []].append(consumer)
        }
        // A failure belongs to the job whose consumer it is under, not to the jobs that
        // enqueued that job.
        let failed = SpanKey.failingOrAboveFailure(spans, stoppingAt: .consumer)
        struct Tally {
            var jobs = 0
            var waits: [Double] = []
            var executions: [Double] = []
            var failures = 0
            var clockSkew = 0
            var waiters: [QueueStatistics.Waiter] = []
        }
        var tallies: [String: Tally] = [:]
        for key in order {
            guard let top = byKey[key] ?? jobs[key]?.first, let members = jobs[key] else { continue }
            let found = members.flatMap { member in
                (producersOf[SpanKey(member.traceID, member.spanID)] ?? []).map { (member, $0.span, $0.connection) }
            }
            let hops = found.map { TraceAnalyzer.hop($0.1, $0.0, $0.2) }
            var names: [String] = []
            for span in [top] + members + found.map(\.1) {
                for name in span.queueNames(in: queueAttributes) where !names.contains(name) { names.append(name) }
            }
            let counted: [String]
            if let queues {
                counted = names.filter(queues.contains)
            } else {
                counted = [names.first ?? Self.noQueue]
            }
            let longest = hops.filter { !$0.clockSkew }.max { $0.waitMilliseconds < $1.waitMilliseconds }
            let failedJob = members.contains { failed.contains(SpanKey($0.traceID, $0.spanID)) }
            for queue in counted {
                var tally = tallies[queue] ?? Tally()
                tally.jobs += 1
                tally.executions.append(top.durationMilliseconds)
                if failedJob { tally.failures += 1 }
                if let longest {
                    tally.waits.append(longest.waitMilliseconds)
                    tally.waiters.append(QueueStatistics.Waiter(
                        traceID: top.traceID, consumer: longest.consumer,
                        producerTraceID: longest.producerTrace == top.traceID ? nil : longest.producerTrace,
                        waitMilliseconds: longest.waitMilliseconds))
                } else if !hops.isEmpty {
                    tally.clockSkew += 1
                }
                tallies[queue] = tally
            }
        }
        return tallies.keys.sorted().map { queue in
            let tally = tallies[queue]!
            let longest = tally.waiters.sorted {
                $0.waitMilliseconds != $1.waitMilliseconds ? $0.waitMilliseconds > $1.waitMilliseconds : $0.traceID < $1.traceID
            }
            return QueueStatistics(
                queue: queue, start: start, end: end, jobs: tally.jobs, wait: Percentiles(tally.waits), waited: tally.waits.count,
                clockSkew: tally.clockSkew, execution: Percentiles(tally.executions), failures: tally.failures,
                longestWaits: Array(longest.prefix(3)))
        }
    }

    /// The queue name of jobs whose spans name none.
    public static let noQueue = QueueStatistics.noQueue

    /// The named queues in `window` and in as long a time just before it.
    /// - Parameter spans: the spans that started in the window, when the caller has read them.
    public func comparison(of queues: [String], window start: Timestamp, _ end: Timestamp, spans: [Span]? = nil) throws -> [QueueComparison] {
        guard !queues.isEmpty else { return [] }
        let names = Set(queues)
        let length = max(0, end.nanoseconds(since: start))
        let earlier = start.advanced(by: -length)
        let during: [QueueStatistics], before: [QueueStatistics]
        if computedByStore, let both = try store.queueStatistics(in: [(start, end), (earlier, start)], queues: names, queueAttributes: queueAttributes),
           both.count == 2
        {
            (during, before) = (both[0], both[1])
        } else {
            during = try statistics(from: start, to: end, queues: names, spans: spans)
            before = try statistics(from: earlier, to: start, queues: names)
        }
        return queues.map { queue in
            QueueComparison(queue: queue, window: during.first { $0.queue == queue }, baseline: before.first { $0.queue == queue })
        }
    }
}

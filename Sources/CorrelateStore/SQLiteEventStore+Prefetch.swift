public import CorrelateModel

/// What ``SQLiteEventStore/prefetch(traces:)`` and ``SQLiteEventStore/prefetchLogs(traces:)``
/// read, answered from until the next prefetch. Each entry holds exactly what the statement
/// it replaces would have returned for that key; a key that is not here is read as before.
struct SQLitePrefetch {
    /// ``SQLiteEventStore/spans(inTrace:)`` of each prefetched trace (empty when it has none).
    var spans: [TraceID: [Span]] = [:]
    /// ``SQLiteEventStore/spans(withMessageIDs:)`` of one message id.
    var byMessage: [String: [Span]] = [:]
    /// The traces linking to each prefetched trace as the segments return them, in the order
    /// of the segments, at most ``SQLiteEventStore/prefetchedLinks`` from each (before
    /// ``SQLiteEventStore/traceIDs(linkingTo:limit:)`` drops those seen twice).
    var linking: [TraceID: [TraceID]] = [:]
    /// ``SQLiteEventStore/logs(inTrace:)`` of each trace of the logs' prefetch.
    var logs: [TraceID: [LogRecord]] = [:]
    /// ``SQLiteEventStore/logs(withJobIDs:)`` of one job id.
    var jobLogs: [String: [LogRecord]] = [:]
}

extension SQLiteEventStore {
    /// The traces linking to a trace that ``prefetch(traces:)`` reads from each segment: the
    /// limit the analysis asks ``traceIDs(linkingTo:limit:)`` for (`TraceQuery.linkedTraceLimit`);
    /// a call with another limit reads the segments itself.
    static let prefetchedLinks = 64

    /// Runs `sql` (a statement made from its list of parameters, one for each key of a batch)
    /// on each segment that may hold its rows, for `keys` a batch at a time; `read` gets each
    /// statement once its keys are bound and returns false when the batch read more rows than
    /// its bound (its keys are then left out of the prefetch). Returns the indexes of the keys
    /// whose rows were read whole.
    ///
    /// A batch has 16, 64 or 256 (at most ``prefetchBatch``) anonymous parameters, those
    /// without a key NULL (which matches no row): a few statements, each prepared once a
    /// segment. (Numbered parameters, `?1`…`?256`, cost SQLite a search of the names for each.)
    private func batched<Key>(_ keys: [Key], _ sql: (String) -> String, bind: (Statement, Int32, Key?) -> Void,
                              read: (Statement) throws -> Bool) throws -> Set<Int> {
        var complete = Set<Int>()
        var size = min(16, prefetchBatch)
        while size < keys.count && size < prefetchBatch { size = min(size * 4, prefetchBatch) }
        let text = sql(Array(repeating: "?", count: size).joined(separator: ", "))
        for start in stride(from: 0, to: keys.count, by: size) {
            let batch = keys[start..<min(keys.count, start + size)]
            var whole = true
            _ = try fanOut(text, bind: { statement in
                for index in 0..<size {
                    let position = batch.startIndex + index
                    bind(statement, Int32(index + 1), position < batch.endIndex ? batch[position] : nil)
                }
            }) { statement -> [Never] in
                defer { statement.reset() }
                if whole { whole = try read(statement) }
                return []
            }
            if whole { complete.formUnion(batch.indices) }
        }
        return complete
    }

    /// A one-shot reader (``Access/snapshot``) reads the spans of these traces, the traces
    /// linking to them and the spans of their message ids with one statement per segment for
    /// each ``prefetchBatch`` of keys, instead of one per key and segment (an alert's 80
    /// candidates made ~1,700 statements over six segments), and answers those reads from what
    /// it read until the next prefetch. Its sealed segments do not change under it; the head,
    /// which a writer may still append to, is answered as it was at the prefetch (as a
    /// snapshot's would be). Other readers and writers read as before: they live on while the
    /// store changes.
    public func prefetch(traces ids: Set<TraceID>) throws {
        prefetched = SQLitePrefetch()
        guard access == .snapshot, ids.count > 1 else { return }
        var next = SQLitePrefetch()
        let traces = ids.sorted()

        var spans: [TraceID: [Span]] = [:]
        for index in try batched(traces, { "SELECT \(Self.spanColumns) FROM spans WHERE trace_id IN (\($0))" },
                                 bind: { $0.bind($1, $2) }, read: { statement in
                                     for span in try readSpans(statement) { spans[span.traceID, default: []].append(span) }
                                     return true
                                 }) {
            next.spans[traces[index]] = Self.spanOrder(spans[traces[index]] ?? [])
        }

        // The traces linking to each, per segment the first `prefetchedLinks` by trace id (the
        // order of the table's key, as the statement per trace reads them). The rows of a batch
        // are bounded: one that finds more than ``prefetchBatch`` × `prefetchedLinks` rows in a
        // segment is not kept.
        let linkBound = prefetchBatch * Self.prefetchedLinks
        var linking: [TraceID: [TraceID]] = [:]
        for index in try batched(traces, {
            "SELECT linked_trace, trace_id FROM span_links WHERE linked_trace IN (\($0)) ORDER BY linked_trace, trace_id LIMIT \(linkBound + 1)"
        }, bind: { $0.bind($1, $2?.description) }, read: { statement in
            var rows = 0
            var found: [String: [TraceID]] = [:]
            while try statement.step() {
                rows += 1
                guard rows <= linkBound else { return false }
                guard let linked = statement.string(0), let id = statement.withBlob(1, Blob.traceID),
                      found[linked, default: []].count < Self.prefetchedLinks else { continue }
                found[linked, default: []].append(id)
            }
            for (linked, ids) in found {
                if let linked = TraceID(hex: linked) { linking[linked, default: []] += ids }
            }
            return true
        }) {
            next.linking[traces[index]] = linking[traces[index]] ?? []
        }

        // The spans of their job ids (those the analysis asks for: of the spans that may enqueue
        // or execute a job; as the store keeps them, in its message_id column), the first
        // `spansPerMessageID` of all segments kept (ordered here: SQLite's sorter would copy
        // every column). A batch that finds more than ``prefetchBatch`` × `spansPerMessageID`
        // rows in a segment is not kept.
        let messageIDs = next.spans.values.joined().jobIDs.sorted()
        let messageBound = prefetchBatch * Self.spansPerMessageID
        var byMessage: [String: [Span]] = [:]
        for index in try batched(messageIDs, {
            "SELECT \(Self.spanColumns), message_id FROM spans WHERE message_id IN (\($0)) LIMIT \(messageBound + 1)"
        }, bind: { $0.bind($1, $2) }, read: { statement in
            var found: [String: [Span]] = [:]
            var rows = 0
            try readSpans(statement) { span, statement in
                rows += 1
                if rows <= messageBound, let id = statement.string(14) { found[id, default: []].append(span) }
            }
            guard rows <= messageBound else { return false }
            for (id, spans) in found { byMessage[id, default: []] += spans }
            return true
        }) {
            next.byMessage[messageIDs[index]] = Self.messageOrder(byMessage[messageIDs[index]] ?? [])
        }
        prefetched = next
    }

    /// The log records of these traces (of those ``prefetch(traces:)`` read) and of their jobs,
    /// one statement per segment for each ``prefetchBatch`` of keys (a one-shot reader only).
    public func prefetchLogs(traces ids: Set<TraceID>) throws {
        prefetched.logs = [:]
        prefetched.jobLogs = [:]
        guard access == .snapshot, ids.count > 1 else { return }
        let traces = ids.filter { prefetched.spans[$0] != nil }.sorted()
        guard !traces.isEmpty else { return }

        // Each trace's records: those of its id and those of its low 64 bits alone (a Datadog
        // or B3 id), which belong to every trace with those low bits.
        let keys = Array(Set(traces.flatMap { [$0, TraceID(high: 0, low: $0.low)] })).sorted()
        var byKey: [TraceID: [LogRow]] = [:]
        let complete = try batched(keys, { "SELECT \(Self.logColumns) FROM logs WHERE trace_id IN (\($0))" },
                                   bind: { $0.bind($1, $2) }, read: { statement in
                                       for row in try readLogRows(statement) {
                                           if let id = row.record.traceID { byKey[id, default: []].append(row) }
                                       }
                                       return true
                                   })
        let read = Set(complete.map { keys[$0] })
        for trace in traces where read.contains(trace) && read.contains(TraceID(high: 0, low: trace.low)) {
            let short = TraceID(high: 0, low: trace.low)
            let rows = (byKey[trace] ?? []) + (short == trace ? [] : byKey[short] ?? [])
            prefetched.logs[trace] = try records(Self.logOrder(rows))
        }

        // The records of their jobs (as the analysis asks for them: the job ids of the spans
        // that may enqueue or execute one), every record of each job read and the first
        // `logsPerJobID` of all segments kept. A batch that finds more than `jobBound` rows in
        // a segment is not kept.
        let jobBound = max(Self.logsPerJobID, prefetchBatch * 64)
        let jobs = traces.flatMap { prefetched.spans[$0] ?? [] }.jobIDs.sorted()
        var byJob: [String: [LogRow]] = [:]
        for index in try batched(jobs, {
            "SELECT \(Self.logColumns) FROM logs WHERE job_id IN (\($0)) LIMIT \(jobBound + 1)"
        }, bind: { $0.bind($1, $2) }, read: { statement in
            let rows = try readLogRows(statement)
            guard rows.count <= jobBound else { return false }
            for row in rows { if let job = row.record.jobID { byJob[job, default: []].append(row) } }
            return true
        }) {
            let job = jobs[index]
            prefetched.jobLogs[job] = try records(Array(Self.logOrder(byJob[job] ?? []).prefix(Self.logsPerJobID)))
        }
    }
}

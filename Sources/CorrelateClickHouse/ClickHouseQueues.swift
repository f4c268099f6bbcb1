public import CorrelateModel
import CorrelateJSON

/// Queue statistics in one SQL statement, computed by ClickHouse over `otel_traces` with the
/// rules of `QueueReport` (CorrelateEngine), so that a window of a busy store is not read out
/// span by span:
///
/// - A job is a span that started in the window and may execute one (CONSUMER, or SERVER with a
///   job id); receive and process spans are one job, under the outermost CONSUMER (a recursive
///   walk up CONSUMER parents within the window).
/// - Its producer: the parent when it is a PRODUCER (or, for a SERVER, a CLIENT parent with the
///   same job id); else every PRODUCER its `Links` point at; else, for a CONSUMER, the first
///   PRODUCER (by start) with the same job id within a day of the window. Parents and linked
///   spans are looked for in their traces' time (`otel_traces_trace_id_ts`), wherever that is.
/// - Its wait: consumer start − producer end (0 when the consumer started inside the producer
///   span; no wait, counted apart, when it started before the producer — clock skew); a job with
///   several producers waits as long as its oldest message.
/// - It failed when a span whose status is Error or which has an `exception` event is under
///   one of its consumer spans with no other CONSUMER between (a recursive walk up the parents).
/// - Its queue: the first name among its spans' queue attributes (top consumer, members,
///   producers), as `Span.queueName` reads a value (trimmed; an http(s) URL by its last path
///   segment; `queues:NAME`; placeholders and brokers' URLs name none).
/// - Percentiles are the nearest-rank ones (`Percentiles`), taken from the sorted waits and
///   run times of each queue's jobs; the three longest waits with their traces.
///
/// Where it knows more than `QueueReport` reading spans: it sees every producer at once, while
/// `QueueReport` looks outside the window only for jobs with no producer inside it — so a batch
/// linked to a message enqueued before the window waits as long as that message here, and a job
/// whose parent PRODUCER started before the window is joined to it rather than to a re-publish
/// with the same job id inside the window; it has no 500,000-span or 5,000-trace cap. A trace
/// missing from `otel_traces_trace_id_ts` is looked for within a day of the window.
///
/// Needs recursive CTEs (ClickHouse 24.4 and later, with the analyzer); on an older server the
/// store answers nil and `QueueReport` computes from the spans.
extension ClickHouseEventStore {
    public var computesQueueStatistics: Bool { recursiveCTEs }

    public func queueStatistics(
        in windows: [(start: Timestamp, end: Timestamp)], queues: Set<String>?, queueAttributes: [String]
    ) throws -> [[QueueStatistics]]? {
        guard recursiveCTEs else { return nil }
        var answers = windows.map { _ in [QueueStatistics]() }
        let asked = windows.indices.filter { windows[$0].start <= windows[$0].end }
        guard !asked.isEmpty else { return answers }
        let routingFirst = queueAttributes.filter { $0.hasSuffix("routing_key") } + queueAttributes.filter { !$0.hasSuffix("routing_key") }
        let lows = asked.map { max(0, windows[$0].start.nanoseconds) }, highs = asked.map { max(0, windows[$0].end.nanoseconds) }
        let parameters = [
            "low": String(lows.min()!), "high": String(highs.max()!), "lows": "[" + lows.map(String.init).joined(separator: ",") + "]",
            "highs": "[" + highs.map(String.init).joined(separator: ",") + "]", "day": String(Self.day),
            "jobKeys": ClickHouseRows.jobKeys, "queueKeys": Self.array(queueAttributes), "rabbitKeys": Self.array(routingFirst),
            "filtered": queues == nil ? "0" : "1", "only": Self.array((queues ?? []).sorted()), "none": QueueStatistics.noQueue,
        ]
        for row in try http.rows(queueSQL, parameters) {
            guard let period = row["Period"]?.int64, period >= 1, period <= asked.count, let queue = row["Queue"]?.string,
                  let jobs = row["Jobs"]?.int64 else { continue }
            let window = windows[asked[Int(period) - 1]]
            func percentiles(_ prefix: String) -> Percentiles? {
                guard let p50 = row[prefix + "50"]?.double, let p95 = row[prefix + "95"]?.double, let p99 = row[prefix + "99"]?.double,
                      let max = row[prefix + "Max"]?.double else { return nil }
                return Percentiles(p50: p50, p95: p95, p99: p99, max: max)
            }
            let waited = Int(row["Waited"]?.int64 ?? 0)
            let longest = (row["Longest"]?.array ?? []).compactMap { entry -> QueueStatistics.Waiter? in
                guard let fields = entry.array, fields.count == 4, let wait = fields[0].double,
                      let trace = fields[1].string.flatMap(TraceID.init(hex:)), let consumer = fields[2].string.flatMap(SpanID.init(hex:)) else { return nil }
                let producer = fields[3].string.flatMap(TraceID.init(hex:))
                return QueueStatistics.Waiter(traceID: trace, consumer: consumer, producerTraceID: producer == trace ? nil : producer, waitMilliseconds: wait)
            }
            answers[asked[Int(period) - 1]].append(QueueStatistics(
                queue: queue, start: window.start, end: window.end, jobs: Int(jobs), wait: waited > 0 ? percentiles("W") : nil, waited: waited,
                clockSkew: Int(row["Skewed"]?.int64 ?? 0), execution: percentiles("X"), failures: Int(row["Failures"]?.int64 ?? 0),
                longestWaits: longest))
        }
        return answers.map { $0.sorted { $0.queue < $1.queue } }
    }

    /// The statement. Parameters: `low`/`high` (ns, the span of all windows), `lows`/`highs`
    /// (each window; a span is in window `u` when `lows[u] ≤ start ≤ highs[u]`, a job when its
    /// start is also below `highs[u]`), `day` (ns), `jobKeys`, `queueKeys`, `rabbitKeys` (routing
    /// keys first), `filtered`, `only`, `none`. Rows: `Period` (1-based window), `Queue`, counts,
    /// `W50`…`WMax` and `X50`…`XMax` (ms), `Longest` ([wait, trace, consumer span, producer trace]).
    ///
    /// Each window is computed on its own spans (a span at the boundary of two windows is in
    /// both), as `QueueReport` does one window at a time. Queue attributes travel as a small map
    /// and are read into names once, at the end.
    var queueSQL: String {
        let links = traceColumns.has("Links.TraceId")
            ? "`Links.TraceId` AS lt, arrayResize(`Links.SpanId`, length(`Links.TraceId`), '') AS ls"
            : "CAST([] AS Array(String)) AS lt, CAST([] AS Array(String)) AS ls"
        let exception = traceColumns.has("Events.Name") ? " OR has(`Events.Name`, 'exception')" : ""
        let kind = "transform(replaceOne(upper(SpanKind), 'SPAN_KIND_', ''), ['CONSUMER', 'PRODUCER', 'CLIENT', 'SERVER'], [5, 4, 3, 2], 0) AS k"
        // The job id: the first job id attribute the span has (`Span.messageID`).
        let job = "hasAny(mapKeys(SpanAttributes), {jobKeys:Array(String)}) AS jk, \(ClickHouseRows.jobID) AS j"
        let queueMap = "mapFilter((x, y) -> has({queueKeys:Array(String)}, x) OR x = 'messaging.system', SpanAttributes) AS q"
        // A span's queue names in order, each once, from its map `a` (`Span.queueNames`, `Span.queueName`).
        let path = "arrayFilter(x -> x != '', splitByChar('/', extract(substring(v, position(v, '://') + 3), '^[^?#]*')))"
        let names = """
            a -> arrayFilter(n -> n NOT IN ('', '<default>', 'amq.default', '(temporary)', '(anonymous)'), arrayMap(v -> multiIf(
                position(v, '://') > 0, if(startsWith(v, 'http') AND length(\(path)) >= 2, \(path)[-1], ''),
                startsWith(v, 'queues:'), substring(v, 8), v),
                arrayMap(x -> trimBoth(a[x], ' '), arrayFilter(x -> mapContains(a, x),
                    if(a['messaging.system'] = 'rabbitmq', {rabbitKeys:Array(String)}, {queueKeys:Array(String)})))))
            """
        let times = "toUnixTimestamp64Nano(Timestamp) AS b, \(ClickHouseRows.end) AS e"
        let window = "Timestamp BETWEEN fromUnixTimestamp64Nano({low:Int64}) AND fromUnixTimestamp64Nano({high:Int64})"
        let around = "Timestamp BETWEEN fromUnixTimestamp64Nano(greatest(0, {low:Int64} - {day:Int64})) AND fromUnixTimestamp64Nano({high:Int64} + {day:Int64})"
        // Parents and linked producers: within their traces' time when the lookup table says it
        // (one scalar subquery: each place it is named is analysed again).
        let traceRange = traceTimes.map { table in
            """
            WITH (SELECT if(count() > 0, (toDateTime64(min(Start), 9), toDateTime64(max(End), 9) + INTERVAL 1 SECOND),
                    (fromUnixTimestamp64Nano(greatest(0, {low:Int64} - {day:Int64})), fromUnixTimestamp64Nano({high:Int64} + {day:Int64})))
                FROM \(table) WHERE TraceId IN (SELECT t FROM pt)) AS range
            """
        } ?? ""
        let traceTime = traceTimes == nil ? around : "Timestamp BETWEEN range.1 AND range.2"
        // The traces of the jobs in the windows and those their links point at, read from the
        // table (as `w` would give them: a trace more would widen the range pool searches, and
        // a range of traces the lookup table has may leave out one it lacks).
        let kindValue = kind.replacingOccurrences(of: " AS k", with: "")
        let linked = traceColumns.has("Links.TraceId") ? "arrayConcat([TraceId], `Links.TraceId`)" : "[TraceId]"
        let nearestRank = { (array: String) in
            [50, 95, 99].map { "\(array)[greatest(1, intDiv(\($0) * length(\(array)) + 99, 100))] AS \(array)\($0)" }.joined(separator: ", ")
                + ", \(array)[-1] AS \(array)Max"
        }
        // A job: a span that started in its window (and before its end) and may execute one.
        let isJob = "b < {highs:Array(Int64)}[u] AND (k = 5 OR (k = 2 AND jk))"
        // Few places name each common table expression (`w` three: the walk's start and step and
        // `needj`; `pt` two), each chain read once below the one it reads: ClickHouse expands a
        // CTE wherever it is named, and analyses each copy (`w` was expanded ten times before).
        // It also runs each copy: the walk's step reads `w` again at every level. Where the
        // server keeps a CTE (`AS MATERIALIZED`, 26.3 and later; not inside `WITH RECURSIVE`),
        // `w` is read once into a temporary table, in a `WITH` around the recursive one.
        let materialized = release >= (26, 3)
        let windowSpans = """
            w AS \(materialized ? "MATERIALIZED " : "")(
                SELECT *, arrayJoin(arrayFilter(i -> b >= {lows:Array(Int64)}[i] AND b <= {highs:Array(Int64)}[i], arrayEnumerate({lows:Array(Int64)}))) AS u
                FROM (
                    SELECT TraceId AS t, SpanId AS s, ParentSpanId AS p, \(kind), \(times), \(job),
                        (upper(StatusCode) IN ('ERROR', 'STATUS_CODE_ERROR', '2')\(exception)) AS f, \(queueMap), \(links)
                    FROM \(traces) WHERE \(window)
                    LIMIT 1 BY t, s)
            )
            """
        let statement = """
            walk AS (
                SELECT u, t, arrayJoin(arrayConcat(if(\(isJob), [1], []), if(f, [2], []))) AS tag, s AS c, k, j, jk, b, q, p, lt, ls,
                    s AS a, p AS ap, k AS ak, b AS ab, e AS ae, q AS aq, 0 AS d
                FROM w WHERE (\(isJob)) OR f
                UNION ALL
                SELECT walk.u, walk.t, walk.tag, walk.c, walk.k, walk.j, walk.jk, walk.b, walk.q, walk.p, walk.lt, walk.ls,
                    w.s, w.p, w.k, w.b, w.e, w.q, walk.d + 1
                FROM walk INNER JOIN w ON w.u = walk.u AND w.t = walk.t AND w.s = walk.ap
                WHERE ((walk.tag = 1 AND w.k = 5) OR (walk.tag = 2 AND walk.ak != 5)) AND walk.d < 500
            ),
            jobs0 AS (
                SELECT u, t, node AS c, argMaxIf((a, ab, ae, aq), d, tag = 1) AS top, countIf(tag = 2) > 0 AS failed,
                    anyIf((k, j, jk, b, q, p, lt, ls), tag = 1) AS me
                FROM (SELECT *, if(tag = 1, c, a) AS node FROM walk)
                GROUP BY u, t, node
                HAVING countIf(tag = 1) > 0
            ),
            refs AS (
                SELECT u, t, c, top, failed, me.1 AS k, me.2 AS j, me.4 AS b, me.5 AS q, ref.1 AS rt, ref.2 AS rs, ref.3 AS r, ref.4 AS li, r = 3 AS isj
                FROM jobs0 ARRAY JOIN arrayConcat([(t, me.6, 1, 0)],
                    arrayMap((x, i) -> (x.1, x.2, 2, i), arrayDistinct(arrayZip(me.7, me.8)), arrayEnumerate(arrayDistinct(arrayZip(me.7, me.8)))),
                    if(me.1 = 5 AND me.3, [('', '', 3, 0)], [])) AS ref
            ),
            pt AS (
                SELECT DISTINCT arrayJoin(\(linked)) AS t FROM \(traces)
                WHERE \(window) AND (\(kindValue) = 5 OR (\(kindValue) = 2 AND hasAny(mapKeys(SpanAttributes), {jobKeys:Array(String)})))
                AND arrayExists(i -> toUnixTimestamp64Nano(Timestamp) >= {lows:Array(Int64)}[i] AND toUnixTimestamp64Nano(Timestamp) < {highs:Array(Int64)}[i],
                    arrayEnumerate({lows:Array(Int64)}))
            ),
            pool AS (
                \(traceRange)
                SELECT TraceId AS t, SpanId AS s, \(kind), \(times), \(job), \(queueMap)
                FROM \(traces)
                WHERE TraceId IN (SELECT t FROM pt) AND \(traceTime) AND (k = 4 OR (k = 3 AND jk))
                LIMIT 1 BY t, s
            ),
            needj AS (SELECT DISTINCT j FROM w WHERE k = 5 AND jk AND b < {highs:Array(Int64)}[u]),
            poolj AS (
                SELECT TraceId AS t, SpanId AS s, \(times), \(job), \(queueMap), 1 AS one
                FROM \(traces)
                WHERE \(around) AND \(kindValue) = 4 AND jk AND j IN (SELECT j FROM needj)
                LIMIT 1 BY t, s
            ),
            ranked AS (
                SELECT *, minIf(r, valid) OVER (PARTITION BY u, t, c) AS best,
                    row_number() OVER (PARTITION BY u, t, c, r, valid ORDER BY pr.3, pr.1, pr.2) AS rank
                FROM (
                    SELECT refs.u AS u, refs.t AS t, refs.c AS c, refs.top AS top, refs.failed AS failed, refs.k AS k, refs.b AS b, refs.q AS q,
                        refs.r AS r, refs.li AS li, if(refs.r = 3, poolj.s != '' AND poolj.s != refs.c,
                            pool.s != '' AND (pool.k = 4 OR (refs.r = 1 AND refs.k = 2 AND pool.k = 3 AND pool.j = refs.j))) AS valid,
                        if(refs.r = 3, (poolj.t, poolj.s, poolj.b, poolj.e, poolj.q), (pool.t, pool.s, pool.b, pool.e, pool.q)) AS pr
                    FROM refs
                    LEFT JOIN pool ON pool.t = refs.rt AND pool.s = refs.rs
                    LEFT JOIN poolj ON poolj.one = refs.isj AND poolj.j = refs.j)
            ),
            jh AS (
                SELECT u, t, top, c, q, failed, b AS mb, li, hop, if(hop, pr.1, '') AS pt, if(hop, pr.5, map()) AS pq, hop AND b < pr.3 AS skew,
                    toInt64(b) - toInt64(if(hop, pr.4, 0)) AS gap, if(skew, toFloat64(gap), toFloat64(greatest(gap, 0))) / 1000000 AS wait
                FROM (SELECT *, valid AND r = best AND (r != 3 OR rank = 1) AS hop FROM ranked)
                WHERE (hop OR (best = 0 AND r = 1)) AND (k = 5 OR hop)
            ),
            grouped AS (
                SELECT u, t, top.1 AS topSpan, any(top) AS tp, arrayMap(x -> x.3, arraySort(x -> (x.1, x.2), groupArray((mb, c, q)))) AS mq,
                    arrayMap(x -> x.4, arraySort(x -> (x.1, x.2, x.3), groupArrayIf((mb, c, li, pq), hop))) AS hq, countIf(hop) AS hops,
                    countIf(hop AND NOT skew) AS waited, argMaxIf((wait, c, pt), wait, hop AND NOT skew) AS longest, max(failed) AS anyFailed
                FROM jh GROUP BY u, t, top.1
            ),
            named AS (
                SELECT u, t, hops, waited, longest, anyFailed AS failed, greatest(0, tp.3 - tp.2) / 1000000 AS run,
                    arrayDistinct(arrayFlatten(arrayMap(\(names), arrayConcat([tp.4], mq, hq)))) AS names
                FROM grouped
            ),
            counted AS (
                SELECT u, queue, count() AS Jobs, countIf(waited > 0) AS Waited, countIf(waited = 0 AND hops > 0) AS Skewed,
                    countIf(failed) AS Failures, arraySort(groupArrayIf(longest.1, waited > 0)) AS W, arraySort(groupArray(run)) AS X,
                    arraySlice(arraySort(x -> (-x.1, x.2, x.3), groupArrayIf((longest.1, t, longest.2, longest.3), waited > 0)), 1, 3) AS Longest
                FROM named
                ARRAY JOIN if({filtered:UInt8}, arrayFilter(x -> has({only:Array(String)}, x), names), [if(empty(names), {none:String}, names[1])]) AS queue
                GROUP BY u, queue
            )
            SELECT u AS Period, queue AS Queue, Jobs, Waited, Skewed, Failures, \(nearestRank("W")), \(nearestRank("X")), Longest
            FROM counted ORDER BY Period, Queue
            """
        let settings = "SETTINGS allow_experimental_analyzer = 1, join_use_nulls = 0" + analysisSettings
        guard materialized else { return "WITH RECURSIVE\n\(windowSpans),\n\(statement)\n\(settings)" }
        return "WITH \(windowSpans)\nSELECT * FROM (\nWITH RECURSIVE\n\(statement)) ORDER BY Period, Queue\n\(settings), enable_materialized_cte = 1"
    }

    /// Two rewrites of the analyzer that this statement does not gain from, turned off where the
    /// server has them: inferring comparisons along `AND` chains (25.2 and later) and taking
    /// common terms out of `OR`s (24.12 and later). Each walks and hashes every condition of
    /// every copy of the CTEs; together they took about a third of the statement's analysis
    /// (~60 of ~190 ms on ClickHouse 26.9, BENCHMARKS.md), and neither changes which rows are read.
    var analysisSettings: String { Self.analysisSettings(release: release) }

    /// ``analysisSettings`` for a server of `release` (major, minor): only settings it knows (an
    /// unknown one fails the statement).
    static func analysisSettings(release: (Int, Int)) -> String {
        (release >= (24, 12) ? ", optimize_extract_common_expressions = 0" : "") + (release >= (25, 2) ? ", optimize_and_compare_chain = 0" : "")
    }
}

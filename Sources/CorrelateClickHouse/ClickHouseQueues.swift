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
    public func queueStatistics(
        in windows: [(start: Timestamp, end: Timestamp)], queues: Set<String>?, queueAttributes: [String]
    ) throws -> [[QueueStatistics]]? {
        guard try recursiveQueries() else { return nil }
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

    /// Whether the server runs recursive CTEs (24.4 and later), asked once.
    private func recursiveQueries() throws -> Bool {
        if let recursiveCTEs { return recursiveCTEs }
        let version = try http.rows("SELECT version() AS Version").first?["Version"]?.string ?? ""
        let parts = version.split(separator: ".").compactMap { Int($0) }
        let supported = parts.count >= 2 && (parts[0], parts[1]) >= (24, 4)
        recursiveCTEs = supported
        return supported
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
        // Parents and linked producers: within their traces' time when the lookup table says it.
        let traceTime = traceTimes.map { table in
            """
            Timestamp BETWEEN if(range.3 > 0, toDateTime64(range.1, 9), fromUnixTimestamp64Nano(greatest(0, {low:Int64} - {day:Int64})))
                AND if(range.3 > 0, toDateTime64(range.2, 9) + INTERVAL 1 SECOND, fromUnixTimestamp64Nano({high:Int64} + {day:Int64}))
            """
        } ?? around
        let pick = "u, t, c, pt, ps, pb, pe, pq, r, li"
        let nearestRank = { (array: String) in
            [50, 95, 99].map { "\(array)[greatest(1, intDiv(\($0) * length(\(array)) + 99, 100))] AS \(array)\($0)" }.joined(separator: ", ")
                + ", \(array)[-1] AS \(array)Max"
        }
        return """
            WITH RECURSIVE
            w AS (
                SELECT *, arrayJoin(arrayFilter(i -> b >= {lows:Array(Int64)}[i] AND b <= {highs:Array(Int64)}[i], arrayEnumerate({lows:Array(Int64)}))) AS u
                FROM (
                    SELECT TraceId AS t, SpanId AS s, ParentSpanId AS p, \(kind), \(times), \(job),
                        (upper(StatusCode) IN ('ERROR', 'STATUS_CODE_ERROR', '2')\(exception)) AS f, \(queueMap), \(links)
                    FROM \(traces) WHERE \(window)
                    LIMIT 1 BY t, s)
            ),
            m AS (SELECT * FROM w WHERE b < {highs:Array(Int64)}[u] AND (k = 5 OR (k = 2 AND jk))),
            up AS (
                SELECT u, t, s AS c, s AS a, p AS ap, 0 AS d FROM m
                UNION ALL
                SELECT up.u, up.t, up.c, w.s, w.p, up.d + 1 FROM up INNER JOIN w ON w.u = up.u AND w.t = up.t AND w.s = up.ap
                WHERE w.k = 5 AND up.d < 500
            ),
            fl AS (
                SELECT u, t, s, p, k, 0 AS d FROM w WHERE f
                UNION ALL
                SELECT w.u, w.t, w.s, w.p, w.k, fl.d + 1 FROM fl INNER JOIN w ON w.u = fl.u AND w.t = fl.t AND w.s = fl.p
                WHERE fl.k != 5 AND fl.d < 500
            ),
            pt AS (SELECT DISTINCT arrayJoin(arrayConcat([t], lt)) AS t FROM m),
            pool AS (
                \(traceTimes.map { "WITH (SELECT (min(Start), max(End), count()) FROM \($0) WHERE TraceId IN (SELECT t FROM pt)) AS range" } ?? "")
                SELECT TraceId AS t, SpanId AS s, \(kind), \(times), \(job), \(queueMap)
                FROM \(traces)
                WHERE TraceId IN (SELECT t FROM pt) AND \(traceTime) AND (k = 4 OR (k = 3 AND jk))
                LIMIT 1 BY t, s
            ),
            found AS (
                SELECT m.u AS u, m.t AS t, m.s AS c, pool.t AS pt, pool.s AS ps, pool.b AS pb, pool.e AS pe, pool.q AS pq, m.r AS r, m.li AS li
                FROM (
                    SELECT u, t, s, k, j, ref.1 AS rt, ref.2 AS rs, ref.3 AS r, ref.4 AS li
                    FROM m ARRAY JOIN arrayConcat([(t, p, 1, 0)],
                        arrayMap((x, i) -> (x.1, x.2, 2, i), arrayDistinct(arrayZip(lt, ls)), arrayEnumerate(arrayDistinct(arrayZip(lt, ls))))) AS ref
                ) AS m
                INNER JOIN pool ON pool.t = m.rt AND pool.s = m.rs
                WHERE pool.k = 4 OR (m.r = 1 AND m.k = 2 AND pool.k = 3 AND pool.j = m.j)
            ),
            needj AS (SELECT DISTINCT j FROM m WHERE k = 5 AND jk),
            poolj AS (
                SELECT TraceId AS t, SpanId AS s, \(times), \(job), \(queueMap)
                FROM \(traces)
                WHERE \(around) AND \(kind.replacingOccurrences(of: " AS k", with: "")) = 4 AND jk AND j IN (SELECT j FROM needj)
                LIMIT 1 BY t, s
            ),
            msg AS (
                SELECT m.u AS u, m.t AS t, m.s AS c, argMin((poolj.t, poolj.s, poolj.b, poolj.e, poolj.q), (poolj.b, poolj.t, poolj.s)) AS x,
                    x.1 AS pt, x.2 AS ps, x.3 AS pb, x.4 AS pe, x.5 AS pq, 3 AS r, 0 AS li
                FROM m INNER JOIN poolj ON poolj.j = m.j
                WHERE m.k = 5 AND m.jk AND poolj.s != m.s
                GROUP BY m.u, m.t, m.s
            ),
            h AS (
                SELECT u, t, c, pt, ps, pb, pe, pq, li FROM (
                    SELECT *, min(r) OVER (PARTITION BY u, t, c) AS best
                    FROM (SELECT \(pick) FROM found UNION ALL SELECT \(pick) FROM msg))
                WHERE r = best
            ),
            tops AS (SELECT u, t, c, argMax(a, d) AS top FROM up GROUP BY u, t, c),
            jh AS (
                SELECT m.u AS u, m.t AS t, tops.top AS top, m.s AS c, m.q AS q, (m.u, m.t, m.s) IN (SELECT u, t, s FROM fl) AS failed,
                    m.b AS mb, h.li AS li, h.ps != '' AS hop, h.pt AS pt, h.pq AS pq, m.b < h.pb AS skew, toInt64(m.b) - toInt64(h.pe) AS gap,
                    if(skew, toFloat64(gap), toFloat64(greatest(gap, 0))) / 1000000 AS wait
                FROM m INNER JOIN tops ON tops.u = m.u AND tops.t = m.t AND tops.c = m.s
                LEFT JOIN h ON h.u = m.u AND h.t = m.t AND h.c = m.s
                WHERE m.k = 5 OR hop
            ),
            jobs AS (
                SELECT u, t, top, arrayMap(x -> x.3, arraySort(x -> (x.1, x.2), groupArray((mb, c, q)))) AS mq,
                    arrayMap(x -> x.4, arraySort(x -> (x.1, x.2, x.3), groupArrayIf((mb, c, li, pq), hop))) AS hq, countIf(hop) AS hops, countIf(hop AND NOT skew) AS waited,
                    argMaxIf((wait, c, pt), wait, hop AND NOT skew) AS longest, max(failed) AS failed
                FROM jh GROUP BY u, t, top
            ),
            named AS (
                SELECT jobs.*, greatest(0, w.e - w.b) / 1000000 AS run,
                    arrayDistinct(arrayFlatten(arrayMap(\(names), arrayConcat([w.q], mq, hq)))) AS names
                FROM jobs INNER JOIN w ON w.u = jobs.u AND w.t = jobs.t AND w.s = jobs.top
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
            SETTINGS allow_experimental_analyzer = 1, join_use_nulls = 0
            """
    }
}

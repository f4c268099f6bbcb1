public import CorrelateModel

/// The tables the ClickHouse store reads and writes, as the OpenTelemetry Collector's
/// `clickhouseexporter` creates them (opentelemetry-collector-contrib,
/// `exporter/clickhouseexporter/internal/sqltemplates/`: `traces_table.sql` without full-text
/// search, `traces_id_ts_lookup_table.sql`, `traces_id_ts_lookup_mv.sql`, and `otel_logs` in
/// the layout ClickStack's schema of 2026 gives it: five-minute buckets, the token index on
/// `lower(Body)`), with the engine `MergeTree()` and the TTL of `--retain`; and the three
/// tables of correlate's own. `Tests/Fixtures/clickhouse/` holds the same statements, which the
/// tests apply as they are.
public enum ClickHouseSchema {
    /// `otel_traces`: one row per span; `Timestamp` its start, `Duration` nanoseconds.
    static func traces(_ table: String, ttl: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
            TraceId String CODEC(ZSTD(1)),
            SpanId String CODEC(ZSTD(1)),
            ParentSpanId String CODEC(ZSTD(1)),
            TraceState String CODEC(ZSTD(1)),
            SpanName LowCardinality(String) CODEC(ZSTD(1)),
            SpanKind LowCardinality(String) CODEC(ZSTD(1)),
            ServiceName LowCardinality(String) CODEC(ZSTD(1)),
            ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            ScopeName String CODEC(ZSTD(1)),
            ScopeVersion String CODEC(ZSTD(1)),
            SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            Duration UInt64 CODEC(T64, ZSTD(1)),
            StatusCode LowCardinality(String) CODEC(ZSTD(1)),
            StatusMessage String CODEC(ZSTD(1)),
            Events Nested (
                Timestamp DateTime64(9),
                Name LowCardinality(String),
                Attributes Map(LowCardinality(String), String)
            ) CODEC(ZSTD(1)),
            Links Nested (
                TraceId String,
                SpanId String,
                TraceState String,
                Attributes Map(LowCardinality(String), String)
            ) CODEC(ZSTD(1)),
            ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
            SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
            INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
            INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
            INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
        ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
        \(ttl.isEmpty ? "" : "TTL toDateTime(Timestamp) + \(ttl)")
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
        """
    }

    /// `otel_traces_trace_id_ts`: each trace id's first and last span start (several rows per
    /// trace, one per insert block: read with min/max).
    static func traceIDTimes(_ table: String, ttl: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            TraceId String CODEC(ZSTD(1)),
            Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
            End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
        ) ENGINE = MergeTree
        PARTITION BY toStartOfWeek(Start)
        ORDER BY (TraceId)
        \(ttl.isEmpty ? "" : "TTL Start + \(ttl)")
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
        """
    }

    static func traceIDTimesView(_ view: String, into table: String, from traces: String) -> String {
        """
        CREATE MATERIALIZED VIEW IF NOT EXISTS \(view) TO \(table)
        AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End
        FROM \(traces) WHERE TraceId != '' GROUP BY TraceId
        """
    }

    /// `otel_logs` in the exporter's current layout (sorted by five-minute bucket, service,
    /// time; no `TimestampTime`; the token index on `lower(Body)`).
    static func logs(_ table: String, ttl: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
            TraceId String CODEC(ZSTD(1)),
            SpanId String CODEC(ZSTD(1)),
            TraceFlags UInt8,
            SeverityText LowCardinality(String) CODEC(ZSTD(1)),
            SeverityNumber UInt8,
            ServiceName LowCardinality(String) CODEC(ZSTD(1)),
            Body String CODEC(ZSTD(1)),
            ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
            ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
            ScopeName String CODEC(ZSTD(1)),
            ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
            ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
            EventName String CODEC(ZSTD(1)),
            INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
            INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
            INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
        ) ENGINE = MergeTree()
        PARTITION BY toDate(Timestamp)
        PRIMARY KEY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
        ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
        \(ttl.isEmpty ? "" : "TTL toDateTime(Timestamp) + \(ttl)")
        SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
        """
    }

    /// correlate's alerts: one row per notification state; the newest `Revision` of
    /// (Fingerprint, StartsAt) wins (ReplacingMergeTree, read with FINAL).
    static func alerts(_ table: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            Fingerprint String,
            StartsAt DateTime64(9),
            EndsAt Nullable(DateTime64(9)),
            Status LowCardinality(String),
            AlertName String,
            Labels Array(Tuple(String, String)),
            Annotations Array(Tuple(String, String)),
            Source String,
            GeneratorURL String,
            Revision UInt64
        ) ENGINE = ReplacingMergeTree(Revision)
        ORDER BY (Fingerprint, StartsAt)
        """
    }

    /// correlate's bundles: one row per revision each server emitting it recorded; the first
    /// recorded (by the server's clock, `ClaimedAt` set by ClickHouse on insert) is the one
    /// emitted.
    static func bundles(_ table: String, ttl: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            Fingerprint String,
            StartsAt DateTime64(9),
            Revision UInt32,
            Instance String,
            ClaimedAt DateTime64(9) DEFAULT now64(9),
            Bundle String CODEC(ZSTD(3))
        ) ENGINE = MergeTree
        ORDER BY (Fingerprint, StartsAt, Revision)
        \(ttl.isEmpty ? "" : "TTL toDateTime(StartsAt) + \(ttl)")
        """
    }

    /// correlate's raw alert payloads, by (source file, line).
    static func rawAlerts(_ table: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            Source String,
            Line UInt64,
            Body String,
            InsertedAt DateTime DEFAULT now()
        ) ENGINE = ReplacingMergeTree
        ORDER BY (Source, Line)
        """
    }

    /// `INTERVAL 7 DAY` for a retention in nanoseconds (whole hours, at least one).
    public static func ttl(retain nanoseconds: Int64?) -> String {
        guard let nanoseconds else { return "" }
        let hours = max(1, nanoseconds / 3_600_000_000_000)
        return hours % 24 == 0 ? "INTERVAL \(hours / 24) DAY" : "INTERVAL \(hours) HOUR"
    }
}

/// The columns a table has (from `system.columns`): what the store reads and how.
struct TableColumns: Sendable, Equatable {
    var types: [String: String] = [:]
    /// Columns the server computes (`MATERIALIZED`, `ALIAS`, `EPHEMERAL`): read, never written.
    var computed: Set<String> = []

    func has(_ name: String) -> Bool { types[name] != nil }
}
